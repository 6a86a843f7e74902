"""The run store: one directory per ensemble run, safe against kills and corruption.

Layout of a run directory::

    scenario.yaml           frozen copy of the scenario file the run started from
    manifest.json           design, root seed, versions, layout, every chunk's status
    design.parquet          the joint design (Latin hypercube, Sobol) — Monte Carlo needs none
    chunks/NNNNN.parquet    chunk k: its futures under every policy, one row per sample
    chunks/NNNNN.series.parquet   daily series of the chunk's kept futures (``--keep-series``)

Why this shape: a chunk file is written whole or not at all (temp file, fsync, rename) and
its SHA-256 goes into the manifest only after the rename, so a killed run leaves either a
finished chunk with a checksum or nothing that will be trusted. Every read checks the
checksum first: a half-written or corrupted file is never read, only recomputed on resume.
The manifest itself is replaced atomically. :mod:`kaname.catalog` lists every run and
gives SQL access to one.

Rows inside a chunk are policy-major (every future of the chunk under the first policy,
then the second...), so an export ordered by policy then future is a merge, not a sort.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import itertools
import json
import os
import platform
import uuid
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname import __version__, files
from kaname.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

    from kaname.engine import Engine
    from kaname.results import Results
    from kaname.scenario import Scenario

FORMAT = "kaname-run/1"
MANIFEST = "manifest.json"
FROZEN_SCENARIO = "scenario.yaml"
DESIGN_FILE = "design.parquet"
CHUNK_DIR = "chunks"
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


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename: whole or absent, never half."""
    files.atomic_write(path, data)


def chunk_bounds(n: int, futures_per_chunk: int) -> list[tuple[int, int]]:
    """Chunk k covers futures [k*K, min(n, (k+1)*K)): fixed by n and K alone."""
    return [(s, min(n, s + futures_per_chunk)) for s in range(0, n, futures_per_chunk)]


def chunk_file(k: int) -> str:
    return f"{k:05d}.parquet"


def series_file(k: int) -> str:
    return f"{k:05d}.series.parquet"


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"kaname": __version__, "python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[name] = "absent"
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


# --------------------------------------------------------------------------- layout

def _cells(dims: Sequence[str], coords: Mapping[str, Sequence[str]]) -> list[str]:
    """Column suffixes for an output's extra dims, the way ``Results.to_frame`` names them."""
    if not dims:
        return [""]
    labels = [list(coords[d]) for d in dims]
    if len(dims) == 1:
        return [f"[{x}]" for x in labels[0]]
    return ["[" + ",".join(str(c) for c in cell) + "]" for cell in itertools.product(*labels)]


