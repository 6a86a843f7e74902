"""The explore driver: create a run directory, reopen it for ``--resume``, cut it into
chunk tasks and execute them on an executor (:mod:`kaname.executors`).

A run of n futures × P policies is cut by :func:`kaname.chunking.plan_chunks` — the same
planner as the in-memory :func:`kaname.ensemble.run` — into chunks of K futures (K·P samples per
vectorised call), with a cut at ``keep_series``. Whatever executes a chunk, its inputs and
seeds depend only on the run and on k:

* futures: Monte Carlo values are generated in the worker from fixed 4096-future blocks
  (:mod:`kaname.sampling`), so they depend only on the future's index — the scenario's
  copula (``scenario.dependence``, rebuilt from the frozen scenario on ``--resume``) goes
  with the task and is applied row by row; Latin hypercube and Sobol are joint designs,
  generated once per run (copula included), stored in ``design.parquet`` and sliced;
* model randomness: :func:`kaname.chunking.chunk_rng` for chunk k (through
  :func:`kaname.ensemble.evaluate_futures`).

Hence serial, process and Dask runs with any worker count give bit-identical chunk files,
and runs with different chunk sizes give bit-identical numbers **as long as no model draws
from** ``rng`` (true of every built-in model today: they are deterministic given their
inputs). A stochastic model's draws would follow the chunk boundaries; keep K fixed across
runs you compare (``--resume`` always reuses the run's chunks).

Where the run directory is reachable from the workers (the serial and process executors,
a Dask LocalCluster, a cluster on a shared file system: a *shared run store*), each worker
reads its own rows of ``design.parquet``, writes its chunk's record and files atomically
into ``chunks/`` and returns only their names, SHA-256 and sizes; the driver checks they
are there (:meth:`RunStore.record_written`) and only then records the chunk done in the
manifest — so a chunk is never done before its files are on disk, and files on disk that
the manifest does not name (a driver killed in between) are recomputed on resume. With
``--no-shared-store`` (a remote cluster with no shared file system) workers return the
encoded bytes and the driver writes them (:meth:`RunStore.record_done`). Either way the
driver alone writes the manifest, and the chunk bytes are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.chunking import futures_per_chunk
from kaname.errors import InputError
from kaname.store.layout import CHUNK_DIR, FROZEN_SCENARIO, layout_for
from kaname.store.manifest import (
    DONE,
    FAILED,
    RunStore,
    StoreWriteError,
    data_library_hashes,
    sha256_bytes,
    verify,
    versions_changed,
)

if TYPE_CHECKING:
    from kaname.engine import Engine
    from kaname.executors import ChunkTask, EngineKey, Executor
    from kaname.scenario import Scenario


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
    from kaname.executors import EngineKey

    s = scenario.settings
    return EngineKey(s.base_year, s.horizon_days,
                     tuple(scenario.models) if scenario.models is not None else None)


def load(scenario_path: str | Path, *, strict: bool = False,
         sets: Mapping[str, Any] | None = None) -> tuple[Scenario, Engine, EngineKey]:
    """Load and validate a scenario, reusing this process's engine for its settings
    (`strict`, `sets`: see :func:`kaname.scenario.load_scenario`)."""
    from kaname import yamlio
    from kaname.executors import EngineKey, engine_for_key
    from kaname.models.base import load_plugins
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
    scenario = load_scenario(scenario_path, engine, strict=strict, sets=sets)
    key = engine_key(scenario)
    return scenario, engine_for_key(key), key


def create_run(scenario: Scenario, engine: Engine, key: EngineKey, run_dir: str | Path, *,
               futures: int | None = None, design: str | None = None,
               chunk_size: int | None = None, seed: int | None = None,
               keep_series: int = 0) -> Prepared:
    """Write a new run directory (refusing a non-empty one): frozen scenario, design,
    manifest with every chunk pending. `chunk_size` is futures per chunk (default: about
    :data:`kaname.chunking.SAMPLES_PER_CHUNK` samples)."""
    from kaname.ensemble import policy_columns, run_arguments, select_policies
    from kaname.sampling import Futures

    n, seed, design, keep_series = run_arguments(scenario, futures=futures, seed=seed,
                                                 design=design, keep_series=keep_series)
    policies = select_policies(scenario, None)
    if chunk_size is not None and (isinstance(chunk_size, bool) or int(chunk_size) < 1):
        raise InputError(f"{chunk_size!r} not allowed; must be at least 1", key="chunk_size")
    K = min(int(chunk_size) if chunk_size else futures_per_chunk(len(policies)), n)
    RunStore.prepare_dir(Path(run_dir))
    levers = policy_columns(scenario, engine, policies)
    layout = layout_for(engine, scenario, policies, levers)
    # a joint design is drawn chunk by chunk into design.parquet; Monte Carlo needs no
    # file (each chunk draws its own futures)
    with (nullcontext() if design == "mc" else
          Futures(scenario.uncertainties, n, seed, design,
                  dependence=scenario.dependence)) as drawn:
        store = RunStore.create(Path(run_dir), scenario=scenario, layout=layout, futures=n,
                                design=design, seed=seed, futures_per_chunk=K,
                                keep_series=keep_series, design_futures=drawn)
    return Prepared(store, scenario, engine, key)


def reopen_run(run_dir: str | Path) -> Prepared:
    """Open an interrupted run for ``--resume``, refusing one whose scenario or data
    library changed since it started (the numbers would no longer match)."""
    from kaname import yamlio
    from kaname.ensemble import policy_columns

    store = RunStore.open(run_dir)
    store.check_writable()  # a read-only directory: one line before any work
    m = store.manifest
    frozen = store.root / FROZEN_SCENARIO
    if not frozen.is_file() or sha256_bytes(frozen.read_bytes()) != m["scenario"]["sha256"]:
        raise InputError("the frozen scenario.yaml is missing or was edited; refusing to "
                         "resume", file=str(frozen))
    warnings = []
    source = Path(m["scenario"]["source"])
    sets = m["scenario"].get("sets") or {}
    if source.is_file() and source.resolve() != frozen.resolve():
        current = source.read_bytes()
        if sets:  # the frozen text is the source with the --set values applied
            from kaname.scenario import load_scenario

            current = load_scenario(source, sets=sets).text.encode("utf-8")
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
    levers = policy_columns(scenario, engine, store.policies)
    layout = layout_for(engine, scenario, store.policies, levers)
    if _jsonish(layout) != store.layout:
        raise InputError("the models' inputs or outputs changed since the run started; "
                         "refusing to resume", file=str(store.root))
    return Prepared(store, scenario, engine, key, warnings)


def _jsonish(obj: Any) -> Any:
    import json

    return json.loads(json.dumps(obj))


def diff_yaml(old: Any, new: Any, prefix: str = "") -> str | None:
    """The first key path where two parsed YAML documents differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in new:
                return f"{path} removed (was {old[key]!r})"
            if key not in old:
                return f"{path} added ({new[key]!r})"
            found = diff_yaml(old[key], new[key], path)
            if found:
                return found
        return None
    if old != new:
        return f"{prefix or '(document)'}: {old!r} -> {new!r}"
    return None


