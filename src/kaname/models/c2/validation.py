"""The approximation against the simulation over the futures a scenario samples.

:func:`scenario_futures` draws a scenario's c2 inputs (its own sampling design and seed,
every other c2 input at its default); :func:`compare_future` runs the SimPy reference and
the approximation on one of them, both structures, each also with every node on JJOC's
clock, so the JFHQ saving and the clock's part of it come out of both implementations.
Used by ``benchmarks/validate_c2.py`` (the table in docs/models/c2.md) and by the slow
tier of tests/test_c2_validation.py, which asserts :data:`TOLERANCE`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kaname.models.c2.des import compare_structures, decompose, summarise
from kaname.models.c2.specs import STRUCTURES

# Stated tolerance of the approximation against the simulation (docs/models/c2.md):
# relative for the mean and median, absolute for the share within 6 h.
TOLERANCE = {"latency_mean_h": 0.15, "latency_median_h": 0.15, "share_within_6h": 0.12}
METRICS = ("latency_mean_h", "latency_median_h", "latency_p90_h", "share_within_6h",
           "latency_clock_h", "max_utilisation")


def scenario_futures(path: str | Path, n: int, situation: str = "crisis"
                     ) -> tuple[Any, list[dict[str, float]]]:
    """The c2 model and `n` futures' c2 inputs drawn with the scenario's own design and seed
    (an `n`-point design, not the first `n` of a larger ensemble); with
    `situation` "peacetime", the situation is peacetime and its request rates (own and
    competing) are drawn from the data library's ranges as well."""
    from kaname.data import Library
    from kaname.engine import Engine
    from kaname.models.base import Settings
    from kaname.models.c2 import C2Model
    from kaname.sampling import sample_futures
    from kaname.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the validated-range warning: expected here
        scenario = load_scenario(path)
    settings = scenario.settings
    library = Library.load()
    model = C2Model.from_library(library, Settings(settings.base_year, settings.horizon_days))
    engine = Engine([model], library)
    defaults = {p: float(engine.default(p)) for p in model.inputs}
    chosen = {k: u for k, u in scenario.uncertainties.items() if k in model.inputs}
    if situation == "peacetime":
        from kaname.scenario import Uncertainty

        defaults["c2.situation"] = 0.0
        for key in ("c2.arrivals_per_day_peacetime",
                    "c2.indopacom.competing_per_day_peacetime"):
            low, mode, high = library.get(key).bounds()
            chosen[key] = Uncertainty(key, "triangular",
                                      {"low": low, "mode": mode, "high": high})
    columns = sample_futures(chosen, n, settings.seed, settings.design)
    return model, [{**defaults, **{k: float(v[i]) for k, v in columns.items()}}
                   for i in range(n)]


def compare_future(model: Any, values: Mapping[str, float], days: float = 21.0,
                   replications: int = 4, seed: int = 5, workers: int | None = None
                   ) -> dict[str, dict[str, dict[str, float]]]:
    """``{structure: {"simulation": ..., "approximation": ...}}`` of :data:`METRICS`."""
    runs, same, approx = compare_structures(model, values, days, 3.0, replications, seed,
                                            workers)
    out = {}
    for k, structure in enumerate(STRUCTURES):
        sim = summarise(runs[k]) | decompose(runs[k], same[k])
        out[structure] = {"simulation": {m: float(sim[m]) for m in METRICS},  # type: ignore[arg-type]
                          "approximation": {m: float(np.ravel(approx[f"c2.{m}"])[k])
                                            for m in METRICS}}
    return out


def within_tolerance(result: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The metrics of one structure's result outside :data:`TOLERANCE` (empty if none)."""
    sim, apx = result["simulation"], result["approximation"]
    bad = []
    for metric, tol in TOLERANCE.items():
        gap = apx[metric] - sim[metric]
        allowed = tol if metric.startswith("share") else tol * abs(sim[metric])
        if abs(gap) > allowed:
            bad.append(metric)
    return bad
