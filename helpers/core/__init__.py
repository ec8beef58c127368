"""The core layer: input validation, paths and environment variables, atomic file writes.

Every other layer imports from here; this layer imports nothing else from ``helpers``
(except :mod:`helpers.errors`). Used by every lesson through the modules above it.

Lessons: 09.
"""

from __future__ import annotations

from helpers.core.atomic import atomic_folder, atomic_write, sweep
from helpers.core.env import MODEL_DIR_VAR, hub_offline, model_dir
from helpers.core.paths import DATA_DIR, cache_root, embeddings_dir, models_dir
from helpers.core.validate import check_positive_int, check_texts

__all__ = [
    "DATA_DIR",
    "MODEL_DIR_VAR",
    "atomic_folder",
    "atomic_write",
    "cache_root",
    "check_positive_int",
    "check_texts",
    "embeddings_dir",
    "hub_offline",
    "model_dir",
    "models_dir",
    "sweep",
]
