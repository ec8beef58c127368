"""Static word vectors: a transformer's input embedding table, read one row per token.

Introduced in lesson 01: the 30,522 x 384 table of all-MiniLM-L6-v2 is a set of word
vectors, with neighbours and analogies like word2vec's. Lesson 05 searches it.

>>> wv = WordVectors(["cat", "dog", "car"], np.array([[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]]))
>>> [word for word, _ in wv.neighbours("cat", k=2)]
['dog', 'car']

Lessons: 01, 05.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Sequence

import numpy as np

from helpers import models
from helpers.data import Analogy
from helpers.vectors import as_matrix, normalize

__all__ = ["WordVectors", "analogy_accuracy"]


class WordVectors:
    """One vector per word: ``words[i]`` has the row ``vectors[i]``."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray) -> None:
        vectors = as_matrix(vectors, "vectors")
        if isinstance(words, str) or len(words) != len(vectors):
            raise ValueError(f"need one word per row: got {1 if isinstance(words, str) else len(words)} "
                             f"words for {len(vectors)} vectors")
        self.words = list(words)
        self.index = {word: i for i, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("words must be unique; the same word appears twice")
        self.vectors = vectors.astype(np.float32, copy=False)
        self.unit = normalize(self.vectors)  # rows of length 1: a dot product is a cosine

    @classmethod
    def from_encoder(cls, name: str = models.DEFAULT_ENCODER) -> WordVectors:
        """The input embedding table of a registered model, words in token-id order.

        Read straight from the model's safetensors file and ``vocab.txt``, without torch: the
        same numbers as ``get_input_embeddings()``, at a fraction of the memory.
        """
        from safetensors import safe_open

        path = models.locate(name).path
        with safe_open(str(path / "model.safetensors"), framework="numpy") as weights:
            key = next((k for k in weights.keys() if k.endswith("word_embeddings.weight")), None)
            if key is None:
                raise ValueError(f"{name} has no word_embeddings table in {path / 'model.safetensors'}")
            table = weights.get_tensor(key)
        words = (path / "vocab.txt").read_text(encoding="utf-8").splitlines()
        return cls(words, table)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        """The row of ``word``, shape (dim,)."""
        if not isinstance(word, str):
            raise TypeError(f"word must be a string, got {type(word).__name__}")
        if word not in self.index:
            raise ValueError(f"{word!r} is not one token of the vocabulary (the tokenizer would split it into "
                           "pieces, or it needs lower case); pick a word for which `word in wv` is True")
        return self.vectors[self.index[word]]

    def _query(self, query: str | np.ndarray) -> np.ndarray:
        if isinstance(query, str):
            self.vector(query)  # a clear error for a word outside the vocabulary
            return self.unit[self.index[query]]
        q = as_matrix(np.asarray(query, dtype=np.float32).reshape(1, -1), "query", dim=self.vectors.shape[1])
        return normalize(q)[0]

    def neighbours(self, query: str | np.ndarray, k: int = 10, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """The ``k`` words most cosine-similar to a word or a vector, best first.

        A query word never counts as its own neighbour; words in ``exclude`` are skipped too.
        """
        if not isinstance(k, int) or isinstance(k, bool) or not 0 < k < len(self):
            raise ValueError(f"k must be an int between 1 and {len(self) - 1}, got {k!r}")
        scores = self.unit @ self._query(query)
        skip = set(exclude) | ({query} if isinstance(query, str) else set())
        for word in skip:
            if word in self.index:
                scores[self.index[word]] = -np.inf
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """Solve "``a`` is to ``b`` as ``c`` is to ?": the words nearest b - a + c, without a, b, c."""
        offset = self._query(b) - self._query(a) + self._query(c)
        return self.neighbours(offset, k=k, exclude=(a, b, c))


def analogy_accuracy(wv: WordVectors, analogies: Sequence[Analogy], ks: Sequence[int] = (1, 5)) -> list[dict]:
    """Top-k accuracy of ``wv.analogy`` per category, then over all: one dict per table row.

    An analogy counts for top-k when its answer ``d`` is among the k best words (the three
    query words excluded). Rows: ``{"category", "n", "top-1", "top-5"}``.
    """
    if not isinstance(wv, WordVectors):
        raise TypeError(f"wv must be a WordVectors, got {type(wv).__name__}")
    if not ks or any(not isinstance(k, int) or isinstance(k, bool) or k < 1 for k in ks):
        raise ValueError(f"ks must be positive ints such as (1, 5), got {ks!r}")
    if not analogies:
        raise ValueError("analogies is empty; load them with helpers.data.load_analogies()")
    missing = [w for item in analogies for w in (item.a, item.b, item.c, item.d) if w not in wv]
    if missing:
        raise ValueError(f"{len(missing)} analogy words are not in the vocabulary, e.g. {missing[0]!r}")
    hits: dict[str, list[list[bool]]] = defaultdict(list)
    for item in analogies:
        found = [word for word, _ in wv.analogy(item.a, item.b, item.c, k=max(ks))]
        hits[item.category].append([item.d in found[:k] for k in ks])
        hits["all"].append(hits[item.category][-1])
    return [
        {"category": category, "n": len(rows), **{f"top-{k}": float(np.mean([r[j] for r in rows])) for j, k in enumerate(ks)}}
        for category, rows in sorted(hits.items(), key=lambda kv: (kv[0] == "all", kv[0]))
    ]
