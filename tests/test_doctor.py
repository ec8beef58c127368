"""python -m helpers doctor / verify / prefetch."""

from __future__ import annotations

import subprocess
import sys

from notebooks import ROOT

from helpers.env import doctor


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, timeout=120)


def test_verdict_is_the_worst_line():
    report = doctor.Report([doctor.Line("OK", "a", ""), doctor.Line("WARN", "b", "")])
    assert report.verdict == "WARN"
    report.lines.append(doctor.Line("FAIL", "c", "broken"))
    assert report.verdict == "FAIL" and "Verdict: FAIL" in str(report)


def test_doctor_passes_on_this_machine():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stdout
    names = [line.split()[1] for line in result.stdout.splitlines() if line[:4].strip() in {"OK", "WARN", "FAIL"}]
    for expected in ("python", "packages", "model", "encode", "faiss", "umap", "widgets", "cpu", "memory"):
        assert expected in names
    assert "Verdict: OK" in result.stdout


def test_doctor_fails_when_the_course_model_is_missing(monkeypatch):
    """No cache, no Hub, no bundled copy: FAIL for the default encoder."""
    from helpers import models
    from helpers.models import hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "bundled", lambda spec: None)
    monkeypatch.setattr(hub, "from_cache", lambda spec, d: None)
    models.hub_reachable.cache_clear()
    lines = doctor.check_models()
    models.hub_reachable.cache_clear()
    assert any(l.level == "FAIL" and "all-MiniLM-L6-v2" in l.name for l in lines)


def test_verify_loads_and_embeds():
    result = run_cli("verify")
    assert result.returncode == 0 and "shape (1, 384)" in result.stdout


def test_prefetch_offline_says_what_it_could_not_fetch_without_a_traceback(tmp_path):
    result = run_cli("prefetch", "--dir", str(tmp_path / "bundle"))
    assert result.returncode == 0 and "SKIP  bert-base-uncased: not fetched" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
