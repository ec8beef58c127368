"""Encode texts with the course's encoder, in batches, with an on-disk cache.

Every lesson calls :func:`encode` on the course corpus; the first call encodes (a progress
bar shows it), later calls in any kernel read the cache in milliseconds.

The cache is keyed by everything that changes the vectors: model id and pinned revision,
normalization, maximum sequence length, pooling, and the exact texts. Each entry is an
``.npy`` file plus a ``.json`` record (no pickle) that holds the array's SHA-256. Files are
written to a temporary name and renamed into place, so a killed kernel leaves no half
entry and two kernels writing the same entry each leave a whole one. An entry that fails
its checks is reported once, recomputed and replaced.
Location: ``$COURSE_CACHE_DIR``, else ``.cache/embeddings`` in the repository (git-ignored),
else ``~/.cache/embeddings-course/embeddings`` (:mod:`helpers.core.paths`). Introduced in lesson 01.

Lessons: 01, 02, 03, 04, 05, 06.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from helpers import models
from helpers.core import paths
from helpers.core.atomic import atomic_write, sweep
from helpers.core.validate import check_texts

__all__ = ["cache_dir", "cache_root", "check_texts", "encode"]

PROGRESS_FROM = 256  # texts; smaller jobs finish before a bar is worth drawing


def cache_root() -> Path:
    """The course's cache folder (see :func:`helpers.core.cache_root`)."""
    return paths.cache_root()


def cache_dir() -> Path:
    """Where embeddings are cached: ``$COURSE_CACHE_DIR``, else ``embeddings`` in :func:`cache_root`."""
    return paths.embeddings_dir()


def cache_key(spec: models.ModelSpec, texts: list[str], normalize: bool, config: str) -> str:
    """SHA-256 over every input that changes the vectors (``config``: see :func:`model_config`)."""
    # "normalize": "pre-normalize" marks vectors taken before the model's Normalize stage; the
    # first cache format stored unit vectors under normalize=False, so old entries never match.
    identity = {"model": spec.repo_id, "revision": spec.revision, "normalize": normalize or "pre-normalize",
                "config": config, "texts": texts}
    return hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()


def model_config(path: Path) -> str:
    """The files of a model copy that decide how text becomes vectors (stages, pooling, truncation).

    Read from disk, so a cache hit never has to load torch and the model.
    """
    files = ("modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "config.json")
    return "\n".join((path / f).read_text() if (path / f).is_file() else "" for f in files)


def _read(npy: Path, meta: Path, n: int) -> np.ndarray | None:
    """The cached array if the entry is whole and matches its record, else None."""
    if not meta.exists():
        return None
    try:
        record = json.loads(meta.read_text())
        emb = np.load(npy, allow_pickle=False)
        ok = (emb.dtype == np.float32 and emb.shape == (n, record["dim"])
              and hashlib.sha256(emb.tobytes()).hexdigest() == record["sha256"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        ok = False
    if not ok:
        warnings.warn(f"embedding cache entry {npy.name} is damaged; recomputing it", stacklevel=3)
        return None
    return emb


def _unnormalized(encoder, texts: list[str], model: str, batch_size: int) -> np.ndarray:
    """The pooled vectors before the model's own Normalize stage (which encode() cannot skip)."""
    from helpers.pooling import STRATEGIES, encode_pooled

    mode = encoder[1].get_config_dict().get("pooling_mode") if len(encoder) > 1 else None
    if mode not in STRATEGIES:
        raise ValueError(f"normalize=False needs a model with cls, mean or max pooling; {model} uses {mode!r}")
    return encode_pooled(texts, mode, model=model, batch_size=batch_size, normalize=False)


def encode(texts: Sequence[str], *, model: str = models.DEFAULT_ENCODER, normalize: bool = True,
           batch_size: int = 64, cache: bool = True) -> np.ndarray:
    """Embed ``texts``: float32 array of shape (len(texts), dim), rows in input order.

    ``normalize=False`` returns the pooled vectors before the model's Normalize stage (their
    lengths vary), which lesson 03 uses to show where cosine, dot and L2 disagree.

    >>> emb = encode(["A cat sits on the mat.", "Stocks fell."])  # doctest: +SKIP
    >>> emb.shape, emb.dtype  # doctest: +SKIP
    ((2, 384), dtype('float32'))
    """
    texts = check_texts(texts)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    spec = models.get_spec(model)
    if spec.kind != "encoder":
        raise ValueError(f"{model} is a {spec.kind}, not a sentence encoder")
    key = cache_key(spec, texts, normalize, model_config(models.locate(model).path))
    npy, meta = cache_dir() / f"{key}.npy", cache_dir() / f"{key}.json"
    if cache:
        emb = _read(npy, meta, len(texts))
        if emb is not None:
            return emb
    encoder = models.load_encoder(model, quiet=True)
    show = len(texts) >= PROGRESS_FROM and os.environ.get("TQDM_DISABLE", "") in ("", "0")
    if normalize:
        emb = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=show).astype(np.float32, copy=False)
    else:
        emb = _unnormalized(encoder, texts, model, batch_size)
    if cache:
        sweep(npy.parent, ("*.tmp",))  # what killed writes left behind
        atomic_write(npy, lambda f: np.save(f, emb, allow_pickle=False))
        record = {"model": spec.repo_id, "revision": spec.revision, "normalize": normalize,
                  "max_seq_length": encoder.max_seq_length, "n": len(texts), "dim": int(emb.shape[1]),
                  "sha256": hashlib.sha256(emb.tobytes()).hexdigest()}
        atomic_write(meta, json.dumps(record, indent=1))
    return emb
