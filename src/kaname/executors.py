"""Chunked executors — serial, process pool, Dask distributed — and the worker side.

A worker evaluates one chunk task (:class:`ChunkTask`: a range of futures under every
policy, with everything it needs and no file system access) in one vectorised call
(:func:`kaname.ensemble.evaluate_futures`) and returns the encoded Parquet bytes; only the
driver (:mod:`kaname.store.lifecycle`) writes to the run directory, so a remote Dask
cluster needs no shared file system. An executor runs tasks with bounded tasks in
flight; which executor ran a chunk never changes its bytes.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.errors import InputError
from kaname.models.base import load_plugins
from kaname.store.codec import encode_chunk, encode_series
from kaname.store.layout import chunk_file, series_file

if TYPE_CHECKING:
    from kaname.engine import Engine

EXECUTORS = ("serial", "process", "dask")
CONNECT_TIMEOUT_S = 5


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
    dependence: Any | None = None                      # Monte Carlo: its copula (kaname.copula)

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
    from kaname.ensemble import evaluate_futures
    from kaname.sampling import sample_futures

    started = time.perf_counter()
    try:
        load_plugins()
        engine = engine_for_key(task.engine)
        n = task.stop - task.start
        futures = task.futures if task.futures is not None else sample_futures(
            task.uncertainties or {}, n, task.seed, "mc", task.start,
            dependence=task.dependence)
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
                                 key="scheduler") from None
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
                         key="executor")
    if scheduler and name != "dask":
        raise InputError("only the dask executor joins a scheduler; add --executor dask",
                         key="scheduler")
    count = workers or os.cpu_count() or 1
    if count < 1:
        raise InputError(f"{count} not allowed; must be at least 1", key="workers")
    if name == "serial":
        return SerialExecutor(engine, key)
    if name == "process":
        return ProcessExecutor(count)
    return DaskExecutor(count, scheduler)
