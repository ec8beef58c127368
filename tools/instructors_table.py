"""Write the per-notebook time and memory table of docs/instructors.md from a test run.

    python tools/instructors_table.py          # rewrite the marked block from reports/notebooks.csv
    python tools/instructors_table.py --check  # exit 1 if the block differs from the CSV

``make test`` writes reports/notebooks.csv (conftest.py: seconds and peak MB of every
notebook's kernel on the CI machine); run this after it and commit the guide.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path

from notebooks import ROOT

CSV = ROOT / "reports" / "notebooks.csv"
DOC = ROOT / "docs" / "instructors.md"
START, END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"
COLUMNS = ("notebook", "seconds", "peak_mb")
PATH_RE = re.compile(r"^(solutions|lessons)/(\d\d_[a-z0-9_]+\.ipynb)$")
BINDER_MB = 2048  # Binder kills a session above 2 GB
BUDGET_S, BUDGET_MB = 90, 1536  # the course's budget per notebook (DESIGN.md)


class TableError(ValueError):
    """The CSV or the guide is not what this tool expects; the message says why."""


def read_csv(path: Path) -> dict[str, tuple[float, float, float]]:
    """``{notebook file name: (seconds, peak MB, time budget)}``, the larger of its lesson and solution runs.

    The time budget is the CSV's ``budget_s`` (90 s scaled to the machine that ran, conftest.py),
    or 90 s in a CSV without that column.
    """
    if not path.is_file():
        raise TableError(f"{path} does not exist: run `make test` first (it writes the per-notebook "
                         "seconds and peak memory there)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
        header = tuple(rows[0].keys()) if rows else ()
    if not rows:
        raise TableError(f"{path} has no notebook rows; expected the columns {', '.join(COLUMNS)}")
    if any(c not in header for c in COLUMNS):
        raise TableError(f"{path} has the columns {', '.join(map(str, header))}; expected {', '.join(COLUMNS)}")
    worst: dict[str, tuple[float, float, float]] = {}
    for line, row in enumerate(rows, start=2):
        match = PATH_RE.match(row["notebook"] or "")
        if not match:
            raise TableError(f"{path} line {line}: {row['notebook']!r} is not solutions/NN_name.ipynb "
                             "or lessons/NN_name.ipynb")
        try:
            seconds, mb, budget = float(row["seconds"]), float(row["peak_mb"]), float(row.get("budget_s") or BUDGET_S)
        except (TypeError, ValueError):
            raise TableError(f"{path} line {line}: seconds and peak_mb must be numbers, got "
                             f"{row['seconds']!r} and {row['peak_mb']!r}") from None
        if not (seconds > 0 and mb > 0 and math.isfinite(seconds + mb)):
            raise TableError(f"{path} line {line}: seconds and peak_mb must be positive, got {seconds} and {mb}")
        old = worst.get(match.group(2), (0.0, 0.0, budget))
        worst[match.group(2)] = (max(old[0], seconds), max(old[1], mb), budget)
    return dict(sorted(worst.items()))


def _binder_memory(mb: float) -> str:
    spare = BINDER_MB - mb
    if spare < 0:
        return f"**no**: {mb - BINDER_MB:.0f} MB over"
    return f"yes, {spare:.0f} MB spare" + (" (tight: close other notebooks)" if spare < 768 else "")


def render(worst: dict[str, tuple[float, float, float]]) -> str:
    """The markdown that goes between the markers."""
    factor = max(budget for _, _, budget in worst.values()) / BUDGET_S
    speed = ("the course's reference machine" if factor < 1.05 else
             f"a machine {factor:.1f} times slower than the course's reference (its budget: {BUDGET_S * factor:.0f} s)")
    lines = [
        f"Measured by `make test` on {speed}, 2 cores (`reports/notebooks.csv`, the "
        "slower of each notebook's lesson and solution runs, kernel start and model load included). "
        "CI machines differ about threefold in speed (`tools/machine_speed.py`). "
        "Binder gives one core instead of two: its times are an estimate (twice the measured time), "
        "not a measurement; memory does not depend on the cores.",
        "",
        "| notebook | 2 cores: time | peak memory | Binder (1 core): time, estimated | fits Binder's 2 GB? |",
        "|---|---|---|---|---|",
    ]
    for name, (seconds, mb, budget) in worst.items():
        flag = " ⚠ over the course budget" if seconds > budget or mb > BUDGET_MB else ""
        lines.append(f"| [{name.removesuffix('.ipynb')}](../lessons/{name}) | {seconds:.0f} s | "
                     f"{mb:.0f} MB{flag} | about {2 * seconds:.0f} s | {_binder_memory(mb)} |")
    total = sum(s for s, _, _ in worst.values())
    lines += ["", f"All {len(worst)} notebooks one after another: about {math.ceil(total / 60)} minutes "
              f"on 2 cores, about {math.ceil(2 * total / 60)} on Binder."]
    return "\n".join(lines)


def rewrite(text: str, block: str) -> str:
    """``text`` with the markers' content replaced by ``block``."""
    if text.count(START) != 1 or text.count(END) != 1 or text.find(START) > text.find(END):
        raise TableError(f"the guide must hold {START} once, followed by {END} once")
    head, rest = text.split(START)
    return head + START + "\n" + block + "\n" + END + rest.split(END, 1)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=CSV, help=f"default: {CSV.relative_to(ROOT)}")
    parser.add_argument("--doc", type=Path, default=DOC, help=f"default: {DOC.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the block is stale")
    args = parser.parse_args(argv)
    try:
        old = args.doc.read_text() if args.doc.is_file() else ""
        if not old:
            raise TableError(f"{args.doc} does not exist or is empty")
        new = rewrite(old, render(read_csv(args.csv)))
    except TableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != old:
            print(f"stale: {args.doc} differs from {args.csv}; run python tools/instructors_table.py")
            return 1
        print(f"up to date: {args.doc}")
        return 0
    if new != old:
        args.doc.write_text(new)
        print(f"wrote the notebook table of {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
