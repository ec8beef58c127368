"""helpers.search: indexes return the right ids, parameters take effect, files round-trip."""

from __future__ import annotations

import json
import subprocess
import sys

import faiss
import numpy as np
import pytest

from helpers import search
from helpers.index_factory import parse
from helpers.index_store import IndexFileError
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


@pytest.mark.parametrize("factory", ["IVF64,SQ8", "IVF64,PQ8x4fs"])
def test_ivf_indexes_can_share_one_set_of_cells(data, factory):
    x, q, truth = data
    ivf = build_index(x, "IVF64,Flat")
    cells = faiss.extract_index_ivf(ivf.index).quantizer.reconstruct_n(0, 64)
    index = build_index(x, factory, centroids=cells)
    assert np.array_equal(faiss.extract_index_ivf(index.index).quantizer.reconstruct_n(0, 64), cells)  # not retrained
    same = [faiss.extract_index_ivf(i.index).quantizer.search(q, 1)[1] for i in (ivf, index)]
    assert np.array_equal(*same)  # every query falls in the same cell of both
    own = build_index(x, factory)  # trained from scratch: sharing the cells must lose nothing
    recalls = []
    for i in (index, own):
        i.set_search_params(nprobe=64)
        recalls.append(knn_recall(i.search_rows(q, 10), truth, 10))
    assert recalls[0] >= recalls[1] - 0.02, recalls


@pytest.mark.parametrize(("factory", "cells", "words"), [
    ("Flat", 64, "no IVF part"), ("HNSW16", 64, "no IVF part"), ("IVF64,Flat", 32, "64 cells, but 32 centroids")])
def test_centroids_that_do_not_fit_the_index_are_refused(data, factory, cells, words):
    x, _, _ = data
    with pytest.raises(ValueError, match=words):
        build_index(x, factory, centroids=x[:cells])


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


# --- hostile input (issue 16) and the speed of exact search (issue 17) ---------------------------


def run_probe(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter, so a crash fails this test instead of killing the run."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("factory, words", [
    ("HNSW1", "M (links per node) must be from 2"),   # segfaulted
    ("HNSW0", "M (links per node) must be from 2"),   # aborted
    ("PQ8x0", "bits per code must be from 1"),        # SIGFPE
    ("IVF4,SQ0", "not a scalar quantizer"),           # built, then found nothing (-1 ids, -inf)
    ("PQ5", "do not divide into 5 equal pieces"),
    ("PQ8x4fs,Bogus", "Faiss cannot build"),
    ("PQ8x12", "cannot train 'PQ8x12' on 600 vectors"),
    ("IVF601,Flat", "cannot train 'IVF601,Flat' on 600 vectors"),
])
def test_factory_strings_that_crashed_faiss_get_a_clear_error(factory, words):
    probe = run_probe(f"""
import numpy as np
from helpers.search import build_index
x = np.random.default_rng(0).standard_normal((600, 32)).astype(np.float32)
try:
    index = build_index(x, {factory!r})
    print("BUILT", index.search(x[:1], 3))
except ValueError as error:
    print("REFUSED", error)
""")
    assert probe.returncode == 0, f"{factory!r} killed the interpreter (code {probe.returncode}): {probe.stderr[-500:]}"
    assert probe.stdout.startswith("REFUSED") and words in probe.stdout, probe.stdout


@pytest.mark.parametrize("factory", ["Flat", "IVF16,Flat", "HNSW16", "HNSW8,SQ8", "SQ8", "SQfp16", "PQ8",
                                     "PQ8x4fs", "IVF16,PQ8x4fs", "IVF16,PQ16x4fs,RFlat", "PQ8,Refine(Flat)"])
def test_every_factory_the_grammar_accepts_builds_and_finds_neighbours(data, factory):
    x, q, truth = data
    index = build_index(x[:2000], factory, train_size=1000)
    assert index.factory == factory and len(index) == 2000
    rows = index.search_rows(x[:50], 10)
    # vectors find themselves in their top 10: 4-bit PQ on clustered data confuses near twins,
    # but an index that found nothing or returned random rows would score about 10 / 2000
    assert (rows >= 0).all() and (rows == np.arange(50)[:, None]).any(axis=1).mean() > 0.15


