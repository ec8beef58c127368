"""Ranking metrics: recall@k, MRR@k and nDCG@k over graded judgements.

A *ranking* is a list of passage ids, best first. *Judgements* map passage id to grade
(0 not relevant, 1 partly, 2 fully); unjudged passages count as grade 0. nDCG uses the
grade itself as the gain and log2(rank + 1) as the discount, as trec_eval and
scikit-learn's ``ndcg_score`` do. Lesson 02 first scores with it; lesson 06 explains it.

>>> ndcg_at_k(["a", "b"], {"b": 2}, k=10)  # the one relevant passage at rank 2
0.6309...

Lessons: 02, 05, 06, 07, 08, 09, 10.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["evaluate", "mrr_at_k", "ndcg_at_k", "recall_at_k"]


def _check(ranking: Sequence[str], judgements: Mapping[str, int], k: int) -> None:
    if isinstance(ranking, str) or not isinstance(ranking, Sequence):
        raise TypeError(f"ranking must be a list of ids, got {type(ranking).__name__}")
    if not isinstance(judgements, Mapping):
        raise TypeError(f"judgements must be a dict {{id: grade}}, got {type(judgements).__name__}")
    if not isinstance(k, int) or isinstance(k, bool) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    if len(set(ranking)) != len(ranking):
        raise ValueError("ranking lists the same id twice; each passage can appear once")
    for pid, grade in judgements.items():
        if not isinstance(grade, (int, float)) or not 0 <= grade < math.inf:  # also refuses NaN
            raise ValueError(f"grade for {pid!r} must be a non-negative finite number, got {grade!r}")


def recall_at_k(ranking: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    """Share of the relevant passages (grade >= 1) found in the top ``k``."""
    _check(ranking, judgements, k)
    relevant = {pid for pid, g in judgements.items() if g > 0}
    if not relevant:
        raise ValueError("no relevant passage in the judgements: recall is undefined")
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant passage in the top ``k``, or 0."""
    _check(ranking, judgements, k)
    for rank, pid in enumerate(ranking[:k], 1):
        if judgements.get(pid, 0) > 0:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranking: Sequence[str], judgements: Mapping[str, int], k: int) -> float:
    """Discounted cumulative gain of the top ``k``, divided by the best possible: a value in [0, 1].

    Raises ``ValueError`` when no passage has a positive grade (the best possible gain is 0,
    so nDCG is undefined; leave such queries out, as trec_eval does) and for grades that are
    negative, NaN or infinite. It never returns NaN.
    """
    _check(ranking, judgements, k)
    top = max(judgements.values(), default=0)
    if top <= 0:
        raise ValueError("no relevant passage in the judgements: nDCG is undefined")
    # Gains divided by a power of two near the largest grade: exact, and sums of huge grades cannot overflow.
    shift = -math.frexp(top)[1]
    dcg = sum(math.ldexp(judgements.get(pid, 0), shift) / math.log2(rank + 1)
              for rank, pid in enumerate(ranking[:k], 1))
    ideal = sorted(judgements.values(), reverse=True)[:k]
    idcg = sum(math.ldexp(g, shift) / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg


METRICS = {"recall": recall_at_k, "mrr": mrr_at_k, "ndcg": ndcg_at_k}


def evaluate(
    rankings: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    metrics: Sequence[str] = ("ndcg@10", "recall@10", "mrr@10"),
) -> dict[str, dict[str, float]]:
    """Score every query: ``{metric: {query_id: value}}``; average with ``statistics.mean``.

    ``metrics`` are names like ``"ndcg@10"`` or ``"recall@100"``.
    """
    if not rankings:
        raise ValueError("no rankings to evaluate")
    missing = set(rankings) - set(qrels)
    if missing:
        raise ValueError(f"no judgements for queries {sorted(missing)[:3]}")
    scores: dict[str, dict[str, float]] = {}
    for name in metrics:
        metric, _, k = name.partition("@")
        if metric not in METRICS or not k.isdigit():
            raise ValueError(f"unknown metric {name!r}; use e.g. 'ndcg@10', 'recall@100', 'mrr@10'")
        scores[name] = {qid: METRICS[metric](ranking, qrels[qid], int(k)) for qid, ranking in rankings.items()}
    return scores
