"""Lesson 02's exercises: masked mean pooling, a word in context, Spearman correlation by hand."""

from __future__ import annotations

import numpy as np
from scipy.stats import pearsonr, rankdata

from exercises import Exercise
from helpers.check import lesson02

NAMES = ["2.1", "2.2", "2.3"]


def masked_mean(hidden, mask):
    m = mask[:, :, None]
    return (hidden * m).sum(axis=1) / m.sum(axis=1)


def word_in_context(sentence, word, first_piece_only=False, cls=False):
    import torch

    from helpers import models

    tokenizer, transformer = models.load_transformer(quiet=True)
    inputs = tokenizer(sentence, return_tensors="pt")
    tokens = tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
    pieces = tokenizer.tokenize(word)
    start = next(i for i in range(len(tokens)) if tokens[i:i + len(pieces)] == pieces)
    with torch.no_grad():
        states = transformer(**inputs).last_hidden_state[0]
    if cls:
        return states[0].numpy()
    end = start + 1 if first_piece_only else start + len(pieces)
    return states[start:end].mean(dim=0).numpy()


def spearman(x, y):
    return float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])


def exercises() -> list[Exercise]:
    return [
        Exercise("2.1", lesson02.exercise_2_1, masked_mean, wrong={
            "padding averaged in": lambda h, m: h.mean(axis=1),
            "divided by every position": lambda h, m: (h * m[:, :, None]).sum(axis=1) / h.shape[1],
            "changed the input in place": lambda h, m: (h.__imul__(m[:, :, None]), masked_mean(h, m))[1],
            "summed, not averaged": lambda h, m: (h * m[:, :, None]).sum(axis=1),
        }),
        Exercise("2.2", lesson02.exercise_2_2, word_in_context, wrong={
            "the first piece only": lambda s, w: word_in_context(s, w, first_piece_only=True),
            "the [CLS] vector": lambda s, w: word_in_context(s, w, cls=True),
        }),
        Exercise("2.3", lesson02.exercise_2_3, spearman, wrong={
            "Pearson on the values": lambda x, y: float(pearsonr(x, y).statistic),
            "ties ranked in order of appearance": lambda x, y: float(
                np.corrcoef(rankdata(x, "ordinal"), rankdata(y, "ordinal"))[0, 1]),
            "ranked in place, changing the input": lambda x, y: (x.sort(), spearman(x, y))[1],
        }),
    ]
