"""Faster encoders for a CPU: MiniLM exported to ONNX (float32 and int8), and a static model.

- :func:`export_onnx` writes one ONNX graph of the whole sentence-transformers pipeline
  (BERT, mean pooling, normalization) with ``torch.onnx.export``, then an int8 copy made by
  onnxruntime's dynamic quantization (weights stored as uint8, one scale per output channel;
  activations quantized on the fly). :class:`OnnxEncoder` runs either copy with onnxruntime
  and the model's own fast tokenizer: no torch at encoding time.
- :func:`distill_static` distils a model2vec static model: every vocabulary token goes
  through MiniLM once, PCA keeps 256 dimensions, and a sentence becomes the weighted mean of
  its tokens' rows (lesson 01's word vectors, made from a transformer).

Both are built once per model copy and cached under ``.cache/fast-encoders/``, written
atomically (a killed build leaves no half folder). sentence-transformers' own
``backend="onnx"`` needs optimum-onnx, which does not support transformers 5 yet.

Lessons: 08, 09.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from helpers import models
from helpers.core import paths
from helpers.core.atomic import atomic_folder
from helpers.core.validate import check_positive_int

__all__ = ["ONNX_FILES", "OnnxEncoder", "distill_static", "export_onnx", "folder_mb", "load_static"]

ONNX_FILES = {"float32": "model.onnx", "int8": "model_int8.onnx"}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_SETTINGS = "encoder_config.json"


def _target(kind: str, name: str) -> tuple[Path, models.ModelCopy]:
    """The cache folder for ``kind`` made from this copy of ``name`` (keyed by its weights)."""
    copy = models.locate(name)
    digest = models.weights_digest(copy.path) or "unknown"
    return paths.cache_root() / "fast-encoders" / f"{name}-{kind}-{digest[:12]}", copy


def _finished(folder: Path, files: Sequence[str]) -> bool:
    return all((folder / f).is_file() for f in files)


def folder_mb(path: Path) -> float:
    """Megabytes of the file ``path``, or of every file in the folder ``path``."""
    path = Path(path)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def export_onnx(name: str = models.DEFAULT_ENCODER, *, quiet: bool = False) -> Path:
    """The folder holding ``name`` as ONNX (float32 and int8) plus its tokenizer, built on first use."""
    folder, copy = _target("onnx", name)
    if _finished(folder, [*ONNX_FILES.values(), "tokenizer.json", _SETTINGS]):
        if not quiet:
            print(f"ONNX copies of {name} found in {folder}")
        return folder
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    encoder = models.load_encoder(name, quiet=True)

    class Pipeline(torch.nn.Module):  # the exporter passes positional tensors; the model wants a dict
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001 (tensors)
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.encoder(features)["sentence_embedding"]

    def build(tmp: Path) -> None:
        started = time.perf_counter()
        example = encoder.tokenizer(["a short text", "a slightly longer example text"], padding=True,
                                    return_tensors="pt")
        with torch.no_grad():
            torch.onnx.export(Pipeline().eval(), tuple(example[k] for k in _INPUTS), str(tmp / ONNX_FILES["float32"]),
                              dynamo=False, opset_version=17, input_names=list(_INPUTS),
                              output_names=["sentence_embedding"],
                              dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in _INPUTS},
                                            "sentence_embedding": {0: "batch"}})
        # uint8 weights with a scale per channel: accurate, and fast on any x86-64 CPU (with or without VNNI)
        quantize_dynamic(str(tmp / ONNX_FILES["float32"]), str(tmp / ONNX_FILES["int8"]),
                         weight_type=QuantType.QUInt8, per_channel=True)
        encoder.tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        settings = {"model": name, "copy": copy.describe(), "max_seq_length": encoder.max_seq_length,
                    "pad_token": encoder.tokenizer.pad_token, "pad_token_id": encoder.tokenizer.pad_token_id}
        (tmp / _SETTINGS).write_text(json.dumps(settings, indent=1))
        for file in tmp.iterdir():
            os.chmod(file, 0o644)
        if not quiet:
            print(f"exported {name} to ONNX and quantized it to int8 in {time.perf_counter() - started:.0f} s")

    return atomic_folder(folder, build)


class OnnxEncoder:
    """Encode with an exported ONNX copy: ``precision`` "float32" or "int8", on ``threads`` threads.

    The vectors come out normalized (the graph ends with the model's Normalize step).
    """

    def __init__(self, folder: Path, precision: str = "int8", *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if precision not in ONNX_FILES:
            raise ValueError(f"precision must be one of {', '.join(ONNX_FILES)}, got {precision!r}")
        folder = Path(folder)
        if not _finished(folder, [ONNX_FILES[precision], "tokenizer.json", _SETTINGS]):
            raise FileNotFoundError(f"{folder} holds no complete ONNX export: make one with "
                                    "helpers.fast_encoders.export_onnx()")
        settings = json.loads((folder / _SETTINGS).read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=settings["max_seq_length"])
        self.tokenizer.enable_padding(pad_id=settings["pad_token_id"], pad_token=settings["pad_token"])
        if threads is None:  # onnxruntime ignores torch's and OMP's thread settings: give it torch's count, for a fair race
            import torch

            threads = torch.get_num_threads()
        check_positive_int("threads", threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.path = folder / ONNX_FILES[precision]
        self.precision = precision
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def __repr__(self) -> str:
        return f"OnnxEncoder({self.path.name}, {self.precision}, {folder_mb(self.path):.0f} MB)"

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, sort_by_length: bool = True) -> np.ndarray:
        """One unit vector per text, in the order given. ``sort_by_length`` batches similar lengths
        together, so that short texts are not padded to a long neighbour's length."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of strings")
        check_positive_int("batch_size", batch_size)
        texts = list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i])) if sort_by_length else list(range(len(texts)))
        chunks = []
        for start in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch([texts[i] for i in order[start:start + batch_size]])
            feed = {name: np.array([getattr(e, field) for e in encodings], dtype=np.int64)
                    for name, field in zip(_INPUTS, ("ids", "attention_mask", "type_ids"))}
            chunks.append(self.session.run(None, feed)[0])
        vectors = np.concatenate(chunks) if chunks else np.empty((0, 0), dtype=np.float32)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out


def distill_static(name: str = models.DEFAULT_ENCODER, *, dims: int = 256, quiet: bool = False) -> Path:
    """The folder of a model2vec static model distilled from ``name`` (``dims`` dimensions), built on first use."""
    check_positive_int("dims", dims)
    folder, copy = _target(f"static{dims}", name)
    if _finished(folder, ["model.safetensors", "tokenizer.json", "config.json"]):
        if not quiet:
            print(f"static model distilled from {name} found in {folder}")
        return folder
    from model2vec.distill import distill

    def build(tmp: Path) -> None:
        started = time.perf_counter()
        static = distill(model_name=str(copy.path), pca_dims=dims, device="cpu")
        static.save_pretrained(str(tmp))
        for file in tmp.rglob("*"):
            os.chmod(file, 0o755 if file.is_dir() else 0o644)  # model2vec writes 0600
        if not quiet:
            print(f"distilled a static model from {name} in {time.perf_counter() - started:.0f} s")

    return atomic_folder(folder, build)


def load_static(folder: Path) -> Any:
    """The model2vec ``StaticModel`` in ``folder`` (from :func:`distill_static`)."""
    from model2vec import StaticModel

    if not _finished(Path(folder), ["model.safetensors", "tokenizer.json", "config.json"]):
        raise FileNotFoundError(f"{folder} holds no static model: make one with helpers.fast_encoders.distill_static()")
    return StaticModel.from_pretrained(str(folder))
