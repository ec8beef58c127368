"""A real JupyterLab in headless Chromium (tools/browser_check.py) runs a lesson and moves a widget.

Chromium is installed with apt-get when it is missing (root only), and these tests fail,
not skip, when it cannot be: a browser check that quietly does not run proves nothing.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import browser_check
import nbformat
import psutil
import pytest
from notebooks import LESSONS, ROOT


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, path)
    return path


SLIDER = """import ipywidgets as widgets
slider = widgets.IntSlider(3, 0, 10)
readout = widgets.HTML("value 3")
{observe}
widgets.VBox([slider, readout])"""


def test_the_check_fails_on_an_error_cell_and_on_a_widget_that_changes_nothing(tmp_path):
    """Three tiny notebooks in one JupyterLab: the check must tell them apart."""
    raises = _notebook(tmp_path / "raises.ipynb", "import warnings; warnings.warn('a warning is fine')",
                       "raise ValueError('boom in cell 2')", "print('never runs')")
    live = _notebook(tmp_path / "live_slider.ipynb", SLIDER.format(
        observe="slider.observe(lambda change: setattr(readout, 'value', f'value {change.new}'), 'value')"))
    dead = _notebook(tmp_path / "dead_slider.ipynb", SLIDER.format(observe="# nothing listens to the slider"))
    shots = tmp_path / "shots"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    results = {r.notebook: r for r in browser_check.run_checks([raises, live, dead], shots, timeout=240)}

    r = results["raises.ipynb"]
    assert not r.ok and r.errors == ["cell 2: ValueError: boom in cell 2"], r.failure
    assert (shots / "raises-failure.png").stat().st_size > 10_000

    r = results["live_slider.ipynb"]
    assert r.ok, r.failure
    assert r.widget_changed and "value 4" in r.widget and r.errors == []
    assert {p.name for p in r.screenshots} == {
        "live_slider-run.png", "live_slider-widget-before.png", "live_slider-widget-after.png"}

    r = results["dead_slider.ipynb"]
    assert not r.ok and r.widget_changed is False
    assert "changed nothing" in r.failure

    # the notebooks themselves were only copied: JupyterLab saved outputs into the copies
    assert nbformat.read(live, as_version=4).cells[0].outputs == []
    # JupyterLab, its kernels, the Playwright driver and Chromium are all gone
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"left running: {[p.name() for p in left]}"


def test_ctrl_c_shuts_down_jupyterlab_and_the_browser(tmp_path):
    slow = _notebook(tmp_path / "slow.ipynb", "import time; time.sleep(600)")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "browser_check.py"), str(slow),
                             "--shots", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url, lines = None, []
    try:
        for line in proc.stdout:  # wait until the notebook is running in the browser
            lines.append(line)
            url = url or (re.search(r"JupyterLab (http://\S+)", line) or [None, None])[1]
            if "Run All Cells" in line:
                break
        assert url and "Run All Cells" in lines[-1], "the check did not get to running the notebook:\n" + "".join(lines)
        time.sleep(3)
        started = psutil.Process(proc.pid).children(recursive=True)
        assert any("chromium" in p.name() for p in started) and any("ipykernel" in " ".join(p.cmdline())
                                                                    for p in started)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, "".join(lines) + out
    assert "interrupted" in out
    alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"left running: {[p.name() for p in alive]}"
    with pytest.raises((urllib.error.URLError, OSError)):
        urllib.request.urlopen(f"{url}/api/status", timeout=5)


def test_without_chromium_or_apt_get_the_message_says_what_to_do(monkeypatch):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(browser_check, "CHROMIUM_PATHS", ["/nonexistent/chromium"])
    monkeypatch.setattr(browser_check.shutil, "which", lambda name: None)
    with pytest.raises(browser_check.CheckError, match="apt-get is not available.*CHROMIUM="):
        browser_check.find_chromium()
    monkeypatch.setattr(browser_check.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(browser_check.os, "geteuid", lambda: 1000)
    with pytest.raises(browser_check.CheckError, match="needs root.*sudo apt-get install -y chromium"):
        browser_check.find_chromium()


def test_lesson_04_runs_in_jupyterlab_and_its_plot_and_widget_respond():
    """The lessons/ copy (what `make lab` and the badges open): run all, hover, move a slider."""
    notebook = LESSONS / "04_visualization.ipynb"
    stored = notebook.read_bytes()
    [result] = browser_check.run_checks([notebook])
    assert result.ok, f"{result.failure} (screenshots: {browser_check.SHOTS})"
    assert result.errors == [] and result.cells > 20
    # a hover label shows a passage: "<topic> <title> — <text>"
    assert result.hover_text and " — " in result.hover_text
    # the map explorer's slider swapped the map picture
    assert result.widget_changed and "picture changed" in result.widget
    for step in ("run", "hover", "widget-before", "widget-after"):
        assert (browser_check.SHOTS / f"04_visualization-{step}.png").stat().st_size > 10_000
    assert notebook.read_bytes() == stored, "the repository's notebook must stay output-free"
