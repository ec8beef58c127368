"""Where a course-trained model is written: one folder per fingerprint, made atomically.

Each trainer in :mod:`helpers.train` asks :func:`already_trained` first, then trains and
hands :func:`save` a function that writes the weights and a record of the run; the folder
appears in one rename, with a ``training.json`` that says what went in (never a test query).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from helpers.core.atomic import atomic_folder
from helpers.models import copies as locating
from helpers.models.registry import EncoderRecipe, Recipe, TrainedSpec

__all__ = ["already_trained", "save"]


def already_trained(entry: TrainedSpec, root: Path | None, recipe: Recipe | EncoderRecipe) -> tuple[Path, Path | None]:
    """(the folder this recipe trains into, a finished copy found for it or None).

    With the default ``root`` a copy in the workshop bundle counts too.
    """
    out = locating.trained_dir(root, recipe, name=entry.name)
    if root is None:
        return out, locating.find_trained(entry.name, recipe)
    return out, (out if locating.is_finished(out) else None)


def save(out: Path, entry: TrainedSpec, recipe: Recipe | EncoderRecipe, write_model: Callable[[Path], object],
         record: dict, started: float) -> Path:
    """Write the model and ``training.json`` into ``out`` atomically; return ``out``."""
    import torch

    def fill(folder: Path) -> None:
        write_model(folder)
        full = {"name": entry.name, "fingerprint": entry.fingerprint(recipe), "recipe": asdict(recipe), **record,
                "test_queries_used": [], "seconds": round(time.perf_counter() - started, 1),
                "torch_threads": torch.get_num_threads()}
        (folder / "training.json").write_text(json.dumps(full, indent=1))

    atomic_folder(out, fill)
    return out

