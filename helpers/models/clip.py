"""CLIP for lesson 12: the real ``openai/clip-vit-base-patch32`` where a copy can be had, else a tiny stand-in.

No package on the registry ships image-text weights, so offline (here, in CI, in a workshop
without Wi-Fi) :func:`load_clip` builds a **stand-in**: a ``CLIPModel`` from a small config with
seeded random weights, a CLIP tokenizer whose vocabulary is the 256 single bytes, and CLIP's own
image processor. Every call the lesson makes on the real model (``processor(text=..., images=...)``,
``get_text_features``, ``get_image_features``) runs on it, so the notebook's online path is
executed offline. Its scores mean nothing, and :attr:`Clip.source` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from helpers.core.validate import check_texts
from helpers.models import copies as locating
from helpers.models.load import _load
from helpers.models.registry import get_spec

__all__ = ["CLIP", "Clip", "from_folder", "load_clip", "tiny_clip"]

CLIP = "clip-vit-base-patch32"
STAND_IN = "a tiny CLIP with random weights, built from a config (offline stand-in: its scores mean nothing)"


@dataclass
class Clip:
    """A CLIP model with its processor, and which copy it is."""

    model: Any       # transformers.CLIPModel, in eval mode
    processor: Any   # transformers.CLIPProcessor: tokenizer and image processor
    source: str      # which copy ran, in words
    real: bool       # False for the offline stand-in

    def _features(self, output: Any) -> np.ndarray:
        # transformers 5 returns a model output whose pooler_output is the projected vector
        vectors = (output.pooler_output if hasattr(output, "pooler_output") else output).detach().numpy()
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts`` in the shared space, one row each."""
        import torch

        inputs = self.processor(text=check_texts(texts), return_tensors="pt", padding=True, truncation=True)
        with torch.inference_mode():
            return self._features(self.model.get_text_features(**inputs))

    def encode_images(self, images: Sequence[Any]) -> np.ndarray:
        """Unit vectors of ``images`` (PIL images or HxWx3 uint8 arrays) in the shared space, one row each."""
        import torch

        if isinstance(images, np.ndarray) and images.ndim == 3:
            raise TypeError("images must be a list of images; wrap one image: [image]")
        if len(images) == 0:
            raise ValueError("images is empty: nothing to encode")
        inputs = self.processor(images=list(images), return_tensors="pt")
        with torch.inference_mode():
            return self._features(self.model.get_image_features(**inputs))


def _byte_tokenizer() -> Any:
    """A CLIP tokenizer over single bytes: every word splits into its characters (no merges)."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    specials = ["<|startoftext|>", "<|endoftext|>"]
    symbols = list(bytes_to_unicode().values())
    vocab = {token: i for i, token in enumerate(specials + symbols + [s + "</w>" for s in symbols])}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def tiny_clip(seed: int = 0) -> Clip:
    """The offline stand-in: CLIP's architecture at a tiny size, random weights from ``seed``."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPProcessor

    tokenizer = _byte_tokenizer()
    config = CLIPConfig(
        text_config={"vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "max_position_embeddings": 77,
                     "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
                     "pad_token_id": tokenizer.pad_token_id},
        vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    images = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    return Clip(model, CLIPProcessor(image_processor=images, tokenizer=tokenizer), STAND_IN, real=False)


def from_folder(path: str | Path, source: str) -> Clip:
    """A CLIP saved by transformers in ``path`` (safetensors, no code of its own); ``source`` says which copy it is."""
    from transformers import CLIPImageProcessorPil, CLIPModel, CLIPProcessor, CLIPTokenizer

    options = {"local_files_only": True, "trust_remote_code": False}
    model = CLIPModel.from_pretrained(path, use_safetensors=True, **options)
    # the PIL image processor: the default one needs torchvision, which the course's CPU torch cannot take
    processor = CLIPProcessor(image_processor=CLIPImageProcessorPil.from_pretrained(path, **options),
                              tokenizer=CLIPTokenizer.from_pretrained(path, **options))
    return Clip(model.eval(), processor, source, real=True)


def load_clip(name: str = CLIP, *, quiet: bool = False) -> Clip:
    """The registered CLIP from a local copy or the Hub; offline, the stand-in (:func:`tiny_clip`). Says which ran."""
    spec = get_spec(name)
    if spec.kind != "clip":
        raise ValueError(f"{name} is a {spec.kind}, not a CLIP model")

    def build(path: Any) -> Clip:
        return from_folder(path, locating.locate(name).describe())

    try:
        return _load("clip", name, quiet, build)
    except locating.ModelUnavailableError as error:
        if not quiet:
            print(f"{name} is unavailable ({error.why or error}); using {STAND_IN}")
        return tiny_clip()
