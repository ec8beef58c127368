"""Run notebooks under several perturbations and report each claim's worst margin.

    python tools/claim_margins.py                      # every solution notebook, every perturbation
    python tools/claim_margins.py 04 05 --runs default cold avx2

Each run executes a notebook in a fresh kernel with ``COURSE_CLAIMS_LOG`` set, so every
``helpers.claim`` appends its bound, measured value and margin (``helpers/claims.py``). The
table shows, per claim, the smallest margin over all runs (absolute, and relative to the
bound), and whether it ever failed. A claim whose worst margin is near zero does not travel.
Writes reports/claim_margins.md and .csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from notebooks import ROOT, SOLUTIONS

# name -> environment changes. "cold" gets a fresh embedding cache; the others share one
# warm cache (filled by "default", which runs first).
PERTURBATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "cold": {"COURSE_CACHE_DIR": "<fresh>"},
    "avx2-1thread": {"ATEN_CPU_CAPABILITY": "avx2", "OMP_NUM_THREADS": "1", "COURSE_CACHE_DIR": "<fresh>"},
    "generic-kernels": {"ATEN_CPU_CAPABILITY": "default", "COURSE_CACHE_DIR": "<fresh>"},
    "noise-1e-6": {"COURSE_EMBED_NOISE": "1e-6", "COURSE_CACHE_DIR": "<fresh>"},
}
REPORTS = ROOT / "reports"


def run_one(path: Path, env_changes: dict[str, str], log: Path, timeout: int) -> tuple[float, str]:
    """Execute one notebook with the given environment; return (seconds, error or '')."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HELPERS_CHECK_STRICT": "1", "TQDM_DISABLE": "1",
           "COURSE_CLAIMS_LOG": str(log)}
    scratch = None
    for name, value in env_changes.items():
        if value == "<fresh>":
            scratch = tempfile.mkdtemp(prefix="claims-cache-")
            value = scratch
        env[name] = value
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits the environment it is started from
    start = time.perf_counter()
    try:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        error = ""
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:200]
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return time.perf_counter() - start, error


def summarize(records: list[dict]) -> list[dict]:
    """One row per (notebook, claim): worst margin over every run and every repetition."""
    rows: dict[tuple[str, str], dict] = {}
    for r in records:
        key = (r["notebook"], r["claim"])
        row = rows.setdefault(key, {"notebook": r["notebook"], "claim": r["claim"], "runs": set(),
                                    "worst_margin": None, "worst_relative": None, "failed": False,
                                    "bound": "", "worst_measured": None})
        row["runs"].add(r["run"])
        row["failed"] |= not r["holds"]
        if "margin" in r:
            row["bound"] = " and ".join(
                ([f">= {r['at_least']:g}"] if r.get("at_least") is not None else [])
                + ([f"<= {r['at_most']:g}"] if r.get("at_most") is not None else []))
            if r["margin"] is not None and (row["worst_margin"] is None or r["margin"] < row["worst_margin"]):
                row["worst_margin"], row["worst_relative"] = r["margin"], r["relative_margin"]
                row["worst_measured"] = r["measured"]
        else:
            row["bound"] = r.get("expected", "true")
    return sorted(rows.values(), key=lambda row: (row["notebook"], row["claim"]))


def write_reports(rows: list[dict], timings: list[tuple[str, str, float, str]]) -> Path:
    REPORTS.mkdir(exist_ok=True)
    with open(REPORTS / "claim_margins.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["notebook", "claim", "bound", "worst_measured", "worst_margin", "worst_relative",
                    "runs", "ever_failed"])
        for r in rows:
            w.writerow([r["notebook"], r["claim"], r["bound"], r["worst_measured"], r["worst_margin"],
                        r["worst_relative"], len(r["runs"]), r["failed"]])
    lines = ["| notebook | claim | bound | worst measured | worst margin (relative) | runs | failed |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        margin = "" if r["worst_margin"] is None else f"{r['worst_margin']:.4g} ({r['worst_relative']:.1%})"
        measured = "" if r["worst_measured"] is None else f"{r['worst_measured']:.4g}"
        lines.append(f"| {r['notebook']} | {r['claim']} | {r['bound']} | {measured} | {margin} | "
                     f"{len(r['runs'])} | {'YES' if r['failed'] else 'no'} |")
    lines += ["", "| notebook | run | seconds | error |", "|---|---|---|---|"]
    lines += [f"| {nb} | {run} | {sec:.0f} | {err} |" for nb, run, sec, err in timings]
    out = REPORTS / "claim_margins.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="two-digit prefixes (default: all solutions)")
    parser.add_argument("--runs", nargs="+", choices=list(PERTURBATIONS), default=list(PERTURBATIONS))
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = sorted(p for p in SOLUTIONS.glob("*.ipynb") if not args.notebooks or p.name[:2] in args.notebooks)
    if not paths:
        parser.error(f"no solution notebook starts with {args.notebooks}")
    records: list[dict] = []
    timings = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            for run in args.runs:
                log = Path(tmp) / f"{path.stem}-{run}.jsonl"
                seconds, error = run_one(path, PERTURBATIONS[run], log, args.timeout)
                timings.append((path.stem, run, seconds, error))
                print(f"{path.stem:<32} {run:<16} {seconds:6.0f} s  {error or 'ok'}", flush=True)
                if log.exists():
                    for line in log.read_text().splitlines():
                        records.append({**json.loads(line), "notebook": path.stem[:2], "run": run})
    out = write_reports(summarize(records), timings)
    print(f"written to {out.relative_to(ROOT)}")
    return 1 if any(err for *_, err in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
