"""Self-checks for lesson 05 (approximate nearest neighbours). Each returns a CheckResult."""

from __future__ import annotations

import tracemalloc
from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_5_1", "exercise_5_2", "exercise_5_3"]


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _peak_bytes(fn: Callable, peaks: dict) -> Callable:
    """Wrap ``fn`` so each call records the peak memory NumPy allocated inside it (tracemalloc)."""

    def measured(q_emb: Any, emb: Any, k: Any, chunk: Any) -> Any:
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        try:
            return fn(q_emb, emb, k, chunk)
        finally:
            peaks[(np.shape(q_emb)[0], chunk)] = tracemalloc.get_traced_memory()[1] - start
            if not was_tracing:
                tracemalloc.stop()

    return measured


def exercise_5_1(chunked_top_k: Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]) -> CheckResult:
    """``chunked_top_k(q_emb, emb, k, chunk)``: the k best rows of emb per query, best first,
    scoring at most ``chunk`` rows of emb at a time.

    Compared by score, so float rounding between a chunked and a whole product cannot fail a
    right answer; the first case also measures the function's peak memory.
    """
    cases = [(_unit(100, 16, 1), _unit(50_000, 16, 2), 20, 500),   # 100 chunks; memory measured
             (_unit(10, 16, 7), _unit(5_000, 16, 8), 300, 1000),    # k=300: argpartition leaves them unsorted
             (_unit(7, 16, 3), _unit(503, 16, 4), 5, 64),           # a last chunk of 55 rows
             (_unit(5, 16, 5), _unit(300, 16, 6), 12, 1000)]        # one chunk bigger than emb
    peaks: dict = {}

    def expect(q_emb: np.ndarray, emb: np.ndarray, k: int, chunk: int) -> np.ndarray:
        scores = q_emb.astype(np.float64) @ emb.T.astype(np.float64)
        return -np.sort(-scores, axis=1)[:, :k]              # the k best scores, best first

    def same(got: Any, best: np.ndarray, args: tuple) -> str | None:
        q_emb, emb, k, chunk = args
        got = np.asarray(got)
        if got.shape != best.shape:
            return f"for {len(q_emb)} queries and k={k} the result should have shape {best.shape}, got {got.shape}"
        if not np.issubdtype(got.dtype, np.integer):
            return f"return row numbers (integers), got dtype {got.dtype}"
        if got.min() < 0 or got.max() >= len(emb):
            return f"row numbers must be between 0 and {len(emb) - 1}, got {got.min()} to {got.max()}"
        scores = np.take_along_axis(q_emb.astype(np.float64) @ emb.T.astype(np.float64), got, axis=1)
        if not np.allclose(scores, best, atol=1e-5):
            if np.allclose(-np.sort(-scores, axis=1), best, atol=1e-5):
                return "the right rows, in the wrong order: sort the k winners by score, best first"
            if len(emb) > chunk and got.max() < chunk:
                return ("every row number is below the chunk size: add each chunk's start to the row "
                        "numbers found inside it")
            return (f"query 0: your rows score {np.round(scores[0, :3], 3).tolist()}..., the best are "
                    f"{np.round(best[0, :3], 3).tolist()}... (keep the k best seen so far across all chunks)")
        peak = peaks.get((len(q_emb), chunk))
        whole = 4 * len(q_emb) * len(emb)
        if peak is not None and whole >= 1e6 and peak > whole / 2:
            return (f"right answer, but your function allocated {peak / 1e6:.1f} MB at its peak, as much as the "
                    f"whole ({len(q_emb)}, {len(emb)}) score matrix ({whole / 1e6:.1f} MB): score one chunk of "
                    "emb at a time and keep only the k best so far")
        return None

    fn = _peak_bytes(chunked_top_k, peaks) if callable(chunked_top_k) else chunked_top_k
    attempted, problems = _run_cases(fn, cases, expect, same,
                                     labels=["100 queries, 50,000 rows, k=20, chunk=500",
                                             "10 queries, 5,000 rows, k=300 (candidates for a reranker), chunk=1000",
                                             "7 queries, 503 rows, k=5, chunk=64",
                                             "5 queries, 300 rows, k=12, chunk=1000"])
    return result("5.1", chunked_top_k if attempted else None, problems, hint=[
        "loop over start = 0, chunk, 2*chunk, ...: score emb[start:start + chunk] only, and carry the "
        "k best (scores and row numbers) from one chunk to the next",
        "per chunk: s = q_emb @ emb[start:start + chunk].T; join s to the carried scores and "
        "start + np.arange(s.shape[1]) to the carried rows (np.hstack), keep the k best with np.argpartition",
        "after the last chunk the k carried rows are in no particular order: sort them by score with "
        "np.argsort(-best_scores, axis=1) and np.take_along_axis, then return the rows",
    ])


def exercise_5_2(recall_at_k: Callable[[np.ndarray, np.ndarray, int], float]) -> CheckResult:
    """``recall_at_k(found, truth, k)``: mean share of each query's true top-k found in its top-k."""
    truth = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    cases = [(np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]), truth, 4),   # perfect
             (np.array([[4, 3, 2, 1], [8, 0, 0, 0], [0, 0, 0, 0]]), truth, 4),     # order does not matter
             (np.array([[2, 1, 0, 0], [5, 0, 6, 0], [0, 0, 0, 9]]), truth, 2),     # only the first k count
             (np.array([[1, -1, -1, -1], [7, 5, -1, -1], [9, 12, 10, 11]]), truth, 4)]  # -1: nothing found

    def expect(found: np.ndarray, truth: np.ndarray, k: int) -> float:
        return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))

    def same(got: Any, expected: float, args: tuple) -> str | None:
        return close(got, expected, 1e-9, what="the recall")

    attempted, problems = _run_cases(recall_at_k, cases, expect, same,
                                     labels=["a perfect result", "the right rows in another order",
                                             "k=2 with extra columns", "rows padded with -1"])
    return result("5.2", recall_at_k if attempted else None, problems, hint=[
        "recall@k asks which of the k true neighbours were found, in any order: compare sets, not positions",
        "for each query i: len(set(found[i, :k]) & set(truth[i, :k])) / k; then the mean over queries",
    ])


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
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return f"return an int, got {type(got).__name__}"
        if not 1 <= int(got) <= nlist:
            return f"nprobe must be between 1 and nlist={nlist}, got {int(got)}"
        if int(got) > expected:
            return f"nprobe={int(got)} reaches the target, but {expected} already does: find the smallest"
        if int(got) < expected:
            return f"nprobe={int(got)} gives recall@10 {recall_at(int(got)):.3f}, below the target {args[3]}"
        return None

    cases = [(index, q_emb, truth, 0.9), (index, q_emb, truth, 0.95)]
    attempted, problems = _run_cases(smallest_nprobe, cases, expect, same, labels=["target 0.90", "target 0.95"])
    return result("5.3", smallest_nprobe if attempted else None, problems, hint=[
        "recall only grows with nprobe, so walk up from nprobe=1 and stop at the first that is good enough",
        "for p in 1, 2, 3, ...: index.set_search_params(nprobe=p); r = knn_recall(index.search_rows(q_emb, 10), "
        "truth, 10); return p as soon as r >= target",
    ])
