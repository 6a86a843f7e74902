"""Limits declared once, enforced before any work starts.

Each limit is an estimate, not a magic number: what the request would need (memory, disk or
time), from the per-unit costs declared below, against what this machine allows (its
budget). A request over budget is refused in one line that states the estimate and how it
was made, e.g.::

    --futures: 10000000 needs about 510 GiB (10 policies × 290 output columns + 519
    uncertainties, × 8 B × 2 for the peak, per future); this machine allows about 23 GiB;
    use kaname explore, which streams to disk

Budgets
    memory: the physical memory (``SC_PHYS_PAGES × SC_PAGE_SIZE``), or less where a limit is
    set (``ulimit -v``/``-d``, a cgroup's ``memory.max``); ``KANAME_MEMORY_BYTES`` overrides.
    disk: the free space where the run directory is made (``explore``).
    time: :data:`TIME_BUDGET_S` (a day), ``KANAME_TIME_BUDGET_S`` overrides it.

The checks take the sizes a request is made of (futures, policies, output columns, ...).
Before a scenario is read the command line checks with the smallest sizes (one policy, one
output), which refuses an absurd request at once; once it is read, with the real ones.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from kaname.errors import InputError

# --------------------------------------------------------------------------- per-unit costs

FLOAT_BYTES = 8
"""Every sampled input and every output value is a float64."""

PEAK_FACTOR = 2.0
"""Peak memory over the arrays a run keeps. Measured: ``kaname run`` on the bundled
scenario grew by about 53 kB of resident memory per future (2,000 → 20,000 futures) for
27 kB of stored arrays per future (sampling, the labelled Dataset and its summary)."""

SECONDS_PER_SAMPLE = 2.5e-4
"""One future under one policy through the bundled scenario's engine, one core. Measured:
20,000 samples in about 5 s on a 2-core machine."""

SECONDS_PER_DES_REPLICATION_DAY = 0.05
"""``kaname c2 simulate``: one replication-day of both structures' discrete-event
simulation, one worker. Measured: 2 replications × 270 more days took 29 s more."""

MANIFEST_BYTES_PER_CHUNK = 260
"""A chunk's entry in a run directory's manifest (status, checksums, timings; measured on
the bundled scenario, indented JSON)."""

DISK_BYTES_PER_S = 100e6
"""Sustained, fsynced writes assumed for a run directory's disk (the manifest is rewritten
whole after every chunk, so its cost grows with the square of the chunk count)."""

TIME_BUDGET_S = 24 * 3600.0
"""The longest a single command is allowed to take by estimate: a day."""

MAX_SEED = 2**63 - 1
"""Seeds are integers in [0, 2**63-1]: what the scenario file, run manifests and NetCDF
attributes store (int64); numpy's SeedSequence takes any of them."""


# --------------------------------------------------------------------------- budgets

