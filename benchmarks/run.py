"""Benchmarks, each measured side by side in one run: `make bench`.

1. helpers.embed.encode against plain SentenceTransformer.encode (overhead, target <= 5 %);
2. the embedding cache, warm against cold, on the course corpus (target >= 50x);
3. exact top-10 search, 100k x 384 vectors, 1,000 queries: helpers.search.exact_search
   against faiss.IndexFlatIP and a naive NumPy argsort (targets: <= 1.2x faiss, >= 5x naive);
4. the encoder's tokens per second, and that throughput as a share of this CPU's measured
   matrix-multiply speed;
5. exact top-10 by batch size (1, 100, 1,000 queries) over 200k x 384: helpers.search.exact_search
   against faiss.IndexFlatIP and NumPy matmul + argpartition (target: within 1.2x of the best);
6. lesson 08's int8 ONNX encoder against the torch encoder: texts per second on the course
   corpus and the test queries, and the share of torch's test nDCG@10 it keeps (target: at
   least 2x as fast, keeping at least 99%);
7. lesson 08's binary search rescored from int8 against exact float32 search, 200k corpus-shaped
   vectors, 500 queries, one thread: queries per second and recall@10 (target: at least 10x
   as fast at recall@10 >= 0.95).

`python benchmarks/run.py --only batches` runs benchmark 5 alone and writes nothing.

Timings are medians of repeats after a warm-up, with thread counts fixed and printed.
Writes reports/bench.md and the dated summary in README.md's performance section.
Not part of `make test`: timings depend on the machine and its load.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def median_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def encoding_overhead(texts: list[str]) -> dict:
    from helpers import embed, models

    model = models.load_encoder(quiet=True)
    plain = lambda: model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    ours = lambda: embed.encode(texts, batch_size=64, cache=False)
    # interleave the two so that machine load affects both alike
    a, b = [], []
    plain(), ours()
    for _ in range(5):
        a.append(median_time(plain, repeats=1, warmup=0))
        b.append(median_time(ours, repeats=1, warmup=0))
    t_plain, t_ours = statistics.median(a), statistics.median(b)
    return {"plain_s": t_plain, "helpers_s": t_ours, "overhead": t_ours / t_plain - 1}


def cache_speedup(texts: list[str]) -> dict:
    from helpers import embed

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COURSE_CACHE_DIR"] = tmp
        t = time.perf_counter()
        embed.encode(texts)
        cold = time.perf_counter() - t
        warm = median_time(lambda: embed.encode(texts), repeats=7)
        del os.environ["COURSE_CACHE_DIR"]
    return {"cold_s": cold, "warm_s": warm, "speedup": cold / warm}


def exact_search(n: int = 100_000, d: int = 384, m: int = 1_000) -> dict:
    import faiss

    from helpers.search import exact_search as ours
    from helpers.vectors import normalize

    rng = np.random.default_rng(0)
    emb = normalize(rng.standard_normal((n, d), dtype=np.float32))
    q_emb = normalize(rng.standard_normal((m, d), dtype=np.float32))

    def flat():
        index = faiss.IndexFlatIP(d)
        index.add(emb)
        return index.search(q_emb, 10)[1]

    naive = lambda: np.argsort(-(q_emb @ emb.T), axis=1)[:, :10]
    t_ours = median_time(lambda: ours(q_emb, emb, 10), repeats=5)
    t_faiss = median_time(flat, repeats=5)
    t_naive = median_time(naive, repeats=3)
    agree = float((ours(q_emb, emb, 10)[0] == flat()).mean())
    return {"helpers_s": t_ours, "faiss_s": t_faiss, "naive_s": t_naive, "vs_faiss": t_ours / t_faiss,
            "vs_naive": t_naive / t_ours, "same_ids": agree}


def exact_search_batches(n: int = 200_000, d: int = 384, batches: tuple[int, ...] = (1, 100, 1_000)) -> list[dict]:
    """Milliseconds per call at each batch size: helpers vs IndexFlatIP (built beforehand) vs NumPy.

    The three run interleaved, so that load from other processes hits them alike.
    """
    import faiss

    from helpers.search import exact_search as ours
    from helpers.vectors import normalize

    rng = np.random.default_rng(0)
    emb = normalize(rng.standard_normal((n, d), dtype=np.float32))
    queries = normalize(rng.standard_normal((max(batches), d), dtype=np.float32))
    flat = faiss.IndexFlatIP(d)
    flat.add(emb)

    def numpy_top(q_emb):
        scores = q_emb @ emb.T
        part = np.argpartition(scores, n - 10, axis=1)[:, n - 10:]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        return np.take_along_axis(part, order, axis=1)

    rows = []
    for m in batches:
        q_emb = queries[:m]
        runs = {"helpers": lambda: ours(q_emb, emb, 10), "IndexFlatIP": lambda: flat.search(q_emb, 10),
                "NumPy": lambda: numpy_top(q_emb)}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for name, fn in runs.items():
            fn()  # warm-up
        for _ in range(15 if m == 1 else 3):
            for name, fn in runs.items():
                times[name].append(median_time(fn, repeats=1, warmup=0))
        row = {"batch": m, **{name: 1000 * statistics.median(t) for name, t in times.items()}}
        row["vs_best"] = row["helpers"] / min(row["IndexFlatIP"], row["NumPy"])
        rows.append(row)
    return rows


def print_batches(rows: list[dict]) -> None:
    for r in rows:
        print(f"5. exact top-10, 200k x 384, batch {r['batch']:>5}: helpers {r['helpers']:.1f} ms, "
              f"IndexFlatIP {r['IndexFlatIP']:.1f} ms, NumPy {r['NumPy']:.1f} ms -> {r['vs_best']:.2f}x the best "
              f"(target <= 1.2x)")


def encoder_throughput(texts: list[str]) -> dict:
    import torch

    from helpers import models

    model = models.load_encoder(quiet=True)
    ids = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]
    tokens = sum(len(row) for row in ids)
    seconds = median_time(lambda: model.encode(texts, batch_size=64, show_progress_bar=False), repeats=3)
    config = model[0].auto_model.config
    d, layers = config.hidden_size, config.num_hidden_layers
    avg_len = tokens / len(texts)
    # per token and layer: Q, K, V, output (4 d^2) and the feed-forward (8 d^2) multiply-adds,
    # plus attention over the sequence (2 s d); 2 FLOPs per multiply-add
    flops_per_token = 2 * layers * (12 * d * d + 2 * avg_len * d)
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    matmul_s = median_time(lambda: a @ b, repeats=20, warmup=3)
    matmul_flops = 2 * 1024**3 / matmul_s
    achieved = tokens / seconds * flops_per_token
    return {"tokens": tokens, "tokens_per_s": tokens / seconds, "texts_per_s": len(texts) / seconds,
            "gflops_achieved": achieved / 1e9, "gflops_matmul": matmul_flops / 1e9,
            "share": achieved / matmul_flops}


def onnx_encoder() -> dict:
    """Texts per second of torch and int8 ONNX on the same texts (interleaved), and test nDCG@10 of each."""
    from statistics import mean

    from helpers import data, fast_encoders, metrics, models
    from helpers.search import exact_search as search

    corpus = data.load_corpus()
    test = corpus.split("test")
    texts = corpus.texts + [q.text for q in test]
    torch_model = models.load_encoder(quiet=True)
    onnx = fast_encoders.OnnxEncoder(fast_encoders.export_onnx(quiet=True), "int8")
    runs = {"torch": lambda t: torch_model.encode(t, batch_size=32, normalize_embeddings=True, show_progress_bar=False),
            "onnx": lambda t: onnx.encode(t, batch_size=32)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    vectors = {name: fn(texts) for name, fn in runs.items()}  # warm-up, and the vectors scored below
    for _ in range(3):
        for name, fn in runs.items():
            times[name].append(median_time(lambda: fn(texts), repeats=1, warmup=0))

    def ndcg(v: np.ndarray) -> float:
        rows = search(v[len(corpus.texts):], v[:len(corpus.texts)], 10)[0]
        run = {q.id: [corpus.ids[j] for j in row] for q, row in zip(test, rows)}
        return mean(metrics.evaluate(run, corpus.qrels, ["ndcg@10"])["ndcg@10"].values())

    speed = {name: len(texts) / statistics.median(t) for name, t in times.items()}
    quality = {name: ndcg(v) for name, v in vectors.items()}
    return {"texts": len(texts), "torch_tps": speed["torch"], "onnx_tps": speed["onnx"],
            "speedup": speed["onnx"] / speed["torch"], "retained": quality["onnx"] / quality["torch"]}


def binary_rescored(n: int = 200_000, m: int = 500) -> dict:
    """Exact float32 search against binary codes rescored x20 from int8, on corpus-shaped vectors, one thread."""
    import faiss

    from helpers import compress, data, embed
    from helpers.vectors import shaped_like

    corpus = data.load_corpus()
    emb = embed.encode(corpus.texts)
    vectors = shaped_like(emb, np.array(corpus.topics), n + m, np.random.default_rng(2), noise=1.5)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        rows = compress.compare({"float32": {"precision": "float32"},
                                 "binary": {"precision": "binary", "rescore": 20, "rescore_with": "int8"}},
                                vectors[m:], vectors[:m], repeats=3)
    finally:
        faiss.omp_set_num_threads(threads)
    exact, binary = rows
    return {"float_qps": exact["QPS"], "binary_qps": binary["QPS"], "speedup": binary["QPS"] / exact["QPS"],
            "recall": binary["recall@10"]}


def main() -> None:
    import faiss
    import torch

    from helpers import data

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["TQDM_DISABLE"] = "1"
    threads = f"torch {torch.get_num_threads()} threads, faiss {faiss.omp_get_max_threads()} threads"
    print(f"Benchmarks on {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs ({threads})")
    if sys.argv[1:] == ["--only", "batches"]:
        print_batches(exact_search_batches())
        return
    texts = data.load_corpus().texts
    enc = encoding_overhead(texts)
    print(f"1. encode {len(texts)} passages: plain {enc['plain_s']:.2f} s, helpers {enc['helpers_s']:.2f} s, "
          f"overhead {enc['overhead']:+.1%} (target <= +5%)")
    cache = cache_speedup(texts)
    print(f"2. cache: cold {cache['cold_s']:.2f} s, warm {cache['warm_s'] * 1000:.1f} ms, "
          f"{cache['speedup']:.0f}x faster warm (target >= 50x)")
    ex = exact_search()
    print(f"3. exact top-10, 100k x 384, 1,000 queries: helpers {ex['helpers_s']:.2f} s, faiss {ex['faiss_s']:.2f} s, "
          f"naive argsort {ex['naive_s']:.2f} s -> {ex['vs_faiss']:.2f}x faiss (target <= 1.2x), "
          f"{ex['vs_naive']:.1f}x faster than naive (target >= 5x); same ids {ex['same_ids']:.1%}")
    tp = encoder_throughput(texts)
    print(f"4. encoder: {tp['tokens_per_s']:.0f} tokens/s ({tp['texts_per_s']:.0f} passages/s), about "
          f"{tp['gflops_achieved']:.1f} GFLOP/s, {tp['share']:.0%} of this CPU's measured matmul "
          f"speed ({tp['gflops_matmul']:.0f} GFLOP/s)")
    batches = exact_search_batches()
    print_batches(batches)
    ox = onnx_encoder()
    print(f"6. int8 ONNX encoder vs torch, {ox['texts']} texts: {ox['onnx_tps']:.0f} vs {ox['torch_tps']:.0f} texts/s "
          f"({ox['speedup']:.2f}x, target >= 2x), keeping {ox['retained']:.1%} of test nDCG@10 (target >= 99%)")
    br = binary_rescored()
    print(f"7. binary rescored x20 from int8 vs exact float32, 200k x 384, 1 thread: {br['binary_qps']:.0f} vs "
          f"{br['float_qps']:.0f} queries/s ({br['speedup']:.1f}x, target >= 10x), recall@10 {br['recall']:.3f} "
          f"(target >= 0.95)")
    targets = {"encode overhead <= 5%": enc["overhead"] <= 0.05, "cache >= 50x": cache["speedup"] >= 50,
               "search <= 1.2x faiss": ex["vs_faiss"] <= 1.2, "search >= 5x naive": ex["vs_naive"] >= 5,
               **{f"batch {r['batch']} <= 1.2x best": r["vs_best"] <= 1.2 for r in batches},
               "int8 ONNX >= 2x torch": ox["speedup"] >= 2, "int8 ONNX keeps >= 99%": ox["retained"] >= 0.99,
               "binary + rescore >= 10x exact": br["speedup"] >= 10, "binary + rescore recall >= 0.95": br["recall"] >= 0.95}
    for name, ok in targets.items():
        print(f"   {'met' if ok else 'MISSED'}: {name}")
    today = datetime.date.today().isoformat()
    table = "\n".join([
        f"Measured {today} with `make bench` on a {os.cpu_count()}-core CPU ({threads}).",
        "",
        "| benchmark | result | target |",
        "|---|---|---|",
        f"| helpers.embed.encode vs SentenceTransformer.encode, {len(texts)} passages | "
        f"{enc['helpers_s']:.2f} s vs {enc['plain_s']:.2f} s ({enc['overhead']:+.1%}) | within 5% |",
        f"| embedding cache, warm vs cold, course corpus | {cache['warm_s'] * 1000:.1f} ms vs "
        f"{cache['cold_s']:.2f} s ({cache['speedup']:.0f}x) | at least 50x |",
        f"| exact top-10, 100k x 384, 1,000 queries: helpers vs faiss IndexFlatIP | {ex['helpers_s']:.2f} s vs "
        f"{ex['faiss_s']:.2f} s ({ex['vs_faiss']:.2f}x) | within 1.2x |",
        f"| the same: helpers vs naive NumPy argsort | {ex['helpers_s']:.2f} s vs {ex['naive_s']:.2f} s "
        f"({ex['vs_naive']:.1f}x faster) | at least 5x |",
        f"| encoder throughput | {tp['tokens_per_s']:.0f} tokens/s, {tp['gflops_achieved']:.1f} GFLOP/s = "
        f"{tp['share']:.0%} of measured matmul speed ({tp['gflops_matmul']:.0f} GFLOP/s) | (how close to the hardware) |",
        *[f"| exact top-10, 200k x 384, batch {r['batch']}: helpers vs IndexFlatIP vs NumPy | {r['helpers']:.1f} ms vs "
          f"{r['IndexFlatIP']:.1f} ms vs {r['NumPy']:.1f} ms ({r['vs_best']:.2f}x the best) | within 1.2x |" for r in batches],
        f"| int8 ONNX encoder vs torch, {ox['texts']} course texts | {ox['onnx_tps']:.0f} vs {ox['torch_tps']:.0f} texts/s "
        f"({ox['speedup']:.2f}x), {ox['retained']:.1%} of test nDCG@10 kept | at least 2x, keeping 99% |",
        f"| binary rescored x20 from int8 vs exact float32, 200k x 384, 500 queries, 1 thread | "
        f"{br['binary_qps']:.0f} vs {br['float_qps']:.0f} queries/s ({br['speedup']:.1f}x), recall@10 {br['recall']:.3f} | "
        "at least 10x at recall@10 0.95 |",
    ])
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "bench.md").write_text(f"# Benchmarks\n\n{table}\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        readme.write_text(head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1])
    print("written to reports/bench.md and README.md")


if __name__ == "__main__":
    main()
