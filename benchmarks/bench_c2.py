"""Throughput of the c2 model: approximation samples/s (one core) and simulated requests/s.

Run: ``taskset -c 0 python benchmarks/bench_c2.py``. Prints samples per second with every
input varying per sample (no repeated rows), with ensemble-like repeated rows (the model
evaluates unique rows once), the DES request rate, and peak memory (tracemalloc, in a
separate run: tracing every allocation slows numpy down). Throughput is the best of five
runs, as wall-clock and as CPU time of this process (on a shared machine the CPU figure is
the steadier one; both are printed with the load average).
"""

from __future__ import annotations

import os
import time
import tracemalloc

import numpy as np

from kaname.data import Library
from kaname.engine import Engine
from kaname.models.c2 import C2Model
from kaname.models.c2.des import network_from_values, replicate


def sample_inputs(model: C2Model, defaults: dict[str, float], n: int, rng) -> dict:
    x = {}
    for path, spec in model.inputs.items():
        base = defaults[path]
        if path.endswith((".utc_offset_h", ".workdays")):   # the clocks and weeks stay
            x[path] = np.full(n, base)
        elif spec.kind == "category":
            x[path] = rng.integers(0, len(spec.categories), n).astype(float)
        elif spec.kind == "integer":
            lo = max(spec.low or 0, round(base * 0.7))
            hi = min(spec.high or 1e9, round(base * 1.3))
            x[path] = rng.integers(max(lo, 1) if "staff" in path else lo, hi + 1, n).astype(float)
        else:
            x[path] = np.clip(base * rng.uniform(0.7, 1.3, n), spec.low, spec.high)
    return x


def best_rate(evaluate, x: dict, n: int, repeats: int = 5) -> tuple[float, float]:
    """Best samples/s over `repeats` runs: (wall clock, CPU time of this process)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        evaluate(x)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return n / wall, n / cpu


def main() -> None:
    library = Library.load()
    model = C2Model.from_library(library)
    engine = Engine([model], library)
    defaults = {p: engine.default(p) for p in model.inputs}
    rng = np.random.default_rng(0)
    n = 50_000
    x = sample_inputs(model, defaults, n, rng)
    model.evaluate({k: v[:1000] for k, v in x.items()})      # warm-up
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, "
          f"CPUs allowed {len(os.sched_getaffinity(0))}")
    wall, cpu = best_rate(model.evaluate, x, n)
    tracemalloc.start()
    model.evaluate(x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"approximation, all inputs varying ({n} samples): {wall:,.0f} samples/s wall, "
          f"{cpu:,.0f} samples/s CPU; peak memory {peak / 1e6:.0f} MB")

    # Ensemble-like: 2 structures × 5 delegated shares × 2 situations repeated over futures.
    n2 = 200_000
    x2 = {p: np.full(n2, v) for p, v in defaults.items()}
    x2["c2.structure"] = rng.integers(0, 2, n2).astype(float)
    x2["c2.situation"] = rng.integers(0, 2, n2).astype(float)
    x2["c2.delegated_share"] = rng.choice([0.2, 0.35, 0.5, 0.65, 0.8], n2)
    wall, cpu = best_rate(model.evaluate, x2, n2)
    print(f"approximation, ensemble with repeated c2 rows ({n2} samples): {wall:,.0f} "
          f"samples/s wall, {cpu:,.0f} samples/s CPU")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")

    nets = []
    for code in (0, 1):
        v = dict(defaults)
        v["c2.structure"] = float(code)
        nets.append(network_from_values(v, model.profile))
    for workers in (1, 2):
        t0 = time.perf_counter()
        runs = replicate(nets, 30.0, 3.0, 4, seed=1, workers=workers)
        elapsed = time.perf_counter() - t0
        requests = sum(len(r["latency_h"]) for rs in runs for r in rs)
        print(f"simulation ({workers} worker(s)): {requests / elapsed:,.0f} measured requests/s "
              f"({requests} requests, 2 structures × 4 replications × 30 days)")


if __name__ == "__main__":
    main()
