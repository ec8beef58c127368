"""The course reranker's old home, kept so existing code keeps working.

The model class and the lookup live in :mod:`helpers.models` (``CourseCrossEncoder``,
``find_trained``, the registry entry ``course-reranker`` with its :class:`Recipe`); the
training data and the training in :mod:`helpers.train`. Used in lesson 06.
"""

from __future__ import annotations

from pathlib import Path

from helpers import data
from helpers.models import copies as _locate
from helpers.models.cross_encoder import CourseCrossEncoder
from helpers.models.registry import Recipe
from helpers.train.groups import Group
from helpers.train.reranker import NAME, fingerprint, groups, spec, train

__all__ = ["DESIGN", "NAME", "RECIPE", "CourseCrossEncoder", "Recipe", "find_trained", "fingerprint", "spec",
           "train", "trained_dir", "training_groups"]

RECIPE: Recipe = spec().recipe
DESIGN: str = spec().design


def trained_dir(root: Path | None = None, recipe: Recipe | None = None) -> Path:
    """Where the copy trained with ``recipe`` lives under ``root`` (default: the course cache)."""
    return _locate.trained_dir(root, spec(recipe).recipe, name=NAME)


def find_trained(recipe: Recipe | None = None) -> Path | None:
    """A finished trained copy: in the workshop bundle ($COURSE_MODEL_DIR) first, then the cache."""
    return _locate.find_trained(NAME, spec(recipe).recipe)


def training_groups(corpus: data.Corpus, recipe: Recipe | None = None) -> list[Group]:
    """(query, relevant passage, hard negatives) from pseudo-queries and dev queries; never test."""
    return groups(corpus, recipe)

