"""Self-checks for lesson 12 (images and text in one space). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_12_1", "exercise_12_2", "exercise_12_3"]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _pairs(seed: int, n: int, d: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = _unit(rng.normal(size=(n, d)))
    return a, _unit(a + 0.6 * rng.normal(size=(n, d)))   # captions near their images, not on them


# --- 12.1 the symmetric contrastive loss by hand -------------------------------------------------

def _cross_entropy(z: np.ndarray) -> float:
    z = z - z.max(axis=1, keepdims=True)
    return float(-np.mean(np.diag(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))))


def infonce(image_emb: np.ndarray, text_emb: np.ndarray, scale: float) -> float:
    """The reference answer: the mean of the row-wise and column-wise cross-entropy of the scaled cosines."""
    logits = scale * image_emb @ text_emb.T
    return (_cross_entropy(logits) + _cross_entropy(logits.T)) / 2


def exercise_12_1(symmetric_infonce: Callable[[np.ndarray, np.ndarray, float], float]) -> CheckResult:
    """``symmetric_infonce(image_emb, text_emb, scale)``: (image-to-text + text-to-image cross-entropy) / 2."""
    cases = [(*_pairs(0, 4), 10.0), (*_pairs(1, 6), 1.0), (*_pairs(2, 5), 2000.0), (*_pairs(3, 3, d=3), 14.3)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = close(got, expected, tol=1e-6, what="the loss")
        if problem is None or isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
            return problem
        a, b, scale = args
        logits = scale * a @ b.T
        got = float(got)
        if abs(got - _cross_entropy(logits)) < 1e-6:
            return "that is only image to text (rows); average it with text to image (the columns: logits.T)"
        if abs(got - infonce(a, b, 1.0)) < 1e-6 and scale != 1.0:
            return "multiply the cosines by scale before the softmax: the temperature sharpens it"
        if abs(got - (_cross_entropy(logits) + _cross_entropy(logits.T))) < 1e-6:
            return "that is the sum of the two directions; the loss is their mean"
        return problem

    attempted, problems = _run_cases(symmetric_infonce, cases, infonce, same,
                                     labels=["4 pairs, scale 10", "6 pairs, scale 1", "5 pairs, scale 2000 (exp overflows "
                                             "unless each row's maximum is subtracted first)", "3 pairs in 3 dimensions"])
    return result("12.1", symmetric_infonce if attempted else None, problems, hint=[
        "logits = scale * image_emb @ text_emb.T; the right answer of row i is column i; do the rows, then logits.T",
        "def ce(z): z = z - z.max(axis=1, keepdims=True); return -np.mean(np.diag(z - np.log(np.exp(z).sum(axis=1, "
        "keepdims=True)))); return (ce(logits) + ce(logits.T)) / 2",
    ])


# --- 12.2 zero-shot with an ensemble of captions -------------------------------------------------

def ensembled(image_emb: np.ndarray, caption_emb: np.ndarray) -> list[int]:
    """The reference answer: nearest class by the normalized mean of its captions over templates."""
    return [int(j) for j in np.argmax(image_emb @ _unit(caption_emb.mean(axis=0)).T, axis=1)]


def _ensemble_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(3, 5)))
    captions = _unit(centres[None] + 0.5 * rng.normal(size=(3, 3, 5)))
    captions[0, 1] = _unit(centres[1] + 0.05 * rng.normal(size=5))          # one tight caption ...
    captions[1:, 1] = _unit(centres[1] + 1.5 * rng.normal(size=(2, 5)))     # ... and two loose ones for class 1
    images = _unit(centres[rng.integers(0, 3, 12)] + 0.7 * rng.normal(size=(12, 5)))
    return images, captions


def exercise_12_2(ensemble_zero_shot: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """``ensemble_zero_shot(image_emb, caption_emb)``: the class of the nearest template-averaged caption."""
    cases = [_ensemble_case(seed) for seed in range(4)]

    def same(got: Any, expected: list, args: tuple) -> str | None:
        got = [int(g) for g in np.asarray(got).ravel()]
        if got == expected:
            return None
        images, captions = args
        if len(got) != len(expected):
            return f"return one class index per image: {len(expected)} images, {len(got)} answers"
        if got == [int(j) for j in np.argmax(images @ captions.mean(axis=0).T, axis=1)]:
            return "normalize the averaged caption vectors: an average of unit vectors is shorter than 1, and not equally so"
        if got == [int(j) for j in np.argmax(images @ captions[0].T, axis=1)]:
            return "that uses only the first template: average over all templates (axis 0)"
        return f"expected {expected}, got {got}"

    attempted, problems = _run_cases(ensemble_zero_shot, cases, ensembled, same,
                                     labels=[f"12 images, 3 templates, 3 classes (draw {i})" for i in range(4)])
    return result("12.2", ensemble_zero_shot if attempted else None, problems, hint=[
        "average caption_emb over its first axis (templates), scale each class's average to length 1, "
        "then take each image's highest cosine",
        "classes = caption_emb.mean(axis=0); classes /= np.linalg.norm(classes, axis=1, keepdims=True); "
        "return np.argmax(image_emb @ classes.T, axis=1)",
    ])


# --- 12.3 precision at k for text-to-image search ------------------------------------------------

def precision(scores: list, image_labels: list, query_label: Any, k: int) -> float:
    """The reference answer: the share of the k best-scored images with the query's label."""
    top = np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:k]
    return float(np.mean(np.asarray(image_labels)[top] == query_label))


def exercise_12_3(precision_at_k: Callable[[list, list, Any, int], float]) -> CheckResult:
    """``precision_at_k(scores, image_labels, query_label, k)``: the share of the top k images showing ``query_label``."""
    scores = [0.31, 0.82, 0.15, 0.77, 0.64, 0.05, 0.58]
    image_labels = [7, 7, 1, 3, 7, 7, 1]
    cases = [(scores, image_labels, 7, 3), (scores, image_labels, 7, 1), (scores, image_labels, 1, 2),
             (scores, image_labels, 3, 7), (scores, image_labels, 7, 5)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = close(got, expected, tol=1e-9, what="precision at k")
        if problem is None or isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
            return problem
        s, found, label, k = args
        relevant = sum(1 for x in found if x == label)
        if abs(float(got) - expected * k / relevant) < 1e-9:
            return "that divides by the number of right images (recall); precision divides by k"
        low = np.argsort(np.asarray(s, dtype=float), kind="stable")[:k]
        if abs(float(got) - float(np.mean(np.asarray(found)[low] == label))) < 1e-9:
            return "those are the k lowest scores: the best match has the highest cosine"
        return problem

    attempted, problems = _run_cases(precision_at_k, cases, precision, same,
                                     labels=["digit 7, k = 3", "digit 7, k = 1", "digit 1, k = 2", "digit 3, k = every image",
                                             "digit 7, k = 5"])
    return result("12.3", precision_at_k if attempted else None, problems, hint=[
        "sort the images by score, highest first; of the first k, what share has the query's label?",
        "top = np.argsort(-np.asarray(scores))[:k]; return float(np.mean(np.asarray(image_labels)[top] == query_label))",
    ])
