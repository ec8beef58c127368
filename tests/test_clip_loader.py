"""Lesson 12's CLIP loader: the registry entry, the offline stand-in, and the real loading path run on a saved CLIP.

The real openai/clip-vit-base-patch32 cannot be downloaded here; the stand-in is saved the way
transformers saves any CLIP (safetensors, config, tokenizer, image processor) and loaded back
through :func:`helpers.models.clip.from_folder`, the function that loads the real copy.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import models
from helpers.models import clip

PHOTO = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def stand_in():
    return clip.tiny_clip(seed=0)


def test_the_registry_pins_clip_at_a_commit_with_its_licence():
    spec = models.get_spec(clip.CLIP)
    assert spec.kind == "clip" and len(spec.revision) == 40 and int(spec.revision, 16) >= 0
    assert spec.licence == "MIT" and 12 in spec.lessons and not spec.required


def test_the_stand_in_encodes_texts_and_images_into_one_space_of_unit_vectors(stand_in):
    texts = stand_in.encode_texts(["a photo of a cat", "a photo of a dog", "a temple by a lake"])
    images = stand_in.encode_images([PHOTO, PHOTO[:20, :30]])
    assert texts.shape[1] == images.shape[1] and texts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1, atol=1e-5)
    assert not stand_in.real and "random weights" in stand_in.source
    np.testing.assert_allclose(clip.tiny_clip(seed=0).encode_texts(["a cat"]), stand_in.encode_texts(["a cat"]), atol=1e-6)


def test_the_real_loading_path_reads_a_saved_clip(stand_in, tmp_path):
    stand_in.model.save_pretrained(tmp_path)          # safetensors, as the Hub copy
    stand_in.processor.save_pretrained(tmp_path)
    loaded = clip.from_folder(tmp_path, "a saved copy")
    assert loaded.real and loaded.source == "a saved copy"
    np.testing.assert_allclose(loaded.encode_texts(["a red flower"]), stand_in.encode_texts(["a red flower"]), atol=1e-5)
    np.testing.assert_allclose(loaded.encode_images([PHOTO]), stand_in.encode_images([PHOTO]), atol=1e-5)


def test_offline_load_clip_falls_back_to_the_stand_in_and_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    loaded = models.load_clip()
    assert not loaded.real
    assert "unavailable" in capsys.readouterr().out


def test_bad_input_to_the_encoders(stand_in):
    with pytest.raises(TypeError, match="list of strings"):
        stand_in.encode_texts("a cat")
    with pytest.raises(TypeError, match="wrap one image"):
        stand_in.encode_images(PHOTO)
    with pytest.raises(ValueError, match="empty"):
        stand_in.encode_images([])
