"""Throughput and peak memory of the sustainment model: 1e5 and 1e6 futures × 3 policies,
120-day horizon, one core, under each implementation of its daily recursion (numpy, the
reference, and the compiled numba kernel: :mod:`kaname.models.sustainment_kernel`). Each
size and kernel runs in a fresh process so peak RSS is its own; the kernel is compiled (or
loaded from numba's disk cache) before the clock starts.

    python benchmarks/bench_sustainment.py [--sizes 100000 1000000] [--chunk 50000]
        [--json FILE]

Prints samples/s (future-policy evaluations per second), the seconds spent in the daily
recursion alone, peak resident memory, and the ratios numpy / numba of both times.
Targets: 1e6 evaluations in <= 10 s on one core, peak memory <= 1.5 GiB (issue 2); the
recursion as it runs by default within 1.5x of the compiled kernel (issue 19).
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

    from kaname import kernels
    from kaname.ensemble import run
    from kaname.models import sustainment_kernel
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
    run(scenario, engine, futures=100, chunk_size=chunk)  # compiles (or loads) the kernel
    recursion = [0.0]
    fight = sustainment_kernel.fight

    def timed(*args: object, **kw: object) -> object:
        began = time.perf_counter()
        try:
            return fight(*args, **kw)  # type: ignore[arg-type]
        finally:
            recursion[0] += time.perf_counter() - began

    sustainment_kernel.fight = timed  # type: ignore[assignment]
    start = time.perf_counter()
    results = run(scenario, engine, futures=futures, chunk_size=chunk)
    elapsed = time.perf_counter() - start
    evaluations = futures * len(results.policies)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"futures": futures, "evaluations": evaluations, "seconds": elapsed,
            "kernel": kernels.kernel_name(), "recursion_s": recursion[0],
            "samples_per_s": evaluations / elapsed, "peak_rss_mib": peak / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON here")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.chunk)))
        return
    print(f"sustainment benchmark — 3 policies, 120 days, chunk {args.chunk} samples, 1 core")
    print(f"{'futures':>10} {'kernel':>7} {'evaluations':>12} {'seconds':>8} {'recursion s':>12} "
          f"{'samples/s':>12} {'peak MiB':>9}")
    report: dict[str, object] = {"benchmark": "sustainment", "policies": 3, "days": 120,
                                 "chunk": args.chunk, "sizes": {},
                                 "load_average": round(os.getloadavg()[0], 2)}
    for n in args.sizes:
        by_kernel = {}
        for kernel in ("numpy", "numba"):
            env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "KANAME_KERNEL": kernel}
            out = subprocess.run([sys.executable, __file__, "--child", str(n), "--chunk",
                                  str(args.chunk)], capture_output=True, text=True, env=env,
                                 check=True)
            r = by_kernel[kernel] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['futures']:>10,} {r['kernel']:>7} {r['evaluations']:>12,} "
                  f"{r['seconds']:>8.2f} {r['recursion_s']:>12.2f} {r['samples_per_s']:>12,.0f} "
                  f"{r['peak_rss_mib']:>9.0f}")
        a, b = by_kernel["numpy"], by_kernel["numba"]
        print(f"{'':>10} ratio numpy / numba: model {a['seconds'] / b['seconds']:.2f}x, "
              f"recursion {a['recursion_s'] / b['recursion_s']:.2f}x")
        report["sizes"][str(n)] = {  # type: ignore[index]
            **by_kernel, "ratio_model": round(a["seconds"] / b["seconds"], 2),
            "ratio_recursion": round(a["recursion_s"] / b["recursion_s"], 2)}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
