"""Self-checks for lesson 04 (visualization). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, result

__all__ = ["exercise_4_1", "exercise_4_2", "exercise_4_3"]


def _one_number(got: Any) -> str | None:
    if isinstance(got, (str, bytes)):
        return f"return one number, got the text {got!r}"
    if np.ndim(got) != 0:
        return f"return one number, got an array of shape {np.shape(got)}"
    try:
        float(got)
    except (TypeError, ValueError):
        return f"return one number, got {type(got).__name__}"
    return None


def _explained(x: np.ndarray, k: int, centre: bool = True, square: bool = True) -> float:
    centred = x - x.mean(axis=0) if centre else x
    s = np.linalg.svd(centred, compute_uv=False)
    s = s**2 if square else s
    return float(s[:k].sum() / s.sum())


def exercise_4_1(explained_variance: Callable[[np.ndarray, int], float]) -> CheckResult:
    """``explained_variance(x, k)``: the share of the variance of ``x`` (n, d) kept by its first k components."""
    rng = np.random.default_rng(4)
    # Columns with very different spreads, away from the origin (so forgetting to centre shows).
    x = (rng.standard_normal((60, 8)) * [5, 3, 2, 1, 1, 0.5, 0.3, 0.1] + 4).astype(np.float32)
    cases = [(x, 1), (x, 2), (x, 5)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = _one_number(got)
        if problem:
            return problem
        got = float(got)
        if abs(got - expected) <= 1e-4:
            return None
        if abs(got - _explained(*args, centre=False)) <= 1e-4:
            return f"expected {expected:.4f}, got {got:.4f}: subtract each column's mean before the SVD"
        if abs(got - _explained(*args, square=False)) <= 1e-4:
            return f"expected {expected:.4f}, got {got:.4f}: a component's variance is its singular value squared"
        if got > 1:
            return f"expected a share between 0 and 1 ({expected:.4f}), got {got:.4f}"
        return f"expected {expected:.4f}, got {got:.4f}"

    attempted, problems = _run_cases(explained_variance, cases, lambda x, k: _explained(x, k), same,
                                     labels=["k=1", "k=2", "k=5"])
    return result("4.1", explained_variance if attempted else None, problems,
                  hint=["variance is measured around the mean, and each principal component's variance "
                        "comes from one singular value of the centred data",
                        "centre the columns (x - x.mean(axis=0)), take the singular values s with "
                        "np.linalg.svd(..., compute_uv=False); the answer is (s[:k]**2).sum() / (s**2).sum()"])


def _kept(x: np.ndarray, y: np.ndarray, k: int, with_self: bool = False) -> float:
    def nearest(a: np.ndarray) -> np.ndarray:
        d = ((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=-1)
        if with_self:
            return np.argsort(d, axis=1, kind="stable")[:, :k]
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1, kind="stable")[:, :k]

    nx, ny = nearest(x), nearest(y)
    return float(np.mean([len(set(a) & set(b)) for a, b in zip(nx, ny)]) / k)


def exercise_4_2(neighbours_kept: Callable[[np.ndarray, np.ndarray, int], float]) -> CheckResult:
    """``neighbours_kept(x, y, k)``: the mean share of each point's k nearest neighbours in x also nearest in y."""
    rng = np.random.default_rng(42)
    x = rng.standard_normal((40, 10))
    squashed = x[:, :2] * [3.0, 1.0]          # a map that keeps some neighbourhoods
    shuffled = rng.standard_normal((40, 2))   # a map that keeps almost none
    cases = [(x, x.copy(), 5), (x, squashed, 5), (x, shuffled, 3)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        if np.ndim(got) == 1 and len(got) == len(args[0]):
            return "return the mean over all points (one number), not one value per point"
        problem = _one_number(got)
        if problem:
            return problem
        got = float(got)
        if abs(got - expected) <= 1e-6:
            return None
        if abs(got - _kept(*args, with_self=True)) <= 1e-6:
            return (f"expected {expected:.4f}, got {got:.4f}: each point was counted as its own neighbour "
                    "(its distance to itself is 0); leave it out")
        if abs(got * args[2] - expected) <= 1e-6 or abs(got - expected * args[2]) <= 1e-6:
            return f"expected {expected:.4f}, got {got:.4f}: divide the number of shared neighbours by k, once"
        return f"expected {expected:.4f}, got {got:.4f}"

    attempted, problems = _run_cases(neighbours_kept, cases, _kept, same,
                                     labels=["a map identical to the data", "a squashed 2-D map", "a random map"])
    return result("4.2", neighbours_kept if attempted else None, problems,
                  hint=["find each point's k nearest other points in x, then in y, and compare the two lists "
                        "point by point; a point at distance 0 from itself must not count",
                        "for each space, compute all pairwise distances, set the diagonal to np.inf so a point "
                        "is not its own neighbour, and take np.argsort(d, axis=1)[:, :k]; then count the shared "
                        "indices per row (len(set(a) & set(b))) and average shared / k"])


def _ari(a: Any, b: Any) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(a, b))


def _rand(a: Any, b: Any) -> float:
    from sklearn.metrics import rand_score

    return float(rand_score(a, b))


def exercise_4_3(adjusted_rand: Callable[[Any, Any], float]) -> CheckResult:
    """``adjusted_rand(a, b)``: the adjusted Rand index of two groupings of the same points."""
    rng = np.random.default_rng(2)
    topics = np.repeat([0, 1, 2, 3], 6)                      # four topics of six points
    renamed = np.repeat([3, 0, 2, 1], 6)                     # the same groups, other numbers
    partial = np.repeat([0, 0, 1, 2], 6)                     # topics 0 and 1 merged
    partial[[1, 7, 13]] = [2, 1, 0]                          # and three mistakes
    noise = rng.integers(0, 4, 24)                            # a grouping by chance
    cases = [(topics, renamed), (topics, partial), (topics, noise)]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        problem = _one_number(got)
        if problem:
            return problem
        got = float(got)
        if abs(got - expected) <= 1e-6:
            return None
        if abs(got - _rand(*args)) <= 1e-6:
            return (f"expected {expected:.4f}, got {got:.4f}: that is the plain Rand index; subtract the "
                    "agreement expected by chance and rescale")
        if expected == 1.0:
            return (f"expected 1.0, got {got:.4f}: cluster numbers are arbitrary, so the same groups under "
                    "other numbers must score 1; count pairs of points, not matching ids")
        return f"expected {expected:.4f}, got {got:.4f}"

    attempted, problems = _run_cases(adjusted_rand, cases, _ari, same,
                                     labels=["the topics renumbered", "a grouping with two topics merged",
                                             "a random grouping"])
    return result("4.3", adjusted_rand if attempted else None, problems,
                  hint=["everything comes from the contingency table n = pd.crosstab(a, b).to_numpy(): its cells, "
                        "its row sums and its column sums, each turned into a number of pairs",
                        "with pairs(m) = m * (m - 1) / 2: index = pairs(n).sum(), rows = pairs(n.sum(axis=1)).sum(), "
                        "cols = pairs(n.sum(axis=0)).sum(), expected = rows * cols / pairs(len(a)), "
                        "best = (rows + cols) / 2; ARI = (index - expected) / (best - expected)"])

