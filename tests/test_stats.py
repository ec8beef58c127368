"""helpers.stats: paired bootstrap and permutation test, against hand-computed NumPy versions and bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from helpers.stats import paired_bootstrap, paired_permutation_test


def _exact_sign_flip_p(d: np.ndarray) -> float:
    """Share of all 2**n sign flips whose |mean| is at least the observed |mean| (by hand)."""
    observed = abs(d.mean())
    flips = np.array(list(itertools.product([1.0, -1.0], repeat=len(d))))
    means = np.abs(flips @ d / len(d))
    return float(np.mean(means >= observed - 1e-12))


def _bootstrap_by_hand(d: np.ndarray, n: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n, len(d)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def test_permutation_is_exact_for_few_queries():
    a = np.array([0.9, 0.7, 0.8, 0.5, 0.6, 0.95, 0.4, 0.7])
    b = np.array([0.6, 0.7, 0.5, 0.55, 0.3, 0.8, 0.45, 0.5])
    # 2**8 = 256 flips <= n_resamples: scipy enumerates them all, as the hand version does
    assert paired_permutation_test(a, b) == pytest.approx(_exact_sign_flip_p(a - b), abs=1e-12)


def test_permutation_sampled_agrees_with_exact_enumeration():
    rng = np.random.default_rng(3)
    a = rng.uniform(size=14)
    b = a - rng.normal(0.08, 0.15, size=14)
    exact = _exact_sign_flip_p(a - b)  # 16,384 flips
    sampled = paired_permutation_test(a, b, n_resamples=5_000, seed=1)
    assert sampled == pytest.approx(exact, abs=0.02)  # Monte Carlo error ~ sqrt(p(1-p)/5000) < 0.01


def test_bootstrap_matches_a_numpy_percentile_bootstrap():
    rng = np.random.default_rng(0)
    a = rng.uniform(size=108)
    b = a - rng.normal(0.02, 0.1, size=108)
    mean_diff, low, high = paired_bootstrap(a, b, seed=0)
    hand_low, hand_high = _bootstrap_by_hand(a - b, 20_000, seed=5)
    assert mean_diff == pytest.approx(float(np.mean(a - b)))
    assert low < mean_diff < high
    # different random draws: the percentile endpoints agree to Monte Carlo error (a few % of the width)
    width = high - low
    assert low == pytest.approx(hand_low, abs=0.05 * width)
    assert high == pytest.approx(hand_high, abs=0.05 * width)
    # and the width is about 2 x 1.96 standard errors
    se = np.std(a - b, ddof=1) / math.sqrt(len(a))
    assert width == pytest.approx(2 * 1.96 * se, rel=0.1)


def test_clear_and_absent_differences():
    rng = np.random.default_rng(1)
    a = rng.uniform(size=60)
    better = a + 0.1 + rng.normal(0, 0.02, size=60)
    assert paired_permutation_test(better, a) < 0.001
    assert paired_bootstrap(better, a)[1] > 0.05
    noise = a + rng.normal(0, 0.05, size=60)
    noise = noise - (noise - a).mean()  # mean difference exactly 0
    assert paired_permutation_test(noise, a) > 0.5
    _, low, high = paired_bootstrap(noise, a)
    assert low < 0 < high


def test_degenerate_inputs():
    a = [0.5, 0.6, 0.7]
    assert paired_permutation_test(a, a) == 1.0
    assert paired_bootstrap(a, a) == (0.0, 0.0, 0.0)
    shifted = [x + 0.1 for x in a]
    mean_diff, low, high = paired_bootstrap(shifted, a)
    assert mean_diff == pytest.approx(0.1) and low == pytest.approx(0.1) and high == pytest.approx(0.1)


def test_same_seed_same_answer_and_order_matters_only_for_the_sign():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(size=30), rng.uniform(size=30)
    assert paired_bootstrap(a, b, seed=4) == paired_bootstrap(a, b, seed=4)
    assert paired_permutation_test(a, b, seed=4) == paired_permutation_test(a, b, seed=4)
    m, low, high = paired_bootstrap(a, b)
    m2, low2, high2 = paired_bootstrap(b, a)
    assert m2 == pytest.approx(-m) and low2 == pytest.approx(-high, abs=0.02) and high2 == pytest.approx(-low, abs=0.02)


@pytest.mark.parametrize(("a", "b", "error", "words"), [
    ([0.1, 0.2], [0.1], ValueError, "same queries"),
    ([0.1], [0.2], ValueError, "at least 2"),
    ([0.1, math.nan], [0.1, 0.2], ValueError, "NaN"),
    ([0.1, math.inf], [0.1, 0.2], ValueError, "infinite"),
    ([[0.1, 0.2]], [[0.1, 0.2]], ValueError, "1-D"),
    ("0.1 0.2", [0.1, 0.2], TypeError, "list"),
    ({"q1": 0.1, "q2": 0.2}, [0.1, 0.2], TypeError, "list"),
    (["a", "b"], [0.1, 0.2], TypeError, "numbers"),
])
def test_bad_input_says_what_is_wrong(a, b, error, words):
    for fn in (paired_bootstrap, paired_permutation_test):
        with pytest.raises(error, match=words):
            fn(a, b)


def test_bad_settings():
    with pytest.raises(ValueError, match="n_resamples"):
        paired_bootstrap([0.1, 0.2], [0.2, 0.1], n_resamples=10)
    with pytest.raises(TypeError, match="seed"):
        paired_permutation_test([0.1, 0.2], [0.2, 0.1], seed=None)
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap([0.1, 0.2], [0.2, 0.1], confidence=95)
