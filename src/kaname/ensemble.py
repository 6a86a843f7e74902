"""Run a scenario in memory (:func:`kaname.run`): every future under every policy, in
vectorised chunks, into labelled Results. (The module is ``ensemble`` so that the package
attribute ``kaname.run`` stays the function.)"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from kaname import __version__
from kaname.chunking import SAMPLES_PER_CHUNK, chunk_rng, futures_per_chunk, plan_chunks
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.results import Results, variable_attrs
from kaname.sampling import Futures
from kaname.scenario import Scenario
from kaname.spill import SpillFile, lazy

OUTPUT_SETS = ("headline", "scalar", "all")
"""The named selections of `outputs` (:func:`select_outputs`): the headline outcomes (what
the summary reads), those plus every outcome without extra dims, every outcome."""


def display_order(paths: Iterable[str]) -> list[str]:
    """Outcome paths grouped by model in the order of the built-in model list (the order a
    reader follows the argument: sustainment, coordination, deterrence, ...), others last."""
    from kaname.models import BUILTIN

    rank = {name: i for i, name in enumerate(BUILTIN)}
    return sorted(paths, key=lambda p: rank.get(p.split(".", 1)[0], len(rank)))


def select_policies(scenario: Scenario, names: Sequence[str] | None) -> list[str]:
    if not names:
        return list(scenario.policies)
    unknown = [n for n in names if n not in scenario.policies]
    if unknown:
        raise InputError(f"unknown policy {unknown[0]!r}; allowed: "
                         f"{', '.join(scenario.policies)}", file=scenario.source, key="policies")
    return list(names)


def policy_columns(scenario: Scenario, engine: Engine, policies: Sequence[str]
                   ) -> dict[str, np.ndarray]:
    """Per lever path, one value per policy (engine-ready floats)."""
    columns = {}
    for path in scenario.levers():
        columns[path] = np.array([
            scenario.policy_inputs(p, engine).get(path, engine.default(path)) for p in policies])
    return columns


def evaluate_futures(engine: Engine, futures: dict[str, np.ndarray],
                     levers: dict[str, np.ndarray], n_policies: int, n: int, *, seed: int,
                     chunk_index: int, series: bool = False) -> dict[str, np.ndarray]:
    """All policies on `n` futures in one vectorised call; outputs (policy, future, ...).

    Samples are policy-major: the same futures repeat under each policy (common random
    numbers), so differences between policies are paired."""
    return engine.evaluate_grid(futures, levers, n_policies, n,
                                rng=chunk_rng(seed, chunk_index), series=series)


def run_arguments(scenario: Scenario, *, futures: int | None = None, seed: int | None = None,
                  design: str | None = None, keep_series: int = 0) -> tuple[int, int, str, int]:
    """(futures, seed, design, futures whose series are kept) for a run of `scenario`: the
    scenario's settings where an argument is None, each checked in one place for
    :func:`run` and ``explore`` (errors name the Python parameter)."""
    from kaname.scenario import DESIGNS, MAX_FUTURES

    n = scenario.settings.futures if futures is None else futures
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_FUTURES:
        raise InputError(f"{n!r} not allowed; must be an integer in [1, {MAX_FUTURES}]",
                         key="futures")
    seed = scenario.settings.seed if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed <= 2**63 - 1:
        raise InputError(f"{seed!r} not allowed; must be an integer in [0, 2**63-1]",
                         key="seed")
    design = design or scenario.settings.design
    if design not in DESIGNS:
        raise InputError(f"{design!r} not allowed; allowed: {', '.join(DESIGNS)}",
                         key="design")
    if isinstance(keep_series, bool) or not isinstance(keep_series, (int, np.integer)) \
            or keep_series < 0:
        raise InputError(f"{keep_series!r} not allowed; must be an integer >= 0",
                         key="keep_series")
    return int(n), int(seed), design, min(int(keep_series), int(n))


def select_outputs(engine: Engine, outputs: str | Sequence[str] = "all",
                   key: str = "outputs") -> list[str]:
    """The per-future outputs (display order) that `outputs` selects: ``"headline"``,
    ``"scalar"`` (headline plus every output without extra dims), ``"all"``, an output
    path, or a list of these (their union; empty: none). Daily series are kept by
    ``keep_series``, not here. A bad name is one line naming `key` and what is allowed."""
    per_future = [p for p in display_order(engine.outputs) if not engine.outputs[p].series]
    items = [outputs] if isinstance(outputs, str) else outputs
    allowed = f"allowed: {', '.join(OUTPUT_SETS)} or output paths"
    if not isinstance(items, (list, tuple)):
        raise InputError(f"{outputs!r} not allowed; {allowed}", key=key)
    chosen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"{item!r} not allowed; {allowed}", key=key)
        if item == "all":
            chosen.update(per_future)
        elif item in ("headline", "scalar"):
            chosen.update(p for p in per_future if engine.outputs[p].headline
                          or (item == "scalar" and not engine.outputs[p].dims))
        elif item in per_future:
            chosen.add(item)
        elif item in engine.outputs:
            raise InputError(f"{item} is a daily series, kept with --keep-series / "
                             f"keep_series; {allowed}", key=key)
        else:
            near = difflib.get_close_matches(item, per_future, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}?" if near else \
                f"e.g. {', '.join(per_future[:2])}"
            raise InputError(f"unknown output {item!r}; {allowed} ({hint})", key=key)
    return [p for p in per_future if p in chosen]


def select_inputs(scenario: Scenario, inputs: str | Sequence[str] = "all",
                  key: str = "inputs") -> list[str]:
    """The sampled uncertainties (scenario order) that `inputs` selects: ``"all"``, an
    uncertainty path, or a list of paths (empty: none)."""
    sampled = list(scenario.uncertainties)
    items = [inputs] if isinstance(inputs, str) else inputs
    allowed = "allowed: all or uncertainty paths of the scenario"
    if not isinstance(items, (list, tuple)):
        raise InputError(f"{inputs!r} not allowed; {allowed}", key=key)
    chosen: set[str] = set()
    for item in items:
        if item == "all":
            chosen.update(sampled)
        elif isinstance(item, str) and item in scenario.uncertainties:
            chosen.add(item)
        else:
            near = difflib.get_close_matches(str(item), sampled, n=1, cutoff=0.6) \
                if isinstance(item, str) else []
            hint = f" (did you mean {near[0]}?)" if near else ""
            raise InputError(f"{item!r} is not an uncertainty of this scenario; "
                             f"{allowed}{hint}", key=key)
    return [p for p in sampled if p in chosen]


@dataclass(frozen=True)
class Chunk:
    """One vectorised call of :func:`run`, as it is handed to ``on_chunk``: futures
    ``start .. stop-1`` of the run's `n` under every policy, before any is dropped.

    `futures`: every sampled uncertainty over the chunk's futures (engine values; category
    codes); `levers`: per lever, one value per policy; `outputs`: every per-future output,
    ``(policy, future, ...)`` (daily series are not included). The arrays are the run's
    own: read them, do not keep or change them."""

    index: int
    start: int
    stop: int
    n: int
    policies: list[str]
    futures: dict[str, np.ndarray]
    levers: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    scenario: Scenario
    engine: Engine
    seed: int
    design: str


def run(scenario: Scenario, engine: Engine | None = None, *, futures: int | None = None,
        seed: int | None = None, design: str | None = None,
        policies: Sequence[str] | None = None, keep_series: int = 0,
        chunk_size: int = SAMPLES_PER_CHUNK,
        progress: Callable[[int, int], None] | None = None,
        outputs: str | Sequence[str] = "all", inputs: str | Sequence[str] = "all",
        on_chunk: Callable[[Chunk], Any] | None = None, spill: bool = False) -> Results:
    """Evaluate `futures` futures × the chosen policies in memory and return labelled
    Results (the scenario's own settings where an argument is None).

    `engine` defaults to the one the scenario was validated against. The numbers equal
    those of ``explore`` on the same scenario and seed (one chunk plan, one seeding rule).

    What the Results keep (the models always compute everything): `outputs` — the
    per-future outcomes, ``"all"`` (the default), ``"scalar"`` (the headline outcomes and
    every outcome without extra dims), ``"headline"`` (what :meth:`Results.summary`
    reads), output paths, or a list of these (:func:`select_outputs`); `inputs` — the
    sampled uncertainties kept as coordinates along ``future``, ``"all"`` or a list of
    paths (PRIM, findings and ``--by`` read them). Memory grows with what is kept:
    8 bytes per future × (policies × kept output columns + kept uncertainties).
    `on_chunk` is called with every :class:`Chunk` as it is computed, all outputs and
    uncertainties in it (:class:`kaname.results.SampleWriter` streams them to a file).
    With `spill`, the kept outputs go to an unnamed temporary file as they are computed and
    the Results read them back a selection at a time (:mod:`kaname.spill`): the numbers are
    the same, memory no longer grows with them (``kaname run`` spills big runs).
    """
    from kaname.scenario import engine_for

    engine = engine or engine_for(scenario.settings, scenario.models, scenario)
    n, seed, design, keep_series = run_arguments(scenario, futures=futures, seed=seed,
                                                 design=design, keep_series=keep_series)
    names = select_policies(scenario, policies)
    kept = set(select_outputs(engine, outputs))
    kept_inputs = select_inputs(scenario, inputs)
    P = len(names)
    levers = policy_columns(scenario, engine, names)
    per_chunk = futures_per_chunk(P, chunk_size)

    scalars: dict[str, Any] = {}
    series: dict[str, np.ndarray] = {}
    sampled: dict[str, np.ndarray] = {}
    spilled = SpillFile() if spill else None
    with Futures(scenario.uncertainties, n, seed, design, scenario.dependence) as table:
        for k, (start, stop) in enumerate(plan_chunks(n, per_chunk, keep_series)):
            part = table.rows(start, stop)
            for path in kept_inputs:
                if path not in sampled:
                    sampled[path] = np.empty(n, dtype=part[path].dtype)
                sampled[path][start:stop] = part[path]
            out = evaluate_futures(engine, part, levers, P, stop - start, seed=seed,
                                   chunk_index=k, series=start < keep_series)
            for path, arr in out.items():
                if engine.outputs[path].series:
                    upto = min(stop, keep_series)
                    if path not in series:
                        series[path] = np.empty((P, keep_series, *arr.shape[2:]))
                    series[path][:, start:upto] = arr[:, : upto - start]
                elif path in kept:
                    if path not in scalars:
                        shape = (P, n, *arr.shape[2:])
                        scalars[path] = np.empty(shape, dtype=arr.dtype) if spilled is None \
                            else spilled.allocate(shape, arr.dtype)
                    if spilled is None:
                        scalars[path][:, start:stop] = arr
                    else:
                        for p in range(P):
                            scalars[path].write(p, start, arr[p])
            if on_chunk is not None:
                on_chunk(Chunk(k, start, stop, n, names, part, levers,
                               {p: a for p, a in out.items() if not engine.outputs[p].series},
                               scenario, engine, seed, design))
            del out, part
            if progress:
                progress(stop, n)
    scalars = {p: scalars[p] if spilled is None else lazy(scalars[p])
               for p in display_order(engine.outputs) if p in scalars}
    return Results(_dataset(scenario, engine, names, n, sampled, levers, scalars, series, seed,
                            design))


def coordinate_values(engine: Engine, path: str, values: np.ndarray) -> np.ndarray:
    """An input's values as a results Dataset holds them: a category's names (its codes
    decoded), any other input's numbers unchanged."""
    spec = engine.inputs[path]
    return np.asarray(spec.categories, dtype=object)[values.astype(int)] \
        if spec.kind == "category" else values


def _dataset(scenario: Scenario, engine: Engine, policies: list[str], n: int,
             sampled: dict[str, np.ndarray], levers: dict[str, np.ndarray],
             scalars: dict[str, np.ndarray], series: dict[str, np.ndarray], seed: int,
             design: str) -> xr.Dataset:
    coords: dict[str, object] = {"policy": policies, "future": np.arange(n)}
    for dim, labels in engine.coords.items():
        coords[dim] = list(labels)
        for lang, names in engine.coord_labels.get(dim, {}).items():
            coords[f"{dim}_label_{lang}"] = (dim, [names.get(x, str(x)) for x in labels])
    for path, values in sampled.items():
        coords[path] = ("future", coordinate_values(engine, path, values))
    for path, values in levers.items():
        coords[path] = ("policy", coordinate_values(engine, path, values))
    data_vars = {}
    for path, arr in scalars.items():
        spec = engine.outputs[path]
        data_vars[path] = (("policy", "future", *spec.dims), arr, variable_attrs(spec))
    if series:
        coords["series_future"] = np.arange(next(iter(series.values())).shape[1])
    for path, arr in series.items():
        spec = engine.outputs[path]
        data_vars[path] = (("policy", "series_future", *spec.dims), arr, variable_attrs(spec))
    from kaname.store.manifest import data_library_digest, sha256_bytes

    return xr.Dataset(data_vars, coords=coords, attrs={
        "scenario": scenario.name, "seed": seed, "design": design, "futures": n,
        "base_year": scenario.settings.base_year,
        "horizon_days": scenario.settings.horizon_days, "kaname_version": __version__,
        # what a citation of these numbers quotes (the report's "cite this run")
        "scenario_sha256": sha256_bytes((scenario.text or "").encode("utf-8")),
        "data_library_sha256": data_library_digest()})
