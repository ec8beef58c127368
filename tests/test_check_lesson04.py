"""helpers.check.lesson04: right answers pass, typical mistakes fail with their own message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.check import lesson04
from helpers.projections import neighbours_kept


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "0")


def stub(*args):  # what `pass  # YOUR CODE HERE` leaves: a function returning None
    pass


def singular_values(x, centre=True):
    return np.linalg.svd(x - x.mean(axis=0) if centre else x, compute_uv=False)


def test_exercise_4_1_explained_variance():
    from sklearn.decomposition import PCA

    def right(x, k):
        s = singular_values(x)
        return float((s[:k] ** 2).sum() / (s**2).sum())

    assert lesson04.exercise_4_1(right).passed
    assert lesson04.exercise_4_1(lambda x, k: PCA(n_components=k).fit(x).explained_variance_ratio_.sum()).passed
    assert lesson04.exercise_4_1(stub).status == "not attempted"
    uncentred = lesson04.exercise_4_1(lambda x, k: (singular_values(x, False)[:k] ** 2).sum()
                                      / (singular_values(x, False) ** 2).sum())
    assert uncentred.status == "failed" and "subtract each column's mean" in repr(uncentred)
    unsquared = lesson04.exercise_4_1(lambda x, k: singular_values(x)[:k].sum() / singular_values(x).sum())
    assert unsquared.status == "failed" and "squared" in repr(unsquared)
    ratios = lesson04.exercise_4_1(lambda x, k: PCA(n_components=k).fit(x).explained_variance_ratio_)
    assert ratios.status == "failed" and "one number" in repr(ratios)
    last = lesson04.exercise_4_1(lambda x, k: (singular_values(x)[-k:] ** 2).sum() / (singular_values(x) ** 2).sum())
    assert last.status == "failed" and "expected" in repr(last)
    crash = lesson04.exercise_4_1(lambda x, k: x.nope)
    assert crash.status == "failed" and "AttributeError" in repr(crash)


def test_exercise_4_2_neighbours_kept():
    def brute(x, y, k, self_too=False):
        def nearest(a):
            d = ((a[:, None] - a[None]) ** 2).sum(-1)
            if not self_too:
                np.fill_diagonal(d, np.inf)
            return np.argsort(d, axis=1)[:, :k]

        return np.array([len(set(p) & set(q)) / k for p, q in zip(nearest(x), nearest(y))])

    assert lesson04.exercise_4_2(lambda x, y, k: float(brute(x, y, k).mean())).passed
    assert lesson04.exercise_4_2(neighbours_kept).passed
    assert lesson04.exercise_4_2(stub).status == "not attempted"
    with_self = lesson04.exercise_4_2(lambda x, y, k: float(brute(x, y, k, self_too=True).mean()))
    assert with_self.status == "failed" and "its own neighbour" in repr(with_self)
    per_point = lesson04.exercise_4_2(lambda x, y, k: brute(x, y, k))
    assert per_point.status == "failed" and "one value per point" in repr(per_point)
    counts = lesson04.exercise_4_2(lambda x, y, k: float(brute(x, y, k).mean() * k))
    assert counts.status == "failed" and "divide the number of shared neighbours by k" in repr(counts)
    always_one = lesson04.exercise_4_2(lambda x, y, k: 1.0)
    assert always_one.status == "failed" and "a random map" in repr(always_one)


def test_exercise_4_3_adjusted_rand():
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, rand_score

    def by_hand(a, b):
        n = pd.crosstab(np.asarray(a), np.asarray(b)).to_numpy()

        def pairs(m):
            return m * (m - 1) / 2

        index, rows, cols = pairs(n).sum(), pairs(n.sum(axis=1)).sum(), pairs(n.sum(axis=0)).sum()
        expected = rows * cols / pairs(len(a))
        return float((index - expected) / ((rows + cols) / 2 - expected))

    assert lesson04.exercise_4_3(by_hand).passed
    assert lesson04.exercise_4_3(adjusted_rand_score).passed
    assert lesson04.exercise_4_3(stub).status == "not attempted"
    plain = lesson04.exercise_4_3(rand_score)
    assert plain.status == "failed" and "plain Rand index" in repr(plain)
    ids = lesson04.exercise_4_3(lambda a, b: float(np.mean(np.asarray(a) == np.asarray(b))))  # ids compared
    assert ids.status == "failed" and "cluster numbers are arbitrary" in repr(ids)
    ami = lesson04.exercise_4_3(adjusted_mutual_info_score)
    assert ami.status == "failed" and "merged" in repr(ami)
    text = lesson04.exercise_4_3(lambda a, b: "0.5")
    assert text.status == "failed" and "one number" in repr(text)
