"""Lesson 05's exercises: chunked brute-force top-k, recall@k, the smallest nprobe for a target."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from exercises import Exercise
from helpers.check import lesson05

NAMES = ["5.1", "5.2", "5.3"]


def chunked_top_k(q_emb, emb, k, chunk):
    best_scores = np.full((len(q_emb), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(q_emb), 0), dtype=np.int64)
    for start in range(0, len(emb), chunk):
        s = q_emb @ emb[start:start + chunk].T
        scores = np.hstack([best_scores, s])
        rows = np.hstack([best_rows, np.broadcast_to(start + np.arange(s.shape[1]), s.shape)])
        keep = np.argpartition(-scores, min(k, scores.shape[1]) - 1, axis=1)[:, :k]
        best_scores, best_rows = np.take_along_axis(scores, keep, 1), np.take_along_axis(rows, keep, 1)
    order = np.argsort(-best_scores, axis=1)
    return np.take_along_axis(best_rows, order, axis=1)


def _chunked(k_best):
    """A chunked top-k that keeps each chunk's winners with ``k_best(scores, rows, k)``."""
    def answer(q_emb, emb, k, chunk):
        scores, rows = np.zeros((len(q_emb), 0)), np.zeros((len(q_emb), 0), dtype=np.int64)
        for start in range(0, len(emb), chunk):
            s = q_emb @ emb[start:start + chunk].T
            scores, rows = k_best(np.hstack([scores, s]), np.hstack([rows, start + np.zeros_like(s, dtype=np.int64)
                                                                     + np.arange(s.shape[1])]), k)
        return rows
    return answer


def _unsorted(scores, rows, k):
    keep = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return np.take_along_axis(scores, keep, 1), np.take_along_axis(rows, keep, 1)


def _local_rows(q_emb, emb, k, chunk):  # forgot to add each chunk's start
    scores, rows = np.zeros((len(q_emb), 0)), np.zeros((len(q_emb), 0), dtype=np.int64)
    for start in range(0, len(emb), chunk):
        s = q_emb @ emb[start:start + chunk].T
        scores = np.hstack([scores, s])
        rows = np.hstack([rows, np.zeros_like(s, dtype=np.int64) + np.arange(s.shape[1])])
        keep = np.argsort(-scores, axis=1)[:, :k]
        scores, rows = np.take_along_axis(scores, keep, 1), np.take_along_axis(rows, keep, 1)
    return rows


def _last_chunk_only(q_emb, emb, k, chunk):  # overwrote the winners instead of merging them
    for start in range(0, len(emb), chunk):
        s = q_emb @ emb[start:start + chunk].T
        rows = start + np.argsort(-s, axis=1)[:, :k]
    return rows


def _recall(found, truth, k):
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def _smallest_nprobe(index, q_emb, truth, target):
    from helpers.search import knn_recall

    nprobe = 1
    while True:
        index.set_search_params(nprobe=nprobe)
        if knn_recall(index.search_rows(q_emb, 10), truth, 10) >= target:
            return nprobe
        nprobe += 1


@lru_cache(maxsize=1)
def _ivf():
    """A small IVF index over 5,000 clustered unit vectors, 300 queries and their exact top 10."""
    from helpers.search import build_index, exact_search

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((30, 32))
    x = (centres[rng.integers(0, 30, 5300)] + 0.4 * rng.standard_normal((5300, 32))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q, base = x[:300], x[300:]
    return build_index(base, "IVF64,Flat"), q, exact_search(q, base, k=10)[0]


def _check_5_3(answer):
    return lesson05.exercise_5_3(answer, *_ivf())


def _recall_not_nprobe(index, q_emb, truth, target):
    from helpers.search import knn_recall

    index.set_search_params(nprobe=_smallest_nprobe(index, q_emb, truth, target))
    return knn_recall(index.search_rows(q_emb, 10), truth, 10)


def exercises() -> list[Exercise]:
    return [
        Exercise("5.1", lesson05.exercise_5_1, chunked_top_k, wrong={
            "forgot to sort the k winners": _chunked(_unsorted),
            "forgot to add each chunk's start": _local_rows,
            "kept only the last chunk's winners": _last_chunk_only,
            "scored the whole matrix at once": lambda q, e, k, chunk: np.argsort(-(q @ e.T), axis=1)[:, :k],
        }),
        Exercise("5.2", lesson05.exercise_5_2, _recall, wrong={
            "demands the same order": lambda f, t, k: float((f[:, :k] == t[:, :k]).mean()),
            "counted every column, not the first k": lambda f, t, k: float(
                np.mean([len(set(a) & set(b)) / k for a, b in zip(f, t)])),
            "a sum over queries, not a mean": lambda f, t, k: float(
                np.sum([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(f, t)])),
            "counted -1 as found": lambda f, t, k: float(np.mean([(f[i, :k] != -1).sum() / k
                                                                 for i in range(len(f))])),
        }),
        Exercise("5.3", _check_5_3, _smallest_nprobe, wrong={
            "always the largest nprobe tried": lambda *args: 64,
            "always nprobe=1": lambda *args: 1,
            "one too many": lambda *args: _smallest_nprobe(*args) + 1,
            "returned the recall, not nprobe": _recall_not_nprobe,
        }),
    ]
