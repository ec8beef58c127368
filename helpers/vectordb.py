"""The course corpus in a vector database: Milvus, embedded (Milvus Lite) or as a server.

- :func:`passage_rows` turns passages and their vectors into the rows a collection stores;
  :func:`chunk_rows` does the same for chunks of long documents (lesson 10).
- :func:`create_collection` makes lesson 09's collection: an id, payload fields (topic,
  title, text, n_words), a dense vector searched by inner product, and a sparse BM25 vector
  the database computes from ``text`` itself. ``kind="chunks"`` makes lesson 10's instead:
  the payload is the chunk's document id, title and character span (``start``, ``end``).
- :func:`insert` and :func:`search` check their input against the collection first and turn
  the database's errors into a message that says what to fix; ``search(..., fields=[...])``
  returns the named payload with every hit.
- :func:`connect` opens a ``.db`` folder in this process or a server's ``http://`` URI (a
  clear error naming the start command when nothing answers); :func:`release` frees a
  ``.db`` folder this process holds, so that a server process can open it.
- :class:`LocalServer` starts ``milvus-lite server`` on a free loopback port and stops it,
  also when the block inside fails or is interrupted, and when this process dies.

Lessons: 09, 10.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.core.net import answers, free_port
from helpers.core.validate import check_positive_int
from helpers.errors import CourseError

__all__ = ["LocalServer", "VectorDBError", "chunk_rows", "connect", "create_collection", "insert", "passage_rows", "release",
           "search"]

_HINTS = {
    "unknown field": "filter on the collection's own fields (listed above), e.g. 'topic == \"pets\" and n_words > 60'",
    "expected dim": "encode with the model the collection was made for, or make a collection of that dimension",
    "released": "load the collection first: client.load_collection(name)",
    "not exist": "check the name with client.list_collections()",
}


class VectorDBError(CourseError):
    """The database refused a request, or no server answers; the message says what to fix."""


def _quiet() -> None:
    # pymilvus logs every refused request with a full traceback before raising it; the
    # exception itself carries the message, so the log only hides it.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)


def _run(what: str, call: Any) -> Any:
    from pymilvus import MilvusException

    try:
        return call()
    except MilvusException as error:
        message = getattr(error, "message", str(error))
        hint = next((h for key, h in _HINTS.items() if key in message), "")
        raise VectorDBError(f"{what}: {message}" + (f"\nFix: {hint}" if hint else "")) from None


def _checked_vectors(emb: np.ndarray, n: int, what: str) -> np.ndarray:
    emb = np.asarray(emb)
    if emb.ndim != 2 or emb.dtype.kind != "f":
        raise ValueError(f"emb must be a 2-D float array (n, dim), got shape {emb.shape} and dtype {emb.dtype}")
    if n != len(emb):
        raise ValueError(f"{n} {what} but {len(emb)} vectors: give one vector per {what.removesuffix('s')}, in order")
    if not np.isfinite(emb).all():
        raise ValueError("emb holds NaN or infinite values: a database would store them and rank nonsense")
    return emb


def passage_rows(passages: Sequence[Any], emb: np.ndarray) -> list[dict[str, Any]]:
    """One row per passage: its id, topic, title and text, ``n_words``, and its vector (a row of ``emb``)."""
    emb = _checked_vectors(emb, len(passages), "passages")
    missing = [i for i, p in enumerate(passages) if not all(hasattr(p, f) for f in ("id", "topic", "title", "text"))]
    if missing:
        raise TypeError(f"passages {missing[:5]} are not course passages (id, topic, title, text)")
    return [{"id": p.id, "topic": p.topic, "title": p.title, "text": p.text, "n_words": len(p.text.split()),
             "vector": emb[i].astype(np.float32).tolist()} for i, p in enumerate(passages)]


def chunk_rows(chunks: Sequence[Any], emb: np.ndarray, titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per chunk: ``"document_id:start-end"`` as id, its document id, the document's title, span, text and vector."""
    emb = _checked_vectors(emb, len(chunks), "chunks")
    missing = [i for i, c in enumerate(chunks) if not all(hasattr(c, f) for f in ("document_id", "start", "end", "text"))]
    if missing:
        raise TypeError(f"chunks {missing[:5]} are not chunks (document_id, start, end, text), as helpers.chunking makes them")
    unknown = sorted({c.document_id for c in chunks} - set(titles))
    if unknown:
        raise ValueError(f"no title for the documents {unknown[:5]}: titles must map every chunk's document id to its title")
    return [{"id": f"{c.document_id}:{c.start}-{c.end}", "document_id": c.document_id, "title": titles[c.document_id],
             "start": int(c.start), "end": int(c.end), "text": c.text, "vector": emb[i].astype(np.float32).tolist()}
            for i, c in enumerate(chunks)]


