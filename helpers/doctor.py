"""The doctor's old home: see :mod:`helpers.env.doctor`. Introduced in lesson 00.

Lessons: 00.
"""

from __future__ import annotations

from helpers.env.doctor import CHECKS, Line, Report, check_bundle, check_encoder, check_models, run

__all__ = ["CHECKS", "Line", "Report", "check_bundle", "check_encoder", "check_models", "run"]
