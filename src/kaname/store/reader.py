"""The one reader of run results: a run directory (complete, or partial from its finished
chunks) or a ``.nc`` file, as :class:`kaname.results.Results`.

A run directory opens lazily: every variable is a dask array with one block per finished
chunk, and a block is read only when computed — after its file's checksum is verified, so
a half-written or corrupted chunk is never read. A caller that reads many variables (the
report) asks for them loaded instead (``open_results(..., load=...)``): one pass over the
chunk files, each verified and read once, decoded into arrays allocated once for the whole
run. :class:`RunStatus` is the chunk accounting (done, failed, pending) a caller reports
beside the results.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.errors import InputError
from kaname.store.codec import decode_block, decode_dtypes, decode_future_column, decode_series
from kaname.store.layout import CHUNK_DIR, chunk_file, labels, series_file
from kaname.store.manifest import (
    DONE,
    FAILED,
    CorruptChunkError,
    RunStore,
    data_library_digest,
    verify,
)

if TYPE_CHECKING:
    from kaname.results import Results


@dataclass
class RunStatus:
    """Chunk accounting of a run directory (all zero for in-memory or ``.nc`` results)."""

    chunks: int = 0
    done: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    pending: int = 0

    @property
    def complete(self) -> bool:
        return not self.failed and self.pending == 0


def run_status(run: str | Path | RunStore) -> RunStatus:
    """How many of the run's chunks are done, which failed (with their errors), how many
    are pending — from the manifest alone (checksums are checked when chunks are read)."""
    store = run if isinstance(run, RunStore) else RunStore.open(run)
    status = RunStatus(chunks=len(store.chunks))
    for c in store.chunks:
        if c["status"] == DONE:
            status.done += 1
        elif c["status"] == FAILED:
            status.failed.append((int(c["index"]), str(c.get("error") or "")))
        else:
            status.pending += 1
    return status


def open_results(source: str | Path | RunStore, *, allow_partial: bool = False,
                 load: bool | Collection[str] = False, outputs: Sequence[str] | None = None,
                 inputs: Sequence[str] | None = None) -> Results:
    """Results of a run directory (``kaname explore``) or of a ``.nc`` file.

    A run directory is opened lazily (see the module text), or with `load` read into
    memory in one pass: each finished chunk file checksum-verified and read once, only the
    columns asked for, decoded straight into preallocated arrays — the same Dataset as the
    lazy one's ``.load()``, for a caller that reads many variables (a report). `load` True
    loads every output; a collection of output paths loads those (and the uncertainty
    coordinates and series) and leaves the others lazy, still read if they are used.
    `outputs` / `inputs` (output and uncertainty paths, None: all) keep only those
    variables and uncertainty coordinates, lazy or loaded. An incomplete run is
    refused unless `allow_partial`, which gives the finished chunks' futures only (the
    ``future`` coordinate says which) — a partial sample, fine to look at, not to compare
    with a whole one.
    """
    if isinstance(source, RunStore):
        return _open_run(source, allow_partial, load, outputs, inputs)
    path = Path(source)
    if path.is_file() and path.suffix == ".nc":
        return _open_netcdf(path)
    if path.is_dir():
        return _open_run(RunStore.open(path), allow_partial, load, outputs, inputs)
    if not path.exists():
        raise InputError("no such run directory or .nc file", file=str(path))
    raise InputError("expected a run directory or a .nc results file", file=str(path))


def _open_netcdf(path: Path) -> Results:
    import xarray as xr

    from kaname.results import Results

    try:
        return Results(xr.load_dataset(path))
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"cannot be read as a results file: {first}", file=str(path)) from None


# --------------------------------------------------------------------------- lazy blocks

def _run_dir(path: str) -> Path:
    return Path(path).parent.parent


def _read_block(path: str, sha: str, columns: list[str], P: int, n: int,
                shape: tuple[int, ...]) -> np.ndarray:
    verify(Path(path), sha, run_dir=_run_dir(path))
    return decode_block(path, columns, P, n, shape)


def _read_future_column(path: str, sha: str, column: str, n: int) -> np.ndarray:
    verify(Path(path), sha, run_dir=_run_dir(path))
    return decode_future_column(path, column, n)


def _read_series(path: str, sha: str, column: str, P: int, m: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    verify(Path(path), sha, run_dir=_run_dir(path))
    return decode_series(path, column, P, m, shape)


def _read_dtypes(path: str, sha: str) -> dict[str, Any]:
    verify(Path(path), sha, run_dir=_run_dir(path))
    return decode_dtypes(path)


def _chosen(items: list[dict[str, Any]], wanted: Sequence[str] | None,
            what: str) -> list[dict[str, Any]]:
    if wanted is None:
        return items
    known = {item["path"] for item in items}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not one of the run's {what}", key=what)
    keep = set(wanted)
    return [item for item in items if item["path"] in keep]


def _open_run(store: RunStore, allow_partial: bool, load: bool | Collection[str] = False,
              outputs: Sequence[str] | None = None,
              inputs: Sequence[str] | None = None) -> Results:
    import xarray as xr

    from kaname.results import Results

    if not allow_partial:
        store.require_complete()
    m, layout = store.manifest, store.layout
    policies = layout["policies"]
    P = len(policies)
    root = store.root / CHUNK_DIR
    done = [c for c in store.chunks if c["status"] == DONE]
    if not done:
        status = run_status(store)
        raise InputError(f"the run has no finished chunk ({len(status.failed)} failed, "
                         f"{status.pending} pending); nothing to read", file=str(store.root))
    blocks = [(c, str(root / chunk_file(c["index"])),
               c["files"][chunk_file(c["index"])]["sha256"]) for c in done]
    uncertainties = _chosen(layout["uncertainties"], inputs, "inputs")
    outs = _chosen(layout["outputs"], outputs, "outputs")

    futures = np.concatenate([np.arange(c["start"], c["stop"]) for c in done])
    coords: dict[str, Any] = {"policy": policies, "future": futures}
    for dim, values in layout["coords"].items():
        coords[dim] = list(values)
        for lang, names in layout["coord_labels"].get(dim, {}).items():
            coords[f"{dim}_label_{lang}"] = (dim, [names.get(x, str(x)) for x in values])
    keep = int(m["keep_series"])
    kept = [c for c in done if c["start"] < keep and series_file(c["index"]) in c["files"]]
    series = layout["series"] if kept else []
    if load is True or load is False:
        eager = outs if load else []
    else:
        wanted = set(load)
        eager = [out for out in outs if out["path"] in wanted]
    lazy = [out for out in outs if out not in eager]
    if load is False:
        columns, variables, kept_series = _lazy_blocks(root, blocks, kept, keep, P,
                                                       uncertainties, lazy, series)
    else:
        columns, variables, kept_series = _load_blocks(root, blocks, kept, keep, P,
                                                       uncertainties, eager, series)
        if lazy:
            variables.update(_lazy_blocks(root, blocks, kept, keep, P, [], lazy, [])[1])
    for u in uncertainties:
        coords[u["path"]] = ("future", columns[u["path"]])
    for lever in layout["levers"]:
        coords[lever["path"]] = ("policy", labels(np.array(lever["values"]),
                                                  lever["categories"]))
    data_vars: dict[str, Any] = {}
    for out in outs:
        data_vars[out["path"]] = (("policy", "future", *out["dims"]), variables[out["path"]],
                                  out["attrs"])
    if series:
        coords["series_future"] = np.concatenate(
            [np.arange(c["start"], min(c["stop"], keep)) for c in kept])
        for s in series:
            data_vars[s["path"]] = (("policy", "series_future", *s["dims"]),
                                    kept_series[s["path"]], s["attrs"])
    settings = m["scenario"]["settings"]
    ds = xr.Dataset(data_vars, coords=coords, attrs={
        "scenario": m["scenario"]["name"], "seed": m["seed"]["root"],
        "design": m["design"]["method"], "futures": int(futures.size),
        "base_year": settings["base_year"], "horizon_days": settings["horizon_days"],
        "kaname_version": m["versions"]["kaname"], "scenario_sha256": m["scenario"]["sha256"],
        "data_library_sha256": data_library_digest(m["data_library"])})
    return Results(ds)


Block = tuple[dict[str, Any], str, str]  # (chunk record, chunk file, its sha256)


def _lazy_blocks(root: Path, blocks: list[Block], kept: list[dict[str, Any]], keep: int,
                 P: int, uncertainties: list[dict[str, Any]], outs: list[dict[str, Any]],
                 series: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Dask arrays, one block per chunk file, read (after the file's checksum) when computed."""
    import dask
    import dask.array as da

    dtypes = _read_dtypes(blocks[0][1], blocks[0][2])

    def lazy(columns: list[str], shape: tuple[int, ...], dtype: np.dtype) -> da.Array:
        parts = [da.from_delayed(dask.delayed(_read_block, pure=True)(
                    path, sha, columns, P, c["stop"] - c["start"], shape),
                    shape=(P, c["stop"] - c["start"], *shape), dtype=dtype)
                 for c, path, sha in blocks]
        return da.concatenate(parts, axis=1)

    columns: dict[str, Any] = {}
    for u in uncertainties:
        dtype = np.dtype(object) if u["categories"] is not None else np.dtype(float)
        parts = [da.from_delayed(dask.delayed(_read_future_column, pure=True)(
                    path, sha, u["path"], c["stop"] - c["start"]),
                    shape=(c["stop"] - c["start"],), dtype=dtype) for c, path, sha in blocks]
        columns[u["path"]] = da.concatenate(parts)
    variables = {out["path"]: lazy(out["columns"], tuple(out["shape"]),
                                   np.dtype(dtypes[out["columns"][0]])) for out in outs}
    kept_series: dict[str, Any] = {}
    for s in series:
        shape = tuple(s["shape"])
        parts = []
        for c in kept:
            mm = min(c["stop"], keep) - c["start"]
            name = series_file(c["index"])
            parts.append(da.from_delayed(dask.delayed(_read_series, pure=True)(
                str(root / name), c["files"][name]["sha256"], s["path"], P, mm, shape),
                shape=(P, mm, *shape), dtype=float))
        kept_series[s["path"]] = da.concatenate(parts, axis=1)
    return columns, variables, kept_series


