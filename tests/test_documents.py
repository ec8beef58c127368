"""helpers.data.load_documents: the long documents of lesson 10 load, keep their promises, and reject broken rows."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from helpers import data


@pytest.fixture(scope="module")
def docs():
    return data.load_documents()


def test_long_documents_in_sections_over_every_topic(docs):
    assert len(docs.documents) >= 40
    assert set(d.topic for d in docs.documents) == set(data.load_corpus().topics)
    for d in docs.documents:
        assert 1000 <= len(d.text.split()) <= 3000, d.id
        assert sum(line.startswith("## ") for line in d.text.splitlines()) >= 3, d.id


def test_queries_spread_over_positions_kinds_and_splits(docs):
    assert len(docs.queries) >= 120
    positions = Counter(q.position for q in docs.queries)
    assert all(abs(n / len(docs.queries) - 1 / 3) < 0.05 for n in positions.values()), positions
    kinds = Counter(q.kind for q in docs.queries)
    assert all(0.25 <= n / len(docs.queries) <= 0.42 for n in kinds.values()), kinds
    dev, test = docs.split("dev"), docs.split("test")
    assert len(test) >= 80 and len(dev) >= 30 and not {q.id for q in dev} & {q.id for q in test}
    assert Counter(q.position for q in test) == Counter({p: len(test) // 3 for p in ("early", "middle", "late")})


def test_every_answer_span_is_whole_sentences_of_its_document(docs):
    for q in docs.queries:
        answer = docs.answer(q)
        assert answer == answer.strip() and len(answer.split()) >= 5, q.id
        text = next(d.text for d in docs.documents if d.id == q.document_id)
        assert text.count(answer) == 1, q.id


def _broken_copy(tmp_path, filename, edit):
    target = tmp_path / "course"
    shutil.copytree(data.DATA_DIR, target)
    path = target / filename
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in edit(rows)))
    return target


def _set(rows, index, **changes):
    rows[index] = {**rows[index], **changes}
    return rows


@pytest.mark.parametrize("filename, edit, message", [
    ("documents.jsonl", lambda r: _set(r, 2, text="far too short"), "line 3: .* has 3 words"),
    ("documents.jsonl", lambda r: r + [r[0]], "duplicate id"),
    ("document_queries.jsonl", lambda r: _set(r, 0, document_id="doc-nope-01"), "line 1: document 'doc-nope-01'"),
    ("document_queries.jsonl", lambda r: _set(r, 4, end=10**7), "line 5: span .* lies outside"),
    ("document_queries.jsonl", lambda r: _set(r, 0, position="late"), "line 1: the answer starts .* not 'late'"),
    ("document_queries.jsonl", lambda r: _set(r, 1, split="train"), "line 2: split 'train'"),
    ("document_queries.jsonl", lambda r: _set(r, 3, text=r[0]["text"]), "line 4: query text repeats"),
])
def test_broken_document_files_name_the_bad_row(tmp_path, filename, edit, message):
    with pytest.raises(data.DataError, match=message):
        data.load_documents(_broken_copy(tmp_path, filename, edit))
