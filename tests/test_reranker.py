"""helpers.reranker: the course-trained cross-encoder never sees a test query, trains into
a fingerprinted folder atomically, is not retrained when present, and is what
models.load_reranker falls back to offline."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest

from helpers import data, models, reranker
from helpers.models import copies, hub, load

TINY = reranker.Recipe(layers=1, epochs=1, batch_size=2, limit=6)


@pytest.fixture(scope="module")
def corpus():
    return data.load_corpus()


@pytest.fixture(scope="module")
def groups(corpus):
    return reranker.training_groups(corpus)


def test_training_data_holds_no_test_query(corpus, groups):
    queries = {query for query, _, _ in groups}
    assert not queries & {q.text for q in corpus.split("test")}
    assert queries >= {q.text for q in corpus.split("dev")}  # every dev query is used


def test_each_group_has_its_answer_and_hard_negatives_that_are_not_relevant(corpus, groups):
    text = dict(zip(corpus.ids, corpus.texts))
    by_title = {p.title: p.text for p in corpus.passages}
    assert all(len(negs) == reranker.RECIPE.negatives and pos not in negs for _, pos, negs in groups)
    titled = [(by_title[q], negs) for q, pos, negs in groups if q in by_title]
    assert len(titled) == len(corpus.passages) and all(pos not in negs for pos, negs in titled)
    for q in corpus.split("dev"):
        relevant = {text[pid] for pid, grade in corpus.qrels[q.id].items() if grade > 0}
        for query, pos, negs in groups:
            if query == q.text:
                assert pos in relevant and not relevant & set(negs)


def test_lifted_sentences_leave_the_answer_and_the_negatives_one_sentence_shorter(corpus, groups):
    passages = set(corpus.texts)
    lifted = [(pos, negs) for q, pos, negs in groups if q not in {p.title for p in corpus.passages}
              and q not in {d.text for d in corpus.split("dev")}]
    assert lifted and all(pos not in passages and not set(negs) & passages for pos, negs in lifted)


def test_a_known_duplicate_is_never_a_negative_for_its_twin(corpus, groups):
    text = dict(zip(corpus.ids, corpus.texts))
    title = {p.id: p.title for p in corpus.passages}
    negatives = {(q, n) for q, _, negs in groups for n in negs}
    for dup in data.load_duplicates():
        assert (title[dup.a], text[dup.b]) not in negatives and (title[dup.b], text[dup.a]) not in negatives


def test_a_test_query_in_the_training_data_is_refused(corpus):
    test_query = corpus.split("test")[0]
    leaked = [dataclasses.replace(q, split="dev") if q.id == test_query.id else q for q in corpus.queries]
    # the same text now also appears as a dev query: the builder must notice and stop
    twin = dataclasses.replace(test_query, id="q-twin", split="test")
    qrels = {**corpus.qrels, "q-twin": corpus.qrels[test_query.id]}
    bad = data.Corpus(corpus.passages, leaked + [twin], qrels)
    with pytest.raises(RuntimeError, match="contains test queries"):
        reranker.training_groups(bad, TINY)


def test_the_folder_name_fingerprints_the_recipe():
    assert reranker.fingerprint(TINY) != reranker.fingerprint(reranker.RECIPE)
    assert reranker.fingerprint(TINY) == reranker.fingerprint(dataclasses.replace(TINY))
    assert reranker.trained_dir(None).name.startswith("course-reranker-")


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def tiny_model(cache):
    return reranker.train(cache / "models", TINY)


def test_a_tiny_training_run_makes_a_loadable_cross_encoder(tiny_model, capsys):
    record = json.loads((tiny_model / "training.json").read_text())
    assert record["groups"] == 6 and record["test_queries_used"] == []
    assert record["fingerprint"] == reranker.fingerprint(TINY)
    assert not list(tiny_model.glob("*.bin")) and list(tiny_model.glob("*.safetensors"))
    model = reranker.CourseCrossEncoder(tiny_model)
    assert model.model.config.num_hidden_layers == 1
    scores = model.predict([("rice", "rinse the rice"), ("a cat", "stock prices fell")])
    assert np.isfinite(scores).all() and scores.shape == (2,) and scores.dtype == np.float32
    assert not [p for p in tiny_model.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_a_trained_copy_is_not_retrained_and_is_found_in_cache_or_bundle(tiny_model, cache, tmp_path,
                                                                       monkeypatch, capsys):
    stamp = (tiny_model / "training.json").stat().st_mtime_ns
    assert reranker.train(tiny_model.parent, TINY) == tiny_model
    assert "already trained" in capsys.readouterr().out
    assert (tiny_model / "training.json").stat().st_mtime_ns == stamp
    monkeypatch.setattr("helpers.core.paths.cache_root", lambda: cache)
    assert reranker.find_trained(TINY) == tiny_model
    bundled = tmp_path / "course" / tiny_model.name  # the workshop bundle's layout (helpers.bundle)
    shutil.copytree(tiny_model, bundled)
    monkeypatch.setenv("COURSE_MODEL_DIR", str(tmp_path))
    assert reranker.find_trained(TINY) == bundled


def test_an_interrupted_training_leaves_nothing_that_looks_finished(tmp_path, monkeypatch):
    def crash(self, path):
        raise KeyboardInterrupt  # Ctrl-C while the weights are being written

    monkeypatch.setattr(reranker.CourseCrossEncoder, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        reranker.train(tmp_path, TINY)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr("helpers.core.paths.cache_root", lambda: tmp_path)
    monkeypatch.delenv("COURSE_MODEL_DIR", raising=False)
    assert reranker.find_trained(TINY) is None


def test_load_reranker_falls_back_to_the_course_copy_and_says_so(tiny_model, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "from_cache", lambda spec, cache_dir: None)  # no ms-marco anywhere
    monkeypatch.setattr(copies, "find_trained", lambda name="course-reranker", recipe=None: tiny_model)
    monkeypatch.setattr(load, "_LOADED", {})
    model = models.load_reranker()
    out = capsys.readouterr().out
    assert "ms-marco-MiniLM-L-6-v2 is unavailable" in out and "trained by this course" in out
    assert np.isfinite(model.predict([("q", "p")])).all()
    models.load_reranker()
    assert "loaded earlier" in capsys.readouterr().out


def test_load_reranker_names_the_fix_when_there_is_no_copy(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "from_cache", lambda spec, cache_dir: None)
    monkeypatch.setattr(copies, "find_trained", lambda name="course-reranker", recipe=None: None)
    monkeypatch.setattr(load, "_LOADED", {})
    with pytest.raises(models.ModelUnavailableError, match="python -m helpers train-reranker") as info:
        models.load_reranker()
    assert info.value.reason == "not-trained" and info.value.model == "course-reranker"


def test_the_command_line_trains_once(tiny_model, cache, monkeypatch, capsys):
    from helpers.__main__ import main

    spec = models.get_spec("course-reranker")  # the command trains the registry's recipe
    monkeypatch.setitem(models.REGISTRY, "course-reranker", dataclasses.replace(spec, recipe=TINY))
    monkeypatch.setattr("helpers.core.paths.cache_root", lambda: cache)
    assert main(["train-reranker"]) == 0
    assert f"already trained: {tiny_model}" in capsys.readouterr().out
