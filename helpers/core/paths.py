"""Where the course keeps its files: the shipped data, and one cache root for the rest.

The cache root is ``.cache`` in a writable checkout, else ``~/.cache/embeddings-course``.
Under it: ``embeddings/`` (``$COURSE_CACHE_DIR`` overrides it), ``models/`` (course-trained
models) and ``beir/``. The Hugging Face cache stays where huggingface_hub puts it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_DIR", "REPO", "cache_root", "embeddings_dir", "models_dir"]

PACKAGE = Path(__file__).resolve().parent.parent
REPO = PACKAGE.parent
DATA_DIR = PACKAGE / "data" / "course"  # the course dataset, shipped inside the package


def cache_root() -> Path:
    """The course's cache folder: ``.cache`` in a writable checkout, else ``~/.cache/embeddings-course``."""
    if (REPO / "pyproject.toml").exists() and os.access(REPO, os.W_OK):
        return REPO / ".cache"
    return Path.home() / ".cache" / "embeddings-course"


def embeddings_dir() -> Path:
    """Where embeddings are cached: ``$COURSE_CACHE_DIR``, else ``embeddings`` in :func:`cache_root`."""
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"])
    return cache_root() / "embeddings"


def models_dir() -> Path:
    """Where course-trained models are written: ``models`` in :func:`cache_root`."""
    return cache_root() / "models"