def _load_blocks(root: Path, blocks: list[Block], kept: list[dict[str, Any]], keep: int,
                 P: int, uncertainties: list[dict[str, Any]], outs: list[dict[str, Any]],
                 series: list[dict[str, Any]]
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Numpy arrays, allocated once for all chunks and filled chunk file by chunk file:
    each file verified and read once, its outputs' columns whole and its uncertainty
    columns (repeated under every policy) only for the first policy's rows."""
    import pyarrow.parquet as pq

    N = sum(c["stop"] - c["start"] for c, _, _ in blocks)
    first, first_sha = blocks[0][1], blocks[0][2]
    verify(Path(first), first_sha, run_dir=_run_dir(first))
    schema = pq.read_schema(first)
    dtypes = {f.name: f.type.to_pandas_dtype() for f in schema}
    variables: dict[str, np.ndarray] = {}
    flat: dict[str, np.ndarray] = {}  # (P, N, cells) views of the variables
    for out in outs:
        shape = tuple(out["shape"])
        dtype = np.result_type(*[np.dtype(dtypes[c]) for c in out["columns"]])
        arr = np.empty((P, N, *shape), dtype=dtype)
        variables[out["path"]] = arr
        flat[out["path"]] = arr.reshape(P, N, len(out["columns"]))
    columns: dict[str, np.ndarray] = {
        u["path"]: np.empty(N, dtype=object if u["categories"] is not None
                            else np.dtype(dtypes[u["path"]]))
        for u in uncertainties}
    out_columns = [c for out in outs for c in out["columns"]]
    unc_columns = [u["path"] for u in uncertainties]
    at = 0
    for c, path, sha in blocks:
        n = c["stop"] - c["start"]
        if path != first:  # (the first was verified before its schema was read)
            verify(Path(path), sha, run_dir=_run_dir(path))
        file = pq.ParquetFile(path)
        try:
            if unc_columns:
                got, parts = 0, []
                for batch in file.iter_batches(batch_size=n, columns=unc_columns):
                    parts.append(batch)
                    got += batch.num_rows
                    if got >= n:
                        break
                if got < n:
                    raise CorruptChunkError(f"{path}: holds {got} rows of the {n} futures "
                                            f"its record names")
                for name in unc_columns:
                    for piece, lo in _pieces(parts, name, n):
                        columns[name][at + lo:at + lo + len(piece)] = \
                            piece.to_numpy(zero_copy_only=False)
            if out_columns:
                table = file.read(columns=out_columns)
                if table.num_rows != P * n:
                    raise CorruptChunkError(f"{path}: holds {table.num_rows} rows, not the "
                                            f"{P * n} its record names")
                for out in outs:
                    view = flat[out["path"]]
                    for j, column in enumerate(out["columns"]):
                        values = table.column(column).to_numpy()
                        view[:, at:at + n, j] = values.reshape(P, n)
                del table
        finally:
            file.close()
        at += n
    kept_series: dict[str, np.ndarray] = {}
    if series:
        M = sum(min(c["stop"], keep) - c["start"] for c in kept)
        for s in series:
            kept_series[s["path"]] = np.empty((P, M, *tuple(s["shape"])), dtype=float)
        at = 0
        for c in kept:
            mm = min(c["stop"], keep) - c["start"]
            name = series_file(c["index"])
            series_path = root / name
            verify(series_path, c["files"][name]["sha256"], run_dir=_run_dir(str(series_path)))
            for s in series:
                kept_series[s["path"]][:, at:at + mm] = decode_series(
                    series_path, s["path"], P, mm, tuple(s["shape"]))
            at += mm
    return columns, variables, kept_series


def _pieces(batches: list[Any], name: str, n: int) -> list[tuple[Any, int]]:
    """The first `n` values of column `name` across record `batches`, as (array, offset)."""
    out, at = [], 0
    for batch in batches:
        if at >= n:
            break
        piece = batch.column(name)
        piece = piece.slice(0, min(len(piece), n - at))
        out.append((piece, at))
        at += len(piece)
    return out
