"""The one reader of the course's pinned versions, used by the Colab setup, the doctor and the tests.

Pins are written once, in pyproject.toml (``name==version``, each with its reason). This
module reads them from the installed package's metadata, or from a pyproject.toml file,
into :class:`Pin` rows. Used in lesson 00 (the doctor and the Colab setup cell).
"""

from __future__ import annotations

import importlib.metadata as md
import re
from dataclasses import dataclass
from pathlib import Path

import tomllib

__all__ = ["DIST", "Pin", "canonical", "read"]

DIST = "embeddings-course-helpers"
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Pin:
    """One exact pin: a distribution, its version, and the extra it belongs to (None: core)."""

    name: str  # canonical: lower case, "-" for "_" and "."
    version: str
    extra: str | None = None


def canonical(name: str) -> str:
    """A distribution name as pip compares them: ``PyStemmer`` -> ``pystemmer``."""
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _parse(lines: list[str], extra: str | None = None) -> list[Pin]:
    from packaging.requirements import Requirement

    pins = []
    for line in lines:
        req = Requirement(line)
        where = extra
        if req.marker is not None:
            extras = _EXTRA.findall(str(req.marker))
            if req.marker.evaluate({"extra": ""}):
                where = extra
            elif extras and req.marker.evaluate({"extra": extras[0]}):
                where = extras[0]
            else:
                continue  # not for this Python
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if exact:
            pins.append(Pin(canonical(req.name), exact[0], where))
    return pins


def read(pyproject: Path | None = None) -> list[Pin]:
    """Every exact pin: from ``pyproject`` (a pyproject.toml path), else from the installed package.

    Raises ``importlib.metadata.PackageNotFoundError`` when the helpers are not installed.
    """
    if pyproject is None:
        return _parse(md.requires(DIST) or [])
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    pins = _parse(project.get("dependencies", []))
    for extra, lines in project.get("optional-dependencies", {}).items():
        pins += _parse(lines, extra)
    return pins
