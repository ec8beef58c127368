"""Model access on hostile ground: a stalled network, a folder that brings code, swapped weights, long queries."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import models
from helpers.env import doctor
from helpers.models import hub, integrity, load

ENCODER = models.get_spec("all-MiniLM-L6-v2")
BUNDLED = hub.bundled(ENCODER)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def silent_server(monkeypatch, tmp_path):
    """A server on 127.0.0.1 that accepts TCP and never says a word (a captive portal, a broken proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "COURSE_MODEL_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    models.hub_reachable.cache_clear()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        server.close()
        models.hub_reachable.cache_clear()


def test_a_stalled_hub_is_decided_in_seconds_and_the_bundled_copy_loads(silent_server, monkeypatch):
    port, accepted = silent_server
    monkeypatch.setenv("HF_ENDPOINT", f"https://127.0.0.1:{port}")
    monkeypatch.setattr(load, "_LOADED", {})
    monkeypatch.setattr(hub, "download", lambda *a, **k: pytest.fail("the Hub was called"))
    started = time.perf_counter()
    assert hub.endpoint() == ("https", "127.0.0.1", port)  # the endpoint's own port, not 443
    assert models.hub_reachable() is False
    assert accepted, "the probe never reached the endpoint's port"
    seen = len(accepted)
    assert models.hub_reachable() is False and len(accepted) == seen  # remembered: no second probe
    lines = {line.name: line for line in doctor.check_models()}
    assert "offline" in lines["hub"].detail
    assert models.locate("all-MiniLM-L6-v2").source == "bundled"
    # Everything that touches the network is done: a stalled handshake used to take minutes here.
    # (Importing torch and building the model, next, take 5 s on an idle 2-core machine, more on
    # a busy one, and involve no network: they are not part of this bound.)
    assert time.perf_counter() - started < 15
    model = models.load_encoder(quiet=True)
    assert "bundled offline copy" in models.which(model)
    emb = model.encode(["A stalled network must not hold the first cell."])
    assert emb.shape == (1, 384)


def test_an_http_endpoint_with_a_port_is_probed_there(silent_server, monkeypatch):
    port, accepted = silent_server
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}/")
    assert models.hub_reachable() is True  # plain http: an open port answers
    deadline = time.monotonic() + 5  # the kernel completes the connection before the server thread's accept() returns
    while not accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert accepted
    # a local copy at the pinned revision is used before any Hub call, online or not
    monkeypatch.setattr(hub, "download", lambda *a, **k: pytest.fail("the Hub was called"))
    assert models.locate("all-MiniLM-L6-v2").source == "bundled"


def _bundle_copy(root: Path, config_changes: dict, files: dict[str, str]) -> Path:
    """A copy of the bundled MiniLM at the pinned revision in a bundle at ``root`` (weights linked)."""
    snap = hub.snapshot_dir(root, ENCODER)
    shutil.copytree(BUNDLED, snap, ignore=shutil.ignore_patterns("model.safetensors"))
    (snap / "model.safetensors").symlink_to(BUNDLED / "model.safetensors")
    config = json.loads((snap / "config.json").read_text())
    (snap / "config.json").write_text(json.dumps({**config, **config_changes}))
    for name, text in files.items():
        (snap / name).write_text(text)
    return snap


EVIL = {"auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}, "model_type": "evil-unknown"}


def test_a_folder_with_an_auto_map_is_refused_before_loading(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path))
    snap = _bundle_copy(tmp_path, EVIL, {})
    with pytest.raises(models.UnsafeModelError, match="auto_map") as info:
        models.locate("all-MiniLM-L6-v2")
    assert info.value.reason == "auto-map" and info.value.path == snap
    (snap / "config.json").write_text((BUNDLED / "config.json").read_text())
    (snap / "1_Pooling" / "helper.py").write_text("")
    with pytest.raises(models.UnsafeModelError, match="Python code") as info:
        models.locate("all-MiniLM-L6-v2")
    assert info.value.reason == "python-files"


