"""Chunking keeps every character and every span honest; chunk scores become document scores.

The chunkers run with MiniLM's real tokenizer on the course's long documents and on
awkward text (unicode, empty, one word, shorter than one chunk).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import chunk_search, chunking, models
from helpers.chunking import Chunk
from helpers.documents import load_documents

UNICODE = ("Crème brûlée for the naïve café 🍮 — costs 4½ €.\n\nŁódź's bakers say «pain» and ﬁne; "
           "日本語 text sits here, then Ελληνικά.\n\nA last line with tabs\tand  double  spaces.")


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(models.locate(models.DEFAULT_ENCODER).path)


@pytest.fixture(scope="module")
def document():
    return load_documents().documents[0]


def pieces(text: str, tokenizer) -> int:
    return len(chunking.word_pieces(text, tokenizer)[0])


def assert_spans_hold(chunks: list[Chunk], text: str, doc_id: str) -> None:
    for c in chunks:
        assert c.document_id == doc_id
        assert text[c.start:c.end] == c.text and c.text.strip() == c.text and c.text
    covered = np.zeros(len(text), dtype=bool)
    for c in chunks:
        covered[c.start:c.end] = True
    lost = "".join(ch for ch, kept in zip(text, covered) if not kept)
    assert not lost.strip(), f"text outside every chunk: {lost.strip()[:80]!r}"


CHUNKERS = {
    "windows": lambda d, t, tok, size, overlap=0: chunking.token_windows(d, t, tok, size=size, overlap=overlap),
    "boundaries": lambda d, t, tok, size, overlap=0: chunking.boundary_chunks(d, t, tok, size=size, overlap=overlap),
}


@pytest.mark.parametrize("name", CHUNKERS)
@pytest.mark.parametrize("size, overlap", [(64, 0), (128, 32), (254, 0)])
def test_chunks_reproduce_the_document_and_lose_nothing(name, size, overlap, tokenizer, document):
    chunks = CHUNKERS[name](document.id, document.text, tokenizer, size, overlap)
    assert_spans_hold(chunks, document.text, document.id)
    # a window cut inside a word re-tokenizes its first piece on its own: at most one extra piece
    assert max(pieces(c.text, tokenizer) for c in chunks) <= size + 1
    assert len(chunks) >= pieces(document.text, tokenizer) // size


def test_token_windows_overlap_by_exactly_what_was_asked(tokenizer, document):
    _, spans = chunking.word_pieces(document.text, tokenizer)
    starts = [s for s, _ in spans]
    windows = chunking.token_windows(document.id, document.text, tokenizer, size=100, overlap=30)
    first_piece = [starts.index(w.start) for w in windows]
    assert all(b - a == 70 for a, b in zip(first_piece, first_piece[1:]))
    for a, b in zip(windows, windows[1:-1]):
        shared = [s for s in starts if b.start <= s < a.end]
        assert len(shared) == 30


def test_boundary_chunks_overlap_when_asked_and_prefer_paragraphs(tokenizer, document):
    plain = chunking.boundary_chunks(document.id, document.text, tokenizer, size=128)
    assert all(a.end <= b.start for a, b in zip(plain, plain[1:])), "no overlap was asked"
    overlapping = chunking.boundary_chunks(document.id, document.text, tokenizer, size=128, overlap=32)
    assert sum(a.end > b.start for a, b in zip(overlapping, overlapping[1:])) >= len(overlapping) // 2
    # whole paragraphs where they fit: most chunks end where a paragraph does
    ends_at_paragraph = sum(document.text[c.end:c.end + 2] in ("\n\n", "") for c in plain)
    assert ends_at_paragraph >= len(plain) // 2


@pytest.mark.parametrize("name", CHUNKERS)
def test_unicode_empty_one_word_and_short_documents(name, tokenizer):
    chunk = CHUNKERS[name]
    assert_spans_hold(chunk("u", UNICODE, tokenizer, 8), UNICODE, "u")
    assert chunk("e", "", tokenizer, 8) == []
    assert chunk("e", "  \n ", tokenizer, 8) == []
    assert chunk("w", "word", tokenizer, 8) == [Chunk("w", 0, 4, "word")]
    short = "  A short document, shorter than one chunk.  "
    assert chunk("s", short, tokenizer, 64) == [Chunk("s", 2, len(short) - 2, short.strip())]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.sampled_from("ab é🍮.,\n-"), max_size=120), size=st.integers(1, 12), overlap=st.integers(0, 11))
def test_windows_hold_for_any_text(text, size, overlap, tokenizer):
    overlap = min(overlap, size - 1)
    chunks = chunking.token_windows("t", text, tokenizer, size=size, overlap=overlap)
    covered = np.zeros(len(text), dtype=bool)
    for c in chunks:
        assert text[c.start:c.end] == c.text
        covered[c.start:c.end] = True
    _, spans = chunking.word_pieces(text, tokenizer)
    assert all(covered[s:e].all() for s, e in spans), "a word piece outside every window"


def test_sentence_spans_split_after_punctuation_and_at_blank_lines():
    text = "## A heading\n\nFirst one. Second one!  Third?\nStill third.\n\nLast"
    got = [text[s:e] for s, e in chunking.sentence_spans(text)]
    assert got == ["## A heading", "First one.", "Second one!", "Third?", "Still third.", "Last"]
    assert chunking.sentence_spans("   ") == []


def test_semantic_chunks_cut_where_the_meaning_moves_on(tokenizer):
    text = "Cats purr. Cats nap. Cats hunt. Stocks fell. Bonds rose. Rates moved."
    sentences = chunking.sentence_spans(text)
    a, b = np.eye(2, dtype=np.float32)
    vectors = np.stack([a, a, a, b, b, b])
    chunks = chunking.semantic_chunks("s", text, sentences, vectors, tokenizer, size=64, quantile=0.2)
    assert [c.text for c in chunks] == ["Cats purr. Cats nap. Cats hunt.", "Stocks fell. Bonds rose. Rates moved."]
    tight = chunking.semantic_chunks("s", text, sentences, vectors, tokenizer, size=4, quantile=0.0)
    assert all(pieces(c.text, tokenizer) <= 4 for c in tight) and len(tight) == 6


def test_document_scores_max_and_top_n_mean():
    scores = np.array([[0.1, 0.9, 0.5, 0.2, 0.4]], dtype=np.float32)
    docs, best = chunk_search.document_scores(scores, ["x", "x", "x", "y", "y"])
    assert docs == ["x", "y"] and np.allclose(best, [[0.9, 0.4]])
    _, top2 = chunk_search.document_scores(scores, ["x", "x", "x", "y", "y"], how="top-n mean", n=2)
    assert np.allclose(top2, [[0.7, 0.3]])
    _, few = chunk_search.document_scores(scores, ["x", "x", "x", "y", "y"], how="top-n mean", n=5)
    assert np.allclose(few, [[0.5, 0.3]]), "a document with fewer than n chunks averages all of them"


def test_mean_vectors_are_unit_and_best_chunks_carry_spans():
    vectors = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    docs, means = chunk_search.mean_vectors(vectors, ["x", "x", "y"])
    assert docs == ["x", "y"] and np.allclose(means, [[0.7071, 0.7071], [1, 0]], atol=1e-4)
    chunks = [Chunk("x", 0, 3, "cat"), Chunk("x", 4, 7, "dog"), Chunk("y", 0, 3, "car")]
    hits = chunk_search.best_chunks(np.array([[0.0, 1.0]], dtype=np.float32), vectors, chunks, k=2)
    assert hits[0][0] == (chunks[1], 1.0) and len(hits[0]) == 2


def test_late_chunking_sees_the_context(tokenizer):
    _, transformer = models.load_transformer(quiet=True)
    sentence = "The bank was steep and muddy."
    river = "We walked along the river all afternoon. " + sentence
    money = "We paid the loan back with interest. " + sentence
    vectors = []
    for text in (river, money):
        start = text.index(sentence)
        chunks = [Chunk("d", 0, start - 1, text[:start - 1]), Chunk("d", start, len(text), sentence)]
        out = chunk_search.late_chunk_vectors(text, chunks, tokenizer, transformer)
        assert out.shape == (2, 384) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
        vectors.append(out[1])
    assert float(vectors[0] @ vectors[1]) < 0.99, "the same words read in two contexts give two vectors"
    alone = chunk_search.late_chunk_vectors(sentence, [Chunk("d", 0, len(sentence), sentence)], tokenizer, transformer)
    small = chunk_search.late_chunk_vectors(river, [Chunk("d", 0, len(river), river)], tokenizer, transformer, window=8)
    assert alone.shape == small.shape == (1, 384)
    with pytest.raises(ValueError, match="not a span"):
        chunk_search.late_chunk_vectors(river, [Chunk("d", 0, 3, "xyz")], tokenizer, transformer)


def test_the_lessons_chunkings_fit_the_model_and_cover_every_document(tokenizer):
    from helpers import long_documents

    for c in [*long_documents.GRID, *long_documents.FAMILIES]:
        assert c.size <= 254 and 0 <= c.overlap < c.size, c.name
    documents = load_documents().documents[:2]
    for chunking_ in (long_documents.GRID[1], long_documents.FAMILIES[1]):
        chunks = long_documents.chunk_corpus(documents, chunking_, tokenizer)
        assert [c.document_id for c in chunks] == sorted((c.document_id for c in chunks),
                                                         key=[d.id for d in documents].index)
        for d in documents:
            assert_spans_hold([c for c in chunks if c.document_id == d.id], d.text, d.id)


def test_chunk_vectors_are_kept_in_the_store(tmp_path, monkeypatch):
    from helpers import long_documents
    from helpers.core import paths

    monkeypatch.setattr(paths, "cache_root", lambda: tmp_path)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "elsewhere"))
    chunks = [Chunk("d", 0, 9, "Cats purr"), Chunk("d", 10, 20, "Dogs bark.")]
    first = long_documents.chunk_vectors(chunks)
    assert first.shape == (2, 384) and len(list(long_documents.store().glob("*.npy"))) == 1
    assert not (tmp_path / "elsewhere").exists(), "the store, not the embedding cache, holds them"
    np.testing.assert_array_equal(long_documents.chunk_vectors(chunks), first)
