"""Self-checks for lesson 00 (setup). Each returns a CheckResult that explains itself."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_0_1", "exercise_0_2", "exercise_0_3"]


def exercise_0_1(row_norms: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """``row_norms(x)`` returns the L2 norm of each row of a 2-D array, shape (n,)."""
    rng = np.random.default_rng(1)
    cases = [(rng.standard_normal((5, 384)).astype(np.float32),), (np.array([[3.0, 4.0], [0.0, 0.0]]),)]

    def expect(x: np.ndarray) -> np.ndarray:
        return np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            return f"for a {args[0].shape} input the result should have shape {expected.shape}, got {got.shape}"
        if not np.allclose(got, expected, rtol=1e-4):
            return f"norms differ: expected {np.round(expected[:2], 4)}..., got {np.round(got[:2], 4)}..."
        return None

    attempted, problems = _run_cases(row_norms, cases, expect, same,
                                     labels=["a (5, 384) array", "the rows [3, 4] and [0, 0]"])
    return result("0.1", row_norms if attempted else None, problems,
                  hint=["a norm is a length: the square root of the sum of the squared entries of one row",
                        "square every entry, sum along axis=1 (across each row), then take the square root"])


def exercise_0_2(cosine: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """``cosine(a, b)`` returns the cosine similarity of two 1-D vectors as a float."""
    cases = [(np.array([1.0, 0.0]), np.array([0.0, 3.0])),
             (np.array([1.0, 2.0]), np.array([2.0, 4.0])),
             (np.array([3.0, 4.0]), np.array([-3.0, -4.0])),
             (np.array([1.0, 1.0]), np.array([1.0, 0.0]))]

    def expect(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    def same(got: Any, expected: float, args: tuple) -> str | None:
        issue = close(got, expected, 1e-6, what="the cosine")
        return issue and issue.replace("expected", "should be", 1)

    attempted, problems = _run_cases(cosine, cases, expect, same,
                                     labels=[f"cosine({a}, {b})" for a, b in cases])
    return result("0.2", cosine if attempted else None, problems,
                  hint=["[1, 2] and [2, 4] point the same way, so their cosine is 1 whatever their lengths",
                        "divide the dot product a @ b by the product of the two lengths (np.linalg.norm)"])


def exercise_0_3(pair: Any, texts: list[str]) -> CheckResult:
    """``pair`` holds the indices (i, j), i != j, of the two most similar texts."""
    if pair is None:
        return result("0.3", None, [])
    from helpers import models

    emb = models.load_encoder(quiet=True).encode(texts, normalize_embeddings=True)
    sim = emb @ emb.T
    np.fill_diagonal(sim, -np.inf)
    expected = {int(i) for i in np.unravel_index(int(np.argmax(sim)), sim.shape)}
    problems = []
    try:
        got = [int(i) for i in pair]
    except (TypeError, ValueError):
        got = None
    if got is None or len(got) != 2 or isinstance(pair, (str, bytes)):
        problems.append(f"expected two indices like (0, 1), got {pair!r}")
    elif got[0] == got[1]:
        problems.append("a text with itself: every text is most similar to itself, look for two different texts")
    elif not all(0 <= i < len(texts) for i in got):
        problems.append(f"indices must be between 0 and {len(texts) - 1}, got {got}")
    elif set(got) != expected:
        problems.append(f"{sorted(got)} is not the most similar pair")
    return result("0.3", pair, problems,
                  hint=["compare every text with every other: a similarity matrix, without the diagonal",
                        "embed the texts, take emb @ emb.T, set the diagonal to -inf (a text is always "
                        "most similar to itself), then np.unravel_index(np.argmax(sim), sim.shape)"])
