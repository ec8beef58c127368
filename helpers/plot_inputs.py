"""Input checks, colours and markers shared by the course's figures (:mod:`helpers.plots`).

Colours follow the sorted set of labels, so a topic keeps its colour in every figure.
Introduced in lesson 03 (through :mod:`helpers.plots`).
"""

from __future__ import annotations

from numbers import Number
from typing import Any, Hashable, Sequence

import numpy as np

__all__ = ["label_colors"]


def _points(points: Any, name: str = "points") -> np.ndarray:
    """A finite float array of shape (n, 2), or a clear error."""
    if hasattr(points, "detach"):  # a torch tensor
        points = points.detach().cpu().numpy()
    if not isinstance(points, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of shape (n, 2), got {type(points).__name__}; "
                        f"use np.asarray({name})")
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        hint = " (project to 2-D first, with PCA, t-SNE or UMAP)" if points.ndim == 2 and points.shape[1] > 2 else ""
        raise ValueError(f"{name} must have shape (n, 2) with n >= 1, got {points.shape}{hint}")
    if not np.issubdtype(points.dtype, np.number) or np.issubdtype(points.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {points.dtype}")
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise ValueError(f"{name} contains NaN or inf values (row {int(np.flatnonzero(bad)[0])}); "
                         "drop those rows or fix the projection")
    return points.astype(np.float64, copy=False)


def _labels(labels: Any, n: int | None, name: str = "labels") -> list[Hashable]:
    """One label (a string or a number) per point; ``n=None`` skips the length check."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list or array with one label per point, got {type(labels).__name__}")
    labels = list(np.asarray(labels).tolist()) if isinstance(labels, np.ndarray) else list(labels)
    if n is None and not labels:
        raise ValueError(f"{name} is empty")
    if n is not None and len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} entries but there are {n} points; give one label per point")
    for i, label in enumerate(labels):
        if not isinstance(label, (str, Number)) or isinstance(label, bool):
            raise TypeError(f"{name}[{i}] is {type(label).__name__}; labels must be strings or numbers")
    return labels


def _texts(texts: Any, n: int, name: str) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a list of strings, one per point, got {type(texts).__name__}")
    texts = list(texts)
    if len(texts) != n:
        raise ValueError(f"{name} has {len(texts)} entries but there are {n} points; give one text per point")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{i}] is {type(text).__name__}, not a string")
    return texts


def _ax(ax: Any) -> Any:
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.5, 5))
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (for example from plt.subplots()) or None, "
                        f"got {type(ax).__name__}")
    return ax


def _text_or_none(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")


# ---------------------------------------------------------------- colours

def _order(labels: Sequence[Hashable]) -> list[Hashable]:
    """Distinct labels, sorted (numbers numerically, everything else as text)."""
    distinct = set(labels)
    if all(isinstance(x, Number) for x in distinct):
        return sorted(distinct)  # type: ignore[type-var]
    return sorted(distinct, key=str)


# matplotlib's tab10, then ten more that stay distinct from it (tab20's light twins of tab10
# are too easy to confuse with their dark ones on a map of twelve topics).
_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#000000", "#000075", "#f032e6", "#469990", "#800000", "#9acd32",
            "#b39ddb", "#daa520", "#66cdaa", "#f4a460"]
# Labels past the tenth also get another marker shape, so no two labels look alike.
_MARKERS = [("o", "circle"), ("^", "triangle-up")]


def label_colors(labels: Sequence[Hashable]) -> dict[Hashable, str]:
    """A hex colour for each distinct label, the same in every figure with the same label set."""
    labels = _labels(labels, None)
    order = _order(labels)
    n = len(order)
    if n <= len(_PALETTE):
        return dict(zip(order, _PALETTE))
    import matplotlib

    cmap = matplotlib.colormaps["turbo"]
    return {label: matplotlib.colors.to_hex(cmap(i / (n - 1))) for i, label in enumerate(order)}


def _marker(i: int, n: int, plotly: bool = False) -> str:
    """Circles for the first ten labels, triangles for the next ten (circles only beyond 20)."""
    shape = _MARKERS[i // 10] if n <= len(_PALETTE) else _MARKERS[0]
    return shape[1] if plotly else shape[0]


# ---------------------------------------------------------------- static figures
