"""Exercise self-checks: say what is right, what is wrong, and give a hint.

Each lesson has a module of checks (``helpers.check.lesson00``, ...). A check returns a
:class:`CheckResult`, which a notebook displays as one short message, never a traceback.

An exercise left as the stub (``None`` or ``...``) is reported as *not attempted*. When the
environment sets ``HELPERS_CHECK_STRICT=1`` (the test suite does, for ``solutions/``), a
check that does not pass raises :class:`CheckFailed`, so a broken solution fails CI.
Introduced in lesson 00.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from helpers.errors import CourseError

__all__ = ["CheckFailed", "CheckResult", "is_stub", "result"]

Status = Literal["passed", "failed", "not attempted"]
_ICON = {"passed": "✅", "failed": "❌", "not attempted": "✏️"}


class CheckFailed(CourseError, AssertionError):
    """Raised by a check that did not pass, only in strict mode (the test suite)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check. Truthy when the exercise passed."""

    exercise: str
    status: Status
    problems: list[str] = field(default_factory=list)
    hint: str = ""

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
        return "\n".join(lines)


def is_stub(answer: Any) -> bool:
    """True for what an untouched exercise stub leaves behind."""
    return answer is None or answer is Ellipsis


def result(exercise: str, answer: Any, problems: list[str], hint: str = "") -> CheckResult:
    """Build the result of a check from the problems found (an empty list means passed)."""
    if is_stub(answer):
        status: Status = "not attempted"
    else:
        status = "failed" if problems else "passed"
    outcome = CheckResult(exercise, status, list(problems), hint)
    if os.environ.get("HELPERS_CHECK_STRICT") == "1" and status != "passed":
        raise CheckFailed(repr(outcome))
    return outcome


def _call(fn: Any, *args: Any) -> tuple[Any, str | None]:
    """Call a learner's function; return (value, problem) instead of raising."""
    if fn is None or not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        return fn(*args), None
    except Exception as exc:  # the learner's bug becomes a message, not a traceback
        return None, f"your function raised {type(exc).__name__}: {exc}"


def _run_cases(fn: Any, cases: list[tuple], expect: Callable[..., Any],
               same: Callable[[Any, Any, tuple], str | None],
               labels: list[str] | None = None) -> tuple[bool, list[str]]:
    """Call ``fn`` on each case; return (attempted, problems).

    ``same(got, expected, args)`` returns a problem or None; ``labels`` name the cases in
    messages (default: the arguments themselves).
    """
    problems: list[str] = []
    attempted = False
    for i, args in enumerate(cases):
        got, problem = _call(fn, *args)
        if problem:
            return True, [problem]
        if got is None:  # the stub returns None
            continue
        attempted = True
        issue = same(got, expect(*args), args)
        if issue:
            where = labels[i] if labels else ", ".join(map(repr, args))
            problems.append(f"for {where}: {issue}")
    return attempted, problems[:3]
