"""Every public helper meets bad input with a ValueError/TypeError that names the problem.

The table covers each public function; `test_the_table_covers_every_public_helper` fails
when a new helper is added without rows here.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import helpers
from helpers import (
    baselines,
    beir,
    chunk_search,
    chunking,
    compress,
    core,
    data,
    distributed,
    documents,
    embed,
    index_factory,
    index_store,
    long_documents,
    metrics,
    models,
    movielens,
    plots,
    pooling,
    projections,
    reranker,
    search,
    train,
    vectordb,
    vectors,
)
from helpers.chunking import Chunk
from helpers.rank import BM25, Reranker, fused_scores, reciprocal_rank_fusion, score_fusion
from helpers.train import clip, encoder, groups
from helpers.wordvectors import WordVectors, analogy_accuracy

GOOD = np.ones((4, 8), dtype=np.float32)
Q = np.ones((2, 8), dtype=np.float32)
NAN = GOOD.copy()
NAN[1, 2] = np.nan
INF = GOOD.copy()
INF[3, 0] = np.inf
F64 = GOOD.astype(np.float64)
STRIDED = np.ones((4, 16), dtype=np.float32)[:, ::2]
HIDDEN = np.ones((2, 3, 8), dtype=np.float32)
MASK = np.array([[1, 1, 0], [1, 0, 0]])
P2 = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 3.0]])
LAB = ["a", "b", "a", "c"]
TINY = WordVectors(["cat", "dog", "car"], np.eye(3, dtype=np.float32))


def _tokenizer():
    """MiniLM's own tokenizer (read from the model copy; no torch)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(models.locate(models.DEFAULT_ENCODER).path)

