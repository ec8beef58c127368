"""Vector math the lessons teach first by hand, then call: validate, normalize, cosine, top-k.

Introduced in lesson 03 (similarity).

Lessons: 03, 05, 08.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_matrix", "cosine", "euclidean", "normalize", "shaped_like", "top_k"]


def as_matrix(x: Any, name: str = "x", *, dim: int | None = None, float32: bool = False,
              finite: bool = True) -> np.ndarray:
    """Check that ``x`` is a finite, non-empty 2-D float array and return it.

    ``float32=True`` also demands float32 and C-contiguous memory (what Faiss needs), and
    says how to convert instead of copying silently. ``finite=False`` skips the scan for
    NaN and inf, for callers that detect them more cheaply in their own results.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(x).__name__}; use np.asarray({name})")
    if x.ndim != 2:
        hint = f" (one vector? use {name}[None, :])" if x.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n, d), got shape {x.shape}{hint}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} must hold floats, got dtype {x.dtype}")
    if float32 and x.dtype != np.float32:
        raise TypeError(f"{name} must be float32, got {x.dtype}; use {name}.astype(np.float32)")
    if float32 and not x.flags.c_contiguous:
        raise ValueError(f"{name} is not C-contiguous (a slice or transpose?); use np.ascontiguousarray({name})")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name} has {x.shape[1]} dimensions, expected {dim}: were both made by the same model?")
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf values (row {int(np.argwhere(~np.isfinite(x))[0, 0])})")
    return x


def _exponent(maxabs: np.ndarray) -> np.ndarray:
    """For each value v, the e with 2**e <= v < 2**(e + 1) (0 for zeros): ``np.ldexp(x, -e)`` scales exactly."""
    return np.frexp(np.where(maxabs > 0, maxabs, 1.0))[1] - 1


def normalize(x: np.ndarray) -> np.ndarray:
    """Scale every row to length 1 (rows of zeros are rejected: they have no direction).

    Each row is first divided by a power of two near its largest absolute value, which is
    exact and keeps the squares in the norm from overflowing (rows of 3e38) or vanishing
    (rows of 1e-30); results on ordinary rows are unchanged to the last bit.
    """
    x = as_matrix(x)
    maxabs = np.abs(x).max(axis=1, keepdims=True)
    if (maxabs == 0).any():
        raise ValueError(f"row {int(np.argwhere(maxabs[:, 0] == 0)[0, 0])} is all zeros and cannot be normalized")
    scaled = np.ldexp(x, -_exponent(maxabs))
    return (scaled / np.linalg.norm(scaled, axis=1, keepdims=True)).astype(x.dtype, copy=False)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``: shape (len(a), len(b))."""
    a, b = as_matrix(a, "a"), as_matrix(b, "b", dim=as_matrix(a, "a").shape[1])
    return np.clip(normalize(a) @ normalize(b).T, -1.0, 1.0)


def euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance of every row of ``a`` to every row of ``b``: shape (len(a), len(b)), float64.

    Uses ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, one matrix product instead of a loop;
    rounding can make tiny squares negative, so they are clipped at 0. Both inputs are
    first divided by one power of two near their largest absolute value (exact), so huge
    values do not overflow the squares; the distances are scaled back at the end.
    """
    a = as_matrix(a, "a")
    b = as_matrix(b, "b", dim=a.shape[1])
    e = int(_exponent(np.array(max(np.abs(a).max(), np.abs(b).max()), dtype=np.float64)))
    a64, b64 = np.ldexp(a.astype(np.float64), -e), np.ldexp(b.astype(np.float64), -e)
    squared = (a64 ** 2).sum(axis=1)[:, None] + (b64 ** 2).sum(axis=1)[None, :] - 2 * a64 @ b64.T
    with np.errstate(over="ignore"):  # reported below, with what to do
        distances = np.ldexp(np.sqrt(np.clip(squared, 0, None)), e)
    if not np.isfinite(distances).all():
        raise ValueError("the distances exceed the float64 range: a and b hold values near the largest float; "
                         "scale them down first")
    return distances


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest scores in each row, best first.

    ``argpartition`` finds the k best in O(n), then only those k are sorted.
    """
    scores = as_matrix(scores, "scores")
    n = scores.shape[1]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 < k <= n:
        raise ValueError(f"k must be an int between 1 and {n} (the number of candidates), got {k!r}")
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    ids = np.take_along_axis(part, order, axis=1)
    return ids, np.take_along_axis(scores, ids, axis=1)


def shaped_like(emb: np.ndarray, groups: Any, n: int, rng: np.random.Generator, noise: float = 1.5,
                chunk: int = 10_000) -> np.ndarray:
    """``n`` synthetic unit vectors shaped like ``emb``: benchmark sets far larger than a corpus.

    Each is a real row of ``emb`` plus noise drawn from the rows' own variation around their
    group's mean (``groups``: one label per row, e.g. the topics), along the principal
    directions and with the spreads an SVD of those offsets finds, then normalized. The set
    keeps the corpus's clusters and its lopsided spectrum, which i.i.d. random vectors lack.
    Made ``chunk`` rows at a time so the float64 draws stay small. Lessons 05 and 08.
    """
    emb = as_matrix(emb, "emb", float32=True)
    groups = np.asarray(groups)
    if groups.shape != (len(emb),):
        raise ValueError(f"groups must hold one label per row of emb ({len(emb)}), got shape {groups.shape}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    offsets = emb - np.stack([emb[groups == g].mean(axis=0) for g in groups])  # within-group variation
    _, spread, directions = np.linalg.svd(offsets, full_matrices=False)
    out = np.empty((n, emb.shape[1]), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        shaped = (rng.standard_normal((m, len(spread))) * spread / np.sqrt(len(emb))).astype(np.float32) @ directions
        x = emb[rng.integers(0, len(emb), m)] + noise * shaped
        out[start:start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out
