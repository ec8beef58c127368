"""What the maintenance tools share: the course config, badges, and notebook I/O."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
NAME_RE = re.compile(r"^\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
BADGE_LINE_START = "[![Open In Colab]"


def config() -> dict:
    """The ``[tool.course]`` table of pyproject.toml: github repo and branch (the one ref badges and installs use)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["course"]


def colab_url(path: str) -> str:
    cfg = config()
    return f"https://colab.research.google.com/github/{cfg['github']}/blob/{cfg['branch']}/{path}"


def binder_url(path: str) -> str:
    cfg = config()
    return f"https://mybinder.org/v2/gh/{cfg['github']}/{cfg['branch']}?urlpath=lab/tree/{path}"


def badges(path: str) -> str:
    """The Colab and Binder badges for the notebook at repository path ``path``."""
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(path)})"
    )


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialize as Jupyter itself does, so saving from JupyterLab causes no churn."""
    return nbformat.writes(nb) + "\n"


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))

SETUP_CELL = """\
# Setup, the same in every lesson. On Colab: install the course helpers, add only what
# Colab lacks (torch and numpy are left alone). Elsewhere `make lab` installed everything.
import sys

if "google.colab" in sys.modules:
    %pip install -q --no-deps "embeddings-course-helpers @ git+https://github.com/{github}@{ref}"
    import helpers.colab

    helpers.colab.install_missing()

import helpers

helpers.setup(seed=0)"""


def setup_cell() -> str:
    """The canonical setup cell: installs the helpers from the very ref the Colab badge opens."""
    cfg = config()
    return SETUP_CELL.format(github=cfg["github"], ref=cfg["branch"])
