"""The manifest of a run directory, checksums, and :class:`RunStore` (the one writer).

Why this shape: a chunk file is written whole or not at all (temp file, fsync, rename) and
its SHA-256 goes into the manifest only after the rename, so a killed run leaves either a
finished chunk with a checksum or nothing that will be trusted. Every read checks the
checksum first: a half-written or corrupted file is never read, only recomputed on resume.
The manifest itself is replaced atomically. :mod:`kaname.catalog` lists every run and
gives SQL access to one.

Beside each chunk the writer puts its record, ``chunks/NNNNN.json`` (format
``kaname-chunk/1``: run id, run parameters, futures, each file's SHA-256), before the
chunk's files and the manifest entry that names them: without the manifest, ``kaname runs
repair`` (:mod:`kaname.store.repair`) proves a chunk intact from its record alone.

Any failure to write (a full disk, a read-only or unwritable directory, a quota) is a
:class:`StoreWriteError`: one line naming the run directory and what was being written.
Nothing half-written is ever marked done — the chunk being written stays pending in the
manifest, its partial files are removed, and ``kaname explore --resume`` recomputes it.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import platform
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from kaname import __version__, files
from kaname.chunking import plan_chunks
from kaname.errors import InputError
from kaname.store.codec import decode_design, design_writer
from kaname.store.layout import (
    CHUNK_DIR,
    CHUNK_FORMAT,
    DESIGN_FILE,
    FORMAT,
    FROZEN_SCENARIO,
    MANIFEST,
    chunk_file,
    record_file,
)
from kaname.store.schema import ManifestError, validate_manifest

if TYPE_CHECKING:
    import pyarrow as pa

    from kaname.sampling import Futures
    from kaname.scenario import Scenario

PENDING, DONE, FAILED = "pending", "done", "failed"
SAVE_EVERY_S = 0.5  # manifest rewrites are throttled; a lost update only means a recompute
VERSIONED = ("numpy", "scipy", "pandas", "xarray", "pyarrow", "duckdb", "dask", "distributed")


# --------------------------------------------------------------------------- small helpers

def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Temp file in the same directory, fsync, rename: whole or absent, never half.
    `data` is the bytes, or a function writing into the open file (the design).

    Every write of the store goes through this one function (tests replace it to inject
    ENOSPC, EROFS, EACCES or EDQUOT)."""
    files.atomic_write(path, data)


# --------------------------------------------------------------------------- write failures

_WHAT = {errno.ENOSPC: "no space left on device", errno.EROFS: "read-only file system",
         errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
         errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large",
         errno.EIO: "input/output error"}
_FIX = {errno.ENOSPC: "free space", errno.EDQUOT: "free space or raise the quota",
        errno.EROFS: "make the directory writable", errno.EACCES: "make the directory "
        "writable", errno.EPERM: "make the directory writable"}


def describe_oserror(exc: OSError) -> str:
    """``no space left on device`` for ENOSPC, and so on: what happened, in words."""
    return _WHAT.get(exc.errno or 0) or (exc.strerror or str(exc) or type(exc).__name__).lower()


class StoreWriteError(InputError):
    """A run directory could not be written (disk full, read-only, permission, quota).

    An environment problem the user fixes; the run stays consistent and resumable. The
    message names the run directory (as :attr:`file`), what was being written and how to
    go on, in one line."""

    def __init__(self, root: Path, what: str, exc: OSError, *, resumable: bool = True):
        self.errno = exc.errno
        self.what = what
        self.oserror = exc
        self.resumable = resumable
        fix = _FIX.get(exc.errno or 0, "fix the problem")
        then = (f"the run is resumable: {fix} and run kaname explore --resume {root}"
                if resumable else f"the run was not started (nothing written is kept): "
                f"{fix} and run the same kaname explore command again")
        super().__init__(f"{describe_oserror(exc)} while writing {what}; {then}",
                         file=str(root))


@contextmanager
def writing(root: Path, what: str) -> Iterator[None]:
    """Turn any OSError raised inside into a :class:`StoreWriteError` about `what`."""
    try:
        yield
    except StoreWriteError:
        raise
    except OSError as exc:
        raise StoreWriteError(root, what, exc) from None


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"kaname": __version__, "python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = "absent"
    from kaname.kernels import describe

    out["kernels"] = describe()  # numpy or numba X: may differ in the last bits (kaname.kernels)
    return out


