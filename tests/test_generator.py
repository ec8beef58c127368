"""tools/make_lessons.py: solution regions become stubs, and drift is caught."""

from __future__ import annotations

import make_lessons
import nbformat
import notebooks
import pytest


def test_a_solution_region_becomes_a_stub_at_its_indentation():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x * 2\n    ### END SOLUTION\n\nprint(f)"
    assert make_lessons.strip_solutions(source, "t") == "def f(x):\n    pass  # YOUR CODE HERE\n\nprint(f)"


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ],
)
def test_unbalanced_markers_are_errors(source, problem):
    with pytest.raises(make_lessons.GenerationError, match=problem):
        make_lessons.strip_solutions(source, "t")


def _notebook():
    title = nbformat.v4.new_markdown_cell("# 42 · Test\n*A subtitle.*\n\n**Time:** about 1 minute")
    answer = nbformat.v4.new_code_cell("x = None\n### BEGIN SOLUTION\nx = 41 + 1\n### END SOLUTION")
    hidden = nbformat.v4.new_code_cell("assert x == 42")
    hidden.metadata["tags"] = ["solution"]
    answer.outputs = [nbformat.v4.new_output("stream", text="old output")]
    answer.execution_count = 3
    nb = nbformat.v4.new_notebook(cells=[title, answer, hidden])
    nb.metadata["widgets"] = {"state": {}}
    return nb


def test_lessons_drop_solution_cells_and_outputs_and_get_their_own_badges():
    solution = make_lessons.normalize(_notebook(), "solutions/42_test.ipynb")
    lesson = make_lessons.to_lesson(solution, "42_test.ipynb")
    assert "widgets" not in solution.metadata
    assert solution.cells[1].outputs == [] and solution.cells[1].execution_count is None
    assert len(lesson.cells) == 2
    assert lesson.cells[1].source == "x = None\npass  # YOUR CODE HERE"
    assert notebooks.badges("lessons/42_test.ipynb") in lesson.cells[0].source
    assert notebooks.badges("solutions/42_test.ipynb") in solution.cells[0].source
    # normalizing twice changes nothing (badges are replaced, not added)
    again = make_lessons.normalize(solution, "solutions/42_test.ipynb")
    assert again.cells[0].source == solution.cells[0].source


def test_check_mode_passes_on_the_repository():
    assert make_lessons.main(["--check"]) == 0


def test_check_mode_fails_on_a_stale_lesson(tmp_path, monkeypatch, capsys):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "lessons").mkdir()
    (tmp_path / "README.md").write_text("x\n<!-- lessons:start -->\n<!-- lessons:end -->\n")
    (tmp_path / "pyproject.toml").write_text((notebooks.ROOT / "pyproject.toml").read_text())
    nbformat.write(_notebook(), tmp_path / "solutions" / "42_test.ipynb")
    for module in (make_lessons, notebooks):
        monkeypatch.setattr(module, "ROOT", tmp_path)
        monkeypatch.setattr(module, "SOLUTIONS", tmp_path / "solutions")
        monkeypatch.setattr(module, "LESSONS", tmp_path / "lessons")
    assert make_lessons.main(["--check"]) == 1  # lesson missing
    assert make_lessons.main([]) == 0  # generate
    assert make_lessons.main(["--check"]) == 0
    lesson = tmp_path / "lessons" / "42_test.ipynb"
    lesson.write_text(lesson.read_text().replace("YOUR CODE HERE", "x = 42"))  # edited by hand
    assert make_lessons.main(["--check"]) == 1
    assert "stale: lessons/42_test.ipynb" in capsys.readouterr().out