def _gib(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("kiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n:.0f} B"


def _duration(s: float) -> str:
    for unit, size in (("year", 365 * 86400), ("day", 86400), ("hour", 3600),
                       ("minute", 60)):
        if s >= size:
            value = s / size
            text = f"{value:,.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}" + ("" if text == "1" else "s")
    return f"{s:.0f} s"


def _env_number(name: str) -> float | None:
    text = os.environ.get(name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} not allowed; must be a number", key=name) from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"{text!r} not allowed; must be a positive number", key=name)
    return value


def memory_budget() -> tuple[int, str]:
    """(bytes a command may use, where that figure comes from)."""
    override = _env_number("KANAME_MEMORY_BYTES")
    if override is not None:
        return int(override), "KANAME_MEMORY_BYTES allows"
    found: list[tuple[int, str]] = []
    with suppress(ValueError, OSError, AttributeError):  # not POSIX: no such figure
        found.append((os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
                      "this machine allows"))
    try:
        import resource

        for which, label in ((resource.RLIMIT_AS, "ulimit -v allows"),
                             (resource.RLIMIT_DATA, "ulimit -d allows")):
            soft = resource.getrlimit(which)[0]
            if soft not in (resource.RLIM_INFINITY, -1) and soft > 0:
                found.append((int(soft), label))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < 2**60:
            found.append((int(text), "this container allows"))
    return min(found) if found else (2**34, "kaname assumes")


def time_budget() -> float:
    override = _env_number("KANAME_TIME_BUDGET_S")
    return TIME_BUDGET_S if override is None else override


def disk_budget(path: str | Path) -> int | None:
    """Free bytes on the file system where `path` is (or would be) created; None when
    unknown (a pseudo file system such as /proc: the run store's own write probe then
    says what is wrong)."""
    where = Path(path).absolute()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        usage = shutil.disk_usage(where)
    except OSError:
        return None
    return usage.free if usage.total > 0 else None


# --------------------------------------------------------------------------- the checks

def _refuse(key: str, value: Any, need: str, how: str, allows: str, hint: str = "",
            floor: bool = False) -> None:
    raise InputError(f"{value} needs {'at least' if floor else 'about'} {need} ({how}); "
                     f"{allows}" + (f"; {hint}" if hint else ""), key=key)


def check_memory(key: str, value: Any, need: float, how: str, hint: str = "",
                 floor: bool = False) -> None:
    """Refuse `value` of option `key` when `need` bytes exceed the memory budget (`floor`:
    `need` is a lower bound, from the smallest sizes, before the scenario is read)."""
    budget, label = memory_budget()
    if need > budget:
        _refuse(key, value, _gib(need), how, f"{label} about {_gib(budget)}", hint, floor)


def check_time(key: str, value: Any, need: float, how: str, hint: str = "",
               floor: bool = False) -> None:
    """Refuse `value` of option `key` when `need` seconds exceed the time budget."""
    budget = time_budget()
    if need > budget:
        _refuse(key, value, _duration(need), how,
                f"the time budget is {_duration(budget)} (KANAME_TIME_BUDGET_S)", hint, floor)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def output_columns(engine: Any, paths: Any = None) -> tuple[int, int]:
    """(float64 columns per sample of the scalar outputs, per day of the daily series);
    `paths`: only those scalar outputs (the ones a run keeps), every daily series."""
    coords: Mapping[str, Any] = getattr(engine, "coords", {}) or {}
    scalar = per_day = 0
    for path, spec in engine.outputs.items():
        if paths is not None and not spec.series and path not in paths:
            continue
        dims = [d for d in (getattr(spec, "dims", ()) or ()) if d != "day"]
        width = math.prod(len(coords.get(d, ())) or 1 for d in dims)
        if spec.series:
            per_day += width
        else:
            scalar += width
    return max(scalar, 1), per_day


def _count(value: int) -> str:
    return f"{value:,}"


def check_run(futures: int, keep_series: int = 0, *, policies: int = 0, outputs: int = 1,
              uncertainties: int = 0, series_columns: int = 0, horizon_days: int = 1) -> None:
    """``kaname run``: every future under each policy is held in memory. With `policies`
    0 (the scenario not read yet) the smallest cost: one output under one policy."""
    floor = policies == 0
    policies = max(policies, 1)
    per_future = FLOAT_BYTES * (policies * outputs + uncertainties) * PEAK_FACTOR
    how = (f"one output under one policy, × {FLOAT_BYTES} B × {PEAK_FACTOR:g} for the peak, "
           f"per future" if floor else
           f"{_plural(policies, 'policy', 'policies')} × {outputs} output columns + "
           f"{uncertainties} uncertainties, × {FLOAT_BYTES} B × {PEAK_FACTOR:g} for the peak, "
           f"per future")
    check_memory("--futures", _count(futures), futures * per_future, how,
                 "use kaname explore, which streams to disk", floor)
    kept = min(keep_series, futures)
    if kept and series_columns:
        per_series = FLOAT_BYTES * policies * series_columns * horizon_days * PEAK_FACTOR
        check_memory("--keep-series", _count(keep_series),
                     futures * per_future + kept * per_series,
                     f"{horizon_days:,} days × {series_columns} series columns × "
                     f"{_plural(policies, 'policy', 'policies')} × {FLOAT_BYTES} B × "
                     f"{PEAK_FACTOR:g} per future kept, beside the futures", "keep fewer series")
    check_time("--futures", _count(futures), futures * policies * SECONDS_PER_SAMPLE,
               f"{_plural(policies, 'policy', 'policies')} × {SECONDS_PER_SAMPLE:g} s per "
               f"future and policy",
               "use kaname explore --executor process, which runs on every core", floor)


SAMPLE_BYTES_PER_VALUE = {".csv": 20, ".parquet": 9}
"""A value in a ``--samples`` file (measured on the bundled scenario: a float64 written
by pandas is about 19 characters and a comma; in Parquet, row groups of one policy's
chunk, about 8 bytes and its dictionary index)."""


def _device(path: str | Path) -> int | None:
    where = Path(path).absolute()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        return os.stat(where).st_dev
    except OSError:
        return None


def _check_disks(needs: list[tuple[str | Path, float, str]], key: str, value: Any) -> None:
    """Refuse when what is written on one file system (bytes at each place; those on the
    same device summed) exceeds its free space."""
    by_device: dict[Any, list[tuple[str | Path, float, str]]] = {}
    for where, need, how in needs:
        by_device.setdefault(_device(where) or str(where), []).append((where, need, how))
    for group in by_device.values():
        need = sum(n for _, n, _ in group)
        free = disk_budget(group[0][0])
        if free is not None and need > free:
            _refuse(key, value, _gib(need), "; ".join(h for _, _, h in group),
                    f"the disk of {Path(group[0][0]).absolute().parent} has about "
                    f"{_gib(free)} free")


def check_samples(futures: int, path: str | Path, *, policies: int = 1, outputs: int = 1,
                  uncertainties: int = 0, levers: int = 0) -> None:
    """``kaname run --samples FILE.csv|.parquet``, streamed: the file (one row per future
    and policy) beside its temporary copy, and the later policies' rows waiting in the
    temporary directory (uncompressed Arrow) until they are appended."""
    import tempfile

    suffix = Path(path).suffix.lower()
    per_value = SAMPLE_BYTES_PER_VALUE.get(suffix, FLOAT_BYTES)
    policies = max(policies, 1)
    columns = 2 + uncertainties + levers + outputs
    final = futures * policies * columns * per_value
    spill = FLOAT_BYTES * futures * ((policies - 1) * (1 + levers + outputs)
                                      + (uncertainties + 1 if policies > 1 else 0))
    needs: list[tuple[str | Path, float, str]] = [
        (Path(path).absolute().parent, final,
         f"{_plural(policies, 'policy', 'policies')} × {columns} columns × "
         f"{per_value} B per future in {suffix}")]
    if spill:
        needs.append((tempfile.gettempdir(), spill,
                      f"{_gib(spill)} of later policies' rows waiting in "
                      f"{tempfile.gettempdir()}"))
    _check_disks(needs, "--samples", _count(futures) + " futures")


SPILL_OUTPUTS_BYTES = 256 * 2**20
"""``kaname run`` keeps its outcomes in a temporary file (:mod:`kaname.spill`) when they
would take more memory than this."""


def spills(futures: int, policies: int, outputs: int) -> bool:
    """Whether ``kaname run`` spills its `outputs` columns of `futures` × `policies`."""
    return FLOAT_BYTES * futures * max(policies, 1) * outputs > SPILL_OUTPUTS_BYTES


def check_spill(futures: int, policies: int, outputs: int) -> None:
    """The spilled outcomes fit on the temporary directory's disk."""
    import tempfile

    need = FLOAT_BYTES * futures * max(policies, 1) * outputs
    _check_disks([(tempfile.gettempdir(), need,
                   f"{_plural(policies, 'policy', 'policies')} × {outputs} output columns × "
                   f"{FLOAT_BYTES} B per future in {tempfile.gettempdir()}")], "--futures",
                 _count(futures))


def check_design_disk(futures: int, uncertainties: int, design: str) -> None:
    """A big Latin hypercube keeps its permutations in a temporary file (4 bytes per future
    and uncertainty, :class:`kaname.sampling.Futures`)."""
    import tempfile

    from kaname.sampling import Futures

    need = Futures.temp_bytes(futures, uncertainties, design)
    if need:
        _check_disks([(tempfile.gettempdir(), need,
                       f"the lhs design's permutations: {uncertainties} uncertainties × 4 B "
                       f"per future in {tempfile.gettempdir()}")], "--futures",
                     _count(futures))


def check_explore(futures: int, run_dir: str | Path, *, keep_series: int = 0,
                  chunk_size: int | None = None, policies: int = 0, outputs: int = 1,
                  uncertainties: int = 0, series_columns: int = 0, horizon_days: int = 1,
                  joint_design: bool = False) -> None:
    """``kaname explore`` streams results to disk chunk by chunk: its limits are the disk,
    the manifest (rewritten after every chunk) and, for lhs/sobol, the whole design, which
    is sampled in memory before the first chunk. With `policies` 0 (the scenario not read
    yet) the smallest cost: one output under one policy."""
    floor = policies == 0
    policies = max(policies, 1)
    kept = min(keep_series, futures)
    need = FLOAT_BYTES * (futures * (policies * outputs + uncertainties)
                          + kept * policies * series_columns * horizon_days)
    free = disk_budget(run_dir)
    if free is not None and need > free:
        how = (f"one output under one policy, × {FLOAT_BYTES} B per future" if floor else
               f"{_plural(policies, 'policy', 'policies')} × {outputs} output columns + "
               f"{uncertainties} uncertainties, × {FLOAT_BYTES} B per future"
               + (f", and {kept:,} kept daily series" if kept and series_columns else ""))
        _refuse("--futures", _count(futures), _gib(need), how,
                f"the disk of {Path(run_dir)} has about {_gib(free)} free", "", floor)
    if joint_design:
        check_memory("--futures", _count(futures),
                     futures * uncertainties * FLOAT_BYTES * PEAK_FACTOR,
                     f"the whole lhs/sobol design: {uncertainties} uncertainties × "
                     f"{FLOAT_BYTES} B × {PEAK_FACTOR:g} per future", "use --design mc")
    if chunk_size:
        chunks = math.ceil(futures / max(1, min(chunk_size, futures)))
        seconds = chunks * chunks * MANIFEST_BYTES_PER_CHUNK / 2 / DISK_BYTES_PER_S
        check_time("--chunk-size", _count(chunk_size), seconds,
                   f"{chunks:,} chunks: the manifest ({MANIFEST_BYTES_PER_CHUNK} B a chunk) "
                   f"is rewritten after each, at {_gib(DISK_BYTES_PER_S)}/s",
                   "use larger chunks")


def check_explore_scenario(scenario: Any, engine: Any, run_dir: str | Path, *,
                           futures: int | None = None, design: str | None = None,
                           chunk_size: int | None = None, keep_series: int = 0) -> None:
    """:func:`check_explore` with the sizes of a loaded scenario and its engine (the
    scenario's own futures, design and chunking where an option is not given)."""
    from kaname.chunking import futures_per_chunk

    policies = max(len(scenario.policies), 1)
    n = scenario.settings.futures if futures is None else futures
    outputs, per_day = output_columns(engine)
    check_explore(n, run_dir, keep_series=keep_series,
                  chunk_size=chunk_size or futures_per_chunk(policies), policies=policies,
                  outputs=outputs, uncertainties=len(scenario.uncertainties),
                  series_columns=per_day, horizon_days=scenario.settings.horizon_days,
                  joint_design=(design or scenario.settings.design) != "mc")


def check_sobol(n: int, *, uncertainties: int = 0, second_order: bool = True) -> None:
    """``analyze sobol``: SALib's Saltelli sample is built whole in memory. With
    `uncertainties` 0 (the scenario not read yet) the smallest cost: one uncertainty."""
    floor = uncertainties == 0
    d = max(uncertainties, 1)
    rows = n * (2 * d + 2 if second_order else d + 2)
    need = FLOAT_BYTES * (n * 2 * d + rows * d + rows)
    of = "one uncertainty" if floor else f"D = {d} uncertainties"
    how = (f"N × ({'2D+2' if second_order else 'D+2'}) = {rows:,} rows of {of}, "
           f"× {FLOAT_BYTES} B")
    check_memory("--n", _count(n), need, how, "use a smaller --n", floor)
    check_time("--n", _count(n), rows * SECONDS_PER_SAMPLE,
               f"{rows:,} evaluations × {SECONDS_PER_SAMPLE:g} s", "use a smaller --n", floor)


def check_morris(trajectories: int, *, uncertainties: int = 0) -> None:
    """``analyze morris``: r × (D+1) evaluations, the sample held in memory. With
    `uncertainties` 0 (the scenario not read yet) the smallest cost: one uncertainty."""
    floor = uncertainties == 0
    d = max(uncertainties, 1)
    rows = trajectories * (d + 1)
    of = "one uncertainty" if floor else f"D = {d} uncertainties"
    check_memory("--trajectories", _count(trajectories), FLOAT_BYTES * rows * (d + 1),
                 f"r × (D+1) = {rows:,} rows of {of}, × {FLOAT_BYTES} B",
                 "use fewer --trajectories", floor)
    check_time("--trajectories", _count(trajectories), rows * SECONDS_PER_SAMPLE,
               f"{rows:,} evaluations × {SECONDS_PER_SAMPLE:g} s", "use fewer --trajectories",
               floor)


def check_search(population: int, generations: int, futures: int, *, objectives: int = 1,
                 levers: int = 1) -> None:
    """``kaname search``: each generation scores the whole population on every future."""
    need = FLOAT_BYTES * population * (futures * objectives + levers) * PEAK_FACTOR
    check_memory("--population", _count(population), need,
                 f"{futures:,} futures × {objectives} objectives + {levers} levers, × "
                 f"{FLOAT_BYTES} B × {PEAK_FACTOR:g}, per candidate",
                 "use a smaller --population or fewer --futures")
    evaluations = population * (generations + 1) * futures
    check_time("--population", _count(population), evaluations * SECONDS_PER_SAMPLE,
               f"{population:,} × ({generations:,} generations + 1) × {futures:,} futures = "
               f"{evaluations:,} evaluations × {SECONDS_PER_SAMPLE:g} s",
               "use a smaller --population, fewer --generations or fewer --futures")


def check_des(replications: int, days: float, warmup_days: float = 0.0,
              workers: int | None = None) -> None:
    """``c2 simulate``: replications × simulated days, spread over the workers."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    cores = min(workers, cores) if workers else cores
    parallel = max(1, min(int(cores), replications))
    rep_days = replications * (days + warmup_days)
    check_time("--replications", _count(replications),
               rep_days * SECONDS_PER_DES_REPLICATION_DAY / parallel,
               f"{replications:,} replications × {days + warmup_days:,g} days × "
               f"{SECONDS_PER_DES_REPLICATION_DAY:g} s per replication-day / {parallel} "
               f"workers", "use fewer --replications or --days")
