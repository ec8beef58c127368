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


def _best(wv: Any, target: np.ndarray, exclude: set[str], k: int) -> list[str]:
    scores = wv.unit @ target
    scores[[wv.index[w] for w in exclude]] = -np.inf
    return [wv.words[i] for i in np.argsort(-scores, kind="stable")[:k]]


def _words(got: Any, expected: list[str], args: tuple, query_words: set[str]) -> str | None:
    if isinstance(got, (str, bytes)) or not isinstance(got, (list, tuple, np.ndarray)):
        return f"return a list of {len(expected)} words, got {type(got).__name__}"
    got = list(got)
    if got and isinstance(got[0], (tuple, list)):
        return "return the words only, not (word, score) pairs"
    if len(got) != len(expected):
        return f"expected {len(expected)} words, got {len(got)}"
    inside = [w for w in got if isinstance(w, str) and w in query_words]
    if inside:
        return f"{inside} {'is' if len(inside) == 1 else 'are'} among the query words; leave them out"
    if got != expected:
        return f"expected {expected}, got {got}"
    return None


def exercise_1_1(nearest_to_group: Callable[[list[str], int], list[str]]) -> CheckResult:
    """``nearest_to_group(words, k)``: the k words nearest to the mean of the words' unit rows, best first."""
    wv, _ = _reference()

    def expect(words: list[str], k: int) -> list[str]:
        return _best(wv, wv.unit[[wv.index[w] for w in words]].mean(axis=0), set(words), k)

    cases = [(["cat", "dog", "horse"], 5), (["violin", "piano"], 6), (["red", "green", "blue"], 4)]
    attempted, problems = _run_cases(nearest_to_group, cases, expect,
                                     lambda got, expected, args: _words(got, expected, args, set(args[0])),
                                     labels=[f"nearest_to_group({w}, {k})" for w, k in cases])
    return result("1.1", nearest_to_group if attempted else None, problems,
                  hint=["one query vector stands for the whole group: average the group's rows, then search "
                        "around it as section 3 searched around one word",
                        "use the unit rows (W divided by its row norms), take the mean of the group's rows, "
                        "score every row with one matrix-vector product, and set the group's own scores to -inf",
                        "unit = W / np.linalg.norm(W, axis=1, keepdims=True); q = unit[[wv.index[w] for w in words]]"
                        ".mean(axis=0); scores = unit @ q; scores[group ids] = -np.inf; "
                        "return [wv.words[i] for i in np.argsort(-scores)[:k]]"])


def exercise_1_2(solve_by_examples: Callable[[list[tuple[str, str]], str], str]) -> CheckResult:
    """``solve_by_examples(pairs, c)``: c plus the mean offset b - a of the example pairs, nearest word."""
    wv, _ = _reference()

    def expect(pairs: list[tuple[str, str]], c: str) -> str:
        offset = np.mean([wv.unit[wv.index[b]] - wv.unit[wv.index[a]] for a, b in pairs], axis=0)
        return _best(wv, wv.unit[wv.index[c]] + offset, {c} | {w for pair in pairs for w in pair}, 1)[0]

    cases = [([("france", "paris"), ("germany", "berlin"), ("italy", "rome")], "china"),
             ([("man", "woman"), ("king", "queen"), ("actor", "actress")], "boy"),
             ([("hot", "cold"), ("big", "small"), ("up", "down")], "strong"),
             ([("big", "bigger"), ("small", "smaller"), ("fast", "faster")], "cold")]

    def same(got: Any, expected: str, args: tuple) -> str | None:
        if not isinstance(got, str):
            return f"return one word (a string), got {type(got).__name__}"
        query = {args[1]} | {w for pair in args[0] for w in pair}
        if got in query:
            return f"{got!r} is one of the query words; leave out c and every word of the example pairs"
        if got != expected:
            return f"expected {expected!r}, got {got!r}"
        return None

    attempted, problems = _run_cases(solve_by_examples, cases, expect, same,
                                     labels=[f"{pairs[0][0]}:{pairs[0][1]}, ... :: {c}:?" for pairs, c in cases])
    return result("1.2", solve_by_examples if attempted else None, problems,
                  hint=["section 4 used one step b - a; here the step is the average of the steps of all "
                        "the example pairs",
                        "with unit rows: offset = mean over the pairs of unit[b] - unit[a]; target = unit[c] + offset; "
                        "score every row against target",
                        "set the scores of c and of every word in the pairs to -inf before taking "
                        "wv.words[int(np.argmax(scores))]"])


def exercise_1_3(static_sentence_vector: Callable[[str], np.ndarray]) -> CheckResult:
    """``static_sentence_vector(text)``: the mean of the table rows of the text's tokens, at length 1."""
    wv, tokenizer = _reference()

    def expect(text: str) -> np.ndarray:
        rows = wv.vectors[tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))]
        mean = rows.mean(axis=0)
        return mean / np.linalg.norm(mean)

    def same(got: Any, expected: np.ndarray, args: tuple) -> str | None:
        if isinstance(got, (str, bytes, dict)) or np.size(got) != expected.size:
            return f"expected a vector of {expected.size} numbers, got {type(got).__name__}"
        got = np.asarray(got, dtype=np.float64).reshape(-1)
        if abs(np.linalg.norm(got) - 1) > 1e-4:
            return f"the vector has length {np.linalg.norm(got):.3f}; scale it to length 1"
        cos = float(got @ expected)
        if cos < 0.9999:
            return (f"cosine with the expected vector is {cos:.4f}, not 1"
                    + (" (did you include [CLS] and [SEP]? use tokenizer.tokenize)" if cos > 0.8 else ""))
        return None

    cases = [("A cat is sitting on a carpet",), ("Interest rates rose again this year.",), ("exoplanets",)]
    attempted, problems = _run_cases(static_sentence_vector, cases, expect, same,
                                     labels=[repr(text) for text, in cases])
    return result("1.3", static_sentence_vector if attempted else None, problems,
                  hint=["a sentence vector from a static table: one row per word piece, averaged, then scaled "
                        "to length 1",
                        "tokens = tokenizer.tokenize(text) (no [CLS] or [SEP]); "
                        "ids = tokenizer.convert_tokens_to_ids(tokens); rows = W[ids]",
                        "mean = W[ids].mean(axis=0); return mean / np.linalg.norm(mean)"])
