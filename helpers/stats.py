"""Is a difference between two systems real? Paired tests over per-query scores.

Two retrieval systems scored on the same queries give two lists of per-query scores
(nDCG@10, say), ``a`` and ``b``, paired by query. A difference of means alone does not say
whether another set of queries would show the same; these two tests do, resampling the
per-query differences ``a - b``:

- :func:`paired_bootstrap`: the mean difference and a percentile confidence interval from
  resampling the queries with replacement;
- :func:`paired_permutation_test`: the two-sided p-value of "no difference", from swapping
  each query's two scores at random (a sign flip of its difference).

Both wrap ``scipy.stats`` (``bootstrap`` and ``permutation_test``) with the input checks and
defaults the course uses. Introduced in lesson 06; later lessons reuse it for every
before/after comparison.

>>> mean_diff, low, high = paired_bootstrap([0.5, 0.7, 0.9, 0.6], [0.4, 0.6, 0.7, 0.6])
>>> round(mean_diff, 3)
0.1

Lessons: 06, 07.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["paired_bootstrap", "paired_permutation_test"]


def _differences(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per-query ``a - b`` as float64, after checking that the two lists pair up."""
    arrays = []
    for name, x in (("a", a), ("b", b)):
        if isinstance(x, (str, bytes)) or isinstance(x, dict):
            raise TypeError(f"{name} must be a list or 1-D array of per-query scores, got {type(x).__name__}")
        try:
            array = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers (one score per query)") from None
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one score per query), got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds NaN or infinite scores; score every query first")
        arrays.append(array)
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(f"a has {len(arrays[0])} scores and b {len(arrays[1])}: the tests pair them by query, "
                         "so give both systems' scores on the same queries, in the same order")
    if len(arrays[0]) < 2:
        raise ValueError(f"at least 2 queries are needed to resample, got {len(arrays[0])}")
    return arrays[0] - arrays[1]


def _check_settings(n_resamples: int, seed: int) -> None:
    if not isinstance(n_resamples, int) or isinstance(n_resamples, bool) or n_resamples < 100:
        raise ValueError(f"n_resamples must be an int >= 100, got {n_resamples!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {seed!r}")


def paired_bootstrap(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, n_resamples: int = 10_000,
                     seed: int = 0, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``a - b`` over queries and its bootstrap confidence interval: ``(mean_diff, low, high)``.

    Queries are resampled with replacement ``n_resamples`` times; the interval holds the
    middle ``confidence`` share of the resampled means (the percentile method). An interval
    that excludes 0 says the sign of the difference is unlikely to flip on another sample of
    queries like these.
    """
    from scipy import stats

    d = _differences(a, b)
    _check_settings(n_resamples, seed)
    if not isinstance(confidence, float) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a float between 0 and 1, e.g. 0.95, got {confidence!r}")
    mean_diff = float(d.mean())
    if np.ptp(d) == 0:  # every query moved by the same amount: nothing to resample
        return mean_diff, mean_diff, mean_diff
    res = stats.bootstrap((d,), np.mean, n_resamples=n_resamples, confidence_level=confidence,
                          method="percentile", rng=np.random.default_rng(seed))
    return mean_diff, float(res.confidence_interval.low), float(res.confidence_interval.high)


def paired_permutation_test(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                            n_resamples: int = 10_000, seed: int = 0) -> float:
    """Two-sided p-value for "``a`` and ``b`` score the same on average" (paired by query).

    Under that hypothesis each query's two scores could as well be swapped, which flips the
    sign of its difference. The p-value is the share of random sign flips whose mean
    difference is at least as far from 0 as the one observed (counting the observed one, so it
    is never 0). With ``2**n <= n_resamples`` queries every flip is enumerated: the exact test.
    """
    from scipy import stats

    d = _differences(a, b)
    _check_settings(n_resamples, seed)
    if not d.any():  # identical scores on every query: no evidence of a difference at all
        return 1.0
    res = stats.permutation_test((d,), lambda x, axis=-1: np.mean(x, axis=axis), permutation_type="samples",
                                 n_resamples=n_resamples, alternative="two-sided", vectorized=True,
                                 rng=np.random.default_rng(seed))
    p = float(res.pvalue)
    return min(1.0, p) if math.isfinite(p) else 1.0