def data_library_hashes() -> dict[str, str]:
    """SHA-256 of each bundled data file and each file in ``$KANAME_DATA``: a changed
    default would change the numbers, so a resume must notice."""
    out = {}
    pkg = resources.files("kaname.data")
    for item in sorted(pkg.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            out[f"kaname/data/{item.name}"] = sha256_bytes(item.read_bytes())
    for p in filter(None, os.environ.get("KANAME_DATA", "").split(os.pathsep)):
        paths = sorted(Path(p).glob("*.yaml")) if Path(p).is_dir() else [Path(p)]
        for f in paths:
            if f.is_file():
                out[str(f.resolve())] = sha256_file(f)
    return out


def data_library_digest(hashes: Mapping[str, str] | None = None) -> str:
    """One SHA-256 for the whole data library (of `hashes`, :func:`data_library_hashes` by
    default): what a citation quotes, so that two runs on the same data say so."""
    hashes = data_library_hashes() if hashes is None else hashes
    lines = "".join(f"{name}\t{digest}\n" for name, digest in sorted(hashes.items()))
    return sha256_bytes(lines.encode("utf-8"))


def versions_changed(recorded: Mapping[str, str]) -> list[str]:
    current = package_versions()
    return [f"{k} {recorded[k]} -> {current.get(k)}" for k in recorded
            if current.get(k) != recorded[k]]


# --------------------------------------------------------------------------- checksums

_verified: dict[tuple[str, int, int], str] = {}


class CorruptChunkError(InputError):
    """A chunk file is missing or does not match its checksum."""


def verify(path: Path, expected: str, *, run_dir: Path | None = None) -> None:
    """Raise unless `path` hashes to `expected` (memoised per size and mtime)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise CorruptChunkError(_corrupt_message(path, "is missing", run_dir)) from None
    key = (str(path), st.st_size, st.st_mtime_ns)
    if _verified.get(key) == expected:
        return
    if sha256_file(path) != expected:
        raise CorruptChunkError(_corrupt_message(path, "does not match its checksum "
                                                 "(half-written or corrupted)", run_dir))
    _verified[key] = expected


def _corrupt_message(path: Path, what: str, run_dir: Path | None) -> str:
    hint = f"; recompute it with `kaname explore --resume {run_dir}`" if run_dir else ""
    return f"{path}: {what}{hint}"


# --------------------------------------------------------------------------- chunk files

VISIBLE_WITHIN_S = 5.0  # how long the driver waits to see a worker's files (NFS caches)


def chunk_record(run: Mapping[str, Any], k: int, start: int, stop: int, seconds: float,
                 recorded: Mapping[str, Any]) -> dict[str, Any]:
    """A chunk's record (``chunks/NNNNN.json``, format ``kaname-chunk/1``): the run's
    parameters (:meth:`RunStore.run_record`), its place, each file's SHA-256 and size."""
    return {"format": CHUNK_FORMAT, **run, "index": k, "start": int(start),
            "stop": int(stop), "seconds": round(seconds, 4), "files": dict(recorded)}


def write_chunk(chunk_dir: Path, run: Mapping[str, Any], k: int, start: int, stop: int,
                files: Mapping[str, bytes], seconds: float) -> dict[str, dict[str, Any]]:
    """Write chunk `k`'s record, then its files, each atomically (temp name in
    `chunk_dir`, fsync, rename) through :func:`write_atomic`; return ``{name: {sha256,
    bytes}}``. The driver (:meth:`RunStore.record_done`) and a worker writing into a
    shared run store both call it. On any OSError what this call wrote is removed (best
    effort) and the error propagates: nothing half-written appears under a final name.

    The record goes first: it is only a claim (``kaname runs repair`` trusts a chunk only
    if every file hashes to what the record says), and the files, written last, are then
    put in the manifest at once, by the driver, after they are on disk."""
    recorded = {name: {"sha256": sha256_bytes(data), "bytes": len(data)}
                for name, data in files.items()}
    record = chunk_record(run, k, start, stop, seconds, recorded)
    written = [chunk_dir / record_file(k)]
    try:
        write_atomic(written[0], json.dumps(record, indent=1).encode("utf-8"))
        for name, data in files.items():
            written.append(chunk_dir / name)
            write_atomic(written[-1], data)
    except OSError:
        for path in written:  # best effort: a partial chunk must not eat the space
            with suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    return recorded


def _missing(chunk_dir: Path, expected: Mapping[str, int | None]) -> str | None:
    """What is wrong with a chunk's files on disk (None: each exists, of its size)."""
    for name, size in expected.items():
        try:
            st = (chunk_dir / name).stat()
        except FileNotFoundError:
            return f"{name} is missing"
        if size is not None and st.st_size != size:
            return f"{name} has {st.st_size} bytes, not {size}"
    return None


# --------------------------------------------------------------------------- the store

class RunStore:
    """A run directory and its manifest. Only the driver process writes the manifest."""

    def __init__(self, root: Path, manifest: dict[str, Any]):
        self.root = root
        self.manifest = manifest
        self._last_save = 0.0

    # ---- creation and opening

    @staticmethod
    def prepare_dir(root: Path) -> None:
        """Create `root` (refusing one that is not empty) and prove it is writable."""
        if root.exists() and not root.is_dir():
            raise InputError("exists and is not a directory", file=str(root), key="run_dir")
        if root.is_dir() and any(root.iterdir()):
            raise InputError("run directory is not empty; choose a new one, or finish an "
                             "interrupted run with `kaname explore --resume DIR`",
                             file=str(root), key="run_dir")
        try:
            (root / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
            probe = root / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise InputError(f"cannot write the run directory: {exc.strerror or exc}",
                             file=str(root), key="run_dir") from None

    def check_writable(self) -> None:
        """Refuse (one line, before any work) a run directory that cannot be written."""
        for where in (self.root, self.root / CHUNK_DIR):
            probe = where / ".write-probe"
            try:
                where.mkdir(exist_ok=True)
                write_atomic(probe, b"")
                probe.unlink()
            except OSError as exc:
                with suppress(OSError):
                    probe.unlink(missing_ok=True)
                raise InputError(f"run directory cannot be written ({describe_oserror(exc)}"
                                 f"); {_FIX.get(exc.errno or 0, 'fix the problem')} and run "
                                 f"kaname explore --resume {self.root}",
                                 file=str(self.root)) from None

    def run_record(self) -> dict[str, Any]:
        """The run's parameters as each chunk record and the design file carry them."""
        m = self.manifest
        return {"run_id": m["run_id"], "futures": int(m["futures"]),
                "futures_per_chunk": int(m["chunking"]["futures_per_chunk"]),
                "keep_series": int(m["keep_series"]), "seed": int(m["seed"]["root"]),
                "design": m["design"]["method"], "scenario_sha256": m["scenario"]["sha256"],
                "data_library_sha256": data_library_digest(m["data_library"])}

    @classmethod
    def create(cls, root: Path, *, scenario: Scenario, layout: dict[str, Any], futures: int,
               design: str, seed: int, futures_per_chunk: int, keep_series: int,
               design_futures: Futures | None) -> RunStore:
        """Write the frozen scenario, the design (joint designs only: `design_futures`,
        written chunk by chunk) and the manifest into `root`, which :meth:`prepare_dir`
        has made (it refuses a non-empty one)."""
        text = scenario.text.encode("utf-8")
        run_id = uuid.uuid4().hex
        what = "the frozen scenario.yaml"
        design_entry: dict[str, Any] = {"method": design, "futures": futures, "file": None}
        try:
            write_atomic(root / FROZEN_SCENARIO, text)
            if design_futures is not None:
                what = "the design"
                writer = design_writer(design_futures, futures_per_chunk, run={
                    "run_id": run_id, "futures": int(futures),
                    "futures_per_chunk": int(futures_per_chunk),
                    "keep_series": int(keep_series), "seed": int(seed), "design": design,
                    "scenario_sha256": sha256_bytes(text)})
                write_atomic(root / DESIGN_FILE, writer)
                design_entry.update(file=DESIGN_FILE, sha256=sha256_file(root / DESIGN_FILE))
        except OSError as exc:
            cls._undo_create(root)
            raise StoreWriteError(root, what, exc, resumable=False) from None
        source = Path(scenario.source)
        manifest = {
            "format": FORMAT, "integrity": CHUNK_FORMAT, "run_id": run_id, "created": now(),
            "updated": now(),
            "status": "running",
            "scenario": {"name": scenario.name, "file": FROZEN_SCENARIO,
                         "source": str(source.resolve()) if source.exists() else scenario.source,
                         "sha256": sha256_bytes(text),
                         "settings": scenario.settings.model_dump(),
                         "models": scenario.models,
                         **({"sets": scenario.sets} if scenario.sets else {})},
            "design": design_entry,
            "seed": {"root": int(seed), "design_stream": "SeedSequence(root, spawn_key=(0, b)) "
                     "per 4096-future block (mc) or (0,) for the joint design",
                     "model_stream": "SeedSequence(root, spawn_key=(1, k)) for chunk k"},
            "futures": futures, "keep_series": keep_series,
            "chunking": {"futures_per_chunk": futures_per_chunk,
                         "samples_per_chunk": futures_per_chunk * len(layout["policies"])},
            "versions": package_versions(),
            "data_library": data_library_hashes(),
            "layout": layout,
            "chunks": [{"index": k, "start": s, "stop": e, "status": PENDING}
                       for k, (s, e) in enumerate(plan_chunks(futures, futures_per_chunk,
                                                              keep_series))],
        }
        store = cls(root, manifest)
        try:
            store.save(force=True)
        except StoreWriteError as exc:
            cls._undo_create(root)
            raise StoreWriteError(root, "the manifest", exc.oserror,
                                  resumable=False) from None
        return store

    @staticmethod
    def _undo_create(root: Path) -> None:
        """Remove what :meth:`create` wrote (the directory was new or empty), so the same
        command can simply be run again; best effort."""
        for name in (MANIFEST, DESIGN_FILE, FROZEN_SCENARIO):
            with suppress(OSError):
                (root / name).unlink(missing_ok=True)
        for d in (root / CHUNK_DIR, root):
            with suppress(OSError):
                d.rmdir()

    @classmethod
    def open(cls, root: str | Path) -> RunStore:
        """Open a run directory, its manifest checked by
        :func:`kaname.store.schema.validate_manifest` (one line naming the file and key)."""
        root = Path(root)
        path = root / MANIFEST
        if not root.is_dir():
            raise InputError("run directory does not exist", file=str(root))
        if not path.is_file():
            if (root / FROZEN_SCENARIO).is_file():
                raise InputError(f"is not a kaname run directory (no manifest.json); its "
                                 f"{FROZEN_SCENARIO} is there: kaname runs repair {root} "
                                 f"rebuilds the manifest from it and the intact chunks",
                                 file=str(root))
            raise InputError("is not a kaname run directory (no manifest.json)", file=str(root))
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"manifest cannot be read: {describe_oserror(exc)}",
                             file=str(path)) from None
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ManifestError(path, "", "not UTF-8 text (corrupted)") from None
        except ValueError as exc:
            what = f"truncated or corrupted JSON ({exc.msg} at line {exc.lineno} column " \
                   f"{exc.colno})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise ManifestError(path, "", what) from None
        return cls(root, validate_manifest(manifest, path, expected_format=FORMAT))

    # ---- manifest

    def save(self, force: bool = False) -> None:
        import time

        t = time.monotonic()
        if not force and t - self._last_save < SAVE_EVERY_S:
            return
        self.manifest["updated"] = now()
        with writing(self.root, "the manifest"):
            write_atomic(self.root / MANIFEST,
                         json.dumps(self.manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        self._last_save = t

    @property
    def chunks(self) -> list[dict[str, Any]]:
        return self.manifest["chunks"]

    @property
    def layout(self) -> dict[str, Any]:
        return self.manifest["layout"]

    @property
    def policies(self) -> list[str]:
        return list(self.layout["policies"])

    def counts(self) -> dict[str, int]:
        out = {PENDING: 0, DONE: 0, FAILED: 0}
        for c in self.chunks:
            out[c["status"]] += 1
        return out

    def finish(self) -> str:
        counts = self.counts()
        status = "complete" if counts[DONE] == len(self.chunks) else (
            "failed" if counts[FAILED] else "incomplete")
        self.manifest["status"] = status
        self.save(force=True)
        return status

    # ---- chunks

    def record_done(self, k: int, files: Mapping[str, bytes], seconds: float) -> None:
        """Write a chunk's record (``chunks/NNNNN.json``), then its files, atomically, then
        (and only then) put their checksums in the manifest. A write that fails (disk full,
        read-only...) removes what this chunk wrote, leaves its entry pending and raises
        :class:`StoreWriteError`. (A worker that writes its own files calls
        :func:`write_chunk` itself; the driver then calls :meth:`record_written`.)"""
        entry = self.chunks[k]
        with writing(self.root, f"chunk {k}"):
            recorded = write_chunk(self.root / CHUNK_DIR, self.run_record(), k,
                                   int(entry["start"]), int(entry["stop"]), files, seconds)
        self._mark_done(k, recorded, seconds)

    def record_written(self, k: int, recorded: Mapping[str, Mapping[str, Any]],
                       seconds: float) -> None:
        """Put chunk `k` in the manifest as done from files a worker has already written
        (with :func:`write_chunk`: record first, then the files, each atomically) and
        checksummed. Checked here: the record and every file exist with the byte count the
        worker gave (their checksums are verified whenever they are read or resumed). A
        chunk whose files are not there — a worker that wrote into a directory the driver
        does not see — stays pending, and this raises one line (:class:`StoreWriteError`
        is for the driver's own writes; this is an :class:`InputError`)."""
        import time

        chunk_dir = self.root / CHUNK_DIR
        expected = {record_file(k): None, **{name: int(meta["bytes"])
                                             for name, meta in recorded.items()}}
        deadline = time.monotonic() + VISIBLE_WITHIN_S
        while True:
            problem = _missing(chunk_dir, expected)
            if problem is None:
                break
            if time.monotonic() > deadline:  # a shared file system may show files late
                raise InputError(
                    f"chunk {k}: the worker reported its files written, but {problem} in "
                    f"{chunk_dir} (is the run directory on a file system the workers share, "
                    f"at the same path? If not, run with --no-shared-store); the run is "
                    f"resumable: kaname explore --resume {self.root}", file=str(self.root))
            time.sleep(0.1)
        self._mark_done(k, {name: {"sha256": str(meta["sha256"]), "bytes": int(meta["bytes"])}
                            for name, meta in recorded.items()}, seconds)

    def _mark_done(self, k: int, recorded: Mapping[str, Any], seconds: float) -> None:
        self.chunks[k].update(status=DONE, files=dict(recorded), seconds=round(seconds, 4),
                              error=None)
        self.save()

    def record_failed(self, k: int, error: str) -> None:
        entry = self.chunks[k]
        entry.update(status=FAILED, error=error, files={})
        with suppress(OSError):
            (self.root / CHUNK_DIR / record_file(k)).unlink(missing_ok=True)
        self.save()

    def chunk_ok(self, k: int) -> bool:
        entry = self.chunks[k]
        if entry["status"] != DONE:
            return False
        try:
            for name, meta in entry.get("files", {}).items():
                verify(self.root / CHUNK_DIR / name, meta["sha256"])
        except CorruptChunkError:
            return False
        return True

    def todo(self) -> list[int]:
        """Chunks to (re)compute: pending, failed, or done but missing/corrupted. Leftover
        temp files from a killed writer are removed; an unrecorded chunk file is ignored."""
        for tmp in (self.root / CHUNK_DIR).glob(".*.part"):
            tmp.unlink(missing_ok=True)
        out = []
        for c in self.chunks:
            if not self.chunk_ok(c["index"]):
                if c["status"] == DONE:
                    c.update(status=PENDING, files={}, error="recomputed: file missing or "
                             "corrupted")
                out.append(c["index"])
        return out

    def design_table(self) -> pa.Table | None:
        """The stored joint design (row group k = chunk k), checksum-verified."""
        entry = self.manifest["design"]
        if not entry.get("file"):
            return None
        path = self.root / entry["file"]
        verify(path, entry["sha256"], run_dir=self.root)
        return decode_design(path)

    def chunk_paths(self) -> list[Path]:
        """Verified chunk files of done chunks, in chunk order (a corrupted one raises)."""
        out = []
        for c in self.chunks:
            if c["status"] != DONE:
                continue
            name = chunk_file(c["index"])
            verify(self.root / CHUNK_DIR / name, c["files"][name]["sha256"], run_dir=self.root)
            out.append(self.root / CHUNK_DIR / name)
        return out

    def require_complete(self) -> None:
        counts = self.counts()
        if counts[DONE] != len(self.chunks):
            raise InputError(
                f"run is incomplete: {counts[DONE]} of {len(self.chunks)} chunks done, "
                f"{counts[FAILED]} failed; finish it with `kaname explore --resume "
                f"{self.root}`", file=str(self.root))
