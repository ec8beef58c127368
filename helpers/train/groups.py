"""Training data from the course corpus alone: pseudo-queries and hard negatives, never a test query.

One (query, relevant passage, hard negatives) group each:

- pseudo-queries written from the passages themselves: each passage's title, and one of
  its sentences lifted out (the passage and its negatives then lose a sentence each, so
  neither copying words nor passage length gives the answer away);
- the dev queries, with each passage they judge relevant;
- hard negatives: passages that BM25 and the dense model rank high for the same query but
  that are not judged relevant (known duplicates of the answer are never negatives); the
  recipe says which method's picks come first, and an optional margin drops candidates
  whose cosine comes within that share of the answer's (likely answers nobody judged).

:func:`training_groups` refuses a set that contains a test query's text. Used by the
course reranker (lesson 06) and the fine-tuned encoder (lesson 07).
"""

from __future__ import annotations

import random
import re

from helpers import data
from helpers.models.registry import EncoderRecipe, Recipe

__all__ = ["Group", "training_groups", "without_topics"]

Group = tuple[str, str, list[str]]  # (query, relevant passage, negative passages)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if len(s.split()) >= 5]


def _duplicates() -> dict[str, set[str]]:
    same: dict[str, set[str]] = {}
    for pair in data.load_duplicates():
        same.setdefault(pair.a, set()).add(pair.b)
        same.setdefault(pair.b, set()).add(pair.a)
    return same


def without_topics(corpus: data.Corpus, topics: tuple[str, ...] | list[str]) -> data.Corpus:
    """``corpus`` with every passage and query of ``topics`` taken out (the unseen-topic test of lesson 07)."""
    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    if isinstance(topics, str) or not all(isinstance(t, str) for t in topics):
        raise TypeError(f"topics must be a list of topic names, got {topics!r}")
    unknown = sorted(set(topics) - set(corpus.topics))
    if unknown:
        raise ValueError(f"unknown topics {unknown}; the corpus has {sorted(set(corpus.topics))}")
    passages = [p for p in corpus.passages if p.topic not in topics]
    queries = [q for q in corpus.queries if q.topic not in topics]
    return data.Corpus(passages, queries, {q.id: corpus.qrels[q.id] for q in queries})


def _margin_filter(corpus: data.Corpus, queries: list[data.Query], margin: float | None):
    """A filter that drops candidates scoring above (1 - margin) x the best answer's cosine (likely unjudged answers)."""
    if margin is None:
        return lambda query_id, answers, pool: pool
    from helpers import embed
    from helpers.baselines import passage_vectors

    q_emb = dict(zip((q.id for q in queries), embed.encode([q.text for q in queries])))
    p_emb = dict(zip(corpus.ids, passage_vectors(corpus)))

    def keep(query_id: str, answers: set[str], pool: list[str]) -> list[str]:
        query = q_emb[query_id]
        ceiling = (1 - margin) * max(float(p_emb[a] @ query) for a in answers)
        return [pid for pid in pool if float(p_emb[pid] @ query) < ceiling]

    return keep


def training_groups(corpus: data.Corpus, recipe: Recipe | EncoderRecipe) -> list[Group]:
    """(query, relevant passage, hard negatives) from pseudo-queries and dev queries; never test."""
    from helpers.baselines import rankings

    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    if not isinstance(recipe, (Recipe, EncoderRecipe)):
        raise TypeError(f"recipe must be a helpers.models.Recipe or EncoderRecipe, got {type(recipe).__name__}")
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
    first, second = ("dense", "bm25") if recipe.mine_first == "dense" else ("bm25", "dense")
    below_margin = _margin_filter(corpus, queries + dev, recipe.margin)

    def hard_negatives(query_id: str, answers: set[str]) -> list[str]:
        # alternate the two methods' picks from ranks 1-20, skipping answers and their duplicates
        pool = [pid for pair in zip(ranked[first][query_id], ranked[second][query_id]) for pid in pair]
        exclude = answers | set().union(*(same.get(pid, set()) for pid in answers))
        pool = [pid for pid in pool if pid not in exclude]
        return list(dict.fromkeys(below_margin(query_id, answers, pool)))[: recipe.negatives]

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

    test_texts = {q.text for c in (corpus, data.load_corpus()) for q in c.split("test")}  # a sub-corpus too
    leaked = sorted({query for query, _, _ in groups} & test_texts)
    if leaked:
        raise RuntimeError(f"training data contains test queries (first: {leaked[0]!r}); refusing to train")
    groups = [g for g in groups if len(g[2]) == recipe.negatives]  # equal group sizes batch simply
    rng.shuffle(groups)
    return groups[: recipe.limit] if recipe.limit else groups
