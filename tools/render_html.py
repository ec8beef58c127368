"""Execute the solution notebooks and write static HTML copies for instructors to preview.

    python tools/render_html.py                        # every notebook in solutions/
    python tools/render_html.py 00_setup 03_similarity # a subset, by name
    python tools/render_html.py --out /tmp/site        # somewhere else than reports/html/

Each notebook runs offline (HF_HUB_OFFLINE=1, strict exercise checks) in a kernel of its own,
from a temporary working folder, and is converted with nbconvert to ``<out>/<name>.html``;
``<out>/index.html`` lists every rendered notebook with its run time. The executed notebooks
are never written anywhere: the repository's copies stay output-free.

Interactive outputs must still say something without a kernel: a plotly figure has to carry
plotly.js inside the page (helpers.plots sets that up), and a notebook with a widget has to
hold a static picture too (the course's rule: every widget has a static fallback). A notebook
that fails, or breaks those rules, is still rendered (its traceback is worth seeing) but is
marked FAILED in the index, and the command exits 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from notebooks import ROOT, SOLUTIONS

OUT = ROOT / "reports" / "html"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_JS = re.compile(r"plotly\.js v\d+\.\d+")      # the banner of the embedded library
ANSI = re.compile(r"\x1b\[[0-9;]*m")                 # colours in a traceback
IMAGE = re.compile(r"<img[^>]+src=\"data:image/(?:png|jpeg|svg\+xml)")


@dataclass
class Rendered:
    """One notebook's line in the index."""

    name: str
    title: str
    seconds: float
    images: int = 0
    widgets: int = 0
    plotly: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def resolve(names: list[str]) -> list[Path]:
    """``00_setup``, ``00_setup.ipynb`` or ``solutions/00_setup.ipynb`` -> the solution notebook."""
    available = sorted(SOLUTIONS.glob("*.ipynb"))
    if not names:
        return available
    paths = []
    for name in names:
        path = SOLUTIONS / f"{Path(name).stem}.ipynb"
        if not path.is_file():
            raise SystemExit(f"error: no notebook {name!r} in solutions/; choose from "
                             f"{', '.join(p.stem for p in available)}")
        paths.append(path)
    return paths


def _title(nb) -> str:
    first = nb.cells[0].source.splitlines()[0] if nb.cells and nb.cells[0].source else ""
    return first.lstrip("# ").strip()


def _outputs(nb, mime: str) -> int:
    return sum(mime in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.get("outputs", []))


def execute(path: Path, timeout: int = 600) -> tuple[nbformat.NotebookNode, float, str | None]:
    """Run the notebook in a fresh kernel; return it with outputs, the seconds, and the error if any."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    # Offline, strict checks, and no progress bars (in a static page they are dead widgets).
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HELPERS_CHECK_STRICT": "1", "TQDM_DISABLE": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="render-") as workdir:  # anything a cell writes lands here
        client = NotebookClient(nb, timeout=timeout, startup_timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": workdir}})
        try:
            client.execute(env=env)
            error = None
        except CellExecutionError as exc:  # the HTML keeps the traceback; the index says FAILED
            error = ANSI.sub("", str(exc)).strip().splitlines()[-1][:300]
        except (CellTimeoutError, DeadKernelError) as exc:
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
    return nb, time.perf_counter() - start, error


def to_html(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    return body


def render(path: Path, out: Path, timeout: int = 600) -> Rendered:
    nb, seconds, error = execute(path, timeout)
    page = to_html(nb)
    (out / f"{path.stem}.html").write_text(page, encoding="utf-8")
    result = Rendered(path.stem, _title(nb), round(seconds, 1), images=len(IMAGE.findall(page)),
                      widgets=_outputs(nb, WIDGET_MIME), plotly=_outputs(nb, PLOTLY_MIME))
    if error:
        result.problems.append(f"execution failed: {error}")
    if result.widgets and not result.images:
        result.problems.append(f"{result.widgets} widget(s) but no static picture in the HTML")
    if result.plotly and not PLOTLY_JS.search(page):
        result.problems.append("a plotly figure, but plotly.js is not inside the page (it would show nothing offline)")
    return result


def write_index(out: Path, results: list[Rendered]) -> Path:
    """index.html for this run's notebooks plus those rendered earlier into ``out``."""
    record = out / "index.json"
    known = {}
    if record.exists():
        known = {r["name"]: Rendered(**r) for r in json.loads(record.read_text())}
    known.update({r.name: r for r in results})
    rows = [known[n] for n in sorted(known) if (out / f"{n}.html").exists()]
    record.write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    lines = []
    for r in rows:
        status = "ok" if r.ok else "FAILED: " + html.escape("; ".join(r.problems))
        extras = ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for n, what in (
            (r.images, "image"), (r.plotly, "plotly figure"), (r.widgets, "widget")) if n)
        lines.append(f'<tr><td><a href="{r.name}.html">{html.escape(r.name)}</a></td>'
                     f"<td>{html.escape(r.title)}</td><td>{r.seconds:.1f} s</td>"
                     f"<td>{extras}</td><td>{status}</td></tr>")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    index = out / "index.html"
    index.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Text embeddings course: executed notebooks</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}td,th{{padding:.3rem .8rem;text-align:left}}
tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>Text embeddings course: executed notebooks</h1>
<p>The solution notebooks, run offline by <code>tools/render_html.py</code> (last run {stamp}).
Widgets need a running kernel; each one has a static figure or printout next to it.</p>
<table><tr><th>notebook</th><th>title</th><th>run time</th><th>outputs</th><th>status</th></tr>
{chr(10).join(lines)}
</table></body></html>
""", encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="names in solutions/ (default: all), e.g. 00_setup")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: reports/html)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default: 600)")
    args = parser.parse_args(argv)
    paths = resolve(args.notebooks)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for path in paths:
        print(f"{path.stem}: executing", flush=True)
        results.append(render(path, args.out, args.timeout))
        r = results[-1]
        print(f"{path.stem}: {'ok' if r.ok else 'FAILED'} in {r.seconds:.1f} s, {r.images} image(s)"
              + (f" - {'; '.join(r.problems)}" if r.problems else ""), flush=True)
    index = write_index(args.out, results)
    failed = [r.name for r in results if not r.ok]
    print(f"wrote {len(results)} page(s) and {index}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
