"""Lesson 09's exercises: a filter expression, workers and memory for a corpus, ef for a recall target."""

from __future__ import annotations

import json
import math

from exercises import Exercise
from helpers.check import lesson09

NAMES = ["9.1", "9.2", "9.3"]


def _filter(topics, more_than, *, op=">", grouped=True, words=True):
    topic = f"topic in {json.dumps(topics)}" if grouped else " or ".join(f'topic == "{t}"' for t in topics)
    return f"{topic} and n_words {op} {more_than}" if words else topic


def _plan(n, rate, hours, size, *, rounding=math.ceil, seconds=3600, scale=1e9):
    return {"workers": int(rounding(n / (rate * hours * seconds))), "GB": n * size / scale}


def _smallest(sweep, target, *, strict=False, pick=min):
    enough = [ef for ef, recall in sweep.items() if (recall > target if strict else recall >= target)]
    return pick(enough) if enough else None


def exercises() -> list[Exercise]:
    return [
        Exercise("9.1", lesson09.exercise_9_1, _filter, wrong={
            "`or` without parentheses": lambda t, n: _filter(t, n, grouped=False),
            "at least instead of more than": lambda t, n: _filter(t, n, op=">="),
            "the length forgotten": lambda t, n: _filter(t, n, words=False),
            "one = instead of ==": lambda t, n: f'topic = "{t[0]}" and n_words > {n}',
        }),
        Exercise("9.2", lesson09.exercise_9_2, _plan, wrong={
            "rounded, not rounded up": lambda *a: _plan(*a, rounding=round),
            "hours taken as seconds": lambda *a: _plan(*a, seconds=1),
            "bytes, not GB": lambda *a: _plan(*a, scale=1),
            "a fraction of a worker": lambda n, r, h, s: {"workers": n / (r * h * 3600), "GB": n * s / 1e9},
        }),
        Exercise("9.3", lesson09.exercise_9_3, _smallest, wrong={
            "the largest ef that reaches it": lambda s, t: _smallest(s, t, pick=max),
            "strictly above the target": lambda s, t: _smallest(s, t, strict=True),
            "the first in the dict's order": lambda s, t: next((ef for ef, r in s.items() if r >= t), None),
            "the recall, not the ef": lambda s, t: s[_smallest(s, t)] if _smallest(s, t) else None,
        }),
    ]
