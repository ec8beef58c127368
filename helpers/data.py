"""The course dataset, shipped inside ``helpers/data/course`` and validated on load.

One corpus for every lesson (see ``helpers/data/course/DATACARD.md``):

- ``passages.jsonl``: id, topic, title, text;
- ``queries.jsonl``: id, text, topic, kind (paraphrase / keyword / mixed), split (dev / test);
- ``qrels.jsonl``: query_id, passage_id, grade (0 judged not relevant, 1 partly, 2 fully);
- ``sts.jsonl``: sentence pairs scored 0-5 for similarity;
- ``analogies.jsonl``: a : b :: c : d, by category;
- ``duplicates.jsonl``: the planted paraphrase and near-duplicate passage pairs;
- ``odd_passages.jsonl``: passages written to be planted among one topic's passages as odd
  ones out (lesson 11's outlier detection).

The long documents of lesson 10 and their queries load through :mod:`helpers.documents`.

Every loader checks its file and raises :class:`DataError` naming the file, line and
problem. Introduced in lesson 01.

Lessons: 01, 02, 03, 04, 05, 06, 07, 08, 09, 11.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from helpers.core import paths
from helpers.errors import CourseError

__all__ = [
    "Analogy", "Corpus", "DataError", "DuplicatePair", "OddPassage", "Passage", "Query", "SimilarityPair",
    "load_analogies", "load_corpus", "load_duplicates", "load_odd_passages", "load_sts",
]

DATA_DIR = paths.DATA_DIR
Split = Literal["dev", "test"]


class DataError(CourseError, ValueError):
    """A data file breaks a rule of the dataset; the message names the file and line."""


@dataclass(frozen=True)
class Passage:
    id: str
    topic: str
    title: str
    text: str


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    topic: str
    kind: Literal["paraphrase", "keyword", "mixed"]
    split: Split


@dataclass(frozen=True)
class SimilarityPair:
    id: str
    a: str
    b: str
    score: float  # 0 (unrelated) to 5 (same meaning)


@dataclass(frozen=True)
class Analogy:
    category: str
    a: str
    b: str
    c: str
    d: str  # a is to b as c is to d


@dataclass(frozen=True)
class DuplicatePair:
    a: str
    b: str
    kind: Literal["paraphrase", "near_duplicate"]


@dataclass(frozen=True)
class OddPassage:
    """A passage to plant among ``host_topic``'s passages, where it does not belong (lesson 11)."""

    id: str
    host_topic: str
    kind: Literal["shares words", "unrelated"]  # shares the host topic's words, or nothing at all
    title: str
    text: str


@dataclass(frozen=True)
class Corpus:
    """Passages, queries and graded judgements: ``qrels[query_id][passage_id] = grade``."""

    passages: list[Passage]
    queries: list[Query]
    qrels: dict[str, dict[str, int]] = field(repr=False)

    @property
    def texts(self) -> list[str]:
        """Passage texts, in passage order (row i of an embedding matrix is passage i)."""
        return [p.text for p in self.passages]

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.passages]

    @property
    def topics(self) -> list[str]:
        return [p.topic for p in self.passages]

    def split(self, name: Split) -> list[Query]:
        """The queries of one split: tune on ``"dev"``, report on ``"test"``."""
        if name not in ("dev", "test"):
            raise ValueError(f"split must be 'dev' or 'test', got {name!r}")
        return [q for q in self.queries if q.split == name]

    def relevant(self, query_id: str, min_grade: int = 1) -> dict[str, int]:
        """Passages judged at least ``min_grade`` for a query: {passage_id: grade}."""
        if query_id not in self.qrels:
            raise KeyError(f"unknown query id {query_id!r}")
        return {pid: g for pid, g in self.qrels[query_id].items() if g >= min_grade}


def _rows(path: Path, cls: type) -> list[Any]:
    """Read a JSON Lines file into dataclass rows, checking names and types of fields."""
    if not path.exists():
        raise DataError(f"{path} is missing; reinstall the helpers package")
    names = {f.name: f.type for f in fields(cls)}
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or set(record) != set(names):
            got = sorted(record) if isinstance(record, dict) else type(record).__name__
            raise DataError(f"{where}: expected fields {sorted(names)}, got {got}")
        for key, value in record.items():
            wanted = (int, float) if names[key] == "float" else int if names[key] == "int" else str
            if not isinstance(value, wanted) or isinstance(value, bool) or value == "":
                raise DataError(f"{where}: field {key!r} has a bad value {value!r}")
        rows.append((where, cls(**record)))
    return rows


def _unique(rows: list[tuple[str, Any]], key: str) -> None:
    seen: dict[str, str] = {}
    for where, row in rows:
        value = getattr(row, key)
        if value in seen:
            raise DataError(f"{where}: duplicate {key} {value!r} (first at {seen[value]})")
        seen[value] = where


