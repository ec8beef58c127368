"""Notebook budgets: wall time and peak memory of each notebook's kernel and every process it starts.

nbval runs every notebook in solutions/ and lessons/ in a kernel of its own. This plugin
times each notebook from kernel start to last cell and measures its peak memory two ways:
the kernel's own peak resident memory (Linux VmHWM, read after every cell), and the memory
of the kernel's whole process tree (a database server, a Ray cluster's processes), sampled
five times a second while a cell runs. The tree is summed as PSS (proportional set size):
a page shared by several processes (a library, Ray's object store) counts once in all, as
it does in the memory limit that stops a Binder session. The notebook's peak is the larger
of the two. The plugin prints a table at the end of the run, writes reports/notebooks.csv,
and fails a notebook's last cell when it is over budget.
It also turns on strict exercise checks for solutions/ (a wrong solution fails its check).

The 90 s hold on the reference machine: the run first times a short workload on this machine
(tools/machine_speed.py) and allows each notebook 90 s times how much slower this machine is
(at least 1, at most 3), so that a slow CI machine does not fail a notebook that fits. The
table prints the factor and the seconds as measured.

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
import contextlib
import csv
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import machine_speed
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
_speed: dict[str, float] = {}  # this machine's workload times and budget factor, measured before the first notebook


def _max_seconds() -> float:
    """This run's time budget per notebook: 90 s on the reference machine, scaled to this one."""
    if not _speed:
        times = machine_speed.measure()
        _speed.update(times, factor=machine_speed.factor(times))
    return MAX_SECONDS * _speed["factor"]


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


def _kernel_peak_mb(pid: int) -> float:
    """The kernel's own peak resident memory (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_mb(pid: int) -> float:
    """The PSS of a process and all its descendants now, in MB (a process that exits meanwhile counts 0)."""
    total = 0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in processes:
        try:
            for line in Path(f"/proc/{p.pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            pass
    return total / 1024


class _TreeSampler:
    """Samples the tree's memory in a thread while a cell runs; ``peak`` is the largest sample."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, _tree_mb(self.pid))
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_mb(self.pid))


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
        _max_seconds()  # the speed workload runs once, before the first notebook's clock starts
        _runs[_notebook(item)] = {"start": time.perf_counter(), "peak_mb": 0.0, "seconds": 0.0}
    yield


def _kernel_pid(item) -> int | None:
    kernel = item.parent.kernel
    return kernel.km.provisioner.pid if kernel is not None else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not _is_cell(item):
        yield
        return
    pid = _kernel_pid(item)  # None before the notebook's kernel has started
    tree = _TreeSampler(pid) if pid is not None else contextlib.nullcontext()
    with tree:
        yield
    run = _runs[_notebook(item)]
    run["seconds"] = time.perf_counter() - run["start"]
    pid = _kernel_pid(item)
    if pid is not None:
        run["peak_mb"] = max(run["peak_mb"], _kernel_peak_mb(pid), getattr(tree, "peak", 0.0))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    is_last = _is_cell(item) and item.cell_num == max(
        c.cell_num for c in item.parent.session.items if _is_cell(c) and c.parent is item.parent)
    if call.when == "call" and is_last and report.passed:
        run = _runs[_notebook(item)]
        over = []
        if run["seconds"] > _max_seconds():
            over.append(f"{run['seconds']:.0f} s > {_max_seconds():.0f} s (90 s on the reference machine; this one is "
                        f"{_speed['factor']:.2f} times slower)")
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
        writer.writerow(["notebook", "seconds", "peak_mb", "budget_s"])
        for name, run in _runs.items():
            writer.writerow([name, f"{run['seconds']:.1f}", f"{run['peak_mb']:.0f}", f"{_max_seconds():.0f}"])
    tr = terminalreporter
    tr.section(f"notebook budgets ({_max_seconds():.0f} s, {MAX_MB} MB each)")
    tr.write_line(f"this machine: speed workload {_speed['encode']:.2f} s encoding, {_speed['python']:.2f} s Python "
                  f"(reference {machine_speed.REFERENCE['encode']:.2f} s, {machine_speed.REFERENCE['python']:.2f} s): "
                  f"budget factor {_speed['factor']:.2f}, {MAX_SECONDS} s x {_speed['factor']:.2f} = {_max_seconds():.0f} s")
    tr.write_line(f"{'notebook':<40} {'seconds':>8} {'peak MB':>8}")
    for name, run in _runs.items():
        flag = "" if run["seconds"] <= _max_seconds() and run["peak_mb"] <= MAX_MB else "  OVER BUDGET"
        tr.write_line(f"{name:<40} {run['seconds']:>8.1f} {run['peak_mb']:>8.0f}{flag}")
    tr.write_line(f"written to {REPORT.relative_to(ROOT)}")
