"""The environment: pins agree everywhere, torch is the CPU build, setup is not redone."""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess

import tomllib
import yaml
from notebooks import ROOT


def pins(requirements: list[str]) -> dict[str, str]:
    found = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)==([^\s;#]+)", req)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_environment_yml_pins_exactly_what_pyproject_pins():
    project = pyproject()
    expected = pins(project["dependencies"] + project["optional-dependencies"]["offline"]
                    + project["optional-dependencies"]["lab"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins(pip_section) == expected
    assert "python=3.11" in env["dependencies"]
    assert "--index-url https://download.pytorch.org/whl/cpu" in pip_section


def test_every_dependency_is_pinned_and_commented():
    text = (ROOT / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    for line in filter(str.strip, block.splitlines()):
        assert "==" in line and "#" in line, f"pin it and say why: {line.strip()}"


def test_torch_is_the_pinned_cpu_build_and_no_gpu_package_is_installed():
    assert pins(pyproject()["dependencies"])["torch"] == "2.13.0"
    assert md.version("torch").split("+")[0] == "2.13.0"
    gpu = [d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia-")]
    assert gpu == []


def test_installed_versions_match_the_pins():
    project = pyproject()
    for name, version in pins(project["dependencies"]).items():
        assert md.version(name).split("+")[0] == version, name


def test_setup_already_done_is_not_redone():
    """A second `make test` goes straight to testing: nothing is installed or trained again."""
    result = subprocess.run(["make", "-q", ".venv/.course-setup-done"], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, "make would redo the setup"
    # the reranker step always runs, and finds the copy it trained before
    result = subprocess.run(["make", "reranker"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Course reranker already trained" in result.stdout, result.stdout
    # so does lesson 08's export step, and it finds the copies it built before
    result = subprocess.run(["make", "fast-encoders"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ONNX copies of" in result.stdout and "found in" in result.stdout, result.stdout
