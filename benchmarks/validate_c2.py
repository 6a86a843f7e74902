"""Accuracy of the c2 approximation against the SimPy simulation: the tables in docs/models/c2.md.

Run: ``python benchmarks/validate_c2.py [N] [peacetime]`` (N futures of the bundled example,
default 24, a few minutes on two cores; ``peacetime`` sets the situation to peacetime and
samples the peacetime request rates from the data library). For each of the example's first N sampled futures (its own
design and seed; every c2 input it samples), both structures are simulated (seed 5,
4 replications of 21 days (whole weeks) after 3 warm-up days, common random numbers) and evaluated by
the approximation, each also with every node on JJOC's clock. Prints one markdown row per
future and structure, then the JFHQ saving of the mean latency and the part of it the
time difference explains, from both implementations. tests/test_c2_validation.py asserts
the tolerance (``kaname.models.c2.validation.TOLERANCE``) on the same futures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from kaname.models.c2.validation import (
    TOLERANCE,
    compare_future,
    scenario_futures,
    within_tolerance,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"


def _rel(a: float, s: float) -> str:
    return f"{(a - s) / s:+.1%}" if s else "—"


def main(n: int = 24, situation: str = "crisis") -> None:
    model, futures = scenario_futures(EXAMPLE, n, situation)
    print("| future | structure | sim mean | apx mean | err | sim median | apx median | err "
          "| sim p90 | apx p90 | sim ≤6h | apx ≤6h | sim clock | apx clock | sim util "
          "| apx util | within tolerance |")
    print("|" + "---|" * 17)
    saving = {"simulation": [], "approximation": []}
    clock = {"simulation": [], "approximation": []}
    outside = 0
    for i, values in enumerate(futures):
        result = compare_future(model, values)
        for structure, r in result.items():
            s, a = r["simulation"], r["approximation"]
            bad = within_tolerance(r)
            outside += bool(bad)
            print(f"| {i} | {structure} | {s['latency_mean_h']:.2f} | {a['latency_mean_h']:.2f} "
                  f"| {_rel(a['latency_mean_h'], s['latency_mean_h'])} "
                  f"| {s['latency_median_h']:.2f} | {a['latency_median_h']:.2f} "
                  f"| {_rel(a['latency_median_h'], s['latency_median_h'])} "
                  f"| {s['latency_p90_h']:.2f} | {a['latency_p90_h']:.2f} "
                  f"| {s['share_within_6h']:.2f} | {a['share_within_6h']:.2f} "
                  f"| {s['latency_clock_h']:.2f} | {a['latency_clock_h']:.2f} "
                  f"| {s['max_utilisation']:.2f} | {a['max_utilisation']:.2f} "
                  f"| {'yes' if not bad else 'no: ' + ', '.join(bad)} |", flush=True)
        for kind in saving:
            h, j = result["hawaii_centric"][kind], result["jfhq_in_japan"][kind]
            saving[kind].append(h["latency_mean_h"] - j["latency_mean_h"])
            clock[kind].append(h["latency_clock_h"] - j["latency_clock_h"])
    print()
    print(f"Outside the tolerance {TOLERANCE}: {outside} of {2 * n} rows.")
    print("| implementation | JFHQ saving, mean latency (h): median [5 %, 95 %] "
          "| of which the time difference (h) | share of the mean saving |")
    print("|---|---|---|---|")
    for kind in saving:
        d, c = np.asarray(saving[kind]), np.asarray(clock[kind])
        print(f"| {kind} | {np.median(d):.2f} [{np.quantile(d, 0.05):.2f}, "
              f"{np.quantile(d, 0.95):.2f}] | {np.median(c):.2f} [{np.quantile(c, 0.05):.2f}, "
              f"{np.quantile(c, 0.95):.2f}] | {c.mean() / d.mean():.1%} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24, *sys.argv[2:3])
