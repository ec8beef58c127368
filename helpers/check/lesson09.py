"""Self-checks for lesson 09 (a vector database and a distributed engine). Each returns a CheckResult."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from helpers.check import CheckResult, _run_cases, close, result

__all__ = ["exercise_9_1", "exercise_9_2", "exercise_9_3"]


# --- 9.1 a filter expression ------------------------------------------------------------------

def _query_scratch(expressions: list[str]) -> list[tuple[set[str] | None, str | None]]:
    """For each expression: the ids a scratch copy of the corpus returns, or the database's complaint."""
    from helpers import data, vectordb

    passages = data.load_corpus().passages
    folder = Path(tempfile.mkdtemp(prefix="check-9-1-"))
    path = folder / "scratch.db"
    client = vectordb.connect(path)
    try:
        vectordb.create_collection(client, "passages", dim=8)
        vectors = np.random.default_rng(9).normal(size=(len(passages), 8)).astype(np.float32)
        vectordb.insert(client, "passages", vectordb.passage_rows(passages, vectors))
        out: list[tuple[set[str] | None, str | None]] = []
        for expr in expressions:
            try:
                out.append(({row["id"] for row in client.query("passages", filter=expr, output_fields=["id"])}, None))
            except Exception as error:  # the database's own message is the useful part
                out.append((None, str(getattr(error, "message", error)).splitlines()[0]))
        return out
    finally:
        client.close()
        vectordb.release(path)
        shutil.rmtree(folder, ignore_errors=True)


def _matching(topics: list[str], more_than: int, *, or_first: bool = False, at_least: bool = False) -> set[str]:
    """Ids of passages on one of ``topics`` with more than ``more_than`` words (and two tempting wrong readings)."""
    from helpers import data

    def keep(p: Any) -> bool:
        words = len(p.text.split())
        long_enough = words >= more_than if at_least else words > more_than
        if or_first:  # `topic == a or topic == b and n_words > n`: and binds first
            return p.topic in topics[:-1] or (p.topic == topics[-1] and long_enough)
        return p.topic in topics and long_enough

    return {p.id for p in data.load_corpus().passages if keep(p)}


def exercise_9_1(make_filter: Callable[[list[str], int], str]) -> CheckResult:
    """``make_filter(topics, more_than)``: a Milvus filter for passages on any of ``topics`` with more than ``more_than`` words."""
    cases = [(["pets", "gardening"], 80), (["music"], 70), (["history", "travel", "finance"], 95)]
    labels = ["pets or gardening, over 80 words", "music, over 70 words", "three topics, over 95 words"]
    answers = []
    for args in cases:
        try:
            answers.append(make_filter(list(args[0]), args[1]))
        except Exception as exc:  # the learner's bug becomes a message, not a traceback
            return result("9.1", make_filter, [f"your function raised {type(exc).__name__}: {exc}"])
    if all(a is None or a is Ellipsis for a in answers):
        return result("9.1", None, [])
    problems: list[str] = []
    texts = [a if isinstance(a, str) else "" for a in answers]
    for (topics, more_than), label, answer, (got, complaint) in zip(cases, labels, answers, _query_scratch(texts)):
        expected = _matching(topics, more_than)
        if not isinstance(answer, str) or not answer.strip():
            issue = f"return the filter as a string like 'topic == \"pets\"', got {answer!r:.60}"
        elif complaint:
            issue = f"the database refused {answer!r}: {complaint}" + (
                " (compare with ==, not =)" if "=" in answer and "==" not in answer else "")
        elif got == expected:
            continue
        elif len(topics) > 1 and got == _matching(topics, more_than, or_first=True):
            issue = "`and` binds tighter than `or`: put the topics in parentheses, or use topic in [...]"
        elif got == _matching(topics, more_than, at_least=True):
            issue = f"passages of exactly {more_than} words came back: 'more than' is n_words > {more_than}"
        else:
            issue = (f"{answer!r} matched {len(got)} passages, {len(expected)} expected"
                     + (f", including {sorted(got - expected)[:3]}" if got - expected else ""))
        problems.append(f"for {label}: {issue}")
    return result("9.1", make_filter, problems[:3], hint=[
        "two conditions joined by and: one on topic (any of the given values), one on n_words; build the "
        "string with an f-string, and json.dumps(topics) writes the list with double quotes",
        "return f'topic in {json.dumps(topics)} and n_words > {more_than}'",
    ])


