"""Chunked executors — serial, process pool, Dask distributed — and the explore driver.

A run of n futures × P policies is cut into chunks of K futures (chunk k covers futures
``[k*K, min(n, (k+1)*K))``; K·P samples per vectorised call, never one sample per task).
Whatever executes a chunk, its inputs and seeds depend only on the run and on k:

* futures: Monte Carlo values are generated in the worker from fixed 4096-future blocks
  (:mod:`kaname.sampling`), so they depend only on the future's index; Latin hypercube and
  Sobol are joint designs, generated once per run, stored in ``design.parquet`` and sliced;
* model randomness: ``SeedSequence(root, spawn_key=(1, k))`` for chunk k
  (:func:`kaname.run.evaluate_futures`).

Hence serial, process and Dask runs with any worker count give bit-identical chunk files,
and runs with different chunk sizes give bit-identical numbers **as long as no model draws
from** ``rng`` (true of every built-in model today: they are deterministic given their
inputs). A stochastic model's draws would follow the chunk boundaries; keep K fixed across
runs you compare (``--resume`` always reuses the run's K).

Only the driver writes to the run directory: workers return encoded Parquet bytes, so a
remote Dask cluster needs no shared file system.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.catalog import record_run
from kaname.errors import InputError
from kaname.models.base import load_plugins
from kaname.store import (
    DONE,
    FAILED,
    FROZEN_SCENARIO,
    RunStore,
    chunk_file,
    data_library_hashes,
    diff_yaml,
    encode_chunk,
    encode_series,
    layout_for,
    series_file,
    sha256_bytes,
    versions_changed,
)

if TYPE_CHECKING:
    from kaname.engine import Engine
    from kaname.scenario import Scenario

EXECUTORS = ("serial", "process", "dask")
CONNECT_TIMEOUT_S = 5
DEFAULT_SAMPLES_PER_CHUNK = 50_000


# --------------------------------------------------------------------------- worker side

@dataclass(frozen=True)
class EngineKey:
    """What fixes an engine: the calendar and the model list (picklable, hashable)."""

    base_year: int
    horizon_days: int
    models: tuple[str, ...] | None


_engines: dict[EngineKey, Engine] = {}


def engine_for_key(key: EngineKey) -> Engine:
    """One engine per worker process and key, built on first use."""
    if key not in _engines:
        from kaname.scenario import SettingsModel, engine_for

        settings = SettingsModel.model_validate({"base_year": key.base_year,
                                                 "horizon_days": key.horizon_days})
        _engines[key] = engine_for(settings, None if key.models is None else list(key.models))
    return _engines[key]


@dataclass
class ChunkTask:
    """Everything a worker needs for chunk `index` (no file system access)."""

    index: int
    start: int
    stop: int
    seed: int
    engine: EngineKey
    layout: dict[str, Any]
    levers: dict[str, np.ndarray]
    keep_series: int
    futures: dict[str, np.ndarray] | None = None       # joint designs: the stored slice
    uncertainties: dict[str, Any] | None = None        # Monte Carlo: generated here

    @property
    def samples(self) -> int:
        return (self.stop - self.start) * len(self.layout["policies"])


@dataclass
class ChunkOutcome:
    index: int
    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def evaluate_chunk(task: ChunkTask) -> ChunkOutcome:
    """Evaluate one chunk and encode it; a model error becomes the outcome's error text."""
    from kaname.run import evaluate_futures
    from kaname.sampling import sample_futures

    started = time.perf_counter()
    try:
        load_plugins()
        engine = engine_for_key(task.engine)
        n = task.stop - task.start
        futures = task.futures if task.futures is not None else sample_futures(
            task.uncertainties or {}, n, task.seed, "mc", task.start)
        out = evaluate_futures(engine, futures, task.levers, len(task.layout["policies"]), n,
                               seed=task.seed, chunk_index=task.index,
                               series=task.start < task.keep_series)
        files = {chunk_file(task.index): encode_chunk(task.layout, task.start, futures, out)}
        series = encode_series(task.layout, task.start, task.keep_series, out)
        if series is not None:
            files[series_file(task.index)] = series
        return ChunkOutcome(task.index, files, None, time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - any model failure is recorded, not fatal
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return ChunkOutcome(task.index, {}, error, time.perf_counter() - started)


def _ignore_sigint() -> None:
    """Process-pool workers leave Ctrl-C to the driver, which stops them cleanly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --------------------------------------------------------------------------- executors

class Executor:
    """Runs chunk tasks and yields outcomes as they finish, with bounded tasks in flight
    (so memory stays bounded by the chunk size, not the run size)."""

    name = "base"
    workers = 1

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        raise NotImplementedError

    def close(self) -> None:
        """Stop: cancel what has not started; do not wait for a whole run."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    name = "serial"

    def __init__(self, engine: Engine | None = None, key: EngineKey | None = None):
        if engine is not None and key is not None:
            _engines.setdefault(key, engine)  # reuse the driver's engine in-process

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        for task in tasks:
            yield evaluate_chunk(task)


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine.

    On Linux the workers are forked — at construction, before the driver starts any thread
    (progress bar, catalog) — so they inherit the imported modules, registered plugins and
    the driver's engine instead of rebuilding them. Elsewhere they are spawned.
    """

    name = "process"

    def __init__(self, workers: int):
        import multiprocessing
        import sys
        from concurrent.futures import ProcessPoolExecutor

        self.workers = workers
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._pool = ProcessPoolExecutor(max_workers=workers,
                                         mp_context=multiprocessing.get_context(method),
                                         initializer=_ignore_sigint)
        self._pool.submit(_noop).result()  # start every worker now (fork: all at once)

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        in_flight: dict[Any, int] = {}
        limit = 2 * self.workers
        tasks = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < limit:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    in_flight[self._pool.submit(evaluate_chunk, task)] = task.index
                except BrokenProcessPool as exc:  # a worker died: nothing more can run
                    for lost in [task, *tasks]:
                        yield ChunkOutcome(lost.index, {}, f"BrokenProcessPool: {exc}")
                    exhausted = True
                    break
            if not in_flight:
                return
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for fut in done:
                index = in_flight.pop(fut)
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                    yield ChunkOutcome(index, {}, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _noop() -> None:
    return None


class DaskExecutor(Executor):
    """Dask distributed: a LocalCluster of `workers` single-threaded processes, or an
    existing cluster at `scheduler` (e.g. ``tcp://10.0.0.5:8786``)."""

    name = "dask"

    def __init__(self, workers: int, scheduler: str | None = None):
        import logging

        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=CONNECT_TIMEOUT_S,
                                      set_as_default=False)
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler} within "
                                 f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0] if str(exc) else ''})",
                                 key="--scheduler") from None
        else:
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None,
                                         silence_logs=logging.ERROR)
            self._client = Client(self._cluster, set_as_default=False)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        from distributed import as_completed

        limit = 2 * self.workers
        tasks = iter(tasks)
        pending: dict[Any, int] = {}
        queue = as_completed(loop=self._client.loop)

        def submit() -> bool:
            task = next(tasks, None)
            if task is None:
                return False
            fut = self._client.submit(evaluate_chunk, task, pure=False,
                                      key=f"kaname-chunk-{task.index}-{os.urandom(6).hex()}")
            pending[fut.key] = task.index
            queue.add(fut)
            return True

        for _ in range(limit):
            if not submit():
                break
        for fut in queue:
            index = pending.pop(fut.key)
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                outcome = ChunkOutcome(index, {}, f"{type(exc).__name__}: {exc}")
            fut.release()
            yield outcome
            submit()

    def close(self) -> None:
        try:
            self._client.close(timeout=10)
        finally:
            if self._cluster is not None:
                self._cluster.close(timeout=10)


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None, *,
                  engine: Engine | None = None, key: EngineKey | None = None) -> Executor:
    if name not in EXECUTORS:
        raise InputError(f"{name!r} not allowed; allowed: {', '.join(EXECUTORS)}",
                         key="--executor")
    if scheduler and name != "dask":
        raise InputError("only the dask executor joins a scheduler; add --executor dask",
                         key="--scheduler")
    count = workers or os.cpu_count() or 1
    if count < 1:
        raise InputError(f"{count} not allowed; must be at least 1", key="--workers")
    if name == "serial":
        return SerialExecutor(engine, key)
    if name == "process":
        return ProcessExecutor(count)
    return DaskExecutor(count, scheduler)


