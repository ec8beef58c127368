"""Project vectors to 2-D with PCA, t-SNE or UMAP, and measure which neighbours a map keeps.

Introduced in lesson 04 (visualization), which calls scikit-learn and umap-learn directly
first, then uses :func:`project` for its grids of settings. Every projection is seeded.

For unit-length embeddings, Euclidean distance and cosine give the same neighbours, so
the libraries' Euclidean defaults are used throughout.

>>> import numpy as np
>>> x = np.random.default_rng(0).standard_normal((50, 8)).astype(np.float32)
>>> project(x, "pca").shape
(50, 2)
>>> neighbours_kept(x, x, k=5)
1.0

Lessons: 04, 12.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from helpers.vectors import as_matrix

__all__ = ["METHODS", "neighbours_kept", "project"]

Method = Literal["pca", "tsne", "umap"]
METHODS: tuple[str, ...] = ("pca", "tsne", "umap")
# The settings each method accepts, with the defaults used when they are not given.
_DEFAULTS: dict[str, dict[str, float]] = {
    "pca": {},
    "tsne": {"perplexity": 30.0},
    "umap": {"n_neighbors": 15, "min_dist": 0.1},
}


def _seed(seed: Any) -> int:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _check_params(method: str, params: dict[str, Any], n: int) -> dict[str, Any]:
    allowed = _DEFAULTS[method]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        accepts = ", ".join(allowed) if allowed else "no settings"
        raise ValueError(f"{method} does not take {', '.join(unknown)}; it accepts {accepts}")
    settings = {**allowed, **params}
    for name, value in settings.items():
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
            raise TypeError(f"{name} must be a number, got {value!r}")
    if method == "tsne" and not 0 < settings["perplexity"] < n:
        raise ValueError(f"perplexity must be above 0 and below the number of points ({n}), got "
                         f"{settings['perplexity']}; it is roughly how many neighbours each point attends to")
    if method == "umap":
        if settings["n_neighbors"] != int(settings["n_neighbors"]) or not 2 <= settings["n_neighbors"] < n:
            raise ValueError(f"n_neighbors must be an int from 2 to {n - 1} (below the number of points), "
                             f"got {settings['n_neighbors']}")
        settings["n_neighbors"] = int(settings["n_neighbors"])
        if not 0 <= settings["min_dist"] <= 1:
            raise ValueError(f"min_dist must be between 0 and 1, got {settings['min_dist']}")
    return settings


# Beyond these the libraries' squared distances overflow or cancel to zero: t-SNE on rows
# that all look alike segfaults, UMAP hangs, PCA returns inf. Embeddings sit far inside
# (values of order 0.01 to 10).
LARGEST = 1e10  # largest absolute value accepted
CLOSEST = 1e-6  # the rows must spread at least this share of their largest value, in some dimension


def _check_spread(x: np.ndarray) -> None:
    """Refuse input no map can be drawn from: huge values, or fewer than 3 rows that differ."""
    largest = float(np.abs(x).max())
    if largest > LARGEST:
        raise ValueError(f"x holds values as large as {largest:.3g}; the projections' squared distances would "
                         f"overflow: scale x down first, e.g. helpers.vectors.normalize(x)")
    distinct = len(np.unique(x, axis=0))
    if distinct < 3:
        raise ValueError(f"x has only {distinct} different row(s), the others are copies; a map needs at least 3 "
                         f"different points: drop the duplicates (np.unique(x, axis=0)) or add data")
    spread = float(np.ptp(x, axis=0).max())
    if spread < CLOSEST * largest or spread < 1e-30:
        raise ValueError(f"the rows of x differ by at most {spread:.3g} while its values reach {largest:.3g}: they are "
                         f"too close to tell apart; subtract the mean row and rescale, e.g. "
                         f"(x - x.mean(0)) / np.ptp(x, axis=0).max()")


def project(x: np.ndarray, method: Method = "umap", *, seed: int = 0, **params: Any) -> np.ndarray:
    """Project the rows of ``x`` (n, d) to 2-D; returns (n, 2) float32.

    ``method`` is ``"pca"``, ``"tsne"`` (setting: ``perplexity``, default 30; starts from the
    PCA layout, as scikit-learn does by default) or ``"umap"`` (``n_neighbors``, default 15,
    and ``min_dist``, default 0.1). UMAP runs on one thread so that ``seed`` makes it
    repeatable; its first call in a kernel compiles code with numba (seconds).

    Input no map can be drawn from is refused with a ``ValueError`` before the libraries see
    it (some of them crash the kernel on it): NaN or inf, values above 1e10, fewer than 3
    different rows, or rows that differ by less than a millionth of their values.
    """
    x = as_matrix(x, "x")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    seed = _seed(seed)
    if x.shape[0] < 3:
        raise ValueError(f"x needs at least 3 rows to make a map, got {x.shape[0]}")
    settings = _check_params(method, params, x.shape[0])
    _check_spread(x)
    if method == "pca":
        from sklearn.decomposition import PCA

        out = PCA(n_components=2, random_state=seed).fit_transform(x)
    elif method == "tsne":
        from sklearn.manifold import TSNE

        out = TSNE(n_components=2, perplexity=float(settings["perplexity"]), init="pca",
                   random_state=seed).fit_transform(x)
    else:
        import umap

        out = umap.UMAP(n_components=2, n_neighbors=settings["n_neighbors"], min_dist=float(settings["min_dist"]),
                        random_state=seed, n_jobs=1).fit_transform(x)
    return np.ascontiguousarray(out, dtype=np.float32)


def _nearest(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's k nearest other rows (Euclidean), shape (n, k), unordered."""
    sq = (x * x).sum(axis=1)
    d = sq[:, None] + sq[None, :] - 2 * (x @ x.T)
    np.fill_diagonal(d, np.inf)  # a point is not its own neighbour
    return np.argpartition(d, k - 1, axis=1)[:, :k]


def neighbours_kept(x: np.ndarray, y: np.ndarray, k: int = 10) -> float:
    """Mean share of each point's ``k`` nearest neighbours in ``x`` that are also its nearest in ``y``.

    ``x`` and ``y`` hold the same points in two spaces (for example (n, 384) embeddings and
    their (n, 2) map). 1.0 means every neighbourhood survived; a random map scores about k / n.
    """
    x = as_matrix(x, "x").astype(np.float64)
    y = as_matrix(y, "y").astype(np.float64)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: both must hold the same points, in the same order")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k < len(x):
        raise ValueError(f"k must be an int between 1 and {len(x) - 1} (the number of other points), got {k!r}")
    near_x, near_y = _nearest(x, k), _nearest(y, k)
    shared = [np.intersect1d(a, b, assume_unique=True).size for a, b in zip(near_x, near_y)]
    return float(np.mean(shared) / k)
