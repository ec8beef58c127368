"""Claims that travel: a lesson's measured claim, checked with a margin, explained when it fails.

A notebook states a claim ("HNSW keeps recall@10 above 0.95"), measures it on the learner's
machine and calls :func:`claim`. When the claim holds, one line shows the number and the
bound, so the proof is on the screen. When it does not, the learner sees one short message
(what was expected, what was measured, why it can differ between machines) instead of a
traceback, and the test suite fails, because :class:`ClaimFailed` is an ``AssertionError``.

Set ``COURSE_CLAIMS_LOG`` to a file path and every claim appends one JSON line (the claim,
the bound, the measured value and the margin): ``tools/claim_margins.py`` runs the
notebooks under several perturbations and reports each claim's worst margin.
Introduced in lesson 00; every lesson uses it.

>>> claim("two plus two", 2 + 2, at_least=4)
✔ two plus two: 4 (claim: ≥ 4)
4

Lessons: 00, 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from helpers.errors import CourseError

__all__ = ["ClaimFailed", "claim"]

LOG_VARIABLE = "COURSE_CLAIMS_LOG"


class ClaimFailed(CourseError, AssertionError):
    """A lesson's claim did not hold on this machine. The message explains it; no traceback."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def _number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"claim {what!r}: measured must be one number, got {type(value).__name__}") from None
    return number


def _show(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e12:
        return str(int(number))
    return f"{number:.4g}" if abs(number) < 1e-3 or abs(number) >= 1e4 else f"{number:.3f}".rstrip("0").rstrip(".")


def _log(record: dict[str, Any]) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def claim(what: str, measured: Any, *, at_least: float | None = None, at_most: float | None = None,
          holds: bool | None = None, expected: str = "", why: str = "", quiet: bool = False) -> Any:
    """Check a measured claim and say so in one line; raise :class:`ClaimFailed` if it fails.

    Give exactly one kind of bound: ``at_least`` and/or ``at_most`` for a number, or
    ``holds`` (a bool computed by the notebook) with ``expected`` saying in words what should
    be true. ``why`` says why the number can differ on another machine (shown only on
    failure). Returns ``measured``, so a cell can use it further.
    """
    if not isinstance(what, str) or not what.strip():
        raise TypeError("claim: the first argument names the claim in words, e.g. 'recall@10 of HNSW'")
    numeric = at_least is not None or at_most is not None
    if numeric == (holds is not None):
        raise TypeError(f"claim {what!r}: give at_least and/or at_most for a number, or holds=<bool> "
                        "with expected='...' in words (not both)")
    if numeric:
        value = _number(measured, what)
        low = -math.inf if at_least is None else float(at_least)
        high = math.inf if at_most is None else float(at_most)
        margin = min(value - low, high - value)  # NaN when value is NaN
        ok = bool(margin >= 0)
        parts = ([f"≥ {_show(at_least)}"] if at_least is not None else []) + (
            [f"≤ {_show(at_most)}"] if at_most is not None else [])
        bound = " and ".join(parts)
        scale = max(abs(b) for b in (at_least, at_most) if b is not None) or 1.0
        _log({"claim": what, "measured": value, "at_least": at_least, "at_most": at_most, "holds": ok,
              "margin": margin if math.isfinite(margin) else None, "relative_margin":
              margin / scale if math.isfinite(margin) else None})
    else:
        if not isinstance(holds, bool):
            holds = bool(holds)  # numpy bools and the like
        ok = holds
        bound = expected or "true"
        _log({"claim": what, "measured": _show(measured), "expected": bound, "holds": ok})
    if ok:
        if not quiet:
            print(f"✔ {what}: {_show(measured)} (claim: {bound})")
        return measured
    lines = [f"✘ A claim of this lesson did not hold on this machine: {what}",
             f"   expected: {bound}",
             f"   measured: {_show(measured)}"]
    if why:
        lines.append(f"   why it can differ: {why}")
    lines.append("   You can go on with the cells below (Run → Run All Below). If it fails again after "
                 "Kernel → Restart, please report it with this message.")
    raise ClaimFailed("\n".join(lines))
