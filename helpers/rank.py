"""Lexical retrieval with BM25 (the bm25s library), for lessons 03 and 06.

BM25 scores a passage by the query words it contains, weighting rare words up and long
passages down. We use bm25s rather than a hand-written scorer: it is tested, fast, and
matches the classic Lucene formula. Words are lower-cased, English stop words dropped and
the rest stemmed (PyStemmer), so "barking" matches "bark".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BM25"]


class BM25:
    """A BM25 index over ``texts``; ``search`` returns passage ids and scores, best first.

    >>> bm25 = BM25(["the cat sat", "dogs bark loudly"], ids=["p1", "p2"])
    >>> bm25.search(["cat"], k=1)[0]
    [['p1']]
    """

    def __init__(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> None:
        import bm25s
        import Stemmer

        if isinstance(texts, str) or not isinstance(texts, Sequence) or len(texts) == 0:
            raise ValueError("texts must be a non-empty list of strings")
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("every text must be a string")
        ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts: give one id per text")
        self.ids = ids
        self._tokenize = lambda items: bm25s.tokenize(
            list(items), stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
        self._index = bm25s.BM25()
        self._index.index(self._tokenize(texts), show_progress=False)

    def search(self, queries: Sequence[str], k: int = 10) -> tuple[list[list[str]], np.ndarray]:
        """Top-``k`` ids per query, and their scores, shape (len(queries), k)."""
        if isinstance(queries, str) or not isinstance(queries, Sequence) or len(queries) == 0:
            raise ValueError("queries must be a non-empty list of strings")
        if not all(isinstance(q, str) for q in queries):
            raise TypeError("every query must be a string")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 < k <= len(self.ids):
            raise ValueError(f"k must be between 1 and the number of passages ({len(self.ids)}), got {k!r}")
        rows, scores = self._index.retrieve(self._tokenize(queries), k=k, show_progress=False, n_threads=1)
        return [[self.ids[i] for i in row] for row in rows], scores
