"""Fine-tuning all-MiniLM-L6-v2 on the course corpus alone: lesson 07's encoder.

The rows come from :func:`~helpers.train.groups.training_groups` on the corpus without
its held-out topics (pseudo-queries from titles and lifted sentences, one hard negative
each, and half of the dev queries; never a test query). The other half of dev never
trains: it chooses the checkpoint. Training is sentence-transformers' own: :class:`SentenceTransformerTrainer`
with :class:`MatryoshkaLoss` around :class:`MultipleNegativesRankingLoss` (every other
row's passages are a row's in-batch negatives), in batches that never hold the same text
twice. Every ``eval_every`` steps the run records nDCG@10 on the choosing dev queries and
on test (the learning curve of lesson 07; test is recorded, never used to choose), and the
weights of the step best on dev are the ones saved. The copy lands in the
course cache under a fingerprint of the recipe, the design, the data and the base model
(registry entry ``course-finetuned``). Used in lesson 07.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING, Any

from helpers import data, metrics
from helpers.models import copies as locating
from helpers.models.registry import FINETUNED_ENCODER, EncoderRecipe, TrainedSpec, get_spec
from helpers.search import exact_search
from helpers.train import store
from helpers.train.groups import Group, training_groups, without_topics

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer

__all__ = ["NAME", "choosing_queries", "columns", "dense_ndcg", "make_trainer", "rows", "spec", "train"]

NAME = FINETUNED_ENCODER


def spec(recipe: EncoderRecipe | None = None) -> TrainedSpec:
    """The registry entry of the fine-tuned encoder, with ``recipe`` in place of the course's own."""
    entry = get_spec(NAME)
    assert isinstance(entry, TrainedSpec)
    if recipe is None:
        return entry
    if not isinstance(recipe, EncoderRecipe):
        raise TypeError(f"recipe must be a helpers.models.EncoderRecipe, got {type(recipe).__name__}")
    return dataclasses.replace(entry, recipe=recipe)


def choosing_queries(corpus: data.Corpus) -> list[data.Query]:
    """Every other dev query: never trained on, they choose the checkpoint (the rest may train)."""
    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    return corpus.split("dev")[1::2]


def rows(corpus: data.Corpus, recipe: EncoderRecipe | None = None) -> list[Group]:
    """(query, passage, hard negatives) rows of ``recipe`` from ``corpus`` minus its held-out topics.

    With ``recipe.dev_queries`` the dev queries that do not choose the checkpoint join the
    pseudo-queries; test queries never do.
    """
    recipe = spec(recipe).recipe
    assert isinstance(recipe, EncoderRecipe)
    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    choosing = {q.id for q in choosing_queries(corpus)}
    trainable = data.Corpus(corpus.passages, [q for q in corpus.queries if q.id not in choosing], corpus.qrels)
    return training_groups(without_topics(trainable, recipe.held_out_topics), recipe)


def columns(groups: list[Group]) -> dict[str, list[str]]:
    """The trainer's columns, in the order the loss reads them: anchor, positive, negative_1, ..."""
    if not groups:
        raise ValueError("no training rows: build them with helpers.train.encoder.rows(corpus)")
    table = {"anchor": [q for q, _, _ in groups], "positive": [p for _, p, _ in groups]}
    for i in range(len(groups[0][2])):
        table[f"negative_{i + 1}"] = [negs[i] for _, _, negs in groups]
    return table


def dense_ndcg(model: SentenceTransformer, corpus: data.Corpus, queries: list[data.Query], k: int = 10) -> dict[str, float]:
    """nDCG@k of ``model`` for each of ``queries``, searching the whole corpus exactly."""
    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    if not queries or not all(isinstance(q, data.Query) for q in queries):
        raise ValueError("queries must be a non-empty list of helpers.data.Query, e.g. corpus.split('dev')")
    quiet = {"batch_size": 64, "normalize_embeddings": True, "convert_to_numpy": True, "show_progress_bar": False}
    emb = model.encode(corpus.texts, **quiet)
    q_emb = model.encode([q.text for q in queries], **quiet)
    top, _ = exact_search(q_emb, emb, k=k)
    ranking = {q.id: [corpus.ids[j] for j in row] for q, row in zip(queries, top)}
    return metrics.evaluate(ranking, corpus.qrels, [f"ndcg@{k}"])[f"ndcg@{k}"]


