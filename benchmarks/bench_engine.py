"""The engine on one chunk of the integrated model: each model once per policy group and
distinct row (``Engine.evaluate_grid``, the default) against every sample evaluated (the
futures tiled policy-major and ``distinct_rows`` off, as before issue #19), A B A B in one
process on the same futures; checks the outputs are bit-identical and prints the ratio and
the rows each model was given.

Run: ``python benchmarks/bench_engine.py [--futures 10000] [--policy NAME ...] [--repeats 3]
[--json [FILE]]``. Not a timed test: the ratio is what to read (both arms see the same machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# five of the example's policies: two that leave sustainment and autonomy alone (the status
# quo, a command-and-control change) and three that do not
POLICIES = ("status-quo", "pac3-coproduction", "sm6-coproduction", "jfhq-in-japan",
            "alliance-package")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=10_000)
    parser.add_argument("--policy", action="append", default=None,
                        help=f"policy (repeatable; default: {', '.join(POLICIES)})")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="print one JSON line (no FILE or -), or also write it to FILE")
    args = parser.parse_args()

    import kaname.engine as engine_module
    from kaname.ensemble import policy_columns
    from kaname.sampling import sample_futures
    from kaname.scenario import engine_for, load_scenario

    scenario = load_scenario(ROOT / "examples" / "taiwan-2028.yaml")
    engine = engine_for(scenario.settings, scenario.models, scenario)
    names = args.policy or list(POLICIES)
    P, n = len(names), args.futures
    futures = sample_futures(scenario.uncertainties, n, 1, scenario.settings.design,
                             dependence=scenario.dependence)
    levers = policy_columns(scenario, engine, names)

    rows: dict[str, int] = {}
    call = engine_module._call

    def counting(m, hook, x, **kw):  # type: ignore[no-untyped-def]
        if hook == "evaluate":
            rows[m.name] = len(next(iter(x.values())))
        return call(m, hook, x, **kw)

    def grid() -> dict[str, np.ndarray]:
        engine.distinct_rows = True
        return engine.evaluate_grid(futures, levers, P, n)

    def every_sample() -> dict[str, np.ndarray]:
        engine.distinct_rows = False
        columns = {p: np.tile(v, P) for p, v in futures.items()}
        columns.update({p: np.repeat(v, n) for p, v in levers.items()})
        out = engine.evaluate(columns, n * P)
        return {k: v.reshape(P, n, *v.shape[1:]) for k, v in out.items()}

    # warm-up outside the clock (numba's kernel compiled or loaded, lazy imports)
    engine.evaluate_grid({p: v[:10] for p, v in futures.items()}, levers, P, min(n, 10))
    times: dict[str, list[float]] = {"grid": [], "every_sample": []}
    results = {}
    for _ in range(args.repeats):
        for name, arm in (("grid", grid), ("every_sample", every_sample)):
            t = time.perf_counter()
            results[name] = arm()
            times[name].append(time.perf_counter() - t)
    engine_module._call = counting
    grid()
    engine_module._call = call
    identical = all(np.array_equal(results["grid"][k], results["every_sample"][k],
                                   equal_nan=True) for k in results["every_sample"])
    ratios = [b / a for a, b in zip(times["grid"], times["every_sample"], strict=True)]
    report = {
        "benchmark": "engine", "futures": n, "policies": P, "samples": n * P,
        "grid_s": round(statistics.median(times["grid"]), 3),
        "every_sample_s": round(statistics.median(times["every_sample"]), 3),
        "grid_samples_per_s": round(n * P / statistics.median(times["grid"])),
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2),
        "bit_identical": identical, "rows_per_model": rows,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.json == "-":
        print(json.dumps(report))
        return
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(f"engine, one chunk of {n:,} futures x {P} policies = {n * P:,} samples "
          f"(load average {report['load_average']}):")
    print(f"  every sample evaluated   {report['every_sample_s']:.3f} s")
    print(f"  grid + distinct rows     {report['grid_s']:.3f} s = "
          f"{report['grid_samples_per_s']:,} samples/s")
    print(f"  ratio {report['ratio_median']}x (pairs {report['ratio_min']}-"
          f"{report['ratio_max']}); outputs bit-identical: {identical}")
    print("  rows each model was given: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))


if __name__ == "__main__":
    main()
