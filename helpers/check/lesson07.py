"""Self-checks for lesson 07 (fine-tuning). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_7_1", "exercise_7_2", "exercise_7_3"]


# --- 7.1 the multiple-negatives ranking loss by hand --------------------------------------

def mnrl(q_emb: np.ndarray, d_emb: np.ndarray, scale: float = 20.0, *, axis: int = 1, diagonal_only: bool = False,
         unscaled: bool = False, summed: bool = False) -> float:
    """The reference answer (and, with other options, the typical mistakes it is told apart from)."""
    q = np.asarray(q_emb, dtype=np.float64)
    d = np.asarray(d_emb, dtype=np.float64)
    n = len(q)
    logits = (q @ d.T) * (1.0 if unscaled else scale)          # (n, n_docs): query i against every passage
    if diagonal_only:
        logits = logits[:, :n]
    if axis == 0:                                              # softmax over queries instead of passages
        logits = logits[:, :n].T
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    losses = -log_p[np.arange(n), np.arange(n)]
    return float(losses.sum() if summed else losses.mean())


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _mnrl_cases() -> list[tuple]:
    rng = np.random.default_rng(7)
    q = _unit(rng, 4, 8)
    near = _unit(rng, 4, 8) * 0.3 + q                      # positives close to their queries
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    return [
        (q, np.vstack([near, _unit(rng, 4, 8)]), 20.0),     # 4 queries, 4 positives + 4 hard negatives
        (q[:3], near[:3], 20.0),                            # pairs only: in-batch negatives
        (q, np.vstack([near, _unit(rng, 4, 8)]), 5.0),      # another scale
    ]


def exercise_7_1(mnrl_loss: Callable[[np.ndarray, np.ndarray, float], float]) -> CheckResult:
    """``mnrl_loss(q_emb, d_emb, scale)``: mean cross-entropy of each query against every passage row."""
    mistakes = [
        (dict(unscaled=True), "the cosines must be multiplied by `scale` before the softmax"),
        (dict(diagonal_only=True), "every row of d_emb is a candidate, hard negatives included, not only the positives"),
        (dict(axis=0), "the softmax runs over the passages for each query (along a row of scores), not over the queries"),
        (dict(summed=True), "average the per-query losses (the library's value is a mean), don't sum them"),
    ]

    def same(got: Any, expected: float, args: tuple) -> str | None:
        issue = close(got, expected, 1e-4, what="the loss")
        if issue is None or not issue.startswith("expected"):
            return issue
        for options, why in mistakes:
            if abs(float(got) - mnrl(*args, **options)) < 1e-4:
                return f"{issue}: {why}"
        return issue

    attempted, problems = _run_cases(mnrl_loss, _mnrl_cases(), mnrl, same,
                                     labels=["4 queries, 4 positives and 4 hard negatives", "3 pairs, no hard negatives",
                                             "scale 5"])
    return result("7.1", mnrl_loss if attempted else None, problems, hint=[
        "score every query against every passage row (q_emb @ d_emb.T), multiply by scale, and ask a softmax "
        "over each row to pick column i for query i",
        "logits = scale * q_emb @ d_emb.T; log_softmax each row (subtract the row's max first for safety); "
        "the loss is the mean over i of -log_softmax[i, i]",
    ])


# --- 7.2 a pair builder that leaks -------------------------------------------------------

def clean(pairs: list[tuple[str, str]], test_queries: set[str], *, drop_test: bool = True,
          cut_copies: bool = True) -> list[tuple[str, str]]:
    """The reference answer: no test query; a query copied out of its passage is cut from it."""
    out = []
    for query, passage in pairs:
        if drop_test and query in test_queries:
            continue
        if cut_copies and query in passage:
            passage = " ".join(passage.replace(query, " ").split())
        out.append((query, passage))
    return out


_PASSAGE = ("Bread rises because yeast makes gas. Knead the dough for ten minutes. "
            "A warm kitchen speeds the first rise.")
_PAIRS = [
    ("Knead the dough for ten minutes.", _PASSAGE),
    ("Why does bread rise?", _PASSAGE),
    ("How long should I knead dough?", "Most doughs need about ten minutes of kneading by hand."),
    ("A warm kitchen speeds the first rise.", _PASSAGE),
]
_TEST = {"Why does bread rise?"}


def exercise_7_2(clean_pairs: Callable[[list[tuple[str, str]], set[str]], list[tuple[str, str]]]) -> CheckResult:
    """``clean_pairs(pairs, test_queries)``: drop test queries, cut each copied query out of its passage."""
    cases = [(_PAIRS, _TEST), (_PAIRS[2:], set()), ([("Why does bread rise?", _PASSAGE)], _TEST)]

    def same(got: Any, expected: list, args: tuple) -> str | None:
        try:
            got = [(str(q), " ".join(str(p).split())) for q, p in got]
        except (TypeError, ValueError):
            return f"expected a list of (query, passage) pairs, got {got!r:.80}"
        if got == expected:
            return None
        pairs, test = args
        leaked = sorted({q for q, _ in got} & test)
        if leaked:
            return f"a test query is still there: {leaked[0]!r}. Test queries never enter training"
        copied = [q for q, p in got if q in p]
        if copied:
            return (f"the query {copied[0]!r} still appears word for word in its passage: the model learns to "
                    "spot copies, not meaning. Cut it out of the passage")
        if len(got) != len(expected):
            return f"expected {len(expected)} pairs, got {len(got)}: keep every pair that is not a test query"
        return f"expected {expected!r:.200}, got {got!r:.200}"

    attempted, problems = _run_cases(clean_pairs, cases, clean, same,
                                     labels=["a test query and two copied sentences", "nothing to fix",
                                             "only a test query"])
    return result("7.2", clean_pairs if attempted else None, problems, hint=[
        "two leaks: a pair whose query is a test query must go, and a query that is a sentence of its own "
        "passage must be cut out of that passage",
        "for query, passage in pairs: skip it if query in test_queries; if query in passage, use "
        "' '.join(passage.replace(query, ' ').split()) as the passage; keep the pair",
    ])


# --- 7.3 choose the checkpoint on dev ---------------------------------------------------

def pick(curve: list[dict], *, on: str = "dev", latest: bool = False) -> int:
    best = max(point[on] for point in curve)
    steps = [point["step"] for point in curve if point[on] == best]
    return max(steps) if latest else min(steps)


_CURVES = [
    [{"step": 0, "dev": 0.80, "test": 0.78}, {"step": 4, "dev": 0.84, "test": 0.80},
     {"step": 8, "dev": 0.83, "test": 0.82}, {"step": 12, "dev": 0.82, "test": 0.81}],
    [{"step": 0, "dev": 0.70, "test": 0.72}, {"step": 5, "dev": 0.75, "test": 0.71},
     {"step": 10, "dev": 0.75, "test": 0.74}, {"step": 15, "dev": 0.74, "test": 0.76}],
    [{"step": 0, "dev": 0.90, "test": 0.85}, {"step": 3, "dev": 0.88, "test": 0.87}],
]


def exercise_7_3(choose_checkpoint: Callable[[list[dict]], int]) -> CheckResult:
    """``choose_checkpoint(curve)``: the step with the best dev score (the earliest on a tie)."""

    def same(got: Any, expected: int, args: tuple) -> str | None:
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return f"expected a step number (an int), got {got!r:.60}"
        if got == expected:
            return None
        (curve,) = args
        if got == pick(curve, on="test"):
            return (f"expected step {expected}, got {got}: that is the best step on test. Choosing on test makes "
                    "the reported test score a tuned one: choose on dev")
        if got == pick(curve, latest=True):
            return f"expected step {expected}, got {got}: on a tie, take the earlier step (less training, same dev score)"
        if got == curve[-1]["step"]:
            return f"expected step {expected}, got {got}: the last step is not always the best one on dev"
        return f"expected step {expected}, got {got}"

    attempted, problems = _run_cases(choose_checkpoint, [(c,) for c in _CURVES], pick, same,
                                     labels=["a curve that peaks early on dev", "a tie on dev",
                                             "a curve whose start is best on dev"])
    return result("7.3", choose_checkpoint if attempted else None, problems, hint=[
        "look only at each point's 'dev' score; test is for reporting, never for choosing",
        "best = max(p['dev'] for p in curve); return the smallest p['step'] among the points whose dev equals best",
    ])
