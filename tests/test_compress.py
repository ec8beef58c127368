"""helpers.compress: codes that match their definitions, and searches that keep what they promise."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.compress import CompressedIndex, bytes_per_vector, compare, quantize, truncate
from helpers.search import exact_search, knn_recall
from helpers.vectors import normalize


@pytest.fixture(scope="module")
def clustered():
    """2,000 unit vectors in 20 clusters and 50 queries near them: structure, like real embeddings."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((20, 64))
    x = normalize((centres[rng.integers(0, 20, 2050)] + 0.6 * rng.standard_normal((2050, 64))).astype(np.float32))
    return x[50:], x[:50]


def test_binary_codes_are_the_sign_bits_packed_eight_to_a_byte():
    x = np.array([[0.5, -1, 2, -0.1, 0, 3, -2, 1, 1, 1, 1, 1, -1, -1, -1, -1]], dtype=np.float32)
    codes = quantize(x, "binary")
    assert codes.dtype == np.uint8 and codes.shape == (1, 2)
    assert codes.tolist() == [[0b10100101, 0b11110000]]  # 0 counts as negative: only x > 0 sets a bit


def test_int8_codes_span_the_calibration_range_and_decode_close(clustered):
    base, _ = clustered
    codes = quantize(base[:100], "int8", calibration=base)
    assert codes.dtype == np.int8 and codes.shape == (100, 64)
    assert int(codes.max()) - int(codes.min()) > 200  # the 256 steps are used
    low, high = base.min(axis=0), base.max(axis=0)
    decoded = low + (codes.astype(np.float32) + 128) * (high - low) / 255  # each range cut in 255 steps
    assert np.abs(decoded - base[:100]).max() <= (high - low).max() / 255 + 1e-6  # off by under one step
    assert quantize(base[:3], "float16").dtype == np.float16


def test_truncation_keeps_the_first_dimensions_at_unit_length(clustered):
    base, _ = clustered
    cut = truncate(base, 16)
    assert cut.shape == (len(base), 16)
    np.testing.assert_allclose(np.linalg.norm(cut, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(cut[0] * np.linalg.norm(base[0, :16]), base[0, :16], atol=1e-6)


def test_bytes_per_vector():
    assert [bytes_per_vector(384, p) for p in ("float32", "float16", "int8", "binary")] == [1536, 768, 384, 48]


def test_float32_is_exact_search(clustered):
    base, queries = clustered
    ids, scores = CompressedIndex(base, "float32").search(queries, 10)
    truth_ids, truth_scores = exact_search(queries, base, 10)
    assert knn_recall(ids, truth_ids, 10) > 0.99
    np.testing.assert_allclose(scores, truth_scores, atol=1e-5)


def test_binary_search_ranks_by_hamming_distance(clustered):
    base, queries = clustered
    ids, scores = CompressedIndex(base, "binary").search(queries[:5], 10)
    bits = np.unpackbits(quantize(base, "binary"), axis=1)
    q_bits = np.unpackbits(quantize(queries[:5], "binary"), axis=1)
    hamming = (bits[None, :, :] != q_bits[:, None, :]).sum(axis=2)  # (5, n) by hand
    np.testing.assert_array_equal(-scores, np.sort(hamming, axis=1)[:, :10])
    np.testing.assert_array_equal(np.take_along_axis(hamming, ids, axis=1), -scores)


def test_finer_codes_and_rescoring_buy_back_recall(clustered):
    base, queries = clustered
    truth = exact_search(queries, base, 10)[0]

    def recall(precision, **kw):
        return knn_recall(CompressedIndex(base, precision, **kw).search(queries, 10)[0], truth, 10)

    binary, rescored, with_int8 = recall("binary"), recall("binary", rescore=4), recall(
        "binary", rescore=10, rescore_with="int8")
    assert recall("float16") > 0.98 and recall("int8") > 0.9
    assert binary < rescored < with_int8, (binary, rescored, with_int8)
    assert with_int8 > 0.9
    hnsw = recall("binary", rescore=10, rescore_with="int8", hnsw=True)
    assert hnsw > 0.8, hnsw  # an HNSW graph over the bits: approximate, so a looser floor


def test_memory_is_the_index_and_the_rescoring_copy_is_counted_apart(clustered):
    base, _ = clustered
    index = CompressedIndex(base, "binary", rescore=4, rescore_with="int8")
    assert (index.bytes_per_vector, index.bytes_on_disk) == (8, 64)
    assert "binary" in repr(index) and "rescored from 4 x k with int8" in repr(index)


def test_compare_measures_every_option_on_the_same_queries(clustered):
    base, queries = clustered
    rows = compare({"float32": {"precision": "float32"}, "binary": {"precision": "binary"},
                    "binary + rescore": {"precision": "binary", "rescore": 10, "rescore_with": "int8"}},
                   base, queries, quality=lambda ids: float((ids == 0).mean()), repeats=1)
    table = {row["option"]: row for row in rows}
    assert table["float32"]["recall@10"] > 0.99 and table["float32"]["bytes per vector"] == 256
    assert table["binary"]["GB for 1B"] == pytest.approx(8.0)  # 64 bits = 8 bytes, times 1e9
    assert table["binary + rescore"]["bytes on disk"] == 64
    assert table["binary"]["recall@10"] < table["binary + rescore"]["recall@10"]
    assert all(row["QPS"] > 0 and 0 <= row["quality"] <= 1 for row in rows)
