"""Is a model copy safe to load, and is it the copy the course expects?

- :func:`check_safe` refuses a folder that could make transformers or
  sentence-transformers run code from it (an ``auto_map`` in a config, ``*.py`` files, a
  ``modules.json`` stage outside sentence-transformers), *before* anything is loaded: the
  loaders also pass ``trust_remote_code=False``, so nothing asks "run the custom code?".
- :func:`weights_digest` is the sha256 of a copy's ``model.safetensors``, computed once per
  file and remembered (by path, size and times) in ``weights-digests.json`` in the course
  cache, so a warm embedding-cache hit stays fast and never imports torch.
- :func:`verify` compares that digest with the registry's (``ModelSpec.sha256``) and, for a
  copy inside a workshop bundle, with the bundle's manifest; a mismatch is a
  :class:`ModelIntegrityError` naming the copy.

Used by every lesson through :func:`helpers.models.locate`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from helpers.core import paths
from helpers.core.atomic import atomic_write
from helpers.core.env import MODEL_DIR_VAR, model_dir
from helpers.core.files import read_json
from helpers.errors import CourseError
from helpers.models.registry import ModelSpec, Spec

__all__ = ["MANIFEST", "WEIGHTS", "ModelIntegrityError", "UnsafeModelError", "check_safe", "expected_digest",
           "verify", "weights_digest"]

MANIFEST = "course-bundle.json"  # a workshop bundle's record of its files (helpers.env.bundle writes it)
WEIGHTS = "model.safetensors"
MEMO = "weights-digests.json"
Unsafe = Literal["auto-map", "python-files", "custom-module"]
_digests: dict[str, tuple[tuple[int, int, int], str]] = {}
_safe: dict[str, tuple[tuple[str, int, int], ...]] = {}


class UnsafeModelError(CourseError):
    """A model folder that could run its own code; ``path`` and ``reason`` (:data:`Unsafe`) say which and why."""

    def __init__(self, message: str, *, path: Path, reason: Unsafe) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason


class ModelIntegrityError(CourseError):
    """A copy whose weights are not the ones recorded for it: ``path``, ``expected`` and ``found`` digests."""

    def __init__(self, message: str, *, path: Path, expected: str, found: str | None) -> None:
        super().__init__(message)
        self.path = path
        self.expected = expected
        self.found = found


def _listing(path: Path) -> list[Path]:
    return sorted(p for p in Path(path).rglob("*") if not p.name.startswith(".") and p.is_file())


def check_safe(path: Path) -> None:
    """Raise :class:`UnsafeModelError` when the model folder ``path`` carries code of its own.

    Checked: ``*.py`` / ``*.pyc`` files anywhere in it, an ``auto_map`` in any of its JSON
    configs (what makes transformers offer to import the folder's code), and
    ``modules.json`` stages whose class is not sentence-transformers' own.
    """
    files = _listing(path)
    signature = tuple((p.as_posix(), *_stamp(p)[:2]) for p in files)
    if _safe.get(str(path)) == signature:
        return

    def refuse(reason: Unsafe, what: str) -> UnsafeModelError:
        return UnsafeModelError(
            f"refusing to load the model folder {path}: {what}. The course never runs code that comes "
            f"with a model (trust_remote_code=False); use a copy from `python -m helpers prefetch`, or "
            f"unset {MODEL_DIR_VAR} if it points at this folder.", path=Path(path), reason=reason)

    code = [p.relative_to(path).as_posix() for p in files if p.suffix in (".py", ".pyc")]
    if code:
        raise refuse("python-files", f"it holds Python code ({', '.join(code[:3])})")
    for p in files:
        if p.suffix != ".json" or p.stat().st_size > 8 << 20:
            continue
        data = p.read_bytes()
        if b"auto_map" not in data:
            continue
        with contextlib.suppress(ValueError):
            if isinstance(config := json.loads(data), dict) and "auto_map" in config:
                raise refuse("auto-map", f"{p.name} has an auto_map (custom model code: "
                             f"{json.dumps(config['auto_map'])[:120]})")
    with contextlib.suppress(OSError, ValueError):
        stages = json.loads((Path(path) / "modules.json").read_text())
        custom = [s.get("type") for s in stages if isinstance(s, dict)
                  and not str(s.get("type", "")).startswith("sentence_transformers.")]
        if custom:
            raise refuse("custom-module", f"modules.json names classes outside sentence-transformers ({custom[:2]})")
    _safe[str(path)] = signature


def _stamp(file: Path) -> tuple[int, int, int]:
    """Size and times of ``file``: when any changes (ctime changes on every write), the digest is recomputed."""
    info = os.stat(file)
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _memo_file() -> Path:
    return paths.cache_root() / MEMO


def weights_digest(path: Path) -> str | None:
    """sha256 of ``path/model.safetensors`` (None when the copy has no such file), computed once per file."""
    file = (Path(path) / WEIGHTS).resolve()
    if not file.is_file():
        return None
    key, stamp = str(file), _stamp(file)
    if key in _digests and _digests[key][0] == stamp:
        return _digests[key][1]
    try:
        memo = read_json(_memo_file())
    except (OSError, ValueError):
        memo = None
    memo = memo if isinstance(memo, dict) else {}
    found = memo.get(key)
    if isinstance(found, dict) and found.get("stamp") == list(stamp) and isinstance(found.get("sha256"), str):
        digest = found["sha256"]
    else:
        sha = hashlib.sha256()
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                sha.update(block)
        digest = sha.hexdigest()
        memo[key] = {"stamp": list(stamp), "sha256": digest}
        with contextlib.suppress(OSError):  # a read-only home: recompute next time, that is all
            atomic_write(_memo_file(), json.dumps(memo, indent=1, sort_keys=True))
    _digests[key] = (stamp, digest)
    return digest


def _manifest_digest(path: Path) -> str | None:
    """The sha256 a workshop bundle's manifest records for the weights of the copy at ``path``."""
    bundle = model_dir()
    if bundle is None:
        return None
    try:
        rel = Path(path).resolve().relative_to(bundle.resolve()).as_posix()
        manifest = read_json(bundle / MANIFEST)
        for item in manifest["items"].values():
            if item["path"] == rel:
                return str(item["files"][WEIGHTS]["sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # not in the bundle, or no usable record: helpers.env.bundle reports a foreign manifest
    return None


def expected_digest(spec: Spec, path: Path) -> str | None:
    """The weights' sha256 this copy must have: the registry's, else its bundle manifest's, else None."""
    if isinstance(spec, ModelSpec) and spec.sha256:
        return spec.sha256
    return _manifest_digest(path)


def verify(spec: Spec, path: Path) -> None:
    """Refuse a copy that could run code (:func:`check_safe`) or whose weights are not the recorded ones."""
    check_safe(path)
    expected = expected_digest(spec, path)
    if expected is None:
        return
    found = weights_digest(path)
    if found != expected:
        raise ModelIntegrityError(
            f"the copy of {spec.name} at {path} is not the one the course expects: its {WEIGHTS} has sha256 "
            f"{(found or 'none')[:12]}..., expected {expected[:12]}... (a damaged, tampered or different release). "
            f"Delete that copy and run `python -m helpers prefetch` again, or unset {MODEL_DIR_VAR} if it "
            "points there.", path=Path(path), expected=expected, found=found)
