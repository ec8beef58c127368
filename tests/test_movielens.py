"""MovieLens 100K (lesson 11): the offline copy, the download path against a local archive, and the evaluation.

The download path is tested against a fixture: an archive in the official layout
(``ml-100k/u.data``, ``ml-100k/u.item``) written from recbole's copy, served on a loopback
port. The real archive is never downloaded here (no network) and never committed (its
licence forbids redistribution).
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import movielens
from helpers.core.net import free_port

OFFLINE = movielens.load_movielens("recbole")


def official_archive(path: Path, ml: movielens.MovieLens) -> Path:
    """Write ``ml`` as GroupLens's ml-100k.zip lays it out: tab-separated u.data, '|'-separated u.item."""
    data = "".join(f"{r.user}\t{r.item}\t{r.rating}\t{r.timestamp}\n" for r in ml.ratings.sample(frac=1, random_state=0).itertuples())
    lines = []
    for film in ml.films.itertuples():
        title = f"{film.title} ({film.year})" if film.year else film.title
        released = f"01-Jan-{film.year}" if film.year else ""
        flags = "|".join("1" if g in film.genres else "0" for g in movielens.GENRES)
        lines.append(f"{film.item}|{title}|{released}||http://example.org/{film.item}|{flags}\n")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ml-100k/u.data", data)
        archive.writestr("ml-100k/u.item", "".join(lines).encode("latin-1"))
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The fixture archive on a loopback HTTP server: (url, md5); the server stops after the module."""
    folder = tmp_path_factory.mktemp("grouplens")
    archive = official_archive(folder / "ml-100k.zip", OFFLINE)
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(folder))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ml-100k.zip", hashlib.md5(archive.read_bytes()).hexdigest()
    finally:
        server.shutdown()
        server.server_close()


def same_tables(a: movielens.MovieLens, b: movielens.MovieLens) -> None:
    pd.testing.assert_frame_equal(a.ratings, b.ratings)
    pd.testing.assert_frame_equal(a.films, b.films)


def test_the_offline_copy_is_movielens_100k():
    assert (len(OFFLINE.ratings), OFFLINE.ratings.user.nunique(), len(OFFLINE.films)) == (100_000, 943, 1682)
    toy_story = OFFLINE.films.set_index("item").loc[1]
    assert (toy_story.title, toy_story.year, toy_story.genres) == ("Toy Story", 1995, ("Animation", "Children's", "Comedy"))
    assert set().union(*OFFLINE.films.genres) <= set(movielens.GENRES)
    assert "recbole" in OFFLINE.describe()


def test_the_download_is_checked_kept_and_read_like_the_offline_copy(served, tmp_path):
    url, md5 = served
    cache = tmp_path / "movielens" / "ml-100k.zip"
    downloaded = movielens.load_movielens("download", url=url, md5=md5, cache=cache)
    assert cache.is_file() and "official archive" in downloaded.source
    same_tables(downloaded, OFFLINE)
    again = movielens.load_movielens("auto", url="http://127.0.0.1:9/unreachable.zip", md5=md5, cache=cache)
    same_tables(again, OFFLINE)  # read from the cache: no second download


def test_a_changed_archive_is_refused_and_not_kept(served, tmp_path):
    url, _ = served
    cache = tmp_path / "ml-100k.zip"
    with pytest.raises(movielens.MovieLensError, match="MD5"):
        movielens.load_movielens("download", url=url, md5=movielens.MD5, cache=cache)
    assert not cache.exists() and not list(tmp_path.iterdir())


def test_a_corrupted_archive_in_the_cache_gives_a_clear_error(tmp_path):
    cache = tmp_path / "ml-100k.zip"
    cache.write_bytes(b"PK\x03\x04 this is not the archive")
    with pytest.raises(movielens.MovieLensError, match="Delete it"):
        movielens.load_movielens(cache=cache)
    truncated = tmp_path / "short.zip"
    with zipfile.ZipFile(truncated, "w") as archive:
        archive.writestr("ml-100k/u.data", "1\t1\t5\t874965478\n")
        archive.writestr("ml-100k/u.item", (tmp_path / "missing").name)
    with pytest.raises(movielens.MovieLensError):
        movielens.read_archive(truncated)


def test_offline_without_a_cache_reads_recbole_s_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    same_tables(movielens.load_movielens(cache=tmp_path / "none.zip"), OFFLINE)


def test_leave_last_out_holds_out_each_user_s_latest_rating():
    train, held_out = movielens.leave_last_out(OFFLINE.ratings)
    assert len(held_out) == 943 and len(train) == 100_000 - 943
    latest = OFFLINE.ratings.sort_values(["timestamp", "item"]).groupby("user").tail(1)
    assert held_out == dict(zip(latest.user, latest.item))
    assert not train.merge(pd.DataFrame({"user": list(held_out), "item": list(held_out.values())})).shape[0]
    with pytest.raises(ValueError, match="single rating"):
        movielens.leave_last_out(pd.DataFrame({"user": [1, 1, 2], "item": [5, 6, 7], "timestamp": [1, 2, 3]}))


def test_top_k_skips_seen_films_and_refuses_k_beyond_the_catalogue():
    items = [10, 20, 30, 40]
    assert movielens.top_k(np.array([0.1, 0.9, 0.5, 0.7]), items, seen={20}, k=2) == [40, 30]
    with pytest.raises(ValueError, match="larger than"):
        movielens.top_k(np.zeros(4), items, seen=set(), k=5)


def test_hit_rates_by_hand_and_unknown_items():
    held_out = {1: 30, 2: 99, 3: 10}
    recommended = {1: [30, 20], 2: [10, 20], 3: [20, 10]}
    rates = movielens.hit_rates(recommended, held_out, catalogue={10, 20, 30, 99}, k=2)
    assert rates["recall@2"] == pytest.approx(2 / 3)
    assert rates["ndcg@2"] == pytest.approx((1 + 1 / np.log2(3)) / 3)
    with pytest.raises(ValueError, match="not in the catalogue"):
        movielens.hit_rates({1: [7]}, {1: 30}, catalogue={30})


def test_every_install_path_takes_the_same_recbole_without_its_dependencies():
    root = Path(__file__).resolve().parent.parent
    for path in ("Makefile", "postBuild"):
        assert re.search(rf"pip install (-q )?--no-deps {re.escape(movielens.RECBOLE)}\n", (root / path).read_text()), path


SMALL = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2, 3, 3],
                      "item": [10, 20, 30, 10, 20, 40, 30, 40],
                      "timestamp": [1, 2, 3, 5, 6, 7, 1, 1]})


def test_item2vec_places_films_watched_together_closer_and_gives_unrated_films_zeros():
    # 200 users: odd ones watch 10 of films 1-30, even ones 10 of films 31-60; film 61 is never rated
    rows = [(u, int(i), t) for u in range(200)
            for t, i in enumerate(np.random.default_rng(u).choice(range(1, 31) if u % 2 else range(31, 61), 10, replace=False))]
    ratings = pd.DataFrame(rows, columns=["user", "item", "timestamp"])
    items = list(range(1, 62))
    vectors = movielens.item2vec(ratings, items, dim=16, epochs=20, seed=0)
    assert vectors.shape == (61, 16) and not vectors[60].any() and vectors[:60].any(axis=1).all()
    unit = vectors[:60] / np.linalg.norm(vectors[:60], axis=1, keepdims=True)
    together = np.equal.outer(np.arange(60) < 30, np.arange(60) < 30)
    sims = unit @ unit.T
    assert sims[together & ~np.eye(60, dtype=bool)].mean() > sims[~together].mean() + 0.2
    np.testing.assert_array_equal(vectors, movielens.item2vec(ratings, items, dim=16, epochs=20, seed=0))


def test_item2vec_is_the_same_in_a_process_with_another_string_hash():
    # Python salts str hashes per process; gensim seeds each film's first vector with a hash of its id
    code = ("import numpy as np, pandas as pd; from helpers import movielens; "
            "r = pd.DataFrame({'user': [1, 1, 1, 2, 2], 'item': [1, 2, 3, 2, 3], 'timestamp': [1, 2, 3, 1, 2]}); "
            "print(movielens.item2vec(r, [1, 2, 3], dim=4, epochs=2).round(6).tolist())")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outputs) == 1


def test_user_vectors_average_the_latest_films_by_time():
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    users, matrix = movielens.user_vectors(SMALL, [10, 20, 30, 40], vectors, last=2)
    assert users == [1, 2, 3]
    np.testing.assert_allclose(matrix[0], np.array([0, 1, 1]) / np.sqrt(2), atol=1e-6)        # films 20, 30
    np.testing.assert_allclose(matrix[1], np.array([0.5, 1, 0]) / np.linalg.norm([0.5, 1, 0]), atol=1e-6)  # 20, 40
    np.testing.assert_allclose(matrix[2], np.array([1, 1, 1]) / np.sqrt(3), atol=1e-6)        # a tie in time: both
    _, zeros = movielens.user_vectors(SMALL, [10, 20, 30, 40], np.zeros((4, 3)), last=2)
    assert not zeros.any()                                                                    # nothing known: no direction
