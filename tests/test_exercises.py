"""Every exercise's check tells right from wrong: solution, stub, partial, wrong and hostile answers.

The table lives in tests/exercises/lessonNN.py; a test below fails when a notebook has an
exercise the table lacks.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from exercises import Exercise

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p.stem for p in (Path(__file__).parent / "exercises").glob("lesson*.py"))
HEADING = re.compile(r"^## Exercise (\d+\.\d+)", re.M)


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "0")


def _entries() -> list[tuple[str, str]]:
    names = []
    for module in MODULES:
        for name in importlib.import_module(f"exercises.{module}").NAMES:
            names.append((module, name))
    return names


_cache: dict[str, dict[str, Exercise]] = {}


def _exercise(module: str, name: str) -> Exercise:
    if module not in _cache:
        _cache[module] = {e.name: e for e in importlib.import_module(f"exercises.{module}").exercises()}
    return _cache[module][name]


def _notebook_exercises() -> set[str]:
    found = set()
    for path in (ROOT / "solutions").glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                found |= set(HEADING.findall("".join(cell["source"])))
    return found


def test_every_exercise_in_the_notebooks_is_in_the_table():
    table = {name for _, name in _entries()}
    assert _notebook_exercises() <= table, f"exercises without a table entry: {_notebook_exercises() - table}"


ENTRIES = _entries()
IDS = [name for _, name in ENTRIES]


@pytest.mark.parametrize(("module", "name"), ENTRIES, ids=IDS)
def test_the_solution_passes(module, name):
    ex = _exercise(module, name)
    outcome = ex.check(ex.solution)
    assert outcome.passed, repr(outcome)


@pytest.mark.parametrize(("module", "name"), ENTRIES, ids=IDS)
def test_the_stub_is_not_attempted(module, name):
    ex = _exercise(module, name)
    stub = (lambda *args: None) if ex.takes_function else None
    assert ex.check(stub).status == "not attempted"


@pytest.mark.parametrize(("module", "name"), ENTRIES, ids=IDS)
def test_a_partial_answer_fails(module, name):
    ex = _exercise(module, name)
    outcome = ex.check(ex.partial)
    assert outcome.status == "failed", f"a partial answer to {name} was graded {outcome.status}"


@pytest.mark.parametrize(("module", "name"), ENTRIES, ids=IDS)
def test_typical_wrong_answers_fail_with_a_message(module, name):
    ex = _exercise(module, name)
    assert len(ex.wrong) >= 2, f"exercise {name} needs at least two typical wrong answers"
    for mistake, answer in ex.wrong.items():
        outcome = ex.check(answer)
        assert outcome.status == "failed", f"{name}: '{mistake}' was graded {outcome.status}"
        assert outcome.problems, f"{name}: '{mistake}' failed without saying why"


def _raises(*args):
    raise RuntimeError("a bug in the learner's code")


HOSTILE_FUNCTIONS = {
    "returns NaN": lambda *a: math.nan,
    "returns a NaN array": lambda *a: np.full(3, np.nan),
    "returns a string": lambda *a: "forty-two",
    "returns an empty list": lambda *a: [],
    "returns a dict": lambda *a: {"a": 1},
    "returns an object": lambda *a: object(),
    "returns -1": lambda *a: -1,
    "raises": _raises,
}
HOSTILE_VALUES = {"NaN": math.nan, "a string": "forty-two", "an empty list": [], "a dict": {"a": 1},
                  "an object": object(), "-1": -1, "a one-tuple": (1,)}


@pytest.mark.parametrize(("module", "name"), ENTRIES, ids=IDS)
def test_hostile_answers_fail_with_a_message_not_a_traceback(module, name):
    ex = _exercise(module, name)
    hostile = HOSTILE_FUNCTIONS if ex.takes_function else HOSTILE_VALUES
    for kind, answer in hostile.items():
        outcome = ex.check(answer)
        assert outcome.status == "failed", f"{name}: an answer that {kind} was graded {outcome.status}"
        assert outcome.problems, f"{name}: an answer that {kind} failed without saying why"