def test_the_grammar_reads_the_numbers():
    plan = parse("IVF1024,PQ96x4fs,RFlat")
    assert (plan.nlist, plan.pq, plan.fast_scan, plan.refine, plan.min_train) == (1024, (96, 4), True, "RFlat", 1024)
    assert parse("PQ48").pq == (48, 8) and parse("PQ48").min_train == 256
    assert parse("HNSW32").hnsw_m == 32 and not parse("HNSW32").needs_training
    with pytest.raises(ValueError, match="without spaces"):
        parse("IVF16, Flat")
    with pytest.raises(ValueError, match="fast-scan layout"):
        parse("PQ8x8fs")


def test_ids_must_be_a_list_of_unique_strings():
    x = clustered(4)
    with pytest.raises(TypeError, match="not one string"):
        build_index(x, ids="abcd")  # used to become the ids 'a', 'b', 'c', 'd'
    with pytest.raises(TypeError, match=r"ids\[1\]"):
        build_index(x, ids=["a", None, "c", "d"])
    with pytest.raises(ValueError, match="unique strings"):
        VectorIndex(build_index(x).index, ["a", "a", "b", "c"], "Flat")


def test_measure_refuses_zero_single_queries(data):
    x, q, truth = data
    with pytest.raises(ValueError, match="single_queries must be a positive int"):
        measure(build_index(x[:100], "Flat"), q[:5], truth[:5], single_queries=0)  # was ZeroDivisionError


@pytest.fixture()
def saved(data, tmp_path):
    x, _, _ = data
    index = build_index(x[:800], "IVF8,Flat", [f"p{i}" for i in range(800)])
    return index, index.save(tmp_path / "corpus.faiss")


def test_save_writes_checksums_metric_and_factory(saved):
    index, path = saved
    meta = json.loads(path.with_name("corpus.faiss.json").read_text())
    assert meta["metric"] == "inner_product" and meta["factory"] == "IVF8,Flat" and len(meta["index_sha256"]) == 64
    assert len(meta["ids_sha256"]) == 64 and not list(path.parent.glob("*.tmp*"))  # no temporary file left


def rewrite(path, **changes):
    """Change fields of the metadata next to ``path``, as a careless edit or a mix-up would."""
    meta_path = path.with_name(path.name + ".json")
    meta = json.loads(meta_path.read_text())
    meta.update(changes)
    meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize("change, words", [
    ({"ids": ["p0"] * 800}, "unique strings"),
    ({"ids": [None] + [f"p{i}" for i in range(1, 800)]}, "ids[0]"),
    ({"ids": [f"p{i}" for i in range(799, -1, -1)]}, "do not match their checksum"),  # same ids, reordered
    ({"factory": "IVF16,Flat"}, "the files do not belong together"),
    ({"factory": "HNSW8,SQ0"}, "cannot be read"),
    ({"metric": "l2"}, "inner product"),
    ({"index_sha256": None}, "damaged"),
])
def test_edited_metadata_is_refused(saved, change, words):
    _, path = saved
    rewrite(path, **change)
    with pytest.raises(IndexFileError) as info:
        VectorIndex.load(path)
    assert words in str(info.value) and "corpus.faiss" in str(info.value)


def test_another_index_of_the_same_size_is_refused(saved, data):
    _, path = saved
    x, _, _ = data
    other = build_index(x[800:1600], "IVF8,Flat", [f"p{i}" for i in range(800)])
    faiss.write_index(other.index, str(path))  # another corpus, same size, same factory
    with pytest.raises(IndexFileError, match="does not match the checksum"):
        VectorIndex.load(path)


def test_an_l2_index_is_refused_even_with_a_matching_checksum(saved, data):
    from helpers.index_store import _sha256_file

    _, path = saved
    x, _, _ = data
    l2 = faiss.IndexFlatL2(x.shape[1])
    l2.add(x[:800])
    faiss.write_index(l2, str(path))
    rewrite(path, index_sha256=_sha256_file(path), factory="Flat")  # a hand-made metadata file
    with pytest.raises(IndexFileError, match="another metric than the inner product"):
        VectorIndex.load(path)


