"""Lesson 09's Ray Data pipeline on a real multi-process Ray cluster on loopback.

The test starts the head node with `ray start --head` on a free port (its own temporary
folder, two CPUs, a token of its own), runs the very pipeline the notebook runs with `start_ray(address)`, and
stops the cluster by its process group, also when the test fails; then no process of it is left.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from helpers import data, distributed, fast_encoders
from helpers.core.net import answers, free_port

RAY = str(Path(sys.executable).with_name("ray"))
ROWS = [{"id": p.id, "topic": p.topic, "text": p.text} for p in data.load_corpus().passages[:24]]  # as DRIVER


@pytest.fixture
def cluster(monkeypatch):
    # Ray clusters started with `ray start` demand a token; head and driver share this one
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # one machine: every process on loopback
    port = free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    head = subprocess.Popen([RAY, "start", "--head", "--block", f"--port={port}", "--node-ip-address=127.0.0.1",
                             "--num-cpus=2", "--object-store-memory=80000000", "--include-dashboard=false",
                             f"--temp-dir={temp}", "--disable-usage-stats"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not answers("127.0.0.1", port, timeout=0.5):
            assert head.poll() is None, "ray start --head exited early"
            assert time.monotonic() < deadline, "the Ray head did not answer within 90 s"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", head
    finally:
        members = [psutil.Process(head.pid)]
        with contextlib.suppress(psutil.Error):
            members += members[0].children(recursive=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGTERM)  # ray start --block stops its cluster on SIGTERM
        _, alive = psutil.wait_procs(members, timeout=30)
        for p in alive:  # anything that left the process group or ignored SIGTERM
            with contextlib.suppress(psutil.Error):
                p.kill()
        head.wait(10)
        shutil.rmtree(temp, ignore_errors=True)


DRIVER = """
import sys
from helpers import data, distributed
rows = [{"id": p.id, "topic": p.topic, "text": p.text} for p in data.load_corpus().passages[:24]]
print(distributed.start_ray(sys.argv[1]))
distributed.encode_to_parquet(rows, sys.argv[2], workers=int(sys.argv[3]), batch_size=6)
"""


def run_driver(address: str, folder: Path, workers: int) -> str:
    """The notebook's lines in a process of their own, joining the cluster (as a second notebook would)."""
    done = subprocess.run([sys.executable, "-c", DRIVER, address, str(folder), str(workers)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_notebook_pipeline_runs_on_a_cluster(cluster, tmp_path):
    address, head = cluster
    assert "'CPU': 2.0" in run_driver(address, tmp_path / "vectors", workers=2)
    ids, emb, table = distributed.read_vectors(tmp_path / "vectors")
    assert ids == sorted(r["id"] for r in ROWS)
    local = fast_encoders.OnnxEncoder(fast_encoders.export_onnx(quiet=True), "float32", threads=1)
    text_of = {r["id"]: r["text"] for r in ROWS}
    assert np.abs(local.encode([text_of[i] for i in ids]) - emb).max() < 1e-5
    assert np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-4)
    assert len(set(table.column("worker").to_pylist())) == 2, "two actors should have shared the batches"
    # a rerun replaces the folder: no duplicate rows from the first run
    run_driver(address, tmp_path / "vectors", workers=1)
    assert distributed.read_vectors(tmp_path / "vectors")[0] == ids


def test_no_ray_process_is_left_behind():
    mine = [p for p in psutil.process_iter(["name", "cmdline"])
            if any(k in " ".join(p.info["cmdline"] or []) for k in ("raylet", "gcs_server", "ray::"))]
    assert mine == []


def test_an_address_that_does_not_answer_is_a_clear_error():
    started = time.monotonic()
    with pytest.raises(distributed.RayClusterError, match="ray start --head"):
        distributed.start_ray(f"127.0.0.1:{free_port()}")
    assert time.monotonic() - started < 10


def test_encode_to_parquet_needs_a_running_ray(tmp_path):
    import ray

    ray.shutdown()
    with pytest.raises(distributed.RayClusterError, match="start_ray"):
        distributed.encode_to_parquet(ROWS, tmp_path / "v")
    assert not (tmp_path / "v").exists()
