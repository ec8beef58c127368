"""Loading registered models, once per kernel, saying which copy ran.

Safetensors only; ``trust_remote_code=False`` everywhere, and a folder that carries code
of its own is refused before loading (:mod:`helpers.models.integrity`). Torch is imported (and seeded from
``COURSE_SEED``) only when a model is first loaded. Used by every lesson.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.models import copies as locating
from helpers.models.cross_encoder import CourseCrossEncoder
from helpers.models.registry import COURSE_RERANKER, DEFAULT_ENCODER, DEFAULT_RERANKER, get_spec

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder, SentenceTransformer

    from helpers.models.copies import ModelCopy

__all__ = ["load_cross_encoder", "load_encoder", "load_reranker", "load_transformer", "which"]

_LOADED: dict[tuple[str, str], tuple[Any, ModelCopy]] = {}


def _load(kind: str, name: str, quiet: bool, build: Callable[[Path], Any]) -> Any:
    """Build a model from the copy :func:`locate` gives once per kernel; say which copy ran, unless quiet.

    A model loaded earlier is reused only while :func:`locate` still gives the same copy
    (pointing ``COURSE_MODEL_DIR`` elsewhere loads the copy there), so the weights in memory
    are always those whose digest keys the embedding cache.
    """
    started = time.perf_counter()
    copy = locating.locate(name)
    if (kind, name) in _LOADED and _LOADED[(kind, name)][1].path == copy.path:
        model, copy = _LOADED[(kind, name)]
        if not quiet:
            print(f"Using {copy.describe()} (loaded earlier)")
        return model
    import torch
    from transformers.utils import logging as transformers_logging

    torch.manual_seed(int(os.environ.get("COURSE_SEED", "0")))
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()  # a local load takes seconds; its bar is noise
    try:
        model = build(copy.path)
    finally:
        if bars:
            transformers_logging.enable_progress_bar()
    if not quiet:
        print(f"Loaded {copy.describe()} in {time.perf_counter() - started:.1f} s")
    _LOADED[(kind, name)] = (model, copy)
    return model


def load_encoder(name: str = DEFAULT_ENCODER, *, quiet: bool = False) -> SentenceTransformer:
    """Load a registered sentence encoder on the CPU (once per kernel: later calls are free).

    >>> model = load_encoder()  # doctest: +SKIP
    Loaded all-MiniLM-L6-v2 · bundled offline copy (...) · revision c9745ed in 2.1 s
    """
    spec = get_spec(name)
    if spec.kind != "encoder":
        raise ValueError(f"{name} is a {spec.kind}, not a sentence encoder")

    def build(path: Path) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device="cpu", local_files_only=True, trust_remote_code=False,
                                   model_kwargs={"use_safetensors": True})

    return _load("encoder", name, quiet, build)


def load_transformer(name: str = DEFAULT_ENCODER, *, quiet: bool = False) -> tuple[Any, Any]:
    """Load ``(tokenizer, model)`` with transformers, to look inside an encoder (once per kernel; lesson 01)."""
    spec = get_spec(name)
    if spec.kind == "cross-encoder":
        raise ValueError(f"{name} is a cross-encoder; use load_cross_encoder()")

    def build(path: Path) -> tuple[Any, Any]:
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
        model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True, trust_remote_code=False)
        return tokenizer, model.eval()

    return _load("transformer", name, quiet, build)


def load_cross_encoder(name: str = DEFAULT_RERANKER, *, quiet: bool = False) -> CrossEncoder:
    """Load a registered cross-encoder for reranking (lesson 06); a course-trained one too."""
    spec = get_spec(name)
    if spec.kind != "cross-encoder":
        raise ValueError(f"{name} is a {spec.kind}, not a cross-encoder")
    if spec.source_kind == "course-trained":
        return _load("cross-encoder", name, quiet, CourseCrossEncoder)

    def build(path: Path) -> CrossEncoder:
        from sentence_transformers import CrossEncoder

        return CrossEncoder(str(path), device="cpu", local_files_only=True, trust_remote_code=False,
                            model_kwargs={"use_safetensors": True})

    return _load("cross-encoder", name, quiet, build)


def which(model: Any) -> str:
    """Which copy a model loaded by this module came from, e.g. to label a results table."""
    for loaded, copy in _LOADED.values():
        if loaded is model:
            return copy.describe()
    raise ValueError("this model was not loaded through helpers.models; load it with load_encoder/load_reranker")


def load_reranker(*, quiet: bool = False) -> CrossEncoder:
    """The lesson-06 reranker: ms-marco-MiniLM-L-6-v2 where a copy can be had, else the course's own.

    The course-trained cross-encoder (``python -m helpers train-reranker``, or
    ``helpers.train.ensure("course-reranker")`` in lesson 06) is the offline path; the
    printed line says which of the two ran, and why.
    """
    if not isinstance(quiet, bool):
        raise TypeError(f"quiet must be True or False, got {quiet!r}")
    try:
        return load_cross_encoder(DEFAULT_RERANKER, quiet=quiet)
    except locating.ModelUnavailableError as exc:
        unavailable = f"{DEFAULT_RERANKER} is unavailable ({exc.why})"
        hub_reason = exc.reason
    if locating.find_trained(COURSE_RERANKER) is None:
        raise locating.ModelUnavailableError(
            f"{unavailable}, and the course-trained reranker has not been trained on this machine. "
            "To fix: run `python -m helpers train-reranker` (a few minutes, once), or "
            "`python -m helpers prefetch` while online.", model=COURSE_RERANKER, reason="not-trained",
            why=f"{DEFAULT_RERANKER}: {hub_reason}; {COURSE_RERANKER}: not trained")
    if not quiet and ("cross-encoder", COURSE_RERANKER) not in _LOADED:
        print(f"{unavailable}; using the reranker trained by this course instead.")
    return load_cross_encoder(COURSE_RERANKER, quiet=quiet)
