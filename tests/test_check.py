"""helpers.check: right answers pass, wrong answers fail with a hint, stubs are 'not attempted'."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.check import CheckFailed, is_stub, lesson00, lesson01, lesson02, lesson03, lesson05, lesson06, result


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "0")


def stub(*args):  # what `pass  # YOUR CODE HERE` leaves: a function returning None
    pass


def test_result_statuses_and_messages():
    assert result("9.9", 1, []).passed
    failed = result("9.9", 1, ["the shape is wrong"], hint="look at axis=1")
    assert not failed and failed.status == "failed"
    assert "❌" in repr(failed) and "the shape is wrong" in repr(failed) and "Hint: look at axis=1" in repr(failed)
    assert result("9.9", None, ["ignored"]).status == "not attempted"
    assert is_stub(...) and is_stub(None) and not is_stub(0)


def test_strict_mode_raises_on_anything_but_a_pass(monkeypatch):
    monkeypatch.setenv("HELPERS_CHECK_STRICT", "1")
    assert result("9.9", 1, [])
    with pytest.raises(CheckFailed, match="Exercise 9.9"):
        result("9.9", 1, ["wrong"])
    with pytest.raises(CheckFailed, match="not attempted"):
        result("9.9", None, [])


def test_exercise_0_1_row_norms():
    assert lesson00.exercise_0_1(lambda x: np.sqrt((x * x).sum(axis=1))).passed
    assert lesson00.exercise_0_1(stub).status == "not attempted"
    wrong = lesson00.exercise_0_1(lambda x: (x * x).sum(axis=1))  # forgot the square root
    assert wrong.status == "failed" and "norms differ" in repr(wrong)
    shape = lesson00.exercise_0_1(lambda x: np.sqrt((x * x).sum(axis=0)))
    assert "shape (5,)" in repr(shape)
    crash = lesson00.exercise_0_1(lambda x: x.nope)
    assert crash.status == "failed" and "AttributeError" in repr(crash)


def test_exercise_0_2_cosine():
    assert lesson00.exercise_0_2(lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))).passed
    assert lesson00.exercise_0_2(stub).status == "not attempted"
    dot_only = lesson00.exercise_0_2(lambda a, b: float(a @ b))  # forgets the lengths
    assert dot_only.status == "failed" and "should be 1.0000" in repr(dot_only)
    array = lesson00.exercise_0_2(lambda a, b: a * b / np.linalg.norm(a) / np.linalg.norm(b))
    assert "one number" in repr(array)


def test_exercise_0_3_most_similar_pair():
    texts = ["The cat sleeps on the sofa.", "Share prices fell.", "A kitten naps on the couch."]
    assert lesson00.exercise_0_3((2, 0), texts).passed
    assert lesson00.exercise_0_3(None, texts).status == "not attempted"
    assert lesson00.exercise_0_3((0, 0), texts).status == "failed"  # a text with itself
    assert lesson00.exercise_0_3((0, 1), texts).status == "failed"
    assert "two indices" in repr(lesson00.exercise_0_3("cat", texts))


# Lesson 01: word vectors. Right answers pass; typical mistakes fail with their own message.

@pytest.fixture(scope="module")
def table():
    from helpers import models
    from helpers.wordvectors import WordVectors

    tokenizer, _ = models.load_transformer(quiet=True)
    return WordVectors.from_encoder(), tokenizer


def test_exercise_1_1_nearest_to_group(table):
    wv, _ = table

    def search(words, k, rows, keep_group=False):
        scores = rows @ rows[[wv.index[w] for w in words]].mean(axis=0)
        if not keep_group:
            scores[[wv.index[w] for w in words]] = -np.inf
        return [wv.words[i] for i in np.argsort(-scores)[:k]]

    assert lesson01.exercise_1_1(lambda words, k: search(words, k, wv.unit)).passed
    assert lesson01.exercise_1_1(stub).status == "not attempted"
    assert lesson01.exercise_1_1(lambda words, k: search(words, k, wv.vectors)).status == "failed"  # raw rows
    with_group = lesson01.exercise_1_1(lambda words, k: search(words, k, wv.unit, keep_group=True))
    assert with_group.status == "failed" and "query words" in repr(with_group)
    pairs = lesson01.exercise_1_1(lambda words, k: [(w, 1.0) for w in search(words, k, wv.unit)])
    assert "not (word, score) pairs" in repr(pairs)
    first_word = lesson01.exercise_1_1(lambda words, k: search(words[:1], k, wv.unit))
    assert first_word.status == "failed" and "cat" in repr(first_word)


def test_exercise_1_2_analogy_from_examples(table):
    wv, _ = table

    def solve(pairs, c, use=None, exclude=True):
        u = wv.unit
        offset = np.mean([u[wv.index[b]] - u[wv.index[a]] for a, b in (use or pairs)], axis=0)
        scores = u @ (u[wv.index[c]] + offset)
        if exclude:
            scores[[wv.index[w] for w in {c} | {w for pair in pairs for w in pair}]] = -np.inf
        return wv.words[int(np.argmax(scores))]

    assert lesson01.exercise_1_2(solve).passed
    assert lesson01.exercise_1_2(stub).status == "not attempted"
    no_exclusion = lesson01.exercise_1_2(lambda pairs, c: solve(pairs, c, exclude=False))
    assert no_exclusion.status == "failed" and "query words" in repr(no_exclusion)
    one_pair = lesson01.exercise_1_2(lambda pairs, c: solve(pairs, c, use=pairs[:1]))
    assert one_pair.status == "failed" and "beijing" in repr(one_pair)  # one example gives shanghai
    assert lesson01.exercise_1_2(lambda pairs, c: "queen").status == "failed"


def test_exercise_1_3_static_sentence_vector(table):
    wv, tokenizer = table

    def mean_rows(text, special=False):
        ids = tokenizer(text)["input_ids"] if special else tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))
        return wv.vectors[ids].mean(axis=0)

    assert lesson01.exercise_1_3(lambda t: mean_rows(t) / np.linalg.norm(mean_rows(t))).passed
    assert lesson01.exercise_1_3(stub).status == "not attempted"
    assert "length 1" in repr(lesson01.exercise_1_3(mean_rows))
    special = lesson01.exercise_1_3(lambda t: mean_rows(t, True) / np.linalg.norm(mean_rows(t, True)))
    assert special.status == "failed" and "[CLS]" in repr(special)


# Lesson 02: from tokens to sentences.

def test_exercise_2_1_masked_mean():
    def right(hidden, mask):
        m = mask[:, :, None]
        return (hidden * m).sum(axis=1) / m.sum(axis=1)

    assert lesson02.exercise_2_1(right).passed
    assert lesson02.exercise_2_1(stub).status == "not attempted"
    unmasked = lesson02.exercise_2_1(lambda h, m: h.mean(axis=1))
    assert unmasked.status == "failed" and "padding positions were averaged in" in repr(unmasked)
    by_length = lesson02.exercise_2_1(lambda h, m: (h * m[:, :, None]).sum(axis=1) / h.shape[1])
    assert by_length.status == "failed" and "rows [1, 2]" in repr(by_length)
    assert "(3, 4)" in repr(lesson02.exercise_2_1(lambda h, m: right(h, m).T))


def test_exercise_2_2_word_in_context():
    import torch

    from helpers import models

    tokenizer, transformer = models.load_transformer(quiet=True)

    def right(sentence, word):
        return lesson02.contextual_vector(sentence, word)

    def first_piece(sentence, word):  # forgets that a word can be several pieces
        batch = tokenizer(sentence, return_tensors="pt")
        tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
        start = tokenizer.tokenize(word)[0]
        with torch.no_grad():
            return transformer(**batch).last_hidden_state[0, tokens.index(start)].numpy()

    def cls(sentence, word):
        with torch.no_grad():
            return transformer(**tokenizer(sentence, return_tensors="pt")).last_hidden_state[0, 0].numpy()

    assert lesson02.exercise_2_2(right).passed
    assert lesson02.exercise_2_2(stub).status == "not attempted"
    pieces = lesson02.exercise_2_2(first_piece)
    assert pieces.status == "failed" and "exoplanet" in repr(pieces)
    assert not any("bank" in problem for problem in pieces.problems)  # one-piece words were right
    assert lesson02.exercise_2_2(cls).status == "failed"


def test_exercise_2_3_spearman():
    from scipy.stats import pearsonr, rankdata

    assert lesson02.exercise_2_3(lambda x, y: float(np.corrcoef(rankdata(x), rankdata(y))[0, 1])).passed
    assert lesson02.exercise_2_3(stub).status == "not attempted"
    pearson = lesson02.exercise_2_3(lambda x, y: float(pearsonr(x, y).statistic))
    assert pearson.status == "failed" and "x against x cubed" in repr(pearson)
    ordinal = lesson02.exercise_2_3(lambda x, y: float(np.corrcoef(rankdata(x, "ordinal"), rankdata(y, "ordinal"))[0, 1]))
    assert ordinal.status == "failed" and "ties" in repr(ordinal)
    in_place = lesson02.exercise_2_3(lambda x, y: (x.sort(), float(pearsonr(rankdata(x), rankdata(y)).statistic))[1])
    assert in_place.status == "failed" and "changed its input" in repr(in_place)
    assert lesson02.exercise_2_3(lambda x, y: float("nan")).status == "failed"


# Lesson 03: similarity.

def test_exercise_3_1_euclidean_matrix():
    def right(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))

    assert lesson03.exercise_3_1(right).passed
    assert lesson03.exercise_3_1(stub).status == "not attempted"
    squared = lesson03.exercise_3_1(lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))
    assert squared.status == "failed" and "square root" in repr(squared)
    assert "(5, 7)" in repr(lesson03.exercise_3_1(lambda a, b: right(a, b).T))
    only_first = lesson03.exercise_3_1(lambda a, b: right(a, b) if len(a) == 5 else None)
    assert only_first.status == "failed" and "returned None" in repr(only_first)


def test_exercise_3_2_threshold_for_precision():
    from sklearn.metrics import precision_recall_curve

    def right(scores, labels, min_precision):
        p, r, t = precision_recall_curve(labels, scores)
        return t[p[:-1] >= min_precision].min()

    def best_f1(scores, labels, min_precision):  # optimizes the wrong quantity
        p, r, t = precision_recall_curve(labels, scores)
        return t[np.argmax((2 * p * r / np.maximum(p + r, 1e-12))[:-1])]

    def by_loop(scores, labels, min_precision):  # the same answer without scikit-learn
        for t in np.sort(scores):
            flagged = scores >= t
            if (flagged & labels).sum() / flagged.sum() >= min_precision:
                return t

    assert lesson03.exercise_3_2(right).passed
    assert lesson03.exercise_3_2(by_loop).passed
    assert lesson03.exercise_3_2(stub).status == "not attempted"
    low = lesson03.exercise_3_2(lambda s, y, p: -1.0)
    assert low.status == "failed" and "below the required" in repr(low)
    wrong = lesson03.exercise_3_2(best_f1)
    assert wrong.status == "failed" and "precision" in repr(wrong)
    too_high = lesson03.exercise_3_2(lambda s, y, p: float(s.max()))
    assert too_high.status == "failed" and "recall only" in repr(too_high)


def test_exercise_3_3_search_above():
    def right(q_emb, emb, k, threshold):
        scores = q_emb @ emb.T
        return [[int(i) for i in np.argsort(-row)[:k] if row[i] >= threshold] for row in scores]

    def arrays(q_emb, emb, k, threshold):  # arrays per query are fine too
        return [np.array(r, dtype=int) for r in right(q_emb, emb, k, threshold)]

    assert lesson03.exercise_3_3(right).passed
    assert lesson03.exercise_3_3(arrays).passed
    assert lesson03.exercise_3_3(stub).status == "not attempted"
    unthresholded = lesson03.exercise_3_3(lambda q, e, k, t: [list(np.argsort(-row)[:k]) for row in q @ e.T])
    assert unthresholded.status == "failed" and "below the threshold" in repr(unthresholded)
    flat = lesson03.exercise_3_3(lambda q, e, k, t: right(q, e, k, t)[0])
    assert flat.status == "failed" and "one list per query" in repr(flat)
    nones = lesson03.exercise_3_3(lambda q, e, k, t: [r or None for r in right(q, e, k, t)])
    assert nones.status == "failed" and "empty list" in repr(nones)


# Lesson 05: approximate nearest neighbours.

def test_exercise_5_1_chunked_top_k():
    def right(q, e, k, chunk):
        best_s, best_r = np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        for start in range(0, len(e), chunk):
            s = q @ e[start:start + chunk].T
            best_s = np.hstack([best_s, s])
            best_r = np.hstack([best_r, np.broadcast_to(start + np.arange(s.shape[1]), s.shape)])
            keep = np.argsort(-best_s, axis=1)[:, :k]
            best_s, best_r = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_r, keep, 1)
        return best_r

    assert lesson05.exercise_5_1(right).passed
    assert lesson05.exercise_5_1(stub).status == "not attempted"
    # argpartition alone: on some CPUs its first k come out sorted for small k, never for k=300
    unsorted = lesson05.exercise_5_1(lambda q, e, k, c: np.argpartition(-(q @ e.T), k - 1, axis=1)[:, :k])
    assert unsorted.status == "failed" and "wrong order" in repr(unsorted)
    whole = lesson05.exercise_5_1(lambda q, e, k, c: np.argsort(-(q @ e.T), axis=1)[:, :k])
    assert whole.status == "failed" and "score matrix" in repr(whole)
    worst = lesson05.exercise_5_1(lambda q, e, k, c: np.argsort(q @ e.T, axis=1)[:, :k])
    assert worst.status == "failed"


def test_exercise_5_2_recall():
    def right(found, truth, k):
        return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))

    assert lesson05.exercise_5_2(right).passed
    assert lesson05.exercise_5_2(stub).status == "not attempted"
    ordered = lesson05.exercise_5_2(lambda f, t, k: float((f[:, :k] == t[:, :k]).mean()))  # demands the same order
    assert ordered.status == "failed" and "another order" in repr(ordered)
    all_columns = lesson05.exercise_5_2(lambda f, t, k: float(np.mean([len(set(a) & set(b)) / k for a, b in zip(f, t)])))
    assert all_columns.status == "failed" and "k=2" in repr(all_columns)


def test_exercise_5_3_smallest_nprobe():
    from helpers.search import build_index, exact_search, knn_recall

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((30, 32))
    x = (centres[rng.integers(0, 30, 5300)] + 0.4 * rng.standard_normal((5300, 32))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q, base = x[:300], x[300:]
    truth = exact_search(q, base, k=10)[0]
    index = build_index(base, "IVF64,Flat")

    def right(index, q, truth, target):
        p = 1
        while True:
            index.set_search_params(nprobe=p)
            if knn_recall(index.search_rows(q, 10), truth, 10) >= target:
                return p
            p += 1

    assert lesson05.exercise_5_3(right, index, q, truth).passed
    assert lesson05.exercise_5_3(stub, index, q, truth).status == "not attempted"
    too_big = lesson05.exercise_5_3(lambda *args: 64, index, q, truth)
    assert too_big.status == "failed" and "find the smallest" in repr(too_big)
    assert "below the target" in repr(lesson05.exercise_5_3(lambda *args: 1, index, q, truth))


def test_exercise_6_1_ndcg_with_exponential_gain():
    import math

    def ndcg(ranking, judged, k, gain=lambda g: 2 ** g - 1):
        dcg = sum(gain(judged.get(p, 0)) / math.log2(i + 2) for i, p in enumerate(ranking[:k]))
        idcg = sum(gain(g) / math.log2(i + 2) for i, g in enumerate(sorted(judged.values(), reverse=True)[:k]))
        return dcg / idcg

    assert lesson06.exercise_6_1(ndcg).passed
    assert lesson06.exercise_6_1(lambda r, j, k: None).status == "not attempted"
    assert "2**grade - 1" in repr(lesson06.exercise_6_1(lambda r, j, k: ndcg(r, j, k, gain=lambda g: g)))
    assert "earn nothing" in repr(lesson06.exercise_6_1(lambda r, j, k: ndcg(r, j, k, gain=lambda g: 2 ** g)))
    assert "not 10" in repr(lesson06.exercise_6_1(lambda r, j, k: ndcg(r, j, 10)))

    def ideal_from_found(ranking, judged, k):
        gains = [2 ** judged.get(p, 0) - 1 for p in ranking[:k]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains, reverse=True)))
        return dcg / idcg if idcg else 0.0

    assert "missed" in repr(lesson06.exercise_6_1(ideal_from_found))


def test_exercise_6_2_reciprocal_rank_fusion():
    from helpers.rank import reciprocal_rank_fusion

    assert lesson06.exercise_6_2(lambda r, k: reciprocal_rank_fusion(r, k)).passed
    assert lesson06.exercise_6_2(lambda r, k: None).status == "not attempted"

    def from_zero(rankings, k, guard=False):
        fused = {}
        for ranking in rankings:
            for rank, pid in enumerate(ranking):
                fused[pid] = fused.get(pid, 0) + (1 / (k + rank) if k + rank or not guard else 99)
        return sorted(fused, key=lambda pid: -fused[pid])

    # the plain mistake divides by zero at k=0; the check names the cause, not only the exception
    plain = repr(lesson06.exercise_6_2(from_zero))
    assert "start at 1" in plain and "divided by zero" in plain
    assert "start at 1" in repr(lesson06.exercise_6_2(lambda r, k: from_zero(r, k, guard=True)))
    assert "reversed" in repr(lesson06.exercise_6_2(lambda r, k: reciprocal_rank_fusion(r, k)[::-1]))
    assert "every id" in repr(lesson06.exercise_6_2(lambda r, k: r[0]))

    def raises_elsewhere(rankings, k):
        return 1 / 0 if k == 60 else reciprocal_rank_fusion(rankings, k)

    assert "ZeroDivisionError" in repr(lesson06.exercise_6_2(raises_elsewhere))


def test_exercise_6_3_choose_k():
    assert lesson06.exercise_6_3(lesson06.best_k_under).passed
    assert lesson06.exercise_6_3(lambda s, b: None).status == "not attempted"

    def largest_that_fits(sweep, budget):
        fits = sweep[sweep["ms per query"] <= budget]
        return None if fits.empty else int(fits["k"].max())

    assert "not by size" in repr(lesson06.exercise_6_3(largest_that_fits))
    assert "over the" in repr(lesson06.exercise_6_3(lambda s, b: int(s.loc[s["nDCG@10"].idxmax(), "k"])))
