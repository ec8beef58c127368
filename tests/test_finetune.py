"""helpers.train.encoder (lesson 07): training rows from the corpus alone, never a test query or a
held-out topic; hard negatives that are not answers; a registry entry like any model's; a tiny
run that lowers the loss, lands in a fingerprinted folder, and loads and encodes offline."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

from helpers import data, embed, models, train
from helpers.models import load
from helpers.train import encoder

TINY = dataclasses.replace(models.get_spec("course-finetuned").recipe, batch_size=4, limit=8, eval_every=2)


@pytest.fixture(scope="module")
def corpus():
    return data.load_corpus()


@pytest.fixture(scope="module")
def rows(corpus):
    return encoder.rows(corpus)


def _sentences(text):
    return re.split(r"(?<=[.!?])\s+", text)


def test_rows_hold_no_test_query_and_nothing_from_a_held_out_topic(corpus, rows):
    recipe = encoder.spec().recipe
    queries = {q for q, _, _ in rows}
    assert not queries & {q.text for q in corpus.split("test")}
    choosing = encoder.choosing_queries(corpus)
    assert len(choosing) == len(corpus.split("dev")) // 2
    assert not queries & {q.text for q in choosing}  # they choose the checkpoint: never trained on
    assert queries & {q.text for q in corpus.split("dev")}  # the other half of dev does train
    held = [p for p in corpus.passages if p.topic in recipe.held_out_topics]
    assert held, "the recipe holds out topics that exist"
    texts = {t for q, pos, negs in rows for t in (q, pos, *negs)}
    for p in held:
        assert p.title not in texts and not any(s in t for s in _sentences(p.text) for t in texts)


def test_a_lifted_sentence_is_cut_out_of_its_passage(corpus, rows):
    titles = {p.title for p in corpus.passages}
    lifted = [(q, pos) for q, pos, _ in rows if q not in titles]
    assert len(lifted) > len(rows) // 3
    assert not [q for q, pos in lifted if q in pos]


def test_hard_negatives_are_neither_answers_nor_their_duplicates_and_respect_the_margin(corpus, rows):
    own = {}
    for p in corpus.passages:
        own[p.title] = p
        for s in _sentences(p.text):
            own[s] = p
    twins = {(d.a, d.b) for d in data.load_duplicates()} | {(d.b, d.a) for d in data.load_duplicates()}
    text_id = {p.text: p.id for p in corpus.passages}
    recipe = encoder.spec().recipe
    whole = []  # title rows: their negatives are whole passages, so the margin can be checked
    for query, _, negatives in rows[:200]:
        answer = own.get(query)
        if answer is None:  # a dev query: its negatives were checked against every judged passage
            continue
        for negative in negatives:
            assert negative != answer.text and not set(_sentences(answer.text)) <= set(_sentences(negative))
            if negative in text_id:
                assert (answer.id, text_id[negative]) not in twins
                whole.append((query, answer.text, negative))
    assert len(whole) > 20
    q, a, n = (embed.encode(list(col)) for col in zip(*whole))
    assert ((n * q).sum(axis=1) < (1 - recipe.margin) * (a * q).sum(axis=1) + 1e-6).all()


def test_the_builder_refuses_a_test_query(corpus):
    held = encoder.spec().recipe.held_out_topics
    test_query = next(q for q in corpus.split("test") if q.topic not in held)
    leaky = dataclasses.replace(test_query, split="dev")  # a test query passed off as dev
    bad = data.Corpus(corpus.passages, [*corpus.queries, dataclasses.replace(leaky, id="leak")],
                      {**corpus.qrels, "leak": corpus.qrels[test_query.id]})
    with pytest.raises(RuntimeError, match="test queries"):
        encoder.rows(bad, dataclasses.replace(encoder.spec().recipe, dev_queries=True))


def test_the_registry_entry_is_a_course_trained_encoder():
    spec = models.get_spec("course-finetuned")
    assert isinstance(spec, models.TrainedSpec) and spec.kind == "encoder" and spec.dim == 384
    assert spec.lessons == (7,) and spec.source_kind == "course-trained"
    assert 384 in spec.recipe.matryoshka_dims and spec.recipe.base == "all-MiniLM-L6-v2"
    assert "course-finetuned" in train.TRAINERS


def test_the_fingerprint_follows_the_recipe():
    recipe = encoder.spec().recipe
    assert encoder.spec(TINY).fingerprint() != encoder.spec().fingerprint()
    assert encoder.spec(dataclasses.replace(recipe)).fingerprint() == encoder.spec().fingerprint()
    assert encoder.spec(dataclasses.replace(recipe, margin=0.1)).fingerprint() != encoder.spec().fingerprint()
    with pytest.raises(ValueError, match="margin"):
        dataclasses.replace(recipe, margin=1.5)
    with pytest.raises(TypeError, match="EncoderRecipe"):
        encoder.spec(models.Recipe())


def test_columns_keep_the_order_the_loss_reads(rows):
    table = encoder.columns(rows[:3])
    assert list(table) == ["anchor", "positive", "negative_1"]
    assert table["anchor"][1] == rows[1][0] and table["negative_1"][2] == rows[2][2][0]
    with pytest.raises(ValueError, match="no training rows"):
        encoder.columns([])


def test_a_few_training_steps_lower_the_loss_on_the_rows_trained_on(rows, tmp_path):
    import copy

    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    model = copy.deepcopy(models.load_encoder(quiet=True))
    few = rows[:8]

    def loss() -> float:
        model.eval()
        with torch.no_grad():
            cols = [model.encode(c, convert_to_tensor=True, show_progress_bar=False)
                    for c in encoder.columns(few).values()]
            return MultipleNegativesRankingLoss(model).compute_loss_from_embeddings(cols, None).item()

    before = loss()
    recipe = dataclasses.replace(TINY, learning_rate=1e-4)
    encoder.make_trainer(model, few, recipe, tmp_path, max_steps=6).train()
    assert loss() < before - 0.05


@pytest.fixture(scope="module")
def tiny_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    # the learning curve searches the whole corpus at each point: one cheap stand-in keeps this test short
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(encoder, "dense_ndcg", lambda model, corpus, queries, k=10: {"q": 0.5})
        return encoder.train(root, TINY)


def test_a_tiny_run_lands_in_its_fingerprinted_folder_with_its_record(tiny_copy, capsys):
    assert tiny_copy.name == f"course-finetuned-{encoder.spec(TINY).fingerprint()}"
    record = json.loads((tiny_copy / "training.json").read_text())
    assert record["rows"] == 8 and record["test_queries_used"] == []
    assert not set(record["dev_queries"]) & set(record["choosing_queries"])
    assert [p["step"] for p in record["curve"]] == [2] and record["chosen_step"] == 2  # 8 rows, batches of 4
    assert list(tiny_copy.glob("*.safetensors")) and not list(tiny_copy.glob("*.bin"))
    assert encoder.train(tiny_copy.parent, TINY) == tiny_copy
    assert "already trained" in capsys.readouterr().out


def test_the_tuned_copy_loads_offline_and_its_vectors_are_cached_apart(tiny_copy, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "embeddings"))
    monkeypatch.setattr("helpers.models.copies.find_trained", lambda name="course-reranker", recipe=None: tiny_copy)
    monkeypatch.setattr(load, "_LOADED", {})
    model = models.load_encoder("course-finetuned")
    assert "trained by this course" in capsys.readouterr().out
    texts = ["A cat sat on the mat.", "Stocks fell sharply."]
    tuned = embed.encode(texts, model="course-finetuned")
    base = embed.encode(texts)
    assert tuned.shape == base.shape == (2, 384) and not np.allclose(tuned, base)
    assert np.allclose(tuned, model.encode(texts, normalize_embeddings=True), atol=1e-5)
    assert len(list((tmp_path / "embeddings").glob("*.npy"))) == 2
    assert np.array_equal(embed.encode(texts, model="course-finetuned"), tuned)  # read back from its own entry


def test_a_part_of_the_corpus_reuses_the_whole_corpus_vectors(corpus):
    from helpers.baselines import passage_vectors
    from helpers.train.groups import without_topics

    part = without_topics(corpus, ["music"])
    rows = passage_vectors(part)
    assert rows.shape == (len(part.passages), 384)
    assert np.allclose(rows, embed.encode(part.texts), atol=1e-5)  # the same vectors, up to batching's last bits
    changed = data.Corpus([dataclasses.replace(part.passages[0], text="A passage the course never wrote.")],
                          [], {})
    assert np.allclose(passage_vectors(changed), embed.encode(["A passage the course never wrote."]), atol=1e-6)
