"""Self-checks for lesson 08 (smaller and faster). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, result

__all__ = ["exercise_8_1", "exercise_8_2", "exercise_8_3"]


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _as_int_matrix(got: Any, shape: tuple[int, ...], what: str) -> tuple[np.ndarray | None, str | None]:
    try:
        arr = np.asarray(got)
    except (TypeError, ValueError):
        return None, f"expected {what}, got {got!r:.60}"
    if arr.shape != shape:
        return None, f"expected {what} of shape {shape}, got shape {arr.shape}"
    if not np.issubdtype(arr.dtype, np.integer):
        return None, f"expected whole numbers (an integer array) for {what}, got dtype {arr.dtype}"
    return arr, None


# --- 8.1 binary codes and the Hamming distance by hand ------------------------------------

def hamming(q_emb: np.ndarray, emb: np.ndarray, *, zero_is_one: bool = False, agree: bool = False) -> np.ndarray:
    """The reference answer: how many sign bits differ between each query and each row."""
    bits = (lambda x: x >= 0) if zero_is_one else (lambda x: x > 0)
    q, e = bits(np.asarray(q_emb)), bits(np.asarray(emb))
    differ = (q[:, None, :] != e[None, :, :]).sum(axis=2)
    return (q.shape[1] - differ) if agree else differ


def _hamming_cases() -> list[tuple]:
    rng = np.random.default_rng(8)
    with_zeros = _unit(rng, 6, 16)
    with_zeros[::2, :3] = 0.0  # exact zeros: a bit is set only for values above 0
    return [(_unit(rng, 3, 16), _unit(rng, 5, 16)), (with_zeros[:2], with_zeros), (_unit(rng, 1, 384), _unit(rng, 4, 384))]


def exercise_8_1(hamming_distances: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """``hamming_distances(q_emb, emb)``: (m, n) counts of sign bits that differ (bit = value > 0)."""

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        arr, issue = _as_int_matrix(got, expected.shape, "a (queries, rows) matrix of bit counts")
        if issue:
            return issue
        if np.array_equal(arr, expected):
            return None
        if np.array_equal(arr, hamming(*args, agree=True)):
            return "those are the bits that agree: the Hamming distance counts the bits that differ"
        if np.array_equal(arr, hamming(*args, zero_is_one=True)):
            return "a value of exactly 0 must give bit 0: set a bit only where the value is > 0 (as quantize does)"
        return f"expected {expected.tolist()!r:.120}, got {arr.tolist()!r:.120}"

    attempted, problems = _run_cases(hamming_distances, _hamming_cases(), hamming, same,
                                     labels=["3 queries, 5 rows", "rows with exact zeros", "384 dimensions"])
    return result("8.1", hamming_distances if attempted else None, problems, hint=[
        "turn each vector into bits (value > 0), then count, for every query and row, the positions where "
        "the bits differ",
        "qb, eb = q_emb > 0, emb > 0; return (qb[:, None, :] != eb[None, :, :]).sum(axis=2)",
    ])


# --- 8.2 rescoring a shortlist --------------------------------------------------------------

def rescored(q_emb: np.ndarray, candidates: np.ndarray, vectors: np.ndarray, k: int, *,
             ascending: bool = False, unchanged: bool = False) -> np.ndarray:
    """The reference answer: each query's candidates ordered by the float inner product, the best k."""
    candidates = np.asarray(candidates)
    if unchanged:
        return candidates[:, :k]
    scores = np.einsum("qd,qcd->qc", np.asarray(q_emb, dtype=np.float64), np.asarray(vectors, dtype=np.float64)[candidates])
    order = np.argsort(scores if ascending else -scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(candidates, order, axis=1)


def _rescore_cases() -> list[tuple]:
    rng = np.random.default_rng(9)
    vectors = _unit(rng, 40, 16)
    queries = _unit(rng, 3, 16)
    shortlist = np.stack([rng.permutation(40)[:12] for _ in range(3)])  # a cheap search's shortlist, in its order
    return [(queries, shortlist, vectors, 5), (queries[:1], shortlist[:1], vectors, 1), (queries, shortlist, vectors, 12)]


def exercise_8_2(rescore: Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]) -> CheckResult:
    """``rescore(q_emb, candidates, vectors, k)``: each query's candidate rows reordered by float score, top k."""

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        arr, issue = _as_int_matrix(got, expected.shape, "(queries, k) row numbers")
        if issue:
            return issue
        if np.array_equal(arr, expected):
            return None
        q_emb, candidates, vectors, k = args
        if np.array_equal(arr, rescored(*args, unchanged=True)):
            return "that is the shortlist's own order: score each candidate with the float query and reorder"
        if np.array_equal(arr, rescored(*args, ascending=True)):
            return "those are the worst candidates first: sort the scores from high to low"
        if not all(set(row) <= set(c) for row, c in zip(arr.tolist(), np.asarray(candidates).tolist())):
            return "rows outside the shortlist came back: rescoring only reorders each query's own candidates"
        return f"expected {expected.tolist()!r:.120}, got {arr.tolist()!r:.120}"

    attempted, problems = _run_cases(rescore, _rescore_cases(), rescored, same,
                                     labels=["3 queries, keep 5 of 12", "1 query, keep 1", "keep all 12"])
    return result("8.2", rescore if attempted else None, problems, hint=[
        "for each query, score only its candidate rows: q_emb[i] @ vectors[candidates[i]].T, then keep the k best",
        "scores = np.einsum('qd,qcd->qc', q_emb, vectors[candidates]); order = np.argsort(-scores, axis=1)[:, :k]; "
        "return np.take_along_axis(candidates, order, axis=1)",
    ])


