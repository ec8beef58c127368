"""The core layer: one reading of HF_HUB_OFFLINE, atomic writes, the sweep of killed writes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import helpers
from helpers import core, models
from helpers.core import atomic


@pytest.mark.parametrize("value, offline", [
    ("1", True), ("ON", True), ("on", True), ("YES", True), ("yes", True), ("TRUE", True), ("True", True),
    ("true", True), ("0", False), ("FALSE", False), ("false", False), ("no", False), ("", False), (" 1", False),
])
def test_hf_hub_offline_is_read_as_huggingface_hub_reads_it(value, offline, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert core.hub_offline() is offline
    code = "import huggingface_hub.constants as c; print(c.HF_HUB_OFFLINE)"
    hub = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ).stdout.strip()
    assert hub == str(offline), f"HF_HUB_OFFLINE={value!r}: huggingface_hub says {hub}"
    helpers.setup(seed=0)
    assert ("Hub: offline" in capsys.readouterr().out) is offline  # the banner agrees with the loaders


def test_transformers_offline_counts_when_hf_hub_offline_is_unset(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    assert core.hub_offline()


def test_atomic_write_leaves_no_temporary_and_sweep_spares_live_writers(tmp_path):
    core.atomic_write(tmp_path / "a.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    dead = tmp_path / f"{atomic.PARTIAL}999999999-b.npy.x.tmp"  # a killed writer's leftover
    live = tmp_path / f"{atomic.PARTIAL}{os.getpid()}-c.npy.x.tmp"  # another run still writing
    dead.write_text("half")
    live.write_text("half")
    assert core.sweep(tmp_path, ("*.tmp",)) == [dead]
    assert live.exists() and not dead.exists()


def test_a_failed_folder_write_leaves_nothing(tmp_path):
    def fill(folder):
        (folder / "x").write_text("1")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        core.atomic_folder(tmp_path / "model", fill)
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_course_model_dir_is_named_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path / "no-such-stick"))
    monkeypatch.setattr(models.hub, "from_cache", lambda spec, cache_dir: None)
    with pytest.raises(models.ModelUnavailableError) as info:
        models.locate("ms-marco-MiniLM-L-6-v2")
    assert "COURSE_MODEL_DIR" in str(info.value) and "does not exist" in str(info.value)
    assert info.value.reason == "offline" and info.value.model == "ms-marco-MiniLM-L-6-v2"
