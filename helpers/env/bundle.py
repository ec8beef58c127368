"""The offline workshop bundle: one folder of models an instructor copies to every laptop.

``python -m helpers prefetch --dir BUNDLE`` fills ``BUNDLE`` (:mod:`helpers.env.prefetch`)
and ``COURSE_MODEL_DIR=BUNDLE`` points the course at it (:func:`helpers.models.cache_dirs`).
Layout::

    BUNDLE/
      course-bundle.json                                  what is inside, with sizes and sha256
      models--sentence-transformers--all-MiniLM-L6-v2/
        snapshots/<pinned revision>/model.safetensors ... Hugging Face cache layout
      course/<name>/                                      course-trained models and other extras

Snapshots hold plain files, never the symlinks a Hugging Face cache uses, so the folder
survives a copy to a FAT/exFAT USB stick or a Windows share. Every folder is written under
a temporary name and renamed into place when complete (:func:`helpers.core.atomic_folder`).
This module reads and records; it works from a read-only stick. Guide: docs/instructors.md.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.core.atomic import PARTIAL, atomic_folder, atomic_write
from helpers.core.files import read_json
from helpers.errors import CourseError
from helpers.models.copies import EXTRAS_DIR, find_extra
from helpers.models.hub import ALLOW_PATTERNS, snapshot_dir
from helpers.models.integrity import MANIFEST, WEIGHTS, weights_digest

__all__ = ["EXTRAS_DIR", "MANIFEST", "PARTIAL", "BundleError", "add_folder", "check", "copy_tree", "find_extra",
           "install_folder", "record", "snapshot_dir", "wanted"]

class BundleError(CourseError):
    """A folder whose ``course-bundle.json`` this course did not write (``path`` names the manifest)."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


def wanted(path: Path) -> bool:
    """A model file the course needs (configs, vocab, safetensors), by name."""
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in ALLOW_PATTERNS)


def copy_tree(source: Path, dest: Path, keep: Callable[[Path], bool] = lambda p: True) -> None:
    """Copy the files of ``source`` into ``dest``, following symlinks (HF cache blobs)."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts[0].startswith(".") or not path.is_file() or not keep(path):
            continue  # skips .cache/huggingface metadata and .gitattributes
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)


def install_folder(dest: Path, fill: Callable[[Path], object]) -> Path:
    """Create ``dest`` atomically (see :func:`helpers.core.atomic_folder`)."""
    return atomic_folder(dest, fill)


def add_folder(root: Path, name: str, source: Path) -> Path:
    """Copy the folder ``source`` into the bundle at ``root`` as ``course/<name>``, atomically.

    The hook for the course's own artefacts (see :data:`helpers.env.prefetch.EXTRAS`);
    records it in the manifest.
    """
    if not source.is_dir():
        raise ValueError(f"{source} is not a folder; cannot add it to the bundle as {name!r}")
    dest = atomic_folder(root / EXTRAS_DIR / name, lambda tmp: copy_tree(source, tmp))
    record(root, name, dest, revision=None)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _foreign(manifest: object) -> str:
    """What makes ``manifest`` not one of ours ("" when it is: items of path and files with bytes and sha256)."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("items"), dict):
        return "it has no \"items\" table"
    for name, item in manifest["items"].items():
        if not (isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("files"), dict)
                and all(isinstance(f, dict) and isinstance(f.get("bytes"), int) and isinstance(f.get("sha256"), str)
                        for f in item["files"].values())):
            return f"its item {name!r} lacks a path or files with bytes and sha256"
    return ""


def _digest(path: Path) -> str | None:
    """sha256 of ``path``: remembered for weights files (see :func:`helpers.models.weights_digest`)."""
    if path.name == WEIGHTS:
        return weights_digest(path.parent)
    return _sha256(path)


def read_manifest(root: Path) -> dict[str, Any]:
    """The bundle's manifest, or an empty one when there is none (or it is not JSON).

    A JSON ``course-bundle.json`` of another shape (another tool's file of that name) is a
    :class:`BundleError`: this course neither trusts nor overwrites it.
    """
    try:
        manifest = read_json(root / MANIFEST)
    except (OSError, ValueError):
        manifest = None
    if manifest is None:
        return {"format": 1, "items": {}}
    problem = _foreign(manifest)
    if problem:
        raise BundleError(f"{root / MANIFEST} was not written by this course ({problem}); point "
                          f"COURSE_MODEL_DIR / prefetch --dir at another folder, or remove that file",
                          path=root / MANIFEST)
    return manifest


def record(root: Path, name: str, folder: Path, revision: str | None) -> None:
    """Add ``folder`` to the manifest (written atomically)."""
    manifest = read_manifest(root)
    files = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest["items"][name] = {"path": folder.relative_to(root).as_posix(), "revision": revision,
                               "files": files}
    atomic_write(root / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def check(root: Path, *, deep: bool = True, names: list[str] | None = None) -> dict[str, list[str]]:
    """Compare a bundle with its manifest: ``{item: [problems]}``, empty lists when whole.

    ``deep`` compares every file's sha256 (about a second per 100 MB); otherwise sizes, and
    the sha256 of the weights (``*.safetensors``), computed once per file and remembered
    (:func:`helpers.models.weights_digest`), so a same-size swapped file is caught.
    Reads only, so it runs on a read-only stick or a laptop's copy of one.
    """
    manifest = read_manifest(root)
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
            elif (deep or path.name.endswith(".safetensors")) and _digest(path) != expected["sha256"]:
                problems.append(f"{rel} differs from the copy prefetch wrote (sha256)")
        result[name] = problems
    return result
