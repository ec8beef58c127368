"""tools/lesson_map.py: the lessons a module serves are read from the notebooks, not typed."""

from __future__ import annotations

import nbformat
import pytest
from lesson_map import helpers_column, lesson_map, modules_used, with_lessons_line


def _nb(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_every_way_a_notebook_calls_a_module_is_found_and_setup_is_not():
    nb = _nb("import helpers\nhelpers.setup(seed=0)\nhelpers.colab.install_missing()",
             "emb = helpers.embed.encode(texts)",
             "from helpers.check import lesson05 as check",
             "from helpers import metrics, search",
             "helpers.claim('x', 1, at_least=0)",
             "helpers.nothing_by_this_name.f()")
    assert modules_used(nb) == {"embed", "check", "metrics", "search", "claims"}
    assert helpers_column(nb) == "`check`, `claims`, `embed`, `metrics`, `search`"
    assert lesson_map({"05_a.ipynb": nb, "02_b.ipynb": _nb("helpers.embed.encode(x)")})["embed"] == ["02", "05"]


def test_the_lessons_line_is_added_once_and_replaced_when_lessons_change():
    one_line = '"""Tiny module."""\n\nx = 1\n'
    once = with_lessons_line(one_line, ["03"], "m.py")
    assert once == '"""Tiny module.\n\nLessons: 03.\n"""\n\nx = 1\n'
    again = with_lessons_line(once, ["03", "06"], "m.py")
    assert again.count("Lessons:") == 1 and "Lessons: 03, 06." in again and again.endswith("x = 1\n")


def test_a_module_without_a_docstring_is_refused():
    with pytest.raises(ValueError, match="needs a module docstring"):
        with_lessons_line("x = 1\n", ["01"], "m.py")
