"""Launch links: every Colab and Binder link, in every notebook and in README.md, opens a file
that exists in this repository, on the repository and branch that pyproject's [tool.course] names.

tests/test_structure.py checks that each title cell carries the generated badges for its own
file; this file checks every launch link anywhere, parsed from its URL.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import PurePosixPath
from urllib.parse import parse_qs, unquote, urlparse

import notebooks
import pytest
from notebooks import LESSONS, ROOT, SOLUTIONS

LINK_RE = re.compile(r"https://(?:colab\.research\.google\.com|mybinder\.org)/[^\s)\"'<>\]]+")
BADGE_IMAGES = {"https://colab.research.google.com/assets/colab-badge.svg", "https://mybinder.org/badge_logo.svg"}
NOTEBOOKS = sorted(SOLUTIONS.glob("*.ipynb")) + sorted(LESSONS.glob("*.ipynb"))


def launch_target(url: str) -> str:
    """The repository path a Colab or Binder URL opens ("" for the repository itself).

    Raises ValueError for a link to another repository or branch, or of an unknown shape.
    """
    cfg = notebooks.config()
    parts = urlparse(url)
    if parts.netloc == "colab.research.google.com":
        prefix = f"/github/{cfg['github']}/blob/{cfg['branch']}/"
        if not parts.path.startswith(prefix):
            raise ValueError(f"{url}: Colab should open {prefix}... ({cfg['github']} at {cfg['branch']})")
        path = unquote(parts.path[len(prefix):])
        if not path.endswith(".ipynb"):
            raise ValueError(f"{url}: Colab opens notebooks only")
    elif parts.netloc == "mybinder.org":
        prefix = f"/v2/gh/{cfg['github']}/{cfg['branch']}"
        if parts.path.rstrip("/") != prefix:
            raise ValueError(f"{url}: Binder should build {prefix} ({cfg['github']} at {cfg['branch']})")
        query = parse_qs(parts.query)
        if "labpath" in query:
            path = query["labpath"][0]
        elif "urlpath" in query:
            urlpath = query["urlpath"][0]
            if not urlpath.startswith("lab/tree/"):
                raise ValueError(f"{url}: urlpath should open JupyterLab (lab/tree/...)")
            path = urlpath.removeprefix("lab/tree/")
        else:
            return ""
    else:
        raise ValueError(f"{url}: not a Colab or Binder link")
    if ".." in PurePosixPath(path).parts or path.startswith("/"):
        raise ValueError(f"{url}: the path must stay inside the repository")
    return path.rstrip("/")


def launch_links(text: str) -> list[str]:
    return [url for url in LINK_RE.findall(text) if url not in BADGE_IMAGES]


def problems(urls: list[str]) -> list[str]:
    """What is wrong with each link: another repo or branch, a missing file, a file git ignores."""
    found, targets = [], {}
    for url in urls:
        try:
            targets[url] = launch_target(url)
        except ValueError as exc:
            found.append(str(exc))
    for url, path in targets.items():
        if not (ROOT / path).exists():
            found.append(f"{url}: {path} does not exist in the repository")
    # A file git ignores is never pushed, so its link would be dead on GitHub.
    existing = "\n".join(p for p in targets.values() if p and (ROOT / p).exists())
    check = subprocess.run(["git", "check-ignore", "--stdin"], input=existing, cwd=ROOT,
                           capture_output=True, text=True)
    if check.returncode == 0:  # 1: nothing ignored; 128: not a git checkout, cannot tell
        found += [f"{path} is ignored by git: its launch link would be dead" for path in check.stdout.split()]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_launch_link_in_a_notebook_opens_an_existing_file(path):
    nb = notebooks.read(path)
    urls = [url for cell in nb.cells for url in launch_links(cell.source)]
    rel = path.relative_to(ROOT).as_posix()
    assert notebooks.colab_url(rel) in urls and notebooks.binder_url(rel) in urls, "badges for this file"
    assert problems(urls) == []


def test_every_launch_link_in_the_readme_opens_an_existing_file():
    urls = launch_links((ROOT / "README.md").read_text())
    for lesson in sorted(LESSONS.glob("*.ipynb")):
        rel = lesson.relative_to(ROOT).as_posix()
        assert notebooks.colab_url(rel) in urls and notebooks.binder_url(rel) in urls, f"no badges for {rel}"
    assert problems(urls) == []


def test_generated_urls_parse_back_to_their_file():
    for path in ("lessons/00_setup.ipynb", "solutions/05_ann_search.ipynb"):
        assert launch_target(notebooks.colab_url(path)) == path
        assert launch_target(notebooks.binder_url(path)) == path


CFG = notebooks.config()


@pytest.mark.parametrize("url, words", [
    (notebooks.colab_url("lessons/00_setup.ipynb").replace(f"/blob/{CFG['branch']}/", "/blob/elsewhere/"),
     "Colab should open"),
    (notebooks.colab_url("lessons/00_setup.ipynb").replace(CFG["github"], "someone/else"), "Colab should open"),
    (notebooks.colab_url("lessons/99_missing.ipynb"), "does not exist"),
    (notebooks.colab_url("README.md"), "notebooks only"),
    (notebooks.binder_url("lessons/99_missing.ipynb"), "does not exist"),
    (notebooks.binder_url("lessons/00_setup.ipynb").replace(f"/{CFG['branch']}?", "/elsewhere?"),
     "Binder should build"),
    (notebooks.binder_url("lessons/00_setup.ipynb").replace("lab/tree/", "tree/"), "JupyterLab"),
    (notebooks.binder_url("../etc/passwd"), "inside the repository"),
])
def test_a_wrong_link_is_reported(url, words):
    found = problems([url])
    assert len(found) == 1 and words in found[0], found


def test_a_link_to_a_file_git_ignores_is_reported():
    ignored = ROOT / ".venv" / "pyvenv.cfg"  # `make` creates it; .gitignore lists .venv/
    if not ignored.exists() or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout with its .venv")
    found = problems([notebooks.binder_url(".venv/pyvenv.cfg")])
    assert found == [".venv/pyvenv.cfg is ignored by git: its launch link would be dead"]


def test_the_colab_setup_cell_installs_the_ref_the_colab_badge_opens():
    """Opening a notebook from its badge and installing the helpers must give the same version of both."""
    import notebooks

    ref = notebooks.config()["branch"]
    assert f"/blob/{ref}/" in notebooks.colab_url("solutions/00_setup.ipynb")
    assert f'git+https://github.com/{notebooks.config()["github"]}@{ref}"' in notebooks.setup_cell()
