"""No hangs offline: with a network that swallows every connection, nothing waits on it."""

from __future__ import annotations

import os
import subprocess
import sys

BLACK_HOLE = """
import socket, time
def hang(*args, **kwargs):
    time.sleep(60)  # a network that never answers: the worst case for a timeout
    raise OSError("unreachable")
socket.socket.connect = hang
socket.create_connection = hang
socket.getaddrinfo = hang

t0 = time.perf_counter()
from helpers import data, embed, models
from helpers.rank import BM25
emb = embed.encode(["a first sentence", "a second one"], cache=False)
tokenizer, model = models.load_transformer(quiet=True)
try:
    models.load_cross_encoder(quiet=True)
except models.ModelUnavailableError as exc:
    assert "cannot be reached" in str(exc), exc
corpus = data.load_corpus()
BM25(corpus.texts[:50]).search(["rice"], k=3)
print("SECONDS", time.perf_counter() - t0)
"""


def test_models_and_helpers_never_wait_on_the_network(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env["HF_HUB_CACHE"] = str(tmp_path)  # nothing cached: the Hub would be asked if anything asked it
    result = subprocess.run([sys.executable, "-c", BLACK_HOLE], env=env, capture_output=True, text=True,
                            timeout=50)
    assert result.returncode == 0, result.stderr[-2000:]
    seconds = float(result.stdout.split("SECONDS")[-1])
    assert seconds < 20, f"took {seconds:.1f} s: something waited on the network"
