"""Errors that show learners a clear message instead of a traceback."""

from __future__ import annotations

__all__ = ["CourseError"]


class CourseError(RuntimeError):
    """An error whose message says what went wrong and how to fix it.

    IPython calls ``_render_traceback_`` when it exists, so a notebook shows the message
    alone, without pages of library internals.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]
