"""tools/render_html.py: executed solution notebooks as static HTML, with an index."""

from __future__ import annotations

import re

import nbformat
import pytest
import render_html
from notebooks import SOLUTIONS


def test_a_rendered_lesson_holds_its_executed_outputs_and_the_index_links_it(tmp_path):
    stored = (SOLUTIONS / "00_setup.ipynb").read_bytes()
    assert render_html.main(["00_setup", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "00_setup.html").read_text()
    assert "(3, 384) float32" in page                      # printed by the first encoding cell
    assert "Exercise 0.1: passed" in page                  # an exercise check ran, and passed
    assert render_html.IMAGE.search(page), "the similarity heatmap should be an inline image"
    assert "Traceback" not in page
    index = (tmp_path / "index.html").read_text()
    row = re.search(r'<tr><td><a href="00_setup.html">00_setup</a></td>.*?</tr>', index)
    assert row and re.search(r"<td>\d+\.\d s</td>", row[0]) and "<td>ok</td>" in row[0]
    # only HTML and the index's record come out; the repository's notebook keeps no outputs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00_setup.html", "index.html", "index.json"]
    assert (SOLUTIONS / "00_setup.ipynb").read_bytes() == stored


@pytest.mark.filterwarnings("ignore:Your element with mimetype:UserWarning")  # the dead plotly output
def test_a_failing_notebook_and_dead_interactive_outputs_are_marked_failed(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (
        "import ipywidgets\nipywidgets.IntSlider(3)",                       # a widget, no picture
        "import plotly.graph_objects as go, plotly.io as pio\npio.renderers.default = 'plotly_mimetype'\n"
        "go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))",                         # plotly.js not in the page
        "raise RuntimeError('broken on purpose')",
        "print('never runs')")])
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "html"
    out.mkdir()
    result = render_html.render(path, out)
    assert not result.ok and result.widgets == 1 and result.plotly == 1
    problems = "\n".join(result.problems)
    assert "RuntimeError: broken on purpose" in problems
    assert "widget(s) but no static picture" in problems and "plotly.js is not inside" in problems
    assert "broken on purpose" in (out / "99_broken.html").read_text()   # the traceback is shown
    index = render_html.write_index(out, [result]).read_text()
    assert "FAILED: execution failed" in index


def test_an_unknown_notebook_name_lists_the_ones_there_are():
    with pytest.raises(SystemExit, match="no notebook 'nope'.*00_setup"):
        render_html.resolve(["nope"])
    assert render_html.resolve(["solutions/00_setup.ipynb"]) == [SOLUTIONS / "00_setup.ipynb"]
