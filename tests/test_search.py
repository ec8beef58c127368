"""helpers.search: indexes return the right ids, parameters take effect, files round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.search import VectorIndex, build_index, exact_search, knn_recall, measure


def clustered(n: int, d: int = 32, centres: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, d))
    x = c[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data():
    x = clustered(6000)
    q = clustered(300, seed=1)
    truth, _ = exact_search(q, x, k=10)
    return x, q, truth


def test_flat_index_is_exact_and_returns_the_given_ids(data):
    x, q, truth = data
    ids = [f"doc-{i}" for i in range(len(x))]
    index = build_index(x, "Flat", ids)
    found, scores = index.search(q, k=10)
    assert found[0] == [ids[r] for r in truth[0]]
    assert knn_recall(index.search_rows(q, 10), truth, 10) == 1.0
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first


def test_hnsw_ef_search_really_changes_the_results(data):
    """The parameter lives at index.hnsw.efSearch; setting it must change recall."""
    x, q, truth = data
    index = build_index(x, "HNSW16")
    recalls = []
    for ef in (1, 16, 256):
        index.set_search_params(ef_search=ef)
        assert index.index.hnsw.efSearch == ef
        recalls.append(knn_recall(index.search_rows(q, 10), truth, 10))
    assert recalls[0] < recalls[1] < recalls[2] and recalls[2] > 0.9
    # The tutorial's mistake, `index.efSearch = ...`, set a Python attribute Faiss never read;
    # this Faiss refuses unknown attributes, so the mistake is now loud.
    with pytest.raises(AttributeError, match="efSearch"):
        index.index.efSearch = 1


def test_ef_construction_is_set_on_the_graph(data):
    x, q, truth = data
    wide = build_index(x, "HNSW16", ef_construction=80)
    assert wide.index.hnsw.efConstruction == 80
    narrow = build_index(x, "HNSW16", ef_construction=4)
    for index in (wide, narrow):
        index.set_search_params(ef_search=16)
    assert knn_recall(narrow.search_rows(q, 10), truth, 10) < knn_recall(wide.search_rows(q, 10), truth, 10)


def test_ivf_nprobe_trades_recall_for_work(data):
    x, q, truth = data
    index = build_index(x, "IVF64,Flat")
    index.set_search_params(nprobe=1)
    low = knn_recall(index.search_rows(q, 10), truth, 10)
    index.set_search_params(nprobe=64)  # every list: exact
    assert low < 0.95 and knn_recall(index.search_rows(q, 10), truth, 10) == pytest.approx(1.0)


def test_pq_compresses_vectors(data):
    x, q, truth = data
    pq = build_index(x, "PQ8", train_size=3000)
    assert pq.nbytes() / len(pq) < 0.15 * build_index(x, "Flat").nbytes() / len(x)


def test_measure_reports_recall_speed_and_size(data):
    x, q, truth = data
    report = measure(build_index(x, "Flat"), q, truth, repeats=2, single_queries=20)
    assert report["recall@1"] == report["recall@10"] == 1.0
    assert report["batch QPS"] > 0 and report["ms per query"] > 0
    assert report["bytes per vector"] == pytest.approx(32 * 4, rel=0.05)


def test_save_and_load_round_trip_without_pickle(data, tmp_path):
    x, q, _ = data
    index = build_index(x, "IVF16,Flat", [f"p{i}" for i in range(len(x))])
    index.set_search_params(nprobe=4)
    path = index.save(tmp_path / "corpus.faiss")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.faiss", "corpus.faiss.json"]
    loaded = VectorIndex.load(path)
    assert loaded.factory == "IVF16,Flat" and loaded.search(q[:5], 3)[0] == index.search(q[:5], 3)[0]


def test_mismatched_files_are_refused(data, tmp_path):
    x, _, _ = data
    build_index(x[:100], "Flat").save(tmp_path / "a.faiss")
    build_index(x[:50], "Flat").save(tmp_path / "b.faiss")
    (tmp_path / "a.faiss.json").write_text((tmp_path / "b.faiss.json").read_text())
    with pytest.raises(ValueError, match="do not belong together"):
        VectorIndex.load(tmp_path / "a.faiss")
