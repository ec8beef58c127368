"""Lesson 04's exercises: explained variance by hand, neighbours kept on a map, the adjusted Rand index."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score, rand_score

from exercises import Exercise
from helpers.check import lesson04


def _explained(x, k):
    s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
    return float((s[:k] ** 2).sum() / (s**2).sum())


def _nearest(a, k, self_too=False):
    d = ((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=-1)
    if not self_too:
        np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1)[:, :k]


def _overlap(x, y, k, self_too=False):
    shared = [len(set(p) & set(q)) for p, q in zip(_nearest(x, k, self_too), _nearest(y, k, self_too))]
    return float(np.mean(shared) / k)


def _ari(a, b):
    n = pd.crosstab(np.asarray(a), np.asarray(b)).to_numpy()

    def pairs(m):
        return m * (m - 1) / 2

    index, rows, cols = pairs(n).sum(), pairs(n.sum(axis=1)).sum(), pairs(n.sum(axis=0)).sum()
    expected = rows * cols / pairs(len(a))
    return float((index - expected) / ((rows + cols) / 2 - expected))


NAMES = ["4.1", "4.2", "4.3"]


def exercises() -> list[Exercise]:
    return [
        Exercise("4.1", lesson04.exercise_4_1, _explained, wrong={
            "not centred": lambda x, k: float((np.linalg.svd(x, compute_uv=False)[:k] ** 2).sum()
                                              / (np.linalg.svd(x, compute_uv=False) ** 2).sum()),
            "singular values not squared": lambda x, k: float(np.linalg.svd(x - x.mean(0), compute_uv=False)[:k].sum()
                                                              / np.linalg.svd(x - x.mean(0), compute_uv=False).sum()),
            "one share per component": lambda x, k: np.linalg.svd(x - x.mean(0), compute_uv=False)[:k] ** 2
                                                    / (np.linalg.svd(x - x.mean(0), compute_uv=False) ** 2).sum(),
        }),
        Exercise("4.2", lesson04.exercise_4_2, _overlap, wrong={
            "a point is its own neighbour": lambda x, y, k: _overlap(x, y, k, self_too=True),
            "count, not share": lambda x, y, k: _overlap(x, y, k) * k,
            "one value per point": lambda x, y, k: np.array([len(set(p) & set(q)) / k for p, q in
                                                             zip(_nearest(x, k), _nearest(y, k))]),
        }),
        Exercise("4.3", lesson04.exercise_4_3, _ari, wrong={
            "plain Rand index": lambda a, b: float(rand_score(a, b)),
            "matching cluster ids": lambda a, b: float(np.mean(np.asarray(a) == np.asarray(b))),
            "adjusted mutual information": lambda a, b: float(adjusted_mutual_info_score(a, b)),
        }),
    ]
