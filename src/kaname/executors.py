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

from kaname.errors import InputError, KanameError
from kaname.models.base import load_plugins
from kaname.store.codec import encode_chunk, encode_series
from kaname.store.layout import chunk_file, series_file

if TYPE_CHECKING:
    from kaname.engine import Engine

EXECUTORS = ("serial", "process", "dask")
CONNECT_TIMEOUT_S = 5
# A Dask run whose scheduler connection drops fails at once; one in which no chunk has
# finished for DASK_STALL_S seconds, or DASK_STALL_CHUNKS times the slowest chunk so far if
# that is longer, probes the scheduler and fails unless it answers (within DASK_PROBE_S, two
# tries) with at least one worker (a live cluster with slow chunks carries on). Finished chunks stay
# done either way, so `kaname explore --resume DIR` finishes the run.
DASK_STALL_S = 30.0
DASK_STALL_CHUNKS = 10
DASK_PROBE_S = 10.0
DASK_POLL_S = 0.05


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
    except KanameError as exc:  # the engine's one line, naming the model (and output)
        return ChunkOutcome(task.index, {}, exc.line(), time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - any model failure is recorded, not fatal
        where = traceback.extract_tb(exc.__traceback__)[-1]
        error = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})"
        return ChunkOutcome(task.index, {}, error, time.perf_counter() - started)


def _ignore_sigint() -> None:
    """Process-pool workers leave Ctrl-C to the driver, which stops them cleanly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


PARENT_POLL_S = 1.0  # how often a worker's watchdog checks that its driver is alive
_PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int) -> None:
    """Make this worker process exit when its driver `parent_pid` dies, however it dies
    (SIGKILL included), so no orphan keeps computing.

    On Linux the kernel sends SIGTERM on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    everywhere a daemon thread also polls ``os.getppid()`` every :data:`PARENT_POLL_S`
    seconds and ends the process with ``os._exit`` once the parent has gone (the worker has
    been re-parented). Call it first thing in the worker (a pool's initializer)."""
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread does it
            pass
    if os.getppid() != parent_pid:  # the driver died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="kaname-parent-watchdog", daemon=True).start()


def worker_init(parent_pid: int) -> None:
    """Initializer of kaname's process-pool workers (``explore --executor process`` and the
    c2 simulation's replications): leave Ctrl-C to the driver; end with the driver."""
    _ignore_sigint()
    end_with_parent(parent_pid)


# --------------------------------------------------------------------------- executors

class ClusterLost(KanameError):
    """The Dask cluster stopped answering mid-run: finished chunks are saved, the rest is
    left pending for ``kaname explore --resume``."""


class Executor:
    """Runs chunk tasks and yields outcomes as they finish, with bounded tasks in flight
    (so memory stays bounded by the chunk size, not the run size). `run_dir`, when the
    driver sets it, is named in a lost cluster's message (``--resume DIR``)."""

    name = "base"
    workers = 1
    run_dir: Path | None = None

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
                                         initializer=worker_init,
                                         initargs=(os.getpid(),))
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
        self._address = scheduler or self._client.scheduler.address
        self.workers = max(1, sum(self._client.nthreads().values()))

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        """Chunks as they finish. Fails with one line (:class:`ClusterLost`), keeping every
        finished chunk, when the scheduler is lost (the client drops its connection: at
        once) or when no chunk has finished for :meth:`stall_limit` seconds and the
        scheduler does not answer within :data:`DASK_PROBE_S` or has no workers left."""
        from distributed import as_completed

        limit = 2 * self.workers
        tasks = iter(tasks)
        pending: dict[Any, int] = {}
        queue = as_completed(loop=self._client.loop)
        slowest = 0.0
        progress = time.monotonic()

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
        while not queue.is_empty() or queue.has_ready():
            self._check_connected()
            ready = queue.next_batch(block=False)
            if not ready:
                if time.monotonic() - progress > self.stall_limit(slowest):
                    self._probe()  # raises unless the cluster is alive and has workers
                    progress = time.monotonic()
                time.sleep(DASK_POLL_S)
                continue
            for fut in ready:
                index = pending.pop(fut.key)
                if fut.status == "cancelled":
                    self._check_connected()
                try:
                    outcome = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                    outcome = ChunkOutcome(index, {}, f"{type(exc).__name__}: {exc}")
                fut.release()
                progress = time.monotonic()
                slowest = max(slowest, outcome.seconds)
                yield outcome
                submit()

    @staticmethod
    def stall_limit(slowest_chunk_s: float) -> float:
        """Seconds without a finished chunk before the cluster is probed:
        :data:`DASK_STALL_S`, or :data:`DASK_STALL_CHUNKS` times the slowest chunk so far
        when that is longer (a slow chunk on a live cluster never fails the run)."""
        return max(DASK_STALL_S, DASK_STALL_CHUNKS * slowest_chunk_s)

    def _lost(self, what: str) -> ClusterLost:
        where = str(self.run_dir) if self.run_dir is not None else "DIR"
        return ClusterLost(f"the Dask scheduler at {self._address} {what}; finished chunks "
                           f"are saved; resume with kaname explore --resume {where}")

    def _check_connected(self) -> None:
        if self._client.status != "running":
            raise self._lost("stopped responding (connection lost)")

    def _probe(self) -> None:
        for attempt in (1, 2):  # the first call after workers are lost may hang: once more
            try:
                nthreads = self._client.nthreads(callback_timeout=DASK_PROBE_S)
                break
            except Exception:  # noqa: BLE001 - TimeoutError, CommClosedError, OSError, ...
                if attempt == 2:
                    raise self._lost(f"stopped responding (no chunk finished for "
                                     f"{DASK_STALL_S:g}+ s, no answer within "
                                     f"{DASK_PROBE_S:g} s twice)") from None
        if not nthreads:
            raise self._lost("has no workers left (no chunk finished for "
                             f"{DASK_STALL_S:g}+ s)")

    def close(self) -> None:
        if self._client.status != "running":  # a lost scheduler: closing cancels the
            import logging  # client's reconnection, which it would log

            for name in [n for n in logging.root.manager.loggerDict
                         if n == "distributed" or n.startswith("distributed.")]:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)
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
