"""Interactive figures: a plotly hover scatter and sliders over precomputed maps.

:func:`interactive_scatter` returns a plotly figure whose hover shows each point's text;
the matplotlib :func:`helpers.plots.scatter_2d` of the same points is its static
fallback. :func:`map_explorer` puts sliders over maps computed in advance. Both are
re-exported by :mod:`helpers.plots`. Introduced in lesson 04.
"""

from __future__ import annotations

import html
import io
import textwrap
from typing import TYPE_CHECKING, Any, Callable, Hashable, Mapping, Sequence

import numpy as np

from helpers.figures import scatter_2d
from helpers.plot_inputs import _labels, _marker, _points, _text_or_none, _texts, label_colors

if TYPE_CHECKING:  # for type hints only: importing this module stays free of plotly and ipywidgets
    import ipywidgets
    import plotly.graph_objects as go

__all__ = ["interactive_scatter", "map_explorer"]


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
