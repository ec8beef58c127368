"""The course's rules for notebooks and files, checked on every notebook."""

from __future__ import annotations

import json
import re
import subprocess
from urllib.parse import parse_qs, urlparse

import notebooks
import pytest
from notebooks import LESSONS, ROOT, SOLUTIONS

SOLUTION_NAMES = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
ALL = [SOLUTIONS / n for n in SOLUTION_NAMES] + sorted(LESSONS.glob("*.ipynb"))


def linked_file(url: str) -> str:
    """The repository path a Colab or Binder launch URL opens."""
    parts = urlparse(url)
    if parts.netloc == "mybinder.org":
        return parse_qs(parts.query)["urlpath"][0].removeprefix("lab/tree/")
    return parts.path.split("/blob/", 1)[1].split("/", 1)[1]


def test_launch_urls_are_parsed_to_the_files_they_open():
    assert linked_file(notebooks.colab_url("lessons/00_setup.ipynb")) == "lessons/00_setup.ipynb"
    assert linked_file(notebooks.binder_url("lessons/00_setup.ipynb")) == "lessons/00_setup.ipynb"


def test_there_are_notebooks_and_both_folders_have_the_same_names():
    assert SOLUTION_NAMES, "no notebooks in solutions/"
    assert SOLUTION_NAMES == sorted(p.name for p in LESSONS.glob("*.ipynb"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
class TestEveryNotebook:
    def test_name_is_numbered_snake_case(self, path):
        assert notebooks.NAME_RE.match(path.name)

    def test_stored_without_outputs_counts_or_widget_state(self, path):
        nb = json.loads(path.read_text())
        assert "widgets" not in nb["metadata"]
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None

    def test_title_cell_has_badges_for_this_very_file(self, path):
        nb = notebooks.read(path)
        title = nb.cells[0].source
        number = path.name[:2]
        assert title.startswith(f"# {number} · "), "title must be '# NN · Title'"
        rel = path.relative_to(ROOT).as_posix()
        assert notebooks.badges(rel) in title
        launch_urls = [u for u in re.findall(r"\]\((https://(?:colab|mybinder)[^)]+)\)", title)
                       if not u.endswith(".svg")]
        assert len(launch_urls) == 2
        for url in launch_urls:
            assert (ROOT / linked_file(url)).is_file(), f"badge points at a missing file: {url}"

    def test_setup_cell_is_the_canonical_one(self, path):
        nb = notebooks.read(path)
        setup = [c for c in nb.cells if c.cell_type == "code" and "helpers.setup(" in c.source]
        assert len(setup) == 1 and setup[0].source == notebooks.setup_cell()

    def test_no_path_hacks_remote_code_or_pickle(self, path):
        text = path.read_text()
        for smell in ("sys.path.insert", "sys.path.append", "trust_remote_code=True", "allow_pickle=True", "pickle.load"):
            assert smell not in text

    def test_models_are_loaded_through_helpers_only(self, path):
        for cell in notebooks.read(path).cells:
            if cell.cell_type == "code":
                assert "from_pretrained(" not in cell.source and "SentenceTransformer(" not in cell.source

    def test_relative_links_point_at_existing_files(self, path):
        for cell in notebooks.read(path).cells:
            if cell.cell_type == "markdown":
                for link in re.findall(r"\]\(([^)#:]+)\)", cell.source):
                    assert (path.parent / link).exists(), f"broken link {link}"


@pytest.mark.parametrize("name", SOLUTION_NAMES)
def test_lessons_hold_no_solutions(name):
    lesson = notebooks.read(LESSONS / name)
    solution = notebooks.read(SOLUTIONS / name)
    text = (LESSONS / name).read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert not any("solution" in notebooks.tags(c) for c in lesson.cells)
    lesson_code = "\n".join(c.source for c in lesson.cells if c.cell_type == "code")
    solution_code = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    region = re.compile(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", re.S)
    taught = {line.strip() for line in region.sub("", solution_code).splitlines()}  # lines the lesson shows anyway
    for body in region.findall(solution_code):
        for line in body.splitlines():
            if len(line.strip()) > 12 and line.strip() not in taught:
                assert line.strip() not in lesson_code, f"solution line leaked: {line.strip()}"
    solutions_with_exercises = sum("BEGIN SOLUTION" in c.source for c in solution.cells)
    assert lesson_code.count("pass  # YOUR CODE HERE") == solutions_with_exercises


@pytest.mark.parametrize("name", SOLUTION_NAMES)
def test_notebooks_state_claims_with_helpers_claim_not_bare_asserts(name):
    """A bare assert shows a learner a traceback with no expected or measured value (issue 14)."""
    for folder in (SOLUTIONS, LESSONS):
        code = "\n".join(c.source for c in notebooks.read(folder / name).cells if c.cell_type == "code")
        bare = [line.strip() for line in code.splitlines() if re.match(r"\s*assert\b", line)]
        assert not bare, f"{folder.name}/{name}: use helpers.claim(...) instead of {bare}"


def test_helpers_and_tools_have_no_path_hacks_or_remote_code():
    for path in list((ROOT / "helpers").rglob("*.py")) + list((ROOT / "tools").rglob("*.py")):
        text = path.read_text()
        assert "trust_remote_code=True" not in text and "allow_pickle=True" not in text, path
        assert "sys.path.insert" not in text and "sys.path.append" not in text, path


def test_readme_lists_every_lesson_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    for name in SOLUTION_NAMES:
        assert f"(lessons/{name})" in readme
        assert notebooks.badges(f"lessons/{name}") in readme


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_importing_helpers_is_fast_and_pulls_no_heavy_library():
    code = ("import sys, time; t = time.perf_counter(); import helpers, helpers.check, helpers.models; "
            "heavy = [m for m in ('torch', 'faiss', 'umap', 'sentence_transformers', 'transformers') if m in sys.modules]; "
            "print(heavy, time.perf_counter() - t)")
    out = subprocess.run(["python", "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    heavy, seconds = out.rsplit(" ", 1)
    assert heavy == "[]", f"imported at import time: {heavy}"
    assert float(seconds) < 1.0
