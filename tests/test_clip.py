"""The mini-CLIP of the training layer (lesson 12): its loss by hand, and training that works.

The images are scikit-learn's bundled handwritten digits and the caption vectors come from
the course's MiniLM: nothing is downloaded. Training is seeded; the margins below hold on
any machine (measured: zero-shot accuracy about 0.99 on held-out images, chance 0.1).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from helpers import embed
from helpers.train import clip


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_the_loss_is_symmetric_infonce_by_hand():
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=(4, 5)) for _ in range(2))
    a, b = a / np.linalg.norm(a, axis=1, keepdims=True), b / np.linalg.norm(b, axis=1, keepdims=True)
    logits = 10.0 * a @ b.T
    by_hand = -(np.diag(log_softmax(logits)).mean() + np.diag(log_softmax(logits.T)).mean()) / 2
    library = clip.clip_loss(torch.tensor(a), torch.tensor(b), 10.0).item()
    assert library == pytest.approx(by_hand, abs=1e-9)
    # a perfect, confident match costs almost nothing; swapping two captions costs a lot
    eye = torch.eye(4)
    assert clip.clip_loss(eye, eye, 100.0).item() < 1e-6
    assert clip.clip_loss(eye, eye[[1, 0, 2, 3]], 100.0).item() > 10


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    train, test = order[:1400], order[1400:]
    vectors = [embed.encode([c for row in clip.digit_captions(t) for c in row]).reshape(len(t), 10, -1)
               for t in (clip.TEMPLATES, clip.HELD_OUT_TEMPLATES)]
    return d.images / 16, d.target, train, test, vectors


def zero_shot_accuracy(model, images, labels, caption_vectors):
    with torch.no_grad():
        image_emb = model.encode_images(torch.tensor(images, dtype=torch.float32)[:, None])
        class_emb = model.encode_texts(torch.tensor(caption_vectors[0], dtype=torch.float32))  # one caption per digit
        return float(((image_emb @ class_emb.T).argmax(1).numpy() == labels).mean())


def test_training_lowers_the_loss_and_classifies_held_out_images_by_their_captions(digits):
    images, labels, train, test, (seen, unseen) = digits
    model, losses = clip.train_mini_clip(images[train], labels[train], seen, steps=200, progress=False)
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) - 1.0
    assert zero_shot_accuracy(model, images[test], labels[test], seen) >= 0.8          # chance: 0.1
    assert zero_shot_accuracy(model, images[test], labels[test], unseen) >= 0.6        # wordings never trained on


def test_training_is_repeatable_with_a_seed(digits):
    images, labels, train, _, (seen, _) = digits
    runs = [clip.train_mini_clip(images[train], labels[train], seen, steps=5, progress=False)[1] for _ in range(2)]
    assert runs[0] == pytest.approx(runs[1], rel=1e-5)


def test_captions_and_bad_input():
    assert clip.digit_captions(["a handwritten {word}", "the number {digit}"])[1][7] == "the number 7"
    with pytest.raises(ValueError, match="names no digit"):
        clip.digit_captions(["a photo"])
    with pytest.raises(ValueError, match="larger than"):
        clip.train_mini_clip(np.zeros((8, 8, 8)), np.zeros(8, int), np.zeros((1, 10, 4)), batch_size=16)
