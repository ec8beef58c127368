"""helpers.metrics against a hand-computed example and scikit-learn (ndcg_score, recall_score, and label ranking average precision for MRR)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import ndcg_score

from helpers import metrics

RANKING = ["d1", "d2", "d3", "d4"]
JUDGED = {"d2": 2, "d4": 1, "d9": 1}  # d9 relevant but never retrieved


def test_hand_computed_example():
    # DCG@4 = 2/log2(3) + 1/log2(5); ideal = 2/log2(2) + 1/log2(3) + 1/log2(4)
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    idcg = 2 + 1 / math.log2(3) + 1 / 2
    assert metrics.ndcg_at_k(RANKING, JUDGED, 4) == pytest.approx(dcg / idcg)
    assert metrics.recall_at_k(RANKING, JUDGED, 4) == pytest.approx(2 / 3)
    assert metrics.recall_at_k(RANKING, JUDGED, 1) == 0
    assert metrics.mrr_at_k(RANKING, JUDGED, 10) == pytest.approx(1 / 2)
    assert metrics.mrr_at_k(RANKING, JUDGED, 1) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=2, max_size=30), st.integers(1, 30), st.data())
def test_ndcg_agrees_with_scikit_learn(grades, k, draw):
    if not any(grades):
        return
    ids = [f"p{i}" for i in range(len(grades))]
    # distinct scores: scikit-learn averages over ties, a ranking has none
    scores = draw.draw(st.permutations(range(len(grades))))
    ranking = [ids[i] for i in np.argsort(scores)[::-1]]
    ours = metrics.ndcg_at_k(ranking, dict(zip(ids, grades)), k)
    theirs = ndcg_score([grades], [scores], k=k)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_evaluate_scores_every_query():
    scores = metrics.evaluate({"q1": RANKING, "q2": ["d9"]}, {"q1": JUDGED, "q2": {"d9": 2}},
                              ["ndcg@10", "recall@1"])
    assert scores["recall@1"] == {"q1": 0.0, "q2": 1.0}
    assert scores["ndcg@10"]["q2"] == 1.0


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: metrics.ndcg_at_k(RANKING, JUDGED, 0), ValueError, "positive int"),
        (lambda: metrics.ndcg_at_k(RANKING, JUDGED, 2.5), ValueError, "positive int"),
        (lambda: metrics.ndcg_at_k("d1 d2", JUDGED, 5), TypeError, "list of ids"),
        (lambda: metrics.recall_at_k(RANKING, [("d1", 1)], 5), TypeError, "dict"),
        (lambda: metrics.mrr_at_k(["d1", "d1"], JUDGED, 5), ValueError, "twice"),
        (lambda: metrics.ndcg_at_k(RANKING, {"d1": -1}, 5), ValueError, "non-negative"),
        (lambda: metrics.ndcg_at_k(RANKING, {"d1": float("nan")}, 5), ValueError, "non-negative"),
        (lambda: metrics.recall_at_k(RANKING, {"d1": 0}, 5), ValueError, "no relevant"),
        (lambda: metrics.evaluate({}, {}), ValueError, "no rankings"),
        (lambda: metrics.evaluate({"q": RANKING}, {}), ValueError, "no judgements"),
        (lambda: metrics.evaluate({"q": RANKING}, {"q": JUDGED}, ["map@10"]), ValueError, "unknown metric"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_an_empty_ranking_scores_zero():
    assert metrics.ndcg_at_k([], JUDGED, 10) == 0 and metrics.mrr_at_k([], JUDGED, 10) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2), min_size=2, max_size=30), st.integers(1, 30))
def test_recall_agrees_with_scikit_learn(grades, k):
    """recall@k is scikit-learn's recall of the prediction "in the top k" against "relevant"."""
    from sklearn.metrics import recall_score

    if not any(grades):
        return
    ids = [f"p{i}" for i in range(len(grades))]  # the ranking is ids in this order
    ours = metrics.recall_at_k(ids, dict(zip(ids, grades)), k)
    theirs = recall_score([g > 0 for g in grades], [i < k for i in range(len(grades))])
    assert ours == pytest.approx(theirs, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 30), st.data())
def test_mrr_with_one_relevant_passage_agrees_with_scikit_learn(n, draw):
    """With one relevant passage, reciprocal rank equals scikit-learn's label ranking average precision."""
    from sklearn.metrics import label_ranking_average_precision_score

    ids = [f"p{i}" for i in range(n)]
    relevant = draw.draw(st.integers(0, n - 1))
    scores = np.arange(n, 0, -1, dtype=float)  # ids[0] ranked first
    ours = metrics.mrr_at_k(ids, {ids[relevant]: 2}, k=n)
    theirs = label_ranking_average_precision_score([[i == relevant for i in range(n)]], [scores])
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_ndcg_never_returns_nan():
    """Degenerate judgements get a clear error; huge grades give the same nDCG as small ones."""
    for judgements in ({}, {"d1": 0, "d2": 0}):
        with pytest.raises(ValueError, match="no relevant passage"):
            metrics.ndcg_at_k(RANKING, judgements, 5)
    with pytest.raises(ValueError, match="finite"):
        metrics.ndcg_at_k(RANKING, {"d1": float("inf")}, 5)  # inf / inf was NaN
    small = metrics.ndcg_at_k(RANKING, {"d2": 1, "d4": 2}, 5)
    huge = metrics.ndcg_at_k(RANKING, {"d2": 0.75e308, "d4": 1.5e308}, 5)  # sums overflowed to inf / inf
    assert 0 < small < 1 and huge == pytest.approx(small, rel=1e-12)
