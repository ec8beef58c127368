"""Training the course's own models, and building them when a lesson first needs them.

- :mod:`~helpers.train.groups`: training data from the corpus alone (pseudo-queries,
  hard negatives; never a test query);
- :mod:`~helpers.train.reranker`: lesson 06's course-trained cross-encoder;
- :mod:`~helpers.train.encoder`: lesson 07's fine-tuned encoder;
- :mod:`~helpers.train.store`: the atomic, fingerprinted folder each one trains into.

:func:`ensure` is what a lesson cell calls: it returns at once when a trained copy (or
the Hub model it stands in for) is here, else says how long training takes and trains
with a progress bar. Loading (:mod:`helpers.models`) never imports this package.
Used in lessons 06 and 07.

Lessons: 06, 07, 08, 12.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers.models import copies as locating
from helpers.models import hub
from helpers.models.registry import TrainedSpec, get_spec

__all__ = ["TRAINERS", "ensure"]


def _train_reranker() -> Path:
    from helpers.train import reranker

    return reranker.train()


def _train_encoder() -> Path:
    from helpers.train import encoder

    return encoder.train()


# How each course-trained model in the registry is built (name -> trainer).
TRAINERS: dict[str, Callable[[], Path]] = {"course-reranker": _train_reranker, "course-finetuned": _train_encoder}


def _hub_copy_here(name: str | None) -> str | None:
    """Which copy of the Hub model ``name`` can be had without training ("cache", "bundled", "hub")."""
    if name is None:
        return None
    copies = locating.available_copies(name)
    if copies:
        return copies[0]
    return "hub" if hub.hub_reachable() else None


def ensure(name: str = "course-reranker", *, quiet: bool = False) -> Path | None:
    """Make sure the course-trained model ``name`` can be loaded; train it when it cannot.

    Returns the trained copy's folder; or None when the Hub model it stands in for is
    here (cached, bundled or downloadable), so nothing needs training. Otherwise prints the
    measured training time and trains once, with a progress bar.

    >>> helpers.train.ensure("course-reranker")  # doctest: +SKIP
    course-reranker: trained copy found at .cache/models/course-reranker-1a2b3c4d5e6f
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a registered model name (a string), got {type(name).__name__}")
    spec = get_spec(name)
    if not isinstance(spec, TrainedSpec):
        raise ValueError(f"{name} is a Hub model, not one the course trains; load it with helpers.models")
    found = locating.find_trained(name)
    if found:
        if not quiet:
            print(f"{name}: trained copy found at {found}")
        return found
    instead = _hub_copy_here(spec.stands_in_for)
    if instead:
        if not quiet:
            print(f"{name}: not needed, {spec.stands_in_for} is available ({instead})")
        return None
    print(f"{name}: not trained on this machine yet. Training it now, once: about "
          f"{spec.train_seconds // 60 + 1} minutes on a 2-core laptop ({spec.train_seconds} s measured); "
          "later runs reuse it.", flush=True)
    return TRAINERS[name]()