def test_metadata_without_a_checksum_is_refused(saved):
    _, path = saved
    meta_path = path.with_name(path.name + ".json")
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({key: meta[key] for key in ("factory", "dim", "n", "ids")}))  # the old format
    with pytest.raises(IndexFileError, match="has no checksum"):
        VectorIndex.load(path)


def test_every_byte_flipped_file_is_refused_never_loaded_or_a_faiss_error(saved):
    """Flip one byte at 48 places across the index file and 12 in its metadata (each a fresh copy)."""
    _, path = saved
    probe = run_probe(f"""
import json, pathlib, shutil, tempfile
import numpy as np
from helpers.search import VectorIndex
from helpers.index_store import IndexFileError
source = pathlib.Path({str(path)!r})
outcomes = {{}}
for target, count in [("index", 48), ("meta", 12)]:
    size = (source if target == "index" else source.with_name(source.name + ".json")).stat().st_size
    for position in np.unique(np.linspace(0, size - 1, count).astype(int)):
        folder = pathlib.Path(tempfile.mkdtemp())
        copy = folder / source.name
        shutil.copy(source, copy)
        shutil.copy(source.with_name(source.name + ".json"), folder / (source.name + ".json"))
        flipped = copy if target == "index" else folder / (source.name + ".json")
        raw = bytearray(flipped.read_bytes())
        raw[position] ^= 0xFF
        flipped.write_bytes(bytes(raw))
        try:
            loaded = VectorIndex.load(copy)
            outcome = "loaded"
        except IndexFileError:
            outcome = "refused"
        except Exception as error:
            outcome = f"raw {{type(error).__name__}}: {{error}}"
        outcomes[f"{{target}}@{{position}}"] = outcome
        shutil.rmtree(folder)
print(json.dumps(outcomes))
""")
    assert probe.returncode == 0, f"a flipped file killed the interpreter: {probe.stderr[-500:]}"
    outcomes = json.loads(probe.stdout.strip().splitlines()[-1])
    assert len(outcomes) >= 55
    wrong = {where: what for where, what in outcomes.items() if what != "refused"}
    assert not wrong, f"flipped files not refused with IndexFileError: {wrong}"


@pytest.mark.parametrize("m", [1, 100, search.NUMPY_BELOW - 1, search.NUMPY_BELOW, 1000])
def test_exact_search_ranks_like_index_flat_ip_at_every_batch_size(m):
    emb = clustered(5000, d=48, seed=2)
    q_emb = clustered(m, d=48, seed=3)
    flat = faiss.IndexFlatIP(48)
    flat.add(emb)
    want_scores, want_ids = flat.search(q_emb, 10)
    ids, scores = exact_search(q_emb, emb, k=10)
    assert ids.shape == (m, 10) and ids.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    same = ids == want_ids
    # ties aside: where the ids differ, their scores agree to rounding
    assert same.mean() > 0.99 and np.allclose(scores[~same], want_scores[~same], atol=1e-5)


def test_one_query_never_goes_through_faiss(monkeypatch):
    """RECIPES: Faiss's threads make it 2-4x slower for one query; the NumPy path serves it."""
    emb, q_emb = clustered(300), clustered(3, seed=1)
    monkeypatch.setattr(faiss, "knn", lambda *args, **kwargs: pytest.fail("faiss.knn called for 3 queries"))
    ids, _ = exact_search(q_emb, emb, k=4)
    np.testing.assert_array_equal(ids, np.argsort(-(q_emb @ emb.T), axis=1)[:, :4])


@pytest.mark.parametrize("m", [1, search.NUMPY_BELOW])
def test_exact_search_reports_nan_inf_and_overflow_on_both_paths(m):
    emb, q_emb = clustered(500), clustered(m, seed=1)
    for value, words in [(np.nan, "NaN or inf values (row 7)"), (np.inf, "NaN or inf values (row 7)"),
                         (-np.inf, "NaN or inf values (row 7)")]:
        bad = emb.copy()
        bad[7, 3] = value
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
            exact_search(q_emb, bad, k=5)
    with pytest.raises(ValueError, match="overflow float32"):
        exact_search(q_emb * np.float32(3e37), emb * np.float32(3e37), k=5)
