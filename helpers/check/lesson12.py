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


# --- 12.3 the modality gap ----------------------------------------------------------------------

def gap(image_emb: np.ndarray, text_emb: np.ndarray) -> float:
    """The reference answer: the Euclidean distance between the mean image vector and the mean text vector."""
    return float(np.linalg.norm(image_emb.mean(axis=0) - text_emb.mean(axis=0)))


def _clouds(seed: int, n_images: int, n_texts: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    offset = np.zeros(4)
    offset[0] = shift
    return (_unit(rng.normal(size=(n_images, 4)) + offset), _unit(rng.normal(size=(n_texts, 4)) - offset))


def exercise_12_3(modality_gap: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """``modality_gap(image_emb, text_emb)``: how far apart the centres of the two clouds are."""
    cases = [_clouds(0, 8, 8, 2.0), _clouds(1, 12, 5, 1.0), _clouds(2, 6, 9, 0.0), _clouds(3, 4, 4, 3.0)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = close(got, expected, tol=1e-9, what="the gap")
        if problem is None or isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
            return problem
        images, texts = args
        got = float(got)
        centres = _unit(np.stack([images.mean(axis=0), texts.mean(axis=0)]))
        if abs(got - float(np.linalg.norm(centres[0] - centres[1]))) < 1e-9:
            return "do not scale the centres to length 1: a centre of unit vectors is shorter than 1, and that is part of the gap"
        if abs(got - float(np.mean(np.linalg.norm(images[:, None] - texts[None], axis=2)))) < 1e-9:
            return "that is the mean distance between every image and every text; the gap is between the two means"
        if abs(got - float(images.mean(axis=0) @ texts.mean(axis=0))) < 1e-9:
            return "that is a dot product of the centres; the gap is the length of their difference"
        return problem

    attempted, problems = _run_cases(modality_gap, cases, gap, same,
                                     labels=["8 images and 8 texts, far apart", "12 images and 5 texts",
                                             "clouds around one centre", "4 and 4, very far apart"])
    return result("12.3", modality_gap if attempted else None, problems, hint=[
        "average the image vectors (one mean vector), average the text vectors, and measure the length of the difference",
        "return float(np.linalg.norm(image_emb.mean(axis=0) - text_emb.mean(axis=0)))",
    ])
