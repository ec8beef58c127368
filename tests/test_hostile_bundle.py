"""The workshop bundle and the doctor on hostile ground: shared folders, foreign files, swaps, memory limits."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import __main__ as cli
from helpers import models
from helpers.core import atomic
from helpers.env import bundle, doctor, prefetch

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    atomic._umask.cache_clear()
    try:
        yield
    finally:
        os.umask(old)
        atomic._umask.cache_clear()


def test_a_bundle_is_readable_by_other_users(tmp_path, umask_022):
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "model.safetensors").write_bytes(b"weights")
    (source / "sub" / "config.json").write_text("{}")
    dest = bundle.add_folder(tmp_path / "bundle", "extra", source)
    for path in [dest, *dest.rglob("*"), tmp_path / "bundle" / bundle.MANIFEST]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"


def test_prefetch_removes_only_what_the_course_left(tmp_path):
    mine = [tmp_path / ".partial-notes", tmp_path / ".partial-123-draft.txt"]  # the user's own
    mine[0].mkdir()
    mine[1].write_text("keep me")
    ours = tmp_path / f"{atomic.PARTIAL}999999999-model"  # a killed prefetch's leftover
    ours.mkdir()
    prefetch._clean_partials(tmp_path)
    assert all(p.exists() for p in mine) and not ours.exists()


@pytest.mark.parametrize("foreign", [{"name": "another tool"}, {"items": {"x": {"path": "x"}}}, [1, 2]])
def test_a_foreign_manifest_is_a_clear_error(tmp_path, monkeypatch, capsys, foreign):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / bundle.MANIFEST).write_text(json.dumps(foreign))
    with pytest.raises(bundle.BundleError, match="not written by this course") as info:
        bundle.check(tmp_path)
    assert info.value.path == tmp_path / bundle.MANIFEST
    assert cli.main(["prefetch", "--dir", str(tmp_path)]) == 1
    assert "not written by this course" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path))
    monkeypatch.setattr(doctor, "CHECKS", [doctor.check_bundle])  # the doctor reports, never crashes
    (line,) = doctor.run(quiet=True).lines
    assert line.level == "FAIL" and "not written by this course" in line.detail


def test_the_export_line_is_quoted(tmp_path, monkeypatch, capsys):
    target = tmp_path / "a bundle; with $pace"
    target.mkdir()
    monkeypatch.setattr(prefetch, "build", lambda *a, **k: prefetch.Report(target.resolve()))
    monkeypatch.setattr(prefetch, "verify_encoder", lambda t: "ok")
    assert cli.main(["prefetch", "--dir", str(target)]) == 0
    (line,) = [row for row in capsys.readouterr().out.splitlines() if "export COURSE_MODEL_DIR=" in row]
    assert shlex.split(line.split("export ", 1)[1]) == [f"COURSE_MODEL_DIR={target.resolve()}"]


def test_a_same_size_swapped_file_is_caught_by_check_load_and_doctor(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    name = models.trained_dir().name  # a course-trained reranker as the bundle carries it
    source = tmp_path / "trained"
    source.mkdir()
    (source / "model.safetensors").write_bytes(os.urandom(4096))
    (source / "config.json").write_text("{}")
    (source / "training.json").write_text("{}")
    root = tmp_path / "bundle"
    dest = bundle.add_folder(root, name, source)
    monkeypatch.setenv("COURSE_MODEL_DIR", str(root))
    assert models.locate("course-reranker").path == dest  # whole: found and accepted
    (dest / "model.safetensors").write_bytes(os.urandom(4096))  # swapped, same size
    assert "model.safetensors differs" in " ".join(bundle.check(root, deep=False)[name])
    with pytest.raises(models.ModelIntegrityError, match=str(dest)):
        models.locate("course-reranker")
    (line,) = doctor.check_bundle()
    assert line.level == "FAIL" and "differs" in line.detail


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize("files, gb, by", [
    ({"memory.max": f"{2 * 2**30}\n"}, 2.0, "cgroup v2"),
    ({"memory.max": "max\n", "memory/memory.limit_in_bytes": f"{2**30}\n"}, 1.0, "cgroup v1"),
    ({"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 8.0, None),  # v1's "no limit"
])
def test_the_memory_check_reads_cgroup_v1_and_v2(tmp_path, files, gb, by):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: {16 * 2**20} kB\nMemAvailable: {8 * 2**20} kB\n")
    line = doctor.check_memory(meminfo, _cgroup(tmp_path / "cg", files))
    assert line.detail.startswith(f"{gb:.1f} GB available"), line.detail
    assert (by in line.detail) if by else "limited" not in line.detail
    assert line.level == ("WARN" if gb < 1.5 else "OK")


def test_the_memory_check_reads_ulimit_v():
    script = ("import resource\n"
              "resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, resource.getrlimit(resource.RLIMIT_AS)[1]))\n"
              "from helpers.env import doctor\n"
              "print(doctor.check_memory().detail)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.startswith("2.0 GB available, limited by ulimit -v"), done.stdout + done.stderr