def create_collection(client: Any, name: str, dim: int, *, kind: str = "passages", index: str = "HNSW",
                      params: Mapping[str, Any] | None = None) -> None:
    """(Re)create collection ``name``: payload fields, a ``dim``-wide vector (inner product) and BM25 on ``text``.

    ``kind="passages"`` stores :func:`passage_rows`; ``kind="chunks"`` stores :func:`chunk_rows`.
    """
    from pymilvus import DataType, Function, FunctionType

    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be letters, digits and underscores (like 'passages'), got {name!r}")
    check_positive_int("dim", dim)
    if kind not in ("passages", "chunks"):
        raise ValueError(f"kind must be 'passages' (lesson 09's rows) or 'chunks' (lesson 10's), got {kind!r}")
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    if kind == "passages":
        schema.add_field("topic", DataType.VARCHAR, max_length=64)
    else:
        schema.add_field("document_id", DataType.VARCHAR, max_length=64)
    schema.add_field("title", DataType.VARCHAR, max_length=256)
    schema.add_field("text", DataType.VARCHAR, max_length=8192, enable_analyzer=True)
    if kind == "passages":
        schema.add_field("n_words", DataType.INT64)
    else:
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    indexes = client.prepare_index_params()
    indexes.add_index("vector", index_type=index, metric_type="IP",
                      params=dict(params or ({"M": 16, "efConstruction": 200} if index == "HNSW" else {})))
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    _quiet()
    if client.has_collection(name):
        client.drop_collection(name)
    _run(f"creating collection {name!r}", lambda: client.create_collection(name, schema=schema, index_params=indexes))


def _schema(client: Any, name: str) -> tuple[int, list[str]]:
    """The collection's vector width and the fields a row must carry (all but the computed ``sparse``)."""
    description = _run(f"reading collection {name!r}", lambda: client.describe_collection(name))
    field = next(f for f in description["fields"] if f["name"] == "vector")
    return int(field["params"]["dim"]), [f["name"] for f in description["fields"] if f["name"] != "sparse"]


