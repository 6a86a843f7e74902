"""Benchmarks of the front ends (printed, not asserted).

- Dashboard: server-side recompute of 10⁴ futures after one lever change, per kind of lever
  (target ≤ 1 s).
- Report: write the HTML report of a 10⁵-future run (target ≤ 30 s) and its size (≤ 15 MB).

Run: ``python benchmarks/bench_report.py [--futures 100000] [--dashboard-futures 10000]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from importlib import resources
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_dashboard(n: int) -> None:
    from kaname.app import core

    text = core.bundled_scenarios()["taiwan-2028.yaml"]
    t0 = time.perf_counter()
    scenario, engine = core.load_scenario_text(text, "taiwan-2028.yaml")
    wb = core.Workbench(scenario, engine, futures=n)
    policy = list(scenario.policies)[0]
    levers = core.policy_levers(scenario, engine, policy)
    wb.evaluate(levers)
    first = wb.last_seconds
    core.prewarm(wb, levers)
    print(f"dashboard: {n:,} futures; load + sample + first evaluation + prewarm "
          f"{time.perf_counter() - t0:.2f} s (first evaluation {first:.2f} s)")
    changes = [
        ("co-production rate (PAC-3)", "sustainment.pac3_mse.japan_rate", 200.0),
        ("co-production start year", "sustainment.pac3_mse.japan_start_year", 2029.0),
        ("AMRAAM export share", "sustainment.aim120.export_share", 0.4),
        ("c2 structure (prewarmed)", "c2.structure", 1.0 - levers["c2.structure"]),
        ("c2 delegated share", "c2.delegated_share", 0.8),
        ("investment: semiconductors", "autonomy.semiconductors.investment_jpy_per_year", 3e11),
    ]
    if "homeland.architecture" in levers:  # a lever unless the scenario samples it
        changes.append(("Golden Dome architecture (prewarmed)", "homeland.architecture",
                        float((int(levers["homeland.architecture"]) + 1) % 3)))
    current = dict(levers)
    for label, path, value in changes:
        if path not in current:
            continue
        current[path] = value
        wb.evaluate(current)
        verdict = "ok" if wb.last_seconds <= 1.0 else "OVER 1 s"
        print(f"  lever change: {label:40s} {wb.last_seconds:6.3f} s  "
              f"({n / max(wb.last_seconds, 1e-9):,.0f} futures/s) {verdict}")
    print(f"  peak RSS {peak_mb():,.0f} MB")


def bench_report(n: int) -> None:
    from kaname.ensemble import run
    from kaname.report import write_report
    from kaname.scenario import engine_for, load_scenario

    with resources.as_file(resources.files("kaname.examples") / "taiwan-2028.yaml") as path:
        sc = load_scenario(path)
    engine = engine_for(sc.settings, sc.models)
    t0 = time.perf_counter()
    results = run(sc, engine, futures=n, keep_series=100)
    print(f"report: ran {n:,} futures × {len(results.policies)} policies in "
          f"{time.perf_counter() - t0:.1f} s (not part of the report time)")
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("en", "ja"):
            out = Path(tmp) / f"report-{lang}.html"
            t0 = time.perf_counter()
            write_report(results, out, lang, scenario=sc, engine=engine)
            seconds = time.perf_counter() - t0
            size = out.stat().st_size / 1e6
            print(f"  report ({lang}): {seconds:.2f} s "
                  f"({'ok' if seconds <= 30 else 'OVER 30 s'}), {size:.2f} MB "
                  f"({'ok' if size <= 15 else 'OVER 15 MB'})")
    print(f"  peak RSS {peak_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--futures", type=int, default=100_000)
    parser.add_argument("--dashboard-futures", type=int, default=10_000)
    args = parser.parse_args()
    bench_dashboard(args.dashboard_futures)
    bench_report(args.futures)


if __name__ == "__main__":
    main()
