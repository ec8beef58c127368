"""Lesson 10's chunkings of the course's long documents, and their vectors, built once.

Every chunking of the 42 long documents is about 77,000 word pieces to encode; on one CPU
thread MiniLM reads about 2,000 a second, so one chunking costs most of a notebook's 90 s
budget and the lesson compares eight. :func:`chunk_vectors` therefore encodes through
:func:`helpers.embed.encode` into a folder of its own (:func:`store`, under the course's
cache, not moved by ``$COURSE_CACHE_DIR``): ``python -m helpers chunk-documents`` (part of
``make setup``) fills it once, and a notebook that finds it empty fills it with a progress
bar. Queries and the whole-document vectors are encoded live by the lesson.

Lessons: 10.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from helpers import embed, models
from helpers.chunking import Chunk, boundary_chunks, semantic_chunks, sentence_spans, token_windows
from helpers.core import paths
from helpers.documents import Document, load_documents

__all__ = ["Chunking", "GRID", "FAMILIES", "chunk_corpus", "chunk_vectors", "build", "sentence_vectors",
           "store", "tokenizer"]

Kind = Literal["windows", "boundaries", "semantic"]


@dataclass(frozen=True)
class Chunking:
    """One way to cut: ``kind`` of chunks, at most ``size`` word pieces, ``overlap`` shared."""

    kind: Kind
    size: int
    overlap: int = 0

    @property
    def name(self) -> str:
        label = {"windows": "token windows", "boundaries": "paragraphs & sentences (semchunk)",
                 "semantic": "semantic (sentence vectors)"}[self.kind]
        return f"{label}, {self.size}" + (f" + {self.overlap} overlap" if self.overlap else "")


# chosen on dev: the size and overlap of plain token windows (sizes up to the model's 256, less [CLS] and [SEP])
GRID = [Chunking("windows", size, size // 4 * share) for size in (64, 128, 254) for share in (0, 1)]
# compared at one size, the one MiniLM was trained at (128 word pieces)
FAMILIES = [Chunking("windows", 128), Chunking("boundaries", 128), Chunking("semantic", 128)]


def store() -> Path:
    """The folder that keeps lesson 10's chunk and sentence vectors."""
    return paths.cache_root() / "lesson10-vectors"


def tokenizer() -> Any:
    """MiniLM's own (fast) tokenizer, read from the model copy without loading the model."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(models.locate(models.DEFAULT_ENCODER).path)


def sentence_vectors(documents: Sequence[Document]) -> list[np.ndarray]:
    """Per document, one unit vector per sentence (:func:`~helpers.chunking.sentence_spans`)."""
    if isinstance(documents, Document) or not all(isinstance(d, Document) for d in documents):
        raise TypeError("documents must be a list of documents.Document (from load_documents().documents)")
    spans = [sentence_spans(d.text) for d in documents]
    texts = [d.text[s:e] for d, doc_spans in zip(documents, spans) for s, e in doc_spans]
    flat = embed.encode(texts, cache_in=store())
    bounds = np.cumsum([0] + [len(s) for s in spans])
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def chunk_corpus(documents: Sequence[Document], chunking: Chunking, tok: Any) -> list[Chunk]:
    """Every document's chunks, in document order."""
    if not isinstance(chunking, Chunking):
        raise TypeError(f"chunking must be a long_documents.Chunking, got {type(chunking).__name__}")
    if chunking.kind == "semantic":
        vectors = sentence_vectors(documents)
        return [c for d, v in zip(documents, vectors)
                for c in semantic_chunks(d.id, d.text, sentence_spans(d.text), v, tok, size=chunking.size)]
    cut = token_windows if chunking.kind == "windows" else boundary_chunks
    return [c for d in documents for c in cut(d.id, d.text, tok, size=chunking.size, overlap=chunking.overlap)]


def chunk_vectors(chunks: Sequence[Chunk]) -> np.ndarray:
    """The chunks' unit vectors, from :func:`store` when built there before."""
    if not chunks or not all(isinstance(c, Chunk) for c in chunks):
        raise ValueError("chunks must be a non-empty list of chunking.Chunk")
    return embed.encode([c.text for c in chunks], cache_in=store())


def build() -> None:
    """Encode every chunking lesson 10 compares into :func:`store` (quick when they are there)."""
    started = time.perf_counter()
    documents, tok = load_documents().documents, tokenizer()
    chunkings = list(dict.fromkeys([*GRID, *FAMILIES]))
    n = sum(len(chunk_vectors(chunk_corpus(documents, chunking, tok))) for chunking in chunkings)
    print(f"lesson 10's chunk vectors: {len(chunkings)} chunkings, {n:,} vectors in {store()} "
          f"({time.perf_counter() - started:.0f} s)")