# --------------------------------------------------------------------------- the driver

@dataclass
class RunSummary:
    run_dir: Path
    status: str
    chunks: int
    done: int
    failed: list[tuple[int, str]]
    samples: int          # samples evaluated in this invocation
    seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Prepared:
    """A run directory ready to execute, with its scenario, engine and warnings."""

    store: RunStore
    scenario: Scenario
    engine: Engine
    key: EngineKey
    warnings: list[str] = field(default_factory=list)


def engine_key(scenario: Scenario) -> EngineKey:
    s = scenario.settings
    return EngineKey(s.base_year, s.horizon_days,
                     tuple(scenario.models) if scenario.models is not None else None)


def load(scenario_path: str | Path) -> tuple[Scenario, Engine, EngineKey]:
    """Load and validate a scenario, reusing this process's engine for its settings."""
    from kaname import yamlio
    from kaname.scenario import SettingsModel, load_scenario

    load_plugins()
    engine = None
    try:  # fast path: the engine for these settings may already be built
        data = yamlio.load(scenario_path)
        settings = SettingsModel.model_validate(data.get("settings") or {})
        models = data.get("models")
        if models is None or (isinstance(models, list)
                              and all(isinstance(m, str) for m in models)):
            engine = engine_for_key(EngineKey(settings.base_year, settings.horizon_days,
                                              None if models is None else tuple(models)))
    except Exception:  # noqa: BLE001 - load_scenario below reports the problem properly
        engine = None
    scenario = load_scenario(scenario_path, engine)
    key = engine_key(scenario)
    return scenario, engine_for_key(key), key


