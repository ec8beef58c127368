"""Lessons 09 and 10's database helpers against real Milvus Lite: embedded, and a server on loopback.

Every server these tests start is stopped by them, also when a test fails; the last test
checks that no milvus-lite process of this session is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest

from helpers import data, vectordb
from helpers.chunking import Chunk
from helpers.core.net import answers

PASSAGES = data.load_corpus().passages[:60]


def unit(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def filled(tmp_path):
    """A collection of 60 corpus passages with random unit vectors, in a .db folder of its own."""
    path = tmp_path / "course.db"
    client = vectordb.connect(path)
    vectordb.create_collection(client, "passages", dim=16)
    emb = unit(len(PASSAGES))
    vectordb.insert(client, "passages", vectordb.passage_rows(PASSAGES, emb))
    client.flush("passages")
    yield path, client, emb
    client.close()
    vectordb.release(path)


def our_servers() -> list[psutil.Process]:
    me = os.getpid()
    found = []
    for p in psutil.process_iter(["cmdline", "ppid"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if "milvus_lite server" in cmd and p.info["ppid"] == me:
            found.append(p)
    return found


def test_search_matches_exact_search_and_filters_obey(filled):
    path, client, emb = filled
    q = unit(5, seed=1)
    hits = vectordb.search(client, "passages", q, k=10, params={"ef": 60})
    exact = np.argsort(-(q @ emb.T), axis=1)[:, :10]
    assert [[pid for pid, _ in row] for row in hits] == [[PASSAGES[j].id for j in row] for row in exact]
    pets = vectordb.search(client, "passages", q, k=10, filter='topic == "gardening"', params={"ef": 60})
    topics = {p.id: p.topic for p in PASSAGES}
    assert all(topics[pid] == "gardening" for row in pets for pid, _ in row)
    assert all(len(row) == min(10, sum(p.topic == "gardening" for p in PASSAGES)) for row in pets)


def test_the_server_serves_the_same_folder_with_the_same_answers(filled):
    path, client, emb = filled
    q = unit(4, seed=2)
    embedded = vectordb.search(client, "passages", q, k=5)
    client.delete("passages", ids=[PASSAGES[0].id])
    client.flush("passages")
    client.close()
    vectordb.release(path)
    with vectordb.LocalServer(path) as server:
        assert server.uri.startswith("http://127.0.0.1:")
        remote = vectordb.connect(server.uri)
        remote.load_collection("passages")
        assert remote.get_collection_stats("passages")["row_count"] == len(PASSAGES) - 1
        served = vectordb.search(remote, "passages", q, k=5)
        expected = [[(pid, s) for pid, s in row if pid != PASSAGES[0].id] for row in embedded]
        assert [[pid for pid, _ in row][:4] for row in served] == [[pid for pid, _ in row][:4] for row in expected]
        remote.close()
        process = server.process
    assert process.poll() is not None, "the server process outlived its block"
    assert not answers("127.0.0.1", server.port, timeout=0.5)


def test_a_failing_block_still_stops_the_server(tmp_path):
    server = vectordb.LocalServer(tmp_path / "empty.db")
    with pytest.raises(RuntimeError, match="inside the block"):
        with server:
            raise RuntimeError("inside the block")
    assert server.process is None and not answers("127.0.0.1", server.port, timeout=0.5)


def test_an_interrupt_inside_the_block_stops_the_server(tmp_path):
    # Ctrl-C in a notebook or a terminal: the learner's process gets SIGINT while the block runs
    script = ("import sys, time; from helpers import vectordb\n"
              "with vectordb.LocalServer(sys.argv[1]) as s:\n"
              "    print(s.process.pid, flush=True); time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "interrupted.db")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        server_pid = int(child.stdout.readline())
        child.send_signal(signal.SIGINT)
        child.wait(20)
        assert "KeyboardInterrupt" in child.stderr.read()
        assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == psutil.STATUS_ZOMBIE
    finally:
        child.kill()


def test_the_server_dies_with_the_process_that_started_it(tmp_path):
    # a child Python starts a server, then is killed: PR_SET_PDEATHSIG must take the server down too
    script = ("import sys, time; from helpers import vectordb; s = vectordb.LocalServer(sys.argv[1]).start(); "
              "print(s.process.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "orphan.db")], stdout=subprocess.PIPE,
                              text=True)
    try:
        server_pid = int(parent.stdout.readline())
        assert psutil.pid_exists(server_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while psutil.pid_exists(server_pid) and psutil.Process(server_pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the server outlived the process that started it"
            time.sleep(0.1)
    finally:
        parent.kill()


def test_a_folder_held_by_this_process_gives_a_clear_error(filled):
    path, client, _ = filled
    with pytest.raises(vectordb.VectorDBError, match="release"):
        vectordb.LocalServer(path, timeout=20).start()


def test_clear_errors_for_bad_input(filled):
    path, client, _ = filled
    row = vectordb.passage_rows(PASSAGES[:1], unit(1))[0]
    with pytest.raises(ValueError, match="stores 16"):
        vectordb.insert(client, "passages", [{**row, "vector": [0.5] * 10}])
    with pytest.raises(vectordb.VectorDBError, match="available fields"):
        vectordb.search(client, "passages", unit(1), filter='colour == "red"')
    assert client.get_collection_stats("passages")["row_count"] == len(PASSAGES)  # nothing half-inserted
    with pytest.raises(vectordb.VectorDBError, match="milvus-lite server --data-dir"):
        vectordb.connect("http://127.0.0.1:9")


def test_a_chunk_collection_returns_each_hit_s_document_and_span_and_filters_by_document(tmp_path):
    text = {"doc-a": "Bread needs time. Dough rises in a warm room.", "doc-b": "Rivers carve valleys over ages."}
    chunks = [Chunk("doc-a", 0, 17, text["doc-a"][:17]), Chunk("doc-a", 18, 46, text["doc-a"][18:]),
              Chunk("doc-b", 0, 31, text["doc-b"])]
    emb = unit(3, seed=2)
    path = tmp_path / "chunks.db"
    client = vectordb.connect(path)
    try:
        vectordb.create_collection(client, "chunks", dim=16, kind="chunks", index="FLAT")
        rows = vectordb.chunk_rows(chunks, emb, {"doc-a": "Baking", "doc-b": "Rivers"})
        assert vectordb.insert(client, "chunks", rows) == 3
        hits = vectordb.search(client, "chunks", emb, k=1, fields=["document_id", "start", "end"])
        for chunk, [(chunk_id, score, payload)] in zip(chunks, hits):
            assert chunk_id == f"{chunk.document_id}:{chunk.start}-{chunk.end}" and score == pytest.approx(1.0, abs=1e-5)
            assert text[payload["document_id"]][payload["start"]:payload["end"]] == chunk.text
        inside = vectordb.search(client, "chunks", emb[2:], k=3, filter='document_id == "doc-a"')
        assert {chunk_id for chunk_id, _ in inside[0]} == {"doc-a:0-17", "doc-a:18-46"}
        with pytest.raises(ValueError, match="lacks the fields"):   # a passage row does not fit a chunk collection
            vectordb.insert(client, "chunks", vectordb.passage_rows(PASSAGES[:1], unit(1)))
        with pytest.raises(ValueError, match="no fields"):
            vectordb.search(client, "chunks", emb, fields=["topic"])
        assert client.get_collection_stats("chunks")["row_count"] == 3
    finally:
        client.close()
        vectordb.release(path)


def test_no_server_is_left_behind():
    assert our_servers() == []
