"""Open notebooks in a real JupyterLab in headless Chromium, run them, and move a widget.

    python tools/browser_check.py                          # lessons/04_visualization.ipynb
    python tools/browser_check.py lessons/05_ann_search.ipynb solutions/00_setup.ipynb

For each notebook: copy it into a temporary folder (JupyterLab autosaves outputs into the
file it opens, and the repository keeps its notebooks output-free), start JupyterLab there
on a free local port, open the notebook in Debian's Chromium driven by Playwright, accept the
kernel dialog, click Run > Run All Cells, and wait until every cell has run. Then fail on any
error output, hover a plotly scatter (if there is one) and read its hover label, and move the
first slider widget (if there is one) with the keyboard and wait for something other than the
slider itself to change (a picture, a readout). Screenshots go to reports/browser/. JupyterLab,
its kernels and the browser are always shut down, on failure and on Ctrl-C too.

The default is lesson 04 from lessons/, the copy learners open with `make lab` and the
launch badges: it has both kinds of interactive output (a plotly hover scatter and an
ipywidgets map explorer), and its exercise stubs must run without a traceback there.
Chromium is /usr/bin/chromium (or $CHROMIUM); when it is missing it is installed with apt-get.
Exit status: 0 when every notebook passed, 1 when one failed, 2 when the check could not start.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from notebooks import ROOT

DEFAULT_NOTEBOOKS = [ROOT / "lessons" / "04_visualization.ipynb"]
SHOTS = ROOT / "reports" / "browser"
CHROMIUM_PATHS = ["/usr/bin/chromium"]  # Debian's package
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]

# JupyterLab user settings for the run: no news or update pop-ups over the menus, and every
# cell kept in the page (with windowing, cells out of view leave the DOM and are not checked).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        '{"fetchNews": "false", "checkForUpdates": false}',
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}

# Run in the page: the prompt of every code cell, the kernel's state, and widgets that failed.
# (Tracebacks render with the stderr mime type, like warnings: errors are read from the saved
# notebook instead, see _saved_errors.)
STATE_JS = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
    .map(p => p.textContent.trim());
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const widgetErrors = [...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
    .filter(e => /Error displaying widget/.test(e.innerText)).map(e => e.innerText.trim().slice(0, 200));
  return {prompts, kernel: indicator ? indicator.getAttribute('data-status') : null, widgetErrors};
}"""

# True once some code cell is queued ([*]) or has run ([1]).
STARTED_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
  .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""

# What a widget shows, leaving out the sliders themselves (their readout moves with them).
WIDGET_OUTPUT_JS = """(slider) => {
  const output = slider.closest('.jp-OutputArea-output') || slider.parentElement;
  const copy = output.cloneNode(true);
  copy.querySelectorAll('.widget-slider').forEach(s => s.remove());
  const images = [...copy.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
  return {html: copy.innerHTML, text: copy.innerText.trim(), images};
}"""


class CheckError(RuntimeError):
    """The check could not run (no browser, no JupyterLab): not a verdict on a notebook."""


@dataclass
class NotebookResult:
    """What happened to one notebook in the browser."""

    notebook: str
    seconds: float = 0.0
    cells: int = 0
    errors: list[str] = field(default_factory=list)
    hover_text: str | None = None              # a plotly hover label read, or None: no plot
    widget: str | None = None                  # what changed when the slider moved, or None
    widget_changed: bool | None = None         # None: the notebook has no slider
    screenshots: list[Path] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


# ---------------------------------------------------------------- chromium and playwright