def layout_for(engine: Engine, scenario: Scenario, policies: Sequence[str],
               levers: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Everything needed to write and read chunks without an engine: columns, labels,
    dims, units. Stored in the manifest, so opening a run never rebuilds the models."""
    from kaname.run import _attrs

    def attrs(path: str) -> dict[str, Any]:  # the same variable attributes as kaname.run
        return dict(_attrs(engine.outputs[path]))

    def input_entry(path: str) -> dict[str, Any]:
        spec = engine.inputs[path]
        return {"path": path, "categories": list(spec.categories)
                if spec.kind == "category" else None}

    outputs, series = [], []
    for path, spec in engine.outputs.items():
        entry = {"path": path, "dims": list(spec.dims),
                 "shape": [len(engine.coords[d]) for d in spec.dims], "attrs": attrs(path)}
        if spec.series:
            series.append(entry)
        else:
            entry["columns"] = [path + c for c in _cells(spec.dims, engine.coords)]
            outputs.append(entry)
    lever_entries = []
    for path, values in levers.items():
        e = input_entry(path)
        e["values"] = [float(v) for v in values]
        lever_entries.append(e)
    return {
        "policies": list(policies),
        "uncertainties": [input_entry(p) for p in scenario.uncertainties],
        "levers": lever_entries,
        "outputs": outputs,
        "series": series,
        "coords": {d: list(v) for d, v in engine.coords.items()},
        "coord_labels": engine.coord_labels,
    }


def _labels(values: np.ndarray, categories: Sequence[str] | None) -> np.ndarray:
    if categories is None:
        return np.asarray(values, dtype=float)
    return np.asarray(categories, dtype=object)[np.asarray(values).astype(int)]


# --------------------------------------------------------------------------- chunk encoding

def encode_chunk(layout: Mapping[str, Any], start: int, futures: Mapping[str, np.ndarray],
                 outputs: Mapping[str, np.ndarray]) -> bytes:
    """Parquet bytes of one chunk: rows policy-major, then future; outputs as (P, n, ...)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    policies = layout["policies"]
    P = len(policies)
    n = len(next(iter(futures.values()))) if futures else \
        next(iter(outputs.values())).shape[1]
    names = ["policy", "future"]
    arrays: list[pa.Array] = [
        pa.array(np.repeat(np.asarray(policies, dtype=object), n), pa.string()),
        pa.array(np.tile(np.arange(start, start + n, dtype=np.int64), P))]
    for u in layout["uncertainties"]:
        names.append(u["path"])
        arrays.append(pa.array(np.tile(_labels(futures[u["path"]], u["categories"]), P)))
    for lever in layout["levers"]:
        names.append(lever["path"])
        arrays.append(pa.array(np.repeat(_labels(np.array(lever["values"]),
                                                 lever["categories"]), n)))
    for out in layout["outputs"]:
        arr = np.asarray(outputs[out["path"]])
        flat = arr.reshape(P * n, -1)
        for j, column in enumerate(out["columns"]):
            names.append(column)
            arrays.append(pa.array(np.ascontiguousarray(flat[:, j])))
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buf, compression="zstd",
                   compression_level=1, row_group_size=1 << 20)
    return buf.getvalue()


