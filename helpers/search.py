"""Nearest-neighbour search with Faiss: exact search, index building, and measurement.

Introduced in lesson 05, which builds each index by hand first; lesson 06 retrieves with
it. Every index uses the inner product, which on unit vectors is the cosine.

Lessons: 05, 06.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from helpers.vectors import as_matrix

__all__ = ["VectorIndex", "build_index", "exact_search", "knn_recall", "measure"]


def exact_search(q_emb: np.ndarray, emb: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` rows of ``emb`` by inner product for each query: ``(ids, scores)``, (m, k).

    On unit vectors the inner product is the cosine. Both arrays must be float32 and
    C-contiguous (Faiss reads raw memory); the error says how to convert. Uses Faiss's
    brute-force ``knn`` (blocked BLAS products and a heap per query), which skips the copy
    into an index that ``IndexFlatIP.add`` makes.
    """
    import faiss

    emb = as_matrix(emb, "emb", float32=True)
    q_emb = as_matrix(q_emb, "q_emb", dim=emb.shape[1], float32=True)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 < k <= emb.shape[0]:
        raise ValueError(f"k must be an int between 1 and {emb.shape[0]} (rows of emb), got {k!r}")
    scores, ids = faiss.knn(q_emb, emb, int(k), metric=faiss.METRIC_INNER_PRODUCT)
    return ids, scores


