"""The denial race's base case beside the CSIS wargame (docs/models/sustainment.md).

Run: ``python docs/models/denial_base_case.py`` — every input at its data-library base value
(conflict in 2028), all models; the attacker's odds with the US fighting (q = 1), with the
base case's own US commitment, and without US intervention (q = 0).
"""

from __future__ import annotations

import numpy as np

from kaname.engine import Engine


def base_case() -> dict[str, object]:
    engine = Engine.build()
    out = engine.evaluate({}, 1)
    munitions = engine.coords["munition"]
    deterrence = next(m for m in engine.models if m.name == "deterrence")
    # The deterrence model alone, its linked inputs from this evaluation, its own at base.
    columns = {p: np.atleast_1d(out[src]) for p, src in deterrence.links.items()}
    columns.update({p: np.array([engine.library.get(p).value(spec.unit)])
                    for p, spec in deterrence.inputs.items() if p not in columns})
    odds = {}
    for label, q in (("US fights (q = 1)", 1.0), ("base-case commitment", None),
                     ("no US intervention (q = 0)", 0.0)):
        x = dict(columns)
        if q is not None:
            x["deterrence.us_commitment"] = np.array([q])
        odds[label] = (float(x["deterrence.us_commitment"][0]),
                       float(deterrence.evaluate(x)["deterrence.p_win"][0]))
    return {
        "days": dict(zip(munitions, out["sustainment.days_to_depletion"][0], strict=True)),
        "stock": dict(zip(munitions, out["sustainment.stock_at_start"][0], strict=True)),
        "race": {k: float(out[f"sustainment.{k}"][0]) for k in
                 ("p_deny_race", "lift_sunk_share", "lift_hits", "launcher_survival",
                  "sustainment_days")},
        "p_win": odds,
    }


if __name__ == "__main__":
    case = base_case()
    print("| munition | theatre stock at start | days to depletion |")
    print("|---|---|---|")
    for m in sorted(case["days"], key=case["days"].get):
        print(f"| `{m}` | {case['stock'][m]:,.0f} | {case['days'][m]:.1f} |")
    print()
    for k, v in case["race"].items():
        print(f"- {k}: {v:.3f}")
    for label, (q, p) in case["p_win"].items():
        print(f"- p_win, {label}: q = {q:.2f}, p_win = {p:.3f}")
