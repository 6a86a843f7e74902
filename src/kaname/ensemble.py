"""Run a scenario in memory (:func:`kaname.run`): every future under every policy, in
vectorised chunks, into labelled Results. (The module is ``ensemble`` so that the package
attribute ``kaname.run`` stays the function.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import xarray as xr

from kaname import __version__
from kaname.chunking import SAMPLES_PER_CHUNK, chunk_rng, futures_per_chunk, plan_chunks
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.results import Results, variable_attrs
from kaname.sampling import sample_futures
from kaname.scenario import Scenario


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


def run(scenario: Scenario, engine: Engine | None = None, *, futures: int | None = None,
        seed: int | None = None, design: str | None = None,
        policies: Sequence[str] | None = None, keep_series: int = 0,
        chunk_size: int = SAMPLES_PER_CHUNK,
        progress: Callable[[int, int], None] | None = None) -> Results:
    """Evaluate `futures` futures × the chosen policies in memory and return labelled
    Results (the scenario's own settings where an argument is None).

    `engine` defaults to the one the scenario was validated against. The numbers equal
    those of ``explore`` on the same scenario and seed (one chunk plan, one seeding rule).
    """
    from kaname.scenario import engine_for

    engine = engine or engine_for(scenario.settings, scenario.models, scenario)
    n, seed, design, keep_series = run_arguments(scenario, futures=futures, seed=seed,
                                                 design=design, keep_series=keep_series)
    names = select_policies(scenario, policies)
    P = len(names)
    sampled = sample_futures(scenario.uncertainties, n, seed, design,
                             dependence=scenario.dependence)
    levers = policy_columns(scenario, engine, names)
    per_chunk = futures_per_chunk(P, chunk_size)

    scalars: dict[str, np.ndarray] = {}
    series: dict[str, np.ndarray] = {}
    for k, (start, stop) in enumerate(plan_chunks(n, per_chunk, keep_series)):
        part = {p: v[start:stop] for p, v in sampled.items()}
        out = evaluate_futures(engine, part, levers, P, stop - start, seed=seed, chunk_index=k,
                               series=start < keep_series)
        for path, arr in out.items():
            if engine.outputs[path].series:
                upto = min(stop, keep_series)
                if path not in series:
                    series[path] = np.empty((P, keep_series, *arr.shape[2:]))
                series[path][:, start:upto] = arr[:, : upto - start]
            else:
                if path not in scalars:
                    scalars[path] = np.empty((P, n, *arr.shape[2:]), dtype=arr.dtype)
                scalars[path][:, start:stop] = arr
        if progress:
            progress(stop, n)
    scalars = {p: scalars[p] for p in display_order(engine.outputs) if p in scalars}
    return Results(_dataset(scenario, engine, names, n, sampled, levers, scalars, series, seed,
                            design))


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
        spec = engine.inputs[path]
        coords[path] = ("future", np.asarray(spec.categories, dtype=object)[values.astype(int)]
                        if spec.kind == "category" else values)
    for path, values in levers.items():
        spec = engine.inputs[path]
        coords[path] = ("policy", np.asarray(spec.categories, dtype=object)[values.astype(int)]
                        if spec.kind == "category" else values)
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
