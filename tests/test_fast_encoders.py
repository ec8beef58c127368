"""helpers.fast_encoders: ONNX copies that agree with torch, a static model, and clear errors.

The exports are built once by ``make setup`` (``python -m helpers fast-encoders``); on a
checkout without them the first test builds them (about a minute).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import fast_encoders, models

TEXTS = ["a cat", "Binary codes keep one sign bit per dimension, and the Hamming distance compares them.",
         "What is a vector database?", "x", "Rescoring reorders a shortlist with the float query."]


@pytest.fixture(scope="module")
def onnx_folder():
    return fast_encoders.export_onnx(quiet=True)


@pytest.fixture(scope="module")
def torch_vectors():
    return models.load_encoder(quiet=True).encode(TEXTS, normalize_embeddings=True)


@pytest.mark.parametrize(("precision", "at_least"), [("float32", 0.9999), ("int8", 0.97)])
def test_onnx_vectors_agree_with_torch(onnx_folder, torch_vectors, precision, at_least):
    vectors = fast_encoders.OnnxEncoder(onnx_folder, precision, threads=1).encode(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)  # the graph ends with Normalize
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() >= at_least, cosines


def test_int8_file_is_about_a_quarter_of_float32(onnx_folder):
    int8, fp32 = (fast_encoders.folder_mb(onnx_folder / fast_encoders.ONNX_FILES[p]) for p in ("int8", "float32"))
    assert 0.2 < int8 / fp32 < 0.35
    settings = json.loads((onnx_folder / "encoder_config.json").read_text())
    assert settings["model"] == models.DEFAULT_ENCODER and settings["max_seq_length"] > 0


def test_sorting_by_length_and_batch_size_do_not_change_the_vectors_or_their_order(onnx_folder):
    encoder = fast_encoders.OnnxEncoder(onnx_folder, "float32", threads=1)
    sorted_batches = encoder.encode(TEXTS, batch_size=2)
    given_order = encoder.encode(TEXTS, batch_size=2, sort_by_length=False)
    one_by_one = np.concatenate([encoder.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(sorted_batches, one_by_one, atol=1e-5)  # padding is masked out
    np.testing.assert_allclose(given_order, one_by_one, atol=1e-5)
    assert encoder.encode([]).shape[0] == 0


def test_a_second_export_reuses_the_cached_copy(onnx_folder, capsys):
    assert fast_encoders.export_onnx() == onnx_folder
    assert "found in" in capsys.readouterr().out


def test_static_model_encodes_and_ranks_the_obvious_match_first():
    static = fast_encoders.load_static(fast_encoders.distill_static(quiet=True))
    docs = static.encode(["Cats are small furry pets that purr.", "Stock markets fell sharply on Monday."])
    query = static.encode(["a kitten purring"])
    assert docs.shape == (2, 256)
    assert int(np.argmax(docs @ query[0])) == 0


@pytest.mark.parametrize("precision", ["int4", "fp16", ""])
def test_unknown_precision_names_the_choices(onnx_folder, precision):
    with pytest.raises(ValueError, match="float32, int8"):
        fast_encoders.OnnxEncoder(onnx_folder, precision)


def test_a_folder_without_an_export_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_onnx"):
        fast_encoders.OnnxEncoder(tmp_path / "missing")
    (tmp_path / "model_int8.onnx").write_bytes(b"half a file")  # an interrupted copy is not taken for a whole one
    with pytest.raises(FileNotFoundError, match="no complete ONNX export"):
        fast_encoders.OnnxEncoder(tmp_path)
    with pytest.raises(FileNotFoundError, match="distill_static"):
        fast_encoders.load_static(tmp_path)


@pytest.mark.parametrize("texts", ["one string, not a list", ["fine", 3], [None]])
def test_texts_must_be_a_list_of_strings(onnx_folder, texts):
    with pytest.raises(TypeError, match="list of strings"):
        fast_encoders.OnnxEncoder(onnx_folder, threads=1).encode(texts)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_batch_size_must_be_a_positive_int(onnx_folder, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        fast_encoders.OnnxEncoder(onnx_folder, threads=1).encode(TEXTS, batch_size=batch_size)


@pytest.mark.parametrize("dims", [0, -8, 1.5])
def test_static_dimensions_must_be_a_positive_int(dims):
    with pytest.raises(ValueError, match="dims must be a positive int"):
        fast_encoders.distill_static(dims=dims)


def test_folder_mb_counts_a_file_or_a_whole_folder(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 500_000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"x" * 250_000)
    assert fast_encoders.folder_mb(tmp_path / "a") == pytest.approx(0.5)
    assert fast_encoders.folder_mb(tmp_path) == pytest.approx(0.75)
