"""helpers.plots: every point drawn, legends from the real labels, hover text that reaches the HTML."""

from __future__ import annotations

import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")  # no display in the test run

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402

POINTS = np.array([[0, 0], [1, 1], [2, 0], [3, 3], [4, 1]], dtype=np.float32)
LABELS = ["dogs", "cats", "dogs", "AI", "cats"]
TEXTS = ["A dog barks at the postman.", "The cat sleeps on the windowsill.", "Puppies need long walks.",
         "Neural networks learn patterns from data.", "Kittens chase a ball of yarn."]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def drawn(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections)


def legend_names(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def test_importing_plots_pulls_no_plotting_library():
    code = ("import sys, helpers.plots, helpers.projections; "
            "print([m for m in ('matplotlib', 'plotly', 'umap', 'seaborn', 'sklearn') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_scatter_2d_draws_every_point_with_a_legend_of_the_real_labels():
    ax = plots.scatter_2d(POINTS, LABELS, title="Five points")
    assert drawn(ax) == len(POINTS)
    assert legend_names(ax.get_legend()) == sorted(set(LABELS))
    assert ax.get_title() == "Five points" and ax.get_xlabel() and ax.get_ylabel()
    # each group holds exactly the points of its label
    for collection in ax.collections:
        label = collection.get_label()
        expected = POINTS[[i for i, x in enumerate(LABELS) if x == label]]
        np.testing.assert_allclose(np.sort(collection.get_offsets(), axis=0), np.sort(expected, axis=0))


def test_scatter_2d_uses_the_given_axes_and_keeps_colours_across_figures():
    fig, (left, right) = plt.subplots(1, 2)
    assert plots.scatter_2d(POINTS, LABELS, left) is left
    plots.scatter_2d(POINTS[::-1], LABELS[::-1], right)  # the same labels in another order
    colour = {c.get_label(): tuple(c.get_facecolor()[0]) for c in left.collections}
    for c in right.collections:
        assert tuple(c.get_facecolor()[0]) == colour[c.get_label()]


def test_scatter_2d_annotations_and_numeric_labels():
    ax = plots.scatter_2d(POINTS, [3, 10, 3, 2, 10], annotations=[str(i) for i in range(5)])
    assert legend_names(ax.get_legend()) == ["2", "3", "10"]  # numbers sorted as numbers
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2", "3", "4"]


def test_scatter_grid_one_panel_per_map_and_one_shared_legend():
    maps = {"pca": POINTS, "t-SNE": POINTS[::-1].copy(), "UMAP": POINTS * 2}
    axes = plots.scatter_grid(maps, LABELS, ncols=2, title="Three maps")
    titles = [ax.get_title() for ax in axes.flat if ax.axison]
    assert titles == list(maps) and all(drawn(ax) == 5 for ax in axes.flat if ax.axison)
    legends = axes.flat[0].figure.legends
    assert len(legends) == 1 and legend_names(legends[0]) == sorted(set(LABELS))


def test_similarity_heatmap_annotates_small_matrices_and_labels_the_axes():
    sim = np.array([[1.0, 0.2, 0.5], [0.2, 1.0, 0.1], [0.5, 0.1, 1.0]])
    names = ["cat", "dog", "a very long sentence about the sun and the solar system and more"]
    ax = plots.similarity_heatmap(sim, names, title="Three texts")
    assert ax.get_title() == "Three texts"
    assert [t.get_text() for t in ax.texts][:3] == ["1.00", "0.20", "0.50"]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[:2] == ["cat", "dog"] and ticks[2].endswith("…") and len(ticks[2]) == 40
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks  # square: columns share the labels


def test_similarity_heatmap_big_or_rectangular():
    big = np.random.default_rng(0).random((30, 30))
    assert len(plots.similarity_heatmap(big).texts) == 0  # too big to write numbers in
    rect = plots.similarity_heatmap(np.ones((2, 3)), ["q1", "q2"], col_labels=["p1", "p2", "p3"])
    assert [t.get_text() for t in rect.get_xticklabels()] == ["p1", "p2", "p3"]


def test_interactive_scatter_has_every_point_the_labels_and_the_hover_texts():
    fig = plots.interactive_scatter(POINTS, LABELS, TEXTS, title="Hover me")
    assert [t.name for t in fig.data] == sorted(set(LABELS))
    assert sum(len(t.x) for t in fig.data) == len(POINTS)
    hovers = [h for t in fig.data for h in t.hovertext]
    assert sorted(hovers) == sorted(TEXTS)
    page = fig.to_html(include_plotlyjs=False, full_html=False)
    for text in TEXTS:
        assert text in page
    assert fig.layout.title.text == "Hover me" and fig.layout.xaxis.title.text


def test_interactive_scatter_shortens_wraps_and_escapes_long_texts():
    long = "word " * 100 + "<script>"
    fig = plots.interactive_scatter(POINTS[:1], ["x"], [long], max_chars=50, width=20)
    hover = fig.data[0].hovertext[0]
    assert hover.endswith("…") and "<br>" in hover and "<script>" not in hover
    assert max(len(line) for line in hover.split("<br>")) <= 20
    fig = plots.interactive_scatter(POINTS[:1], ["x"], ["a < b & c"])
    assert fig.data[0].hovertext[0] == "a &lt; b &amp; c"


def test_interactive_scatter_output_embeds_plotly_js_in_a_jupyter_kernel(monkeypatch):
    import plotly.io as pio

    monkeypatch.setattr(pio.renderers, "default", "plotly_mimetype")  # what plotly picks in a Jupyter kernel
    fig = plots.interactive_scatter(POINTS, LABELS, TEXTS)
    assert pio.renderers.default == "plotly_mimetype+notebook"
    bundle = pio.renderers._build_mime_bundle(fig.to_dict(), renderers_string=None)
    assert "application/vnd.plotly.v1+json" in bundle and "text/html" in bundle  # JupyterLab / exported HTML
    assert TEXTS[0] in bundle["text/html"]
    # the notebook renderer also writes plotly.js itself into the notebook, once, for use without internet
    assert pio.renderers["notebook"].include_plotlyjs is False and pio.renderers["notebook"].global_init
    json.dumps(bundle["application/vnd.plotly.v1+json"], default=str)

    monkeypatch.setattr(pio.renderers, "default", "colab")  # a choice plotly made for Colab is kept
    plots.interactive_scatter(POINTS, LABELS, TEXTS)
    assert pio.renderers.default == "colab"


def test_label_colors_are_stable_and_distinct():
    first = plots.label_colors(["b", "a", "c", "a"])
    assert list(first) == ["a", "b", "c"] and len(set(first.values())) == 3
    assert plots.label_colors(["c", "b", "a"]) == first
    many = plots.label_colors([f"t{i}" for i in range(25)])
    assert len(set(many.values())) == 25


def test_twelve_topics_get_twelve_colours_and_the_last_two_another_marker():
    topics = [f"topic {i:02d}" for i in range(12)]
    ax = plots.scatter_2d(np.arange(24, dtype=float).reshape(12, 2), topics)
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 12
    paths = [c.get_paths()[0].vertices.shape for c in ax.collections]
    assert paths[0] == paths[9] and paths[10] == paths[11] and paths[0] != paths[10]  # circles, then triangles
    fig = plots.interactive_scatter(np.zeros((12, 2)), topics, topics)
    assert [t.marker.symbol for t in fig.data] == ["circle"] * 10 + ["triangle-up"] * 2


def test_map_explorer_switches_between_precomputed_maps():
    grid = {(5, 0.0): POINTS, (5, 0.5): POINTS * 2, (15, 0.0): POINTS[::-1].copy()}
    box = plots.map_explorer(grid, LABELS, names=("n_neighbors", "min_dist"), start=(15, 0.0))
    first, second, image, note = box.children
    assert (first.description, first.options, first.value) == ("n_neighbors", (5, 15), 15)
    assert (second.description, second.options, second.value) == ("min_dist", (0.0, 0.5), 0.0)
    shown = bytes(image.value)
    assert shown.startswith(b"\x89PNG")
    first.value = 5
    assert bytes(image.value).startswith(b"\x89PNG") and bytes(image.value) != shown and note.value == ""
    first.value, second.value = 15, 0.5  # no map for (15, 0.5): the picture stays, a note says why
    assert "no map was computed for n_neighbors=15, min_dist=0.5" in note.value
    assert not plt.get_fignums()  # drew nothing outside the widget


def test_map_explorer_with_plain_keys_and_titles():
    box = plots.map_explorer({3: POINTS, 30: POINTS * 3}, LABELS, names=("perplexity",),
                             title=lambda p: f"t-SNE, perplexity {p}")
    slider, image, _ = box.children
    assert slider.options == (3, 30) and slider.value == 3
    slider.value = 30
    assert bytes(image.value).startswith(b"\x89PNG")


@pytest.mark.parametrize("call, error, words", [
    (lambda: plots.scatter_2d(np.ones((5, 3)), LABELS), ValueError, "project to 2-D first"),
    (lambda: plots.scatter_2d(POINTS, LABELS[:4]), ValueError, "4 entries but there are 5 points"),
    (lambda: plots.scatter_2d(POINTS.tolist(), LABELS), TypeError, "np.asarray"),
    (lambda: plots.scatter_2d(np.where(POINTS == 3, np.nan, POINTS), LABELS), ValueError, "NaN or inf values (row 3)"),
    (lambda: plots.scatter_2d(POINTS, "cats"), TypeError, "one label per point"),
    (lambda: plots.scatter_2d(POINTS, [None] * 5), TypeError, "labels[0] is NoneType"),
    (lambda: plots.scatter_2d(POINTS, LABELS, ax="left"), TypeError, "matplotlib Axes"),
    (lambda: plots.scatter_2d(POINTS, LABELS, annotations=["a"]), ValueError, "annotations has 1 entries"),
    (lambda: plots.scatter_2d(np.ones((0, 2)), []), ValueError, "n >= 1"),
    (lambda: plots.scatter_grid({}, LABELS), TypeError, "non-empty dict"),
    (lambda: plots.scatter_grid({"a": POINTS, "b": POINTS[:3]}, LABELS), ValueError, "same points"),
    (lambda: plots.scatter_grid({"a": POINTS}, LABELS, ncols=0), ValueError, "ncols"),
    (lambda: plots.similarity_heatmap(np.ones(3)), ValueError, "2-D matrix"),
    (lambda: plots.similarity_heatmap(np.ones((2, 2)), ["a"]), ValueError, "1 entries but there are 2 points"),
    (lambda: plots.similarity_heatmap([[1.0]]), TypeError, "NumPy array"),
    (lambda: plots.similarity_heatmap(np.array([[np.inf]])), ValueError, "NaN or inf"),
    (lambda: plots.interactive_scatter(POINTS, LABELS, TEXTS[:2]), ValueError, "hover_texts has 2 entries"),
    (lambda: plots.interactive_scatter(POINTS, LABELS, [1] * 5), TypeError, "hover_texts[0] is int"),
    (lambda: plots.interactive_scatter(POINTS, LABELS, TEXTS, max_chars=0), ValueError, "max_chars"),
    (lambda: plots.label_colors([]), ValueError, "empty"),
    (lambda: plots.map_explorer({}, LABELS), TypeError, "non-empty dict"),
    (lambda: plots.map_explorer({(5, 0.1): POINTS}, LABELS), ValueError, "needs 1 part(s)"),
    (lambda: plots.map_explorer({5: POINTS}, LABELS, names="perplexity"), TypeError, "list of slider names"),
    (lambda: plots.map_explorer({5: POINTS}, LABELS, start=7), ValueError, "start=7 is not a key"),
    (lambda: plots.map_explorer({5: POINTS, 6: POINTS[:4]}, LABELS), ValueError, "same points"),
    (lambda: plots.map_explorer({5: np.ones((5, 3))}, LABELS), ValueError, "maps[5] must have shape (n, 2)"),
])
def test_bad_input_says_what_is_wrong(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