CASES = [
    # (public function, call, error, words the message must contain)
    ("helpers.setup", lambda: helpers.setup(seed="1"), TypeError, "seed"),
    ("helpers.setup", lambda: helpers.setup(seed=-1), TypeError, "non-negative"),
    ("models.get_spec", lambda: models.get_spec(None), TypeError, "string"),
    ("models.get_spec", lambda: models.get_spec("gpt-5"), ValueError, "unknown model"),
    ("models.locate", lambda: models.locate("nope"), ValueError, "unknown model"),
    ("models.load_encoder", lambda: models.load_encoder(3), TypeError, "string"),
    ("models.load_transformer", lambda: models.load_transformer("ms-marco-MiniLM-L-6-v2"), ValueError, "cross-encoder"),
    ("models.load_cross_encoder", lambda: models.load_cross_encoder("bert-base-uncased"), ValueError, "not a cross-encoder"),
    ("models.available_copies", lambda: models.available_copies(""), ValueError, "unknown model"),
    ("data.load_corpus", lambda: data.load_corpus("/nonexistent"), ValueError, "missing"),
    ("data.load_sts", lambda: data.load_sts("/nonexistent"), ValueError, "missing"),
    ("data.load_analogies", lambda: data.load_analogies("/nonexistent"), ValueError, "missing"),
    ("data.load_duplicates", lambda: data.load_duplicates("/nonexistent"), ValueError, "missing"),
    ("data.load_odd_passages", lambda: data.load_odd_passages("/nonexistent"), ValueError, "missing"),
    ("documents.load_documents", lambda: documents.load_documents("/nonexistent"), ValueError, "missing"),
    ("beir.load_beir", lambda: beir.load_beir("nope"), ValueError, "unknown BEIR"),
    ("embed.encode", lambda: embed.encode(None), TypeError, "list of strings"),
    ("embed.encode", lambda: embed.encode([]), ValueError, "empty"),
    ("embed.encode", lambda: embed.encode("one text"), TypeError, "not one string"),
    ("embed.encode", lambda: embed.encode(["ok", 3]), TypeError, "texts[1]"),
    ("embed.encode", lambda: embed.encode(["ok", "  "]), ValueError, "texts[1] is empty"),
    ("embed.encode", lambda: embed.encode(["ok"], batch_size=0), ValueError, "batch_size"),
    ("embed.encode", lambda: embed.encode(["ok"], cache_in=3), TypeError, "cache_in"),
    ("long_documents.chunk_corpus", lambda: long_documents.chunk_corpus([], "windows", None), TypeError, "Chunking"),
    ("long_documents.sentence_vectors", lambda: long_documents.sentence_vectors(["a text"]), TypeError, "Document"),
    ("long_documents.chunk_vectors", lambda: long_documents.chunk_vectors([]), ValueError, "non-empty list"),
    ("embed.encode", lambda: embed.encode(["ok"], model="ms-marco-MiniLM-L-6-v2"), ValueError, "not a sentence encoder"),
    ("embed.check_texts", lambda: embed.check_texts(("ok", "")), ValueError, "texts[1] is empty"),
    ("plots.scatter_2d", lambda: plots.scatter_2d(GOOD, LAB), ValueError, "project to 2-D first"),
    ("plots.scatter_2d", lambda: plots.scatter_2d(P2, LAB[:3]), ValueError, "give one label per point"),
    ("plots.scatter_2d", lambda: plots.scatter_2d(P2.tolist(), LAB), TypeError, "np.asarray"),
    ("plots.scatter_2d", lambda: plots.scatter_2d(np.where(P2 == 3, np.nan, P2), LAB), ValueError, "NaN or inf values (row 3)"),
    ("plots.scatter_2d", lambda: plots.scatter_2d(P2, LAB, ax="left"), TypeError, "matplotlib Axes"),
    ("plots.scatter_grid", lambda: plots.scatter_grid({}, LAB), TypeError, "non-empty dict"),
    ("plots.scatter_grid", lambda: plots.scatter_grid({"a": P2, "b": P2[:3]}, LAB), ValueError, "same points"),
    ("plots.similarity_heatmap", lambda: plots.similarity_heatmap(np.ones(3)), ValueError, "2-D matrix"),
    ("plots.similarity_heatmap", lambda: plots.similarity_heatmap([[1.0]]), TypeError, "NumPy array"),
    ("plots.interactive_scatter", lambda: plots.interactive_scatter(P2, LAB, ["x"]), ValueError, "hover_texts has 1 entries"),
    ("plots.interactive_scatter", lambda: plots.interactive_scatter(P2, LAB, [1, 2, 3, 4]), TypeError, "hover_texts[0] is int"),
    ("plots.label_colors", lambda: plots.label_colors([]), ValueError, "empty"),
    ("plots.map_explorer", lambda: plots.map_explorer({(5, 0.1): P2}, LAB), ValueError, "needs 1 part(s)"),
    ("plots.map_explorer", lambda: plots.map_explorer({5: P2}, LAB, start=7), ValueError, "not a key of maps"),
    ("projections.project", lambda: projections.project(GOOD, "mds"), ValueError, "pca, tsne, umap"),
    ("projections.project", lambda: projections.project(GOOD, "tsne", perplexity=30), ValueError, "below the number of points (4)"),
    ("projections.project", lambda: projections.project(GOOD, "pca", perplexity=5), ValueError, "pca does not take perplexity"),
    ("projections.project", lambda: projections.project(GOOD, seed=-1), TypeError, "seed"),
    ("projections.neighbours_kept", lambda: projections.neighbours_kept(GOOD, P2[:3]), ValueError, "same points"),
    ("projections.neighbours_kept", lambda: projections.neighbours_kept(GOOD, P2, k=4), ValueError, "between 1 and 3"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN[0], MASK), ValueError, "(batch, tokens, dim)"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN, MASK[:, :2]), ValueError, "attention_mask of the same batch"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN, MASK * 2), ValueError, "only 0"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN, np.array([[1, 1, 0], [0, 0, 0]])), ValueError, "text 1 has no real tokens"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN, MASK, "median"), ValueError, "cls, mean, max"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN.astype(int), MASK), TypeError, "floats"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN * np.nan, MASK), ValueError, "NaN"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN.tolist(), MASK), TypeError, "torch tensor"),
    ("pooling.encode_pooled", lambda: pooling.encode_pooled([]), ValueError, "empty"),
    ("pooling.encode_pooled", lambda: pooling.encode_pooled(["ok"], "sum"), ValueError, "drawn from cls, mean"),
    ("pooling.encode_pooled", lambda: pooling.encode_pooled(["ok"], batch_size=-1), ValueError, "batch_size"),
    ("pooling.encode_pooled", lambda: pooling.encode_pooled(["ok"], model=3), TypeError, "(tokenizer, transformer) pair"),
    ("pooling.encode_each_pooling", lambda: pooling.encode_each_pooling(["ok"], "mean"), ValueError, "a list drawn from"),
    ("pooling.encode_each_pooling", lambda: pooling.encode_each_pooling(["ok"], []), ValueError, "a list drawn from"),
    ("pooling.encode_each_pooling", lambda: pooling.encode_each_pooling(("ok", 1)), TypeError, "texts[1]"),
    ("wordvectors.WordVectors", lambda: WordVectors(["a"], np.ones((2, 3))), ValueError, "one word per row"),
    ("wordvectors.WordVectors", lambda: WordVectors(["a", "a"], np.eye(2)), ValueError, "unique"),
    ("wordvectors.WordVectors", lambda: WordVectors(["a", "b"], np.zeros((2, 2))), ValueError, "all zeros"),
    ("wordvectors.WordVectors", lambda: TINY.vector("Cat"), ValueError, "not one token"),
    ("wordvectors.WordVectors", lambda: TINY.vector(3), TypeError, "string"),
    ("wordvectors.WordVectors", lambda: TINY.neighbours("cat", k=3), ValueError, "between 1 and 2"),
    ("wordvectors.WordVectors", lambda: TINY.neighbours(np.ones(4), k=1), ValueError, "4 dimensions, expected 3"),
    ("wordvectors.WordVectors", lambda: TINY.analogy("cat", "dog", "bus"), ValueError, "'bus' is not one token"),
    ("wordvectors.analogy_accuracy", lambda: analogy_accuracy(TINY, []), ValueError, "empty"),
    ("wordvectors.analogy_accuracy", lambda: analogy_accuracy(None, []), TypeError, "WordVectors"),
    ("wordvectors.analogy_accuracy", lambda: analogy_accuracy(TINY, data.load_analogies()[:1]), ValueError, "not in the vocabulary"),
    ("wordvectors.analogy_accuracy", lambda: analogy_accuracy(TINY, data.load_analogies(), ks=(0,)), ValueError, "positive ints"),
    ("vectors.as_matrix", lambda: vectors.as_matrix([[1.0]]), TypeError, "NumPy array"),
    ("vectors.as_matrix", lambda: vectors.as_matrix(np.ones(8)), ValueError, "2-D"),
    ("vectors.as_matrix", lambda: vectors.as_matrix(np.ones((0, 8))), ValueError, "empty"),
    ("vectors.as_matrix", lambda: vectors.as_matrix(np.ones((2, 2), dtype=int)), TypeError, "floats"),
    ("vectors.as_matrix", lambda: vectors.as_matrix(NAN), ValueError, "NaN or inf values (row 1)"),
    ("vectors.as_matrix", lambda: vectors.as_matrix(INF), ValueError, "NaN or inf values (row 3)"),
    ("vectors.normalize", lambda: vectors.normalize(np.zeros((2, 3))), ValueError, "all zeros"),
    ("vectors.normalize", lambda: vectors.normalize(None), TypeError, "NumPy array"),
    ("vectors.cosine", lambda: vectors.cosine(GOOD, np.ones((2, 5), dtype=np.float32)), ValueError, "5 dimensions, expected 8"),
    ("vectors.cosine", lambda: vectors.cosine(GOOD[0], GOOD), ValueError, "2-D"),
    ("vectors.euclidean", lambda: vectors.euclidean(GOOD, np.ones((2, 5), dtype=np.float32)), ValueError, "5 dimensions, expected 8"),
    ("vectors.euclidean", lambda: vectors.euclidean(NAN, GOOD), ValueError, "NaN"),
    ("vectors.euclidean", lambda: vectors.euclidean(GOOD, [[1.0]]), TypeError, "NumPy array"),
    ("vectors.shaped_like", lambda: vectors.shaped_like(GOOD, ["a"], 5, np.random.default_rng(0)), ValueError,
     "one label per row of emb (4)"),
    ("vectors.shaped_like", lambda: vectors.shaped_like(GOOD, LAB, 0, np.random.default_rng(0)), ValueError,
     "positive int"),
    ("vectors.shaped_like", lambda: vectors.shaped_like(GOOD, LAB, 5, 0), TypeError, "default_rng"),
    ("vectors.shaped_like", lambda: vectors.shaped_like(F64, LAB, 5, np.random.default_rng(0)), TypeError, "float32"),
    ("vectors.top_k", lambda: vectors.top_k(GOOD, 0), ValueError, "k must be"),
    ("vectors.top_k", lambda: vectors.top_k(GOOD, 9), ValueError, "between 1 and 8"),
    ("vectors.top_k", lambda: vectors.top_k(GOOD, 2.0), ValueError, "k must be"),
    ("compress.quantize", lambda: compress.quantize(GOOD.astype(np.int8), "binary"), TypeError, "not codes"),
    ("compress.quantize", lambda: compress.quantize(GOOD, "int4"), ValueError, "float32, float16, int8, binary"),
    ("compress.quantize", lambda: compress.quantize(np.ones((2, 12), dtype=np.float32), "binary"), ValueError,
     "multiple of 8; got 12 (truncate to 8 first)"),
    ("compress.quantize", lambda: compress.quantize(GOOD, "int8"), ValueError, "calibration vectors"),
    ("compress.quantize", lambda: compress.quantize(GOOD, "int8", calibration=Q[:, :4]), ValueError, "4 dimensions"),
    ("compress.quantize", lambda: compress.quantize(NAN, "float16"), ValueError, "NaN"),
    ("compress.truncate", lambda: compress.truncate(GOOD, 9), ValueError, "to 9 dimensions"),
    ("compress.truncate", lambda: compress.truncate(GOOD, 0), ValueError, "dim"),
    ("compress.bytes_per_vector", lambda: compress.bytes_per_vector(12, "binary"), ValueError, "multiple of 8"),
    ("compress.bytes_per_vector", lambda: compress.bytes_per_vector(8, "bf16"), ValueError, "precision"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "binary", rescore=0), ValueError,
     "at least 1"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "binary", rescore=0.5), ValueError,
     "at least 1"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "float32", rescore=2), ValueError,
     "changes nothing"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "int8", rescore_with="float32"), ValueError,
     "needs rescore > 1"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "int8", rescore=2, rescore_with="binary"),
     ValueError, "finer"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "int8", hnsw=True), ValueError, "binary"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "binary").search(Q, k=5), ValueError,
     "only 4 vectors"),
    ("compress.CompressedIndex", lambda: compress.CompressedIndex(GOOD, "binary").search(Q[:, :4], k=1), ValueError,
     "4 dimensions, the index 8"),
    ("compress.compare", lambda: compress.compare({}, GOOD, Q), ValueError, "non-empty dict"),
    ("compress.compare", lambda: compress.compare({"x": "binary"}, GOOD, Q), ValueError, "'precision'"),
    ("compress.compare", lambda: compress.compare({"x": {"precision": "int8"}}, GOOD, Q, repeats=0), ValueError,
     "repeats"),
    ("compress.compare", lambda: compress.compare({"x": {"precision": "int8"}}, GOOD.astype(np.int8), Q), TypeError,
     "float vectors"),
    ("search.exact_search", lambda: search.exact_search(Q, F64), TypeError, "float32"),
    ("search.exact_search", lambda: search.exact_search(Q, STRIDED), ValueError, "C-contiguous"),
    ("search.exact_search", lambda: search.exact_search(np.ones((2, 5), np.float32), GOOD), ValueError, "dimensions"),
    ("search.exact_search", lambda: search.exact_search(Q[0], GOOD), ValueError, "2-D"),
    ("search.exact_search", lambda: search.exact_search(Q, NAN), ValueError, "NaN"),
    ("search.exact_search", lambda: search.exact_search(Q, GOOD, k=0), ValueError, "k must be"),
    ("search.exact_search", lambda: search.exact_search(Q, GOOD, k=5), ValueError, "between 1 and 4"),
    ("search.build_index", lambda: search.build_index(F64), TypeError, "float32"),
    ("search.build_index", lambda: search.build_index(GOOD, "IVF999,Flat"), ValueError, "cannot train 'IVF999,Flat' on 4 vectors"),
    ("search.build_index", lambda: search.build_index(GOOD, "HNSW8,Bogus"), ValueError, "Faiss cannot build"),
    ("search.build_index", lambda: search.build_index(GOOD, None), TypeError, "factory string"),
    ("search.build_index", lambda: search.build_index(GOOD, "Flat", ef_construction=20), ValueError, "HNSW indexes only"),
    ("search.build_index", lambda: search.build_index(GOOD, "HNSW4", ef_construction=0), ValueError, "positive int"),
    ("search.build_index", lambda: search.build_index(GOOD, ids=["a", "a", "b", "c"]), ValueError, "unique strings"),
    ("search.VectorIndex", lambda: search.build_index(GOOD).search(np.ones((2, 5), np.float32)), ValueError, "dimensions"),
    ("search.VectorIndex", lambda: search.build_index(GOOD).search(Q, k=5), ValueError, "between 1 and 4"),
    ("search.VectorIndex", lambda: search.build_index(GOOD).set_search_params(nprobe=2), ValueError, "IVF indexes"),
    ("search.VectorIndex", lambda: search.build_index(GOOD).set_search_params(ef_search=2), ValueError, "HNSW indexes"),
    ("search.VectorIndex", lambda: search.build_index(GOOD, "HNSW4").set_search_params(ef_search=0), ValueError, "positive int"),
    ("search.VectorIndex", lambda: search.VectorIndex.load("/nonexistent.faiss"), FileNotFoundError, "VectorIndex.save"),
    ("vectordb.passage_rows", lambda: vectordb.passage_rows(data.load_corpus().passages[:2], GOOD), ValueError,
     "one vector per passage"),
    ("vectordb.passage_rows", lambda: vectordb.passage_rows(data.load_corpus().passages[:4], NAN), ValueError, "NaN"),
    ("vectordb.create_collection", lambda: vectordb.create_collection(None, "my passages", 8), ValueError, "underscores"),
    ("vectordb.create_collection", lambda: vectordb.create_collection(None, "passages", 0), ValueError, "dim"),
    ("vectordb.insert", lambda: vectordb.insert(None, "passages", []), ValueError, "non-empty list"),
    ("movielens.load_movielens", lambda: movielens.load_movielens("web"), ValueError, "'auto', 'download' or 'recbole'"),
    ("movielens.read_archive", lambda: movielens.read_archive("/nonexistent/ml-100k.zip"), movielens.MovieLensError, "Delete it"),
    ("movielens.read_recbole", lambda: movielens.read_recbole("/nonexistent"), movielens.MovieLensError, "recbole"),
    ("movielens.leave_last_out", lambda: movielens.leave_last_out(pd.DataFrame({"user": [1], "item": [2], "timestamp": [3]})),
     ValueError, "single rating"),
    ("movielens.leave_last_out", lambda: movielens.leave_last_out([(1, 2, 3)]), ValueError, "DataFrame"),
    ("movielens.top_k", lambda: movielens.top_k(np.zeros(3), [1, 2, 3], {1}, k=3), ValueError, "larger than"),
    ("movielens.top_k", lambda: movielens.top_k(np.zeros(2), [1, 2, 3], set(), k=1), ValueError, "one number per item"),
    ("movielens.hit_rates", lambda: movielens.hit_rates({1: [9]}, {1: 2}, {1, 2}), ValueError, "not in the catalogue"),
    ("movielens.hit_rates", lambda: movielens.hit_rates({}, {1: 2}, {1, 2}), ValueError, "held-out users"),
    ("vectordb.chunk_rows", lambda: vectordb.chunk_rows([Chunk("d", 0, 2, "hi")], GOOD[:2], {"d": "D"}), ValueError,
     "one vector per chunk"),
    ("vectordb.chunk_rows", lambda: vectordb.chunk_rows([Chunk("d", 0, 2, "hi")], GOOD[:1], {}), ValueError, "no title"),
    ("vectordb.chunk_rows", lambda: vectordb.chunk_rows(["hi"], GOOD[:1], {}), TypeError, "not chunks"),
    ("vectordb.create_collection", lambda: vectordb.create_collection(None, "chunks", 8, kind="chunk"), ValueError, "kind"),
    ("vectordb.search", lambda: vectordb.search(None, "chunks", Q, fields="start"), TypeError, "fields"),
    ("vectordb.search", lambda: vectordb.search(None, "passages", GOOD[0]), ValueError, "2-D"),
    ("vectordb.search", lambda: vectordb.search(None, "passages", Q, filter=3), TypeError, "filter"),
    ("vectordb.connect", lambda: vectordb.connect("course.sqlite"), ValueError, "'.db'"),
    ("vectordb.connect", lambda: vectordb.connect("http://127.0.0.1"), ValueError, "port"),
    ("vectordb.release", lambda: vectordb.release(None), ValueError, "'.db'"),
    ("vectordb.LocalServer", lambda: vectordb.LocalServer("course"), ValueError, "'.db'"),
    ("distributed.start_ray", lambda: distributed.start_ray("localhost"), ValueError, "host:port"),
    ("distributed.start_ray", lambda: distributed.start_ray(3), TypeError, "address"),
    ("distributed.start_ray", lambda: distributed.start_ray("ray://127.0.0.1:10001"), ValueError, "Ray Client"),
    ("distributed.start_ray", lambda: distributed.start_ray(object_store_mb=10), ValueError, "at least 80"),
    ("distributed.BatchEncoder", lambda: distributed.BatchEncoder(batch_size=0), ValueError, "batch_size"),
    ("distributed.BatchEncoder", lambda: distributed.BatchEncoder()({"title": np.array(["x"])}), ValueError, "'text'"),
    ("distributed.encode_to_parquet", lambda: distributed.encode_to_parquet([], "v"), ValueError, "non-empty"),
    ("distributed.encode_to_parquet", lambda: distributed.encode_to_parquet([{"title": "x"}], "v"), ValueError,
     "no 'text'"),
    ("distributed.read_vectors", lambda: distributed.read_vectors("/nonexistent"), FileNotFoundError, "encode_to_parquet"),
    ("search.knn_recall", lambda: search.knn_recall(np.zeros((2, 3)), np.zeros((3, 3)), 1), ValueError, "same number of rows"),
    ("search.knn_recall", lambda: search.knn_recall(np.zeros((2, 3)), np.zeros((2, 3)), 4), ValueError, "between 1 and 3"),
    ("search.measure", lambda: search.measure(search.build_index(GOOD), Q, np.zeros((2, 4)), repeats=0), ValueError, "repeats"),
    ("search.measure", lambda: search.measure(search.build_index(GOOD), F64, np.zeros((2, 4))), TypeError, "float32"),
    ("chunking.word_pieces", lambda: chunking.word_pieces("a text", object()), TypeError, "fast Hugging Face tokenizer"),
    ("chunking.word_pieces", lambda: chunking.word_pieces(None, _tokenizer()), TypeError, "string"),
    ("chunking.token_windows", lambda: chunking.token_windows("doc", "a text", _tokenizer(), size=0), ValueError, "size"),
    ("chunking.token_windows", lambda: chunking.token_windows("doc", "a text", _tokenizer(), size=4, overlap=4), ValueError,
     "overlap"),
    ("chunking.token_windows", lambda: chunking.token_windows("doc", "a text", _tokenizer(), size=600), ValueError,
     "more than the model reads"),
    ("chunking.token_windows", lambda: chunking.token_windows("", "a text", _tokenizer(), size=8), ValueError, "document_id"),
    ("chunking.boundary_chunks", lambda: chunking.boundary_chunks("doc", ["a text"], _tokenizer(), size=8), TypeError,
     "string"),
    ("chunking.boundary_chunks", lambda: chunking.boundary_chunks("doc", "a text", _tokenizer(), size=8, overlap=0.5),
     ValueError, "whole number"),
    ("chunking.sentence_spans", lambda: chunking.sentence_spans(b"bytes."), TypeError, "string"),
    ("chunking.semantic_chunks", lambda: chunking.semantic_chunks("doc", "One. Two.", [(0, 4), (5, 9)], GOOD, _tokenizer(),
                                                                  size=8), ValueError, "one row per sentence"),
    ("chunking.semantic_chunks", lambda: chunking.semantic_chunks("doc", "One. Two.", [(0, 4), (5, 9)], GOOD[:2],
                                                                  _tokenizer(), size=8, quantile=5), ValueError, "quantile"),
    ("chunk_search.document_scores", lambda: chunk_search.document_scores(Q, ["a", "b"]), ValueError, "one document id per chunk"),
    ("chunk_search.document_scores", lambda: chunk_search.document_scores(Q, ["a"] * 8, how="mean"), ValueError, "how"),
    ("chunk_search.mean_vectors", lambda: chunk_search.mean_vectors(GOOD[0], ["a"]), ValueError, "(chunks, dim)"),
    ("chunk_search.best_chunks", lambda: chunk_search.best_chunks(Q, GOOD, []), ValueError, "one vector per chunk"),
    ("chunk_search.late_chunk_vectors", lambda: chunk_search.late_chunk_vectors("a text", [], _tokenizer(), None, window=1024),
     ValueError, "the model's limit"),
    ("metrics.recall_at_k", lambda: metrics.recall_at_k(["a"], {"a": 0}, 5), ValueError, "no relevant"),
    ("metrics.recall_at_k", lambda: metrics.recall_at_k(["a"], [("a", 1)], 5), TypeError, "dict"),
    ("metrics.mrr_at_k", lambda: metrics.mrr_at_k(["a", "a"], {"a": 1}, 5), ValueError, "twice"),
    ("metrics.mrr_at_k", lambda: metrics.mrr_at_k(None, {"a": 1}, 5), TypeError, "list of ids"),
    ("metrics.ndcg_at_k", lambda: metrics.ndcg_at_k(["a"], {"a": 1}, 0), ValueError, "positive int"),
    ("metrics.ndcg_at_k", lambda: metrics.ndcg_at_k("ab", {"a": 1}, 3), TypeError, "list of ids"),
    ("metrics.ndcg_at_k", lambda: metrics.ndcg_at_k(["a"], {"a": float("nan")}, 3), ValueError, "non-negative"),
    ("metrics.evaluate", lambda: metrics.evaluate({}, {}), ValueError, "no rankings"),
    ("metrics.evaluate", lambda: metrics.evaluate({"q": ["a"]}, {}), ValueError, "no judgements"),
    ("metrics.evaluate", lambda: metrics.evaluate({"q": ["a"]}, {"q": {"a": 1}}, ["map@3"]), ValueError, "unknown metric"),
    ("rank.BM25", lambda: BM25([]), ValueError, "non-empty"),
    ("rank.BM25", lambda: BM25(["a", None]), TypeError, "string"),
    ("rank.BM25", lambda: BM25(["a"], ids=["x", "y"]), ValueError, "one id per text"),
    ("rank.BM25", lambda: BM25(["cat dog", "fish bird"]).search("a", k=1), ValueError, "non-empty list"),
    ("rank.BM25", lambda: BM25(["cat dog", "fish bird"]).search(["a"], k=3), ValueError, "between 1"),
]

