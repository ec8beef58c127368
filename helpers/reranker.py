"""The course-trained cross-encoder: the reranker every notebook can use offline.

No pretrained cross-encoder ships on PyPI, so lesson 06 cannot count on
cross-encoder/ms-marco-MiniLM-L-6-v2 offline. ``python -m helpers train-reranker`` trains
one from the course's own model instead.

**The model** (:class:`CourseCrossEncoder`) is a true cross-encoder: the query and the
passage go through all-MiniLM-L6-v2 *together*, as one input, so every layer lets each
query word attend to each passage word. Its score is the cosine between the mean of the
query's output vectors and the mean of the passage's. That head needs no new weights, so
the untrained model already ranks sensibly. The usual head (a fresh linear layer on the
[CLS] vector, as in ms-marco) barely moved from a constant score in the few hundred steps
a CPU can afford here, because this model's [CLS] vector was never trained to mean
anything; we measured that before choosing this design.

**The data** (:func:`training_groups`), one (query, relevant passage, hard negatives) group each:

- pseudo-queries written from the passages themselves: each passage's title, and one of
  its sentences lifted out (the passage and its negatives then lose a sentence each, so
  neither copying words nor passage length gives the answer away);
- the dev queries, with each passage they judge relevant;
- hard negatives: passages that BM25 and the dense model rank high for the same query but
  that are not judged relevant (known duplicates of the answer are never negatives).

Training pushes the relevant passage's score above its negatives' (a softmax over each
group, as in sentence-transformers' MultipleNegativesRankingLoss). No test query, and no
judgement of one, is read: :func:`training_groups` refuses a set that contains a test
query's text. The trained copy lands in the course cache (or a workshop bundle) under a
name that fingerprints the recipe, the data and the base model, so a changed recipe trains
a new copy and an unchanged one is never retrained. Used by
``helpers.models.load_reranker`` (lesson 06).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from helpers import data, models

__all__ = ["RECIPE", "CourseCrossEncoder", "Recipe", "find_trained", "spec", "train", "trained_dir",
           "training_groups"]


@dataclass(frozen=True)
class Recipe:
    """Everything that decides the trained weights (its hash names the output folder)."""

    base: str = models.DEFAULT_ENCODER
    layers: int = 6  # of 6 (fewer is faster, but the cosine head then starts from worse vectors)
    epochs: int = 1
    learning_rate: float = 2e-5
    batch_size: int = 4  # groups per step; each group is 1 + negatives pairs
    negatives: int = 3  # hard negatives per group
    temperature: float = 0.05  # softmax temperature over a group's cosines
    max_length: int = 256
    seed: int = 0
    dev_queries: bool = True  # False holds dev out, to compare recipes on it
    limit: int | None = None  # train on the first N groups only (tests)

    def __post_init__(self) -> None:
        for name in ("layers", "epochs", "batch_size", "max_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Recipe.{name} must be a positive int, got {value!r}")
        if not 0 < self.temperature <= 1:
            raise ValueError(f"Recipe.temperature must be in (0, 1], got {self.temperature!r}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"Recipe.learning_rate must be between 0 and 1, got {self.learning_rate!r}")


RECIPE = Recipe()
NAME = "course-reranker"


def _recipe(recipe: Recipe | None) -> Recipe:
    """``recipe``, or the course's RECIPE when None (read at call time, so tests can swap it)."""
    if recipe is None:
        return RECIPE
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a helpers.reranker.Recipe, got {type(recipe).__name__}")
    return recipe


DATA_FILES = ("passages.jsonl", "queries.jsonl", "qrels.jsonl", "duplicates.jsonl")
# The model's design (head, loss, batching). Change it whenever train() or CourseCrossEncoder
# changes, so that copies trained by older code are never taken for new ones.
DESIGN = "joint encoding, cosine of the halves' means, softmax over each group; v1"


