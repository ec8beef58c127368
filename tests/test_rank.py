"""helpers.rank.BM25: finds exact terms, stems words, rejects bad input."""

from __future__ import annotations

import pytest

from helpers.rank import BM25

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
