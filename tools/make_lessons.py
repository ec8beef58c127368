"""Generate lessons/ from solutions/ (the only notebooks authors edit).

    python tools/make_lessons.py          # normalize solutions/, write lessons/, README table, lesson map
    python tools/make_lessons.py --check  # exit 1 if anything is stale (CI runs this)

In a lesson, a region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
``pass  # YOUR CODE HERE`` at the region's indentation, and cells tagged ``solution`` are
dropped. Both copies are stored without outputs, execution counts or widget state, and
their title cells carry Colab and Binder badges for that very file.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

# tools/ is on sys.path when this runs as a script, and in the tests (pytest's pythonpath).
from lesson_map import docstring_files, helpers_column
from notebooks import BADGE_LINE_START, LESSONS, ROOT, SOLUTIONS, badges, dumps, read, tags

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "pass  # YOUR CODE HERE"
README_START, README_END = "<!-- lessons:start -->", "<!-- lessons:end -->"


class GenerationError(ValueError):
    pass


def strip_solutions(source: str, where: str) -> str:
    """Replace every solution region in a code cell's source with a stub line."""
    out, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise GenerationError(f"{where}: nested {BEGIN}")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + STUB)
        elif marker == END:
            if not inside:
                raise GenerationError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise GenerationError(f"{where}: {BEGIN} is never closed")
    return "\n".join(out)


def set_badges(nb, path: str) -> None:
    """Put this file's badges in the title cell (the first cell, a markdown heading)."""
    title = nb.cells[0]
    if title.cell_type != "markdown" or not title.source.startswith("# "):
        raise GenerationError(f"{path}: the first cell must be a markdown title '# NN · ...'")
    lines = [l for l in title.source.splitlines() if not l.startswith(BADGE_LINE_START)]
    insert_at = next((i for i, l in enumerate(lines[1:], 1) if l.strip() == ""), len(lines))
    lines[insert_at:insert_at] = ["", badges(path)]
    text = "\n".join(lines)
    title.source = re.sub(r"\n{3,}", "\n\n", text)


def normalize(nb, path: str):
    """Outputs, execution counts and widget state off; badges for ``path`` on."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    set_badges(nb, path)
    return nb


def to_lesson(solution, name: str):
    lesson = copy.deepcopy(solution)
    lesson.cells = [c for c in lesson.cells if "solution" not in tags(c)]
    for i, cell in enumerate(lesson.cells):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"solutions/{name} cell {i}")
    set_badges(lesson, f"lessons/{name}")
    return lesson


def lesson_table(notebooks: dict[str, object]) -> str:
    """The README's lesson table, from each solution's title cell."""
    rows = ["| # | lesson | you will learn | time | helpers used | launch |", "|---|---|---|---|---|---|"]
    for name, nb in notebooks.items():
        lines = nb.cells[0].source.splitlines()
        number, _, title = lines[0].lstrip("# ").partition(" · ")
        subtitle = next((l.strip("*_ ") for l in lines[1:] if l.startswith(("*", "_"))), "")
        time = re.search(r"\*\*Time:\*\*\s*([^·\n]+)", nb.cells[0].source)
        rows.append(
            f"| {number} | [{title}](lessons/{name}) | {subtitle} | "
            f"{time.group(1).strip() if time else ''} | {helpers_column(nb)} | {badges(f'lessons/{name}')} |"
        )
    return "\n".join(rows)


def build() -> dict[Path, str]:
    """Every file the generator owns, with the content it should have."""
    files: dict[Path, str] = {}
    solutions = {}
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        solution = normalize(read(path), f"solutions/{path.name}")
        solutions[path.name] = solution
        files[path] = dumps(solution)
        files[LESSONS / path.name] = dumps(to_lesson(solution, path.name))
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < 0:
        raise GenerationError(f"README.md needs the markers {README_START} and {README_END}")
    files[readme] = text[: start + len(README_START)] + "\n" + lesson_table(solutions) + "\n" + text[end:]
    files.update(docstring_files(solutions))  # each helpers module names the lessons that use it
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if any file is stale; write nothing")
    args = parser.parse_args(argv)
    try:
        files = build()
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    orphans = [p for p in LESSONS.glob("*.ipynb") if not (SOLUTIONS / p.name).exists()]
    if args.check:
        for p in stale:
            print(f"stale: {p.relative_to(ROOT)}")
        for p in orphans:
            print(f"orphan lesson without a solution: {p.relative_to(ROOT)}")
        if stale or orphans:
            print("Run `python tools/make_lessons.py` (or `make lessons`) and commit the result.")
            return 1
        print(f"up to date: {len(files)} files")
        return 0
    LESSONS.mkdir(exist_ok=True)
    for p in stale:
        p.write_text(files[p])
        print(f"wrote {p.relative_to(ROOT)}")
    for p in orphans:
        p.unlink()
        print(f"removed orphan {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
