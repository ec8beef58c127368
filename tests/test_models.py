"""helpers.models: the registry, the resolution order, offline loading, clear errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import models
from helpers.models import hub


def test_registry_pins_full_revisions_and_licences():
    for name, spec in models.REGISTRY.items():
        assert spec.name == name
        assert spec.licence and spec.kind in {"encoder", "transformer", "cross-encoder", "clip"}
        if isinstance(spec, models.TrainedSpec):  # course-trained: a recipe and a fingerprint, no Hub revision
            assert not hasattr(spec, "repo_id") and not hasattr(spec, "revision")
            assert re.fullmatch(r"[0-9a-f]{12}", spec.fingerprint()) and spec.train_seconds > 0
            assert models.get_spec(spec.recipe.base).kind == "encoder"
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", spec.revision), f"{name}: pin a full commit hash"


@pytest.mark.parametrize(
    "bad, error",
    [(None, TypeError), (42, TypeError), ("all-MiniLM", ValueError), ("", ValueError)],
)
def test_get_spec_rejects_bad_names(bad, error):
    with pytest.raises(error, match="model"):
        models.get_spec(bad)


def test_loaders_reject_the_wrong_kind_of_model():
    with pytest.raises(ValueError, match="not a sentence encoder"):
        models.load_encoder("ms-marco-MiniLM-L-6-v2")
    with pytest.raises(ValueError, match="not a cross-encoder"):
        models.load_cross_encoder("all-MiniLM-L6-v2")


@pytest.fixture
def offline_empty_cache(monkeypatch, tmp_path):
    """No network and an empty Hugging Face cache: only bundled copies are left."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    models.hub_reachable.cache_clear()
    yield tmp_path
    models.hub_reachable.cache_clear()


def test_offline_resolution_falls_back_to_the_bundled_copy(offline_empty_cache):
    copy = models.locate("all-MiniLM-L6-v2")
    assert copy.source == "bundled"
    assert (copy.path / "model.safetensors").exists()
    assert "bundled offline copy" in copy.describe() and "c9745ed" in copy.describe()


def test_a_cached_copy_at_the_pinned_revision_wins_over_the_bundle(offline_empty_cache, monkeypatch):
    spec = models.get_spec("all-MiniLM-L6-v2")
    bundle = offline_empty_cache / "bundle"
    repo_dir = bundle / ("models--" + spec.repo_id.replace("/", "--"))
    shutil.copytree(hub.bundled(spec), repo_dir / "snapshots" / spec.revision)
    monkeypatch.setenv("COURSE_MODEL_DIR", str(bundle))
    assert models.locate("all-MiniLM-L6-v2").source == "cache"
    # a snapshot at another revision is never used
    (repo_dir / "snapshots" / spec.revision).rename(repo_dir / "snapshots" / ("0" * 40))
    assert models.locate("all-MiniLM-L6-v2").source == "bundled"


def test_missing_model_offline_says_which_why_and_the_fix(offline_empty_cache):
    with pytest.raises(models.ModelUnavailableError) as info:
        models.locate("ms-marco-MiniLM-L-6-v2")
    message = str(info.value)
    assert "cross-encoder/ms-marco-MiniLM-L-6-v2" in message
    assert "HF_HUB_OFFLINE=1" in message
    assert "python -m helpers prefetch" in message
    # IPython shows the message alone, without a traceback
    assert info.value._render_traceback_() == [f"ModelUnavailableError: {message}"]


def test_hub_check_is_instant_when_offline(offline_empty_cache):
    started = time.perf_counter()
    assert models.hub_reachable() is False
    assert time.perf_counter() - started < 0.1


def test_hub_check_with_no_network_never_hangs(monkeypatch):
    """Offline mode not requested, but the Hub unreachable: the probe gives up quickly."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "https://hub.invalid")
    models.hub_reachable.cache_clear()
    started = time.perf_counter()
    assert models.hub_reachable(timeout=0.5) is False
    assert time.perf_counter() - started < 1.5
    models.hub_reachable.cache_clear()


def test_load_encoder_offline_is_fast_and_says_which_copy_ran(tmp_path):
    code = (
        # the libraries' own import time (seconds on a slow disk) is not what this test is about
        "import sentence_transformers, time; t = time.perf_counter(); from helpers import models; "
        "m = models.load_encoder(); e = m.encode(['hello world']); "
        "print('SECONDS', time.perf_counter() - t, e.shape)"
    )
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, check=True).stdout
    seconds = float(re.search(r"SECONDS (\S+)", out).group(1))
    assert "Loaded all-MiniLM-L6-v2 · bundled offline copy" in out
    assert "(1, 384)" in out
    assert seconds < 10, f"offline load took {seconds:.1f} s"


def test_encoder_gives_unit_vectors_and_ranks_by_meaning(offline_empty_cache):
    model = models.load_encoder(quiet=True)
    emb = model.encode(["A cat sits on the mat.", "A kitten rests on a rug.", "Interest rates rose."])
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    scores = emb @ emb[0]
    assert scores[1] > scores[2] + 0.2


def test_load_transformer_returns_tokenizer_and_model(offline_empty_cache):
    tokenizer, model = models.load_transformer(quiet=True)
    batch = tokenizer(["hello world"], return_tensors="pt")
    assert tokenizer.convert_ids_to_tokens(batch["input_ids"][0])[0] == "[CLS]"
    assert model.config.hidden_size == 384 and not model.training
