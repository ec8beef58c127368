"""Self-checks for lesson 03 (similarity). Each returns a CheckResult that explains itself."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, result

__all__ = ["exercise_3_1", "exercise_3_2", "exercise_3_3"]


def exercise_3_1(euclidean_matrix: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """``euclidean_matrix(a, b)``: the distance of every row of a to every row of b, shape (n, m)."""
    rng = np.random.default_rng(4)
    cases = [(rng.standard_normal((5, 16)), rng.standard_normal((7, 16))),
             (np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [6.0, 8.0], [3.0, 0.0]]))]

    def expect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        got = np.asarray(got, dtype=np.float64)
        n, m = len(args[0]), len(args[1])
        if got.shape != expected.shape:
            return f"the result should have shape ({n}, {m}), one row per row of a, got {got.shape}"
        if np.allclose(got, expected**2, atol=1e-6) and not np.allclose(expected, expected**2):
            return "these are squared distances: take the square root"
        if not np.allclose(got, expected, atol=1e-6):
            i, j = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
            return f"distance [{i}, {j}] should be {expected[i, j]:.4f}, got {got[i, j]:.4f}"
        return None

    attempted, problems = _run_cases(euclidean_matrix, cases, expect, same,
                                     labels=["a (5, 16) and b (7, 16)", "a = [[0, 0], [3, 4]], b = [[0, 0], [6, 8], [3, 0]]"])
    return result("3.1", euclidean_matrix if attempted else None, problems,
                  hint=["you need every row of a minus every row of b at once: NumPy broadcasting makes "
                        "that (n, m, d) array if you add an axis to each",
                        "a[:, None, :] - b[None, :, :] has shape (n, m, d); square it, sum over the last "
                        "axis, then take the square root"])


def _precision_at(scores: np.ndarray, labels: np.ndarray, t: float) -> float:
    flagged = scores >= t
    return float((flagged & labels).sum() / max(flagged.sum(), 1))


def _recall_at(scores: np.ndarray, labels: np.ndarray, t: float) -> float:
    return float(((scores >= t) & labels).sum() / labels.sum())


def _threshold_for_precision(scores: np.ndarray, labels: np.ndarray, min_precision: float) -> float:
    """The lowest score t (highest recall) whose rule ``score >= t`` has precision >= min_precision."""
    for t in np.sort(np.unique(scores)):
        if _precision_at(scores, labels, t) >= min_precision:
            return float(t)
    raise ValueError("no threshold reaches that precision")  # the cases below always have one


def exercise_3_2(threshold_for_precision: Callable[[np.ndarray, np.ndarray, float], float]) -> CheckResult:
    """``threshold_for_precision(scores, labels, p)``: the highest-recall threshold with precision >= p."""
    rng = np.random.default_rng(5)
    labels = rng.random(200) < 0.3
    scores = np.where(labels, rng.normal(0.7, 0.1, 200), rng.normal(0.5, 0.1, 200))
    scores[np.argmax(scores)], labels[np.argmax(scores)] = 0.99, True   # the top pair is similar: 1.0 is reachable
    few = rng.random(60) < 0.5
    few_scores = np.where(few, rng.normal(0.6, 0.15, 60), rng.normal(0.4, 0.15, 60))
    few_scores[np.argmax(few_scores)], few[np.argmax(few_scores)] = 0.98, True
    cases = [(scores, labels, 0.9), (scores, labels, 0.6), (few_scores, few, 0.8)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        s, y, p = args
        if isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
            return f"return one threshold (a number), got {type(got).__name__}" + (
                f" of shape {np.shape(got)}" if np.ndim(got) else "")
        t = float(got)
        if np.array_equal(s >= t, s >= expected):
            return None  # flags exactly the same pairs as the expected threshold
        precision, recall = _precision_at(s, y, t), _recall_at(s, y, t)
        best_recall = _recall_at(s, y, expected)
        if precision < p:
            return f"at your threshold {t:.3f} the precision is {precision:.3f}, below the required {p}"
        return (f"your threshold {t:.3f} reaches precision {precision:.3f} but recall only {recall:.3f}; "
                f"a lower threshold keeps precision >= {p} with recall {best_recall:.3f}")

    attempted, problems = _run_cases(threshold_for_precision, cases, _threshold_for_precision, same,
                                     labels=["200 pairs, precision >= 0.9", "200 pairs, precision >= 0.6",
                                             "60 pairs, precision >= 0.8"])
    return result("3.2", threshold_for_precision if attempted else None, problems,
                  hint=["precision_recall_curve(labels, scores) gives a precision for every threshold; keep the "
                        "thresholds whose precision is high enough, then pick the one with the highest recall",
                        "thresholds come sorted from low to high and the lowest one flags the most pairs: "
                        "good = precision[:-1] >= min_precision, then thresholds[good].min()"])


def _search_above(q_emb: np.ndarray, emb: np.ndarray, k: int, threshold: float) -> list[list[int]]:
    scores = q_emb @ emb.T
    return [[int(i) for i in np.argsort(-row, kind="stable")[:k] if row[i] >= threshold] for row in scores]


def exercise_3_3(search_above: Callable[[np.ndarray, np.ndarray, int, float], list]) -> CheckResult:
    """``search_above(q_emb, emb, k, threshold)``: per query, its k best rows scoring >= threshold, best first."""
    rng = np.random.default_rng(6)

    def unit(n: int, d: int) -> np.ndarray:
        x = rng.standard_normal((n, d)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    passages = unit(40, 8)
    queries = np.vstack([passages[[3, 17]] + 0.3 * unit(2, 8), unit(2, 8)])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    cases = [(queries, passages, 3, -1.0), (queries, passages, 5, 0.5), (queries, passages, 10, 0.9)]

    def same(got: Any, expected: list[list[int]], args: tuple) -> str | None:
        m = len(args[0])
        if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__len__") or len(got) != m:
            return f"return one list per query ({m} lists), got {type(got).__name__}" + (
                f" of length {len(got)}" if hasattr(got, "__len__") else "")
        for q, (row, want) in enumerate(zip(got, expected)):
            if row is None:
                return f"query {q}: return an empty list [] when no passage reaches the threshold, not None"
            row = [int(i) for i in np.asarray(row).ravel()]
            if row == want:
                continue
            if len(row) > args[2]:
                return f"query {q}: at most k = {args[2]} results, got {len(row)}"
            if sorted(row) == sorted(want):
                return f"query {q}: the right passages in the wrong order; best (highest score) first"
            if len(row) > len(want):
                return f"query {q}: {len(row) - len(want)} of your results score below the threshold {args[3]}"
            return f"query {q}: expected {want}, got {row}"
        return None

    attempted, problems = _run_cases(search_above, cases, _search_above, same,
                                     labels=["4 queries, k=3, threshold -1 (keeps everything)",
                                             "4 queries, k=5, threshold 0.5", "4 queries, k=10, threshold 0.9"])
    return result("3.3", search_above if attempted else None, problems,
                  hint=["one matrix product scores every query against every passage; then for each row, take "
                        "the k best and drop those below the threshold",
                        "scores = q_emb @ emb.T (m, n); for each row: best = np.argsort(-row)[:k], keep "
                        "[int(i) for i in best if row[i] >= threshold]; return the list of these lists"])
