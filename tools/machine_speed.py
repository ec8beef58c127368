"""How fast is this machine, against the one the notebook budgets were set on?

    python tools/machine_speed.py      # prints this machine's workload times and its factor

The budgets (90 s per notebook, conftest.py) hold on the reference machine: a 2-core machine
of the course's CI kind, measured in ``REFERENCE``. Machines of that kind differ about
threefold in speed (the same lessons/07 ran in 76 s on one CI machine and in 130 s on
another; lessons/00 in 6 s on the reference machine and in 20 s on the slowest), so a fixed
number of seconds would test the machine, not the notebook. conftest.py measures this workload once per run and
allows each notebook ``90 s * factor``, the factor between 1 (never stricter than 90 s) and
``MAX_FACTOR`` (a machine slower than that still fails: the budget keeps its meaning).

The workload is what the notebooks spend their time on, run as the lessons run (one thread,
torch's AVX2 kernels): MiniLM encoding, and plain Python (pandas, metrics and resampling
loops). Each part is timed three times in a fresh process and the fastest time kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Seconds on the reference machine: the 2-core Intel Xeon (AVX-512) the course is developed on, 2026-12-02.
REFERENCE = {"encode": 1.05, "python": 0.50}
MAX_FACTOR = 3.0

_WORKLOAD = r"""
import json, time
from helpers import models

model = models.load_encoder(quiet=True)
texts = [f"Sentence number {i} says something about cats, stars, bread or rivers." for i in range(384)]
model.encode(texts[:8])  # warm-up
times = {"encode": [], "python": []}
for _ in range(3):
    start = time.perf_counter()
    model.encode(texts, batch_size=32)
    times["encode"].append(time.perf_counter() - start)
    start = time.perf_counter()
    counts = {}
    for i in range(3_000_000):
        key = (i * 7919) % 1013
        counts[key] = counts.get(key, 0) + i % 3
    sorted(str(v) for v in counts.values())
    times["python"].append(time.perf_counter() - start)
print(json.dumps({name: min(values) for name, values in times.items()}))
"""


def measure() -> dict[str, float]:
    """Seconds of each part of the workload on this machine (the fastest of three)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", ATEN_CPU_CAPABILITY="avx2", HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", _WORKLOAD], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"the speed workload failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def factor(times: dict[str, float]) -> float:
    """How many times slower than the reference this machine is (the mean over the parts), within [1, MAX_FACTOR]."""
    ratio = sum(times[name] / REFERENCE[name] for name in REFERENCE) / len(REFERENCE)
    return min(max(ratio, 1.0), MAX_FACTOR)


if __name__ == "__main__":
    times = measure()
    print(" · ".join(f"{name} {seconds:.3f} s (reference {REFERENCE[name]:.3f} s)" for name, seconds in times.items()))
    if all(REFERENCE.values()):
        print(f"budget factor: {factor(times):.2f}")