def create_run(scenario: Scenario, engine: Engine, key: EngineKey, run_dir: str | Path, *,
               futures: int | None = None, design: str | None = None,
               chunk_size: int | None = None, seed: int | None = None,
               keep_series: int = 0) -> Prepared:
    """Write a new run directory (refusing a non-empty one): frozen scenario, design,
    manifest with every chunk pending."""
    from kaname.run import policy_columns, select_policies
    from kaname.sampling import sample_futures
    from kaname.scenario import DESIGNS, MAX_FUTURES

    n = int(futures or scenario.settings.futures)
    if not 1 <= n <= MAX_FUTURES:
        raise InputError(f"{n} not allowed; must be in [1, {MAX_FUTURES}]", key="--futures")
    design = design or scenario.settings.design
    if design not in DESIGNS:
        raise InputError(f"{design!r} not allowed; allowed: {', '.join(DESIGNS)}",
                         key="--design")
    seed = scenario.settings.seed if seed is None else int(seed)
    if not 0 <= seed <= 2**63 - 1:
        raise InputError(f"{seed} not allowed; must be in [0, 2**63-1]", key="--seed")
    if keep_series < 0:
        raise InputError(f"{keep_series} not allowed; must be >= 0", key="--keep-series")
    policies = select_policies(scenario, None)
    P = len(policies)
    K = int(chunk_size) if chunk_size else max(1, DEFAULT_SAMPLES_PER_CHUNK // P)
    if K < 1:
        raise InputError(f"{K} not allowed; must be at least 1", key="--chunk-size")
    K = min(K, n)
    RunStore.prepare_dir(Path(run_dir))
    levers = policy_columns(scenario, engine, policies)
    layout = layout_for(engine, scenario, policies, levers)
    columns = sample_futures(scenario.uncertainties, n, seed, design) if design != "mc" else None
    store = RunStore.create(Path(run_dir), scenario=scenario, layout=layout, futures=n,
                            design=design, seed=seed, futures_per_chunk=K,
                            keep_series=min(keep_series, n), design_columns=columns)
    return Prepared(store, scenario, engine, key)


def reopen_run(run_dir: str | Path) -> Prepared:
    """Open an interrupted run for ``--resume``, refusing one whose scenario or data
    library changed since it started (the numbers would no longer match)."""
    from kaname import yamlio

    store = RunStore.open(run_dir)
    m = store.manifest
    frozen = store.root / FROZEN_SCENARIO
    if not frozen.is_file() or sha256_bytes(frozen.read_bytes()) != m["scenario"]["sha256"]:
        raise InputError("the frozen scenario.yaml is missing or was edited; refusing to "
                         "resume", file=str(frozen))
    warnings = []
    source = Path(m["scenario"]["source"])
    if source.is_file() and source.resolve() != frozen.resolve():
        current = source.read_bytes()
        if sha256_bytes(current) != m["scenario"]["sha256"]:
            old = yamlio.loads(frozen.read_text(encoding="utf-8"), name=str(frozen))
            new = yamlio.loads(current.decode("utf-8", errors="replace"), name=str(source))
            what = diff_yaml(old, new) or "text changed (comments or layout only)"
            raise InputError(f"scenario file changed since the run started ({what}); refusing "
                             f"to resume — start a new run directory", file=str(source))
    elif not source.is_file():
        warnings.append(f"scenario source {source} is gone; resuming from the frozen copy")
    now_data = data_library_hashes()
    for name, digest in m["data_library"].items():
        if now_data.get(name) != digest:
            raise InputError(f"data library file {name} changed since the run started; "
                             f"refusing to resume", file=str(store.root))
    for name in now_data.keys() - m["data_library"].keys():
        raise InputError(f"data library file {name} was added since the run started; "
                         f"refusing to resume", file=str(store.root))
    changed = versions_changed(m["versions"])
    if changed:
        warnings.append("package versions changed since the run started: " + ", ".join(changed))
    scenario, engine, key = load(frozen)
    from kaname.run import policy_columns

    levers = policy_columns(scenario, engine, store.policies)
    layout = layout_for(engine, scenario, store.policies, levers)
    if _jsonish(layout) != store.layout:
        raise InputError("the models' inputs or outputs changed since the run started; "
                         "refusing to resume", file=str(store.root))
    return Prepared(store, scenario, engine, key, warnings)


def _jsonish(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj))


