"""Lesson 11's exercises: the nearest-label zero-shot classifier, a user vector from a history, precision at k."""

from __future__ import annotations

import numpy as np

from exercises import Exercise
from helpers.check import lesson11

NAMES = ["11.1", "11.2", "11.3"]


def _zero_shot(texts, labels_v, labels, *, normalize=True, pick=np.argmax, as_index=False):
    if normalize:
        labels_v = labels_v / np.linalg.norm(labels_v, axis=1, keepdims=True)
    best = pick(texts @ labels_v.T, axis=1)
    return [int(j) if as_index else labels[j] for j in best]


def _user(history, vectors, last, *, recent=True, whole=False, scale=True):
    films = history if whole else (history[-last:] if recent else history[:last])
    mean = np.mean([vectors[i] for i in films], axis=0)
    return mean / np.linalg.norm(mean) if scale else mean


def _precision(scores, planted, k, *, highest=True, divide_by_planted=False):
    order = np.argsort(-np.asarray(scores, dtype=float) if highest else np.asarray(scores, dtype=float), kind="stable")
    hits = sum(planted[i] for i in order[:k])
    if divide_by_planted:
        return hits / max(sum(planted), 1)
    return hits / k


def exercises() -> list[Exercise]:
    return [
        Exercise("11.1", lesson11.exercise_11_1, _zero_shot, wrong={
            "the plain dot product": lambda t, v, n: _zero_shot(t, v, n, normalize=False),
            "the least similar label": lambda t, v, n: _zero_shot(t, v, n, pick=np.argmin),
            "positions, not labels": lambda t, v, n: _zero_shot(t, v, n, as_index=True),
            "always the first label": lambda t, v, n: [n[0]] * len(t),
        }),
        Exercise("11.2", lesson11.exercise_11_2, _user, wrong={
            "not scaled to length 1": lambda h, v, n: _user(h, v, n, scale=False),
            "the oldest films": lambda h, v, n: _user(h, v, n, recent=False),
            "the whole history": lambda h, v, n: _user(h, v, n, whole=True),
            "the last film only": lambda h, v, n: _user(h, v, 1),
        }),
        Exercise("11.3", lesson11.exercise_11_3, _precision, wrong={
            "the lowest scores": lambda s, p, k: _precision(s, p, k, highest=False),
            "recall, not precision": lambda s, p, k: _precision(s, p, k, divide_by_planted=True),
            "k + 1 rows": lambda s, p, k: _precision(s, p, min(k + 1, len(s))),
            "a count, not a share": lambda s, p, k: float(sum(p[i] for i in np.argsort(-np.asarray(s))[:k])),
        }),
    ]
