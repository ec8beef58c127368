"""Lesson 03's exercises: a distance matrix, a threshold for a required precision, search with a threshold."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve

from exercises import Exercise
from helpers.check import lesson03

NAMES = ["3.1", "3.2", "3.3"]


def _distances(a, b):
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def _for_precision(scores, labels, min_precision):
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    return float(thresholds[precision[:-1] >= min_precision].min())


def _best_f1(scores, labels, min_precision):  # ignores the precision it was asked for
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[np.argmax(f1[:-1])])


def _highest(scores, labels, min_precision):  # precision is reached, but with the least recall
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    return float(thresholds[precision[:-1] >= min_precision].max())


def _search(q_emb, emb, k, threshold):
    scores = q_emb @ emb.T
    return [[int(i) for i in np.argsort(-row)[:k] if row[i] >= threshold] for row in scores]


def exercises() -> list[Exercise]:
    return [
        Exercise("3.1", lesson03.exercise_3_1, _distances, wrong={
            "squared distances": lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1),
            "transposed": lambda a, b: _distances(a, b).T,
            "Manhattan distance instead": lambda a, b: np.abs(a[:, None, :] - b[None, :, :]).sum(axis=-1),
            "row by row, not every pair": lambda a, b: np.linalg.norm(a - b[: len(a)], axis=1),
        }),
        Exercise("3.2", lesson03.exercise_3_2, _for_precision, wrong={
            "best F1, precision ignored": _best_f1,
            "the highest threshold that reaches the precision": _highest,
            "a fixed threshold": lambda s, y, p: 0.5,
        }),
        Exercise("3.3", lesson03.exercise_3_3, _search, wrong={
            "threshold ignored": lambda q, e, k, t: [[int(i) for i in np.argsort(-row)[:k]] for row in q @ e.T],
            "worst first": lambda q, e, k, t: [[int(i) for i in np.argsort(row)[:k] if row[i] >= t] for row in q @ e.T],
            "None when nothing is relevant": lambda q, e, k, t: [r or None for r in _search(q, e, k, t)],
            "every passage above the threshold, no k": lambda q, e, k, t: [
                [int(i) for i in np.argsort(-row) if row[i] >= t] for row in q @ e.T],
        }),
    ]
