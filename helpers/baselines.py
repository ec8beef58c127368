"""``python -m helpers baselines``: BM25 and dense retrieval on the course queries.

Prints nDCG@10 and recall@10 of each method on dev and test, and how many queries each
method wins (by nDCG@10). The numbers recorded in the data card come from this command.
"""

from __future__ import annotations

from statistics import mean

from helpers import data, embed, metrics
from helpers.rank import BM25
from helpers.search import exact_search

__all__ = ["rankings", "run"]

DEPTH = 10


def rankings(corpus: data.Corpus, depth: int = DEPTH) -> dict[str, dict[str, list[str]]]:
    """{"bm25": {query_id: top ids}, "dense": {...}}: each method's top ``depth`` per query."""
    texts = [q.text for q in corpus.queries]
    bm25_ids, _ = BM25(corpus.texts, corpus.ids).search(texts, k=depth)
    top, _ = exact_search(embed.encode(texts), embed.encode(corpus.texts), k=depth)  # (m, depth)
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
