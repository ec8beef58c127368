"""Write and read a Faiss index with its metadata, and refuse any pair that does not match.

:meth:`helpers.search.VectorIndex.save` and ``.load`` (lesson 05) call these. An index is two
files: ``path`` (written by ``faiss.write_index``) and ``path.json`` (ids, factory, metric,
dimension, count, the SHA-256 of the index file and of the ids). No pickle.

``faiss.read_index`` is not safe on files from untrusted sources: a crafted or damaged file
can crash the process or worse. :func:`read` therefore checks the index file's SHA-256
against the metadata *before* Faiss reads a byte of it, then checks what Faiss built
(count, dimension, metric, the structure the factory string describes) against the
metadata. This catches damage and mix-ups, not an attacker who rewrites both files: only
load indexes you or your course built.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Sequence

from helpers.errors import CourseError

__all__ = ["IndexFileError", "check_ids", "read", "write"]

FORMAT = 2  # metadata version: 2 added the checksums, the metric and the format itself
METRIC = "inner_product"


class IndexFileError(CourseError, ValueError):
    """A saved index that cannot be trusted: damaged, mixed up with another, or not ours.

    A ``ValueError`` too, so ``except ValueError`` keeps working.
    """


def check_ids(ids: Any, n: int) -> list[str]:
    """``ids`` as a list of ``n`` unique strings, or a ``TypeError``/``ValueError`` saying what is wrong."""
    if isinstance(ids, (str, bytes)):
        raise TypeError("ids must be a list of strings, one per row, not one string "
                        "(a string would be split into its letters)")
    if not isinstance(ids, Sequence) and not hasattr(ids, "__iter__"):
        raise TypeError(f"ids must be a list of strings, one per row, got {type(ids).__name__}")
    ids = list(ids)
    bad = next((i for i, pid in enumerate(ids) if not isinstance(pid, str)), None)
    if bad is not None:
        raise TypeError(f"ids must be strings, but ids[{bad}] is {ids[bad]!r}; use [str(i) for i in ids]")
    if len(ids) != n or len(set(ids)) != len(ids):
        raise ValueError(f"ids must be {n} unique strings, one per row of emb; got {len(ids)} ids, "
                         f"{len(set(ids))} of them different")
    return [str(pid) for pid in ids]


def _sha256_file(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_ids(ids: list[str]) -> str:
    return hashlib.sha256(json.dumps(ids, ensure_ascii=True).encode()).hexdigest()


def _describe(index: Any) -> str:
    """What an index is made of, e.g. ``IndexRefineFlat(IndexIVFPQFastScan(nlist=4, pq=4x4))``."""
    import faiss

    own = faiss.downcast_index(index)  # `index` stays referenced while `own` is used
    details = []
    if hasattr(own, "nlist"):
        details.append(f"nlist={own.nlist}")
    if hasattr(own, "hnsw"):
        details.append(f"M={own.hnsw.nb_neighbors(1)}")
    if getattr(own, "pq", None) is not None:
        details.append(f"pq={own.pq.M}x{own.pq.nbits}")
    if hasattr(own, "sq"):
        details.append(f"sq={own.sq.qtype}")
    for inner in ("base_index", "storage"):
        if getattr(own, inner, None) is not None:
            details.append(_describe(getattr(own, inner)))
    return f"{type(own).__name__}({', '.join(details)})"


def write(index: Any, ids: Sequence[str], factory: str, path: str | Path) -> Path:
    """Write ``path`` and ``path.json`` atomically: each appears whole or not at all."""
    import faiss

    from helpers.index_factory import parse

    if not hasattr(index, "ntotal"):
        raise TypeError(f"index must be a Faiss index, got {type(index).__name__}")
    ids, path = check_ids(ids, int(index.ntotal)), Path(path)
    parse(factory)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta_path = _meta_path(path)
    tmp_index, tmp_meta = Path(f"{path}.tmp{os.getpid()}"), Path(f"{meta_path}.tmp{os.getpid()}")
    try:
        faiss.write_index(index, str(tmp_index))
        meta = {"format": FORMAT, "factory": factory, "metric": METRIC, "dim": int(index.d), "n": int(index.ntotal),
                "index_sha256": _sha256_file(tmp_index), "ids_sha256": _sha256_ids(ids), "ids": ids,
                "faiss": faiss.__version__}
        tmp_meta.write_text(json.dumps(meta))
        # Index first, then metadata: a reader in between sees a checksum mismatch and is refused.
        os.replace(tmp_index, path)
        os.replace(tmp_meta, meta_path)
    finally:
        for tmp in (tmp_index, tmp_meta):
            tmp.unlink(missing_ok=True)
    return path


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _read_meta(path: Path) -> dict[str, Any]:
    meta_path = _meta_path(path)
    redo = "rebuild the index and save it again with VectorIndex.save"
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFileError(f"{meta_path} is not valid metadata ({error}); it is damaged: {redo}") from None
    if not isinstance(meta, dict) or "index_sha256" not in meta:
        raise IndexFileError(f"{meta_path} has no checksum (written by an older course version, or not by "
                             f"VectorIndex.save): {redo}")
    types = {"format": int, "factory": str, "metric": str, "dim": int, "n": int, "index_sha256": str,
             "ids_sha256": str, "ids": list}
    wrong = [key for key, kind in types.items() if not isinstance(meta.get(key), kind)]
    if wrong or meta["format"] != FORMAT:
        raise IndexFileError(f"{meta_path} is damaged or from another version (check {', '.join(wrong) or 'format'}): "
                             f"{redo}")
    if meta["metric"] != METRIC:
        raise IndexFileError(f"{meta_path} describes a {meta['metric']!r} index; the course's indexes use the inner "
                             f"product (scores would become distances): {redo}")
    try:
        ids = check_ids(meta["ids"], meta["n"])
    except (TypeError, ValueError) as error:
        raise IndexFileError(f"{meta_path}: {error}: {redo}") from None
    if _sha256_ids(ids) != meta["ids_sha256"]:
        raise IndexFileError(f"{meta_path}: the ids do not match their checksum (edited or damaged): {redo}")
    return meta


def read(path: str | Path) -> tuple[Any, list[str], str]:
    """Read what :func:`write` wrote: ``(faiss index, ids, factory)``, or raise :class:`IndexFileError`."""
    import faiss

    from helpers.index_factory import parse

    path = Path(path)
    if not path.is_file() or not _meta_path(path).is_file():
        raise FileNotFoundError(f"need both {path} and {_meta_path(path)}; write them with VectorIndex.save")
    meta = _read_meta(path)
    if _sha256_file(path) != meta["index_sha256"]:
        raise IndexFileError(f"{path} does not match the checksum in {_meta_path(path)}: the index file was changed "
                             f"or damaged, or the files do not belong together; save the index again")
    try:
        parse(meta["factory"])
        index = faiss.read_index(str(path))
    except (TypeError, ValueError, RuntimeError) as error:
        raise IndexFileError(f"{path} cannot be read ({str(error).splitlines()[-1]}); save the index again") from None
    if index.ntotal != meta["n"] or index.d != meta["dim"]:
        raise IndexFileError(f"{path} holds {index.ntotal} x {index.d} vectors but its metadata says "
                             f"{meta['n']} x {meta['dim']}: the files do not belong together")
    if index.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexFileError(f"{path} holds an index with another metric than the inner product "
                             "(scores would become distances); build it with helpers.search.build_index")
    expected = faiss.index_factory(index.d, meta["factory"], faiss.METRIC_INNER_PRODUCT)
    if _describe(index) != _describe(expected):
        raise IndexFileError(f"{path} holds {_describe(index)} but its metadata says {meta['factory']!r}, which is "
                             f"{_describe(expected)}: the files do not belong together")
    return index, list(meta["ids"]), meta["factory"]
