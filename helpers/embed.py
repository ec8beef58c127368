"""Encode texts with the course's encoder, in batches, with an on-disk cache.

Every lesson calls :func:`encode` on the course corpus; the first call encodes (a progress
bar shows it), later calls in any kernel read the cache in milliseconds.

The cache is keyed by everything that changes the vectors: model id and pinned revision,
the sha256 of the copy's weights, normalization, maximum sequence length, pooling, and the
exact texts. Each entry is an ``.npy`` file plus a ``.json`` record (no pickle) that holds
its own key and the array's SHA-256; only regular files of the expected size are read. A
disk that is full, read-only or size-limited costs the cache, never the vectors. Files are
written to a temporary name and renamed into place, so a killed kernel leaves no half
entry and two kernels writing the same entry each leave a whole one. An entry that fails
its checks is reported once, recomputed and replaced.
Location: ``$COURSE_CACHE_DIR``, else ``.cache/embeddings`` in the repository (git-ignored),
else ``~/.cache/embeddings-course/embeddings`` (:mod:`helpers.core.paths`). Introduced in lesson 01.

Lessons: 01, 02, 03, 04, 05, 06, 07, 08, 10, 11, 12.
"""

from __future__ import annotations

import contextlib
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
from helpers.core.files import read_json, regular_size
from helpers.core.validate import check_texts

__all__ = ["cache_dir", "cache_root", "check_texts", "encode", "give_memory_back"]

PROGRESS_FROM = 256  # texts; smaller jobs finish before a bar is worth drawing


def cache_root() -> Path:
    """The course's cache folder (see :func:`helpers.core.cache_root`)."""
    return paths.cache_root()


def cache_dir() -> Path:
    """Where embeddings are cached: ``$COURSE_CACHE_DIR``, else ``embeddings`` in :func:`cache_root`."""
    return paths.embeddings_dir()


def _identity(spec: models.ModelSpec | models.TrainedSpec) -> tuple[str, str]:
    """(model, revision) as the cache records them: a Hub id and commit, or a course model and its fingerprint."""
    if isinstance(spec, models.TrainedSpec):
        return f"course-trained/{spec.name}", spec.fingerprint()
    return spec.repo_id, spec.revision


