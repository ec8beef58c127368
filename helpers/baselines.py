"""``python -m helpers baselines``: BM25 and dense retrieval on the course queries.

Prints nDCG@10 and recall@10 of each method on dev and test, and how many queries each
method wins (by nDCG@10). The numbers recorded in the data card come from this command.
"""

from __future__ import annotations

from statistics import mean

import numpy as np

from helpers import data, embed, metrics
from helpers.rank import BM25
from helpers.search import exact_search

__all__ = ["passage_vectors", "rankings", "run"]

DEPTH = 10


def passage_vectors(corpus: data.Corpus) -> np.ndarray:
    """The passages' vectors, taken from the whole course corpus's (cached) when ``corpus`` is part of it."""
    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    full = data.load_corpus()
    row = {pid: i for i, pid in enumerate(full.ids)}
    text = dict(zip(full.ids, full.texts))
    if all(text.get(p.id) == p.text for p in corpus.passages):
        return embed.encode(full.texts)[[row[pid] for pid in corpus.ids]]
    return embed.encode(corpus.texts)


def rankings(corpus: data.Corpus, depth: int = DEPTH) -> dict[str, dict[str, list[str]]]:
    """{"bm25": {query_id: top ids}, "dense": {...}}: each method's top ``depth`` per query."""
    texts = [q.text for q in corpus.queries]
    bm25_ids, _ = BM25(corpus.texts, corpus.ids).search(texts, k=depth)
    top, _ = exact_search(embed.encode(texts), passage_vectors(corpus), k=depth)  # (m, depth)
    return {
        "bm25": {q.id: ids for q, ids in zip(corpus.queries, bm25_ids)},
        "dense": {q.id: [corpus.ids[j] for j in row] for q, row in zip(corpus.queries, top)},
    }


def run(quiet: bool = False) -> dict[str, dict[str, float]]:
    """Score both methods on both splits; return {"<method>/<split>": {metric: value, ...}}."""
    corpus = data.load_corpus()
    runs = rankings(corpus)
    results: dict[str, dict[str, float]] = {}
    lines = [f"{'method':<7} {'split':<5} {'queries':>7} {'nDCG@10':>8} {'recall@10':>9} {'wins':>5}"]
    for split in ("dev", "test"):
        ids = [q.id for q in corpus.split(split)]
        ndcg = {m: metrics.evaluate({q: runs[m][q] for q in ids}, corpus.qrels, ["ndcg@10", "recall@10"])
                for m in runs}
        wins = {"bm25": 0, "dense": 0, "tie": 0}
        for q in ids:
            a, b = ndcg["bm25"]["ndcg@10"][q], ndcg["dense"]["ndcg@10"][q]
            wins["bm25" if a > b + 1e-9 else "dense" if b > a + 1e-9 else "tie"] += 1
        for m in runs:
            row = {"ndcg@10": mean(ndcg[m]["ndcg@10"].values()), "recall@10": mean(ndcg[m]["recall@10"].values()),
                   "wins": wins[m], "ties": wins["tie"], "queries": len(ids)}
            results[f"{m}/{split}"] = row
            lines.append(f"{m:<7} {split:<5} {len(ids):>7} {row['ndcg@10']:>8.3f} {row['recall@10']:>9.3f} {wins[m]:>5}")
        lines.append(f"{'':<7} {split:<5} ties: {wins['tie']}")
    if not quiet:
        print("\n".join(lines))
    return results
