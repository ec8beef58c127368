"""Exact nearest-neighbour search with Faiss: the baseline every index is measured against.

Introduced in lesson 03 (brute force) and lesson 05 (Faiss); lesson 06 retrieves with it.
"""

from __future__ import annotations

import numpy as np

from helpers.vectors import as_matrix

__all__ = ["exact_search"]


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
