"""A small CLIP-style model, trained offline in seconds: digit images and their captions in one space.

Two towers map two modalities into one shared, normalized space (Radford et al., 2021,
"Learning Transferable Visual Models From Natural Language Supervision"):

- the **image tower**: a small CNN over scikit-learn's bundled 8x8 handwritten digits, ending
  in a projection to ``dim`` numbers;
- the **text tower**: the frozen MiniLM (its caption vectors come in precomputed) followed
  by a trained linear projection to the same ``dim``.

:func:`clip_loss` is the symmetric in-batch contrastive loss (InfoNCE): in a batch of
image-caption pairs, each image must pick its own caption among the batch's captions and
each caption its own image, at a learned temperature. It is lesson 07's loss, applied in
both directions. :func:`train_mini_clip` trains both projections and the CNN on captions
written from :data:`TEMPLATES`. :data:`HELD_OUT_TEMPLATES` are never trained on, so they
measure what unseen wordings do. :func:`digit_captions` writes the captions.

Lessons: 12.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.core.validate import check_positive_int

__all__ = ["HELD_OUT_TEMPLATES", "TEMPLATES", "MiniClip", "clip_loss", "digit_captions", "train_mini_clip"]

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# {word}: the digit as a word ("seven"); {digit}: as a numeral ("7")
TEMPLATES = ("a handwritten {word}", "the digit {digit} written by hand", "a picture of the number {word}",
             "a scanned {word}", "the number {digit}", "a small image of a {word}", "{word}, drawn by hand",
             "a grey image of the digit {word}")
HELD_OUT_TEMPLATES = ("someone wrote the number {word}", "a sketch of {digit}", "a {word} in pencil")


def digit_captions(templates: Sequence[str]) -> list[list[str]]:
    """``captions[t][k]``: template ``t`` written for digit ``k`` (10 captions per template)."""
    if isinstance(templates, str) or not templates or not all(isinstance(t, str) for t in templates):
        raise TypeError(f"templates must be a non-empty list of strings like 'a handwritten {{word}}', got {templates!r}")
    for t in templates:
        if "{word}" not in t and "{digit}" not in t:
            raise ValueError(f"template {t!r} names no digit: put {{word}} or {{digit}} in it")
    return [[t.format(word=DIGIT_WORDS[k], digit=k) for k in range(10)] for t in templates]


class MiniClip(nn.Module):
    """The two towers: ``encode_images`` (n, 1, 8, 8) and ``encode_texts`` (n, 384) both give (n, dim) unit vectors."""

    def __init__(self, text_dim: int = 384, dim: int = 64) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.image_projection = nn.Linear(32 * 4 * 4, dim)
        self.text_projection = nn.Linear(text_dim, dim)
        self.log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # CLIP's starting temperature, 0.07

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(images))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)          # (n, 32, 4, 4)
        return F.normalize(self.image_projection(x.flatten(1)), dim=1)

    def encode_texts(self, text_vectors: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_projection(text_vectors), dim=1)

    def scale(self) -> torch.Tensor:
        """The inverse temperature that multiplies the cosines, capped at 100 as in CLIP."""
        return self.log_scale.exp().clamp(max=100.0)


def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, scale: torch.Tensor | float) -> torch.Tensor:
    """Symmetric InfoNCE: the mean of image-to-text and text-to-image cross-entropy; pair i is row i of both."""
    if image_emb.ndim != 2 or image_emb.shape != text_emb.shape:
        raise ValueError(f"image_emb and text_emb must be two (batch, dim) tensors of one shape, got "
                         f"{tuple(image_emb.shape)} and {tuple(text_emb.shape)}")
    logits = scale * image_emb @ text_emb.T                 # (batch, batch): image i against every caption
    target = torch.arange(len(logits))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def train_mini_clip(images: np.ndarray, labels: np.ndarray, caption_vectors: np.ndarray, *, steps: int = 300,
                    batch_size: int = 64, lr: float = 3e-3, seed: int = 0, progress: bool = True) -> tuple[MiniClip, list[float]]:
    """Train a :class:`MiniClip` on images (n, 8, 8) with digit ``labels`` and caption vectors (templates, 10, 384).

    Each step draws ``batch_size`` training images and, for each, the caption of a random
    template for its digit. Returns the model (in eval mode) and the loss of every step.
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    caption_vectors = np.asarray(caption_vectors, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != (8, 8) or len(images) != len(labels):
        raise ValueError(f"images must be (n, 8, 8) with one label each, got {images.shape} and {labels.shape} labels")
    if caption_vectors.ndim != 3 or caption_vectors.shape[1] != 10:
        raise ValueError(f"caption_vectors must be (templates, 10 digits, dim), got {caption_vectors.shape}")
    if not np.isin(labels, np.arange(10)).all():
        raise ValueError("labels must be digits 0 to 9")
    check_positive_int("steps", steps)
    check_positive_int("batch_size", batch_size)
    if batch_size > len(images):
        raise ValueError(f"batch_size {batch_size} is larger than the {len(images)} training images: use a smaller batch")
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y, captions = torch.from_numpy(images)[:, None], torch.from_numpy(labels), torch.from_numpy(caption_vectors)
    model = MiniClip(text_dim=caption_vectors.shape[2])
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    losses = []
    model.train()
    for _ in tqdm(range(steps), desc="training the mini-CLIP", disable=not progress):
        rows = torch.from_numpy(rng.choice(len(images), batch_size, replace=False))
        templates = torch.from_numpy(rng.integers(0, len(caption_vectors), batch_size))
        loss = clip_loss(model.encode_images(x[rows]), model.encode_texts(captions[templates, y[rows]]), model.scale())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.eval(), losses
