"""Encoding a corpus on Ray Data: one machine or a cluster, the same lines.

- :func:`start_ray` starts a local Ray cluster capped for a small machine, or joins a
  running one at ``address`` (a clear error when nothing answers there).
- :class:`BatchEncoder` is the callable class ``map_batches`` runs in each actor: it loads
  lesson 08's ONNX float32 export of MiniLM once per actor (torch's vectors, without torch
  in the worker) and encodes a batch of rows.
- :func:`encode_to_parquet` is the whole pipeline: rows in, Ray Data encodes them, Parquet
  out (written atomically: a failed run leaves no half folder that a later read would take
  for a whole one). :func:`read_vectors` reads the ids and vectors back.

Ray moves the class and the batches between processes with its own serializer; the course's
own files stay Parquet and JSON.

Lessons: 09.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.core.atomic import atomic_folder
from helpers.core.net import answers
from helpers.core.validate import check_positive_int
from helpers.errors import CourseError

__all__ = ["BatchEncoder", "RayClusterError", "encode_to_parquet", "read_vectors", "start_ray", "stop_ray"]


_LOOPBACK = ("127.0.0.1", "localhost")


class RayClusterError(CourseError):
    """No Ray cluster answers at the address given; the message names the command that starts one."""


def _host_port(address: str) -> tuple[str, int]:
    if address.startswith("ray://"):
        raise ValueError(f"{address!r} is a Ray Client address; give the head node's host:port instead "
                         "(the port of `ray start --head --port=...`, 6379 unless you chose another)")
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"address must look like '127.0.0.1:6379' (host:port of the head node), got {address!r}")
    return host, int(port)


def start_ray(address: str | None = None, *, num_cpus: int = 1, object_store_mb: int = 80) -> dict[str, Any]:
    """Start a local Ray cluster (``address=None``) or join the one at ``address``; its resources.

    The local one is capped for a 2 GB machine: ``num_cpus`` worker slots, ``object_store_mb``
    of shared memory, no dashboard. On a cluster Ray uses what ``ray start`` gave each node.
    """
    if address is not None and not isinstance(address, str):
        raise TypeError(f"address must be a string like '127.0.0.1:6379' or None, got {address!r}")
    host, port = _host_port(address) if address is not None else ("127.0.0.1", None)
    check_positive_int("num_cpus", num_cpus)
    check_positive_int("object_store_mb", object_store_mb)
    if object_store_mb < 80:
        raise ValueError(f"object_store_mb must be at least 80 (Ray's minimum), got {object_store_mb}")
    if port is not None and not answers(host, port):
        raise RayClusterError(
            f"No Ray cluster answers at {host}:{port}. Start its head node with "
            f"`ray start --head --node-ip-address={host} --port={port}`, or call start_ray() "
            "without an address for a local cluster inside this process.")
    one_machine = host in _LOOPBACK
    if one_machine:
        # Keep every Ray process on the loopback address, not the machine's network address. The
        # variable is Ray's switch for laptops, read by each Ray process when it imports ray (the
        # constant covers a ray this process imported before).
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    # Ray's own log lines (scheduling progress, actor bookkeeping) drown a notebook's output;
    # errors still show. setdefault: a learner who sets these keeps them.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "WARNING")
    import ray
    import ray.data
    from ray._private import ray_constants

    if one_machine:
        ray_constants.ENABLE_RAY_CLUSTER = False
    if ray.is_initialized():  # a cell run again after an error: leave the old cluster first
        ray.shutdown()
    if port is None:
        ray.init(num_cpus=num_cpus, object_store_memory=object_store_mb * 2**20, include_dashboard=False,
                 logging_level="ERROR", log_to_driver=False)
    else:
        try:
            ray.init(address=f"{host}:{port}", logging_level="ERROR", log_to_driver=False)
        except ConnectionError as error:
            raise RayClusterError(
                f"The Ray cluster at {host}:{port} answers but did not let this process join ({error}). A cluster "
                "started with `ray start` checks a token: give this process the cluster's own, in RAY_AUTH_TOKEN "
                "(with RAY_AUTH_MODE=token) or in ~/.ray/auth_token; and the head must listen where this process "
                f"reaches it (`ray start --head --node-ip-address={host}`).") from None
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    if os.environ.get("TQDM_DISABLE", "") not in ("", "0"):
        ray.data.DataContext.get_current().enable_progress_bars = False
    return ray.cluster_resources()


def stop_ray() -> None:
    """Stop the local cluster (or leave the joined one): every Ray process this one started ends."""
    import ray

    ray.shutdown()


class BatchEncoder:
    """``map_batches``'s callable: MiniLM (ONNX float32, one thread) loaded once per actor.

    It encodes ``batch_size`` texts at a time: small batches keep the attention matrices (which
    grow with batch size x length squared) small, at no cost in speed on one thread.

    Each batch is a dict of columns; the encoder adds ``vector`` (one unit vector per row)
    and ``worker`` (host:pid of the actor that encoded it).
    """

    def __init__(self, precision: str = "float32", batch_size: int = 8) -> None:
        from helpers import fast_encoders

        self.batch_size = check_positive_int("batch_size", batch_size)
        self.encoder = fast_encoders.OnnxEncoder(fast_encoders.export_onnx(quiet=True), precision, threads=1)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if "text" not in batch:
            raise ValueError(f"each row needs a 'text' column to encode; the batch has {sorted(batch)}")
        texts = [str(t) for t in batch["text"]]
        batch["vector"] = self.encoder.encode(texts, batch_size=self.batch_size)
        batch["worker"] = np.array([self.worker] * len(texts))
        return batch


def encode_to_parquet(rows: Sequence[Mapping[str, Any]], folder: Path | str, *, workers: int = 1,
                      batch_size: int = 64) -> Path:
    """Encode ``rows`` (dicts with a ``text``) with Ray Data on the cluster ``start_ray`` joined; Parquet in ``folder``.

    ``workers`` actors each hold one encoder; ``batch_size`` rows travel to an actor at a time.
    ``folder`` is replaced as a whole when the run succeeds, and left as it was when it fails.
    """
    import ray
    import ray.data

    if not isinstance(rows, Sequence) or isinstance(rows, (str, bytes)) or not rows:
        raise ValueError("rows must be a non-empty list of dicts, each with a 'text'")
    missing = [i for i, r in enumerate(rows) if not isinstance(r, Mapping) or not isinstance(r.get("text"), str)]
    if missing:
        raise ValueError(f"rows {missing[:5]} have no 'text' string to encode; every row needs one")
    check_positive_int("workers", workers)
    check_positive_int("batch_size", batch_size)
    if not ray.is_initialized():
        raise RayClusterError("Ray is not running in this process: call distributed.start_ray() first")

    def write(tmp: Path) -> None:
        dataset = ray.data.from_items([dict(r) for r in rows])
        encoded = dataset.map_batches(BatchEncoder, batch_size=batch_size, num_cpus=1,
                                      compute=ray.data.ActorPoolStrategy(size=workers))
        encoded.write_parquet(str(tmp))

    return atomic_folder(Path(folder), write)


def read_vectors(folder: Path | str) -> tuple[list[str], np.ndarray, Any]:
    """``(ids, emb, table)`` from a folder :func:`encode_to_parquet` wrote: ids and (n, d) float32, sorted by id."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        raise FileNotFoundError(f"{folder} holds no Parquet files: run encode_to_parquet first")
    table = pq.read_table(folder).sort_by("id")
    if "vector" not in table.column_names or "id" not in table.column_names:
        raise ValueError(f"{folder} has columns {table.column_names}; expected 'id' and 'vector'")
    column = table.column("vector").combine_chunks()
    if isinstance(column, pa.ExtensionArray):  # Ray's tensor type, when ray.data is imported
        column = column.storage
    emb = column.flatten().to_numpy().astype(np.float32).reshape(len(column), -1)
    return table.column("id").to_pylist(), emb, table