def cache_key(spec: models.ModelSpec | models.TrainedSpec, texts: list[str], normalize: bool, config: str,
              weights: str | None = None) -> str:
    """SHA-256 over every input that changes the vectors (``config``: see :func:`model_config`).

    ``weights`` is the sha256 of the copy's weights (:func:`helpers.models.weights_digest`):
    two copies at the same revision with different weights never share an entry.
    """
    # "normalize": "pre-normalize" marks vectors taken before the model's Normalize stage; the
    # first cache format stored unit vectors under normalize=False, so old entries never match.
    model, revision = _identity(spec)
    key = {"model": model, "revision": revision, "normalize": normalize or "pre-normalize",
           "config": config, "weights": weights, "texts": texts}
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def model_config(path: Path) -> str:
    """The files of a model copy that decide how text becomes vectors (stages, pooling, truncation).

    Read from disk, so a cache hit never has to load torch and the model.
    """
    files = ("modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "config.json")
    return "\n".join((path / f).read_text() if (path / f).is_file() else "" for f in files)


MAX_DIM = 1 << 16  # a record claiming wider vectors is damaged


def _load_npy(npy: Path, n: int, dim: int) -> np.ndarray:
    """The (n, dim) float32 array in ``npy``, read only after its size and header say exactly that.

    Never opens a FIFO or a device, never allocates what a forged header claims.
    """
    size = regular_size(npy)
    if size is None or not n * dim * 4 < size <= n * dim * 4 + 4096:
        raise ValueError(f"{npy.name} is not a regular file of the expected size")
    with open(npy, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"{npy.name} has .npy format {version}, not one np.save writes for this array")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        if shape != (n, dim) or fortran or dtype != np.dtype("<f4") or size - f.tell() != n * dim * 4:
            raise ValueError(f"{npy.name} holds {shape} {dtype}, expected ({n}, {dim}) float32")
        return np.fromfile(f, dtype="<f4", count=n * dim).reshape(n, dim)


def _read(npy: Path, meta: Path, n: int, key: str, spec: models.ModelSpec | models.TrainedSpec) -> np.ndarray | None:
    """The cached array if the entry is whole and matches its record and ``key``, else None.

    Anything else where an entry should be (a FIFO, a symlink to a device, a forged header,
    another entry's record) reads as damaged: warned about once, recomputed and replaced.
    """
    if not os.path.lexists(meta):
        return None  # no entry: the usual miss
    try:
        record = read_json(meta, max_bytes=64 << 10)
        dim = record["dim"]
        if not (isinstance(dim, int) and 0 < dim <= MAX_DIM and record["n"] == n and record["key"] == key
                and [record["model"], record["revision"]] == list(_identity(spec))):
            raise ValueError("the record is for another entry")
        emb = _load_npy(npy, n, dim)
        ok = hashlib.sha256(emb.tobytes()).hexdigest() == record["sha256"]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        ok = False
    if not ok:
        warnings.warn(f"embedding cache entry {npy.name} is damaged; recomputing it", stacklevel=3)
        return None
    return emb


def _write(npy: Path, meta: Path, emb: np.ndarray, record: dict) -> None:
    """Store an entry; on a full, read-only or size-limited disk, warn once and store nothing.

    :func:`~helpers.core.atomic_write` removes its temporary when a write fails, and a
    half-stored entry (the array without its record) is removed too.
    """
    try:
        sweep(npy.parent, ("*.tmp",))  # what killed writes left behind
        atomic_write(npy, lambda f: np.save(f, emb, allow_pickle=False))
        atomic_write(meta, json.dumps(record, indent=1))
    except OSError as exc:
        with contextlib.suppress(OSError):
            if regular_size(npy) is not None and regular_size(meta) is None:
                npy.unlink()
        warnings.warn(f"could not cache the embeddings in {npy.parent} ({exc.strerror or exc}); "
                      "returning them uncached (set COURSE_CACHE_DIR to a writable folder to cache them)",
                      stacklevel=3)


def _unnormalized(encoder, texts: list[str], model: str, batch_size: int) -> np.ndarray:
    """The pooled vectors before the model's own Normalize stage (which encode() cannot skip)."""
    from helpers.pooling import STRATEGIES, encode_pooled

    mode = encoder[1].get_config_dict().get("pooling_mode") if len(encoder) > 1 else None
    if mode not in STRATEGIES:
        raise ValueError(f"normalize=False needs a model with cls, mean or max pooling; {model} uses {mode!r}")
    return encode_pooled(texts, mode, model=model, batch_size=batch_size, normalize=False)


def encode(texts: Sequence[str], *, model: str = models.DEFAULT_ENCODER, normalize: bool = True,
           batch_size: int = 64, cache: bool = True, cache_in: str | Path | None = None) -> np.ndarray:
    """Embed ``texts``: float32 array of shape (len(texts), dim), rows in input order.

    ``normalize=False`` returns the pooled vectors before the model's Normalize stage (their
    lengths vary), which lesson 03 uses to show where cosine, dot and L2 disagree.
    ``cache_in`` caches in that folder instead of :func:`cache_dir` (lesson 10 keeps vectors
    that a setup step built there, outside the cache that ``$COURSE_CACHE_DIR`` moves).

    >>> emb = encode(["A cat sits on the mat.", "Stocks fell."])  # doctest: +SKIP
    >>> emb.shape, emb.dtype  # doctest: +SKIP
    ((2, 384), dtype('float32'))
    """
    texts = check_texts(texts)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if cache_in is not None and not isinstance(cache_in, (str, Path)):
        raise TypeError(f"cache_in must be a folder (a str or Path), got {type(cache_in).__name__}")
    folder = Path(cache_in) if cache_in is not None else cache_dir()
    spec = models.get_spec(model)
    if spec.kind != "encoder":
        raise ValueError(f"{model} is a {spec.kind}, not a sentence encoder")
    copy = models.locate(model)  # checked: no code of its own, the recorded weights
    key = cache_key(spec, texts, normalize, model_config(copy.path), models.weights_digest(copy.path))
    npy, meta = folder / f"{key}.npy", folder / f"{key}.json"
    if cache:
        emb = _read(npy, meta, len(texts), key, spec)
        if emb is not None:
            return _perturbed(emb, normalize)
    encoder = models.load_encoder(model, quiet=True)
    show = len(texts) >= PROGRESS_FROM and os.environ.get("TQDM_DISABLE", "") in ("", "0")
    if normalize:
        emb = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=show).astype(np.float32, copy=False)
    else:
        emb = _unnormalized(encoder, texts, model, batch_size)
    if cache:
        model_id, revision = _identity(spec)
        record = {"key": key, "model": model_id, "revision": revision,
                  "weights": models.weights_digest(copy.path), "normalize": normalize,
                  "max_seq_length": encoder.max_seq_length, "n": len(texts), "dim": int(emb.shape[1]),
                  "sha256": hashlib.sha256(emb.tobytes()).hexdigest()}
        _write(npy, meta, emb, record)
    give_memory_back()
    return _perturbed(emb, normalize)


def give_memory_back() -> None:
    """Return freed working memory to the system (glibc keeps it for the process otherwise).

    After an encode, about 150 MB on a 2 GB Binder session; after lesson 11's SetFit training, once
    the model and its optimizer are deleted, about 400 MB that later cells can use.
    """
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _perturbed(emb: np.ndarray, normalize: bool) -> np.ndarray:
    """``emb`` plus Gaussian noise of scale ``$COURSE_EMBED_NOISE`` (a test of claims, never set in lessons).

    ``tools/claim_margins.py`` sets it to 1e-6 to see which claims depend on the last bits of
    the vectors; unset (the default) returns ``emb`` untouched.
    """
    scale = os.environ.get("COURSE_EMBED_NOISE", "")
    if not scale:
        return emb
    noisy = emb + np.random.default_rng().normal(0.0, float(scale), emb.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True) if normalize else noisy
