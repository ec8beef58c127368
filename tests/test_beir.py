"""helpers.beir, offline: a small archive in BEIR's exact format stands in for SciFact."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from helpers.beir import load_beir
from helpers.data import DataError


@pytest.fixture
def fixture_zip(tmp_path):
    path = tmp_path / "mini.zip"
    docs = [{"_id": "d1", "title": "Vitamin D", "text": "Vitamin D helps bones.", "metadata": {}},
            {"_id": "d2", "title": "Sleep", "text": "Sleep loss harms memory.", "metadata": {}}]
    queries = [{"_id": "1", "text": "vitamin d and bone health", "metadata": {}},
               {"_id": "2", "text": "does sleep affect memory", "metadata": {}}]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mini/corpus.jsonl", "".join(json.dumps(d) + "\n" for d in docs))
        z.writestr("mini/queries.jsonl", "".join(json.dumps(q) + "\n" for q in queries))
        z.writestr("mini/qrels/test.tsv", "query-id\tcorpus-id\tscore\n1\td1\t1\n")
        z.writestr("mini/qrels/train.tsv", "query-id\tcorpus-id\tscore\n2\td2\t1\n")
    return path, hashlib.md5(path.read_bytes()).hexdigest()


def test_downloads_checks_and_parses(tmp_path, fixture_zip):
    path, md5 = fixture_zip
    corpus = load_beir("mini", cache_dir=tmp_path / "cache", url=path.as_uri(), md5=md5)
    assert [p.id for p in corpus.passages] == ["d1", "d2"]
    assert [q.id for q in corpus.split("test")] == ["1"] and [q.id for q in corpus.split("dev")] == ["2"]
    assert corpus.relevant("1") == {"d1": 1}
    # second call is served from the cache (the source is gone)
    path.unlink()
    assert len(load_beir("mini", cache_dir=tmp_path / "cache", url=path.as_uri(), md5=md5).passages) == 2


def test_a_wrong_checksum_leaves_no_file_behind(tmp_path, fixture_zip):
    path, _ = fixture_zip
    with pytest.raises(DataError, match="MD5"):
        load_beir("mini", cache_dir=tmp_path / "cache", url=path.as_uri(), md5="0" * 32)
    assert not list((tmp_path / "cache").rglob("*.zip"))


def test_offline_download_fails_with_a_clear_message(tmp_path):
    with pytest.raises(DataError, match="could not download"):
        load_beir("mini", cache_dir=tmp_path, url=(tmp_path / "absent.zip").as_uri(), md5="0" * 32)
    with pytest.raises(ValueError, match="unknown BEIR dataset"):
        load_beir("msmarco")
