"""Self-checks for lesson 06 (retrieve and rerank). Each returns a CheckResult."""

from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd

from helpers.check import CheckResult, _run_cases, result
from helpers.metrics import ndcg_at_k
from helpers.rank import reciprocal_rank_fusion

__all__ = ["exercise_6_1", "exercise_6_2", "exercise_6_3"]


def _fused(rankings: list[list[str]], k: float, start: int = 1) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank) if k + rank else math.inf
    return fused


def _ordered_by(ids: list[str], score: dict[str, float]) -> bool:
    """True when ``ids`` run from the highest score to the lowest (any order among ties)."""
    return all(score[a] >= score[b] - 1e-12 for a, b in zip(ids, ids[1:]))


def exercise_6_1(rrf: Callable[[list[list[str]], int], list[str]]) -> CheckResult:
    """``rrf(rankings, k)``: fuse rankings of one query by sum of 1 / (k + rank), ranks from 1."""
    cases = [
        ([["a", "b", "c"], ["c", "a", "d"]], 60),
        ([["a", "x", "b"], ["y", "z", "b"]], 60),  # agreement lower down beats one top rank
        ([["a", "x", "b"], ["y", "z", "b"]], 0),   # ...unless k is 0
        ([["p", "q"]], 60),
    ]

    def same(got: Any, expected: list[str], args: tuple) -> str | None:
        if not isinstance(got, list):
            return f"return a list of ids, got {type(got).__name__}"
        if sorted(got) != sorted(expected):
            return f"return every id that appears in any ranking, once: expected {sorted(expected)}, got {got}"
        if _ordered_by(got, _fused(*args)):
            return None
        if _ordered_by(got[::-1], _fused(*args)):
            return "the order is reversed: the largest fused score comes first"
        if _ordered_by(got, _fused(*args, start=0)):
            return "ranks start at 1 (the top passage scores 1 / (k + 1)), not at 0"
        return f"expected {expected}, got {got}"

    attempted, problems = _run_cases(rrf, cases, reciprocal_rank_fusion, same,
                                     labels=["two lists, k=60", "b third in both, k=60", "b third in both, k=0",
                                             "a single list"])
    return result("6.1", rrf if attempted else None, problems,
                  hint="fused = {}; for ranking in rankings: for rank, pid in enumerate(ranking, start=1): "
                       "fused[pid] = fused.get(pid, 0) + 1 / (k + rank); then sort the ids by -fused[pid]")


def exercise_6_2(ndcg_at_10: Callable[[list[str], dict[str, int]], float]) -> CheckResult:
    """``ndcg_at_10(ranking, judgements)``: graded nDCG@10, with log2(rank + 1) as the discount."""
    cases = [
        (["d1", "d2", "d3", "d4"], {"d2": 2, "d4": 1, "d9": 1}),        # d9 relevant but never found
        (["a", "b", "c"], {"a": 2, "b": 2, "c": 1}),                    # perfect: 1.0
        ([f"x{i}" for i in range(12)] + ["r"], {"r": 2}),               # found too late: 0.0
        (["b", "a"], {"a": 2, "b": 1}),                                 # graded, not binary
    ]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        try:
            got = float(got)
        except (TypeError, ValueError):
            return f"return one number, got {type(got).__name__}"
        if abs(got - expected) < 1e-9:
            return None
        ranking, judged = args
        binary = ndcg_at_k(ranking, {p: int(g > 0) for p, g in judged.items()}, 10)
        found_only = {p: g for p, g in judged.items() if p in ranking[:10]}
        if abs(got - binary) < 1e-9 and abs(binary - expected) > 1e-9:
            return f"expected {expected:.4f}, got {got:.4f}: use the grade itself as the gain, not 0/1"
        if any(found_only.values()) and abs(got - ndcg_at_k(ranking, found_only, 10)) < 1e-9:
            return (f"expected {expected:.4f}, got {got:.4f}: the ideal ranking uses every judged passage, "
                    "including relevant ones the ranking missed")
        return f"expected {expected:.4f}, got {got:.4f}"

    attempted, problems = _run_cases(ndcg_at_10, cases, lambda r, j: ndcg_at_k(r, j, 10), same,
                                     labels=["one found, one missed", "a perfect ranking",
                                             "the only relevant passage at rank 13", "grades 2 and 1 swapped"])
    return result("6.2", ndcg_at_10 if attempted else None, problems,
                  hint="dcg = sum(grade / log2(rank + 1)) over the top 10 (rank from 1, unjudged = 0); "
                       "ideal = the same sum over all judged grades sorted high to low, top 10; return dcg / ideal")


def _sweep(rows: list[tuple[int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["k", "nDCG@10", "ms per query"])


def best_k_under(sweep: pd.DataFrame, budget_ms: float) -> int | None:
    """The reference answer: best nDCG@10 within the budget, the smaller k on a tie."""
    fits = sweep[sweep["ms per query"] <= budget_ms]
    if fits.empty:
        return None
    best = fits["nDCG@10"].max()
    return int(fits[fits["nDCG@10"] >= best - 1e-12]["k"].min())


def exercise_6_3(choose_k: Callable[[pd.DataFrame, float], int | None]) -> CheckResult:
    """``choose_k(sweep, budget_ms)``: the k with the best nDCG@10 whose latency fits; None if none fits."""
    table = _sweep([(10, 0.80, 40.0), (20, 0.84, 80.0), (50, 0.83, 200.0), (100, 0.85, 400.0)])
    cases = [
        (table, 100.0),   # 20 fits and beats 10
        (table, 250.0),   # 50 fits too, but scores below 20: more is not always better
        (table, 1000.0),  # everything fits: 100 wins
        (table, 30.0),    # nothing fits
        (_sweep([(10, 0.84, 40.0), (20, 0.84, 80.0)]), 100.0),  # a tie: the cheaper k
    ]

    def same(got: Any, expected: int | None, args: tuple) -> str | None:
        sweep, budget = args
        if expected is None:
            return None if got is None else f"no k fits a {budget:g} ms budget: return None, got {got!r}"
        if got is None or not float(got).is_integer():
            return f"return an int k, got {got!r}"
        row = sweep[sweep["k"] == int(got)]
        if row.empty:
            return f"k={got} is not in the sweep"
        if float(row["ms per query"].iloc[0]) > budget:
            return f"k={got} takes {float(row['ms per query'].iloc[0]):g} ms, over the {budget:g} ms budget"
        best = float(sweep.loc[sweep["k"] == expected, "nDCG@10"].iloc[0])
        if float(row["nDCG@10"].iloc[0]) < best - 1e-12:
            return f"k={expected} scores higher within the budget than k={got}: pick by nDCG@10, not by size"
        return None if int(got) == expected else f"k={got} ties k={expected} on nDCG@10: take the cheaper one"

    attempted, problems = _run_cases(choose_k, cases, best_k_under, same,
                                     labels=["a 100 ms budget", "a 250 ms budget", "a 1000 ms budget",
                                             "a 30 ms budget", "a tie"], none_is_an_answer=True)
    # a stub returns None everywhere (not attempted); "nothing fits" (None) is right for one case only
    return result("6.3", choose_k if attempted else None, problems,
                  hint="keep the rows with 'ms per query' <= budget_ms; if none, return None; otherwise the row "
                       "with the highest 'nDCG@10' (the smallest k among ties): int(row['k'])")
