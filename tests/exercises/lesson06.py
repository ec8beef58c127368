"""Lesson 06's exercises: nDCG@k with an exponential gain, reciprocal rank fusion, choosing k under a budget."""

from __future__ import annotations

import math

from exercises import Exercise
from helpers.check import lesson06

NAMES = ["6.1", "6.2", "6.3"]


def _ndcg(ranking, judgements, k, gain=lambda g: 2 ** g - 1, ideal_from_found=False):
    dcg = sum(gain(judgements.get(pid, 0)) / math.log2(r + 1) for r, pid in enumerate(ranking[:k], start=1))
    pool = [judgements.get(pid, 0) for pid in ranking[:k]] if ideal_from_found else list(judgements.values())
    ideal = sum(gain(g) / math.log2(r + 1) for r, g in enumerate(sorted(pool, reverse=True)[:k], start=1))
    return dcg / ideal if ideal else 0.0


def _rrf(rankings, k=60, start=1):
    fused = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=start):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda pid: -fused[pid])


def _choose_k(sweep, budget_ms, by="nDCG@10"):
    fits = sweep[sweep["ms per query"] <= budget_ms]
    if fits.empty:
        return None
    best = fits[fits[by] == fits[by].max()]
    return int(best["k"].min())


def exercises() -> list[Exercise]:
    return [
        Exercise("6.1", lesson06.exercise_6_1, _ndcg, wrong={
            "the grade as the gain": lambda r, j, k: _ndcg(r, j, k, gain=lambda g: g),
            "2**grade without the -1": lambda r, j, k: _ndcg(r, j, k, gain=lambda g: 2 ** g),
            "ideal from the passages found only": lambda r, j, k: _ndcg(r, j, k, ideal_from_found=True),
            "always the top 10": lambda r, j, k: _ndcg(r, j, 10),
            "ranks from 0 (log2(1) = 0 at the top)": lambda r, j, k: sum(
                (2 ** j.get(p, 0) - 1) / math.log2(i + 1) for i, p in enumerate(r[:k])),
        }),
        Exercise("6.2", lesson06.exercise_6_2, _rrf, wrong={
            "ranks from 0": lambda r, k: _rrf(r, k, start=0),
            "reversed order": lambda r, k: _rrf(r, k)[::-1],
            "only the first ranking": lambda r, k: list(r[0]),
            "ids repeated, not fused": lambda r, k: [pid for ranking in r for pid in ranking],
        }),
        Exercise("6.3", lesson06.exercise_6_3, _choose_k, wrong={
            "the largest k that fits": lambda s, b: (None if s[s["ms per query"] <= b].empty
                                                     else int(s[s["ms per query"] <= b]["k"].max())),
            "the best k, budget ignored": lambda s, b: int(s.loc[s["nDCG@10"].idxmax(), "k"]),
            "the larger k on a tie": lambda s, b: (None if s[s["ms per query"] <= b].empty else int(
                s[(s["ms per query"] <= b) & (s["nDCG@10"] == s[s["ms per query"] <= b]["nDCG@10"].max())]["k"].max())),
        }),
    ]
