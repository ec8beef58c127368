"""From chunk vectors to answers: document scores, passages with their spans, late chunking.

A chunk index stores one vector per chunk (:mod:`helpers.chunking`). A search scores every
chunk; :func:`document_scores` turns those scores into one score per document (the best
chunk, or the mean of the best ``n``), and :func:`mean_vectors` gives each document one
vector, the mean of its chunks'. :func:`best_chunks` returns the passages themselves, each
with its document id and character span. :func:`late_chunk_vectors` is the alternative to
encoding chunks one by one: read the document in long windows, then pool each chunk's
token vectors, so every chunk's vector has seen its neighbours.

Introduced in lesson 10.

Lessons: 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from helpers.chunking import MAX_PIECES, Chunk, word_pieces
from helpers.core.validate import check_positive_int

__all__ = ["best_chunks", "document_scores", "late_chunk_vectors", "mean_vectors"]

Aggregate = Literal["max", "top-n mean"]


def _groups(chunk_doc_ids: Sequence[str], n_rows: int) -> tuple[list[str], list[np.ndarray]]:
    """The documents in order of first appearance, and the rows of each."""
    if len(chunk_doc_ids) != n_rows:
        raise ValueError(f"one document id per chunk: {len(chunk_doc_ids)} ids for {n_rows} chunks")
    rows: dict[str, list[int]] = {}
    for i, doc in enumerate(chunk_doc_ids):
        rows.setdefault(doc, []).append(i)
    return list(rows), [np.array(r) for r in rows.values()]


def document_scores(scores: np.ndarray, chunk_doc_ids: Sequence[str], how: Aggregate = "max",
                    n: int = 3) -> tuple[list[str], np.ndarray]:
    """Per query, one score per document from its chunks' scores.

    ``scores``: (queries, chunks); ``how``: ``"max"`` (the best chunk) or ``"top-n mean"``
    (the mean of the document's best ``n``, or of all its chunks when it has fewer).
    Returns the document ids and a (queries, documents) array in their order.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float32))
    if how not in ("max", "top-n mean"):
        raise ValueError(f"how must be 'max' or 'top-n mean', got {how!r}")
    check_positive_int("n", n)
    docs, groups = _groups(chunk_doc_ids, scores.shape[1])
    out = np.empty((scores.shape[0], len(docs)), dtype=np.float32)
    for j, rows in enumerate(groups):
        part = scores[:, rows]
        if how == "max":
            out[:, j] = part.max(axis=1)
        else:
            out[:, j] = -np.sort(-part, axis=1)[:, :n].mean(axis=1)
    return docs, out


def mean_vectors(vectors: np.ndarray, chunk_doc_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """One unit vector per document: the mean of its chunks' vectors, renormalized."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a (chunks, dim) array, got shape {vectors.shape}")
    docs, groups = _groups(chunk_doc_ids, len(vectors))
    means = np.stack([vectors[rows].mean(axis=0) for rows in groups]) if groups else np.empty((0, vectors.shape[1]))
    return docs, (means / np.linalg.norm(means, axis=1, keepdims=True)).astype(np.float32)


def best_chunks(q_emb: np.ndarray, chunk_emb: np.ndarray, chunks: Sequence[Chunk], k: int = 5) -> list[list[tuple[Chunk, float]]]:
    """Per query, the ``k`` best chunks and their cosine scores: passages with document id and span."""
    q_emb, chunk_emb = np.atleast_2d(q_emb), np.asarray(chunk_emb)
    if len(chunk_emb) != len(chunks):
        raise ValueError(f"one vector per chunk: {len(chunk_emb)} vectors for {len(chunks)} chunks")
    if q_emb.shape[1] != chunk_emb.shape[1]:
        raise ValueError(f"queries have {q_emb.shape[1]} dimensions, chunks {chunk_emb.shape[1]}")
    check_positive_int("k", k)
    scores = q_emb @ chunk_emb.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[(chunks[j], float(scores[i, j])) for j in row] for i, row in enumerate(top)]


def late_chunk_vectors(text: str, chunks: Sequence[Chunk], tokenizer: Any, transformer: Any, *,
                       window: int = 256) -> np.ndarray:
    """One unit vector per chunk, pooled from token vectors that were computed in context.

    The document is read in consecutive windows of ``window`` positions ([CLS] and [SEP]
    included, the model's limit at most), so each token's vector has seen up to ``window``
    neighbours, not only its own chunk. A chunk's vector is the mean of the vectors of the
    word pieces inside its span. (With a long-context model, one window holds the whole
    document; MiniLM reads 512 positions at most.)
    """
    import torch

    check_positive_int("window", window)
    if not 3 <= window <= MAX_PIECES + 2:
        raise ValueError(f"window must be from 3 to {MAX_PIECES + 2} positions (the model's limit), got {window}")
    ids, spans = word_pieces(text, tokenizer)
    inside = window - 2
    pieces = [[tokenizer.cls_token_id, *ids[i:i + inside], tokenizer.sep_token_id] for i in range(0, len(ids), inside)]
    longest = max(map(len, pieces), default=0)
    batch = torch.tensor([p + [tokenizer.pad_token_id] * (longest - len(p)) for p in pieces], dtype=torch.long)
    mask = torch.tensor([[1] * len(p) + [0] * (longest - len(p)) for p in pieces], dtype=torch.long)
    with torch.inference_mode():  # one batch of windows per document; padding is masked out
        hidden = transformer(input_ids=batch, attention_mask=mask).last_hidden_state.numpy() if pieces else None
    tokens = (np.concatenate([hidden[i, 1:len(p) - 1] for i, p in enumerate(pieces)]) if pieces
              else np.empty((0, 1), dtype=np.float32))
    starts = np.array([s for s, _ in spans])
    out = []
    for chunk in chunks:
        if chunk.text != text[chunk.start:chunk.end]:
            raise ValueError(f"chunk {chunk.start}-{chunk.end} of {chunk.document_id} is not a span of this text")
        rows = np.flatnonzero((starts >= chunk.start) & (starts < chunk.end))
        if not len(rows):
            raise ValueError(f"chunk {chunk.start}-{chunk.end} of {chunk.document_id} holds no word piece")
        v = tokens[rows].mean(axis=0)
        out.append(v / np.linalg.norm(v))
    return np.stack(out).astype(np.float32) if out else np.empty((0, tokens.shape[1]), dtype=np.float32)
