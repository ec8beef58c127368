"""Self-checks for lesson 03 (similarity). Each returns a CheckResult that explains itself."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from helpers.check import CheckResult, _call, _run_cases, result

__all__ = ["exercise_3_1", "exercise_3_2", "exercise_3_3"]


def exercise_3_1(euclidean_matrix: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """``euclidean_matrix(a, b)``: the distance of every row of a to every row of b, shape (n, m)."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((5, 16)), rng.standard_normal((7, 16))
    got, problem = _call(euclidean_matrix, a.copy(), b.copy())
    if got is None and problem is None:
        return result("3.1", None, [])
    problems = [problem] if problem else []
    if not problems:
        got, expected = np.asarray(got, dtype=np.float64), cdist(a, b)
        if got.shape != (5, 7):
            problems.append(f"for a of shape (5, 16) and b of shape (7, 16) the result should be (5, 7), got {got.shape}")
        elif np.allclose(got, expected ** 2, atol=1e-6):
            problems.append("these are squared distances: take the square root")
        elif not np.allclose(got, expected, atol=1e-6):
            problems.append(f"distances differ from scipy's cdist, e.g. [0, 0]: expected {expected[0, 0]:.4f}, got {got[0, 0]:.4f}")
    return result("3.1", euclidean_matrix, problems,
                  hint="broadcast: a[:, None, :] - b[None, :, :] has shape (n, m, d); square, sum over the "
                       "last axis, then take the square root")


def _best_f1(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(labels, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(f1.max())


def _f1_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> float:
    predicted = scores >= threshold
    tp = float((predicted & labels).sum())
    return 2 * tp / max(predicted.sum() + labels.sum(), 1)


def exercise_3_2(best_threshold: Callable[[np.ndarray, np.ndarray], float]) -> CheckResult:
    """``best_threshold(scores, labels)`` returns the threshold with the highest F1 for ``scores >= t``."""
    rng = np.random.default_rng(5)  # few positives: the best-accuracy threshold is not the best-F1 one
    labels = rng.random(200) < 0.15
    scores = np.where(labels, rng.normal(0.65, 0.12, 200), rng.normal(0.45, 0.12, 200))

    def same(got: Any, expected: float, args: tuple) -> str | None:
        if np.ndim(got) != 0:
            return f"return one threshold (a number), got an array of shape {np.shape(got)}"
        f1 = _f1_at(args[0], args[1], float(got))
        if f1 < expected - 1e-9:
            return f"F1 at your threshold {float(got):.3f} is {f1:.3f}; the best possible is {expected:.3f}"
        return None

    attempted, problems = _run_cases(best_threshold, [(scores, labels)], _best_f1, same,
                                     labels=["200 scored pairs, about 15% similar"])
    return result("3.2", best_threshold if attempted else None, problems,
                  hint="sklearn.metrics.precision_recall_curve(labels, scores) gives precision, recall and "
                       "thresholds; F1 = 2PR / (P + R); return the threshold where F1 is largest "
                       "(the arrays are one longer than thresholds: drop their last value)")


def exercise_3_3(search: Callable[[str, int], Sequence[str]], corpus: Any) -> CheckResult:
    """``search(query, k)`` returns the ids of the k passages most cosine-similar to ``query``, best first."""
    from helpers import embed, models

    emb = embed.encode(corpus.texts)
    model = models.load_encoder(quiet=True)

    def expect(query: str, k: int) -> list[str]:
        scores = emb @ model.encode([query], normalize_embeddings=True)[0]
        return [corpus.ids[i] for i in np.argsort(-scores, kind="stable")[:k]]

    def same(got: Any, expected: list[str], args: tuple) -> str | None:
        got = [str(x) for x in got] if not isinstance(got, str) else got
        if isinstance(got, str) or (got and got[0] not in corpus.ids):
            return "return a list of passage ids such as 'pets-001' (corpus.ids[i]), not texts or indices"
        if got != expected:
            return f"expected {expected}, got {got}"
        return None

    cases = [("A cat is sitting on a carpet", 3), ("how do I look after a sourdough starter", 5),
             ("interest on savings accounts", 4)]
    attempted, problems = _run_cases(search, cases, expect, same)
    return result("3.3", search if attempted else None, problems,
                  hint="encode the query (model.encode([query])[0]), score it against every row of emb with "
                       "one matrix product, then np.argsort(-scores)[:k] and map the indices to corpus.ids")
