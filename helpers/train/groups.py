"""Training data from the course corpus alone: pseudo-queries and hard negatives, never a test query.

One (query, relevant passage, hard negatives) group each:

- pseudo-queries written from the passages themselves: each passage's title, and one of
  its sentences lifted out (the passage and its negatives then lose a sentence each, so
  neither copying words nor passage length gives the answer away);
- the dev queries, with each passage they judge relevant;
- hard negatives: passages that BM25 and the dense model rank high for the same query but
  that are not judged relevant (known duplicates of the answer are never negatives).

:func:`training_groups` refuses a set that contains a test query's text. Used by the
course reranker (lesson 06) and, next, the fine-tuned encoder (lesson 07).
"""

from __future__ import annotations

import random
import re

from helpers import data
from helpers.models.registry import Recipe

__all__ = ["Group", "training_groups"]

Group = tuple[str, str, list[str]]  # (query, relevant passage, negative passages)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if len(s.split()) >= 5]


def _duplicates() -> dict[str, set[str]]:
    same: dict[str, set[str]] = {}
    for pair in data.load_duplicates():
        same.setdefault(pair.a, set()).add(pair.b)
        same.setdefault(pair.b, set()).add(pair.a)
    return same


def training_groups(corpus: data.Corpus, recipe: Recipe) -> list[Group]:
    """(query, relevant passage, hard negatives) from pseudo-queries and dev queries; never test."""
    from helpers.baselines import rankings

    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a helpers.models.Recipe, got {type(recipe).__name__}")
    rng = random.Random(recipe.seed)
    text = dict(zip(corpus.ids, corpus.texts))
    same = _duplicates()

    def lift(passage: str) -> tuple[str, str] | None:
        """One sentence out of the passage: (that sentence, the rest), or None if it is short."""
        sentences = _sentences(passage)
        if len(sentences) < 3:
            return None
        lifted = rng.choice(sentences)
        return lifted, " ".join(s for s in sentences if s != lifted)

    pseudo: list[tuple[str, str, str, bool]] = []  # (query, passage id, positive text, lifted)
    for p in corpus.passages:
        pseudo.append((p.title, p.id, p.text, False))
        cut = lift(p.text)
        if cut:
            pseudo.append((cut[0], p.id, cut[1], True))
    dev = corpus.split("dev") if recipe.dev_queries else []
    queries = [data.Query(f"pseudo-{i}", q, "", "keyword", "dev") for i, (q, *_) in enumerate(pseudo)]
    ranked = rankings(data.Corpus(corpus.passages, queries + dev, corpus.qrels), depth=20)

    def hard_negatives(query_id: str, exclude: set[str]) -> list[str]:
        # alternate BM25 and dense picks from ranks 1-20, skipping answers and their duplicates
        pool = [pid for pair in zip(ranked["bm25"][query_id], ranked["dense"][query_id]) for pid in pair]
        exclude = exclude | set().union(*(same.get(pid, set()) for pid in exclude))
        return list(dict.fromkeys(pid for pid in pool if pid not in exclude))[: recipe.negatives]

    groups: list[Group] = []
    for q, (query, pid, positive, lifted) in zip(queries, pseudo):
        negatives = [text[n] for n in hard_negatives(q.id, {pid})]
        if lifted:
            negatives = [(lift(n) or ("", n))[1] for n in negatives]
        groups.append((query, positive, negatives))
    for q in dev:
        relevant = {pid for pid, grade in corpus.qrels[q.id].items() if grade > 0}
        negatives = [text[n] for n in hard_negatives(q.id, relevant)]
        groups += [(q.text, text[pid], negatives) for pid in sorted(relevant)]

    test_texts = {q.text for q in corpus.split("test")}
    leaked = sorted({query for query, _, _ in groups} & test_texts)
    if leaked:
        raise RuntimeError(f"training data contains test queries (first: {leaked[0]!r}); refusing to train")
    groups = [g for g in groups if len(g[2]) == recipe.negatives]  # equal group sizes batch simply
    rng.shuffle(groups)
    return groups[: recipe.limit] if recipe.limit else groups