def _check_k(k: Any, n: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 < k <= n:
        raise ValueError(f"k must be an int between 1 and {n} (the vectors in the index), got {k!r}")
    return int(k)


class VectorIndex:
    """A Faiss index with the course's conventions: inner product, string ids, safe save/load.

    Build one with :func:`build_index`. ``search`` returns the ids you gave, not row numbers;
    ``set_search_params`` sets ``nprobe`` (IVF) and ``efSearch`` (HNSW) where Faiss reads them.
    """

    def __init__(self, index: Any, ids: Sequence[str], factory: str) -> None:
        if index.ntotal != len(ids):
            raise ValueError(f"the index holds {index.ntotal} vectors but {len(ids)} ids were given")
        self.index, self.ids, self.factory = index, list(ids), factory

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, q_emb: np.ndarray, k: int = 10) -> tuple[list[list[str]], np.ndarray]:
        """The ``k`` best ids and scores (inner products) for each query row, best first."""
        q_emb = as_matrix(q_emb, "q_emb", dim=self.dim, float32=True)
        k = _check_k(k, len(self))
        scores, rows = self.index.search(q_emb, k)
        return [[self.ids[r] for r in row if r >= 0] for row in rows], scores

    def search_rows(self, q_emb: np.ndarray, k: int = 10) -> np.ndarray:
        """Like :meth:`search`, but row numbers (int64, -1 where fewer than k were found)."""
        q_emb = as_matrix(q_emb, "q_emb", dim=self.dim, float32=True)
        return self.index.search(q_emb, _check_k(k, len(self)))[1]

    def set_search_params(self, *, nprobe: int | None = None, ef_search: int | None = None) -> None:
        """Set how much of the index a search visits: IVF's ``nprobe``, HNSW's ``efSearch``.

        Faiss reads efSearch from ``index.hnsw.efSearch`` and nprobe from the IVF part of a
        composite index; this finds them. (``index.efSearch = ...`` was silently ignored by
        older Faiss releases; Faiss 1.15 raises AttributeError.)
        """
        import faiss

        if nprobe is not None:
            ivf = faiss.try_extract_index_ivf(self.index)
            if ivf is None:
                raise ValueError(f"nprobe applies to IVF indexes; this one is {self.factory!r}")
            if not isinstance(nprobe, int) or not 0 < nprobe <= ivf.nlist:
                raise ValueError(f"nprobe must be an int between 1 and nlist={ivf.nlist}, got {nprobe!r}")
            ivf.nprobe = nprobe
        if ef_search is not None:
            hnsw = getattr(faiss.downcast_index(self.index), "hnsw", None)
            if hnsw is None:
                raise ValueError(f"ef_search applies to HNSW indexes; this one is {self.factory!r}")
            if not isinstance(ef_search, int) or ef_search <= 0:
                raise ValueError(f"ef_search must be a positive int, got {ef_search!r}")
            hnsw.efSearch = ef_search

    def nbytes(self) -> int:
        """The size of the index file in bytes (what it takes on disk and, roughly, in memory).

        Written to a temporary file: serializing in memory would double the memory peak.
        """
        import tempfile

        import faiss

        with tempfile.TemporaryDirectory() as folder:
            faiss.write_index(self.index, f"{folder}/index")
            return os.path.getsize(f"{folder}/index")

    def save(self, path: str | Path) -> Path:
        """Write ``path`` (the Faiss index) and ``path`` + ``.json`` (ids, factory). No pickle."""
        import faiss

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"factory": self.factory, "dim": self.dim, "n": len(self), "ids": self.ids,
                "faiss": faiss.__version__, "metric": "inner_product"}
        for target, write in [(path, lambda tmp: faiss.write_index(self.index, tmp)),
                              (_meta_path(path), lambda tmp: Path(tmp).write_text(json.dumps(meta)))]:
            tmp = f"{target}.tmp{os.getpid()}"
            write(tmp)
            os.replace(tmp, target)  # a reader never sees half a file
        return path

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by :meth:`save`; checks that the two files belong together."""
        import faiss

        path = Path(path)
        if not path.is_file() or not _meta_path(path).is_file():
            raise FileNotFoundError(f"need both {path} and {_meta_path(path)}; write them with VectorIndex.save")
        meta = json.loads(_meta_path(path).read_text())
        index = faiss.read_index(str(path))
        if index.ntotal != meta["n"] or index.d != meta["dim"]:
            raise ValueError(f"{path} holds {index.ntotal} x {index.d} vectors but its metadata says "
                             f"{meta['n']} x {meta['dim']}: the files do not belong together")
        return cls(index, meta["ids"], meta["factory"])


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def build_index(emb: np.ndarray, factory: str = "Flat", ids: Sequence[str] | None = None, *,
                train_size: int | None = None, seed: int = 0, ef_construction: int | None = None) -> VectorIndex:
    """Build a Faiss index over the rows of ``emb`` with the inner product.

    ``factory`` is a Faiss factory string: ``"Flat"`` (exact), ``"IVF256,Flat"``,
    ``"HNSW32"``, ``"PQ48x4fs"``, ``"IVF256,PQ96x4fs"``... Indexes that need training are
    trained on ``train_size`` rows sampled with ``seed`` (default: all rows).
    ``ef_construction`` sets an HNSW graph's build-time search width (Faiss's default: 40).
    """
    import faiss

    emb = as_matrix(emb, "emb", float32=True)
    ids = [str(i) for i in range(len(emb))] if ids is None else list(ids)
    if len(ids) != len(emb) or len(set(ids)) != len(ids):
        raise ValueError(f"ids must be {len(emb)} unique strings, one per row of emb")
    if not isinstance(factory, str) or not factory:
        raise TypeError(f"factory must be a Faiss factory string such as 'HNSW32', got {factory!r}")
    try:
        index = faiss.index_factory(emb.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as error:
        raise ValueError(f"Faiss cannot build {factory!r}: {str(error).splitlines()[-1]}") from None
    if ef_construction is not None:
        hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
        if hnsw is None or not isinstance(ef_construction, int) or ef_construction <= 0:
            raise ValueError(f"ef_construction must be a positive int, for HNSW indexes only; got {ef_construction!r} "
                             f"for {factory!r}")
        hnsw.efConstruction = ef_construction
    if not index.is_trained:
        rng = np.random.default_rng(seed)
        n_train = len(emb) if train_size is None else min(int(train_size), len(emb))
        sample = emb if n_train == len(emb) else emb[np.sort(rng.choice(len(emb), n_train, replace=False))]
        try:
            index.train(sample)
        except RuntimeError as error:  # e.g. fewer training vectors than IVF lists or PQ centroids
            raise ValueError(f"Faiss cannot train {factory!r} on {len(sample)} vectors: "
                             f"{str(error).splitlines()[-1].split('failed: ')[-1]}") from None
    index.add(emb)
    return VectorIndex(index, ids, factory)


def knn_recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Mean fraction of each query's true top-``k`` rows that appear in its returned top-``k``.

    ``found`` and ``truth`` are (m, >= k) arrays of row numbers (for example from
    :meth:`VectorIndex.search_rows` and :func:`exact_search`). recall@1 asks whether the
    single best row was found first.
    """
    found, truth = np.asarray(found), np.asarray(truth)
    if found.ndim != 2 or truth.ndim != 2 or len(found) != len(truth):
        raise ValueError(f"found and truth must be (queries, k) arrays with the same number of rows, "
                         f"got {found.shape} and {truth.shape}")
    k = _check_k(k, min(found.shape[1], truth.shape[1]))
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def measure(index: VectorIndex, q_emb: np.ndarray, truth: np.ndarray, *, k: int = 10,
            repeats: int = 3, single_queries: int = 200) -> dict[str, float]:
    """Recall, speed and size of ``index`` on the queries ``q_emb`` against exact ``truth`` rows.

    Speeds are medians over ``repeats`` runs after one warm-up: queries per second for the
    whole batch in one call, and milliseconds per query when queries come one at a time
    (the first ``single_queries`` of them).
    """
    q_emb = as_matrix(q_emb, "q_emb", dim=index.dim, float32=True)
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    found = index.search_rows(q_emb, k)  # also the warm-up
    batch, single = [], []
    ones = q_emb[:single_queries]
    for _ in range(repeats):
        start = time.perf_counter()
        index.search_rows(q_emb, k)
        batch.append(time.perf_counter() - start)
        start = time.perf_counter()
        for row in range(len(ones)):
            index.index.search(ones[row:row + 1], k)
        single.append((time.perf_counter() - start) / len(ones))
    return {"recall@1": knn_recall(found, truth, 1), f"recall@{k}": knn_recall(found, truth, k),
            "batch QPS": len(q_emb) / float(np.median(batch)), "ms per query": 1000 * float(np.median(single)),
            "bytes per vector": index.nbytes() / len(index)}