# Hostile input (issue 16). Factory strings that crashed Faiss are probed in a subprocess in
# tests/test_search.py; here only inputs that cannot kill the interpreter even if a check regresses.
CASES += [
    ("index_factory.parse", lambda: index_factory.parse("HNSW8,PQ4"), ValueError, "stores its vectors as Flat or"),
    ("index_factory.parse", lambda: index_factory.parse(42), TypeError, "factory string"),
    ("index_store.check_ids", lambda: index_store.check_ids("abcd", 4), TypeError, "not one string"),
    ("index_store.read", lambda: index_store.read("/nonexistent.faiss"), FileNotFoundError, "VectorIndex.save"),
    ("index_store.write", lambda: index_store.write(None, ["a"], "Flat", "/tmp/x.faiss"), TypeError, "Faiss index"),
    ("search.build_index", lambda: search.build_index(GOOD, ids="abcd"), TypeError, "not one string"),
    ("search.build_index", lambda: search.build_index(GOOD, ids=[1, 2, 3, 4]), TypeError, "ids[0]"),
    ("search.build_index", lambda: search.build_index(GOOD, "Flat", train_size=0), ValueError, "train_size"),
    ("search.measure", lambda: search.measure(search.build_index(GOOD), Q, np.zeros((2, 4)), single_queries=0),
     ValueError, "single_queries"),
    ("vectors.euclidean", lambda: vectors.euclidean(np.full((1, 2), 1.7e308), -np.full((1, 2), 1.7e308)),
     ValueError, "float64 range"),
    ("pooling.pool", lambda: pooling.pool(HIDDEN * 0, MASK), ValueError, "pools to a vector of zeros"),
    ("projections.project", lambda: projections.project(np.ones((10, 4)), "pca"), ValueError, "only 1 different row"),
    ("metrics.ndcg_at_k", lambda: metrics.ndcg_at_k(["a"], {"a": float("inf")}, 3), ValueError, "finite"),
    ("rank.BM25", lambda: BM25(["cat", "dog"], ids=["x", "x"]), ValueError, "unique"),
]