def find_chromium(install: bool = True) -> str:
    """The path of Debian's chromium, installing it with apt-get when missing."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), *CHROMIUM_PATHS):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    if not install:
        raise CheckError("chromium is not installed; install it with `apt-get install -y chromium`")
    if shutil.which("apt-get") is None:
        raise CheckError("chromium is not installed and apt-get is not available here: install "
                         "Chromium yourself and set CHROMIUM=/path/to/chromium")
    if os.geteuid() != 0:
        raise CheckError("chromium is not installed and installing it needs root: run "
                         "`sudo apt-get update && sudo apt-get install -y chromium`, "
                         "or set CHROMIUM=/path/to/chromium")
    print("chromium is missing: installing it with apt-get (about 25 s)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise CheckError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return find_chromium(install=False)


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise CheckError("Playwright for Python is missing: `.venv/bin/pip install -e '.[test]'` "
                         "installs it (no `playwright install` needed: Debian's chromium is used)") from exc
    return sync_playwright


# ---------------------------------------------------------------- jupyterlab

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    url: str
    token: str
    root: Path

    def api(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()


@contextmanager
def jupyterlab(notebooks: list[Path], strict_checks: bool, startup_timeout: float = 90) -> Iterator[Lab]:
    """JupyterLab on a free port, serving copies of ``notebooks`` from a temporary folder."""
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.exists():
        raise CheckError(f"{jupyter} not found: install JupyterLab (`pip install -e '.[lab]'`)")
    with tempfile.TemporaryDirectory(prefix="browser-check-") as tmp:
        tmp = Path(tmp)
        root = tmp / "notebooks"
        root.mkdir()
        for nb in notebooks:
            shutil.copy(nb, root / nb.name)
        for name, text in LAB_SETTINGS.items():
            path = tmp / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        token, port = secrets.token_hex(16), free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "HELPERS_CHECK_STRICT": "1" if strict_checks else "0",
               "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
               "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
        command = [str(jupyter), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
        with open(tmp / "jupyterlab.log", "w+") as log:
            # A session of its own, so that JupyterLab and its kernels can be stopped as one group.
            server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            lab = Lab(f"http://127.0.0.1:{port}", token, root)
            try:
                _wait_until_up(server, lab, log, startup_timeout)
                print(f"JupyterLab {lab.url} serving copies in {root}", flush=True)
                yield lab
            finally:
                stop_server(server, lab)


def _wait_until_up(server: subprocess.Popen, lab: Lab, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            log.seek(0)
            raise CheckError(f"JupyterLab exited with status {server.returncode} while starting:\n"
                             f"{log.read()[-3000:]}")
        try:
            lab.api("GET", "/api/status")
            return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise CheckError(f"JupyterLab did not answer at {lab.url} within {timeout:.0f} s")
            time.sleep(0.3)


def stop_server(server: subprocess.Popen, lab: Lab) -> None:
    """Shut JupyterLab down politely (it stops its kernels), then make sure the group is gone."""
    if server.poll() is None:
        try:
            lab.api("POST", "/api/shutdown")
            server.wait(timeout=15)
        except Exception:  # not answering: stop it ourselves
            pass
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    try:  # kernels left behind by a server that died: same process group, started by us
        os.killpg(server.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# ---------------------------------------------------------------- one notebook in the page

def _shot(page, result: NotebookResult, shots: Path, step: str) -> None:
    path = shots / f"{Path(result.notebook).stem}-{step}.png"
    try:
        page.screenshot(path=str(path))
        result.screenshots.append(path)
    except Exception as exc:  # a screenshot must never hide the real failure
        print(f"  (screenshot {path.name} failed: {exc})")


def _say(message: str) -> None:
    print(f"  {message}", flush=True)


def _open(page, lab: Lab, name: str, timeout: float) -> None:
    """Open the notebook in a workspace of its own and get a running kernel."""
    workspace = re.sub(r"[^a-z0-9]", "-", name.lower())
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count() and accept.first.is_visible():  # "Select Kernel" on first open
            accept.first.click()
        if page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count() and _kernel_idle(lab, name):
            return
        page.wait_for_timeout(300)
    raise TimeoutError(f"the kernel did not start within {timeout:.0f} s")


def _kernel_idle(lab: Lab, name: str) -> bool:
    """Whether the server has a kernel for this notebook and it is idle (the page's
    indicator alone can read idle before the kernel is connected)."""
    sessions = json.loads(lab.api("GET", "/api/sessions"))
    return any(s["path"] == name and (s.get("kernel") or {}).get("execution_state") == "idle" for s in sessions)


def _run_all(page, timeout: float) -> dict:
    """Run > Run All Cells from the menu bar; wait until no cell is queued or running."""
    for attempt in range(3):  # a click that lands while the page is still settling can be lost
        page.locator(".jp-Notebook .jp-InputArea-prompt").first.click()  # select, not edit
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(STARTED_JS, timeout=10_000)
            break
        except Exception:
            page.keyboard.press("Escape")
            _say(f"Run All Cells started nothing; trying again ({attempt + 1})")
    else:
        raise RuntimeError("Run > Run All Cells started no cell, three times")
    deadline, settled = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        state = page.evaluate(STATE_JS)
        if state["kernel"] in ("dead", "autorestarting"):
            raise RuntimeError(f"the kernel died ({state['kernel']}), out of memory perhaps")
        started = any(re.match(r"\[\d+\]", p) for p in state["prompts"])
        running = any(p.startswith("[*]") for p in state["prompts"])
        # Run All queues every cell at once ([*]) and an error empties the queue, so
        # "idle, something ran, nothing queued" on three looks in a row means finished.
        settled = settled + 1 if state["kernel"] == "idle" and started and not running else 0
        if settled >= 3:
            return state
    raise TimeoutError(f"the cells did not finish within {timeout:.0f} s")


def _saved_errors(page, lab: Lab, name: str) -> list[str]:
    """Save the notebook from the page (Ctrl+S) and list the error outputs it holds.

    In the page a traceback looks like any stderr text (a warning, say), so the outputs'
    types are read from what JupyterLab saves: the temporary copy, never the repository's.
    """
    page.locator(".jp-Notebook").first.focus()
    page.keyboard.press("Escape")  # command mode, so the shortcut reaches the notebook
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')", timeout=30_000)
    saved = json.loads(lab.api("GET", f"/api/contents/{urllib.parse.quote(name)}?content=1&type=notebook"))
    errors = []
    for i, cell in enumerate(saved["content"]["cells"], 1):
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                errors.append(f"cell {i}: {output['ename']}: {output['evalue']}"[:300])
    return errors


def _hover_plotly(page) -> str | None:
    """Hover the first plotly scatter until a hover label shows; return its text."""
    plot = page.locator(".js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    points = plot.locator(".scatterlayer .point")
    for i in range(min(points.count(), 40)):
        box = points.nth(i).bounding_box()
        if not box:
            continue
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
        label = plot.locator(".hoverlayer .hovertext")
        try:
            label.first.wait_for(state="visible", timeout=1500)
            # the label is SVG text, one <tspan> per line
            return label.first.evaluate("e => [...e.querySelectorAll('tspan.line')].map(t => t.textContent).join(' ')"
                                        " || e.textContent")
        except Exception:
            page.mouse.move(0, 0)
    return None


def _move_slider(page, result: NotebookResult, shots: Path, timeout: float) -> None:
    """Press ArrowRight on the first slider; wait for the widget's output to change."""
    handle = page.locator(".jp-Notebook .widget-slider .noUi-handle").first
    slider = page.locator(".jp-Notebook .widget-slider").first
    page.mouse.move(0, 0)  # no hover label left over the picture
    slider.evaluate("e => e.scrollIntoView({block: 'start'})")  # sliders on top, what they drive below
    readout = slider.locator(".widget-readout")
    value_before = readout.first.inner_text() if readout.count() else "?"
    before = slider.evaluate(WIDGET_OUTPUT_JS)
    _shot(page, result, shots, "widget-before")
    handle.focus()
    page.keyboard.press("ArrowRight")
    value_after = readout.first.inner_text() if readout.count() else "?"
    deadline = time.monotonic() + timeout
    after = before
    while time.monotonic() < deadline and after["html"] == before["html"]:
        page.wait_for_timeout(300)
        after = slider.evaluate(WIDGET_OUTPUT_JS)
    _shot(page, result, shots, "widget-after")
    result.widget_changed = after["html"] != before["html"]
    if not result.widget_changed:
        result.widget = f"slider {value_before} -> {value_after}, nothing else changed"
        return
    what = []
    if after["images"] != before["images"]:
        digest = [hashlib.sha1(s.encode()).hexdigest()[:8] for s in (before["images"] + after["images"])]
        what.append(f"picture changed ({len(before['images'])} image(s), {digest[0]} -> {digest[-1]})")
    if after["text"] != before["text"]:
        changed = [line for line in after["text"].splitlines() if line not in before["text"].splitlines()]
        what.append(f"text now {changed[0][:80]!r}" if changed else "text changed")
    result.widget = f"slider {value_before} -> {value_after}: " + ("; ".join(what) or "output changed")


