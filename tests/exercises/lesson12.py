"""Lesson 12's exercises: the contrastive loss by hand, zero-shot with a caption ensemble, the modality gap."""

from __future__ import annotations

import numpy as np

from exercises import Exercise
from helpers.check import lesson12

NAMES = ["12.1", "12.2", "12.3"]


def _ce(z, *, stable=True):
    if stable:
        z = z - z.max(axis=1, keepdims=True)
    return -np.mean(np.diag(z - np.log(np.exp(z).sum(axis=1, keepdims=True))))


def _loss(a, b, scale, *, both=True, use_scale=True, total=False, stable=True):
    logits = (scale if use_scale else 1.0) * a @ b.T
    if not both:
        return float(_ce(logits, stable=stable))
    pair = _ce(logits, stable=stable) + _ce(logits.T, stable=stable)
    return float(pair if total else pair / 2)


def _ensemble(images, captions, *, normalize=True, first_only=False):
    classes = captions[0] if first_only else captions.mean(axis=0)
    if normalize:
        classes = classes / np.linalg.norm(classes, axis=1, keepdims=True)
    return np.argmax(images @ classes.T, axis=1)


def _gap(images, texts, *, unit_centres=False, pairwise=False, dot=False):
    a, b = images.mean(axis=0), texts.mean(axis=0)
    if pairwise:
        return float(np.mean(np.linalg.norm(images[:, None] - texts[None], axis=2)))
    if dot:
        return float(a @ b)
    if unit_centres:
        a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    return float(np.linalg.norm(a - b))


def exercises() -> list[Exercise]:
    return [
        Exercise("12.1", lesson12.exercise_12_1, _loss, wrong={
            "image to text only": lambda a, b, s: _loss(a, b, s, both=False),
            "no scale": lambda a, b, s: _loss(a, b, s, use_scale=False),
            "the sum of the directions": lambda a, b, s: _loss(a, b, s, total=True),
            "exp without the maximum subtracted": lambda a, b, s: _loss(a, b, s, stable=False),
        }),
        Exercise("12.2", lesson12.exercise_12_2, _ensemble, wrong={
            "averages not normalized": lambda i, c: _ensemble(i, c, normalize=False),
            "the first template only": lambda i, c: _ensemble(i, c, first_only=True),
            "the farthest class": lambda i, c: np.argmin(i @ (c.mean(axis=0) / np.linalg.norm(c.mean(axis=0), axis=1, keepdims=True)).T, axis=1),
        }),
        Exercise("12.3", lesson12.exercise_12_3, _gap, wrong={
            "centres scaled to length 1": lambda i, t: _gap(i, t, unit_centres=True),
            "the mean pairwise distance": lambda i, t: _gap(i, t, pairwise=True),
            "a dot product of the centres": lambda i, t: _gap(i, t, dot=True),
            "the distance between the first image and the first text": lambda i, t: float(np.linalg.norm(i[0] - t[0])),
        }),
    ]
