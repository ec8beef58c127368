"""Long documents, and queries whose answers lie at a known place inside them (lesson 10).

Shipped beside the course corpus (see ``helpers/data/course/DATACARD.md``):

- ``documents.jsonl``: id, topic, title, text: 1,000 to 3,000 words, in ``## `` sections;
- ``document_queries.jsonl``: id, document_id, text, the answer's character span
  (``start``, ``end``), its ``position`` in the document (early / middle / late), kind,
  split and grade.

:func:`load_documents` checks both files like :mod:`helpers.data` checks the corpus, with the
same row checks, and raises :class:`~helpers.data.DataError` naming the file and line.

Lessons: 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# the dataset's own row checks, shared with the corpus loader
from helpers.data import DATA_DIR, DataError, Split, _one_of, _rows, _unique

__all__ = ["Document", "DocumentQuery", "Documents", "load_documents"]


@dataclass(frozen=True)
class Document:
    id: str
    topic: str
    title: str
    text: str


@dataclass(frozen=True)
class DocumentQuery:
    """A question answered by ``text[start:end]`` of one document."""

    id: str
    document_id: str
    text: str
    start: int
    end: int
    position: Literal["early", "middle", "late"]
    kind: Literal["paraphrase", "keyword", "mixed"]
    split: Split
    grade: int


@dataclass(frozen=True)
class Documents:
    """Long documents and the queries whose answers lie at a known place inside them."""

    documents: list[Document]
    queries: list[DocumentQuery]

    def split(self, name: Split) -> list[DocumentQuery]:
        """The queries of one split: choose settings on ``"dev"``, report on ``"test"``."""
        if name not in ("dev", "test"):
            raise ValueError(f"split must be 'dev' or 'test', got {name!r}")
        return [q for q in self.queries if q.split == name]

    def answer(self, query: DocumentQuery) -> str:
        """The answer's text: the span ``start:end`` of its document."""
        return {d.id: d for d in self.documents}[query.document_id].text[query.start:query.end]


# Where an answer must start to count as early, middle or late: early answers lie inside the
# first 150 words (within MiniLM's 256-piece window), middle ones in the central 35-65% of the
# characters, late ones in the last 30%.
EARLY_WORDS, MIDDLE, LATE_FROM = 150, (0.35, 0.65), 0.70


def _position_holds(text: str, start: int, position: str) -> bool:
    share = start / len(text)
    return {"early": len(text[:start].split()) <= EARLY_WORDS, "middle": MIDDLE[0] <= share <= MIDDLE[1],
            "late": share >= LATE_FROM}[position]


def load_documents(data_dir: Path | str | None = None) -> Documents:
    """Load and validate the long documents and their queries (lesson 10).

    >>> docs = load_documents()
    >>> len(docs.documents) >= 40 and len(docs.queries) >= 120
    True
    """
    directory = Path(data_dir) if data_dir else DATA_DIR
    documents = _rows(directory / "documents.jsonl", Document)
    queries = _rows(directory / "document_queries.jsonl", DocumentQuery)
    _unique(documents, "id")
    _unique(queries, "id")
    texts = {d.id: d.text for _, d in documents}
    for where, d in documents:
        words = len(d.text.split())
        if not 1000 <= words <= 3000:
            raise DataError(f"{where}: {d.id} has {words} words; a long document has 1,000 to 3,000")
    seen: dict[str, str] = {}
    for where, q in queries:
        _one_of(where, "split", q.split, {"dev", "test"})
        _one_of(where, "kind", q.kind, {"paraphrase", "keyword", "mixed"})
        _one_of(where, "position", q.position, {"early", "middle", "late"})
        _one_of(where, "grade", q.grade, {1, 2})
        if q.document_id not in texts:
            raise DataError(f"{where}: document {q.document_id!r} does not exist")
        text = texts[q.document_id]
        if not 0 <= q.start < q.end <= len(text):
            raise DataError(f"{where}: span {q.start}:{q.end} lies outside {q.document_id} ({len(text)} characters)")
        if not _position_holds(text, q.start, q.position):
            raise DataError(f"{where}: the answer starts at character {q.start} of {len(text)}, which is not "
                            f"{q.position!r} (early: within the first {EARLY_WORDS} words; middle: 35-65%; late: 70%+)")
        key = " ".join(q.text.lower().split())
        if key in seen:  # one question in two splits would leak test into dev
            raise DataError(f"{where}: query text repeats {seen[key]}")
        seen[key] = where
    return Documents([d for _, d in documents], [q for _, q in queries])
