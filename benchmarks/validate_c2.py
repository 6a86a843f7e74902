"""Accuracy of the c2 approximation against the SimPy simulation: the table in docs/models/c2.md.

Run: ``python benchmarks/validate_c2.py`` (about 10 s on two cores). Default data, both
structures, the grid ``kaname.models.c2.des.VALIDATION_GRID``; the simulation uses seed 5,
4 replications and 3 warm-up days (the same settings as tests/test_c2_validation.py, which
asserts the 15 % tolerance on the rows the grid marks as inside it). Prints a markdown
table.
"""

from __future__ import annotations

from kaname.data import Library
from kaname.engine import Engine
from kaname.models.c2 import C2Model
from kaname.models.c2.des import VALIDATION_GRID, compare_structures, summarise
from kaname.models.c2.specs import STRUCTURES

COLUMNS = ("latency_mean_h", "latency_median_h", "latency_p90_h", "share_within_6h",
           "max_utilisation")


def _error(approximation: float, simulation: float) -> str:
    """Relative error, in bold beyond the 15 % tolerance stated in docs/models/c2.md."""
    text = f"{(approximation - simulation) / simulation:+.1%}"
    return f"**{text}**" if abs(approximation / simulation - 1.0) > 0.15 else text


def main() -> None:
    library = Library.load()
    model = C2Model.from_library(library)
    engine = Engine([model], library)
    defaults = {p: engine.default(p) for p in model.inputs}
    print("| situation | req/day | δ | structure | sim mean | apx mean | err | sim median "
          "| apx median | err | sim p90 | apx p90 | sim ≤6h | apx ≤6h | sim util | apx util |")
    print("|" + "---|" * 16)
    for situation, per_day, delegated, days, _ in VALIDATION_GRID:
        values = {**defaults, "c2.situation": 1.0 if situation == "crisis" else 0.0,
                  f"c2.arrivals_per_day_{situation}": per_day, "c2.delegated_share": delegated}
        runs, apx = compare_structures(model, values, days, 3.0, 4, seed=5, workers=2)
        sims = [summarise(r) for r in runs]
        for k, structure in enumerate(STRUCTURES):
            if situation == "crisis" and per_day == 36.0 and delegated != 0.5 and k == 0:
                continue                       # δ does not matter to hawaii_centric
            s = {c: sims[k][c] for c in COLUMNS}
            a = {c: float(apx[f"c2.{c}"][k]) for c in COLUMNS}
            err = {c: _error(a[c], s[c]) for c in ("latency_mean_h", "latency_median_h")}
            print(f"| {situation} | {per_day:g} | {delegated:g} | {structure} "
                  f"| {s['latency_mean_h']:.2f} | {a['latency_mean_h']:.2f} "
                  f"| {err['latency_mean_h']} "
                  f"| {s['latency_median_h']:.2f} | {a['latency_median_h']:.2f} "
                  f"| {err['latency_median_h']} "
                  f"| {s['latency_p90_h']:.2f} | {a['latency_p90_h']:.2f} "
                  f"| {s['share_within_6h']:.2f} | {a['share_within_6h']:.2f} "
                  f"| {s['max_utilisation']:.2f} | {a['max_utilisation']:.2f} |")


if __name__ == "__main__":
    main()
