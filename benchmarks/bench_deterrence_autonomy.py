"""Throughput and peak memory of the deterrence and autonomy models, and which inputs
dominate their outcomes over the data library's ranges (the numbers quoted in
docs/models/deterrence.md and docs/models/autonomy.md).

Run: ``python benchmarks/bench_deterrence_autonomy.py [--quick]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from scipy.stats import spearmanr

from kaname.data import Library
from kaname.models.autonomy import AutonomyModel
from kaname.models.deterrence import DeterrenceModel


def columns(model, library, n, rng=None):
    """Defaults for every input, or uniform draws over each entry's low-high range."""
    x = {}
    for path, spec in model.inputs.items():
        low, base, high = library.get(path).bounds(spec.unit)
        x[path] = (np.full(n, base) if rng is None or low == high
                   else rng.uniform(low, high, n))
    return x


def throughput(model, library, n, repeats=3):
    x = columns(model, library, n, np.random.default_rng(0))
    model.evaluate(x)  # warm-up
    tracemalloc.start()
    start = time.perf_counter()
    for _ in range(repeats):
        model.evaluate(x)
    elapsed = (time.perf_counter() - start) / repeats
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return n / elapsed, peak / 2**20


def one_at_a_time(model, library, outcome):
    """Swing of `outcome` when each input moves from its low to its high, others at base."""
    base = columns(model, library, 1)
    centre = float(model.evaluate(base)[outcome][0])
    swings = []
    for path, spec in model.inputs.items():
        low, _, high = library.get(path).bounds(spec.unit)
        if low == high:
            continue
        values = []
        for v in (low, high):
            x = {**base, path: np.array([v])}
            values.append(float(model.evaluate(x)[outcome][0]))
        swings.append((abs(values[1] - values[0]), path, values[0], values[1]))
    return centre, sorted(swings, reverse=True)


def rank_correlations(model, library, outcome, n=20_000, seed=1):
    """Spearman correlation of each input with `outcome` over uniform draws on the ranges."""
    rng = np.random.default_rng(seed)
    x = columns(model, library, n, rng)
    y = model.evaluate(x)[outcome]
    rows = []
    for path in model.inputs:
        if np.ptp(x[path]) == 0:
            continue
        rho = spearmanr(x[path], y).statistic
        rows.append((abs(rho), path, rho))
    share_true = None
    if outcome.endswith("holds"):
        share_true = float(np.mean(y))
    return sorted(rows, reverse=True), share_true


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    library = Library.load()
    deterrence = DeterrenceModel.from_library(library)
    autonomy = AutonomyModel.from_library(library)

    print("== throughput (samples/s, peak traced memory) ==")
    sizes = {"deterrence": [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000],
             "autonomy": [10_000] if args.quick else [10_000, 100_000]}
    for model in (deterrence, autonomy):
        for n in sizes[model.name]:
            rate, peak = throughput(model, library, n)
            print(f"{model.name:11s} n={n:>9,d}  {rate:14,.0f} samples/s  peak {peak:8.1f} MiB")

    for outcome in ("deterrence.p_win", "deterrence.margin"):
        centre, swings = one_at_a_time(deterrence, library, outcome)
        print(f"\n== one-at-a-time swings of {outcome} (base {centre:.3f}) ==")
        for swing, path, lo, hi in swings:
            print(f"{path:42s} low→high {lo:7.3f} → {hi:7.3f}   |swing| {swing:.3f}")
    for outcome in ("deterrence.margin", "deterrence.holds"):
        rows, share = rank_correlations(deterrence, library, outcome,
                                        n=5_000 if args.quick else 20_000)
        extra = f" (holds in {share:.1%} of draws)" if share is not None else ""
        print(f"\n== Spearman rank correlation with {outcome}, uniform over ranges{extra} ==")
        for _, path, rho in rows:
            print(f"{path:42s} {rho:+.3f}")

    for outcome in ("autonomy.china_risk", "autonomy.us_risk", "autonomy.autonomy_index"):
        rows, _ = rank_correlations(autonomy, library, outcome, n=5_000 if args.quick else 20_000)
        print(f"\n== top Spearman rank correlations with {outcome} ==")
        for _, path, rho in rows[:8]:
            print(f"{path:50s} {rho:+.3f}")


if __name__ == "__main__":
    main()
