"""helpers.rank: BM25 finds exact terms and stems words; fusion and reranking order as
computed by hand; every function rejects bad input with a clear message."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.rank import BM25, Reranker, fused_scores, reciprocal_rank_fusion, score_fusion

TEXTS = ["The Kestrel KR-2209 rice cooker has a fuzzy-logic chip.", "Dogs bark at the postman.",
         "A cat naps on the rug.", "Rice is rinsed before cooking."]


@pytest.fixture(scope="module")
def bm25():
    return BM25(TEXTS, ids=["p0", "p1", "p2", "p3"])


def test_exact_terms_and_stems_are_found(bm25):
    ids, scores = bm25.search(["KR-2209 cooker", "barking dog"], k=2)
    assert ids[0][0] == "p0" and ids[1][0] == "p1"
    assert scores.shape == (2, 2) and scores[0, 0] > scores[0, 1]


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: BM25([]), ValueError, "non-empty"),
        (lambda: BM25("one text"), ValueError, "non-empty"),
        (lambda: BM25(["a", 3]), TypeError, "string"),
        (lambda: BM25(["a", "b"], ids=["x"]), ValueError, "one id per text"),
    ],
)
def test_bad_corpus(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    "queries, k, error, message",
    [
        ([], 1, ValueError, "non-empty"),
        (None, 1, ValueError, "non-empty"),
        (["ok", None], 1, TypeError, "string"),
        (["rice"], 0, ValueError, "between 1"),
        (["rice"], 5, ValueError, "between 1"),
    ],
)
def test_bad_search(bm25, queries, k, error, message):
    with pytest.raises(error, match=message):
        bm25.search(queries, k=k)


# --- fusion -------------------------------------------------------------------------------

def test_rrf_matches_a_hand_computed_example():
    # a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62  ->  a > c > b
    assert reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]], k=60) == ["a", "c", "b"]
    # b is third in both lists, a first in one: agreement wins at k=60 (2/63 > 1/61),
    # the single top rank wins at k=0 (1 > 1/3 + 1/3)
    both = [["a", "x", "b"], ["y", "z", "b"]]
    assert reciprocal_rank_fusion(both, k=60)[0] == "b"
    assert reciprocal_rank_fusion(both, k=0)[0] in {"a", "y"}


def test_rrf_of_one_ranking_is_that_ranking():
    assert reciprocal_rank_fusion([["x", "y", "z"]]) == ["x", "y", "z"]


def test_score_fusion_weight_ends_are_each_side_alone():
    lexical = {"a": 9.0, "b": 4.0, "c": 1.0}
    dense = {"c": 0.8, "b": 0.7, "d": 0.2}
    assert score_fusion(lexical, dense, weight=0.0)[:3] == ["a", "b", "c"]
    assert score_fusion(lexical, dense, weight=1.0)[:2] == ["c", "b"]
    assert score_fusion(lexical, dense, weight=0.5)[0] == "b"  # good on both sides beats best on one


def test_score_fusion_is_unchanged_by_rescaling_one_side():
    lexical = {"a": 9.0, "b": 4.0, "c": 1.0}
    dense = {"c": 0.8, "b": 0.7, "d": 0.2}
    scaled = {pid: 100 * s + 7 for pid, s in lexical.items()}
    assert score_fusion(lexical, dense, 0.3) == score_fusion(scaled, dense, 0.3)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: reciprocal_rank_fusion([]), ValueError, "non-empty"),
        (lambda: reciprocal_rank_fusion(["abc"]), TypeError, "list of passage ids"),
        (lambda: reciprocal_rank_fusion([["a", "a"]]), ValueError, "twice"),
        (lambda: reciprocal_rank_fusion([["a", 3]]), TypeError, "string"),
        (lambda: reciprocal_rank_fusion([["a"]], k=-1), ValueError, ">= 0"),
        (lambda: score_fusion({}, {"a": 1.0}, 0.5), ValueError, "lexical must be a non-empty"),
        (lambda: score_fusion({"a": 1.0}, {"a": float("nan")}, 0.5), ValueError, "NaN"),
        (lambda: score_fusion({"a": 1.0}, {"a": 1.0}, 1.5), ValueError, "between 0"),
    ],
)
def test_fusion_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- reranking ----------------------------------------------------------------------------

class WordOverlap:
    """A stand-in cross-encoder: scores a pair by the words query and passage share."""

    def __init__(self):
        self.calls = 0

    def predict(self, pairs, batch_size=32, show_progress_bar=False):
        self.calls += 1
        return np.array([len(set(q.lower().split()) & set(p.lower().split())) for q, p in pairs], dtype=float)


PASSAGES = {"p0": "rice cooker with a chip", "p1": "dogs bark at the postman", "p2": "a cat naps on the rug",
            "p3": "rinse rice before cooking rice"}


def test_rerank_reorders_the_top_k_and_keeps_the_tail():
    reranker = Reranker(WordOverlap(), PASSAGES)
    first_stage = ["p1", "p2", "p0", "p3"]
    assert reranker.rerank("rice cooker", first_stage, k=3) == ["p0", "p1", "p2", "p3"]
    assert reranker.rerank("rice cooker", first_stage, k=4)[0] == "p0"


def test_rerank_scores_each_pair_once_and_counts_the_work():
    model = WordOverlap()
    reranker = Reranker(model, PASSAGES)
    reranker.rerank("rice", ["p0", "p3", "p1"], k=3)
    reranker.rerank("rice", ["p0", "p3", "p1", "p2"], k=4)  # only p2 is new
    assert reranker.pairs_scored == 4 and model.calls == 2
    assert reranker.pairs_per_second > 0


def test_rerank_with_a_weight_mixes_in_the_first_stage():
    reranker = Reranker(WordOverlap(), PASSAGES)
    ranking = ["p1", "p2", "p0", "p3"]
    first = {"p1": 0.9, "p2": 0.8, "p0": 0.1, "p3": 0.0}    # the first stage's scores, best first
    # weight 0: the first stage alone; weight 1: the cross-encoder alone (the plain rerank)
    assert reranker.rerank("rice cooker", ranking, k=4, first_stage=first, weight=0.0) == ranking
    assert reranker.rerank("rice cooker", ranking, k=4, first_stage=first, weight=1.0) == reranker.rerank("rice cooker", ranking, k=4)
    # overlap: p0 2, p3 1, p1 0, p2 0 -> normalized 1, .5, 0, 0; first stage normalized 1, .89, .11, 0
    # at 0.6: p1 .4, p2 .36, p0 .64, p3 .3 -> p0 leads, p3 falls below the two the first stage liked
    assert reranker.rerank("rice cooker", ranking, k=4, first_stage=first, weight=0.6) == ["p0", "p1", "p2", "p3"]
    # only the top k are mixed; the tail keeps its place, and needs no first-stage score
    assert reranker.rerank("rice cooker", ranking, k=2, first_stage={"p1": 1.0, "p2": 0.5}, weight=0.5) == ranking


def test_fused_scores_are_what_score_fusion_sorts():
    lexical, dense = {"a": 12.0, "b": 9.0, "d": 3.0}, {"b": 0.9, "c": 0.5, "a": 0.4}
    fused = fused_scores(lexical, dense, 0.5)
    assert set(fused) == {"a", "b", "c", "d"}
    assert sorted(fused, key=lambda pid: (-fused[pid], pid)) == score_fusion(lexical, dense, 0.5)
    assert fused["b"] == pytest.approx(0.5 * 1.0 + 0.5 * 6 / 9)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda r: r.rerank("rice", [], k=1), ValueError, "no candidates"),
        (lambda r: r.rerank("rice", ["p0", "nope"], k=2), KeyError, "unknown passage id 'nope'"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=5), ValueError, "only 2 candidates"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=0), ValueError, "positive int"),
        (lambda r: r.rerank("rice", "p0", k=1), TypeError, "list of passage ids"),
        (lambda r: r.scores("", ["p0"]), ValueError, "non-empty string"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=2, weight=0.5), ValueError, "pass first_stage"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=2, first_stage={"p0": 1.0}, weight=0.5), KeyError, "no score for 'p1'"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=2, first_stage={"p0": 1.0, "p1": 0.0}, weight=1.5), ValueError, "between 0"),
        (lambda r: r.rerank("rice", ["p0", "p1"], k=2, first_stage={"p0": 1.0, "p1": float("nan")}, weight=0.5), ValueError, "NaN"),
    ],
)
def test_rerank_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call(Reranker(WordOverlap(), PASSAGES))


def test_reranker_needs_a_model_and_passages():
    with pytest.raises(TypeError, match="predict"):
        Reranker(object(), PASSAGES)
    with pytest.raises(ValueError, match="non-empty dict"):
        Reranker(WordOverlap(), {})
    with pytest.raises(ValueError, match="no pairs scored"):
        Reranker(WordOverlap(), PASSAGES).pairs_per_second


@pytest.mark.parametrize("ids, error, message", [
    (["p0", "p1", "p0", "p3"], ValueError, "'p0' is given to more than one text"),
    ("abcd", TypeError, "not one string"),
    ([0, 1, 2, 3], TypeError, "every id must be a string"),
])
def test_bm25_ids_must_be_unique_strings(ids, error, message):
    with pytest.raises(error, match=message):
        BM25(TEXTS, ids=ids)
