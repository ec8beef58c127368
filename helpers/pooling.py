"""Pooling: from one vector per token to one vector per text.

Introduced in lesson 02, which builds each strategy by hand first and shows that
``pool(..., "mean")`` on the raw transformer reproduces ``SentenceTransformer.encode``.

>>> import numpy as np
>>> hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [99.0, 99.0]]])  # 1 text, 3 tokens, 2 dims
>>> mask = np.array([[1, 1, 0]])                                 # the last token is padding
>>> pool(hidden, mask, "mean", normalize=False)
array([[2., 0.]], dtype=float32)

Lessons: 02.
"""

from __future__ import annotations

import json
import os
from typing import Any, Literal, Sequence

import numpy as np

from helpers import models, vectors

__all__ = ["STRATEGIES", "encode_each_pooling", "encode_pooled", "pool"]

Strategy = Literal["cls", "mean", "max", "unmasked_mean"]
# "unmasked_mean" is the classic bug (averaging padding too), kept so lesson 02 can measure it.
STRATEGIES: tuple[str, ...] = ("cls", "mean", "max", "unmasked_mean")


def _to_numpy(x: Any, name: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array or a torch tensor, got {type(x).__name__}")
    return x


def pool(hidden: Any, mask: Any, strategy: Strategy = "mean", *, normalize: bool = True) -> np.ndarray:
    """Pool token vectors ``hidden`` (batch, tokens, dim) into text vectors (batch, dim), float32.

    ``mask`` (batch, tokens) is the tokenizer's ``attention_mask``: 1 for a real token, 0 for
    padding. ``"cls"`` takes the first token, ``"mean"`` averages the real tokens, ``"max"``
    takes each dimension's maximum over the real tokens, ``"unmasked_mean"`` averages every
    position, padding included (wrong whenever a batch is padded). ``normalize`` scales
    each result to length 1.

    Degenerate input gets a ``ValueError``, never NaN: a text whose mask has no real token,
    NaN or inf in ``hidden``, or (with ``normalize``) a text that pools to all zeros.
    """
    hidden, mask = _to_numpy(hidden, "hidden"), _to_numpy(mask, "mask")
    if hidden.ndim != 3 or 0 in hidden.shape:
        raise ValueError(f"hidden must be (batch, tokens, dim), e.g. outputs.last_hidden_state; got shape {hidden.shape}")
    if not np.issubdtype(hidden.dtype, np.floating):
        raise TypeError(f"hidden must hold floats, got dtype {hidden.dtype}")
    if not np.isfinite(hidden).all():
        raise ValueError("hidden contains NaN or inf values; check the model's outputs")
    if mask.shape != hidden.shape[:2]:
        raise ValueError(f"mask has shape {mask.shape} but hidden has (batch, tokens) = {hidden.shape[:2]}; "
                         "pass the attention_mask of the same batch")
    if not np.isin(mask, (0, 1)).all():
        raise ValueError("mask must hold only 0 (padding) and 1 (real token), like the tokenizer's attention_mask")
    empty = np.flatnonzero(mask.sum(axis=1) == 0)
    if empty.size:
        raise ValueError(f"text {int(empty[0])} has no real tokens in mask; every text needs at least one")
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown pooling strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")

    hidden = hidden.astype(np.float32, copy=False)
    real = mask.astype(bool)[:, :, None]  # (batch, tokens, 1)
    if strategy == "cls":
        out = hidden[:, 0]
    elif strategy == "mean":  # sums in float64: float32 sums of large values overflow to inf
        out = (hidden * real).sum(axis=1, dtype=np.float64) / real.sum(axis=1)
    elif strategy == "max":
        out = np.where(real, hidden, -np.inf).max(axis=1)
    else:
        out = hidden.mean(axis=1, dtype=np.float64)
    out = out.astype(np.float32, copy=False)
    if normalize:
        zero = np.flatnonzero(np.abs(out).max(axis=1) == 0)
        if zero.size:
            raise ValueError(f"text {int(zero[0])} pools to a vector of zeros, which has no direction to normalize "
                             "to length 1; check the model's outputs, or pass normalize=False to keep it")
        out = vectors.normalize(out)  # scales each row first, so huge values do not overflow
    return out


def _max_length(name: str, tokenizer: Any) -> int:
    """The length the sentence-transformers config truncates at (256 for MiniLM), else the tokenizer's."""
    config = models.locate(name).path / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text())["max_seq_length"])
    return min(int(tokenizer.model_max_length), 512)


def encode_pooled(texts: Sequence[str], strategy: Strategy = "mean", *,
                  model: str | tuple[Any, Any] = models.DEFAULT_ENCODER, batch_size: int = 32,
                  normalize: bool = True) -> np.ndarray:
    """Embed ``texts`` with a raw transformer and one pooling strategy: float32 (n, dim).

    ``model`` is a registered name or a ``(tokenizer, transformer)`` pair (for example an
    untrained model built from a config). With ``"mean"`` and the course's model this
    matches ``SentenceTransformer.encode`` to 1e-5.
    """
    return encode_each_pooling(texts, (strategy,), model=model, batch_size=batch_size, normalize=normalize)[strategy]


def encode_each_pooling(texts: Sequence[str], strategies: Sequence[Strategy] = STRATEGIES, *,
                        model: str | tuple[Any, Any] = models.DEFAULT_ENCODER, batch_size: int = 32,
                        normalize: bool = True) -> dict[str, np.ndarray]:
    """Like :func:`encode_pooled`, for several strategies from one pass of the transformer.

    Returns ``{strategy: float32 (n, dim)}``. Texts are batched in order, ``batch_size`` at
    a time, so padding is what a plain loop over the list would give.
    """
    from helpers.core import check_texts

    texts = check_texts(texts)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(strategies, str) or not strategies or any(s not in STRATEGIES for s in strategies):
        raise ValueError(f"strategies must be a list drawn from {', '.join(STRATEGIES)}; got {strategies!r}")
    if isinstance(model, str):
        tokenizer, transformer = models.load_transformer(model, quiet=True)
        max_length = _max_length(model, tokenizer)
    elif isinstance(model, tuple) and len(model) == 2:
        tokenizer, transformer = model
        max_length = min(int(tokenizer.model_max_length), 512)
    else:
        raise TypeError(f"model must be a registered model name or a (tokenizer, transformer) pair, got {type(model).__name__}")

    import torch
    from tqdm.auto import tqdm

    quiet = len(texts) < 256 or os.environ.get("TQDM_DISABLE", "") not in ("", "0")
    parts: dict[str, list[np.ndarray]] = {s: [] for s in strategies}
    for start in tqdm(range(0, len(texts), batch_size), desc="transformer + pooling", disable=quiet):
        batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
        with torch.no_grad():
            hidden = transformer(**batch).last_hidden_state
        for s in strategies:
            parts[s].append(pool(hidden, batch["attention_mask"], s, normalize=normalize))
    return {s: np.concatenate(p) for s, p in parts.items()}
