"""Self-checks for lesson 00 (setup). Each returns a CheckResult that explains itself."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _call, result

__all__ = ["exercise_0_1", "exercise_0_2", "exercise_0_3"]


def exercise_0_1(row_norms: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """``row_norms(x)`` returns the L2 norm of each row of a 2-D array, shape (n,)."""
    x = np.random.default_rng(1).standard_normal((5, 384)).astype(np.float32)
    got, problem = _call(row_norms, x)
    if got is None and problem is None:
        return result("0.1", None, [])
    problems = [problem] if problem else []
    if not problems:
        got = np.asarray(got)
        expected = np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))
        if got.shape != (5,):
            problems.append(f"for a (5, 384) input the result should have shape (5,), got {got.shape}")
        elif not np.allclose(got, expected, rtol=1e-4):
            problems.append(f"norms differ: expected {np.round(expected[:2], 4)}..., got {np.round(got[:2], 4)}...")
    return result("0.1", row_norms, problems,
                  hint="square every entry, sum along axis=1 (across each row), then take the square root")


def exercise_0_2(cosine: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """``cosine(a, b)`` returns the cosine similarity of two 1-D vectors as a float."""
    cases = [
        (np.array([1.0, 0.0]), np.array([0.0, 3.0]), 0.0),
        (np.array([1.0, 2.0]), np.array([2.0, 4.0]), 1.0),
        (np.array([3.0, 4.0]), np.array([-3.0, -4.0]), -1.0),
        (np.array([1.0, 1.0]), np.array([1.0, 0.0]), float(1 / np.sqrt(2))),
    ]
    problems: list[str] = []
    attempted = False
    for a, b, expected in cases:
        got, problem = _call(cosine, a, b)
        if problem:
            problems.append(problem)
            attempted = True
            break
        if got is None:
            continue
        attempted = True
        if not np.isscalar(got) and np.ndim(got) != 0:
            problems.append(f"cosine({a}, {b}) should be one number, got an array of shape {np.shape(got)}")
        elif abs(float(got) - expected) > 1e-6:
            problems.append(f"cosine({a}, {b}) should be {expected:.4f}, got {float(got):.4f}")
    return result("0.2", cosine if attempted else None, problems,
                  hint="divide the dot product a @ b by the product of the two lengths; "
                       "[1, 2] and [2, 4] point the same way, so their cosine is 1 whatever their lengths")


def exercise_0_3(pair: Any, texts: list[str]) -> CheckResult:
    """``pair`` holds the indices (i, j), i != j, of the two most similar texts."""
    if pair is None:
        return result("0.3", None, [])
    from helpers import models

    emb = models.load_encoder(quiet=True).encode(texts, normalize_embeddings=True)
    sim = emb @ emb.T
    np.fill_diagonal(sim, -np.inf)
    expected = set(np.unravel_index(int(np.argmax(sim)), sim.shape))
    problems = []
    try:
        got = {int(i) for i in pair}
    except (TypeError, ValueError):
        got = None
        problems.append(f"expected two indices like (0, 1), got {pair!r}")
    if got is not None and got != {int(i) for i in expected}:
        problems.append(f"{sorted(got)} is not the most similar pair")
    return result("0.3", pair, problems,
                  hint="embed the texts, take emb @ emb.T, set the diagonal to -inf (a text is always "
                       "most similar to itself), then np.unravel_index(np.argmax(sim), sim.shape)")
