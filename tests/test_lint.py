"""The house rules as a tool: ruff (configured in pyproject.toml) passes on every .py file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_passes_without_blanket_noqa():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is missing: pip install -e '.[test]'"
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    blanket = [p for p in ROOT.glob("**/*.py") if ".venv" not in p.parts
               and any(line.rstrip().endswith("# noqa") for line in p.read_text().splitlines())]
    assert not blanket, f"blanket noqa (name the rule): {blanket}"
