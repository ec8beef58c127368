"""helpers.embed: right vectors, and a cache that survives kills, corruption, new revisions
and concurrent writers."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from helpers import embed, models

TEXTS = ["A cat sits on the mat.", "Interest rates rose again.", "The telescope saw Saturn's rings."]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "cache"


@pytest.fixture
def calls(monkeypatch):
    """Count how often the model really encodes."""
    encoder = models.load_encoder(quiet=True)
    original = type(encoder).encode
    count = {"n": 0}

    def counting(self, *args, **kwargs):
        count["n"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(encoder), "encode", counting)
    from helpers import pooling

    pooled = pooling.encode_pooled

    def counting_pooled(*args, **kwargs):  # normalize=False encodes through the raw transformer
        count["n"] += 1
        return pooled(*args, **kwargs)

    monkeypatch.setattr(pooling, "encode_pooled", counting_pooled)
    return count


def entries(cache):
    return sorted(p.name for p in cache.glob("*") if p.suffix in (".npy", ".json"))


def test_matches_the_library_and_is_served_from_cache(calls, private_cache):
    emb = embed.encode(TEXTS)
    reference = models.load_encoder(quiet=True).encode(TEXTS, normalize_embeddings=True)
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(emb, reference, atol=1e-6)
    again = embed.encode(TEXTS)
    assert calls["n"] == 2  # one for embed.encode, one for the reference; the second call was cached
    np.testing.assert_array_equal(again, emb)
    assert len(entries(private_cache)) == 2


def test_every_input_that_changes_the_vectors_changes_the_entry(calls, monkeypatch, private_cache):
    embed.encode(TEXTS)
    embed.encode(TEXTS, normalize=False)
    embed.encode(TEXTS[:2])
    embed.encode([TEXTS[0] + " "] + TEXTS[1:])  # one trailing space is another text
    assert calls["n"] == 4 and len(entries(private_cache)) == 8


def test_a_changed_revision_never_serves_old_vectors(calls, monkeypatch):
    embed.encode(TEXTS)
    spec = models.REGISTRY["all-MiniLM-L6-v2"]
    monkeypatch.setitem(models.REGISTRY, "all-MiniLM-L6-v2", dataclasses.replace(spec, revision="f" * 40))
    embed.encode(TEXTS)
    assert calls["n"] == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "bad-record", "wrong-values", "no-npy"])
def test_a_damaged_entry_is_reported_once_and_recomputed(damage, calls, private_cache):
    good = embed.encode(TEXTS)
    npy = next(private_cache.glob("*.npy"))
    meta = npy.with_suffix(".json")
    if damage == "truncate":
        npy.write_bytes(npy.read_bytes()[:200])
    elif damage == "garbage":
        npy.write_bytes(b"\x93NUMPY nonsense")
    elif damage == "bad-record":
        meta.write_text("{not json")
    elif damage == "wrong-values":
        np.save(npy, good * 2, allow_pickle=False)
    else:
        npy.unlink()
    with pytest.warns(UserWarning, match="damaged; recomputing") as caught:
        again = embed.encode(TEXTS)
    assert len(caught) == 1
    np.testing.assert_allclose(again, good, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        embed.encode(TEXTS)  # repaired: no further warning
    assert calls["n"] == 2


KILL_MID_WRITE = """
import os, sys, numpy as np
from helpers import embed
real_save = np.save
def dying_save(f, arr, **kw):
    f.write(b"\\x93NUMPY" + b"0" * 100)  # half a file, then the kernel dies
    f.flush()
    os._exit(9)
embed.np.save = dying_save
embed.encode(sys.argv[1:])
"""


def test_a_kernel_killed_mid_write_leaves_no_entry(private_cache):
    env = {**os.environ, "COURSE_CACHE_DIR": str(private_cache)}
    result = subprocess.run([sys.executable, "-c", KILL_MID_WRITE, *TEXTS], env=env, capture_output=True)
    assert result.returncode == 9
    assert entries(private_cache) == []  # only an orphaned temporary file, never read
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert embed.encode(TEXTS).shape == (3, 384)


def test_concurrent_writers_leave_one_whole_entry(private_cache):
    env = {**os.environ, "COURSE_CACHE_DIR": str(private_cache)}
    code = "import sys; from helpers import embed; print(embed.encode(sys.argv[1:]).sum())"
    procs = [subprocess.Popen([sys.executable, "-c", code, *TEXTS], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(3)]
    sums = {round(float(p.communicate(timeout=120)[0].split()[-1]), 4) for p in procs}
    assert all(p.returncode == 0 for p in procs) and len(sums) == 1
    assert len(entries(private_cache)) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert embed.encode(TEXTS).sum() == pytest.approx(sums.pop(), abs=1e-3)


def test_progress_bar_shows_for_long_jobs_and_is_quiet_with_tqdm_disable(capfd, monkeypatch):
    texts = [f"sentence number {i}" for i in range(embed.PROGRESS_FROM)]
    embed.encode(texts, cache=False)
    assert "Batches" in capfd.readouterr().err
    monkeypatch.setenv("TQDM_DISABLE", "1")
    embed.encode(texts, cache=False)
    assert "Batches" not in capfd.readouterr().err


def test_unnormalized_vectors_are_the_pooled_vectors_before_normalize(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    texts = ["A cat is sitting on a carpet", "Stocks fell sharply in early trading on Monday."]
    raw = embed.encode(texts, normalize=False)
    norms = np.linalg.norm(raw, axis=1)
    assert not np.allclose(norms, 1, atol=1e-2)  # MiniLM's own Normalize stage was skipped
    np.testing.assert_allclose(raw / norms[:, None], embed.encode(texts), atol=1e-5)
    np.testing.assert_array_equal(embed.encode(texts, normalize=False), raw)  # and it is cached apart


def test_cache_in_keeps_entries_in_its_own_folder(calls, private_cache, tmp_path):
    """Lesson 10's store: a folder of its own, which COURSE_CACHE_DIR does not move."""
    store = tmp_path / "store"
    emb = embed.encode(TEXTS, cache_in=store)
    assert len(entries(store)) == 2
    assert not private_cache.exists() or not entries(private_cache)
    np.testing.assert_array_equal(embed.encode(TEXTS, cache_in=str(store)), emb)
    assert calls["n"] == 1, "the second call is served from the store"
    embed.encode(TEXTS)
    assert calls["n"] == 2, "the usual cache does not see the store's entries"


def test_a_cache_hit_does_not_load_the_model(private_cache):
    """Reading cached vectors must not import torch: lessons that only need vectors stay small."""
    embed.encode(TEXTS)
    code = ("import sys; from helpers import embed; embed.encode(%r); "
            "assert 'torch' not in sys.modules, 'torch was imported'" % (TEXTS,))
    env = {**os.environ, "COURSE_CACHE_DIR": str(private_cache), "HF_HUB_OFFLINE": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
