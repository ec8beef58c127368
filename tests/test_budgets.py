"""The notebook budget plugin (conftest.py) counts every process a kernel starts.

Lesson 09's kernel starts a database server and a Ray cluster; Binder's 2 GB limit counts
them all. These tests run the plugin's measuring code on real child processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

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