def tasks_for(prepared: Prepared, indices: list[int], *,
              shared: bool = False) -> Iterator[ChunkTask]:
    """Chunk tasks, built lazily. With a `shared` run store each task names the run's
    chunk directory (``write_to``: the worker writes its files there) and, for a joint
    design, the design file (the worker reads its own rows); otherwise a joint design's
    rows are read here, chunk by chunk, and sent with the task."""
    import os

    from kaname.executors import ChunkTask
    from kaname.store.codec import decode_design_rows

    store = prepared.store
    m = store.manifest
    design = m["design"]
    design_path = store.root / design["file"] if design.get("file") else None
    if design_path is not None:
        verify(design_path, design["sha256"], run_dir=store.root)
    levers = {e["path"]: np.array(e["values"], dtype=float) for e in store.layout["levers"]}
    run = store.run_record() if shared else None
    chunk_dir = os.path.abspath(store.root / CHUNK_DIR) if shared else None
    for k in indices:
        c = store.chunks[k]
        task = ChunkTask(index=k, start=c["start"], stop=c["stop"], seed=int(m["seed"]["root"]),
                         engine=prepared.key, layout=store.layout, levers=levers,
                         keep_series=int(m["keep_series"]), write_to=chunk_dir, run=run)
        if design_path is not None and shared:
            task.design_file = os.path.abspath(design_path)
            task.design_bytes = design_path.stat().st_size
        elif design_path is not None:
            task.futures = decode_design_rows(design_path, c["start"], c["stop"])
        else:
            task.uncertainties = prepared.scenario.uncertainties
            task.dependence = prepared.scenario.dependence
        yield task


