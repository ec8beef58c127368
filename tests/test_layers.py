"""The helpers package imports one way: core -> models -> lesson tools -> train -> env -> command line.

Every import is read from the source, those inside functions included, so a cycle hidden
in a function body fails here too. See DESIGN.md, "The helpers package".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "helpers"
LAYERS = ["core", "models", "lesson tools", "train", "env", "command line"]
# Modules kept at their old paths for existing code: they belong to the layer they re-export.
SHIMS = {"helpers.reranker": "train", "helpers.bundle": "env", "helpers.colab": "env", "helpers.doctor": "env"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> str:
    if name in SHIMS:
        return SHIMS[name]
    # claims needs nothing but errors, and the package's top level offers helpers.claim(...)
    if name in ("helpers", "helpers.errors", "helpers.claims") or name.startswith("helpers.core"):
        return "core"
    if name == "helpers.__main__":
        return "command line"
    top = name.split(".")[1]
    return {"models": "models", "train": "train", "env": "env"}.get(top, "lesson tools")


def imports(name: str) -> set[str]:
    """The helpers modules ``name`` imports, anywhere in its source."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                       for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports(name) for name in MODULES}


def test_every_module_has_a_layer_and_imports_only_its_own_or_lower_layers():
    upward = [f"{a} ({layer(a)}) imports {b} ({layer(b)})" for a, targets in GRAPH.items() for b in targets
              if LAYERS.index(layer(b)) > LAYERS.index(layer(a))]
    assert not upward, "upward imports:\n" + "\n".join(sorted(upward))


def test_no_import_cycle():
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = "open"
        stack.append(name)
        for target in sorted(GRAPH[name]):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)
    print("\n".join(f"{layer(n):<13} {n}" for n in sorted(GRAPH, key=lambda n: (LAYERS.index(layer(n)), n))))


def test_loading_never_imports_training():
    reach, todo = set(), ["helpers.models"]
    while todo:
        name = todo.pop()
        for target in GRAPH[name] - reach:
            reach.add(target)
            todo.append(target)
    assert not {n for n in reach if layer(n) in ("train", "env", "command line")}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = "def f():\n    from helpers.models import locate\n"
    tree = ast.parse(source)
    assert any(isinstance(n, ast.ImportFrom) and n.module == "helpers.models" for n in ast.walk(tree))
    assert "helpers.models" in imports("helpers.embed") or "helpers.models.registry" in imports("helpers.embed")
    assert "helpers.pooling" in imports("helpers.embed")  # imported inside _unnormalized


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_small(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= 320, f"{name} has {lines} lines: split it by concern (about 300 at most)"
