"""Self-checks for lesson 11 (beyond search). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_11_1", "exercise_11_2", "exercise_11_3"]


# --- 11.1 zero-shot: the nearest label -----------------------------------------------------------

def nearest_labels(text_vectors: np.ndarray, label_vectors: np.ndarray, labels: list) -> list:
    """The reference answer: each text's label of highest cosine similarity."""
    t = text_vectors / np.linalg.norm(text_vectors, axis=1, keepdims=True)
    lv = label_vectors / np.linalg.norm(label_vectors, axis=1, keepdims=True)
    return [labels[j] for j in np.argmax(t @ lv.T, axis=1)]


def exercise_11_1(zero_shot: Callable[[np.ndarray, np.ndarray, list], list]) -> CheckResult:
    """``zero_shot(text_vectors, label_vectors, labels)``: for each text, the label whose vector is nearest (cosine)."""
    texts = np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.2], [0.1, 0.0, 1.0], [0.8, 0.6, 0.0]])
    labels = ["sport", "food", "music"]
    unit = np.eye(3)
    long_food = np.array([[1.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 1.0]])  # one label vector five times longer
    cases = [(texts, unit, labels), (texts, long_food, labels), (texts[:2], unit[:2], labels[:2])]

    def same(got: Any, expected: list, args: tuple) -> str | None:
        got = list(got)
        if got == expected:
            return None
        text_vectors, label_vectors, names = args
        if len(got) != len(expected):
            return f"return one label per text: {len(expected)} texts, {len(got)} labels"
        if all(isinstance(g, (int, np.integer)) for g in got):
            return "return the labels themselves (labels[j]), not their positions"
        if got == [names[j] for j in np.argmax(text_vectors @ label_vectors.T, axis=1)]:
            return "a longer label vector wins the plain dot product: divide by the lengths (cosine similarity)"
        if got == [names[j] for j in np.argmin(text_vectors @ label_vectors.T, axis=1)]:
            return "that is the least similar label: take the highest similarity (argmax)"
        return f"expected {expected}, got {got}"

    attempted, problems = _run_cases(zero_shot, cases, nearest_labels, same,
                                     labels=["unit label vectors", "one label vector longer", "two labels"])
    return result("11.1", zero_shot if attempted else None, problems, hint=[
        "scale text and label vectors to length 1, take every text-label dot product, keep each text's largest",
        "t = text_vectors / norm(rows); l = label_vectors / norm(rows); "
        "return [labels[j] for j in np.argmax(t @ l.T, axis=1)]",
    ])


# --- 11.2 a user vector from a history -----------------------------------------------------------

def profile(history: list, item_vectors: dict, last: int) -> np.ndarray:
    """The reference answer: the mean of the vectors of the ``last`` most recent films, scaled to length 1."""
    mean = np.mean([item_vectors[i] for i in history[-last:]], axis=0)
    return mean / np.linalg.norm(mean)


def exercise_11_2(user_vector: Callable[[list, dict, int], np.ndarray]) -> CheckResult:
    """``user_vector(history, item_vectors, last)``: the normalized mean of the ``last`` most recent films' vectors."""
    vectors = {10: np.array([1.0, 0.0, 0.0]), 20: np.array([0.0, 2.0, 0.0]), 30: np.array([0.0, 0.0, 1.0]),
               40: np.array([3.0, 1.0, 0.0]), 50: np.array([0.0, 1.0, 1.0])}
    cases = [([10, 20, 30, 40, 50], vectors, 2), ([10, 20, 30, 40, 50], vectors, 3), ([30, 10], vectors, 5),
             ([40], vectors, 1)]

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            return f"return one vector of shape {expected.shape}, got shape {got.shape}"
        if np.allclose(got, expected, atol=1e-9):
            return None
        history, item_vectors, last = args
        mean = np.mean([item_vectors[i] for i in history[-last:]], axis=0)
        if np.allclose(got, mean, atol=1e-9):
            return "the direction is right; now scale the vector to length 1 (divide by its norm)"
        first = np.mean([item_vectors[i] for i in history[:last]], axis=0)
        if np.allclose(got, first / np.linalg.norm(first), atol=1e-9):
            return "those are the oldest films: the history runs oldest first, so the recent ones are history[-last:]"
        everything = np.mean([item_vectors[i] for i in history], axis=0)
        if len(history) > last and np.allclose(got, everything / np.linalg.norm(everything), atol=1e-9):
            return f"that averages the whole history: use only the last {last} films"
        return close(float(np.linalg.norm(got - expected)), 0.0, tol=1e-9, what="the distance from the right vector")

    attempted, problems = _run_cases(user_vector, cases, profile, same,
                                     labels=["the last 2 of 5", "the last 3 of 5", "a history shorter than last",
                                             "one film"])
    return result("11.2", user_vector if attempted else None, problems, hint=[
        "take the vectors of history[-last:], average them, divide by the length of the average",
        "mean = np.mean([item_vectors[i] for i in history[-last:]], axis=0); return mean / np.linalg.norm(mean)",
    ])


# --- 11.3 precision at k -------------------------------------------------------------------------

def precision(scores: list, is_outlier: list, k: int) -> float:
    """The reference answer: the share of planted outliers among the ``k`` highest scores."""
    top = np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:k]
    return float(np.mean([is_outlier[i] for i in top]))


def exercise_11_3(precision_at_k: Callable[[list, list, int], float]) -> CheckResult:
    """``precision_at_k(scores, is_outlier, k)``: the share of true outliers among the ``k`` highest-scored rows."""
    scores = [0.10, 0.92, 0.35, 0.80, 0.05, 0.60, 0.71]
    planted = [False, True, False, False, False, True, True]
    cases = [(scores, planted, 3), (scores, planted, 1), (scores, planted, 5), (scores, [False] * 7, 2),
             ([0.3, 0.2, 0.9, 0.1], [True, True, False, False], 4)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = close(got, expected, tol=1e-9, what="precision at k")
        if problem is None or isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
            return problem
        s, planted, k = args
        if sum(planted) and abs(float(got) - expected * k / sum(planted)) < 1e-9:
            return "that divides by the number of planted outliers (recall); precision divides by k"
        low = np.argsort(np.asarray(s, dtype=float), kind="stable")[:k]
        if abs(float(got) - float(np.mean([planted[i] for i in low]))) < 1e-9:
            return "those are the k lowest scores: a higher score means more of an outlier"
        return problem

    attempted, problems = _run_cases(precision_at_k, cases, precision, same,
                                     labels=["k = 3", "k = 1", "k = 5", "no outliers planted", "k = every row"])
    return result("11.3", precision_at_k if attempted else None, problems, hint=[
        "sort the rows by score, highest first; of the first k, what share is planted?",
        "top = np.argsort(-np.asarray(scores))[:k]; return float(np.mean([is_outlier[i] for i in top]))",
    ])
