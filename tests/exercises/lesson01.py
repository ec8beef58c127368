"""Lesson 01's exercises: neighbours of a group of words, analogies from several examples, a static sentence vector."""

from __future__ import annotations

import functools

import numpy as np

from exercises import Exercise
from helpers.check import lesson01

NAMES = ["1.1", "1.2", "1.3"]


@functools.lru_cache(maxsize=1)
def _table():
    from helpers import models
    from helpers.wordvectors import WordVectors

    tokenizer, _ = models.load_transformer(quiet=True)
    wv = WordVectors.from_encoder()
    return wv, wv.vectors, tokenizer


def _unit():
    W = _table()[1]
    return W / np.linalg.norm(W, axis=1, keepdims=True)


def _top(scores, exclude, k):
    wv = _table()[0]
    scores = scores.copy()
    scores[[wv.index[w] for w in exclude]] = -np.inf
    return [wv.words[i] for i in np.argsort(-scores)[:k]]


def group(words, k, unit=True, exclude=True):
    wv, W, _ = _table()
    rows = (_unit() if unit else W)
    q = rows[[wv.index[w] for w in words]].mean(axis=0)
    return _top(rows @ q, words if exclude else [], k)


def by_examples(pairs, c, first_only=False, exclude=True, add_c=True):
    wv = _table()[0]
    unit = _unit()
    used = pairs[:1] if first_only else pairs
    offset = np.mean([unit[wv.index[b]] - unit[wv.index[a]] for a, b in used], axis=0)
    query = [c] + [w for pair in pairs for w in pair] if exclude else []
    return _top(unit @ (unit[wv.index[c]] * add_c + offset), query, 1)[0]


def sentence(text, special=False, normalize=True):
    _, W, tokenizer = _table()
    ids = tokenizer(text)["input_ids"] if special else tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))
    mean = W[ids].mean(axis=0)
    return mean / np.linalg.norm(mean) if normalize else mean


def exercises() -> list[Exercise]:
    return [
        Exercise("1.1", lesson01.exercise_1_1, group, wrong={
            "kept the group's own words": lambda words, k: group(words, k, exclude=False),
            "raw rows instead of unit vectors": lambda words, k: group(words, k, unit=False),
            "neighbours of the first word only": lambda words, k: group(words[:1], k),
            "(word, score) pairs": lambda words, k: [(w, 0.0) for w in group(words, k)],
        }),
        Exercise("1.2", lesson01.exercise_1_2, by_examples, wrong={
            "the first example pair only": lambda pairs, c: by_examples(pairs, c, first_only=True),
            "query words not left out": lambda pairs, c: by_examples(pairs, c, exclude=False),
            "forgot to add c to the offset": lambda pairs, c: by_examples(pairs, c, add_c=False),
        }),
        Exercise("1.3", lesson01.exercise_1_3, sentence, wrong={
            "not scaled to length 1": lambda text: sentence(text, normalize=False),
            "[CLS] and [SEP] included": lambda text: sentence(text, special=True),
            "the first piece only": lambda text: sentence(text.split()[0]),
        }),
    ]
