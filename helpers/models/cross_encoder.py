"""The course-trained cross-encoder's model class: loading and scoring, no training.

:class:`CourseCrossEncoder` is a true cross-encoder: the query and the passage go
through all-MiniLM-L6-v2 *together*, as one input, so every layer lets each query word
attend to each passage word. Its score is the cosine between the mean of the query's
output vectors and the mean of the passage's. That head needs no new weights, so the
untrained model already ranks sensibly. Training lives in :mod:`helpers.train.reranker`.
Used in lesson 06 (through :func:`helpers.models.load_reranker`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.core.validate import check_positive_int
from helpers.models.integrity import check_safe

__all__ = ["CourseCrossEncoder"]

MIN_PART = 8  # word pieces: the least room a query or a passage can be given


class CourseCrossEncoder:
    """Reads a query and a passage together; scores them by the cosine of the two halves' mean vectors.

    Has the ``predict(pairs)`` of sentence-transformers' CrossEncoder, so the rest of the
    course treats both rerankers alike.
    """

    def __init__(self, path: str | Path, max_length: int = 256) -> None:
        from transformers import AutoModel, AutoTokenizer

        if not Path(path, "config.json").is_file():
            raise FileNotFoundError(f"no model at {path}: train one with `python -m helpers train-reranker`")
        self.max_length = check_positive_int("max_length", max_length)
        if max_length < 2 * MIN_PART + 3:
            raise ValueError(f"max_length must be at least {2 * MIN_PART + 3} word pieces, got {max_length}")
        check_safe(Path(path))  # no code of its own, before transformers reads a config
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
        self.model = AutoModel.from_pretrained(path, local_files_only=True, use_safetensors=True,
                                               trust_remote_code=False).eval()

    def scores(self, queries: list[str], passages: list[str]) -> Any:
        """Cosines as a torch tensor (differentiable when the model is in training mode).

        A pair longer than ``max_length`` word pieces loses the end of its passage; a query so
        long that it would leave the passage fewer than half the pieces is cut to that half
        first (what a plain ``only_second`` truncation cannot do: it fails with a bare
        "Truncation error" from 253 query pieces on).
        """
        import torch

        queries = [self._fit_query(q) for q in queries]
        batch = self.tokenizer(queries, passages, truncation="only_second", max_length=self.max_length,
                               padding=True, return_tensors="pt")
        hidden = self.model(**batch).last_hidden_state
        real = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        second = batch["token_type_ids"].unsqueeze(-1).to(hidden.dtype)  # 0: query half, 1: passage
        query = (hidden * real * (1 - second)).sum(1) / (real * (1 - second)).sum(1)
        passage = (hidden * real * second).sum(1) / (real * second).sum(1).clamp(min=1)
        return torch.nn.functional.cosine_similarity(query, passage)

    def _fit_query(self, query: str) -> str:
        """``query``, cut to half of ``max_length`` word pieces when longer (room for the passage)."""
        room = self.max_length // 2 - 1  # [CLS] query [SEP]: the query's half of the pair
        ids = self.tokenizer(query, add_special_tokens=False)["input_ids"]
        return query if len(ids) <= room else self.tokenizer.decode(ids[:room])

    def predict(self, pairs: Any, batch_size: int = 32, show_progress_bar: bool = False, **_: object) -> Any:
        """Scores for (query, passage) pairs, as a float32 array."""
        import numpy as np
        import torch
        from tqdm.auto import tqdm

        check_positive_int("batch_size", batch_size)
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
