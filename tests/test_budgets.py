"""The notebook budget plugin (conftest.py) counts every process a kernel starts, and scales time to the machine.

Lesson 09's kernel starts a database server and a Ray cluster; Binder's 2 GB limit counts
them all. These tests run the plugin's measuring code on real child processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import machine_speed
import pytest

from conftest import _kernel_peak_mb, _tree_mb, _TreeSampler

HOLD = "import sys, time; block = bytearray(int(sys.argv[1]) * 2**20); block[::4096] = b'x' * len(block[::4096]); " \
       "print('ready', flush=True); time.sleep(float(sys.argv[2]))"


def child(mb: int, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(mb), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


def test_the_tree_counts_a_child_s_memory():
    before = _tree_mb(os.getpid())
    process = child(200, 30)
    try:
        assert _tree_mb(os.getpid()) - before > 150, "a child holding 200 MB should add about 200 MB"
    finally:
        process.kill()
        process.wait()


def test_the_sampler_catches_a_child_that_is_gone_by_the_end():
    with _TreeSampler(os.getpid(), every=0.05) as sampler:
        start = _tree_mb(os.getpid())
        process = child(200, 0.5)
        process.wait()
        time.sleep(0.1)
    assert sampler.peak - start > 150, "the peak while the child lived must count it"
    assert _tree_mb(os.getpid()) - start < 100


def test_the_kernel_s_own_peak_is_read():
    assert _kernel_peak_mb(os.getpid()) > 10
    assert _kernel_peak_mb(2**22 + 7) == 0.0  # no such process


def test_the_time_budget_scales_with_the_machine_but_never_below_90_s_nor_beyond_three_times():
    reference = machine_speed.REFERENCE
    assert machine_speed.factor(dict(reference)) == pytest.approx(1.0)
    assert machine_speed.factor({name: s / 2 for name, s in reference.items()}) == 1.0          # faster: still 90 s
    assert machine_speed.factor({name: s * 2 for name, s in reference.items()}) == pytest.approx(2.0)
    assert machine_speed.factor({"encode": reference["encode"] * 3, "python": reference["python"]}) == pytest.approx(2.0)
    assert machine_speed.factor({name: s * 10 for name, s in reference.items()}) == machine_speed.MAX_FACTOR


def test_the_speed_workload_runs_and_times_both_parts():
    times = machine_speed.measure()
    assert set(times) == set(machine_speed.REFERENCE)
    assert all(0 < seconds < 60 for seconds in times.values()), times