def check_notebook(page, lab: Lab, name: str, shots: Path, timeout: float) -> NotebookResult:
    """Open, run and probe one notebook; every problem becomes ``result.failure``."""
    result = NotebookResult(name)
    for old in shots.glob(f"{Path(name).stem}-*.png"):  # no picture left from an earlier run
        old.unlink()
    start = time.monotonic()
    try:
        _open(page, lab, name, timeout=min(timeout, 120))
        _say("kernel ready; Run > Run All Cells")
        state = _run_all(page, timeout)
        result.cells = len(state["prompts"])
        result.seconds = time.monotonic() - start
        result.errors = _saved_errors(page, lab, name) + state["widgetErrors"]
        _shot(page, result, shots, "run")
        if result.errors:
            result.failure = f"{len(result.errors)} error output(s): " + " | ".join(result.errors[:3])
            return result
        not_run = [i for i, p in enumerate(state["prompts"], 1) if not re.match(r"\[\d+\]", p)]
        if not_run:
            result.failure = f"code cell(s) {not_run[:5]} did not run, and no error output says why"
            return result
        _say(f"ran {result.cells} code cells in {result.seconds:.0f} s, no error output")
        if page.locator(".jp-Notebook .js-plotly-plot").count():
            result.hover_text = _hover_plotly(page)
            _shot(page, result, shots, "hover")
            if result.hover_text is None:
                result.failure = "a plotly scatter is shown but hovering its points showed no label"
                return result
            _say(f"plotly hover label: {result.hover_text[:70]!r}")
        if page.locator(".jp-Notebook .widget-slider .noUi-handle").count():
            _move_slider(page, result, shots, timeout=60)
            _say(result.widget)
            if not result.widget_changed:
                result.failure = f"moving the slider changed nothing: {result.widget}"
        else:
            _say("no slider widget in this notebook")
        final = page.evaluate(STATE_JS)["widgetErrors"]  # a widget can fail to draw after a change
        if final and not result.failure:
            result.errors = final
            result.failure = "a widget error appeared after moving the slider: " + " | ".join(final[:3])
    except Exception as exc:  # a timeout or a missing element: a failed notebook, with a picture
        result.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        result.seconds = result.seconds or time.monotonic() - start
        if result.failure:
            _shot(page, result, shots, "failure")
        try:  # free the kernel's memory before the next notebook
            for session in json.loads(lab.api("GET", "/api/sessions")):
                lab.api("DELETE", f"/api/sessions/{session['id']}")
        except Exception:
            pass
    return result


