"""Ranking: lexical retrieval with BM25, fusion of two rankings, and cross-encoder reranking.

BM25 scores a passage by the query words it contains, weighting rare words up and long
passages down. We use bm25s rather than a hand-written scorer: it is tested, fast, and
matches the classic Lucene formula. Words are lower-cased, English stop words dropped and
the rest stemmed (PyStemmer), so "barking" matches "bark". Fusion (reciprocal rank, or
normalized weighted scores) combines BM25 with dense retrieval; :class:`Reranker` reorders
the top candidates with a cross-encoder. Introduced in lesson 06.

Lessons: 06, 07, 09.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["BM25", "Reranker", "fused_scores", "reciprocal_rank_fusion", "score_fusion"]


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
        if isinstance(ids, (str, bytes)):
            raise TypeError("ids must be a list of strings, one per text, not one string")
        ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids for {len(texts)} texts: give one id per text")
        if not all(isinstance(pid, str) for pid in ids):
            raise TypeError("every id must be a string; use [str(i) for i in ids]")
        if len(set(ids)) != len(ids):
            twice = next(pid for pid in ids if ids.count(pid) > 1)
            raise ValueError(f"ids must be unique, but {twice!r} is given to more than one text; "
                             "a search result could not say which passage it found")
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


def _check_ranking(ranking: Sequence[str], what: str = "ranking") -> list[str]:
    if isinstance(ranking, str) or not isinstance(ranking, Sequence):
        raise TypeError(f"{what} must be a list of passage ids, got {type(ranking).__name__}")
    if not all(isinstance(pid, str) for pid in ranking):
        raise TypeError(f"every id in {what} must be a string")
    if len(set(ranking)) != len(ranking):
        raise ValueError(f"{what} lists the same id twice; each passage can appear once")
    return list(ranking)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[str]:
    """Fuse several rankings of one query: each passage scores sum(1 / (k + rank)), best first.

    Only ranks are used, so BM25's unbounded scores and cosines never have to be made
    comparable. ``k`` (60 in Cormack et al., 2009) damps the lead of the very top ranks.

    >>> reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]])
    ['a', 'c', 'b']
    """
    if isinstance(rankings, str) or not isinstance(rankings, Sequence) or len(rankings) == 0:
        raise ValueError("rankings must be a non-empty list of rankings (lists of ids)")
    if not isinstance(k, (int, float)) or isinstance(k, bool) or not k >= 0:
        raise ValueError(f"k must be a number >= 0, got {k!r}")
    fused: dict[str, float] = {}
    for i, ranking in enumerate(rankings):
        for rank, pid in enumerate(_check_ranking(ranking, f"rankings[{i}]"), 1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda pid: (-fused[pid], pid))


def _minmax(scores: Mapping[str, float], what: str) -> dict[str, float]:
    if not isinstance(scores, Mapping) or len(scores) == 0:
        raise ValueError(f"{what} must be a non-empty dict {{passage id: score}}")
    values = np.array(list(scores.values()), dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(f"{what} holds NaN or infinite scores")
    low, span = values.min(), np.ptp(values)
    return {pid: (s - low) / span if span > 0 else 1.0 for pid, s in scores.items()}


def _check_weight(weight: float, zero: str, one: str) -> None:
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= 1:
        raise ValueError(f"weight must be between 0 ({zero}) and 1 ({one}), got {weight!r}")


def fused_scores(lexical: Mapping[str, float], dense: Mapping[str, float], weight: float) -> dict[str, float]:
    """``weight * dense + (1 - weight) * lexical`` for every passage of either side, as a dict.

    Each side is min-max normalized within the query first (BM25 scores run 0 to 20 or so,
    cosines -1 to 1). A passage that one side did not retrieve gets 0 from that side, the
    value of that side's worst retrieved passage. Choose ``weight`` on dev queries.
    """
    _check_weight(weight, zero="lexical only", one="dense only")
    lex, den = _minmax(lexical, "lexical"), _minmax(dense, "dense")
    return {pid: weight * den.get(pid, 0.0) + (1 - weight) * lex.get(pid, 0.0) for pid in lex.keys() | den.keys()}


def score_fusion(lexical: Mapping[str, float], dense: Mapping[str, float], weight: float) -> list[str]:
    """The passages of :func:`fused_scores`, best first (ties by id).

    >>> score_fusion({"a": 12.0, "b": 9.0, "d": 3.0}, {"b": 0.9, "c": 0.5, "a": 0.4}, weight=0.5)
    ['b', 'a', 'c', 'd']
    """
    fused = fused_scores(lexical, dense, weight)
    return sorted(fused, key=lambda pid: (-fused[pid], pid))


class Reranker:
    """Reorders a first stage's top candidates with a cross-encoder that reads query and passage together.

    Scores are remembered per (query, passage), so a sweep over k or over several first
    stages never scores a pair twice; ``pairs_scored`` and ``seconds`` count the real work,
    which gives the pairs-per-second figure lesson 06 reports.

    >>> reranker = Reranker(models.load_reranker(), dict(zip(corpus.ids, corpus.texts)))  # doctest: +SKIP
    >>> reranker.rerank("why is my bread dense", first_stage_ids, k=20)  # doctest: +SKIP
    """

    def __init__(self, model, passages: Mapping[str, str], batch_size: int = 32) -> None:
        if not hasattr(model, "predict"):
            raise TypeError(f"model must be a cross-encoder with .predict(pairs), got {type(model).__name__}")
        if not isinstance(passages, Mapping) or len(passages) == 0:
            raise ValueError("passages must be a non-empty dict {passage id: text}")
        self.model, self.passages, self.batch_size = model, passages, batch_size
        self._memo: dict[tuple[str, str], float] = {}
        self.pairs_scored, self.seconds = 0, 0.0

    def scores(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """Cross-encoder scores of ``query`` against each passage id (higher = more relevant)."""
        if not isinstance(query, str) or not query.strip():
            raise ValueError("query must be a non-empty string")
        ids = _check_ranking(ids, "ids")
        unknown = [pid for pid in ids if pid not in self.passages]
        if unknown:
            raise KeyError(f"unknown passage id {unknown[0]!r} ({len(unknown)} unknown); "
                           "candidates must come from the passages this reranker was given")
        new = [pid for pid in ids if (query, pid) not in self._memo]
        if new:
            started = time.perf_counter()
            values = self.model.predict([(query, self.passages[pid]) for pid in new],
                                        batch_size=self.batch_size, show_progress_bar=False)
            self.seconds += time.perf_counter() - started
            self.pairs_scored += len(new)
            self._memo.update({(query, pid): float(v) for pid, v in zip(new, values)})
        return np.array([self._memo[(query, pid)] for pid in ids], dtype=np.float32)

    def rerank(self, query: str, ranking: Sequence[str], k: int, *,
               first_stage: Mapping[str, float] | None = None, weight: float = 1.0) -> list[str]:
        """The top ``k`` of ``ranking`` reordered by the cross-encoder, then the rest unchanged.

        With ``weight`` below 1 the top ``k`` are ordered by ``weight * cross-encoder + (1 -
        weight) * first stage``, each min-max normalized within those ``k``; ``first_stage``
        holds the first stage's score of each of them ({passage id: score}). A reranker that
        orders passages worse than the first stage on its own can still add to it: choose the
        weight on dev queries (lesson 07). Ties keep the first stage's order.
        """
        ranking = _check_ranking(ranking)
        if not isinstance(k, int) or isinstance(k, bool) or k <= 0:
            raise ValueError(f"k must be a positive int, got {k!r}")
        if len(ranking) == 0:
            raise ValueError("no candidates to rerank: the first stage returned an empty list")
        if k > len(ranking):
            raise ValueError(f"k={k} but the first stage gave only {len(ranking)} candidates; "
                             "retrieve deeper or lower k")
        _check_weight(weight, zero="first stage only", one="cross-encoder only")
        head = ranking[:k]
        if weight < 1:
            if not isinstance(first_stage, Mapping):
                raise ValueError(f"weight={weight} mixes in the first stage's scores: pass first_stage={{passage id: score}}")
            missing = [pid for pid in head if pid not in first_stage]
            if missing:
                raise KeyError(f"first_stage has no score for {missing[0]!r} ({len(missing)} of the top {k} missing)")
        cross = self.scores(query, head)
        if weight == 1:
            return [head[i] for i in np.argsort(-cross, kind="stable")] + ranking[k:]
        mixed = fused_scores({pid: first_stage[pid] for pid in head}, dict(zip(head, cross.tolist())), weight)
        return sorted(head, key=lambda pid: -mixed[pid]) + ranking[k:]

    @property
    def pairs_per_second(self) -> float:
        if self.pairs_scored == 0:
            raise ValueError("no pairs scored yet")
        return self.pairs_scored / self.seconds
