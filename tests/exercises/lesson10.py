"""Lesson 10's exercises: a sliding window over word pieces, chunk scores into document scores, a chunking under a budget."""

from __future__ import annotations

from exercises import Exercise
from helpers.check import lesson10

NAMES = ["10.1", "10.2", "10.3"]


def _windows(ids, size, overlap, *, step=None, stop=True, keep_short=True):
    out = []
    for first in range(0, len(ids), step or size - overlap):
        window = list(ids[first:first + size])
        if keep_short or len(window) == size:
            out.append(window)
        if stop and first + size >= len(ids):
            break
    return out


def _scores(scores, docs, *, pick=max):
    grouped = {}
    for s, d in zip(scores, docs):
        grouped.setdefault(d, []).append(s)
    return {d: pick(v) for d, v in grouped.items()}


def _choose(sweep, budget, *, strict=False, ties_to_more=False, ignore_budget=False):
    fits = [r for r in sweep if ignore_budget or (r["vectors"] < budget if strict else r["vectors"] <= budget)]
    if not fits:
        return None
    sign = 1 if ties_to_more else -1
    return max(fits, key=lambda r: (r["ndcg"], sign * r["vectors"]))["chunking"]


def exercises() -> list[Exercise]:
    return [
        Exercise("10.1", lesson10.exercise_10_1, _windows, wrong={
            "overlap ignored": lambda i, s, o: _windows(i, s, o, step=s),
            "step of overlap": lambda i, s, o: _windows(i, s, o, step=max(o, 1)),
            "windows past the end": lambda i, s, o: _windows(i, s, o, stop=False),
            "the short last window dropped": lambda i, s, o: _windows(i, s, o, keep_short=False),
        }),
        Exercise("10.2", lesson10.exercise_10_2, _scores, wrong={
            "the sum": lambda s, d: _scores(s, d, pick=sum),
            "the mean": lambda s, d: _scores(s, d, pick=lambda v: sum(v) / len(v)),
            "the worst chunk": lambda s, d: _scores(s, d, pick=min),
            "the last chunk": lambda s, d: _scores(s, d, pick=lambda v: v[-1]),
        }),
        Exercise("10.3", lesson10.exercise_10_3, _choose, wrong={
            "the budget ignored": lambda s, b: _choose(s, b, ignore_budget=True),
            "strictly under the budget": lambda s, b: _choose(s, b, strict=True),
            "ties to more vectors": lambda s, b: _choose(s, b, ties_to_more=True),
            "the fewest vectors": lambda s, b: min((r for r in s if r["vectors"] <= b), key=lambda r: r["vectors"],
                                                    default={"chunking": None})["chunking"],
        }),
    ]
