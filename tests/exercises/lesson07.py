"""Lesson 07's exercises: the MNRL loss by hand, a pair builder that leaks, choosing the checkpoint on dev."""

from __future__ import annotations

import numpy as np

from exercises import Exercise
from helpers.check import lesson07

NAMES = ["7.1", "7.2", "7.3"]


def _mnrl(q_emb, d_emb, scale=20.0, *, unscaled=False, positives_only=False, over_queries=False, summed=False):
    n = len(q_emb)
    logits = np.asarray(q_emb, dtype=np.float64) @ np.asarray(d_emb, dtype=np.float64).T
    logits *= 1.0 if unscaled else scale
    if positives_only:
        logits = logits[:, :n]
    if over_queries:
        logits = logits[:, :n].T
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    losses = -np.diag(log_p[:, :n])
    return float(losses.sum() if summed else losses.mean())


def _clean(pairs, test, *, drop_test=True, cut=True):
    out = []
    for query, passage in pairs:
        if drop_test and query in test:
            continue
        if cut and query in passage:
            passage = " ".join(passage.replace(query, " ").split())
        out.append((query, passage))
    return out


def _choose(curve, on="dev", latest=False):
    best = max(p[on] for p in curve)
    steps = [p["step"] for p in curve if p[on] == best]
    return max(steps) if latest else min(steps)


def exercises() -> list[Exercise]:
    return [
        Exercise("7.1", lesson07.exercise_7_1, _mnrl, wrong={
            "no scale": lambda q, d, s: _mnrl(q, d, s, unscaled=True),
            "hard negatives left out": lambda q, d, s: _mnrl(q, d, s, positives_only=True),
            "softmax over the queries": lambda q, d, s: _mnrl(q, d, s, over_queries=True),
            "summed, not averaged": lambda q, d, s: _mnrl(q, d, s, summed=True),
            "accuracy instead of a loss": lambda q, d, s: float(np.mean(np.argmax(q @ d.T, axis=1) == np.arange(len(q)))),
        }),
        Exercise("7.2", lesson07.exercise_7_2, _clean, wrong={
            "test queries kept": lambda p, t: _clean(p, t, drop_test=False),
            "copies left in their passages": lambda p, t: _clean(p, t, cut=False),
            "copied pairs dropped instead of cut": lambda p, t: [(q, x) for q, x in _clean(p, t, cut=False) if q not in x],
            "unchanged": lambda p, t: list(p),
        }),
        Exercise("7.3", lesson07.exercise_7_3, _choose, wrong={
            "chosen on test": lambda c: _choose(c, on="test"),
            "the last step": lambda c: c[-1]["step"],
            "the later step on a tie": lambda c: _choose(c, latest=True),
            "the best dev score, not its step": lambda c: max(p["dev"] for p in c),
        }),
    ]
