"""helpers.wordvectors: neighbours and analogies on MiniLM's input table, as lesson 01 claims."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import data
from helpers.wordvectors import WordVectors, analogy_accuracy


@pytest.fixture(scope="module")
def wv():
    return WordVectors.from_encoder()


def test_the_table_is_the_models_vocabulary(wv):
    assert wv.vectors.shape == (30522, 384) and len(wv) == 30522
    assert wv.words[101] == "[CLS]" and "##ing" in wv and "queen" in wv
    np.testing.assert_allclose(np.linalg.norm(wv.unit, axis=1), 1, atol=1e-5)


def test_the_table_read_without_torch_equals_the_transformers_layer(wv):
    from helpers import models

    tokenizer, transformer = models.load_transformer(quiet=True)
    np.testing.assert_array_equal(wv.vectors, transformer.get_input_embeddings().weight.detach().numpy())
    assert wv.words == tokenizer.convert_ids_to_tokens(list(range(len(wv))))


def test_king_minus_man_plus_woman_is_queen(wv):
    assert wv.analogy("man", "king", "woman")[0][0] == "queen"


def test_neighbours_are_sorted_and_skip_the_query(wv):
    found = wv.neighbours("cat", k=5)
    assert "cat" not in [w for w, _ in found] and found[0][0] == "cats"
    scores = [s for _, s in found]
    assert scores == sorted(scores, reverse=True)
    assert "cats" not in [w for w, _ in wv.neighbours("cat", k=5, exclude=["cats"])]
    # a vector query gives the same ranking as its word (which is then allowed as an answer)
    assert wv.neighbours(wv.vector("cat"), k=1)[0][0] == "cat"


def test_analogy_accuracy_per_category(wv):
    rows = analogy_accuracy(wv, data.load_analogies())
    table = {r["category"]: r for r in rows}
    assert rows[-1]["category"] == "all" and table["all"]["n"] == 108
    assert table["all"]["top-1"] > 0.6 and table["all"]["top-5"] >= table["all"]["top-1"]
    assert table["plural"]["top-1"] > table["opposite"]["top-1"]  # morphology is easier than meaning


def test_a_tiny_hand_made_table():
    wv = WordVectors(["a", "b", "c", "d"], np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32))
    assert wv.neighbours("a", k=3)[-1][0] == "d"
    # target = b - a + d = (-2, 1); with a, b and d excluded only c is left, at cosine -1/sqrt(10)
    (word, score), = wv.analogy("a", "b", "d")
    assert word == "c" and score == pytest.approx(-1 / np.sqrt(10), abs=1e-6)
