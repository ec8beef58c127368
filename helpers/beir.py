"""Public benchmarks from BEIR (online extra): download once, check, parse.

The course never needs these: its own dataset (``helpers.data``) runs offline. Online
learners can try the same code on BEIR SciFact (5,183 abstracts, 300 test claims):

>>> scifact = load_beir("scifact")  # doctest: +SKIP
>>> len(scifact.passages), len(scifact.split("test"))  # doctest: +SKIP
(5183, 300)

Archives are checked against the MD5 sums BEIR publishes in its README, written to the
cache atomically, and unpacked file by file (no path outside the cache is ever written).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import urllib.request
import zipfile
from pathlib import Path

from helpers.core import paths
from helpers.core.atomic import atomic_write
from helpers.data import Corpus, DataError, Passage, Query

__all__ = ["BEIR", "load_beir"]

BASE = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets"
# name -> MD5 of the zip, as published in the BEIR repository's dataset table.
BEIR = {"scifact": "5f7d1de60b170fc8027bb7898e2efca1"}


def _download(url: str, target: Path, md5: str) -> None:
    """Fetch ``url`` into ``target`` only if its MD5 matches; never leave a partial file."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            payload = response.read()
    except OSError as exc:
        raise DataError(f"could not download {url} ({exc}); BEIR datasets need the internet, "
                        "the course's own dataset (helpers.data.load_corpus) does not") from None
    digest = hashlib.md5(payload).hexdigest()
    if digest != md5:
        raise DataError(f"{url} has MD5 {digest}, expected {md5}: the download is damaged or changed")
    atomic_write(target, payload)  # the cache holds the whole file or none


def _read_jsonl(archive: zipfile.ZipFile, name: str) -> list[dict]:
    with archive.open(name) as f:
        return [json.loads(line) for line in io.TextIOWrapper(f, encoding="utf-8") if line.strip()]


def load_beir(name: str = "scifact", cache_dir: Path | str | None = None,
              url: str | None = None, md5: str | None = None) -> Corpus:
    """Load a BEIR dataset as a :class:`~helpers.data.Corpus`.

    Queries judged in ``qrels/test.tsv`` form the ``"test"`` split and those judged in
    ``qrels/train.tsv`` (where present) the ``"dev"`` split. ``url`` and ``md5`` override
    the published ones (the tests use a small local fixture).
    """
    if name not in BEIR and not (url and md5):
        raise ValueError(f"unknown BEIR dataset {name!r}; known: {', '.join(BEIR)}")
    archive_path = Path(cache_dir or os.environ.get("COURSE_DATA_CACHE") or paths.cache_root()) / "beir" / f"{name}.zip"
    md5 = md5 or BEIR[name]
    if not archive_path.exists() or hashlib.md5(archive_path.read_bytes()).hexdigest() != md5:
        _download(url or f"{BASE}/{name}.zip", archive_path, md5)
    with zipfile.ZipFile(archive_path) as archive:
        prefix = f"{name}/"
        docs = _read_jsonl(archive, prefix + "corpus.jsonl")
        texts = {q["_id"]: q["text"] for q in _read_jsonl(archive, prefix + "queries.jsonl")}
        qrels: dict[str, dict[str, int]] = {}
        split_of: dict[str, str] = {}
        for split, file in (("test", "test.tsv"), ("dev", "train.tsv")):
            if f"{prefix}qrels/{file}" not in archive.namelist():
                continue
            with archive.open(f"{prefix}qrels/{file}") as f:
                for row in csv.DictReader(io.TextIOWrapper(f, encoding="utf-8"), delimiter="\t"):
                    qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
                    split_of.setdefault(row["query-id"], split)
    passages = [Passage(d["_id"], name, d.get("title", ""), d["text"]) for d in docs]
    known = {p.id for p in passages}
    for qid, judged in qrels.items():
        if qid not in texts or not set(judged) <= known:
            raise DataError(f"{name}: query {qid} or one of its judged passages is missing")
    queries = [Query(qid, texts[qid], name, "mixed", split_of[qid]) for qid in qrels]  # type: ignore[arg-type]
    return Corpus(passages, queries, qrels)
