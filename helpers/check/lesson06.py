"""Self-checks for lesson 06 (retrieve and rerank). Each returns a CheckResult."""

from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_6_1", "exercise_6_2", "exercise_6_3"]


# --- 6.1 nDCG@k with an exponential gain -------------------------------------------------

def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, start=1))


def ndcg_exp(ranking: list[str], judgements: dict[str, int], k: int, gain: Callable[[int], float] | None = None,
             ideal_from_found: bool = False) -> float:
    """The reference answer (and, with other options, the typical mistakes it is told apart from)."""
    gain = gain or (lambda g: 2 ** g - 1)
    dcg = _dcg([gain(judgements.get(pid, 0)) for pid in ranking[:k]])
    pool = [judgements.get(pid, 0) for pid in ranking[:k]] if ideal_from_found else list(judgements.values())
    ideal = _dcg([gain(g) for g in sorted(pool, reverse=True)[:k]])
    return dcg / ideal if ideal else 0.0


def exercise_6_1(ndcg_exp_at_k: Callable[[list[str], dict[str, int], int], float]) -> CheckResult:
    """``ndcg_exp_at_k(ranking, judgements, k)``: nDCG@k with gain 2**grade - 1 and discount log2(rank + 1)."""
    cases = [
        (["d1", "d2", "d3", "d4"], {"d2": 2, "d4": 1, "d9": 1}, 10),  # d9 relevant but never found
        (["b", "a", "c"], {"a": 2, "b": 1}, 10),                      # grades 2 and 1 swapped
        (["a", "b", "c"], {"a": 2, "b": 2, "c": 1}, 10),              # perfect: 1.0
        (["x", "y", "a", "b"], {"a": 2, "b": 1}, 2),                  # found only below k: 0.0
        (["b", "x", "a", "c"], {"a": 2, "b": 1, "c": 2}, 3),          # k = 3, the ideal uses the 3 best grades
    ]
    linear = lambda g: g  # noqa: E731
    mistakes = [
        (dict(gain=linear), "that is the grade as the gain (the lesson's nDCG); this one uses 2**grade - 1, "
                            "which makes a grade-2 passage worth 3 grade-1 passages, not 2"),
        (dict(gain=lambda g: 2 ** g), "an unjudged passage (grade 0) must earn nothing: the gain is 2**grade - 1"),
        (dict(ideal_from_found=True), "the ideal ranking uses every judged passage, including relevant ones "
                                      "the ranking missed"),
    ]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        issue = close(got, expected, 1e-9, what="nDCG")
        if issue is None or not issue.startswith("expected"):  # right, or not one number
            return issue
        ranking, judged, k = args
        for options, why in mistakes:
            if abs(float(got) - ndcg_exp(ranking, judged, k, **options)) < 1e-9:
                return f"{issue}: {why}"
        if abs(float(got) - ndcg_exp(ranking, judged, 10)) < 1e-9 and k != 10:
            return f"{issue}: use the k you are given (here k={k}), not 10"
        return issue

    attempted, problems = _run_cases(ndcg_exp_at_k, cases, ndcg_exp, same,
                                     labels=["one found, one missed", "grades 2 and 1 swapped", "a perfect ranking",
                                             "relevant passages only below k=2", "k=3"])
    return result("6.1", ndcg_exp_at_k if attempted else None, problems, hint=[
        "the lesson's nDCG@10 with two changes: each passage earns 2**grade - 1 instead of its grade, "
        "and the cut-off is k, not 10",
        "dcg = the sum of (2**grade - 1) / log2(rank + 1) over the top k (rank from 1, unjudged = grade 0); "
        "ideal = the same sum over ALL judged grades sorted high to low, top k; return dcg / ideal",
    ])


# --- 6.2 reciprocal rank fusion ----------------------------------------------------------

class _DividedByZero:
    """What the learner's function 'returned' when it divided by zero at k = 0."""

    def __repr__(self) -> str:
        return "ZeroDivisionError"


def _fused(rankings: list[list[str]], k: float, start: int = 1) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start):
            fused[pid] = fused.get(pid, 0.0) + (1.0 / (k + rank) if k + rank else math.inf)
    return fused


def _rrf(rankings: list[list[str]], k: float) -> list[str]:
    fused = _fused(rankings, k)
    return sorted(fused, key=lambda pid: (-fused[pid], pid))


def _ordered_by(ids: list[str], score: dict[str, float]) -> bool:
    """True when ``ids`` run from the highest score to the lowest (any order among ties)."""
    return all(score[a] >= score[b] - 1e-12 for a, b in zip(ids, ids[1:]))


def exercise_6_2(rrf: Callable[[list[list[str]], int], list[str]]) -> CheckResult:
    """``rrf(rankings, k)``: fuse rankings of one query by the sum of 1 / (k + rank), ranks from 1."""
    cases = [
        ([["a", "b", "c"], ["c", "a", "d"]], 60),
        ([["a", "x", "b"], ["y", "z", "b"]], 60),  # agreement lower down beats one top rank
        ([["a", "x", "b"], ["y", "z", "b"]], 0),   # ...unless k is 0
        ([["p", "q"]], 60),
    ]

    def guarded(rankings: list[list[str]], k: int) -> Any:
        try:
            return rrf(rankings, k)
        except ZeroDivisionError:
            if k == 0:  # 1 / (0 + rank) divides by zero only at rank 0
                return _DividedByZero()
            raise

    def same(got: Any, expected: list[str], args: tuple) -> str | None:
        if isinstance(got, _DividedByZero):
            return ("your function divided by zero at k=0: ranks start at 1, so the top passage scores "
                    "1 / (k + 1), never 1 / 0")
        if not isinstance(got, list):
            return f"return a list of ids, got {type(got).__name__}"
        if sorted(map(str, got)) != sorted(expected) or len(set(got)) != len(got):
            return f"return every id that appears in any ranking, once: expected {sorted(expected)}, got {got}"
        if _ordered_by(got, _fused(*args)):
            return None
        if _ordered_by(got[::-1], _fused(*args)):
            return "the order is reversed: the largest fused score comes first"
        if _ordered_by(got, _fused(*args, start=0)):
            return "ranks start at 1 (the top passage scores 1 / (k + 1)), not at 0"
        return f"expected {expected}, got {got}"

    attempted, problems = _run_cases(guarded if callable(rrf) else rrf, cases, _rrf, same,
                                     labels=["two lists, k=60", "b third in both, k=60", "b third in both, k=0",
                                             "a single list"])
    return result("6.2", rrf if attempted else None, problems, hint=[
        "each ranking gives each of its passages 1 / (k + rank), with rank 1 for its first passage; a passage "
        "in several rankings adds up what each gives it",
        "fused = {}; for each ranking, for rank, pid in enumerate(ranking, start=1): add 1 / (k + rank) to "
        "fused[pid] (fused.get(pid, 0) first time); return the ids sorted by fused score, highest first",
    ])


# --- 6.3 choose k under a latency budget --------------------------------------------------

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
        if got is None or isinstance(got, (bool, str)) or not float(got).is_integer():
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
    return result("6.3", choose_k if attempted else None, problems, hint=[
        "first drop the rows over the budget; among the rest the best nDCG@10 wins, whatever its k",
        "fits = sweep[sweep['ms per query'] <= budget_ms]; if fits is empty return None; otherwise keep the rows "
        "whose 'nDCG@10' equals fits['nDCG@10'].max() and return int of their smallest 'k'",
    ])
