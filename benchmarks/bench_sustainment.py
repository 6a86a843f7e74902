"""Throughput and peak memory of the sustainment model: 1e5 and 1e6 futures × 3 policies,
120-day horizon, one core. Each size runs in a fresh process so peak RSS is its own.

    python benchmarks/bench_sustainment.py [--sizes 100000 1000000] [--chunk 50000]

Prints samples/s (future-policy evaluations per second) and peak resident memory.
Target (issue 2): 1e6 evaluations in <= 10 s on one core, peak memory <= 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"


def one(futures: int, chunk: int) -> dict[str, float]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import yaml

    from kaname.ensemble import run
    from kaname.scenario import SettingsModel, engine_for, parse_scenario

    # The example, restricted to the sustainment model's levers and uncertainties.
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["policies"] = {name: {k: v for k, v in levers.items() if k.startswith("sustainment.")}
                       for name, levers in raw["policies"].items()
                       if name in ("status-quo", "pac3-coproduction", "pac3-amraam-export")}
    raw["uncertainties"] = {k: v for k, v in raw["uncertainties"].items()
                            if k.startswith("sustainment.")}
    raw.pop("drivers", None)  # they load on posture's uncertainties
    raw.pop("correlations", None)
    engine = engine_for(SettingsModel.model_validate(raw["settings"]), ["sustainment"])
    scenario = parse_scenario(raw, engine, file=str(EXAMPLE))
    start = time.perf_counter()
    results = run(scenario, engine, futures=futures, chunk_size=chunk)
    elapsed = time.perf_counter() - start
    evaluations = futures * len(results.policies)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"futures": futures, "evaluations": evaluations, "seconds": elapsed,
            "samples_per_s": evaluations / elapsed, "peak_rss_mib": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.chunk)))
        return
    print(f"sustainment benchmark — 3 policies, 120 days, chunk {args.chunk} samples, 1 core")
    print(f"{'futures':>10} {'evaluations':>12} {'seconds':>8} {'samples/s':>12} {'peak MiB':>9}")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--chunk",
                              str(args.chunk)], capture_output=True, text=True, env=env,
                             check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['futures']:>10,} {r['evaluations']:>12,} {r['seconds']:>8.2f} "
              f"{r['samples_per_s']:>12,.0f} {r['peak_rss_mib']:>9.0f}")


if __name__ == "__main__":
    main()