def test_a_folder_with_code_never_prompts_and_never_runs_it(tmp_path):
    marker = tmp_path / "code-ran"
    evil = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    _bundle_copy(tmp_path / "bundle", EVIL, {"evil.py": evil})
    script = (
        "from helpers import models\n"
        "from helpers.models import integrity\n"
        "try:\n    models.load_transformer(quiet=True)\n"
        "except models.UnsafeModelError as exc:\n    print('REFUSED', exc.reason)\n"
        "integrity.check_safe = lambda path: None  # the second line of defence: trust_remote_code=False\n"
        "try:\n    models.load_transformer(quiet=True)\n"
        "except Exception as exc:\n    print('RAISED', type(exc).__name__)\n"
    )
    env = {**os.environ, "COURSE_MODEL_DIR": str(tmp_path / "bundle"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], input="y\ny\n", capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    out = done.stdout + done.stderr
    assert "REFUSED python-files" in done.stdout, out
    assert "RAISED" in done.stdout, out
    assert "[y/N]" not in out and "custom code" not in done.stdout
    assert not marker.exists(), "the folder's code was imported"


def _tampered(root: Path) -> Path:
    """A bundle copy at the pinned revision whose weights differ in a few bytes (same size)."""
    snap = hub.snapshot_dir(root, ENCODER)
    shutil.copytree(BUNDLED, snap)
    with open(snap / "model.safetensors", "r+b") as f:
        f.seek(-64, os.SEEK_END)
        f.write(bytes(64))
    return snap


def test_the_registry_records_the_bundled_weights_and_a_tampered_copy_is_refused(tmp_path, monkeypatch):
    assert models.weights_digest(BUNDLED) == ENCODER.sha256
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(load, "_LOADED", {})
    snap = _tampered(tmp_path)
    with pytest.raises(models.ModelIntegrityError) as info:
        models.locate("all-MiniLM-L6-v2")
    assert info.value.path == snap and str(snap) in str(info.value)
    assert info.value.expected == ENCODER.sha256 and info.value.found != ENCODER.sha256
    line = doctor.check_encoder()  # `python -m helpers verify` and the doctor say so too
    assert line.level == "FAIL" and "ModelIntegrityError" in line.detail and str(snap) in line.detail


def test_the_weights_digest_is_remembered_by_size_and_times(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "_memo_file", lambda: tmp_path / "memo.json")
    monkeypatch.setattr(integrity, "_digests", {})
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "model.safetensors").write_bytes(b"weights")
    real = models.weights_digest(copy)
    memo = json.loads((tmp_path / "memo.json").read_text())
    key = str((copy / "model.safetensors").resolve())
    memo[key]["sha256"] = "remembered"  # the memo is trusted while size and times match...
    (tmp_path / "memo.json").write_text(json.dumps(memo))
    monkeypatch.setattr(integrity, "_digests", {})
    assert models.weights_digest(copy) == "remembered"
    (copy / "model.safetensors").write_bytes(b"other!!")  # ...and recomputed when they change
    assert models.weights_digest(copy) not in ("remembered", real)


def test_copies_with_other_weights_at_the_same_revision_never_share_cache_entries(tmp_path, monkeypatch):
    from safetensors.numpy import load_file, save_file

    from helpers import embed

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    # a re-release at the same revision: not the registry's weights, so unrecorded for this test
    monkeypatch.setitem(models.REGISTRY, ENCODER.name, dataclasses.replace(ENCODER, sha256=None))
    snap = hub.snapshot_dir(tmp_path / "bundle", ENCODER)
    shutil.copytree(BUNDLED, snap, ignore=shutil.ignore_patterns("model.safetensors"))
    tensors = load_file(BUNDLED / "model.safetensors")
    tensors["encoder.layer.0.attention.self.query.weight"] *= 1.5
    save_file(tensors, snap / "model.safetensors", metadata={"format": "pt"})
    texts = ["The cache must follow the weights.", "Two copies, one revision."]
    original = embed.encode(texts)
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path / "bundle"))
    other = embed.encode(texts)
    assert np.abs(original - other).max() > 1e-3  # computed by the other copy, not served from the cache
    records = [json.loads(p.read_text()) for p in (tmp_path / "cache").glob("*.json")]
    assert len(records) == 2 and len({r["weights"] for r in records}) == 2
    assert all(r["key"] + ".json" in {p.name for p in (tmp_path / "cache").glob("*.json")} for r in records)
    monkeypatch.delenv("COURSE_MODEL_DIR")
    np.testing.assert_allclose(embed.encode(texts), original, atol=1e-6)


def test_the_course_reranker_takes_a_long_query_and_validates_batch_size():
    reranker = models.CourseCrossEncoder(BUNDLED)  # untrained: the same class and tokenizer
    long_query = " ".join(["embedding"] * 300)  # 300 word pieces: more than the pair's room
    scores = reranker.predict([(long_query, "A short passage."), ("short query", "A short passage.")])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            reranker.predict([("q", "p")], batch_size=bad)