def encode_series(layout: Mapping[str, Any], start: int, keep: int,
                  outputs: Mapping[str, np.ndarray]) -> bytes | None:
    """Daily series of the chunk's futures below `keep`; one list column per output."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not layout["series"] or start >= keep:
        return None
    P = len(layout["policies"])
    first = outputs[layout["series"][0]["path"]]
    m = min(first.shape[1], keep - start)
    names = ["policy", "future"]
    arrays: list[pa.Array] = [
        pa.array(np.repeat(np.asarray(layout["policies"], dtype=object), m)),
        pa.array(np.tile(np.arange(start, start + m, dtype=np.int64), P))]
    for s in layout["series"]:
        arr = np.asarray(outputs[s["path"]], dtype=float)[:, :m]
        width = int(np.prod(s["shape"])) if s["shape"] else 1
        values = pa.array(np.ascontiguousarray(arr).reshape(-1))
        names.append(s["path"])
        arrays.append(pa.FixedSizeListArray.from_arrays(values, width))
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buf, compression="zstd",
                   compression_level=1)
    return buf.getvalue()


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
            raise InputError("exists and is not a directory", file=str(root), key="--run-dir")
        if root.is_dir() and any(root.iterdir()):
            raise InputError("run directory is not empty; choose a new one, or finish an "
                             "interrupted run with `kaname explore --resume DIR`",
                             file=str(root), key="--run-dir")
        try:
            (root / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
            probe = root / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise InputError(f"cannot write the run directory: {exc.strerror or exc}",
                             file=str(root), key="--run-dir") from None

    @classmethod
    def create(cls, root: Path, *, scenario: Scenario, layout: dict[str, Any], futures: int,
               design: str, seed: int, futures_per_chunk: int, keep_series: int,
               design_columns: Mapping[str, np.ndarray] | None) -> RunStore:
        """Write the frozen scenario, the design (joint designs only) and the manifest
        into `root`, which :meth:`prepare_dir` has made (it refuses a non-empty one)."""
        text = scenario.text.encode("utf-8")
        write_atomic(root / FROZEN_SCENARIO, text)
        design_entry: dict[str, Any] = {"method": design, "futures": futures, "file": None}
        if design_columns is not None:
            data = _encode_design(design_columns, futures_per_chunk)
            write_atomic(root / DESIGN_FILE, data)
            design_entry.update(file=DESIGN_FILE, sha256=sha256_bytes(data))
        source = Path(scenario.source)
        manifest = {
            "format": FORMAT, "run_id": uuid.uuid4().hex, "created": now(), "updated": now(),
            "status": "running",
            "scenario": {"name": scenario.name, "file": FROZEN_SCENARIO,
                         "source": str(source.resolve()) if source.exists() else scenario.source,
                         "sha256": sha256_bytes(text),
                         "settings": scenario.settings.model_dump(),
                         "models": scenario.models},
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
                       for k, (s, e) in enumerate(chunk_bounds(futures, futures_per_chunk))],
        }
        store = cls(root, manifest)
        store.save(force=True)
        return store

    @classmethod
    def open(cls, root: str | Path) -> RunStore:
        root = Path(root)
        path = root / MANIFEST
        if not root.is_dir():
            raise InputError("run directory does not exist", file=str(root))
        if not path.is_file():
            raise InputError("is not a kaname run directory (no manifest.json)", file=str(root))
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"manifest cannot be read: {exc}", file=str(path)) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputError(f"unknown run format; expected {FORMAT}", file=str(path))
        return cls(root, manifest)

    # ---- manifest

    def save(self, force: bool = False) -> None:
        import time

        t = time.monotonic()
        if not force and t - self._last_save < SAVE_EVERY_S:
            return
        self.manifest["updated"] = now()
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
        """Write a chunk's files atomically, then (and only then) record their checksums."""
        entry = self.chunks[k]
        recorded = {}
        for name, data in files.items():
            write_atomic(self.root / CHUNK_DIR / name, data)
            recorded[name] = {"sha256": sha256_bytes(data), "bytes": len(data)}
        entry.update(status=DONE, files=recorded, seconds=round(seconds, 4), error=None)
        self.save()

    def record_failed(self, k: int, error: str) -> None:
        entry = self.chunks[k]
        entry.update(status=FAILED, error=error, files={})
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
        import pyarrow.parquet as pq

        entry = self.manifest["design"]
        if not entry.get("file"):
            return None
        path = self.root / entry["file"]
        verify(path, entry["sha256"], run_dir=self.root)
        return pq.read_table(path)

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


