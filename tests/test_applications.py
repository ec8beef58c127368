"""Lesson 11's helpers: the few-shot sampler, topic keywords, outlier scores and precision at k."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import applications

LABELS = ["a"] * 6 + ["b"] * 4 + ["c"] * 5


def test_few_shot_sample_draws_n_of_each_label_repeatably():
    rows = applications.few_shot_sample(LABELS, 3, seed=1)
    assert sorted(rows.tolist()) == rows.tolist() and len(set(rows.tolist())) == 9
    assert [LABELS[i] for i in rows].count("a") == [LABELS[i] for i in rows].count("b") == 3
    assert applications.few_shot_sample(LABELS, 3, seed=1).tolist() == rows.tolist()
    draws = {tuple(applications.few_shot_sample(LABELS, 3, seed=s)) for s in range(10)}
    assert len(draws) > 1


def test_few_shot_sample_leaves_every_label_something_to_test():
    with pytest.raises(ValueError, match="at most 3 per label"):
        applications.few_shot_sample(LABELS, 4, seed=0)


def test_topic_keywords_prefer_words_one_cluster_owns():
    texts = ["the oven bakes bread", "bread dough in the oven", "flour for the dough",
             "the telescope sees a comet", "a comet near the planet", "the planet and the telescope",
             "noise about bread and comets"]
    clusters = [0, 0, 0, 1, 1, 1, -1]
    words = applications.topic_keywords(texts, clusters, n=3)
    assert set(words) == {0, 1}                                    # noise has no keywords
    assert set(words[0]) <= {"oven", "bread", "dough", "flour", "bakes"} and "bread" in words[0]
    assert set(words[1]) <= {"telescope", "comet", "planet", "sees"} and "telescope" in words[1]


def _cloud_with_one_stray(seed=0):
    rng = np.random.default_rng(seed)
    centre = np.zeros(16)
    centre[0] = 1.0
    x = centre + 0.1 * rng.standard_normal((30, 16))
    stray = np.full(16, -0.25)                                     # away from the cloud in every coordinate
    return np.vstack([x, stray])


@pytest.mark.parametrize("method", applications.OUTLIER_METHODS)
def test_every_outlier_score_puts_the_stray_row_first(method):
    scores = applications.outlier_scores(_cloud_with_one_stray(), method, k=5)
    assert scores.shape == (31,) and np.isfinite(scores).all()
    assert int(np.argmax(scores)) == 30


def test_centroid_score_is_one_minus_the_cosine_to_the_mean_direction():
    x = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    centre = unit.mean(axis=0) / np.linalg.norm(unit.mean(axis=0))
    np.testing.assert_allclose(applications.outlier_scores(x, "centroid", k=1), 1 - unit @ centre)
    # scale does not matter: rows are compared by direction
    np.testing.assert_allclose(applications.outlier_scores(x * 7, "centroid", k=1), 1 - unit @ centre)


def test_knn_score_by_hand():
    x = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    distances = 1 - unit @ unit.T
    expected = [distances[0, 1], distances[1, 0], min(distances[2, 0], distances[2, 1])]
    np.testing.assert_allclose(applications.outlier_scores(x, "knn", k=1), expected, atol=1e-12)


def test_precision_at_k_by_hand_and_ties_keep_row_order():
    scores = [0.9, 0.1, 0.8, 0.8, 0.2]
    planted = np.array([True, False, False, True, False])
    assert applications.precision_at_k(scores, planted, 1) == 1.0
    assert applications.precision_at_k(scores, planted, 2) == 0.5           # the tie: row 2 before row 3
    assert applications.precision_at_k(scores, planted, 3) == pytest.approx(2 / 3)
    assert applications.precision_at_k(scores, planted, 5) == 0.4
