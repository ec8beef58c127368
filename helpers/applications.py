"""Embeddings beyond search: few-shot samples, topic keywords, and outlier scores.

:func:`few_shot_sample` draws ``n`` labelled examples per class (the rest are the test
set), :func:`topic_keywords` names clusters by their most distinctive words (class-based
TF-IDF, the weighting BERTopic uses: Grootendorst, 2022), and :func:`outlier_scores` ranks
the rows of a matrix by how little they belong, four ways, scored by :func:`precision_at_k`.
Each takes embeddings and TF-IDF vectors alike, so a lesson can set one against the other.

Lessons: 11.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from helpers.core.validate import check_positive_int, check_texts
from helpers.vectors import as_matrix

__all__ = ["OUTLIER_METHODS", "few_shot_sample", "outlier_scores", "precision_at_k", "topic_keywords"]

OutlierMethod = Literal["centroid", "knn", "lof", "isolation forest"]
OUTLIER_METHODS: tuple[str, ...] = ("centroid", "knn", "lof", "isolation forest")


def few_shot_sample(labels: Sequence[Any], n_per_label: int, seed: int) -> np.ndarray:
    """Sorted row indices of ``n_per_label`` rows drawn at random from each label (seeded); the other rows are for testing."""
    check_positive_int("n_per_label", n_per_label)
    if isinstance(labels, str) or len(labels) == 0:
        raise ValueError("labels must be a non-empty list with one label per row")
    counts = Counter(labels)
    short = {label: n for label, n in counts.items() if n <= n_per_label}
    if short:
        label, n = next(iter(short.items()))
        raise ValueError(f"label {label!r} has {n} rows: drawing {n_per_label} would leave none to test on; "
                         f"ask for at most {min(counts.values()) - 1} per label")
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    picked = [rng.choice(np.flatnonzero(labels == label), n_per_label, replace=False) for label in sorted(counts)]
    return np.sort(np.concatenate(picked))


def topic_keywords(texts: Sequence[str], clusters: Sequence[int], n: int = 5) -> dict[int, list[str]]:
    """The ``n`` most distinctive words of each cluster (class-based TF-IDF); cluster -1 (noise) is left out.

    All texts of a cluster count as one document; a word scores by its share of that cluster's words
    times ``log(1 + A / f)``, where ``f`` is its count over all clusters and ``A`` the mean number of
    words per cluster. Words common to every cluster score low; words one cluster owns score high.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    texts = check_texts(texts)
    check_positive_int("n", n)
    clusters = np.asarray(clusters)
    if clusters.shape != (len(texts),) or not np.issubdtype(clusters.dtype, np.integer):
        raise ValueError(f"clusters must hold one integer cluster id per text: {len(texts)} texts, "
                         f"clusters of shape {clusters.shape} and dtype {clusters.dtype}")
    ids = sorted(set(clusters.tolist()) - {-1})
    if not ids:
        raise ValueError("every text is noise (cluster -1): there is no cluster to name")
    joined = [" ".join(t for t, c in zip(texts, clusters) if c == cluster) for cluster in ids]
    vectorizer = CountVectorizer(stop_words="english")
    counts = vectorizer.fit_transform(joined).toarray().astype(np.float64)
    tf = counts / counts.sum(axis=1, keepdims=True)
    idf = np.log(1 + counts.sum(axis=1).mean() / counts.sum(axis=0))
    words = vectorizer.get_feature_names_out()
    weights = tf * idf
    return {cluster: [str(words[j]) for j in np.argsort(-row, kind="stable")[:n]] for cluster, row in zip(ids, weights)}


def outlier_scores(x: np.ndarray, method: OutlierMethod = "centroid", *, k: int = 5, seed: int = 0) -> np.ndarray:
    """One score per row of ``x``, higher for rows that belong less (rows are L2-normalized first).

    - ``"centroid"``: cosine distance to the mean of all rows;
    - ``"knn"``: mean cosine distance to the row's ``k`` nearest other rows;
    - ``"lof"``: scikit-learn's local outlier factor over ``k`` neighbours (density against the neighbours' density);
    - ``"isolation forest"``: scikit-learn's isolation forest (seeded), how few random cuts isolate the row.
    """
    x = as_matrix(x).astype(np.float64)
    check_positive_int("k", k)
    if method not in OUTLIER_METHODS:
        raise ValueError(f"method must be one of {', '.join(OUTLIER_METHODS)}; got {method!r}")
    if k >= len(x):
        raise ValueError(f"k={k} neighbours need at least {k + 1} rows; x has {len(x)}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"row {int(np.flatnonzero(norms[:, 0] == 0)[0])} is all zeros: it has no direction to compare")
    x = x / norms
    if method == "centroid":
        centre = x.mean(axis=0)
        return 1.0 - x @ (centre / np.linalg.norm(centre))
    if method == "knn":
        distances = 1.0 - x @ x.T
        np.fill_diagonal(distances, np.inf)
        return np.sort(distances, axis=1)[:, :k].mean(axis=1)
    if method == "lof":
        from sklearn.neighbors import LocalOutlierFactor

        return -LocalOutlierFactor(n_neighbors=k, metric="cosine").fit(x).negative_outlier_factor_
    from sklearn.ensemble import IsolationForest

    return -IsolationForest(random_state=seed).fit(x).score_samples(x)


def precision_at_k(scores: Sequence[float] | np.ndarray, is_outlier: Sequence[bool] | np.ndarray, k: int) -> float:
    """The share of true outliers among the ``k`` highest-scored rows (ties: the earlier row first)."""
    check_positive_int("k", k)
    scores, is_outlier = np.asarray(scores, dtype=np.float64), np.asarray(is_outlier)
    if scores.ndim != 1 or scores.shape != is_outlier.shape:
        raise ValueError(f"scores and is_outlier must be 1-D and of one length: shapes {scores.shape} and {is_outlier.shape}")
    if is_outlier.dtype != bool:
        raise TypeError(f"is_outlier must hold booleans (True for a planted outlier), got dtype {is_outlier.dtype}")
    if k > len(scores):
        raise ValueError(f"k={k} is larger than the {len(scores)} rows scored")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or inf: an outlier score must be a number for every row")
    top = np.argsort(-scores, kind="stable")[:k]
    return float(is_outlier[top].mean())
