"""Figures the lessons share: labelled 2-D maps, similarity heatmaps, and a hover scatter.

Introduced in lesson 04 (visualization); lesson 03's heatmaps and later lessons reuse them.
Static plots take an optional matplotlib ``ax`` and return it, and never call
``plt.show()``. :func:`interactive_scatter` returns a plotly figure whose hover shows each
point's text; the matplotlib :func:`scatter_2d` of the same points is its static fallback.
:func:`map_explorer` puts sliders over maps computed in advance. Colours follow the sorted
set of labels, so a topic keeps its colour in every figure.

>>> import numpy as np
>>> ax = scatter_2d(np.array([[0.0, 0.0], [1.0, 1.0]]), ["cats", "dogs"], title="Two points")
>>> [t.get_text() for t in ax.get_legend().get_texts()]
['cats', 'dogs']
"""

from __future__ import annotations

import html
import io
import textwrap
from numbers import Number
from typing import TYPE_CHECKING, Any, Callable, Hashable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:  # for type hints only: importing helpers.plots stays free of matplotlib and plotly
    import ipywidgets
    import plotly.graph_objects as go
    from matplotlib.axes import Axes

__all__ = ["interactive_scatter", "label_colors", "map_explorer", "scatter_2d", "scatter_grid",
           "similarity_heatmap"]


# ---------------------------------------------------------------- input checks

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


# ---------------------------------------------------------------- interactive

def _hover(text: str, max_chars: int, width: int) -> str:
    """Shorten to ``max_chars`` at a word boundary, escape HTML, break lines with <br>."""
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return "<br>".join(html.escape(line, quote=False) for line in textwrap.wrap(text, width) or [""])


def _export_friendly_renderer() -> None:
    """In plain Jupyter, also emit self-contained HTML next to plotly's own mime type.

    Plotly 7 picks the renderer ``plotly_mimetype`` in a Jupyter kernel: JupyterLab draws it
    with its plotly extension, but an exported HTML file (nbconvert) cannot. Adding the
    ``notebook`` renderer writes plotly.js itself into the notebook once, so the saved or
    exported notebook shows the interactive figure with no kernel and no internet. Colab,
    VS Code, Kaggle and a PLOTLY_RENDERER set by the user keep the renderer plotly chose.
    """
    import plotly.io as pio

    if pio.renderers.default == "plotly_mimetype":
        pio.renderers.default = "plotly_mimetype+notebook"


def interactive_scatter(points: np.ndarray, labels: Sequence[Hashable], hover_texts: Sequence[str], *,
                        title: str | None = None, xlabel: str = "dimension 1", ylabel: str = "dimension 2",
                        max_chars: int = 220, width: int = 60, height: int = 560) -> go.Figure:
    """A plotly scatter of ``points`` (n, 2), one trace per label, hover showing each point's text.

    Hover texts are shortened to ``max_chars`` and wrapped every ``width`` characters.
    Click a legend entry to hide a label, double-click to show it alone. Display the
    returned figure as a cell's last line (or ``fig.show()``).
    """
    points = _points(points)
    labels = _labels(labels, len(points))
    hover_texts = _texts(hover_texts, len(points), "hover_texts")
    for value, name in ((title, "title"), (xlabel, "xlabel"), (ylabel, "ylabel")):
        _text_or_none(value, name)
    for value, name, low in ((max_chars, "max_chars", 10), (width, "width", 10), (height, "height", 100)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    import plotly.graph_objects as go

    _export_friendly_renderer()
    label_array = np.array([str(x) for x in labels])
    fig = go.Figure()
    colours = label_colors(labels)
    for i, (label, colour) in enumerate(colours.items()):
        rows = np.flatnonzero(label_array == str(label))
        fig.add_trace(go.Scatter(
            x=points[rows, 0], y=points[rows, 1], mode="markers", name=str(label),
            marker={"color": colour, "size": 7, "opacity": 0.85, "symbol": _marker(i, len(colours), plotly=True)},
            hovertext=[_hover(hover_texts[i], max_chars, width) for i in rows],
            hovertemplate=f"<b>{html.escape(str(label), quote=False)}</b><br>%{{hovertext}}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, legend_title_text="label",
                      template="plotly_white", height=height, hoverlabel={"align": "left"})
    return fig


def map_explorer(maps: Mapping[Any, np.ndarray], labels: Sequence[Hashable], *, names: Sequence[str] = ("setting",),
                 start: Any = None, title: Callable[[Any], str] | None = None,
                 figsize: tuple[float, float] = (7.5, 5.0)) -> ipywidgets.VBox:
    """Sliders that switch between maps computed in advance; nothing is recomputed.

    ``maps`` maps a setting to its points (n, 2): plain keys get one slider, tuple keys one
    slider per position, named by ``names``. Each map is drawn with :func:`scatter_2d` the
    first time it is shown, then cached. The picture is an ``Image`` widget, not the Output
    widget of ``ipywidgets.interact``, which can hang notebooks run without a browser
    (jupyter/nbclient#312). Without a kernel the sliders do nothing: keep a static figure too.
    """
    if not isinstance(maps, Mapping) or not maps:
        raise TypeError("maps must be a non-empty dict {setting: points of shape (n, 2)}")
    if isinstance(names, str) or not names or not all(isinstance(x, str) for x in names):
        raise TypeError(f"names must be a list of slider names (strings), got {names!r}")
    keys = [k if isinstance(k, tuple) else (k,) for k in maps]
    if any(len(k) != len(names) for k in keys):
        raise ValueError(f"every key of maps needs {len(names)} part(s), one per name in {list(names)}; "
                         f"got keys {list(maps)[:3]}")
    checked = {key: _points(p, f"maps[{raw!r}]") for key, (raw, p) in zip(keys, maps.items())}
    if len({len(p) for p in checked.values()}) != 1:
        raise ValueError("every map must have the same points; got different row counts")
    labels = _labels(labels, len(next(iter(checked.values()))))
    first = keys[0] if start is None else (start if isinstance(start, tuple) else (start,))
    if first not in checked:
        raise ValueError(f"start={start!r} is not a key of maps")
    import ipywidgets as widgets
    from matplotlib.figure import Figure  # not pyplot: nothing is shown outside the widget

    def describe(key: tuple) -> str:
        if title is not None:
            return title(key if len(names) > 1 else key[0])
        return ", ".join(f"{n} {v}" for n, v in zip(names, key))

    cache: dict[tuple, bytes] = {}

    def picture(key: tuple) -> bytes:
        if key not in cache:
            fig = Figure(figsize=figsize, layout="constrained")
            scatter_2d(checked[key], labels, fig.add_subplot(), title=describe(key))
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=80)
            cache[key] = buffer.getvalue()
        return cache[key]

    sliders = [widgets.SelectionSlider(options=list(dict.fromkeys(k[i] for k in keys)), value=first[i],
                                       description=name, continuous_update=False,
                                       style={"description_width": "initial"}) for i, name in enumerate(names)]
    image, note = widgets.Image(value=picture(first), format="png"), widgets.Label()

    def update(_: Any = None) -> None:
        key = tuple(slider.value for slider in sliders)
        if key in checked:
            image.value, note.value = picture(key), ""
        else:
            note.value = f"no map was computed for {', '.join(f'{n}={v}' for n, v in zip(names, key))}"

    for slider in sliders:
        slider.observe(update, names="value")
    return widgets.VBox([*sliders, image, note])