def _curve_callback(model: SentenceTransformer, corpus: data.Corpus, every: int, curve: list[dict],
                    best: dict) -> Any:
    """A trainer callback: every ``every`` steps, append {"step", "dev", "test"} (mean nDCG@10)
    to ``curve``, and keep in ``best`` the weights of the point best on the choosing dev queries."""
    import torch
    from transformers import TrainerCallback

    splits = {"dev": choosing_queries(corpus), "test": corpus.split("test")}

    def point(step: int) -> None:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            scores = {name: round(mean(dense_ndcg(model, corpus, qs).values()), 4) for name, qs in splits.items()}
        curve.append({"step": step, **scores})
        if scores["dev"] > best.get("dev", -1.0):  # the earliest step wins a tie
            best.update(step=step, dev=scores["dev"], weights={k: v.detach().clone() for k, v in model.state_dict().items()})
        model.train(was_training)

    class Curve(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            step, last = state.global_step, state.max_steps
            if step == last or (step % every == 0 and last - step >= every // 2):  # no two points side by side
                point(step)

    return Curve()


def make_trainer(model: SentenceTransformer, groups: list[Group], recipe: EncoderRecipe, output_dir: Path, *,
                 max_steps: int = -1, callbacks: list | None = None) -> SentenceTransformerTrainer:
    """The SentenceTransformerTrainer of ``recipe`` on ``groups`` (``max_steps`` > 0 stops early)."""
    if not isinstance(recipe, EncoderRecipe):
        raise TypeError(f"recipe must be a helpers.models.EncoderRecipe, got {type(recipe).__name__}")
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MatryoshkaLoss, MultipleNegativesRankingLoss

    loss = MatryoshkaLoss(model, MultipleNegativesRankingLoss(model, scale=recipe.scale),
                          matryoshka_dims=list(recipe.matryoshka_dims))
    args = SentenceTransformerTrainingArguments(
        output_dir=str(output_dir), num_train_epochs=recipe.epochs, max_steps=max_steps,
        per_device_train_batch_size=recipe.batch_size, learning_rate=recipe.learning_rate,
        warmup_steps=0.1,  # a fraction of the steps (transformers 5 dropped warmup_ratio)
        batch_sampler=BatchSamplers.NO_DUPLICATES, seed=recipe.seed, use_cpu=True,
        save_strategy="no", report_to="none", logging_steps=recipe.eval_every, disable_tqdm=False)
    return SentenceTransformerTrainer(model=model, args=args, train_dataset=Dataset.from_dict(columns(groups)),
                                      loss=loss, callbacks=callbacks or [])


def train(root: Path | None = None, recipe: EncoderRecipe | None = None, *, force: bool = False) -> Path:
    """Fine-tune the encoder into ``root`` (default: the course cache); return its folder.

    Skips training when a finished copy is already there (or, for the default root, in
    the workshop bundle) unless ``force``. The folder appears in one rename when done.
    """
    entry = spec(recipe)
    recipe = entry.recipe
    assert isinstance(recipe, EncoderRecipe)
    out, found = store.already_trained(entry, root, recipe)
    if found and not force:
        print(f"Fine-tuned encoder already trained: {found}")
        return found
    import tempfile

    import torch
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    corpus = data.load_corpus()
    todo = rows(corpus, recipe)
    held = ", ".join(recipe.held_out_topics) or "none"
    print(f"Fine-tuning {recipe.base}: {len(todo)} (query, passage, {recipe.negatives} hard negative) rows from "
          f"pseudo-queries{' and dev queries' if recipe.dev_queries else ''}; topics held out: {held}; "
          "no test query is used.", flush=True)
    torch.manual_seed(recipe.seed)
    base = locating.locate(recipe.base)
    model = SentenceTransformer(str(base.path), device="cpu", local_files_only=True, trust_remote_code=False,
                                model_kwargs={"use_safetensors": True})
    curve: list[dict] = []
    best: dict = {}
    with tempfile.TemporaryDirectory(prefix="course-finetune-") as scratch:
        trainer = make_trainer(model, todo, recipe, Path(scratch),
                               callbacks=[_curve_callback(model, corpus, recipe.eval_every, curve, best)])
        trainer.train()
    model.load_state_dict(best["weights"])  # the checkpoint chosen on dev, not the last one
    print(f"Kept the weights of step {best['step']}, the best of {len(curve)} points on the choosing dev queries.")
    losses = [(row["step"], row["loss"]) for row in trainer.state.log_history if "loss" in row]
    model.eval()
    queries = {query for query, _, _ in todo}
    record = {"base": base.describe(), "rows": len(todo), "held_out_topics": list(recipe.held_out_topics),
              "dev_queries": [q.id for q in corpus.split("dev") if q.text in queries],  # those the rows hold
              "choosing_queries": [q.id for q in choosing_queries(corpus)],
              "losses": losses, "curve": curve, "chosen_step": best["step"]}
    store.save(out, entry, recipe, lambda folder: model.save_pretrained(str(folder), create_model_card=False),
               record, started)
    print(f"Fine-tuned encoder trained in {time.perf_counter() - started:.0f} s: {out}")
    return out