CASES += [
    ("rank.reciprocal_rank_fusion", lambda: reciprocal_rank_fusion([[]] * 0), ValueError, "non-empty"),
    ("rank.score_fusion", lambda: score_fusion({"a": 1.0}, {}, 0.5), ValueError, "dense must be a non-empty"),
    ("rank.fused_scores", lambda: fused_scores({"a": 1.0}, {"a": 2.0}, -0.1), ValueError, "weight must be between 0"),
    ("rank.Reranker", lambda: Reranker(None, {"p": "text"}), TypeError, "predict"),
    ("models.which", lambda: models.which(object()), ValueError, "not loaded through helpers.models"),
    ("models.load_reranker", lambda: models.load_reranker(quiet="yes"), TypeError, "quiet"),
    ("reranker.fingerprint", lambda: reranker.fingerprint("fast"), TypeError, "Recipe"),
    ("reranker.spec", lambda: reranker.spec("fast"), TypeError, "Recipe"),
    ("reranker.trained_dir", lambda: reranker.trained_dir(42), TypeError, "folder path"),
    ("reranker.find_trained", lambda: reranker.find_trained({}), TypeError, "Recipe"),
    ("reranker.training_groups", lambda: reranker.training_groups([]), TypeError, "data.Corpus"),
    ("reranker.CourseCrossEncoder", lambda: reranker.CourseCrossEncoder("/nonexistent/model"), OSError, "nonexistent"),
    ("reranker.train", lambda: reranker.train(recipe="quick"), TypeError, "Recipe"),
    ("reranker.Recipe", lambda: reranker.Recipe(layers=0), ValueError, "positive int"),
    ("models.CourseCrossEncoder", lambda: models.CourseCrossEncoder("/nonexistent/model"), OSError, "nonexistent"),
    ("models.find_trained", lambda: models.find_trained(reranker.RECIPE), TypeError, "registered model name"),
    ("models.trained_dir", lambda: models.trained_dir(42), TypeError, "folder path"),
    ("models.available_copies", lambda: models.available_copies("nope"), ValueError, "unknown model"),
    ("train.ensure", lambda: train.ensure("all-MiniLM-L6-v2"), ValueError, "Hub model"),
    ("train.ensure", lambda: train.ensure(42), TypeError, "model name"),
    ("core.check_texts", lambda: core.check_texts("one text"), TypeError, "list of strings"),
    ("core.check_positive_int", lambda: core.check_positive_int("k", 0), ValueError, "k must be a positive int"),
    ("core.atomic_write", lambda: core.atomic_write(Path("/tmp/x.json"), 42), TypeError, "bytes, str"),
    ("models.check_safe", lambda: models.check_safe(42), TypeError, "PathLike"),
    ("models.weights_digest", lambda: models.weights_digest(42), TypeError, "PathLike"),
    ("core.atomic_folder", lambda: core.atomic_folder(Path("/tmp/x"), "fill"), TypeError, "callable"),
    ("core.sweep", lambda: core.sweep(42), TypeError, "folder"),
    ("train.groups.training_groups", lambda: groups.training_groups(data.load_corpus(), "quick"), TypeError, "Recipe"),
    ("train.groups.without_topics", lambda: groups.without_topics(data.load_corpus(), ["cricket"]), ValueError,
     "unknown topics"),
    ("train.groups.without_topics", lambda: groups.without_topics(data.load_corpus(), "music"), TypeError, "list of topic"),
    ("baselines.passage_vectors", lambda: baselines.passage_vectors(["a passage"]), TypeError, "data.Corpus"),
    ("train.encoder.spec", lambda: encoder.spec(models.Recipe()), TypeError, "EncoderRecipe"),
    ("train.encoder.rows", lambda: encoder.rows([]), TypeError, "data.Corpus"),
    ("train.clip.digit_captions", lambda: clip.digit_captions("a handwritten {word}"), TypeError, "list of strings"),
    ("train.clip.clip_loss", lambda: clip.clip_loss(torch.zeros(4, 8), torch.zeros(3, 8), 10.0), ValueError, "one shape"),
    ("train.clip.train_mini_clip", lambda: clip.train_mini_clip(np.zeros((4, 28, 28)), np.zeros(4, int), np.zeros((1, 10, 4))),
     ValueError, "(n, 8, 8)"),
    ("train.clip.train_mini_clip", lambda: clip.train_mini_clip(np.zeros((4, 8, 8)), np.full(4, 12), np.zeros((1, 10, 4)),
                                                                batch_size=2), ValueError, "digits 0 to 9"),
    ("train.encoder.choosing_queries", lambda: encoder.choosing_queries("dev"), TypeError, "data.Corpus"),
    ("train.encoder.columns", lambda: encoder.columns([]), ValueError, "no training rows"),
    ("train.encoder.dense_ndcg", lambda: encoder.dense_ndcg(None, data.load_corpus(), []), ValueError, "non-empty list"),
    ("train.encoder.make_trainer", lambda: encoder.make_trainer(None, [], "fast", Path("/tmp")), TypeError,
     "EncoderRecipe"),
    ("train.encoder.train", lambda: encoder.train(recipe="quick"), TypeError, "EncoderRecipe"),
    ("models.EncoderRecipe", lambda: models.EncoderRecipe(margin=1.0), ValueError, "margin"),
    ("models.EncoderRecipe", lambda: models.EncoderRecipe(mine_first="tfidf"), ValueError, "mine_first"),
    ("models.EncoderRecipe", lambda: models.EncoderRecipe(matryoshka_dims=()), ValueError, "matryoshka_dims"),
]

