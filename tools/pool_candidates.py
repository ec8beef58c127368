"""List the passages that still need a relevance judgement (pooling).

    python tools/pool_candidates.py out.jsonl [--depth 10]

For every query, BM25 and dense retrieval (all-MiniLM-L6-v2) each return their top
``depth`` passages; every pooled passage without a judgement in qrels.jsonl is written
out, with the query and passage text, for a person to grade 0, 1 or 2. Judging the union
of both methods' results keeps the judgements from favouring either method.
"""

from __future__ import annotations

import argparse
import json

from helpers import baselines, data


def pooled(corpus: data.Corpus, depth: int) -> dict[str, list[str]]:
    """{query_id: ids in the union of BM25's and dense retrieval's top ``depth``}."""
    runs = baselines.rankings(corpus, depth)
    return {q.id: list(dict.fromkeys(runs["bm25"][q.id] + runs["dense"][q.id])) for q in corpus.queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--depth", type=int, default=10)
    args = parser.parse_args()
    corpus = data.load_corpus()
    by_id = {p.id: p for p in corpus.passages}
    todo = 0
    with open(args.out, "w", encoding="utf-8") as f:
        pools = pooled(corpus, args.depth)
        for query in corpus.queries:
            for pid in pools[query.id]:
                if pid not in corpus.qrels[query.id]:
                    todo += 1
                    p = by_id[pid]
                    f.write(json.dumps({"query_id": query.id, "query": query.text, "passage_id": pid,
                                        "title": p.title, "text": p.text}, ensure_ascii=False) + "\n")
    print(f"{todo} unjudged pooled pairs written to {args.out}")


if __name__ == "__main__":
    main()
