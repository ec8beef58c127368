"""Property tests for the math helpers: cosine, normalize, top-k, exact search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.search import exact_search
from helpers.vectors import cosine, euclidean, normalize, top_k

finite = st.floats(-100, 100, allow_nan=False, width=32)


def matrices(rows=st.integers(1, 8), cols=st.integers(1, 16)):
    return st.tuples(rows, cols).flatmap(lambda s: arrays(np.float32, s, elements=finite))


def not_tiny(x):
    return (np.linalg.norm(x, axis=1) > 1e-3).all()


@settings(max_examples=150, deadline=None)
@given(matrices())
def test_normalize_gives_unit_rows_and_is_idempotent(x):
    if not not_tiny(x):
        return
    once = normalize(x)
    np.testing.assert_allclose(np.linalg.norm(once, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(normalize(once), once, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12).flatmap(lambda d: st.tuples(
    arrays(np.float32, (3, d), elements=finite), arrays(np.float32, (4, d), elements=finite))))
def test_cosine_stays_in_range_and_is_symmetric(pair):
    a, b = pair
    if not (not_tiny(a) and not_tiny(b)):
        return
    sim = cosine(a, b)
    assert sim.shape == (3, 4) and (sim >= -1).all() and (sim <= 1).all()
    np.testing.assert_allclose(sim, cosine(b, a).T, atol=1e-6)
    np.testing.assert_allclose(np.diag(cosine(a, a)), 1, atol=1e-5)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    st.permutations(range(n)).map(lambda p: np.array([p], dtype=np.float32)), st.integers(1, n))))
def test_top_k_agrees_with_a_full_sort(case):
    scores, k = case
    ids, values = top_k(scores, k)
    expected = np.argsort(-scores, axis=1)[:, :k]
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_array_equal(values, np.take_along_axis(scores, expected, axis=1))


def test_exact_search_agrees_with_numpy_on_unit_vectors():
    rng = np.random.default_rng(0)
    emb = normalize(rng.standard_normal((500, 32)).astype(np.float32))
    q_emb = normalize(rng.standard_normal((20, 32)).astype(np.float32))
    ids, scores = exact_search(q_emb, emb, k=5)
    expected, _ = top_k(q_emb @ emb.T, 5)
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(q_emb @ emb.T, expected, axis=1), atol=1e-5)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12).flatmap(lambda d: st.tuples(
    arrays(np.float32, (3, d), elements=finite), arrays(np.float32, (4, d), elements=finite))))
def test_euclidean_matches_scipy_and_the_unit_vector_identity(pair):
    from scipy.spatial.distance import cdist

    a, b = pair
    np.testing.assert_allclose(euclidean(a, b), cdist(a.astype(np.float64), b.astype(np.float64)), atol=1e-2, rtol=1e-4)
    if not_tiny(a) and not_tiny(b):  # on unit vectors: ||a - b||^2 = 2 - 2 cos(a, b)
        np.testing.assert_allclose(euclidean(normalize(a), normalize(b)) ** 2, 2 - 2 * cosine(a, b), atol=1e-4)


def test_huge_and_tiny_rows_do_not_overflow_or_vanish():
    """Rows of 3e38 used to give cosine 0 (their squares overflowed); rows of 1e-40 divided by zero."""
    for dtype, big in [(np.float32, 3e38), (np.float64, 1e300)]:
        x = np.array([[big, big, 0.0], [big, -big, big]], dtype=dtype)
        np.testing.assert_allclose(np.linalg.norm(normalize(x).astype(np.float64), axis=1), 1, atol=1e-6)
        np.testing.assert_allclose(cosine(x, x), [[1, 0], [0, 1]], atol=1e-6)
        np.testing.assert_allclose(euclidean(x[:1], -x[:1]), [[2 * big * np.sqrt(2)]], rtol=1e-6)
    tiny = np.array([[1e-40, 0.0, -1e-40]], dtype=np.float32)
    np.testing.assert_allclose(normalize(tiny), [[2 ** -0.5, 0, -(2 ** -0.5)]], atol=1e-6)


def test_scaling_first_changes_nothing_on_ordinary_rows():
    x = np.random.default_rng(0).standard_normal((50, 384)).astype(np.float32)
    np.testing.assert_array_equal(normalize(x), x / np.linalg.norm(x, axis=1, keepdims=True))  # powers of two: exact


def test_distances_beyond_float64_are_refused():
    with pytest.raises(ValueError, match="exceed the float64 range"):
        euclidean(np.full((1, 4), 1.7e308), np.full((1, 4), -1.7e308))


def test_shaped_like_makes_unit_vectors_that_keep_the_clusters():
    from helpers.vectors import shaped_like

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 32)).astype(np.float32) * 3
    labels = np.repeat(np.arange(4), 25)
    emb = normalize(centres[labels] + rng.standard_normal((100, 32)).astype(np.float32))
    x = shaped_like(emb, labels, 500, np.random.default_rng(1))
    assert x.shape == (500, 32) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(x, shaped_like(emb, labels, 500, np.random.default_rng(1)))  # a seed repeats it
    nearest_real = (x @ emb.T).max(axis=1)  # each synthetic vector sits near some real one...
    iid = normalize(np.random.default_rng(2).standard_normal((500, 32)).astype(np.float32))
    assert np.median(nearest_real) > np.median((iid @ emb.T).max(axis=1)) + 0.2  # ...unlike random ones