def fingerprint(recipe: Recipe | None = None) -> str:
    """12 hex digits over the recipe, the course data files and the base model's revision."""
    recipe = _recipe(recipe)
    digest = hashlib.sha256(json.dumps(asdict(recipe), sort_keys=True).encode())
    digest.update(models.get_spec(recipe.base).revision.encode())
    digest.update(DESIGN.encode())
    for name in DATA_FILES:
        digest.update((data.DATA_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


def spec(recipe: Recipe | None = None) -> models.ModelSpec:
    """The registry-style description of the trained copy (its "revision" is the fingerprint)."""
    recipe = _recipe(recipe)
    return models.ModelSpec(
        name=NAME, repo_id=f"local/{NAME}", revision=fingerprint(recipe).ljust(40, "0"),
        licence="Apache-2.0 (from all-MiniLM-L6-v2)", kind="cross-encoder", size_mb=90,
        note=f"a cross-encoder from {recipe.layers} layers of {recipe.base}, fine-tuned on pseudo-queries"
             + (" and dev queries" if recipe.dev_queries else ""))


def trained_dir(root: Path | None = None, recipe: Recipe | None = None) -> Path:
    """Where the copy trained with ``recipe`` lives under ``root`` (default: the course cache)."""
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path, got {type(root).__name__}")
    if root is None:
        from helpers.embed import cache_root

        root = cache_root() / "models"
    return Path(root) / f"{NAME}-{fingerprint(recipe)}"


def find_trained(recipe: Recipe | None = None) -> Path | None:
    """A finished trained copy: in the workshop bundle ($COURSE_MODEL_DIR) first, then the cache."""
    from helpers.bundle import find_extra

    name = trained_dir(None, recipe).name
    for path in (find_extra(name), trained_dir(None, recipe)):
        if path and (path / "training.json").is_file() and any(path.glob("*.safetensors")):
            return path
    return None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if len(s.split()) >= 5]


Group = tuple[str, str, list[str]]  # (query, relevant passage, negative passages)


def training_groups(corpus: data.Corpus, recipe: Recipe | None = None) -> list[Group]:
    """(query, relevant passage, hard negatives) from pseudo-queries and dev queries; never test."""
    from helpers.baselines import rankings

    if not isinstance(corpus, data.Corpus):
        raise TypeError(f"corpus must be a helpers.data.Corpus (data.load_corpus()), got {type(corpus).__name__}")
    recipe = _recipe(recipe)
    rng = random.Random(recipe.seed)
    text = dict(zip(corpus.ids, corpus.texts))
    same: dict[str, set[str]] = {}
    for pair in data.load_duplicates():
        same.setdefault(pair.a, set()).add(pair.b)
        same.setdefault(pair.b, set()).add(pair.a)

    def lift(passage: str) -> tuple[str, str] | None:
        """One sentence out of the passage: (that sentence, the rest), or None if it is short."""
        sentences = _sentences(passage)
        if len(sentences) < 3:
            return None
        lifted = rng.choice(sentences)
        return lifted, " ".join(s for s in sentences if s != lifted)

    pseudo: list[tuple[str, str, str, bool]] = []  # (query, passage id, positive text, lifted)
    for p in corpus.passages:
        pseudo.append((p.title, p.id, p.text, False))
        cut = lift(p.text)
        if cut:
            pseudo.append((cut[0], p.id, cut[1], True))
    dev = corpus.split("dev") if recipe.dev_queries else []
    queries = [data.Query(f"pseudo-{i}", q, "", "keyword", "dev") for i, (q, *_) in enumerate(pseudo)]
    ranked = rankings(data.Corpus(corpus.passages, queries + dev, corpus.qrels), depth=20)

    def hard_negatives(query_id: str, exclude: set[str]) -> list[str]:
        # alternate BM25 and dense picks from ranks 1-20, skipping answers and their duplicates
        pool = [pid for pair in zip(ranked["bm25"][query_id], ranked["dense"][query_id]) for pid in pair]
        exclude = exclude | set().union(*(same.get(pid, set()) for pid in exclude))
        return list(dict.fromkeys(pid for pid in pool if pid not in exclude))[: recipe.negatives]

    groups: list[Group] = []
    for q, (query, pid, positive, lifted) in zip(queries, pseudo):
        negatives = [text[n] for n in hard_negatives(q.id, {pid})]
        if lifted:
            negatives = [(lift(n) or ("", n))[1] for n in negatives]
        groups.append((query, positive, negatives))
    for q in dev:
        relevant = {pid for pid, grade in corpus.qrels[q.id].items() if grade > 0}
        negatives = [text[n] for n in hard_negatives(q.id, relevant)]
        groups += [(q.text, text[pid], negatives) for pid in sorted(relevant)]

    test_texts = {q.text for q in corpus.split("test")}
    leaked = sorted({query for query, _, _ in groups} & test_texts)
    if leaked:
        raise RuntimeError(f"training data contains test queries (first: {leaked[0]!r}); refusing to train")
    groups = [g for g in groups if len(g[2]) == recipe.negatives]  # equal group sizes batch simply
    rng.shuffle(groups)
    return groups[: recipe.limit] if recipe.limit else groups


class CourseCrossEncoder:
    """Reads a query and a passage together; scores them by the cosine of the two halves' mean vectors.

    Has the ``predict(pairs)`` of sentence-transformers' CrossEncoder, so the rest of the
    course treats both rerankers alike.
    """

    def __init__(self, path: str | Path, max_length: int = 256) -> None:
        from transformers import AutoModel, AutoTokenizer

        if not Path(path, "config.json").is_file():
            raise FileNotFoundError(f"no model at {path}: train one with `python -m helpers train-reranker`")
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True).eval()
        self.max_length = max_length

    def scores(self, queries: list[str], passages: list[str]):
        """Cosines as a torch tensor (differentiable when the model is in training mode)."""
        import torch

        batch = self.tokenizer(queries, passages, truncation="only_second", max_length=self.max_length,
                               padding=True, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state
        real = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        second = batch["token_type_ids"].unsqueeze(-1).to(hidden.dtype)  # 0: query half, 1: passage
        query = (hidden * real * (1 - second)).sum(1) / (real * (1 - second)).sum(1)
        passage = (hidden * real * second).sum(1) / (real * second).sum(1).clamp(min=1)
        return torch.nn.functional.cosine_similarity(query, passage)

    def predict(self, pairs, batch_size: int = 32, show_progress_bar: bool = False, **_: object):
        """Scores for (query, passage) pairs, as a float32 array."""
        import numpy as np
        import torch
        from tqdm.auto import tqdm

        pairs = list(pairs)
        if pairs and isinstance(pairs[0], str):  # one pair, as CrossEncoder accepts
            pairs = [pairs]
        out = []
        with torch.no_grad():
            for start in tqdm(range(0, len(pairs), batch_size), disable=not show_progress_bar):
                chunk = pairs[start: start + batch_size]
                out.append(self.scores([q for q, _ in chunk], [p for _, p in chunk]).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, dtype=np.float32)

    def save(self, path: Path) -> None:
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)


