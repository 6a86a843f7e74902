"""Chunked executors — serial, process pool, Dask distributed — and the worker side.

A worker evaluates one chunk task (:class:`ChunkTask`: a range of futures under every
policy) in one vectorised call (:func:`kaname.ensemble.evaluate_futures`), on the engine it
built once (:func:`engine_for_key`), and encodes it as Parquet. Then one of two things:

* **shared run store** (``task.write_to`` is the run's chunk directory — the serial and
  process executors, a Dask LocalCluster, or a cluster whose workers mount the run
  directory at the same path): the worker reads its own rows of a joint design from
  ``design.parquet``, writes the chunk's record and files itself, each atomically
  (:func:`kaname.store.manifest.write_chunk`), and returns only their names, SHA-256 and
  sizes; the driver checks they are there and records the chunk done in the manifest;
* **bytes back** (``write_to`` is None: ``--no-shared-store``, a cluster without a shared
  file system): the task carries the design slice and the worker returns the encoded
  bytes, which the driver writes.

The serial executor (:func:`pipelined`) encodes and writes chunk k in a background thread
while chunk k+1 evaluates (at most one chunk waiting; pyarrow and hashlib release the
GIL). An executor runs tasks with bounded tasks in flight; which executor ran a chunk, and
how, never changes its bytes.
"""

from __future__ import annotations

import os
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping
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
TRIM_ENV = "MALLOC_TRIM_THRESHOLD_"
TRIM_CONFIG = f"distributed.nanny.pre-spawn-environ.{TRIM_ENV}"
PROBE_PREFIX = ".kaname-probe-"  # a shared-store probe file in a run's chunk directory


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
    """Everything a worker needs for chunk `index`."""

    index: int
    start: int
    stop: int
    seed: int
    engine: EngineKey
    layout: dict[str, Any]
    levers: dict[str, np.ndarray]
    keep_series: int
    futures: dict[str, np.ndarray] | None = None       # joint designs, bytes back: the slice
    uncertainties: dict[str, Any] | None = None        # Monte Carlo: generated here
    dependence: Any | None = None                      # Monte Carlo: its copula (kaname.copula)
    design_file: str | None = None                     # joint designs, shared store: read here
    design_bytes: int | None = None                    # ... its size (the one the driver verified)
    write_to: str | None = None                        # shared store: the run's chunk directory
    run: dict[str, Any] | None = None                  # shared store: the chunk record's run part

    @property
    def samples(self) -> int:
        return (self.stop - self.start) * len(self.layout["policies"])


@dataclass
class ChunkOutcome:
    """What a worker returns: the encoded bytes (`files`, bytes back), or the names,
    SHA-256 and sizes of the files it wrote (`written`, shared store), or an `error`. A
    failed write into the shared store also sets `write_failed` (errno, what happened):
    the driver reports it like a failure of its own writes (one line, run resumable)."""

    index: int
    files: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    written: dict[str, dict[str, Any]] | None = None
    write_failed: tuple[int | None, str] | None = None
    host: str = ""


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, KanameError):  # the engine's one line, naming the model (and output)
        return exc.line()
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def _design_rows(task: ChunkTask) -> dict[str, np.ndarray]:
    """The chunk's rows of the stored joint design, read from its own row groups."""
    from kaname.store.codec import decode_design_rows

    path = Path(task.design_file or "")
    size = path.stat().st_size
    if task.design_bytes is not None and size != task.design_bytes:
        raise InputError(f"{path} has {size} bytes on this worker, not {task.design_bytes} "
                         f"(not the run's file: is the run directory shared at the same "
                         f"path? If not, run with --no-shared-store)")
    return decode_design_rows(path, task.start, task.stop)


def compute_chunk(task: ChunkTask) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The chunk's futures and its outputs (raises what the models raise)."""
    from kaname.ensemble import evaluate_futures
    from kaname.sampling import sample_futures

    load_plugins()
    engine = engine_for_key(task.engine)
    n = task.stop - task.start
    if task.futures is not None:
        futures = task.futures
    elif task.design_file is not None:
        futures = _design_rows(task)
    else:
        futures = sample_futures(task.uncertainties or {}, n, task.seed, "mc", task.start,
                                 dependence=task.dependence)
    out = evaluate_futures(engine, futures, task.levers, len(task.layout["policies"]), n,
                           seed=task.seed, chunk_index=task.index,
                           series=task.start < task.keep_series)
    return futures, out


