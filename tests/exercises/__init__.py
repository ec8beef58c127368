"""Every exercise of the course as a table: its check, its solution, and answers that must fail.

One module per lesson (``lesson00.py`` ...) defines ``exercises()``, returning a list of
:class:`Exercise`. ``tests/test_exercises.py`` runs the same proofs on every entry: the
solution passes, the stub is "not attempted", a partial answer fails, every typical wrong
answer fails, and hostile answers (NaN, wrong types, exceptions) fail with a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from helpers.check import CheckResult


def first_only(fn: Callable) -> Callable:
    """A partial answer: right on the first call, ``None`` (an unfinished branch) afterwards."""
    calls = {"n": 0}

    def partial(*args: Any) -> Any:
        calls["n"] += 1
        return fn(*args) if calls["n"] == 1 else None

    return partial


@dataclass
class Exercise:
    name: str                                  # "5.1", as in the notebook's heading
    check: Callable[[Any], CheckResult]        # answer -> result (extra arguments bound)
    solution: Any                              # a function, or a value for value exercises
    wrong: dict[str, Any]                      # what the mistake is -> the wrong answer
    partial: Any = None                        # default: first_only(solution)
    takes_function: bool = field(init=False)

    def __post_init__(self) -> None:
        self.takes_function = callable(self.solution)
        if self.partial is None:
            if not self.takes_function:
                raise ValueError(f"exercise {self.name}: a value exercise needs an explicit partial answer")
            self.partial = first_only(self.solution)
