"""Self-checks for lesson 05 (approximate nearest neighbours). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _call, _run_cases, result

__all__ = ["exercise_5_1", "exercise_5_2", "exercise_5_3"]


def _unit(rows: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, 32)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def exercise_5_1(brute_force_top_k: Callable[[np.ndarray, np.ndarray, int], np.ndarray]) -> CheckResult:
    """``brute_force_top_k(q_emb, emb, k)``: row numbers of the k best rows for each query, best first."""
    emb, q_emb = _unit(500, 6), _unit(7, 7)
    got, problem = _call(brute_force_top_k, q_emb.copy(), emb.copy(), 5)
    if got is None and problem is None:
        return result("5.1", None, [])
    problems = [problem] if problem else []
    if not problems:
        got = np.asarray(got)
        expected = np.argsort(-(q_emb @ emb.T), axis=1, kind="stable")[:, :5]
        if got.shape != (7, 5):
            problems.append(f"for 7 queries and k=5 the result should have shape (7, 5), got {got.shape}")
        elif (np.sort(got, axis=1) == np.sort(expected, axis=1)).all() and not (got == expected).all():
            problems.append("the right rows, in the wrong order: sort the k winners by score, best first")
        elif (got == np.argsort(q_emb @ emb.T, axis=1)[:, :5]).all():
            problems.append("these are the k worst rows: sort by -scores (or take the largest)")
        elif not (got == expected).all():
            problems.append(f"query 0: expected rows {expected[0].tolist()}, got {got[0].tolist()}")
    return result("5.1", brute_force_top_k, problems,
                  hint="scores = q_emb @ emb.T; part = np.argpartition(-scores, k - 1, axis=1)[:, :k] finds the "
                       "k best in any order; then sort those k by their scores with np.take_along_axis")


def exercise_5_2(recall_at_k: Callable[[np.ndarray, np.ndarray, int], float]) -> CheckResult:
    """``recall_at_k(found, truth, k)``: mean share of each query's true top-k found in its top-k."""
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    cases = [(np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]), truth, 4),   # perfect
             (np.array([[4, 3, 2, 1], [8, 0, 0, 0], [0, 0, 0, 0]]), truth, 4),     # order does not matter
             (np.array([[2, 1, 0, 0], [5, 0, 6, 0], [0, 0, 0, 9]]), truth, 2)]     # only the first k count

    def expect(found: np.ndarray, truth: np.ndarray, k: int) -> float:
        return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))

    def same(got: Any, expected: float, args: tuple) -> str | None:
        if np.ndim(got) != 0:
            return f"return one number (the mean over queries), got shape {np.shape(got)}"
        if abs(float(got) - expected) > 1e-9:
            return f"expected {expected:.4f}, got {float(got):.4f}"
        return None

    attempted, problems = _run_cases(recall_at_k, cases, expect, same,
                                     labels=["a perfect result", "the right rows in another order",
                                             "k=2 with extra columns"])
    return result("5.2", recall_at_k if attempted else None, problems,
                  hint="for each query, count how many of truth[i, :k] appear in found[i, :k] (a set "
                       "intersection), divide by k, and average over the queries")


def exercise_5_3(smallest_nprobe: Callable[[Any, np.ndarray, np.ndarray, float], int], index: Any,
                 q_emb: np.ndarray, truth: np.ndarray) -> CheckResult:
    """``smallest_nprobe(index, q_emb, truth, target)``: the least nprobe whose recall@10 reaches target.

    Runs on the first 200 queries, so the check stays quick.
    """
    import faiss

    from helpers.search import knn_recall

    q_emb, truth = q_emb[:200], truth[:200]
    nlist = faiss.extract_index_ivf(index.index).nlist
    recalls: dict[int, float] = {}

    def recall_at(nprobe: int) -> float:
        if nprobe not in recalls:
            index.set_search_params(nprobe=nprobe)
            recalls[nprobe] = knn_recall(index.search_rows(q_emb, 10), truth, 10)
        return recalls[nprobe]

    def expect(_index: Any, _q: np.ndarray, _truth: np.ndarray, target: float) -> int:
        return next(p for p in range(1, nlist + 1) if recall_at(p) >= target)

    def same(got: Any, expected: int, args: tuple) -> str | None:
        if not isinstance(got, (int, np.integer)):
            return f"return an int, got {type(got).__name__}"
        if int(got) > expected:
            return f"nprobe={int(got)} reaches the target, but {expected} already does: find the smallest"
        if int(got) < expected:
            return f"nprobe={int(got)} gives recall@10 {recall_at(int(got)):.3f}, below the target"
        return None

    cases = [(index, q_emb, truth, 0.9), (index, q_emb, truth, 0.95)]
    attempted, problems = _run_cases(smallest_nprobe, cases, expect, same, labels=["target 0.90", "target 0.95"])
    return result("5.3", smallest_nprobe if attempted else None, problems,
                  hint="try nprobe = 1, 2, 3, ... (index.set_search_params(nprobe=p)), measure recall@10 "
                       "against truth each time, and return the first that reaches the target")
