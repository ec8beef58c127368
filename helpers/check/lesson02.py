"""Self-checks for lesson 02 (from tokens to sentences). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["contextual_vector", "exercise_2_1", "exercise_2_2", "exercise_2_3"]


def exercise_2_1(masked_mean: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """``masked_mean(hidden, mask)``: the mean of each text's real tokens, shape (batch, dim)."""
    rng = np.random.default_rng(2)
    cases = [(rng.standard_normal((3, 6, 4)).astype(np.float32),              # 3 texts, 6 positions, 4 dims
              np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]])),
             (rng.standard_normal((2, 3, 5)), np.array([[1, 1, 0], [1, 1, 1]]))]

    def expect(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.stack([hidden[i, mask[i] == 1].astype(np.float64).mean(axis=0) for i in range(len(hidden))])

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        hidden, mask = args
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            return f"for hidden of shape {hidden.shape} the result should be {expected.shape}, got {got.shape}"
        if np.allclose(got, hidden.mean(axis=1), atol=1e-5):
            return "padding positions were averaged in: that is the unmasked mean, the bug this lesson measures"
        rows = [i for i in range(len(expected)) if not np.allclose(got[i], expected[i], atol=1e-5)]
        if rows:
            return f"rows {rows} differ from the mean of their real tokens (mask == 1)"
        return None

    attempted, problems = _run_cases(masked_mean, cases, expect, same,
                                     labels=["3 texts of 6, 3 and 1 real tokens", "2 texts of 2 and 3 real tokens"])
    return result("2.1", masked_mean if attempted else None, problems,
                  hint=["padding must count neither in the sum nor in the number of tokens you divide by",
                        "mask[:, :, None] has shape (batch, tokens, 1): multiply hidden by it so padding becomes 0, "
                        "then sum over axis=1",
                        "divide that sum by the number of real tokens of each text, "
                        "mask.sum(axis=1)[:, None] (shape (batch, 1))"])


def contextual_vector(sentence: str, word: str) -> np.ndarray:
    """The reference answer to exercise 2.2: the last hidden state of ``word``'s pieces, averaged."""
    import torch

    from helpers import models

    tokenizer, transformer = models.load_transformer(quiet=True)
    start = sentence.lower().find(word.lower())
    if start < 0:
        raise ValueError(f"{word!r} does not occur in {sentence!r}")
    batch = tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt")
    offsets = batch.pop("offset_mapping")[0].tolist()
    pieces = [i for i, (s, e) in enumerate(offsets) if e > s and s >= start and e <= start + len(word)]
    with torch.no_grad():
        hidden = transformer(**batch).last_hidden_state[0]
    return hidden[pieces].mean(dim=0).numpy()


def exercise_2_2(word_in_context: Callable[[str, str], np.ndarray]) -> CheckResult:
    """``word_in_context(sentence, word)`` returns the word's contextual vector, shape (384,)."""
    cases = [("I paid the cheque in at the bank.", "bank"),
             ("We had a picnic on the bank of the river.", "bank"),
             ("Astronomers found an exoplanet near the star.", "exoplanet")]  # ex ##op ##lane ##t

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        got = np.asarray(got, dtype=np.float64).reshape(-1) if np.size(got) == expected.size else None
        if got is None:
            return f"expected a vector of {expected.size} numbers (one token's row of last_hidden_state)"
        cos = float(got @ expected / (np.linalg.norm(got) * np.linalg.norm(expected)))
        if cos < 0.9999:
            return f"cosine with the expected vector is {cos:.3f}, not 1"
        return None

    attempted, problems = _run_cases(word_in_context, cases, contextual_vector, same,
                                     labels=[f"{word!r} in {sentence!r}" for sentence, word in cases])
    return result("2.2", word_in_context if attempted else None, problems,
                  hint=["section 3 took the row of last_hidden_state at the position of \"bank\"; a word of "
                        "several pieces has several positions, one after the other",
                        "tokens = tokenizer.convert_ids_to_tokens(ids) shows the pieces ([CLS] is position 0); "
                        "tokenizer.tokenize(word) gives the pieces to look for",
                        "find the first start where tokens[start:start + len(pieces)] == pieces, then average "
                        "last_hidden_state[0, start:start + len(pieces)] over the pieces (dim=0)"])


def exercise_2_3(spearman: Callable[[Any, Any], float]) -> CheckResult:
    """``spearman(x, y)`` is the Spearman rank correlation of two equal-length sequences."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    noisy = rng.standard_normal(40)
    cases = [(noisy, noisy * 2 + rng.standard_normal(40)),
             (np.arange(10.0), np.arange(10.0) ** 3),               # monotone: exactly 1
             (rng.standard_normal(30), np.repeat([0.0, 2.5, 5.0], 10))]  # ties, as in 0-5 scores

    def same(got: Any, expected: float, args: tuple) -> str | None:
        issue = close(got, expected, 1e-6, what="the correlation")
        if issue and issue.startswith("expected") and len(set(args[1])) < len(args[1]):
            issue += " (tied values share the average of their ranks)"
        return issue

    attempted, problems = _run_cases(spearman, cases, lambda x, y: float(spearmanr(x, y).statistic), same,
                                     labels=["a noisy line", "x against x cubed", "scores with ties"])
    return result("2.3", spearman if attempted else None, problems,
                  hint=["Spearman is Pearson's correlation computed on ranks instead of values",
                        "scipy.stats.rankdata(x) gives ranks, and gives tied values the average of their ranks",
                        "float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])"])
