"""Lesson 08's exercises: Hamming distances by hand, rescoring a shortlist, choosing under a budget."""

from __future__ import annotations

import numpy as np

from exercises import Exercise
from helpers.check import lesson08

NAMES = ["8.1", "8.2", "8.3"]


def _hamming(q_emb, emb, *, threshold_ge=False, agree=False):
    bit = (lambda x: np.asarray(x) >= 0) if threshold_ge else (lambda x: np.asarray(x) > 0)
    differ = (bit(q_emb)[:, None, :] != bit(emb)[None, :, :]).sum(axis=2)
    return np.asarray(q_emb).shape[1] - differ if agree else differ


def _rescore(q_emb, candidates, vectors, k, *, ascending=False, keep=False, everything=False):
    candidates = np.asarray(candidates)
    if keep:
        return candidates[:, :k]
    if everything:  # ignores the shortlist: exact search over every row
        return np.argsort(-(np.asarray(q_emb) @ np.asarray(vectors).T), axis=1, kind="stable")[:, :k]
    scores = np.einsum("qd,qcd->qc", np.asarray(q_emb, dtype=np.float64), np.asarray(vectors, dtype=np.float64)[candidates])
    order = np.argsort(scores if ascending else -scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(candidates, order, axis=1)


def _pick(table, budget_gb, floor, *, budget=True, quality=True, smallest=True):
    fits = [r for r in table if (not budget or r["GB"] <= budget_gb) and (not quality or r["retained"] >= floor)]
    if not fits:
        return lesson08.NOTHING
    if smallest:
        return min(fits, key=lambda r: (r["GB"], -r["retained"]))["option"]
    return max(fits, key=lambda r: (r["retained"], -r["GB"]))["option"]


def exercises() -> list[Exercise]:
    return [
        Exercise("8.1", lesson08.exercise_8_1, _hamming, wrong={
            "bits that agree": lambda q, e: _hamming(q, e, agree=True),
            "zero counted as a positive sign": lambda q, e: _hamming(q, e, threshold_ge=True),
            "a fraction, not a count": lambda q, e: _hamming(q, e) / np.asarray(q).shape[1],
            "cosines instead of bits": lambda q, e: np.asarray(q) @ np.asarray(e).T,
        }),
        Exercise("8.2", lesson08.exercise_8_2, _rescore, wrong={
            "the shortlist unchanged": lambda q, c, v, k: _rescore(q, c, v, k, keep=True),
            "worst first": lambda q, c, v, k: _rescore(q, c, v, k, ascending=True),
            "exact search, ignoring the shortlist": lambda q, c, v, k: _rescore(q, c, v, k, everything=True),
            "positions in the shortlist, not row numbers": lambda q, c, v, k: np.argsort(
                -np.einsum("qd,qcd->qc", q, np.asarray(v)[c]), axis=1)[:, :k],
        }),
        Exercise("8.3", lesson08.exercise_8_3, _pick, wrong={
            "budget ignored": lambda t, b, f: _pick(t, b, f, budget=False),
            "floor ignored": lambda t, b, f: _pick(t, b, f, quality=False),
            "best quality, not least memory": lambda t, b, f: _pick(t, b, f, smallest=False),
            "never 'nothing fits'": lambda t, b, f: t[0]["option"] if _pick(t, b, f) == lesson08.NOTHING else _pick(t, b, f),
            "None when nothing fits": lambda t, b, f: None if _pick(t, b, f) == lesson08.NOTHING else _pick(t, b, f),
        }),
    ]
