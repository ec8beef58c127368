"""Cut long documents into chunks that remember where they came from.

Every chunk keeps its document id and its character span, so ``text[start:end] ==
chunk.text`` and a search hit can show the passage a reader needs. Sizes count the model's
own word pieces (a fast Hugging Face tokenizer, as :func:`helpers.models.load_transformer`
returns), never words or characters. Three ways to cut:

- :func:`token_windows`: fixed windows of ``size`` word pieces, each sharing ``overlap``
  pieces with the one before;
- :func:`boundary_chunks`: semchunk packs whole paragraphs, else whole sentences, else
  words, up to ``size`` word pieces;
- :func:`semantic_chunks`: runs of consecutive sentences, cut where the meaning moves on
  (the similarity of neighbouring sentences' vectors drops).

Introduced in lesson 10.

Lessons: 10.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.core.validate import check_positive_int

__all__ = ["Chunk", "boundary_chunks", "semantic_chunks", "sentence_spans", "token_windows", "word_pieces"]

MAX_PIECES = 510  # MiniLM reads 512 positions; [CLS] and [SEP] take two


@dataclass(frozen=True)
class Chunk:
    """``text`` is ``document[start:end]`` of the document ``document_id``."""

    document_id: str
    start: int
    end: int
    text: str

    def covers(self, start: int, end: int) -> bool:
        """Whether the whole span ``[start, end)`` of the document lies inside this chunk."""
        return self.start <= start and end <= self.end


def _check_document(document_id: Any, text: Any) -> None:
    if not isinstance(document_id, str) or not document_id.strip():
        raise ValueError(f"document_id must be a non-empty string, got {document_id!r}")
    if not isinstance(text, str):
        raise TypeError(f"the document's text must be a string, got {type(text).__name__}")


def _check_sizes(size: Any, overlap: Any) -> None:
    check_positive_int("size", size)
    if size > MAX_PIECES:
        raise ValueError(f"size {size} is more than the model reads ({MAX_PIECES} word pieces plus [CLS] and [SEP])")
    if not isinstance(overlap, int) or isinstance(overlap, bool) or not 0 <= overlap < size:
        raise ValueError(f"overlap must be a whole number of word pieces from 0 to size - 1 ({size - 1}), "
                         f"got {overlap!r}")


def _check_tokenizer(tokenizer: Any) -> None:
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError("tokenizer must be a fast Hugging Face tokenizer (it gives character offsets): "
                        "use the one helpers.models.load_transformer() returns")


def word_pieces(text: str, tokenizer: Any) -> tuple[list[int], list[tuple[int, int]]]:
    """The word-piece ids of ``text`` (no [CLS] or [SEP]) and each piece's character span."""
    _check_tokenizer(tokenizer)
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    # verbose=False: a document longer than the model reads is the point here, not a mistake
    out = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return list(out["input_ids"]), [tuple(span) for span in out["offset_mapping"]]


def token_windows(document_id: str, text: str, tokenizer: Any, *, size: int, overlap: int = 0) -> list[Chunk]:
    """Windows of ``size`` word pieces; each starts ``size - overlap`` pieces after the one before.

    The last window ends at the document's last piece; a document shorter than one window
    is one chunk, an empty one has none.
    """
    _check_document(document_id, text)
    _check_sizes(size, overlap)
    _, spans = word_pieces(text, tokenizer)
    chunks, step = [], size - overlap
    for first in range(0, len(spans), step):
        last = min(first + size, len(spans)) - 1
        start, end = spans[first][0], spans[last][1]
        chunks.append(Chunk(document_id, start, end, text[start:end]))
        if last == len(spans) - 1:
            break
    return chunks


def boundary_chunks(document_id: str, text: str, tokenizer: Any, *, size: int, overlap: int = 0) -> list[Chunk]:
    """semchunk's chunks of at most ``size`` word pieces, cut at the largest boundary that fits.

    semchunk splits at blank lines (paragraphs, sections) first, then at line breaks, then after
    sentence punctuation, then between words, and packs neighbouring pieces back together up to
    ``size``. ``overlap`` (in word pieces) is semchunk's own: chunks are built from smaller
    pieces, so they share about that many.
    """
    import semchunk

    _check_document(document_id, text)
    _check_sizes(size, overlap)
    _check_tokenizer(tokenizer)

    def count(piece: str) -> int:
        return len(tokenizer(piece, add_special_tokens=False, verbose=False)["input_ids"])

    if not text.strip():
        return []
    _, spans = semchunk.chunk(text, chunk_size=size, token_counter=count, offsets=True, overlap=overlap or None)
    return [_trimmed(document_id, text, start, end) for start, end in spans]


def _trimmed(document_id: str, text: str, start: int, end: int) -> Chunk:
    """The chunk ``text[start:end]`` without the whitespace at its ends (semchunk keeps it on a text that fits whole)."""
    piece = text[start:end]
    start += len(piece) - len(piece.lstrip())
    end = max(start, end - (len(piece) - len(piece.rstrip())))
    return Chunk(document_id, start, end, text[start:end])


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")  # after . ! ? and whitespace, or at a blank line


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The character spans of ``text``'s sentences (a heading counts as one), without the space between."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    spans, start = [], 0
    for end in [m.start() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = end
    return spans


def semantic_chunks(document_id: str, text: str, sentences: Sequence[tuple[int, int]], vectors: np.ndarray,
                    tokenizer: Any, *, size: int, quantile: float = 0.25) -> list[Chunk]:
    """Consecutive sentences in chunks of at most ``size`` word pieces, cut where the topic moves on.

    ``sentences`` are the document's sentence spans (:func:`sentence_spans`) and ``vectors``
    their unit vectors, one row each. A chunk ends after a sentence whose similarity to the
    next is in the lowest ``quantile`` of this document's neighbour similarities, or when the
    next sentence would not fit. A sentence longer than ``size`` is a chunk of its own (the
    model truncates it).
    """
    _check_document(document_id, text)
    _check_sizes(size, 0)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(sentences):
        raise ValueError(f"vectors must have one row per sentence: {len(sentences)} sentences, "
                         f"vectors of shape {vectors.shape}")
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile!r}")
    if not sentences:
        return []
    neighbours = np.sum(vectors[:-1] * vectors[1:], axis=1)
    cut_below = np.quantile(neighbours, quantile) if len(neighbours) else 0.0
    lengths = [len(word_pieces(text[s:e], tokenizer)[0]) for s, e in sentences]
    groups, current, pieces = [], [0], lengths[0]
    for i in range(1, len(sentences)):
        if neighbours[i - 1] < cut_below or pieces + lengths[i] > size:
            groups.append(current)
            current, pieces = [], 0
        current.append(i)
        pieces += lengths[i]
    groups.append(current)
    return [Chunk(document_id, sentences[g[0]][0], sentences[g[-1]][1], text[sentences[g[0]][0]:sentences[g[-1]][1]])
            for g in groups]