def execute(prepared: Prepared, executor: Executor,
            progress: Callable[[int, int], None] | None = None, *,
            catalog: bool = False, shared: bool | None = None) -> RunSummary:
    """Run every chunk not yet done (and verified); record each as done or failed.

    `shared`: whether the workers write their chunks into the run store themselves
    (True), send the bytes back for this process to write (False), or — None, the
    default — whatever the executor decides (:meth:`Executor.store_mode`: shared for
    workers on this machine; for an existing Dask cluster, shared if every worker can
    read and write the run directory at its path here).

    A failed chunk does not stop the others. On KeyboardInterrupt the executor is closed,
    finished chunks are kept and the manifest is saved before the interrupt propagates.
    With `catalog`, the run is recorded in the machine's run catalog
    (:func:`kaname.catalog.record_run`) at the start and the end — the ``kaname explore``
    command does; a call from Python leaves the catalog alone unless asked.
    """
    store = prepared.store
    executor.run_dir = store.root  # named in a lost-cluster message (``--resume DIR``)
    todo = store.todo()
    P = len(store.policies)
    total = int(store.manifest["futures"]) * P
    finished = sum((c["stop"] - c["start"]) * P for c in store.chunks if c["status"] == DONE)
    started = time.perf_counter()
    evaluated = 0
    store.manifest["status"] = "running"
    store.save(force=True)
    warnings = list(prepared.warnings)
    shared, notes = executor.store_mode(store.root, shared)
    warnings.extend(notes)

    def record() -> None:
        if catalog:
            from kaname.catalog import record_run

            note = record_run(store)
            if note:
                warnings.append(note)

    record()
    if progress:
        progress(finished, total)
    stopping: BaseException | None = None
    try:
        for outcome in executor.imap_unordered(tasks_for(prepared, todo, shared=shared)):
            c = store.chunks[outcome.index]
            if outcome.write_failed is not None:  # the worker's write into the store
                raise _worker_write_error(store.root, outcome)
            if outcome.error is not None:
                store.record_failed(outcome.index, outcome.error)
            elif outcome.written is not None:
                store.record_written(outcome.index, outcome.written, outcome.seconds)
            else:
                store.record_done(outcome.index, outcome.files, outcome.seconds)
            samples = (c["stop"] - c["start"]) * P
            evaluated += samples
            finished += samples
            if progress:
                progress(finished, total)
    except BaseException as exc:  # a full disk, an interrupt: keep what is finished
        stopping = exc
        raise
    finally:
        try:
            status = store.finish()
        except StoreWriteError:
            if stopping is None:
                raise
            # the first failure is the one to report; the manifest on disk is still the
            # last consistent one (a chunk it does not name is recomputed on resume)
        record()
    failed = [(c["index"], c.get("error") or "") for c in store.chunks
              if c["status"] == FAILED]
    return RunSummary(store.root, status, len(store.chunks), store.counts()[DONE], failed,
                      evaluated, time.perf_counter() - started, warnings)


def _worker_write_error(root: Path, outcome: Any) -> StoreWriteError:
    """A worker could not write its chunk into the shared run store (a full disk...): the
    same one line as a failed write of the driver's own, naming a remote worker's host;
    the chunk stays pending (the worker removed what it wrote)."""
    import errno
    import socket

    code, text = outcome.write_failed
    what = f"chunk {outcome.index}"
    if outcome.host and outcome.host != socket.gethostname():
        what += f" on the worker at {outcome.host}"
    if code == errno.ENOENT:
        what += (" (is the run directory on a file system every worker mounts at the same "
                 "path? If not, use --no-shared-store)")
    return StoreWriteError(root, what, OSError(code, text))