def insert(client: Any, name: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (from :func:`passage_rows` or :func:`chunk_rows`) into ``name``; how many went in. Checked first."""
    if isinstance(rows, Mapping) or not isinstance(rows, Sequence) or not rows:
        raise ValueError("rows must be a non-empty list of dicts, as passage_rows() or chunk_rows() make them")
    dim, fields = _schema(client, name)
    for i, row in enumerate(rows):
        missing = [f for f in fields if f not in row]
        if missing:
            raise ValueError(f"row {i} lacks the fields {missing}; every row of {name!r} needs {fields}")
        if len(row["vector"]) != dim:
            raise ValueError(f"row {i} ({row['id']!r}) has a vector of {len(row['vector'])} numbers, but collection "
                             f"{name!r} stores {dim}: encode with the collection's model, or make a collection "
                             f"of dimension {len(row['vector'])}")
    return _run(f"inserting into {name!r}", lambda: client.insert(name, list(rows)))["insert_count"]


def search(client: Any, name: str, q_emb: np.ndarray, k: int = 10, *, filter: str = "",
           params: Mapping[str, Any] | None = None, fields: Sequence[str] = ()) -> list[list[tuple]]:
    """The ``k`` best ``(id, score)`` per query vector (rows of ``q_emb``), among rows matching ``filter``.

    With ``fields`` (names of the collection's payload fields), each hit is ``(id, score, {field: value})``.
    """
    q_emb = np.asarray(q_emb, dtype=np.float32)
    if q_emb.ndim != 2:
        raise ValueError(f"q_emb must be 2-D (queries, dim), got shape {q_emb.shape}: wrap one vector as q[None]")
    check_positive_int("k", k)
    if not isinstance(filter, str):
        raise TypeError(f"filter must be a string expression like 'topic == \"pets\"', got {filter!r}")
    if isinstance(fields, str) or not all(isinstance(f, str) for f in fields):
        raise TypeError(f"fields must be a list of field names like ['document_id', 'start'], got {fields!r}")
    dim, known = _schema(client, name)
    if q_emb.shape[1] != dim:
        raise ValueError(f"query vectors have {q_emb.shape[1]} numbers, collection {name!r} stores {dim}")
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise ValueError(f"collection {name!r} has no fields {unknown}; its fields are {known}")
    hits = _run(f"searching {name!r}" + (f" with filter {filter!r}" if filter else ""),
                lambda: client.search(name, data=q_emb.tolist(), limit=k, anns_field="vector", filter=filter,
                                      search_params={"params": dict(params or {})}, output_fields=list(fields)))
    if fields:
        return [[(h["id"], float(h["distance"]), {f: h["entity"][f] for f in fields}) for h in row] for row in hits]
    return [[(h["id"], float(h["distance"])) for h in row] for row in hits]


def connect(uri: str | Path) -> Any:
    """A ``MilvusClient`` for a ``.db`` folder (Milvus Lite in this process) or a server's ``http://host:port``."""
    from pymilvus import MilvusClient

    _quiet()
    text = str(uri)
    if text.startswith(("http://", "https://")):
        host, _, port = text.split("://", 1)[1].rstrip("/").rpartition(":")
        if not port.isdigit():
            raise ValueError(f"a server URI needs a port, like 'http://127.0.0.1:19530', got {text!r}")
        if not answers(host, int(port)):
            raise VectorDBError(
                f"No Milvus server answers at {text}. Start one with `milvus-lite server --data-dir DIR "
                f"--host {host} --port {port}` (or, in Python, vectordb.LocalServer(DIR)); a Milvus Standalone "
                "server listens on port 19530.")
        return MilvusClient(uri=text)
    if not text.endswith(".db"):
        raise ValueError(f"uri must be a folder ending in '.db' (Milvus Lite) or 'http://host:port', got {text!r}")
    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return MilvusClient(text)


def release(path: str | Path) -> None:
    """Stop the Milvus Lite server this process runs for ``path`` (a ``.db`` folder), so another process can open it."""
    from milvus_lite.server_manager import server_manager_instance

    if not isinstance(path, (str, Path)) or not str(path).endswith(".db"):
        raise ValueError(f"path must be the '.db' folder given to connect(), got {path!r}")
    server_manager_instance.release_server(str(path))


def _die_with_parent() -> None:  # runs in the child before exec: a SIGTERM when our process dies
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class LocalServer:
    """``milvus-lite server`` for ``data_dir`` on a free loopback port, as a context manager.

    >>> with LocalServer("work/course.db") as server:   # doctest: +SKIP
    ...     client = connect(server.uri)
    """

    def __init__(self, data_dir: str | Path, *, port: int | None = None, timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir)
        if not str(self.data_dir).endswith(".db"):
            raise ValueError(f"data_dir must be a Milvus Lite folder ending in '.db', got {str(data_dir)!r}")
        self.port = free_port() if port is None else port
        self.uri = f"http://127.0.0.1:{self.port}"
        self.timeout = timeout
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="milvus-lite-", suffix=".log", delete=False)

    def start(self) -> LocalServer:
        """Start the server and wait until it accepts connections (a clear error if it cannot)."""
        if answers("127.0.0.1", self.port, timeout=0.5):
            raise VectorDBError(f"port {self.port} is taken already: leave port=None for a free one")
        command = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(self.data_dir),
                   "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True, preexec_fn=_die_with_parent)
        atexit.register(self.stop)
        deadline = time.monotonic() + self.timeout
        while not answers("127.0.0.1", self.port, timeout=0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = Path(self._log.name).read_text(errors="replace").strip().splitlines()[-3:]
                self.stop()
                hint = ("\nFix: another process holds this folder; close its client and call "
                        "vectordb.release(path) there first") if any("lock" in line for line in log) else ""
                raise VectorDBError(f"milvus-lite server did not start on port {self.port}: "
                                    + " | ".join(log) + hint)
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); safe to call twice."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
