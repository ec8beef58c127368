"""Static figures: labelled 2-D maps and similarity heatmaps (matplotlib, seaborn).

Each takes an optional matplotlib ``ax`` and returns it, and never calls ``plt.show()``.
Re-exported by :mod:`helpers.plots`. Introduced in lesson 03.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Hashable, Mapping, Sequence

import numpy as np

from helpers.plot_inputs import _ax, _labels, _marker, _points, _text_or_none, _texts, label_colors

if TYPE_CHECKING:  # for type hints only: importing helpers.plots stays free of matplotlib and plotly
    from matplotlib.axes import Axes

__all__ = ["scatter_2d", "scatter_grid", "similarity_heatmap"]


# ---------------------------------------------------------------- input checks

def scatter_2d(points: np.ndarray, labels: Sequence[Hashable], ax: Axes | None = None, *,
               title: str | None = None, xlabel: str = "dimension 1", ylabel: str = "dimension 2",
               annotations: Sequence[str] | None = None, legend: bool = True,
               size: float | None = None) -> Axes:
    """Scatter ``points`` (n, 2), one colour per label, with a legend built from ``labels``.

    Each label is drawn as its own group, so the legend can only name labels that are
    really there. ``annotations`` writes a short text next to each point (for small sets).
    """
    points = _points(points)
    labels = _labels(labels, len(points))
    for value, name in ((title, "title"), (xlabel, "xlabel"), (ylabel, "ylabel")):
        _text_or_none(value, name)
    if annotations is not None:
        annotations = _texts(annotations, len(points), "annotations")
    ax = _ax(ax)
    size = size if size is not None else (60 if len(points) <= 50 else 14)
    label_array = np.array([str(x) for x in labels])
    colours = label_colors(labels)
    for i, (label, colour) in enumerate(colours.items()):
        rows = label_array == str(label)
        ax.scatter(points[rows, 0], points[rows, 1], s=size, color=colour, label=str(label),
                   marker=_marker(i, len(colours)), alpha=0.85, linewidths=0)
    for (x, y), text in zip(points, annotations or []):
        ax.annotate(text, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.set(title=title or "", xlabel=xlabel, ylabel=ylabel)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False,
                  markerscale=max(1.0, 40 / size) ** 0.5)
    return ax


def scatter_grid(maps: Mapping[str, np.ndarray], labels: Sequence[Hashable], *, ncols: int = 3,
                 title: str | None = None, panel_size: tuple[float, float] = (4.2, 3.6),
                 xlabel: str = "dimension 1", ylabel: str = "dimension 2") -> np.ndarray:
    """One :func:`scatter_2d` panel per map (titled by its key), one shared legend; returns the axes."""
    if not isinstance(maps, Mapping) or not maps:
        raise TypeError("maps must be a non-empty dict {panel title: points of shape (n, 2)}")
    if not isinstance(ncols, int) or isinstance(ncols, bool) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    _text_or_none(title, "title")
    checked = {str(name): _points(p, f"maps[{name!r}]") for name, p in maps.items()}
    n = {len(p) for p in checked.values()}
    if len(n) != 1:
        raise ValueError(f"every map must have the same points; got row counts {sorted(n)}")
    labels = _labels(labels, n.pop())
    import matplotlib.pyplot as plt

    ncols = min(ncols, len(checked))
    nrows = -(-len(checked) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             squeeze=False, layout="constrained")
    for ax, (name, points) in zip(axes.flat, checked.items()):
        scatter_2d(points, labels, ax, title=name, xlabel=xlabel, ylabel=ylabel, legend=False)
    for ax in axes.flat[len(checked):]:
        ax.axis("off")
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper", fontsize="small", frameon=False)
    if title:
        fig.suptitle(title)
    return axes


def similarity_heatmap(sim: np.ndarray, labels: Sequence[str] | None = None, ax: Axes | None = None, *,
                       col_labels: Sequence[str] | None = None, title: str = "Cosine similarity",
                       annotate: bool | None = None, fmt: str = ".2f", vmin: float | None = None,
                       vmax: float | None = None, cmap: str = "viridis", max_label: int = 40) -> Axes:
    """A seaborn heatmap of a similarity matrix (rows x columns), annotated when it is small.

    ``labels`` name the rows (and the columns too, for a square matrix, unless ``col_labels``
    is given); long labels are cut to ``max_label`` characters. ``annotate`` defaults to
    writing the numbers when the matrix has at most 15 rows and 15 columns.
    """
    if hasattr(sim, "detach"):
        sim = sim.detach().cpu().numpy()
    if not isinstance(sim, np.ndarray):
        raise TypeError(f"sim must be a NumPy array (rows x columns), got {type(sim).__name__}")
    if sim.ndim != 2 or 0 in sim.shape:
        raise ValueError(f"sim must be a non-empty 2-D matrix, got shape {sim.shape}; "
                         "for vectors a and b use a @ b.T")
    if not np.issubdtype(sim.dtype, np.number) or np.issubdtype(sim.dtype, np.complexfloating):
        raise TypeError(f"sim must hold real numbers, got dtype {sim.dtype}")
    if not np.isfinite(sim).all():
        raise ValueError(f"sim contains NaN or inf values (row {int(np.argwhere(~np.isfinite(sim))[0, 0])})")
    _text_or_none(title, "title")
    rows = [str(x) for x in _labels(labels, sim.shape[0])] if labels is not None else None
    if col_labels is not None:
        cols = [str(x) for x in _labels(col_labels, sim.shape[1], "col_labels")]
    else:
        cols = rows if rows is not None and sim.shape[0] == sim.shape[1] else None
    import seaborn as sns

    def cut(names: list[str] | None) -> Any:
        return "auto" if names is None else [s if len(s) <= max_label else s[: max_label - 1] + "…" for s in names]

    ax = _ax(ax)
    annotate = max(sim.shape) <= 15 if annotate is None else bool(annotate)
    sns.heatmap(sim, ax=ax, annot=annotate, fmt=fmt, vmin=vmin, vmax=vmax, cmap=cmap, square=sim.shape[0] == sim.shape[1],
                xticklabels=cut(cols), yticklabels=cut(rows), cbar_kws={"label": "similarity"},
                annot_kws={"fontsize": 8})
    ax.set_title(title)
    return ax
