"""Smaller vectors: float16, int8 and binary codes, Matryoshka truncation, and rescoring.

Every option here trades a little quality for memory and speed. :class:`CompressedIndex`
keeps a corpus at one precision in the Faiss index made for it (``IndexFlatIP`` for
float32, ``IndexScalarQuantizer`` for float16 and int8, ``IndexBinaryFlat`` or
``IndexBinaryHNSW`` over sign bits), and can **rescore**: fetch ``k x rescore`` candidates
with the cheap codes, score them again with the float query against the stored codes,
keep ``k`` (the recipe of sentence-transformers' ``semantic_search_faiss``). The codes
themselves come from sentence-transformers' ``quantize_embeddings``.

Lesson 08; lesson 09 stores vectors at these precisions.

Lessons: 08, 09.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import numpy as np

from helpers.core.validate import check_positive_int
from helpers.search import exact_search, knn_recall
from helpers.vectors import as_matrix, normalize

__all__ = ["PRECISIONS", "CompressedIndex", "bytes_per_vector", "compare", "quantize", "truncate"]

PRECISIONS = ("float32", "float16", "int8", "binary")
_BYTES = {"float32": 4.0, "float16": 2.0, "int8": 1.0, "binary": 1 / 8}


def _check_precision(precision: Any) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    return precision


def _check_float(vectors: Any, name: str) -> np.ndarray:
    """A float32, C-contiguous (n, d) matrix (float16/float64 are converted; integer codes are refused)."""
    if isinstance(vectors, np.ndarray) and vectors.dtype.kind in "iub":
        raise TypeError(f"{name} must be float vectors, got dtype {vectors.dtype}: quantize the original "
                        "float32 vectors, not codes made from them")
    vectors = as_matrix(vectors, name)
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _check_binary_dim(dim: int) -> None:
    if dim % 8:
        raise ValueError(f"binary codes pack 8 dimensions per byte, so the dimension must be a multiple of 8; "
                         f"got {dim} (truncate to {dim - dim % 8} first)")


def bytes_per_vector(dim: int, precision: str) -> float:
    """Bytes one ``dim``-dimensional vector takes at ``precision`` (codes only, no index overhead)."""
    check_positive_int("dim", dim)
    if _check_precision(precision) == "binary":
        _check_binary_dim(dim)
    return dim * _BYTES[precision]


def quantize(vectors: np.ndarray, precision: str, calibration: np.ndarray | None = None) -> np.ndarray:
    """``vectors`` as ``precision`` codes: float16, int8 (per-dimension ranges from ``calibration``),
    or binary (one sign bit per dimension, packed 8 to a byte as uint8, Faiss's layout)."""
    vectors = _check_float(vectors, "vectors")
    precision = _check_precision(precision)
    if precision == "float32":
        return vectors
    if precision == "float16":
        return vectors.astype(np.float16)
    from sentence_transformers.util.quantization import quantize_embeddings

    if precision == "binary":
        _check_binary_dim(vectors.shape[1])
        return quantize_embeddings(vectors, "ubinary")
    if calibration is None:
        raise ValueError("int8 needs calibration vectors: each dimension's range (min to max) is cut into 256 "
                         "steps, and the ranges must come from vectors like the corpus's, e.g. quantize(x, "
                         "'int8', calibration=corpus_vectors[:10_000])")
    calibration = _check_float(calibration, "calibration")
    if calibration.shape[1] != vectors.shape[1]:
        raise ValueError(f"calibration has {calibration.shape[1]} dimensions, vectors {vectors.shape[1]}")
    return quantize_embeddings(vectors, "int8", calibration_embeddings=calibration)


def truncate(vectors: np.ndarray, dim: int) -> np.ndarray:
    """The first ``dim`` dimensions of each vector, scaled back to unit length (Matryoshka truncation)."""
    vectors = _check_float(vectors, "vectors")
    check_positive_int("dim", dim)
    if dim > vectors.shape[1]:
        raise ValueError(f"cannot truncate {vectors.shape[1]}-dimensional vectors to {dim} dimensions")
    return normalize(np.ascontiguousarray(vectors[:, :dim]))


def _scalar_index(vectors: np.ndarray, precision: str) -> Any:
    """A Faiss inner-product index holding ``vectors`` as float32, float16 or int8 codes."""
    import faiss

    if precision == "float32":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        kind = faiss.ScalarQuantizer.QT_fp16 if precision == "float16" else faiss.ScalarQuantizer.QT_8bit
        index = faiss.IndexScalarQuantizer(vectors.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)  # int8: learns each dimension's range (min to max) from the corpus
    index.add(vectors)
    return index


class CompressedIndex:
    """A corpus of unit vectors stored at one precision, searched with Faiss, optionally rescored.

    >>> index = CompressedIndex(corpus_vectors, "binary", rescore=4)  # doctest: +SKIP
    >>> ids, scores = index.search(query_vectors, k=10)  # doctest: +SKIP
    """

    def __init__(self, vectors: np.ndarray, precision: str, *, rescore: int = 1, rescore_with: str | None = None,
                 hnsw: bool = False) -> None:
        vectors = _check_float(vectors, "vectors")
        self.precision = _check_precision(precision)
        if not isinstance(rescore, int) or isinstance(rescore, bool) or rescore < 1:
            raise ValueError(f"rescore is how many times k candidates to fetch before rescoring: an int of at "
                             f"least 1 (1 = no rescoring), got {rescore!r}")
        if rescore > 1 and precision == "float32":
            raise ValueError("rescoring float32 results with float32 vectors changes nothing: use rescore=1")
        if rescore_with is not None:
            if rescore == 1:
                raise ValueError("rescore_with needs rescore > 1: how many times k candidates to fetch")
            if _check_precision(rescore_with) == "binary":
                raise ValueError("rescore_with must be finer than the index's codes: float32, float16 or int8")
        self.n, self.dim = vectors.shape
        self.rescore, self.rescore_with, self.hnsw = rescore, rescore_with, bool(hnsw)
        if precision == "binary":
            import faiss

            _check_binary_dim(self.dim)
            self.index = faiss.IndexBinaryHNSW(self.dim, 32) if hnsw else faiss.IndexBinaryFlat(self.dim)
            self.codes = quantize(vectors, "binary")  # n x dim/8 bytes: rescoring reads bits from here
            self.index.add(self.codes)
        else:
            if hnsw:
                raise ValueError("hnsw=True is offered for binary codes here; lesson 05 builds float HNSW indexes")
            self.index = _scalar_index(vectors, precision)
        # the finer copy rescoring reads (in a real system it stays on disk: only k x rescore rows are read)
        self.store = _scalar_index(vectors, rescore_with) if rescore_with else None

    @property
    def bytes_per_vector(self) -> float:
        """Bytes per vector the search holds in memory (the rescoring copy, if any, can stay on disk)."""
        return bytes_per_vector(self.dim, self.precision)

    @property
    def bytes_on_disk(self) -> float:
        """Bytes per vector of the rescoring copy (0 without one)."""
        return bytes_per_vector(self.dim, self.rescore_with) if self.rescore_with else 0.0

    def __repr__(self) -> str:
        how = f", rescored from {self.rescore} x k" if self.rescore > 1 else ""
        how += f" with {self.rescore_with}" if self.rescore_with else ""
        return f"CompressedIndex({self.n} x {self.dim}, {self.precision}{', HNSW' if self.hnsw else ''}{how})"

    def _stored(self, ids: np.ndarray) -> np.ndarray:
        """Rows ``ids`` as floats, from the rescoring copy, else the index's codes (binary: 0/1 bits)."""
        flat = np.maximum(ids.ravel(), 0)  # Faiss pads short result lists with -1; search() drops those
        if self.store is not None:
            return self.store.reconstruct_batch(flat).reshape(*ids.shape, self.dim)
        if self.precision == "binary":
            return np.unpackbits(self.codes[flat], axis=1).astype(np.float32).reshape(*ids.shape, self.dim)
        return self.index.reconstruct_batch(flat).reshape(*ids.shape, self.dim)

    def search(self, q_emb: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` row ids and scores per query (binary without rescoring: minus the Hamming distance)."""
        q_emb = _check_float(q_emb, "q_emb")
        check_positive_int("k", k)
        if q_emb.shape[1] != self.dim:
            raise ValueError(f"queries have {q_emb.shape[1]} dimensions, the index {self.dim}")
        if k > self.n:
            raise ValueError(f"k={k} but the index holds only {self.n} vectors")
        fetch = min(self.n, k * self.rescore)
        if self.precision == "binary":
            distances, ids = self.index.search(quantize(q_emb, "binary"), fetch)
            scores = -distances.astype(np.float32)
        else:
            scores, ids = self.index.search(q_emb, fetch)
        if self.rescore == 1:
            return ids[:, :k], scores[:, :k]
        # the float query against each candidate's stored codes, then the best k of them
        rescored = np.einsum("qd,qcd->qc", q_emb, self._stored(ids))
        rescored[ids < 0] = -np.inf  # padding, not a row
        order = np.argsort(-rescored, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(ids, order, axis=1), np.take_along_axis(rescored, order, axis=1)


SCALES = {"1M": 1e6, "100M": 1e8, "1B": 1e9}


def compare(options: Mapping[str, Mapping[str, Any]], base: np.ndarray, queries: np.ndarray, *, k: int = 10,
            quality: Callable[[np.ndarray], float] | None = None, repeats: int = 3) -> list[dict[str, Any]]:
    """One row per option (``{name: CompressedIndex keyword arguments}``), measured on the same queries.

    Each row: bytes per vector in memory (and on disk, for a rescoring copy), GB for 1M, 100M
    and 1B vectors, recall@k against exact float32 search, queries per second (the median of
    ``repeats`` batch searches after a warm-up), and ``quality(ids)`` when given (for example
    the mean nDCG@10 of the rows ``ids``). Indexes are built one at a time and freed.
    """
    base, queries = _check_float(base, "base"), _check_float(queries, "queries")
    if not isinstance(options, Mapping) or not options:
        raise ValueError("options must be a non-empty dict {name: CompressedIndex keyword arguments}, e.g. "
                         "{'binary + rescore': {'precision': 'binary', 'rescore': 4, 'rescore_with': 'int8'}}")
    for name, settings in options.items():
        if not isinstance(settings, Mapping) or "precision" not in settings:
            raise ValueError(f"option {name!r} must be a dict with at least 'precision', got {settings!r}")
    check_positive_int("repeats", repeats)
    truth = exact_search(queries, base, k)[0]
    rows = []
    for name, settings in options.items():
        index = CompressedIndex(base, **settings)
        ids, _ = index.search(queries, k)  # also the warm-up
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            index.search(queries, k)
            seconds.append(time.perf_counter() - started)
        row = {"option": name, "bytes per vector": index.bytes_per_vector, "bytes on disk": index.bytes_on_disk,
               **{f"GB for {scale}": index.bytes_per_vector * n / 1e9 for scale, n in SCALES.items()},
               f"recall@{k}": knn_recall(ids, truth, k), "QPS": len(queries) / float(np.median(seconds))}
        if quality is not None:
            row["quality"] = float(quality(ids))
        rows.append(row)
        del index
    return rows
