"""Exercise self-checks: say what is right, what is wrong, and give a hint.

Each lesson has a module of checks (``helpers.check.lesson00``, ...). A check returns a
:class:`CheckResult`, which a notebook displays as one short message, never a traceback.

An exercise left as the stub (``None`` or ``...``) is reported as *not attempted*; an answer
that is right on some cases and ``None`` on others has *failed*. The learner's function gets
copies of the inputs, so it cannot change what the check compares against. Hints come in
tiers: the first failure shows a nudge, each further failure (or ``helpers.check.hint``)
the next, closer one. When the environment sets ``HELPERS_CHECK_STRICT=1`` (the test suite
does, for ``solutions/``), a check that does not pass raises :class:`CheckFailed`, so a
broken solution fails CI. Introduced in lesson 00.

Lessons: 00, 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

import numpy as np

from helpers.errors import CourseError

__all__ = ["CheckFailed", "CheckResult", "close", "hint", "is_stub", "result"]

Status = Literal["passed", "failed", "not attempted"]
_ICON = {"passed": "✅", "failed": "❌", "not attempted": "✏️"}
_failures: dict[str, int] = {}          # exercise -> failed checks so far in this kernel
_hints: dict[str, tuple[str, ...]] = {}  # exercise -> its hint tiers, once checked


class CheckFailed(CourseError, AssertionError):
    """Raised by a check that did not pass, only in strict mode (the test suite)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check. Truthy when the exercise passed."""

    exercise: str
    status: Status
    problems: list[str] = field(default_factory=list)
    hint: str = ""
    more_hints: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        head = f"{_ICON[self.status]} Exercise {self.exercise}: {self.status}"
        if self.status == "not attempted":
            return f"{head}. Replace the `pass  # YOUR CODE HERE` line with your code, then run this cell again."
        if self.passed:
            return f"{head}. Well done."
        lines = [head] + [f"   - {p}" for p in self.problems]
        if self.hint:
            lines.append(f"   Hint: {self.hint}")
        if self.more_hints:
            lines.append(f"   (Stuck? Run the check again after a change, or helpers.check.hint(\"{self.exercise}\"), "
                         "for a closer hint.)")
        return "\n".join(lines)


def is_stub(answer: Any) -> bool:
    """True for what an untouched exercise stub leaves behind."""
    return answer is None or answer is Ellipsis


def _tiers(hint: str | Sequence[str]) -> tuple[str, ...]:
    return (hint,) if isinstance(hint, str) else tuple(hint)


def result(exercise: str, answer: Any, problems: list[str], hint: str | Sequence[str] = "") -> CheckResult:
    """Build the result of a check from the problems found (an empty list means passed).

    ``hint`` is one hint or a sequence of tiers, from a nudge to a near-solution; the n-th
    failure of an exercise shows the n-th tier (the last one repeats).
    """
    tiers = _tiers(hint)
    _hints[exercise] = tiers
    shown, more = "", False
    if is_stub(answer):
        status: Status = "not attempted"
    elif problems:
        status = "failed"
        _failures[exercise] = _failures.get(exercise, 0) + 1
        if tiers:
            tier = min(_failures[exercise], len(tiers)) - 1
            shown, more = tiers[tier], tier < len(tiers) - 1
    else:
        status = "passed"
    outcome = CheckResult(exercise, status, list(problems), shown, more)
    if os.environ.get("HELPERS_CHECK_STRICT") == "1" and status != "passed":
        raise CheckFailed(repr(outcome))
    return outcome


def hint(exercise: str) -> str:
    """The next hint tier for an exercise already checked once (and count it as asked for)."""
    if exercise not in _hints:
        return f"Run the check of exercise {exercise} first; its hints appear after a failed check."
    tiers = _hints[exercise]
    if not tiers:
        return f"Exercise {exercise} has no hint."
    _failures[exercise] = _failures.get(exercise, 0) + 1
    return tiers[min(_failures[exercise], len(tiers)) - 1]


def _copy(value: Any) -> Any:
    """A copy of plain data (arrays, containers, frames); other objects (models, indexes) as they are."""
    if isinstance(value, np.ndarray) or hasattr(value, "to_numpy"):
        return value.copy()
    if isinstance(value, (list, tuple, dict, set)):
        try:
            return copy.deepcopy(value)
        except Exception:  # a container of objects that cannot be copied: pass it as it is
            return value
    return value


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return before.shape != np.shape(after) or not np.array_equal(before, after, equal_nan=True)
    if isinstance(before, (list, tuple, dict, set)) and before is not after:
        try:
            return bool(before != after)
        except Exception:
            return False
    return False


def _call(fn: Any, *args: Any) -> tuple[Any, str | None]:
    """Call a learner's function on copies of ``args``; return (value, problem) instead of raising.

    A function that changes its inputs is reported: callers in the lesson would see their
    own data change.
    """
    if fn is None or not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    copies = [_copy(a) for a in args]
    try:
        value = fn(*copies)
    except Exception as exc:  # the learner's bug becomes a message, not a traceback
        return None, f"your function raised {type(exc).__name__}: {exc}"
    changed = [i + 1 for i, (a, c) in enumerate(zip(args, copies)) if _changed(a, c)]
    if changed:
        return value, (f"your function changed its input (argument {', '.join(map(str, changed))}); "
                       "work on a copy (x = x.copy()) or build a new array")
    return value, None


def _has_nan(value: Any) -> bool:
    if isinstance(value, (str, bytes)) or value is None:
        return False
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.isnan(array).any())


def close(got: Any, expected: float, tol: float = 1e-6, what: str = "the result") -> str | None:
    """A problem when ``got`` is not one finite number within ``tol`` of ``expected``, else None."""
    if isinstance(got, (str, bytes, bool)) or np.ndim(got) != 0:
        return f"{what} should be one number, got {type(got).__name__}" + (
            f" of shape {np.shape(got)}" if np.ndim(got) else "")
    try:
        number = float(got)
    except (TypeError, ValueError):
        return f"{what} should be one number, got {type(got).__name__}"
    if math.isnan(number):
        return f"{what} is NaN (a division by zero, or a mean of nothing?)"
    if abs(number - expected) > tol:
        return f"expected {expected:.4f}, got {number:.4f}"
    return None


def _run_cases(fn: Any, cases: list[tuple], expect: Callable[..., Any],
               same: Callable[[Any, Any, tuple], str | None],
               labels: list[str] | None = None, *, none_is_an_answer: bool = False) -> tuple[bool, list[str]]:
    """Call ``fn`` on each case; return (attempted, problems).

    ``same(got, expected, args)`` returns a problem or None; ``labels`` name the cases in
    messages (default: the arguments themselves). Not attempted only when every case gives
    ``None``; a ``None`` among real answers, a NaN the reference has not, or a result that
    ``same`` cannot read is a problem, never a pass. With ``none_is_an_answer`` (an
    exercise where "nothing fits" is a right answer), ``None`` goes to ``same`` like any answer.
    """
    answers = []
    for args in cases:
        got, problem = _call(fn, *args)
        if problem:
            return True, [problem]
        answers.append(got)
    if all(is_stub(got) for got in answers):
        return False, []
    problems: list[str] = []
    for i, (args, got) in enumerate(zip(cases, answers)):
        where = labels[i] if labels else ", ".join(map(repr, args))
        expected = expect(*args)
        if is_stub(got) and not none_is_an_answer:
            issue = "your function returned None: every case needs an answer (a `return` missing on some path?)"
        elif _has_nan(got) and not _has_nan(expected):
            issue = "the result contains NaN (a division by zero, or a mean of nothing?)"
        else:
            try:
                issue = same(got, expected, args)
            except Exception as exc:  # an answer of the wrong type: say so, no traceback
                issue = f"could not read your result ({type(got).__name__}: {type(exc).__name__}: {exc})"
        if issue:
            problems.append(f"for {where}: {issue}")
    return True, problems[:3]
