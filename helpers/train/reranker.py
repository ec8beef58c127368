"""Training the course reranker: lesson 06's offline cross-encoder, from all-MiniLM-L6-v2.

No pretrained cross-encoder ships on PyPI, so lesson 06 cannot count on
cross-encoder/ms-marco-MiniLM-L-6-v2 offline. :func:`train` fine-tunes
:class:`~helpers.models.CourseCrossEncoder` on :func:`~helpers.train.groups.training_groups`
(pseudo-queries, dev queries and hard negatives; never a test query), pushing the
relevant passage's score above its negatives' (a softmax over each group, as in
sentence-transformers' MultipleNegativesRankingLoss).

The usual head (a fresh linear layer on the [CLS] vector, as in ms-marco) barely moved
from a constant score in the few hundred steps a CPU can afford here, because this
model's [CLS] vector was never trained to mean anything; we measured that before
choosing the cosine head. The trained copy lands in the course cache under a name that
fingerprints the recipe, the design, the data and the base model (the registry entry
``course-reranker``), so a changed recipe trains a new copy and an unchanged one is never
retrained. Used in lesson 06.
"""

from __future__ import annotations

import dataclasses
import random
import time
from pathlib import Path

from helpers import data
from helpers.models import copies as locating
from helpers.models.cross_encoder import CourseCrossEncoder
from helpers.models.registry import COURSE_RERANKER, Recipe, TrainedSpec, get_spec
from helpers.train import store
from helpers.train.groups import Group, training_groups

__all__ = ["NAME", "fingerprint", "groups", "spec", "train"]

NAME = COURSE_RERANKER


def spec(recipe: Recipe | None = None) -> TrainedSpec:
    """The registry entry of the course reranker, with ``recipe`` in place of the course's own."""
    entry = get_spec(NAME)
    assert isinstance(entry, TrainedSpec)
    if recipe is None:
        return entry
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a helpers.models.Recipe, got {type(recipe).__name__}")
    return dataclasses.replace(entry, recipe=recipe)


def fingerprint(recipe: Recipe | None = None) -> str:
    """12 hex digits over the recipe, the design, the course data files and the base model's revision."""
    return spec(recipe).fingerprint()


def groups(corpus: data.Corpus, recipe: Recipe | None = None) -> list[Group]:
    """The training groups of ``recipe`` (default: the registry's) for ``corpus``."""
    return training_groups(corpus, spec(recipe).recipe)


def _steps(model: CourseCrossEncoder, batches: list[list[Group]], recipe: Recipe) -> None:
    """The training loop: one optimizer step per batch of groups, with a progress bar."""
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    steps = recipe.epochs * len(batches)
    optimizer = torch.optim.AdamW(model.model.parameters(), lr=recipe.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    order = random.Random(recipe.seed)
    with tqdm(total=steps, desc="training the course reranker", unit="step") as bar:
        for _ in range(recipe.epochs):
            order.shuffle(batches)
            for batch in batches:
                queries = [q for q, pos, negs in batch for _ in range(1 + len(negs))]
                passages = [p for _, pos, negs in batch for p in [pos, *negs]]
                # each group's cosines, relevant passage first: a softmax should pick it out
                logits = model.scores(queries, passages).view(len(batch), -1) / recipe.temperature
                loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                bar.update()
                bar.set_postfix(loss=f"{loss.item():.3f}")


def train(root: Path | None = None, recipe: Recipe | None = None, *, force: bool = False) -> Path:
    """Train the course reranker into ``root`` (default: the course cache); return its folder.

    Skips training when a finished copy is already there, or, for the default root, in the
    workshop bundle (unless ``force``). Trains in a temporary folder and renames it into
    place, so an interrupted run leaves nothing that looks finished.
    """
    entry = spec(recipe)
    recipe = entry.recipe
    assert isinstance(recipe, Recipe)
    out, found = store.already_trained(entry, root, recipe)
    if found and not force:
        print(f"Course reranker already trained: {found}")
        return found
    import torch

    started = time.perf_counter()
    corpus = data.load_corpus()
    todo = training_groups(corpus, recipe)
    dev = f" and {len(corpus.split('dev'))} dev queries" if recipe.dev_queries else ""
    print(f"Training the course reranker: {len(todo)} (query, relevant passage, {recipe.negatives} hard "
          f"negatives) groups from pseudo-queries{dev}; no test query is used.")
    torch.manual_seed(recipe.seed)
    base = locating.locate(recipe.base)
    model = CourseCrossEncoder(base.path, recipe.max_length)
    model.model.encoder.layer = model.model.encoder.layer[: recipe.layers]
    model.model.config.num_hidden_layers = recipe.layers
    model.model.train()
    batches = [todo[i: i + recipe.batch_size] for i in range(0, len(todo), recipe.batch_size)]
    _steps(model, batches, recipe)
    model.model.eval()
    record = {"base": base.describe(), "groups": len(todo),
              "dev_queries": [q.id for q in corpus.split("dev")] if recipe.dev_queries else []}
    store.save(out, entry, recipe, model.save, record, started)
    print(f"Course reranker trained in {time.perf_counter() - started:.0f} s: {out}")
    return out
