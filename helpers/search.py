"""Nearest-neighbour search with Faiss: exact search, index building, and measurement.

Introduced in lesson 05, which builds each index by hand first; lesson 06 retrieves with
it. Every index uses the inner product, which on unit vectors is the cosine.

Lessons: 05, 06, 07, 08, 09.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from helpers.vectors import as_matrix

__all__ = ["VectorIndex", "build_index", "exact_search", "knn_recall", "measure"]


# Which exact search is fastest depends on the batch. On the course's 2-core machines
# (200k x 384, top 10, two threads): for one query Faiss's threads fight over the single
# query (IndexFlatIP 178 ms) while NumPy's matrix-vector product + argpartition takes 60 ms;
# for 100 queries NumPy, in blocks, takes 0.8 s against Faiss's 5.5 s; from about 350
# queries on Faiss's blocked BLAS products win (7.5 s against NumPy's 17 s at 1,000), and
# NumPy would hold a (queries x rows) score matrix. So: NumPy below this many queries, Faiss
# from it. `python benchmarks/run.py --only batches` measures it again.
NUMPY_BELOW = 384
_BLOCK = 2 ** 25  # scores per NumPy block (128 MB of float32): bounds the memory of the NumPy path


def _numpy_knn(q_emb: np.ndarray, emb: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The NumPy path of :func:`exact_search`: scores block by block, argpartition, sort the k."""
    n = emb.shape[0]
    ids = np.empty((len(q_emb), k), dtype=np.int64)
    scores = np.empty((len(q_emb), k), dtype=np.float32)
    step = max(1, _BLOCK // n)
    for start in range(0, len(q_emb), step):
        with np.errstate(over="ignore", invalid="ignore"):  # reported below, with what to do
            block = q_emb[start:start + step] @ emb.T  # (queries, n)
        # A NaN or inf anywhere in a row of emb makes that row's score non-finite for every
        # query, so checking the scores finds it without a second pass over emb.
        if not np.isfinite(block).all():
            as_matrix(emb, "emb")  # names the bad row
            raise ValueError("the inner products overflow float32: emb or q_emb holds huge values; "
                             "normalize both first (helpers.vectors.normalize)")
        part = np.argpartition(block, n - k, axis=1)[:, n - k:]  # the k largest, unordered
        top = np.take_along_axis(block, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        ids[start:start + step] = np.take_along_axis(part, order, axis=1)
        scores[start:start + step] = np.take_along_axis(top, order, axis=1)
    return ids, scores


def exact_search(q_emb: np.ndarray, emb: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` rows of ``emb`` by inner product for each query: ``(ids, scores)``, (m, k).

    On unit vectors the inner product is the cosine. Both arrays must be float32 and
    C-contiguous (Faiss reads raw memory); the error says how to convert. Fewer than
    ``NUMPY_BELOW`` queries are scored with a NumPy matrix product and ``argpartition``;
    larger batches with Faiss's brute-force ``knn`` (blocked BLAS products and a heap per
    query). Both give the same ranking, ties aside.
    """
    small = isinstance(q_emb, np.ndarray) and q_emb.ndim == 2 and len(q_emb) < NUMPY_BELOW
    emb = as_matrix(emb, "emb", float32=True, finite=not small)  # the NumPy path checks its scores instead
    q_emb = as_matrix(q_emb, "q_emb", dim=emb.shape[1], float32=True)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 < k <= emb.shape[0]:
        as_matrix(emb, "emb")  # NaN in emb is the first thing to report
        raise ValueError(f"k must be an int between 1 and {emb.shape[0]} (rows of emb), got {k!r}")
    if small:
        return _numpy_knn(q_emb, emb, int(k))
    import faiss

    scores, ids = faiss.knn(q_emb, emb, int(k), metric=faiss.METRIC_INNER_PRODUCT)
    if (ids < 0).any() or not np.isfinite(scores).all():  # Faiss skips inf and NaN scores, leaving -1 ids
        raise ValueError("the inner products overflow float32: emb or q_emb holds huge values; "
                         "normalize both first (helpers.vectors.normalize)")
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
        from helpers.index_store import check_ids

        self.index, self.ids, self.factory = index, check_ids(ids, int(index.ntotal)), factory

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
        """Write ``path`` (the Faiss index) and ``path`` + ``.json`` (ids, factory, metric, checksums).

        Each file is written to a temporary name and renamed, so a reader never sees half a
        file. No pickle.
        """
        from helpers import index_store

        return index_store.write(self.index, self.ids, self.factory, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by :meth:`save`, refusing any pair of files that does not match.

        Raises :class:`helpers.index_store.IndexFileError` (a ``ValueError``) naming the file
        when the index file's SHA-256 differs from the one saved in the metadata (checked
        before Faiss reads it), or the ids, metric, count, dimension or factory disagree.
        Faiss's ``read_index`` is not safe on files from untrusted sources: only load
        indexes you built.
        """
        from helpers import index_store

        index, ids, factory = index_store.read(Path(path))
        return cls(index, ids, factory)


def _use_centroids(index: Any, centroids: np.ndarray, factory: str) -> None:
    """Fill an untrained IVF index's coarse quantizer with ``centroids``: Faiss then trains only the codes."""
    import faiss

    try:
        ivf = faiss.extract_index_ivf(index)
    except RuntimeError:
        raise ValueError(f"centroids are the cells of an IVF index; {factory!r} has no IVF part") from None
    centroids = as_matrix(centroids, "centroids", dim=ivf.d, float32=True)
    if len(centroids) != ivf.nlist:
        raise ValueError(f"{factory!r} has {ivf.nlist} cells, but {len(centroids)} centroids were given")
    ivf.quantizer.add(centroids)


def build_index(emb: np.ndarray, factory: str = "Flat", ids: Sequence[str] | None = None, *,
                train_size: int | None = None, seed: int = 0, ef_construction: int | None = None,
                centroids: np.ndarray | None = None) -> VectorIndex:
    """Build a Faiss index over the rows of ``emb`` with the inner product.

    ``factory`` is a Faiss factory string: ``"Flat"`` (exact), ``"IVF256,Flat"``,
    ``"HNSW32"``, ``"PQ48x4fs"``, ``"IVF256,PQ96x4fs,RFlat"``... It is read and checked
    against the data before Faiss sees it (:mod:`helpers.index_factory`), because some bad
    numbers crash Faiss instead of raising. Indexes that need training are trained on
    ``train_size`` rows (at most all of them) sampled with ``seed`` (default: all rows).
    ``ef_construction`` sets an HNSW graph's build-time search width (Faiss's default: 40).
    ``centroids`` gives an IVF index its cells ready-made (another IVF index's, with the same
    ``nlist``), so that training skips k-means and fits only the codes stored in the cells.
    """
    import faiss

    from helpers.index_factory import parse
    from helpers.index_store import check_ids

    emb = as_matrix(emb, "emb", float32=True)
    ids = [str(i) for i in range(len(emb))] if ids is None else check_ids(ids, len(emb))
    plan = parse(factory)
    if train_size is not None and (not isinstance(train_size, (int, np.integer)) or isinstance(train_size, bool)
                                   or train_size < 1):
        raise ValueError(f"train_size must be a positive int (how many rows to train on), got {train_size!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    n_train = len(emb) if train_size is None else min(int(train_size), len(emb))
    plan.check(emb.shape[1], len(emb), n_train)
    if ef_construction is not None and (plan.hnsw_m is None or not isinstance(ef_construction, int)
                                        or isinstance(ef_construction, bool) or ef_construction <= 0):
        raise ValueError(f"ef_construction must be a positive int, for HNSW indexes only; got {ef_construction!r} "
                         f"for {factory!r}")
    try:
        index = faiss.index_factory(emb.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as error:
        raise ValueError(f"Faiss cannot build {factory!r}: {str(error).splitlines()[-1]}") from None
    if ef_construction is not None:
        faiss.downcast_index(index).hnsw.efConstruction = ef_construction
    if centroids is not None:
        _use_centroids(index, centroids, factory)
    if not index.is_trained:
        rng = np.random.default_rng(int(seed))
        sample = emb if n_train == len(emb) else emb[np.sort(rng.choice(len(emb), n_train, replace=False))]
        try:
            index.train(sample)
        except RuntimeError as error:  # a case the plan's checks did not foresee
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
    (the first ``single_queries`` of them, at least 1).
    """
    q_emb = as_matrix(q_emb, "q_emb", dim=index.dim, float32=True)
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    if not isinstance(single_queries, int) or isinstance(single_queries, bool) or single_queries < 1:
        raise ValueError(f"single_queries must be a positive int (how many queries to time one at a time), "
                         f"got {single_queries!r}")
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
