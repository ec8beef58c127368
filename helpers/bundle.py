"""The workshop bundle's old home, kept so existing code keeps working.

Reading and recording a bundle: :mod:`helpers.env.bundle`; filling it (prefetch):
:mod:`helpers.env.prefetch`. Used by instructors (docs/instructors.md).
"""

from __future__ import annotations

from helpers.env.bundle import (
    EXTRAS_DIR,
    MANIFEST,
    PARTIAL,
    add_folder,
    check,
    find_extra,
    install_folder,
    snapshot_dir,
)
from helpers.env.prefetch import EXTRAS, Extra, Outcome, Report, build, course_extras, verify_encoder

__all__ = ["EXTRAS", "EXTRAS_DIR", "MANIFEST", "PARTIAL", "Extra", "Outcome", "Report", "add_folder", "build",
           "check", "course_extras", "find_extra", "install_folder", "snapshot_dir", "verify_encoder"]
