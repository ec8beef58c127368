"""The embedding cache on hostile ground: full or size-limited disks, FIFOs, forged headers, odd cache folders."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers import core, embed

TEXTS = ["A full disk costs the cache, not the vectors.", "Stocks fell sharply on Monday."]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def expected():
    return embed.encode(TEXTS, cache=False)


def _encode_within(seconds: float) -> tuple[np.ndarray, list[str]]:
    """encode(TEXTS) in a thread, failing (not hanging) if it takes longer than ``seconds``."""
    result: dict = {}

    def run() -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result["emb"] = embed.encode(TEXTS)
        result["warnings"] = [str(w.message) for w in caught]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert "emb" in result, f"encode hung (or failed) on the cache entry: {result}"
    return result["emb"], result["warnings"]


def test_a_full_disk_returns_the_vectors_uncached_with_one_warning(cache, expected, monkeypatch):
    def full_disk(f, array, allow_pickle=False):
        f.write(b"\x93NUMPY partial")  # some bytes reach the disk, then it is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(embed.np, "save", full_disk)
    emb, caught = _encode_within(120)
    np.testing.assert_allclose(emb, expected, atol=1e-5)
    assert len(caught) == 1 and "No space left" in caught[0] and "uncached" in caught[0]
    assert not any(cache.iterdir()), f"left behind: {list(cache.iterdir())}"


def test_a_size_limited_disk_leaves_no_partial_file(tmp_path):
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from helpers.core import atomic_write\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n    atomic_write(Path(sys.argv[1]) / 'big.npy', b'x' * 100_000)\n"
        "except OSError as exc:\n    print('OSError', exc.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert f"OSError {errno.EFBIG}" in done.stdout, done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["fifo npy", "fifo json", "json to /dev/zero", "huge header", "other key"])
def test_a_damaged_entry_is_recomputed_never_hangs_or_exhausts_memory(cache, expected, damage):
    embed.encode(TEXTS)
    (meta,) = cache.glob("*.json")
    npy = meta.with_suffix(".npy")
    if damage == "fifo npy":
        npy.unlink()
        os.mkfifo(npy)
    elif damage == "fifo json":
        meta.unlink()
        os.mkfifo(meta)
    elif damage == "json to /dev/zero":
        meta.unlink()
        meta.symlink_to("/dev/zero")
    elif damage == "huge header":  # what np.load would try to allocate: 3e8 x 384 float32
        data = npy.read_bytes().replace(b"(2, 384)", b"(300000000, 384)")
        npy.write_bytes(data)
    else:  # a whole, valid entry of other texts under this entry's name
        other = embed.encode(["Something else entirely.", "And another text."])
        (other_meta,) = [p for p in cache.glob("*.json") if p != meta]
        meta.write_text(other_meta.read_text())
        np.save(npy, other)
    emb, caught = _encode_within(120)
    np.testing.assert_allclose(emb, expected, atol=1e-5)
    assert len([w for w in caught if "damaged" in w]) == 1, caught
    assert json.loads(meta.read_text())["key"] == meta.stem  # replaced by a whole entry


@pytest.mark.parametrize("kind", ["file", "dangling symlink"])
def test_a_cache_folder_that_is_not_a_folder_costs_only_the_cache(tmp_path, monkeypatch, expected, kind):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    target = tmp_path / "cache"
    if kind == "file":
        target.write_text("not a folder")
    else:
        target.symlink_to(tmp_path / "gone")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(target))
    with pytest.warns(UserWarning, match="could not cache"):
        emb = embed.encode(TEXTS)
    np.testing.assert_allclose(emb, expected, atol=1e-5)


def test_a_lone_surrogate_is_refused_with_its_position_even_uncached():
    for cache in (True, False):
        with pytest.raises(ValueError, match=r"texts\[1\].*position 4"):
            embed.encode(["fine", "bad \ud800 text"], cache=cache)
    assert core.check_texts(["café ☕ 東京"]) == ["café ☕ 東京"]  # real non-ASCII text is fine