def train(root: Path | None = None, recipe: Recipe | None = None, *, force: bool = False) -> Path:
    """Train the course reranker into ``root`` (default: the course cache); return its folder.

    Skips training when a finished copy is already there, or, for the default root, in the
    workshop bundle (unless ``force``). Trains in a
    temporary folder and renames it into place, so an interrupted run leaves nothing that
    looks finished.
    """
    recipe = _recipe(recipe)
    out = trained_dir(root, recipe)
    found = find_trained(recipe) if root is None else (out if (out / "training.json").is_file() else None)
    if found and not force:
        print(f"Course reranker already trained: {found}")
        return found
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    started = time.perf_counter()
    corpus = data.load_corpus()
    groups = training_groups(corpus, recipe)
    dev = f" and {len(corpus.split('dev'))} dev queries" if recipe.dev_queries else ""
    print(f"Training the course reranker: {len(groups)} (query, relevant passage, {recipe.negatives} hard "
          f"negatives) groups from pseudo-queries{dev}; no test query is used.")
    torch.manual_seed(recipe.seed)
    base = models.locate(recipe.base)
    model = CourseCrossEncoder(base.path, recipe.max_length)
    model.model.encoder.layer = model.model.encoder.layer[: recipe.layers]
    model.model.config.num_hidden_layers = recipe.layers
    model.model.train()
    steps = recipe.epochs * -(-len(groups) // recipe.batch_size)
    optimizer = torch.optim.AdamW(model.model.parameters(), lr=recipe.learning_rate)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        bar = tqdm(total=steps, desc="training the course reranker", unit="step")
        order = random.Random(recipe.seed)
        for _ in range(recipe.epochs):
            order.shuffle(groups)
            for start in range(0, len(groups), recipe.batch_size):
                batch = groups[start: start + recipe.batch_size]
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
        bar.close()
        model.model.eval()
        final = work / "model"
        model.save(final)
        seconds = time.perf_counter() - started
        record = {"name": NAME, "fingerprint": fingerprint(recipe), "recipe": asdict(recipe),
                  "base": base.describe(), "groups": len(groups),
                  "dev_queries": [q.id for q in corpus.split("dev")] if recipe.dev_queries else [],
                  "test_queries_used": [], "seconds": round(seconds, 1), "torch_threads": torch.get_num_threads()}
        (final / "training.json").write_text(json.dumps(record, indent=1))
        if out.exists():  # forced retrain: replace the old copy
            shutil.rmtree(out)
        os.replace(final, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Course reranker trained in {seconds:.0f} s: {out}")
    return out
