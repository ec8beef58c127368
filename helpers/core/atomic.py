"""Atomic file and folder writes, and the sweep of what a killed write leaves behind.

A file or folder is written under a temporary name that carries this process's id, then
renamed into place in one step, so a reader sees the whole thing or nothing. A write
killed midway leaves its temporary behind; :func:`sweep` removes those whose process is
gone (or that are older than a day), never the live temporary of another process, so two
runs on one folder never remove each other's work.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["PARTIAL", "atomic_folder", "atomic_write", "sweep"]

# Prefix of every temporary this course writes (".tmp" is also the suffix of temporary files).
# Unique to the course, so a sweep never takes a user's own ".partial-*" items for ours.
PARTIAL = ".course-partial-"
STALE_AFTER = 24 * 3600  # seconds: a temporary this old is stale whatever its process


def _tag() -> str:
    return f"{PARTIAL}{os.getpid()}-"


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """This process's umask (read once: setting it back and forth is not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _public(path: Path, mode: int) -> None:
    """Give a temporary the mode an ordinary file or folder gets (0644 / 0755 under umask 022).

    ``tempfile`` creates them 0600 / 0700, which would keep a bundle on a shared folder
    unreadable to every other user.
    """
    os.chmod(path, mode & ~_umask())


def atomic_write(path: Path, write: Callable[[IO[bytes]], object] | bytes | str) -> Path:
    """Write ``path`` atomically; ``write`` is the content, or a function given the open binary file.

    On any failure (a full disk, a size limit, a read-only folder) the temporary is removed
    before the error propagates, so a failed write never leaves a partial file behind.
    """
    if not (callable(write) or isinstance(write, (bytes, str))):
        raise TypeError(f"atomic_write needs the content as bytes, str or a function of the open file, "
                        f"got {type(write).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=_tag() + path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            if callable(write):
                write(tmp)
            else:
                tmp.write(write.encode() if isinstance(write, str) else write)
            tmp.flush()
            os.fsync(tmp.fileno())
        _public(Path(name), 0o666)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return path


def atomic_folder(dest: Path, fill: Callable[[Path], object]) -> Path:
    """Create folder ``dest`` atomically: ``fill`` writes into a temporary sibling, then one rename.

    If ``fill`` fails (or the process is killed), ``dest`` is left as it was. A ``dest``
    that exists already (a damaged copy) is swapped out and deleted.
    """
    if not callable(fill):
        raise TypeError(f"fill must be callable (it gets the temporary folder), got {fill!r}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=_tag() + dest.name + "-", dir=dest.parent))
    try:
        fill(tmp)
        if not any(tmp.iterdir()):
            raise RuntimeError(f"nothing was written for {dest.name}")
        _public(tmp, 0o777)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=_tag() + "old-", dir=dest.parent))
            dest.rename(old / dest.name)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _stale(path: Path, now: float) -> bool:
    """A temporary whose writer is gone: its pid is dead here, or it is older than a day."""
    try:
        if now - path.lstat().st_mtime > STALE_AFTER:
            return True
    except OSError:
        return False
    if not path.name.startswith(PARTIAL):  # not ours (or an old ``*.tmp``): age alone decides
        return False
    pid = path.name[len(PARTIAL):].split("-", 1)[0]
    return not pid.isdigit() or not _alive(int(pid))  # no pid: written before pids were recorded


def sweep(folder: Path, patterns: tuple[str, ...] = (f"{PARTIAL}*",)) -> list[Path]:
    """Remove stale temporaries matching ``patterns`` in ``folder``; return what was removed.

    Read-only folders (a bundle on a stick) are left alone: every reader ignores temporaries.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a folder path, got {type(folder).__name__}")
    folder = Path(folder)
    removed = []
    now = time.time()
    for pattern in patterns:
        for path in folder.glob(pattern):
            if not _stale(path, now):
                continue
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