def _encode_design(columns: Mapping[str, np.ndarray], futures_per_chunk: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({path: np.asarray(v, dtype=float) for path, v in columns.items()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=1,
                   row_group_size=futures_per_chunk)
    return buf.getvalue()


# --------------------------------------------------------------------------- lazy results

def _read_block(path: str, sha: str, columns: list[str], P: int, n: int,
                shape: tuple[int, ...]) -> np.ndarray:
    """(P, n, *shape) from one chunk's columns, after checking the file's checksum."""
    import pyarrow.parquet as pq

    verify(Path(path), sha, run_dir=Path(path).parent.parent)
    table = pq.read_table(path, columns=columns)
    stacked = np.column_stack([table.column(c).to_numpy() for c in columns])
    return stacked.reshape(P, n, *shape)


def _read_future_column(path: str, sha: str, column: str, n: int) -> np.ndarray:
    import pyarrow.parquet as pq

    verify(Path(path), sha, run_dir=Path(path).parent.parent)
    values = pq.read_table(path, columns=[column]).column(column).slice(0, n)
    return values.to_numpy(zero_copy_only=False)


def _read_series(path: str, sha: str, column: str, P: int, m: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    import pyarrow.parquet as pq

    verify(Path(path), sha, run_dir=Path(path).parent.parent)
    col = pq.read_table(path, columns=[column]).column(column).combine_chunks()
    return col.values.to_numpy().reshape(P, m, *shape)


def open_results(run_dir: str | Path) -> Results:
    """The run's results as :class:`kaname.results.Results` over a lazily loaded Dataset.

    Every variable is a dask array with one block per chunk; a block is read (after its
    checksum is verified) only when computed. Refuses an incomplete run.
    """
    import dask
    import dask.array as da
    import xarray as xr

    from kaname.results import Results

    store = RunStore.open(run_dir)
    store.require_complete()
    m, layout = store.manifest, store.layout
    policies = layout["policies"]
    P, n = len(policies), int(m["futures"])
    root = store.root / CHUNK_DIR
    blocks = [(c, str(root / chunk_file(c["index"])),
               c["files"][chunk_file(c["index"])]["sha256"]) for c in store.chunks]
    schema = _schema(blocks[0][1], blocks[0][2])

    def lazy(columns: list[str], shape: tuple[int, ...], dtype: np.dtype) -> da.Array:
        parts = [da.from_delayed(dask.delayed(_read_block, pure=True)(
                    path, sha, columns, P, c["stop"] - c["start"], shape),
                    shape=(P, c["stop"] - c["start"], *shape), dtype=dtype)
                 for c, path, sha in blocks]
        return da.concatenate(parts, axis=1)

    coords: dict[str, Any] = {"policy": policies, "future": np.arange(n)}
    for dim, labels in layout["coords"].items():
        coords[dim] = list(labels)
        for lang, names in layout["coord_labels"].get(dim, {}).items():
            coords[f"{dim}_label_{lang}"] = (dim, [names.get(x, str(x)) for x in labels])
    for u in layout["uncertainties"]:
        dtype = np.dtype(object) if u["categories"] is not None else np.dtype(float)
        parts = [da.from_delayed(dask.delayed(_read_future_column, pure=True)(
                    path, sha, u["path"], c["stop"] - c["start"]),
                    shape=(c["stop"] - c["start"],), dtype=dtype) for c, path, sha in blocks]
        coords[u["path"]] = ("future", da.concatenate(parts))
    for lever in layout["levers"]:
        coords[lever["path"]] = ("policy", _labels(np.array(lever["values"]),
                                                   lever["categories"]))
    data_vars: dict[str, Any] = {}
    for out in layout["outputs"]:
        shape = tuple(out["shape"])
        dtype = np.dtype(schema[out["columns"][0]])
        data_vars[out["path"]] = (("policy", "future", *out["dims"]),
                                  lazy(out["columns"], shape, dtype), out["attrs"])
    keep = int(m["keep_series"])
    if keep and layout["series"]:
        coords["series_future"] = np.arange(min(keep, n))
        kept = [c for c in store.chunks if c["start"] < keep]
        for s in layout["series"]:
            shape = tuple(s["shape"])
            parts = []
            for c in kept:
                mm = min(c["stop"], keep) - c["start"]
                name = series_file(c["index"])
                parts.append(da.from_delayed(dask.delayed(_read_series, pure=True)(
                    str(root / name), c["files"][name]["sha256"], s["path"], P, mm, shape),
                    shape=(P, mm, *shape), dtype=float))
            data_vars[s["path"]] = (("policy", "series_future", *s["dims"]),
                                    da.concatenate(parts, axis=1), s["attrs"])
    settings = m["scenario"]["settings"]
    ds = xr.Dataset(data_vars, coords=coords, attrs={
        "scenario": m["scenario"]["name"], "seed": m["seed"]["root"],
        "design": m["design"]["method"], "futures": n, "base_year": settings["base_year"],
        "horizon_days": settings["horizon_days"], "kaname_version": m["versions"]["kaname"]})
    return Results(ds)


def _schema(path: str, sha: str) -> dict[str, str]:
    import pyarrow.parquet as pq

    verify(Path(path), sha, run_dir=Path(path).parent.parent)
    schema = pq.read_schema(path)
    return {f.name: f.type.to_pandas_dtype() for f in schema}


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


def versions_changed(recorded: Mapping[str, str]) -> list[str]:
    current = package_versions()
    return [f"{k} {recorded[k]} -> {current.get(k)}" for k in recorded
            if current.get(k) != recorded[k]]