def _one_of(where: str, name: str, value: Any, allowed: set) -> None:
    if value not in allowed:
        raise DataError(f"{where}: {name} {value!r} is not one of {sorted(allowed)}")


@dataclass(frozen=True)
class _Judgement:
    query_id: str
    passage_id: str
    grade: int


def load_corpus(data_dir: Path | str | None = None) -> Corpus:
    """Load and validate passages, queries and judgements.

    >>> corpus = load_corpus()
    >>> len(corpus.passages) >= 400 and len(corpus.split("test")) >= 100
    True
    """
    return _load_corpus(Path(data_dir) if data_dir else DATA_DIR)


@functools.lru_cache(maxsize=4)
def _load_corpus(data_dir: Path) -> Corpus:
    passages = _rows(data_dir / "passages.jsonl", Passage)
    queries = _rows(data_dir / "queries.jsonl", Query)
    judgements = _rows(data_dir / "qrels.jsonl", _Judgement)
    _unique(passages, "id")
    _unique(queries, "id")
    passage_ids = {p.id for _, p in passages}
    query_ids = {q.id for _, q in queries}
    overlap = passage_ids & query_ids
    if overlap:
        raise DataError(f"ids used for both a passage and a query: {sorted(overlap)[:3]}")
    seen_text: dict[str, str] = {}
    for where, q in queries:
        _one_of(where, "split", q.split, {"dev", "test"})
        text = " ".join(q.text.lower().split())
        if text in seen_text:  # one question in two splits would leak test into dev
            raise DataError(f"{where}: query text repeats {seen_text[text]}")
        seen_text[text] = where
        _one_of(where, "kind", q.kind, {"paraphrase", "keyword", "mixed"})
    qrels: dict[str, dict[str, int]] = {q.id: {} for _, q in queries}
    for where, j in judgements:
        if j.query_id not in query_ids:
            raise DataError(f"{where}: judged query {j.query_id!r} does not exist")
        if j.passage_id not in passage_ids:
            raise DataError(f"{where}: judged passage {j.passage_id!r} does not exist")
        _one_of(where, "grade", j.grade, {0, 1, 2})
        if j.passage_id in qrels[j.query_id]:
            raise DataError(f"{where}: {j.query_id} / {j.passage_id} is judged twice")
        qrels[j.query_id][j.passage_id] = j.grade
    for where, q in queries:
        if not any(g > 0 for g in qrels[q.id].values()):
            raise DataError(f"{where}: query {q.id} has no relevant passage")
    return Corpus([p for _, p in passages], [q for _, q in queries], qrels)


def load_sts(data_dir: Path | str | None = None) -> list[SimilarityPair]:
    """Sentence pairs with a 0-5 similarity score (lesson 03)."""
    rows = _rows(Path(data_dir or DATA_DIR) / "sts.jsonl", SimilarityPair)
    _unique(rows, "id")
    for where, pair in rows:
        if not 0 <= pair.score <= 5:
            raise DataError(f"{where}: score {pair.score} is outside 0..5")
    return [pair for _, pair in rows]


def load_analogies(data_dir: Path | str | None = None) -> list[Analogy]:
    """Word analogies a : b :: c : d, all lower-case single words (lesson 01)."""
    rows = _rows(Path(data_dir or DATA_DIR) / "analogies.jsonl", Analogy)
    for where, row in rows:
        words = [row.a, row.b, row.c, row.d]
        if len(set(words)) != 4 or any(not w.isalpha() or w != w.lower() for w in words):
            raise DataError(f"{where}: an analogy needs four different lower-case words, got {words}")
    return [row for _, row in rows]


def load_duplicates(data_dir: Path | str | None = None) -> list[DuplicatePair]:
    """The planted paraphrase and near-duplicate passage pairs (lesson 03)."""
    directory = Path(data_dir or DATA_DIR)
    passage_ids = set(load_corpus(directory).ids)
    rows = _rows(directory / "duplicates.jsonl", DuplicatePair)
    for where, row in rows:
        _one_of(where, "kind", row.kind, {"paraphrase", "near_duplicate"})
        for pid in (row.a, row.b):
            if pid not in passage_ids:
                raise DataError(f"{where}: passage {pid!r} does not exist")
    return [row for _, row in rows]



def load_odd_passages(data_dir: Path | str | None = None) -> list[OddPassage]:
    """Passages written to be planted among one topic's passages, as odd ones out (lesson 11)."""
    directory = Path(data_dir or DATA_DIR)
    corpus = load_corpus(directory)
    rows = _rows(directory / "odd_passages.jsonl", OddPassage)
    _unique(rows, "id")
    for where, row in rows:
        _one_of(where, "host_topic", row.host_topic, set(corpus.topics))
        _one_of(where, "kind", row.kind, {"shares words", "unrelated"})
        if row.text in corpus.texts:
            raise DataError(f"{where}: this text is a corpus passage; an odd one out must be new text")
    return [row for _, row in rows]