# ---------------------------------------------------------------- the command

def run_checks(notebooks: list[Path], shots: Path = SHOTS, timeout: float = 480) -> list[NotebookResult]:
    """Check each notebook in one JupyterLab and one browser; raise CheckError if they cannot start."""
    notebooks = [Path(nb).resolve() for nb in notebooks]
    for nb in notebooks:
        if not nb.is_file() or nb.suffix != ".ipynb":
            raise CheckError(f"not a notebook file: {nb}")
    if len({nb.name for nb in notebooks}) != len(notebooks):
        raise CheckError("two notebooks share a file name; check them in separate runs")
    chromium = find_chromium()
    sync_playwright = _playwright()
    shots.mkdir(parents=True, exist_ok=True)
    strict = all(nb.parent.name == "solutions" for nb in notebooks)
    results = []
    with jupyterlab(notebooks, strict_checks=strict) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            for nb in notebooks:
                print(f"{nb.name}: opening in Chromium", flush=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                try:
                    results.append(check_notebook(page, lab, nb.name, shots, timeout))
                finally:
                    page.close()
                r = results[-1]
                print(f"{nb.name}: {'PASS' if r.ok else 'FAIL'} in {r.seconds:.0f} s"
                      + (f" - {r.failure}" if r.failure else ""), flush=True)
        finally:
            browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to check (default: lesson 04)")
    parser.add_argument("--shots", type=Path, default=SHOTS, help="folder for screenshots (default: reports/browser)")
    parser.add_argument("--timeout", type=float, default=480,
                        help="seconds allowed for one notebook to run (default: 480, room for a busy machine)")
    args = parser.parse_args(argv)

    def stop(signum, frame):  # SIGTERM unwinds like Ctrl-C, so the finally blocks clean up
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        results = run_checks(args.notebooks or DEFAULT_NOTEBOOKS, args.shots, args.timeout)
    except CheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: JupyterLab and the browser were shut down", file=sys.stderr)
        return 130
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} of {len(results)} notebook(s) passed; screenshots in {args.shots}")
    for r in failed:
        print(f"FAILED {r.notebook}: {r.failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
