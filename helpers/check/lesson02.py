"""Self-checks for lesson 02 (from tokens to sentences). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _call, _run_cases, result

__all__ = ["contextual_vector", "exercise_2_1", "exercise_2_2", "exercise_2_3"]


def exercise_2_1(masked_mean: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """``masked_mean(hidden, mask)``: the mean of each text's real tokens, shape (batch, dim)."""
    rng = np.random.default_rng(2)
    hidden = rng.standard_normal((3, 6, 4)).astype(np.float32)  # 3 texts, 6 positions, 4 dims
    mask = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
    got, problem = _call(masked_mean, hidden.copy(), mask.copy())
    if got is None and problem is None:
        return result("2.1", None, [])
    problems = [problem] if problem else []
    if not problems:
        got = np.asarray(got)
        expected = np.stack([hidden[i, mask[i] == 1].mean(axis=0) for i in range(3)])
        if got.shape != (3, 4):
            problems.append(f"for hidden of shape (3, 6, 4) the result should be (3, 4), got {got.shape}")
        elif np.allclose(got, hidden.mean(axis=1), atol=1e-5):
            problems.append("padding positions were averaged in: that is the unmasked mean, the bug this lesson measures")
        elif not np.allclose(got, expected, atol=1e-5):
            rows = [i for i in range(3) if not np.allclose(got[i], expected[i], atol=1e-5)]
            problems.append(f"rows {rows} differ from the mean of their real tokens (row 0 has no padding, "
                            "row 2 has one real token)")
    return result("2.1", masked_mean, problems,
                  hint="multiply hidden by mask[:, :, None] so padding becomes 0, sum over axis=1, "
                       "then divide by the number of real tokens, mask.sum(axis=1, keepdims=True)")


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

    attempted, problems = _run_cases(word_in_context, cases, contextual_vector, same)
    return result("2.2", word_in_context if attempted else None, problems,
                  hint="tokenize the sentence, run the model, and find the positions of the word's pieces "
                       "(tokenizer.convert_ids_to_tokens shows them; [CLS] is position 0); "
                       "a word split into pieces gets the mean of its pieces' rows")


def exercise_2_3(spearman: Callable[[Any, Any], float]) -> CheckResult:
    """``spearman(x, y)`` is the Spearman rank correlation of two equal-length sequences."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(3)
    noisy = rng.standard_normal(40)
    cases = [(noisy, noisy * 2 + rng.standard_normal(40)),
             (np.arange(10.0), np.arange(10.0) ** 3),               # monotone: exactly 1
             (rng.standard_normal(30), np.repeat([0.0, 2.5, 5.0], 10))]  # ties, as in 0-5 scores

    def same(got: Any, expected: float, args: tuple) -> str | None:
        if np.ndim(got) != 0:
            return f"return one number, got an array of shape {np.shape(got)}"
        if abs(float(got) - expected) > 1e-6:
            tip = " (tied values share the average of their ranks)" if len(set(args[1])) < len(args[1]) else ""
            return f"expected {expected:.4f}, got {float(got):.4f}{tip}"
        return None

    attempted, problems = _run_cases(spearman, cases, lambda x, y: float(spearmanr(x, y).statistic), same,
                                     labels=["a noisy line", "x against x cubed", "scores with ties"])
    return result("2.3", spearman if attempted else None, problems,
                  hint="replace each value by its rank (scipy.stats.rankdata averages ties), "
                       "then take the Pearson correlation of the two rank vectors (np.corrcoef)")
