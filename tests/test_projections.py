"""helpers.projections: seeded 2-D maps that keep neighbourhoods, and an honest neighbour count."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from helpers import projections


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated groups of 30 points in 20 dimensions."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 20)) * 6
    x = np.concatenate([c + rng.standard_normal((30, 20)) for c in centres]).astype(np.float32)
    return x, np.repeat([0, 1, 2], 30)


@pytest.mark.parametrize("method, params", [("pca", {}), ("tsne", {"perplexity": 10}),
                                            ("umap", {"n_neighbors": 10, "min_dist": 0.2})])
def test_each_method_gives_a_seeded_trustworthy_map(blobs, method, params):
    x, groups = blobs
    out = projections.project(x, method, seed=0, **params)
    assert out.shape == (90, 2) and out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_allclose(projections.project(x, method, seed=0, **params), out, atol=1e-5)  # repeatable
    assert trustworthiness(x, out, n_neighbors=5) > 0.85
    # the groups stay apart: every point's nearest map neighbour is in its own group
    d = ((out[:, None] - out[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (groups[d.argmin(axis=1)] == groups).mean() > 0.95


def test_umap_seed_changes_the_layout_but_not_its_quality(blobs):
    x, _ = blobs
    a, b = projections.project(x, "umap", seed=0), projections.project(x, "umap", seed=1)
    assert not np.allclose(a, b)
    assert abs(trustworthiness(x, a, n_neighbors=5) - trustworthiness(x, b, n_neighbors=5)) < 0.05


def test_neighbours_kept_counts_shared_neighbours_and_leaves_each_point_out():
    line = np.array([0, 1, 3, 6, 10, 15], dtype=np.float64)[:, None] * [1.0, 0.0]  # gaps grow: no ties
    assert projections.neighbours_kept(line, line, k=2) == 1.0
    swapped = line[[5, 1, 2, 3, 4, 0]]  # the map swaps the two ends
    # nearest neighbour before: 0->1, 1->0, 2->1, 3->2, 4->3, 5->4; after: 0->4, 1->5, 2->1, 3->2, 4->3, 5->1
    assert projections.neighbours_kept(line, swapped, k=1) == 0.5
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 10))
    assert projections.neighbours_kept(x, rng.standard_normal((200, 2)), k=10) < 0.15  # a random map: about k/n


def test_neighbours_kept_agrees_with_a_brute_force_count():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((50, 6)), rng.standard_normal((50, 2))

    def nearest(a, k):
        d = np.linalg.norm(a[:, None] - a[None], axis=-1)
        np.fill_diagonal(d, np.inf)
        return [set(np.argsort(row)[:k]) for row in d]

    expected = np.mean([len(p & q) / 4 for p, q in zip(nearest(x, 4), nearest(y, 4))])
    assert projections.neighbours_kept(x, y, k=4) == pytest.approx(expected)


@pytest.mark.parametrize("call, error, words", [
    (lambda: projections.project(np.ones((5, 4)), "mds"), ValueError, "pca, tsne, umap"),
    (lambda: projections.project(np.ones((10, 4)), "tsne", perplexity=30), ValueError, "below the number of points (10)"),
    (lambda: projections.project(np.ones((10, 4)), "umap", n_neighbors=1), ValueError, "n_neighbors must be an int from 2 to 9"),
    (lambda: projections.project(np.ones((20, 4)), "umap", min_dist=2), ValueError, "min_dist"),
    (lambda: projections.project(np.ones((10, 4)), "pca", perplexity=5), ValueError, "pca does not take perplexity"),
    (lambda: projections.project(np.ones((10, 4)), "tsne", n_neighbors=5), ValueError, "it accepts perplexity"),
    (lambda: projections.project(np.ones((10, 4)), "tsne", perplexity="5"), TypeError, "must be a number"),
    (lambda: projections.project(np.ones((10, 4)), seed=-1), TypeError, "seed"),
    (lambda: projections.project(np.ones((2, 4)), "pca"), ValueError, "at least 3 rows"),
    (lambda: projections.project([[1.0, 2.0]], "pca"), TypeError, "NumPy array"),
    (lambda: projections.neighbours_kept(np.ones((5, 3)), np.ones((4, 2))), ValueError, "same points"),
    (lambda: projections.neighbours_kept(np.ones((5, 3)), np.ones((5, 2)), k=5), ValueError, "between 1 and 4"),
])
def test_bad_input_says_what_is_wrong(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_tsne_on_identical_rows_is_refused_not_a_crash():
    """t-SNE on identical rows segfaulted the kernel; probed in a subprocess so a regression fails here."""
    import subprocess
    import sys

    code = ("import numpy as np\nfrom helpers.projections import project\n"
            "try:\n    project(np.ones((40, 8), np.float32), 'tsne', perplexity=5)\n    print('MAPPED')\n"
            "except ValueError as error:\n    print('REFUSED', error)\n")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, f"the interpreter died (code {probe.returncode}): {probe.stderr[-500:]}"
    assert probe.stdout.startswith("REFUSED") and "only 1 different row" in probe.stdout


@pytest.mark.parametrize("x, words", [
    (np.repeat(np.eye(8)[:2], 20, axis=0), "only 2 different row(s)"),
    (np.random.default_rng(0).standard_normal((40, 8)) * 1e37, "values as large as"),
    (1 + np.random.default_rng(0).standard_normal((40, 8)) * 1e-9, "too close to tell apart"),
    (np.random.default_rng(0).standard_normal((40, 8)) * 1e-300, "too close to tell apart"),
])
@pytest.mark.parametrize("method", ["pca", "tsne", "umap"])
def test_degenerate_input_is_refused_before_any_library_sees_it(x, words, method, monkeypatch):
    import sklearn.decomposition
    import sklearn.manifold

    def never(*args, **kwargs):
        pytest.fail("a projection library was called on degenerate input")

    monkeypatch.setattr(sklearn.decomposition, "PCA", never)
    monkeypatch.setattr(sklearn.manifold, "TSNE", never)
    with pytest.raises(ValueError) as info:
        projections.project(x, method, **({"perplexity": 5} if method == "tsne" else {}))
    assert words in str(info.value)
