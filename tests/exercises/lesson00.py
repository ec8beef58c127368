"""Lesson 00's exercises: row norms, cosine by hand, the most similar pair."""

from __future__ import annotations

import numpy as np

from exercises import Exercise
from helpers.check import lesson00

NAMES = ["0.1", "0.2", "0.3"]
TEXTS = ["The cat sleeps on the sofa.", "Share prices fell.", "A kitten naps on the couch."]


def exercises() -> list[Exercise]:
    return [
        Exercise("0.1", lesson00.exercise_0_1, lambda x: np.sqrt((x * x).sum(axis=1)), wrong={
            "forgot the square root": lambda x: (x * x).sum(axis=1),
            "summed down the columns": lambda x: np.sqrt((x * x).sum(axis=0)),
            "one norm for the whole array": lambda x: np.linalg.norm(x),
        }),
        Exercise("0.2", lesson00.exercise_0_2, lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)),
                 wrong={
                     "forgot the lengths": lambda a, b: float(a @ b),
                     "elementwise, not one number": lambda a, b: a * b / np.linalg.norm(a) / np.linalg.norm(b),
                     "divided by one length only": lambda a, b: float(a @ b / np.linalg.norm(a)),
                 }),
        Exercise("0.3", lambda pair: lesson00.exercise_0_3(pair, TEXTS), (2, 0), partial=(2, None), wrong={
            "a text with itself": (0, 0),
            "an unrelated pair": (0, 1),
            "a word, not indices": "cat",
        }),
    ]
