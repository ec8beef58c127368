"""Self-checks for lesson 01 (word vectors). Each returns a CheckResult that explains itself.

The reference answers come from :class:`helpers.wordvectors.WordVectors` on the same table
the learner uses, so a correct answer passes whatever the model copy.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, result

__all__ = ["exercise_1_1", "exercise_1_2", "exercise_1_3"]


@functools.lru_cache(maxsize=1)
def _reference():
    from helpers import models
    from helpers.wordvectors import WordVectors

    tokenizer, _ = models.load_transformer(quiet=True)
    return WordVectors.from_encoder(), tokenizer


def exercise_1_1(nearest_words: Callable[[str, int], list[str]]) -> CheckResult:
    """``nearest_words(word, k)`` lists the k tokens with the highest cosine to ``word``, best first."""
    wv, _ = _reference()

    def same(got: Any, expected: list[str], args: tuple) -> str | None:
        got = list(got)
        if got and isinstance(got[0], tuple):
            return "return the words only, not (word, score) pairs"
        if got != expected:
            return f"expected {expected}, got {got}"
        return None

    attempted, problems = _run_cases(nearest_words, [("cat", 5), ("doctor", 5), ("river", 8)],
                                     lambda word, k: [w for w, _ in wv.neighbours(word, k)], same)
    return result("1.1", nearest_words if attempted else None, problems,
                  hint="normalize the rows of W first (a dot product of unit vectors is their cosine), "
                       "then sort the scores in decreasing order and skip the word itself")


def exercise_1_2(solve_analogy: Callable[[str, str, str], str]) -> CheckResult:
    """``solve_analogy(a, b, c)`` returns the word d for "a is to b as c is to d"."""
    wv, _ = _reference()
    cases = [("man", "king", "woman"), ("france", "paris", "germany"), ("big", "bigger", "small"),
             ("cat", "cats", "dog"), ("walk", "walking", "swim")]

    def same(got: Any, expected: str, args: tuple) -> str | None:
        if not isinstance(got, str):
            return f"return one word (a string), got {type(got).__name__}"
        if got in args:
            return f"{got!r} is one of the three query words; exclude a, b and c from the answers"
        if got != expected:
            return f"expected {expected!r}, got {got!r}"
        return None

    attempted, problems = _run_cases(solve_analogy, cases, lambda a, b, c: wv.analogy(a, b, c)[0][0], same)
    return result("1.2", solve_analogy if attempted else None, problems,
                  hint="use unit vectors: target = u(b) - u(a) + u(c); score every row of the normalized table "
                       "against it, set the scores of a, b and c to -inf, and return the best remaining word")


def exercise_1_3(static_sentence_vector: Callable[[str], np.ndarray]) -> CheckResult:
    """``static_sentence_vector(text)``: the mean of the table rows of the text's tokens, at length 1."""
    wv, tokenizer = _reference()

    def expect(text: str) -> np.ndarray:
        rows = wv.vectors[tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))]
        mean = rows.mean(axis=0)
        return mean / np.linalg.norm(mean)

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        got = np.asarray(got, dtype=np.float64).reshape(-1) if np.size(got) == expected.size else None
        if got is None:
            return f"expected a vector of {expected.size} numbers"
        if abs(np.linalg.norm(got) - 1) > 1e-4:
            return f"the vector has length {np.linalg.norm(got):.3f}; scale it to length 1"
        cos = float(got @ expected)
        if cos < 0.9999:
            return (f"cosine with the expected vector is {cos:.4f}, not 1"
                    + (" (did you include [CLS] and [SEP]? use tokenizer.tokenize)" if cos > 0.8 else ""))
        return None

    cases = [("A cat is sitting on a carpet",), ("Interest rates rose again this year.",), ("exoplanets",)]
    attempted, problems = _run_cases(static_sentence_vector, cases, expect, same)
    return result("1.3", static_sentence_vector if attempted else None, problems,
                  hint="tokens = tokenizer.tokenize(text); ids = tokenizer.convert_tokens_to_ids(tokens); "
                       "take W[ids].mean(axis=0), then divide by its norm")
