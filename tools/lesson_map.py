"""Which lessons use which helpers modules, read from the solution notebooks' code.

``tools/make_lessons.py`` uses this map twice, so neither can drift: the README's lesson
table gets a "helpers used" column, and every helpers module a notebook calls ends its
docstring with a generated line such as ``Lessons: 03, 05, 06.``. A notebook that starts
(or stops) calling a module changes both the next time the generator runs; ``--check``
fails until then.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
from notebooks import ROOT

HELPERS = ROOT / "helpers"
LINE_PREFIX = "Lessons: "
# helpers.X..., from helpers.X import ..., from helpers import X, Y; and helpers.claim(...)
_DOTTED = re.compile(r"\bhelpers\.([a-z_]+)")
_FROM_MODULE = re.compile(r"^\s*from helpers\.([a-z_]+)", re.M)
_FROM_PACKAGE = re.compile(r"^\s*from helpers import ([\w, ()]+)", re.M)
_ALIASES = {"claim": "claims"}  # a function re-exported at the top: the module it lives in


def module_file(name: str) -> Path | None:
    """The file of helpers submodule ``name`` (a module or a package's __init__), if it exists."""
    for path in (HELPERS / f"{name}.py", HELPERS / name / "__init__.py"):
        if path.exists():
            return path
    return None


def modules_used(nb: nbformat.NotebookNode) -> set[str]:
    """The helpers submodules a notebook's code cells call (setup excluded: every lesson has it)."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "helpers.setup(" not in c.source)
    names = set(_DOTTED.findall(code)) | set(_FROM_MODULE.findall(code))
    for group in _FROM_PACKAGE.findall(code):
        names |= {n.strip(" ()") for n in group.split(",")}
    names = {_ALIASES.get(n, n) for n in names}
    return {n for n in names if module_file(n) is not None}


def lesson_map(solutions: dict[str, nbformat.NotebookNode]) -> dict[str, list[str]]:
    """helpers module -> the two-digit lesson numbers that use it, in order."""
    used: dict[str, set[str]] = {}
    for name, nb in solutions.items():
        for module in modules_used(nb):
            used.setdefault(module, set()).add(name[:2])
    return {module: sorted(lessons) for module, lessons in sorted(used.items())}


def with_lessons_line(source: str, lessons: list[str], where: str) -> str:
    """``source`` with its module docstring ending in the generated ``Lessons: ...`` line."""
    tree = ast.parse(source)
    first = tree.body[0] if tree.body else None
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        raise ValueError(f"{where}: a helpers module a lesson uses needs a module docstring")
    lines = source.splitlines(keepends=True)
    start, end = first.lineno - 1, first.end_lineno  # the docstring's lines, end exclusive
    text = "".join(lines[start:end])
    quote = text.lstrip()[:3]
    body = text.strip()[3:-3]
    kept = [line for line in body.splitlines() if not line.startswith(LINE_PREFIX)]
    while kept and not kept[-1].strip():
        kept.pop()
    new = f"{quote}{chr(10).join(kept)}\n\n{LINE_PREFIX}{', '.join(lessons)}.\n{quote}\n"
    return "".join(lines[:start]) + new + "".join(lines[end:])


def docstring_files(solutions: dict[str, nbformat.NotebookNode]) -> dict[Path, str]:
    """Every helpers module the lessons use, with its generated ``Lessons:`` line in place."""
    files = {}
    for module, lessons in lesson_map(solutions).items():
        path = module_file(module)
        files[path] = with_lessons_line(path.read_text(), lessons, str(path.relative_to(ROOT)))
    return files


def helpers_column(nb: nbformat.NotebookNode) -> str:
    """The README table cell: the modules one lesson calls, as `code`."""
    return ", ".join(f"`{m}`" for m in sorted(modules_used(nb))) or "none"
