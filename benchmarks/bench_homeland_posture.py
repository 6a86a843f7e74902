"""Throughput and peak memory of homeland + posture over 10⁶ samples, in chunks.

Run: ``python benchmarks/bench_homeland_posture.py [samples] [chunk]``. Samples vary the
architecture, raid sizes, kill-vehicle speed, service life and the budget path so the
Poisson sums and cost schedules do real work. Prints samples/s and peak memory.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc

import numpy as np

from kaname.engine import Engine


def main(samples: int = 1_000_000, chunk: int = 50_000) -> None:
    engine = Engine.build(names=["homeland", "posture"])
    rng = np.random.default_rng(1)
    tracemalloc.start()
    start = time.perf_counter()
    done = 0
    leak_sum = 0.0
    while done < samples:
        n = min(chunk, samples - done)
        cols = {
            "homeland.architecture": rng.integers(0, 3, n).astype(float),
            "homeland.threats.icbm_solid.raid_size": rng.integers(0, 11, n).astype(float),
            "homeland.threats.icbm_liquid.raid_size": rng.integers(0, 6, n).astype(float),
            "homeland.threats.hgv.raid_size": rng.integers(0, 6, n).astype(float),
            "homeland.threats.cruise.raid_size": rng.integers(0, 21, n).astype(float),
            "homeland.threats.drone.raid_size": rng.integers(0, 51, n).astype(float),
            "homeland.sbi.kill_vehicle_speed": rng.uniform(3.0, 6.0, n),
            "homeland.sbi.service_life": rng.uniform(3.0, 8.0, n),
            "homeland.sbi.unit_cost": rng.uniform(15e6, 35e6, n),
            "posture.budget_growth": rng.uniform(-0.02, 0.06, n),
            "posture.new_money_share": rng.uniform(0.2, 0.98, n),
        }
        out = engine.evaluate(cols, n)
        leak_sum += float(out["homeland.expected_leakers_total"].sum())
        done += n
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"homeland+posture: {samples:,} samples in {elapsed:.1f} s = "
          f"{samples / elapsed:,.0f} samples/s (chunk {chunk:,}); "
          f"peak traced {peak / 2**20:,.0f} MiB, max RSS {rss:,.0f} MiB; "
          f"mean leakers {leak_sum / samples:.3f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