def finish_chunk(task: ChunkTask, futures: dict[str, np.ndarray],
                 outputs: dict[str, np.ndarray], started: float) -> ChunkOutcome:
    """Encode a computed chunk and, with a shared store (``task.write_to``), write and
    checksum its files there; never raises (an error is the outcome's)."""
    from kaname.store.manifest import describe_oserror, write_chunk

    try:
        files = {chunk_file(task.index): encode_chunk(task.layout, task.start, futures,
                                                      outputs)}
        series = encode_series(task.layout, task.start, task.keep_series, outputs)
        if series is not None:
            files[series_file(task.index)] = series
    except Exception as exc:  # noqa: BLE001 - e.g. an output of the wrong shape
        return ChunkOutcome(task.index, {}, _error_text(exc), time.perf_counter() - started)
    del futures, outputs
    if task.write_to is None:
        return ChunkOutcome(task.index, files, None, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    try:
        written = write_chunk(Path(task.write_to), task.run or {}, task.index, task.start,
                              task.stop, files, seconds)
    except OSError as exc:  # write_chunk has removed what it wrote
        return ChunkOutcome(task.index, {}, f"{describe_oserror(exc)} while writing chunk "
                            f"{task.index}", seconds, write_failed=(exc.errno,
                                                                   describe_oserror(exc)),
                            host=_hostname())
    return ChunkOutcome(task.index, {}, None, seconds, written=written)


def evaluate_chunk(task: ChunkTask) -> ChunkOutcome:
    """Evaluate one chunk and encode (and, with a shared store, write) it; a model error
    becomes the outcome's error text."""
    started = time.perf_counter()
    try:
        futures, out = compute_chunk(task)
    except Exception as exc:  # noqa: BLE001 - any model failure is recorded, not fatal
        return ChunkOutcome(task.index, {}, _error_text(exc), time.perf_counter() - started)
    return finish_chunk(task, futures, out, started)


def pipelined(tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
    """Outcomes of `tasks` in order, chunk k encoded (and written) in a background thread
    while chunk k+1 evaluates; at most one computed chunk waits for the encoder, so memory
    stays bounded by two chunks. The bytes are those of :func:`evaluate_chunk`."""
    from concurrent.futures import Future, ThreadPoolExecutor

    waiting: Future[ChunkOutcome] | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="kaname-encode") as encoder:
        try:
            for task in tasks:
                started = time.perf_counter()
                this: Future[ChunkOutcome]
                try:
                    futures, out = compute_chunk(task)
                except Exception as exc:  # noqa: BLE001 - recorded, not fatal
                    this = Future()
                    this.set_result(ChunkOutcome(task.index, {}, _error_text(exc),
                                                 time.perf_counter() - started))
                else:
                    this = encoder.submit(finish_chunk, task, futures, out, started)
                    del futures, out  # the encoder holds them now
                if waiting is not None:
                    finished = waiting.result()  # chunk k, encoded while k+1 evaluated
                    waiting = None
                    yield finished
                waiting = this
        except GeneratorExit:
            raise
        except BaseException:  # an interrupt while chunk k+1 evaluates: chunk k is
            if waiting is not None:  # finished (or nearly): hand it over, then stop
                finished = waiting.result()
                waiting = None
                yield finished
            raise
        if waiting is not None:
            yield waiting.result()


def warm_worker(key: EngineKey) -> None:
    """Run by :meth:`Executor.warm` on each worker: the engine and the kernels' module."""
    from kaname import kernels

    load_plugins()
    engine_for_key(key)
    if kernels.kernel_name() == "numba":
        kernels.numba_module()


def probe_worker(chunk_dir: str, token: str) -> dict[str, Any]:
    """Run on each Dask worker by :meth:`DaskExecutor.store_mode`: the worker's host, its
    ``MALLOC_TRIM_THRESHOLD_``, and (given a `chunk_dir`) what stops it from using the
    run store there — None when it reads the driver's probe file and writes beside it."""
    from kaname.files import atomic_write
    from kaname.store.manifest import describe_oserror

    answer: dict[str, Any] = {"host": _hostname(), "trim": os.environ.get(TRIM_ENV),
                              "problem": None, "computes": worker_computes()}
    if not chunk_dir:
        return answer
    path = Path(chunk_dir) / f"{PROBE_PREFIX}{token}"
    try:
        seen = path.read_bytes()
    except OSError as exc:
        answer["problem"] = f"cannot read it at that path ({describe_oserror(exc)})"
        return answer
    if seen != token.encode():
        answer["problem"] = "sees another directory at that path"
        return answer
    mine = path.with_name(f"{path.name}-{os.getpid()}")
    try:
        atomic_write(mine, b"")
        mine.unlink()
    except OSError as exc:
        answer["problem"] = f"cannot write into it ({describe_oserror(exc)})"
    return answer


def worker_computes() -> dict[str, str]:
    """What fixes a worker's numbers: kaname's version and data library (must equal the
    driver's, else the run would mix models), and the numerical packages and kernels
    (may differ only in the last bits)."""
    from kaname.store.manifest import data_library_digest, package_versions

    versions = package_versions()
    return {"kaname": versions["kaname"], "data library": data_library_digest(),
            **{k: versions[k] for k in ("numpy", "scipy", "kernels")}}


def _hostname() -> str:
    import socket

    return socket.gethostname()


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

    def store_mode(self, run_dir: Path, shared: bool | None = None) -> tuple[bool, list[str]]:
        """Whether workers write their chunks into `run_dir` themselves (a shared run
        store) or send the bytes back to the driver, given the user's `shared` choice
        (None: decide), and warnings to show. Workers on this machine see the run
        directory, so the default is shared."""
        return shared is not False, []

    def warm(self, key: EngineKey) -> None:
        """Have every worker build its engine for `key` (and import the compiled kernels)
        now, while the driver writes the run's design, instead of in its first chunk;
        does not wait. Serial: the driver's own engine is used."""

    def close(self) -> None:
        """Stop: cancel what has not started; do not wait for a whole run."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _compare_computes(answers: Mapping[str, Any]) -> list[str]:
    """Refuse workers whose kaname or data library differs from the driver's (one line
    naming the first); warn about other numerical packages (the last bits may differ)."""
    mine = worker_computes()
    notes = []
    for addr, answer in sorted(answers.items()):
        theirs = answer.get("computes") if isinstance(answer, dict) else None
        if not isinstance(theirs, dict):
            continue
        for what in ("kaname", "data library"):
            if theirs.get(what) != mine[what]:
                raise InputError(f"Dask worker {addr} has {what} {theirs.get(what)}, this "
                                 f"process {mine[what]}; install the same kaname and data "
                                 f"library on every worker (docs/cluster.md)",
                                 key="--scheduler")
        other = [f"{k} {theirs.get(k)} (here {v})" for k, v in mine.items()
                 if k not in ("kaname", "data library") and theirs.get(k) != v]
        if other:
            notes.append(f"Dask worker {addr} has {', '.join(other)}: its chunks may differ "
                         f"from this machine's in the last bits (docs/cluster.md)")
    return notes


class SerialExecutor(Executor):
    name = "serial"

    def __init__(self, engine: Engine | None = None, key: EngineKey | None = None):
        if engine is not None and key is not None:
            _engines.setdefault(key, engine)  # reuse the driver's engine in-process

    def imap_unordered(self, tasks: Iterator[ChunkTask]) -> Iterator[ChunkOutcome]:
        """Chunk k+1 evaluates while a background thread encodes and writes chunk k."""
        yield from pipelined(tasks)


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

    def warm(self, key: EngineKey) -> None:
        for _ in range(self.workers):  # forked workers already hold the driver's engine
            self._pool.submit(warm_worker, key)

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
        # A lost connection is reported once, by kaname, in one line (ClusterLost); the
        # client's batched sender would also log it, traceback and all, at INFO.
        logging.getLogger("distributed.batched").setLevel(logging.WARNING)
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
            import dask

            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in a worker's environment
            # (config distributed.nanny.pre-spawn-environ). Setting it at all turns off
            # glibc's dynamic mmap threshold, so every large numpy temporary is mmapped and
            # unmapped again: kaname's chunks ran 3x slower. None leaves it unset.
            with dask.config.set({TRIM_CONFIG: None}):
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=logging.ERROR)
            self._client = Client(self._cluster, set_as_default=False)
        self._address = scheduler or self._client.scheduler.address
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._warming: list[Any] = []  # held until closed: a dropped future is cancelled

    def warm(self, key: EngineKey) -> None:
        for address in self._client.nthreads():
            self._warming.append(self._client.submit(
                warm_worker, key, workers=[address], allow_other_workers=False, pure=False,
                key=f"kaname-warm-{os.urandom(6).hex()}"))

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
            with warnings.catch_warnings():  # a design slice sent with --no-shared-store
                warnings.filterwarnings("ignore", message="Sending large graph")
                fut = self._client.submit(evaluate_chunk, task, pure=False, key=f"kaname-"
                                          f"chunk-{task.index}-{os.urandom(6).hex()}")
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
                outcome = self._result(fut, index, slowest)
                fut.release()
                progress = time.monotonic()
                slowest = max(slowest, outcome.seconds)
                yield outcome
                submit()

    def _result(self, fut: Any, index: int, slowest: float) -> ChunkOutcome:
        """A finished chunk's outcome. Its result lives on the worker that computed it: if
        that worker dies before the result is fetched, the scheduler recomputes the chunk,
        so waiting is bounded like any stall (then the cluster is probed, which raises
        when it has no workers left) instead of blocking for ever."""
        while True:
            try:
                return fut.result(timeout=self.stall_limit(slowest))
            except TimeoutError:
                self._check_connected()
                self._probe()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker
                return ChunkOutcome(index, {}, f"{type(exc).__name__}: {exc}")

    def store_mode(self, run_dir: Path, shared: bool | None = None) -> tuple[bool, list[str]]:
        """A LocalCluster shares this machine's run directory. Workers of an existing
        cluster (``--scheduler``) are asked: each must read a probe file the driver wrote
        into the run's chunk directory, at the same path, and write beside it. If one
        cannot, the default (`shared` None) is to send the bytes back (a warning says
        so); ``--shared-store`` (True) refuses in one line; ``--no-shared-store`` (False)
        skips the probe. Workers whose environment sets ``MALLOC_TRIM_THRESHOLD_`` get a
        warning (see docs/cluster.md)."""
        from kaname.store.layout import CHUNK_DIR
        from kaname.store.manifest import write_atomic, writing

        chunk_dir = os.path.abspath(run_dir / CHUNK_DIR)
        probe = self._cluster is None and shared is not False
        token = os.urandom(8).hex()
        path = Path(chunk_dir) / f"{PROBE_PREFIX}{token}"
        if probe:
            with writing(run_dir, "a probe file for the Dask workers"):
                write_atomic(path, token.encode())
        try:
            answers = self._client.run(probe_worker, chunk_dir if probe else "", token,
                                       on_error="return", callback_timeout=DASK_PROBE_S)
        except Exception as exc:  # noqa: BLE001 - TimeoutError, CommClosedError, ...
            answers = {"?": exc}
        finally:
            path.unlink(missing_ok=True)
        notes = _compare_computes(answers)
        trims = sorted({str(a["trim"]) for a in answers.values()
                        if isinstance(a, dict) and a.get("trim") is not None})
        if trims:
            notes.append(f"Dask workers have {TRIM_ENV}={'/'.join(trims)} in their "
                            f"environment, which makes kaname's large arrays slow; start "
                            f"them without it (docs/cluster.md)")
        if not probe:
            return shared is not False, notes
        problems = {addr: (a["problem"] if isinstance(a, dict) else
                           f"did not answer ({type(a).__name__}: {a})")
                    for addr, a in answers.items()
                    if not isinstance(a, dict) or a.get("problem")}
        if not problems:
            return True, notes
        addr, problem = next(iter(sorted(problems.items())))
        what = (f"{len(problems)} of {max(len(answers), 1)} Dask workers cannot use the run "
                f"directory {run_dir} (worker {addr}: {problem})")
        if shared:
            raise InputError(f"{what}; put the run directory on a file system every worker "
                             f"mounts at the same path, or run with --no-shared-store",
                             key="--shared-store")
        notes.append(f"{what}; the workers send each chunk's bytes to the driver instead "
                        f"(--no-shared-store)")
        return False, notes

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