# --- 8.3 choose under a memory budget and a quality floor ----------------------------------

NOTHING = "nothing fits"  # the answer when no option meets both needs (None would read as "not attempted")


def choose(table: list[dict], budget_gb: float, floor: float, *, ignore: str = "") -> str:
    """The reference answer: the option with the least memory among those within the budget and
    at or above the floor (higher quality on a tie); ``NOTHING`` when nothing qualifies."""
    fits = [row for row in table if ("budget" in ignore or row["GB"] <= budget_gb)
            and ("floor" in ignore or row["retained"] >= floor)]
    if not fits:
        return NOTHING
    if ignore == "memory":
        return max(fits, key=lambda r: (r["retained"], -r["GB"]))["option"]
    return min(fits, key=lambda r: (r["GB"], -r["retained"]))["option"]


_TABLE = [
    {"option": "float32", "GB": 153.6, "retained": 1.000},
    {"option": "float16", "GB": 76.8, "retained": 1.000},
    {"option": "int8", "GB": 38.4, "retained": 0.990},
    {"option": "binary + rescore", "GB": 4.8, "retained": 0.960},
    {"option": "binary", "GB": 4.8, "retained": 0.900},
    {"option": "128 dims, int8", "GB": 12.8, "retained": 0.955},
    {"option": "64 dims, binary", "GB": 0.8, "retained": 0.800},
]


def exercise_8_3(pick: Callable[[list[dict], float, float], str]) -> CheckResult:
    """``pick(table, budget_gb, floor)``: the least memory within budget and at or above the quality floor."""
    cases = [(_TABLE, 16.0, 0.95), (_TABLE, 100.0, 0.95), (_TABLE, 50.0, 0.985), (_TABLE, 16.0, 0.995),
             (_TABLE, 1.0, 0.5)]

    def same(got: Any, expected: str, args: tuple) -> str | None:
        if got == expected:
            return None
        if not isinstance(got, str):
            return f"expected an option's name (a string) or {NOTHING!r}, got {got!r:.60}"
        table, budget, floor = args
        if expected == NOTHING:
            return f"nothing meets a {floor} floor within {budget} GB: return {NOTHING!r}, not {got!r}"
        if got == choose(table, budget, floor, ignore="budget"):
            return f"{got!r} does not fit in {budget} GB: keep only options within the memory budget"
        if got == choose(table, budget, floor, ignore="floor"):
            return f"{got!r} keeps less than {floor} of float quality: keep only options at or above the floor"
        if got == choose(table, budget, floor, ignore="memory"):
            return f"{got!r} fits, but {expected!r} fits with less memory: among those that qualify, take the smallest"
        return f"expected {expected!r}, got {got!r}"

    attempted, problems = _run_cases(pick, cases, choose, same,
                                     labels=["16 GB, 95%", "100 GB, 95%", "50 GB, 98.5%", "16 GB, 99.5% (nothing fits)",
                                             "1 GB, 50%"])
    return result("8.3", pick if attempted else None, problems, hint=[
        "two filters, then one choice: keep rows with GB <= budget and retained >= floor; of those, the least GB",
        "fits = [r for r in table if r['GB'] <= budget_gb and r['retained'] >= floor]; return 'nothing fits' if "
        "not fits, else min(fits, key=lambda r: (r['GB'], -r['retained']))['option']",
    ])