# --- 9.2 workers and memory for a stated corpus ------------------------------------------------

def planned(n_passages: float, texts_per_second: float, hours: float, bytes_per_vector: float) -> dict:
    """The reference answer."""
    return {"workers": math.ceil(n_passages / (texts_per_second * hours * 3600)),
            "GB": n_passages * bytes_per_vector / 1e9}


def exercise_9_2(plan: Callable[[float, float, float, float], dict]) -> CheckResult:
    """``plan(n_passages, texts_per_second, hours, bytes_per_vector)``: {"workers": int, "GB": float}."""
    cases = [(10_000_000, 50.0, 24.0, 1536.0), (1_000_000_000, 40.0, 24.0, 384.0), (432, 30.0, 1.0, 48.0),
             (7_200_000, 100.0, 10.0, 1536.0)]

    def same(got: Any, expected: dict, args: tuple) -> str | None:
        if not isinstance(got, dict) or not {"workers", "GB"} <= set(got):
            return f"return a dict with 'workers' and 'GB', got {got!r:.80}"
        workers = got["workers"]
        if not isinstance(workers, (int, np.integer)) or isinstance(workers, bool):
            return f"'workers' must be a whole number of workers (an int), got {workers!r}"
        if workers != expected["workers"]:
            exact = args[0] / (args[1] * args[2] * 3600)
            if workers == round(exact) or workers == math.floor(exact):
                return (f"{workers} workers finish too late ({exact:.2f} are needed): round up with math.ceil")
            if workers == math.ceil(args[0] / (args[1] * args[2])):
                return "hours must become seconds (x 3600) before dividing"
            return f"expected {expected['workers']} workers, got {workers}"
        return close(got["GB"], expected["GB"], tol=1e-6 * max(1.0, expected["GB"]), what="'GB'")

    attempted, problems = _run_cases(plan, cases, planned, same,
                                     labels=["10M, float32, a day", "1B, int8, a day", "the course corpus, binary",
                                             "exactly 2 workers' worth"])
    return result("9.2", plan if attempted else None, problems, hint=[
        "one worker encodes texts_per_second * hours * 3600 passages in time; divide and round up",
        "return {'workers': math.ceil(n_passages / (texts_per_second * hours * 3600)), "
        "'GB': n_passages * bytes_per_vector / 1e9}",
    ])


# --- 9.3 index parameters for a recall target ---------------------------------------------------

def smallest(sweep: dict, target: float, *, largest: bool = False) -> int | None:
    """The reference answer (``largest``: a tempting wrong one)."""
    enough = [ef for ef, recall in sweep.items() if recall >= target]
    if not enough:
        return None
    return max(enough) if largest else min(enough)


def exercise_9_3(smallest_ef: Callable[[dict, float], int | None]) -> CheckResult:
    """``smallest_ef(sweep, target)``: the smallest ef with recall >= target, or None."""
    sweep = {10: 0.81, 16: 0.88, 32: 0.95, 64: 0.985, 128: 0.997, 256: 1.0}
    shuffled = dict(sorted(sweep.items(), key=lambda item: -item[0]))  # the same sweep, largest ef first
    cases = [(sweep, 0.95), (sweep, 0.99), (shuffled, 0.9), (sweep, 0.5), ({16: 0.7, 32: 0.8}, 0.9)]

    def same(got: Any, expected: int | None, args: tuple) -> str | None:
        if got == expected:
            return None
        sweep, target = args
        if expected is None:
            return f"no ef reaches recall {target}: return None, not {got!r}"
        if got == smallest(sweep, target, largest=True):
            return f"ef {got} reaches the target, but so does the smaller ef {expected}: take the smallest"
        if got in sweep and sweep[got] < target:
            return f"ef {got} gives recall {sweep[got]}, below the target {target}"
        return f"expected ef {expected}, got {got!r}"

    attempted, problems = _run_cases(smallest_ef, cases, smallest, same, none_is_an_answer=True,
                                     labels=["target 0.95", "target 0.99", "sweep listed largest first",
                                             "target 0.5", "nothing reaches 0.9"])
    return result("9.3", smallest_ef if attempted else None, problems, hint=[
        "keep the ef values whose recall is at least the target; of those, the smallest (or None if none)",
        "enough = [ef for ef, r in sweep.items() if r >= target]; return min(enough) if enough else None",
    ])
