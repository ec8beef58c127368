"""helpers.data: the course dataset loads, holds its promises, and rejects broken files."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from statistics import mean

import pytest

from helpers import data, documents, models
from helpers.models import hub


@pytest.fixture(scope="module")
def corpus():
    return data.load_corpus()


def test_passages_cover_many_topics_in_short_plain_texts(corpus):
    assert len(corpus.passages) >= 400
    per_topic = Counter(corpus.topics)
    assert len(per_topic) >= 12 and min(per_topic.values()) >= 20
    for p in corpus.passages:
        sentences = [s for s in p.text.replace("?", ".").replace("!", ".").split(". ") if s.strip()]
        assert 2 <= len(sentences) <= 7, p.id


def test_queries_are_split_and_judged(corpus):
    dev, test = corpus.split("dev"), corpus.split("test")
    assert len(dev) >= 50 and len(test) >= 100
    assert not {q.id for q in dev} & {q.id for q in test}
    kinds = Counter(q.kind for q in corpus.queries)
    for kind in ("paraphrase", "keyword", "mixed"):
        assert 0.25 <= kinds[kind] / len(corpus.queries) <= 0.40, kinds
    assert mean(len(corpus.relevant(q.id)) for q in corpus.queries) >= 2
    assert all(2 in corpus.qrels[q.id].values() for q in corpus.queries)


def test_sentence_pairs_spread_over_the_whole_scale():
    pairs = data.load_sts()
    assert len(pairs) >= 150
    bands = Counter(min(int(p.score), 4) for p in pairs)
    assert all(bands[b] >= 15 for b in range(5)), bands


def test_analogies_use_whole_tokens_of_the_model_vocabulary():
    analogies = data.load_analogies()
    assert len(analogies) >= 60 and len({a.category for a in analogies}) >= 5
    vocab = set((hub.bundled(models.get_spec("all-MiniLM-L6-v2")) / "vocab.txt").read_text().split("\n"))
    for a in analogies:
        for word in (a.a, a.b, a.c, a.d):
            assert word in vocab, f"{word!r} is not a whole token"


def test_planted_duplicates_exist_in_both_kinds():
    pairs = data.load_duplicates()
    kinds = Counter(p.kind for p in pairs)
    assert kinds["paraphrase"] >= 20 and kinds["near_duplicate"] >= 12


def test_corpus_accessors_reject_bad_names(corpus):
    with pytest.raises(ValueError, match="split"):
        corpus.split("train")
    with pytest.raises(KeyError, match="unknown query"):
        corpus.relevant("q-nope")


def _broken_copy(tmp_path, filename, edit):
    """A copy of the dataset with one file edited by ``edit(rows) -> rows``."""
    target = tmp_path / "course"
    shutil.copytree(data.DATA_DIR, target)
    path = target / filename
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in edit(rows)))
    return target


def _set(rows, index, **changes):
    rows[index] = {**rows[index], **changes}
    return rows


@pytest.mark.parametrize(
    "filename, edit, message",
    [
        ("passages.jsonl", lambda r: r + [r[0]], "duplicate id"),
        ("passages.jsonl", lambda r: _set(r, 3, text=""), "line 4: field 'text'"),
        ("passages.jsonl", lambda r: [{k: v for k, v in r[0].items() if k != "topic"}] + r[1:], "line 1: expected fields"),
        ("queries.jsonl", lambda r: _set(r, 0, split="train"), "line 1: split 'train'"),
        ("queries.jsonl", lambda r: _set(r, 1, text=r[0]["text"]), "line 2: query text repeats"),
        ("qrels.jsonl", lambda r: _set(r, 0, passage_id="nope-999"), "line 1: judged passage 'nope-999'"),
        ("qrels.jsonl", lambda r: _set(r, 2, grade=3), "line 3: grade 3"),
        ("qrels.jsonl", lambda r: r + [r[0]], "judged twice"),
    ],
)
def test_broken_corpus_files_name_the_bad_row(tmp_path, filename, edit, message):
    with pytest.raises(data.DataError, match=message):
        data.load_corpus(_broken_copy(tmp_path, filename, edit))


def test_broken_json_and_out_of_range_scores_name_the_line(tmp_path):
    target = _broken_copy(tmp_path, "sts.jsonl", lambda r: _set(r, 4, score=7))
    with pytest.raises(data.DataError, match="sts.jsonl line 5: score 7"):
        data.load_sts(target)
    (target / "analogies.jsonl").write_text('{"category": "x", "a": "king"\n')
    with pytest.raises(data.DataError, match="analogies.jsonl line 1: not valid JSON"):
        data.load_analogies(target)


def test_odd_passages_are_new_text_planted_in_four_topics_of_both_kinds(corpus):
    odd = data.load_odd_passages()
    by_topic = {t: [o for o in odd if o.host_topic == t] for t in {o.host_topic for o in odd}}
    assert len(by_topic) == 4 and all(len(rows) == 5 for rows in by_topic.values())
    assert all({o.kind for o in rows} == {"shares words", "unrelated"} for rows in by_topic.values())
    assert all(40 <= len(o.text.split()) <= 110 for o in odd)


@pytest.mark.parametrize("edit, message", [
    (lambda r: _set(r, 2, host_topic="knitting"), "odd_passages.jsonl line 3: host_topic 'knitting'"),
    (lambda r: _set(r, 0, kind="odd"), "line 1: kind 'odd'"),
    (lambda r: r + [r[4]], "duplicate id"),
])
def test_broken_odd_passages_name_the_bad_row(tmp_path, edit, message):
    with pytest.raises(data.DataError, match=message):
        data.load_odd_passages(_broken_copy(tmp_path, "odd_passages.jsonl", edit))


def test_an_odd_passage_copied_from_the_corpus_is_refused(tmp_path, corpus):
    target = _broken_copy(tmp_path, "odd_passages.jsonl", lambda r: _set(r, 1, text=corpus.passages[0].text))
    with pytest.raises(data.DataError, match="line 2: this text is a corpus passage"):
        data.load_odd_passages(target)


def test_data_card_baselines_match_a_fresh_run():
    """The card's numbers come from `python -m helpers baselines`; neither method wins everything."""
    import re

    from helpers import baselines

    card = (data.DATA_DIR / "DATACARD.md").read_text()
    results = baselines.run(quiet=True)
    for method, label in (("bm25", "BM25"), ("dense", "dense")):
        for split in ("dev", "test"):
            row = re.search(rf"\| {label} \| {split} \| (\d+) \| ([\d.]+) \| ([\d.]+) \| (\d+) \|", card)
            assert row, f"no baseline row for {label}/{split} in the data card"
            measured = results[f"{method}/{split}"]
            assert measured["ndcg@10"] == pytest.approx(float(row.group(2)), abs=0.01)
            assert measured["recall@10"] == pytest.approx(float(row.group(3)), abs=0.01)
            assert abs(measured["wins"] - int(row.group(4))) <= 3
            assert 0.3 < measured["ndcg@10"] < 0.95, "too easy or too hard to teach with"
            assert measured["wins"] > 5, f"{method} should win some {split} queries"


# --- the long documents of lesson 10 ------------------------------------------------------------

@pytest.fixture(scope="module")
def docs():
    return documents.load_documents()


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
        documents.load_documents(_broken_copy(tmp_path, filename, edit))