# Public callables that take no input worth validating, or never raise by design.
NO_INPUT = {"train.clip.MiniClip", "models.hub_reachable", "models.cache_dirs", "models.download", "embed.cache_dir", "embed.cache_root",
            "distributed.stop_ray", "long_documents.build", "long_documents.store", "long_documents.tokenizer",
            "models.hub_specs", "models.trained_specs", "models.snapshot_dir", "models.find_extra",
            "core.hub_offline", "core.model_dir", "core.cache_root", "core.embeddings_dir", "core.models_dir",
            "doctor.check_bundle", "doctor.check_encoder", "doctor.check_models",
            "doctor.run", "colab.install_missing", "colab.missing_packages", "baselines.run",
            "baselines.rankings", "check.result", "check.is_stub", "check.close", "check.hint"}


@pytest.mark.parametrize("name, call, error, words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gets_a_clear_error(name, call, error, words, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value), f"{name}: message {str(info.value)!r} should mention {words!r}"


def test_the_table_covers_every_public_helper():
    covered = {c[0] for c in CASES} | NO_INPUT
    public = {"helpers.setup"}
    for module_name in ("models", "data", "beir", "compress", "embed", "vectors", "search", "index_factory", "index_store",
                        "metrics", "rank", "vectordb", "distributed", "documents", "chunking", "chunk_search", "long_documents", "movielens",
                        "doctor", "colab", "baselines", "check", "pooling", "wordvectors", "plots", "projections",
                        "reranker", "core", "train", "train.groups", "train.encoder", "train.clip"):
        module = importlib.import_module(f"helpers.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, Exception)
                                           and "__dataclass_fields__" not in vars(obj)):
                public.add(f"{module_name}.{name}")
    missing = public - covered
    assert not missing, f"public helpers with no bad-input rows: {sorted(missing)}"
