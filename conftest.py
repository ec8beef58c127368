"""Notebook budgets: wall time and peak memory of each notebook's kernel.

nbval runs every notebook in solutions/ and lessons/ in a kernel of its own. This plugin
times each notebook from kernel start to last cell, reads the kernel's peak resident memory
(Linux VmHWM, children included) after every cell, prints a table at the end of the run,
writes reports/notebooks.csv, and fails a notebook's last cell when it is over budget.
It also turns on strict exercise checks for solutions/ (a wrong solution fails its check).

Claims that travel: lessons/ run in another numeric environment than solutions/, so a
claim that holds only for one machine's last bits fails here on every machine. Solutions
run with the machine's defaults (all threads, best CPU kernels, the warm embedding cache);
lessons run as on Binder and a typical laptop: torch's AVX2 kernels
(``ATEN_CPU_CAPABILITY=avx2``), one thread for torch and Faiss (``OMP_NUM_THREADS=1``), and
an empty embedding cache of their own (``COURSE_CACHE_DIR``), so they encode everything
cold instead of reading what the solutions cached.
"""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import tempfile
import time
from pathlib import Path

import psutil
import pytest

MAX_SECONDS = 90
MAX_MB = 1536
ROOT = Path(__file__).resolve().parent
REPORT = ROOT / "reports" / "notebooks.csv"
_runs: dict[str, dict] = {}
_LESSON_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "OMP_NUM_THREADS": "1"}
_saved_env = {name: os.environ.get(name) for name in [*_LESSON_ENV, "COURSE_CACHE_DIR"]}
_lesson_cache: list[str] = []


def _numeric_environment(folder: str) -> None:
    """Set the environment the next notebook kernel inherits: the machine's own, or the lessons'."""
    for name, value in _saved_env.items():  # back to what the run started with
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if folder == "lessons":
        if not _lesson_cache:
            _lesson_cache.append(tempfile.mkdtemp(prefix="course-lessons-cache-"))
            atexit.register(shutil.rmtree, _lesson_cache[0], True)
        os.environ.update(_LESSON_ENV, COURSE_CACHE_DIR=_lesson_cache[0])


def _is_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _peak_mb(pid: int) -> float:
    """Peak RSS of a process plus the peaks of its live children, in MB."""
    total = 0
    try:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    except (psutil.Error, OSError):
        pass
    return total / 1024


def _notebook(item) -> str:
    return str(Path(item.parent.path).relative_to(ROOT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if _is_cell(item) and _notebook(item) not in _runs:
        # Set before the notebook's kernel starts (it inherits this environment).
        strict = _notebook(item).startswith("solutions")
        os.environ["HELPERS_CHECK_STRICT"] = "1" if strict else "0"
        os.environ["HF_HUB_OFFLINE"] = "1"
        _numeric_environment(_notebook(item).split("/")[0])
        _runs[_notebook(item)] = {"start": time.perf_counter(), "peak_mb": 0.0, "seconds": 0.0}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    yield
    if _is_cell(item):
        run = _runs[_notebook(item)]
        run["seconds"] = time.perf_counter() - run["start"]
        kernel = item.parent.kernel
        if kernel is not None:
            run["peak_mb"] = max(run["peak_mb"], _peak_mb(kernel.km.provisioner.pid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    is_last = _is_cell(item) and item.cell_num == max(
        c.cell_num for c in item.parent.session.items if _is_cell(c) and c.parent is item.parent)
    if call.when == "call" and is_last and report.passed:
        run = _runs[_notebook(item)]
        over = []
        if run["seconds"] > MAX_SECONDS:
            over.append(f"{run['seconds']:.0f} s > {MAX_SECONDS} s")
        if run["peak_mb"] > MAX_MB:
            over.append(f"{run['peak_mb']:.0f} MB > {MAX_MB} MB")
        if over:
            report.outcome = "failed"
            report.longrepr = f"{_notebook(item)} is over its budget: {', '.join(over)}"


def pytest_terminal_summary(terminalreporter):
    if not _runs:
        return
    REPORT.parent.mkdir(exist_ok=True)
    with open(REPORT, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["notebook", "seconds", "peak_mb"])
        for name, run in _runs.items():
            writer.writerow([name, f"{run['seconds']:.1f}", f"{run['peak_mb']:.0f}"])
    tr = terminalreporter
    tr.section("notebook budgets (90 s, 1536 MB each)")
    tr.write_line(f"{'notebook':<40} {'seconds':>8} {'peak MB':>8}")
    for name, run in _runs.items():
        flag = "" if run["seconds"] <= MAX_SECONDS and run["peak_mb"] <= MAX_MB else "  OVER BUDGET"
        tr.write_line(f"{name:<40} {run['seconds']:>8.1f} {run['peak_mb']:>8.0f}{flag}")
    tr.write_line(f"written to {REPORT.relative_to(ROOT)}")
