"""Self-checks for lesson 10 (long documents). Each returns a CheckResult."""

from __future__ import annotations

from typing import Any, Callable

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_10_1", "exercise_10_2", "exercise_10_3"]


# --- 10.1 a sliding window over word-piece ids --------------------------------------------------

def windowed(ids: list, size: int, overlap: int) -> list[list]:
    """The reference answer: windows of ``size`` ids, each ``size - overlap`` after the last; none past the end."""
    out = []
    for first in range(0, len(ids), size - overlap):
        out.append(list(ids[first:first + size]))
        if first + size >= len(ids):
            break
    return out


def exercise_10_1(windows: Callable[[list, int, int], list]) -> CheckResult:
    """``windows(ids, size, overlap)``: lists of ``size`` ids, consecutive ones sharing ``overlap``."""
    ids = list(range(101, 111))
    cases = [(ids, 4, 0), (ids, 4, 2), (ids, 5, 1), (ids[:3], 8, 0), ([], 4, 1), (ids[:8], 4, 2)]

    def same(got: Any, expected: list, args: tuple) -> str | None:
        got = [list(w) for w in got]
        if got == expected:
            return None
        ids, size, overlap = args
        if expected and got[:len(expected)] == expected:
            return (f"after the window that reaches the last id, {len(got) - len(expected)} more came back, "
                    "each inside the one before: stop once a window ends at the end")
        if len(got) >= 2 and got[0] == expected[0] and got[1][:1] == ids[size:size + 1] and overlap:
            return f"the second window starts at position {size}: with overlap {overlap}, step size - overlap"
        if expected and all(len(w) == size for w in got) and len(expected[-1]) < size:
            return "the last window may be shorter than size: the ids at the end must not be lost"
        return f"expected {expected}, got {got}"

    attempted, problems = _run_cases(windows, cases, windowed, same,
                                     labels=["size 4, no overlap", "size 4, overlap 2", "size 5, overlap 1",
                                             "fewer ids than one window", "no ids", "windows that end exactly"])
    return result("10.1", windows if attempted else None, problems, hint=[
        "step through the ids size - overlap at a time; each window is ids[first:first + size]; "
        "stop after the first window whose end reaches len(ids)",
        "for first in range(0, len(ids), size - overlap): out.append(ids[first:first + size]); "
        "if first + size >= len(ids): break",
    ])


# --- 10.2 chunk scores into document scores -----------------------------------------------------

def best_per_document(chunk_scores: list, chunk_documents: list) -> dict:
    """The reference answer: each document's best chunk score."""
    out: dict = {}
    for score, doc in zip(chunk_scores, chunk_documents):
        out[doc] = max(out.get(doc, score), score)
    return out


def exercise_10_2(document_scores: Callable[[list, list], dict]) -> CheckResult:
    """``document_scores(chunk_scores, chunk_documents)``: {document: its best chunk's score}."""
    cases = [([0.2, 0.9, 0.4, 0.7], ["a", "a", "b", "b"]),
             ([0.5, 0.1, 0.8, 0.3, 0.6], ["x", "y", "x", "y", "z"]),
             ([-0.2, -0.5], ["n", "n"]),
             ([0.3], ["only"])]

    def same(got: Any, expected: dict, args: tuple) -> str | None:
        if not isinstance(got, dict):
            return f"return a dict {{document: score}}, got {type(got).__name__}"
        if set(got) != set(expected):
            return f"expected one score for each of {sorted(expected)}, got keys {sorted(got)}"
        scores, docs = args
        for doc in expected:
            mine = [s for s, d in zip(scores, docs) if d == doc]
            if got[doc] == sum(mine) and len(mine) > 1:
                return f"{doc}: the sum of its chunks' scores favours long documents; take the best chunk"
            if len(mine) > 1 and abs(got[doc] - sum(mine) / len(mine)) < 1e-9 and max(mine) != min(mine):
                return f"{doc}: the mean of its chunks dilutes the one chunk that answers; take the best"
            problem = close(got[doc], expected[doc], tol=1e-9, what=f"the score of {doc}")
            if problem:
                return problem
        return None

    attempted, problems = _run_cases(document_scores, cases, best_per_document, same,
                                     labels=["two documents", "three documents", "negative scores", "one chunk"])
    return result("10.2", document_scores if attempted else None, problems, hint=[
        "walk the two lists together; keep, per document, the largest score seen so far",
        "out = {}; for s, d in zip(chunk_scores, chunk_documents): out[d] = max(out.get(d, s), s)",
    ])


# --- 10.3 a chunking under a memory budget ------------------------------------------------------

def chosen(sweep: list, max_vectors: int) -> str | None:
    """The reference answer: the best dev nDCG among chunkings that fit; ties go to fewer vectors."""
    fits = [row for row in sweep if row["vectors"] <= max_vectors]
    if not fits:
        return None
    return max(fits, key=lambda row: (row["ndcg"], -row["vectors"]))["chunking"]


def exercise_10_3(choose: Callable[[list, int], str | None]) -> CheckResult:
    """``choose(sweep, max_vectors)``: the chunking with the best dev nDCG@10 that stores at most ``max_vectors``."""
    sweep = [{"chunking": "64", "ndcg": 0.71, "vectors": 1240},
             {"chunking": "64 + 16", "ndcg": 0.74, "vectors": 1650},
             {"chunking": "128", "ndcg": 0.69, "vectors": 620},
             {"chunking": "128 + 32", "ndcg": 0.72, "vectors": 820},
             {"chunking": "254", "ndcg": 0.61, "vectors": 320}]
    tie = [{"chunking": "big", "ndcg": 0.7, "vectors": 900}, {"chunking": "small", "ndcg": 0.7, "vectors": 400}]
    cases = [(sweep, 10_000), (sweep, 1000), (sweep, 820), (sweep, 300), (tie, 1000)]

    def same(got: Any, expected: str | None, args: tuple) -> str | None:
        if got == expected:
            return None
        rows, budget = args
        if expected is None:
            return f"no chunking fits in {budget} vectors: return None, not {got!r}"
        by_name = {row["chunking"]: row for row in rows}
        if got in by_name and by_name[got]["vectors"] > budget:
            return f"{got!r} stores {by_name[got]['vectors']} vectors, over the budget of {budget}"
        if got in by_name and budget in [row["vectors"] for row in rows]:
            return f"a chunking with exactly {budget} vectors fits the budget (at most, <=)"
        if got in by_name and by_name[got]["ndcg"] == by_name[expected]["ndcg"]:
            return "on a tie in nDCG, take the chunking that stores fewer vectors"
        return f"expected {expected!r}, got {got!r}"

    attempted, problems = _run_cases(choose, cases, chosen, same, none_is_an_answer=True,
                                     labels=["a large budget", "1000 vectors", "exactly 820 vectors",
                                             "nothing fits", "a tie"])
    return result("10.3", choose if attempted else None, problems, hint=[
        "keep the rows whose vectors are at most the budget; of those, the highest ndcg (fewer vectors on a tie)",
        "fits = [r for r in sweep if r['vectors'] <= max_vectors]; "
        "return max(fits, key=lambda r: (r['ndcg'], -r['vectors']))['chunking'] if fits else None",
    ])