def tasks_for(prepared: Prepared, indices: list[int]) -> Iterator[ChunkTask]:
    """Chunk tasks, built lazily (a joint design is sliced only when its chunk is sent)."""
    store = prepared.store
    m = store.manifest
    table = store.design_table()
    levers = {e["path"]: np.array(e["values"], dtype=float) for e in store.layout["levers"]}
    for k in indices:
        c = store.chunks[k]
        task = ChunkTask(index=k, start=c["start"], stop=c["stop"], seed=int(m["seed"]["root"]),
                         engine=prepared.key, layout=store.layout, levers=levers,
                         keep_series=int(m["keep_series"]))
        if table is not None:
            n = c["stop"] - c["start"]
            task.futures = {p: table.column(p).slice(c["start"], n).to_numpy()
                            for p in table.column_names}
        else:
            task.uncertainties = prepared.scenario.uncertainties
        yield task


def execute(prepared: Prepared, executor: Executor,
            progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Run every chunk not yet done (and verified); record each as done or failed.

    A failed chunk does not stop the others. On KeyboardInterrupt the executor is closed,
    finished chunks are kept and the manifest is saved before the interrupt propagates.
    """
    store = prepared.store
    todo = store.todo()
    P = len(store.policies)
    total = int(store.manifest["futures"]) * P
    finished = sum((c["stop"] - c["start"]) * P for c in store.chunks if c["status"] == DONE)
    started = time.perf_counter()
    evaluated = 0
    store.manifest["status"] = "running"
    store.save(force=True)
    warnings = list(prepared.warnings)
    note = record_run(store)
    if note:
        warnings.append(note)
    if progress:
        progress(finished, total)
    try:
        for outcome in executor.imap_unordered(tasks_for(prepared, todo)):
            c = store.chunks[outcome.index]
            if outcome.error is None:
                store.record_done(outcome.index, outcome.files, outcome.seconds)
            else:
                store.record_failed(outcome.index, outcome.error)
            samples = (c["stop"] - c["start"]) * P
            evaluated += samples
            finished += samples
            if progress:
                progress(finished, total)
    finally:
        status = store.finish()
        note = record_run(store)
        if note:
            warnings.append(note)
    failed = [(c["index"], c.get("error") or "") for c in store.chunks
              if c["status"] == FAILED]
    return RunSummary(store.root, status, len(store.chunks), store.counts()[DONE], failed,
                      evaluated, time.perf_counter() - started, warnings)
