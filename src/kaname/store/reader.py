"""The one reader of run results: a run directory (complete, or partial from its finished
chunks) or a ``.nc`` file, as :class:`kaname.results.Results`.

A run directory opens lazily: every variable is a dask array with one block per finished
chunk, and a block is read only when computed — after its file's checksum is verified, so
a half-written or corrupted chunk is never read. :class:`RunStatus` is the chunk
accounting (done, failed, pending) a caller reports beside the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.errors import InputError
from kaname.store.codec import decode_block, decode_dtypes, decode_future_column, decode_series
from kaname.store.layout import CHUNK_DIR, chunk_file, labels, series_file
from kaname.store.manifest import DONE, FAILED, RunStore, data_library_digest, verify

if TYPE_CHECKING:
    import dask.array as da

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


def open_results(source: str | Path | RunStore, *, allow_partial: bool = False) -> Results:
    """Results of a run directory (``kaname explore``) or of a ``.nc`` file.

    A run directory is opened lazily (see the module text). An incomplete run is refused
    unless `allow_partial`, which gives the finished chunks' futures only (the ``future``
    coordinate says which) — a partial sample, fine to look at, not to compare with a
    whole one.
    """
    if isinstance(source, RunStore):
        return _open_run(source, allow_partial)
    path = Path(source)
    if path.is_file() and path.suffix == ".nc":
        return _open_netcdf(path)
    if path.is_dir():
        return _open_run(RunStore.open(path), allow_partial)
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


def _open_run(store: RunStore, allow_partial: bool) -> Results:
    import dask
    import dask.array as da
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
    dtypes = _read_dtypes(blocks[0][1], blocks[0][2])

    def lazy(columns: list[str], shape: tuple[int, ...], dtype: np.dtype) -> da.Array:
        parts = [da.from_delayed(dask.delayed(_read_block, pure=True)(
                    path, sha, columns, P, c["stop"] - c["start"], shape),
                    shape=(P, c["stop"] - c["start"], *shape), dtype=dtype)
                 for c, path, sha in blocks]
        return da.concatenate(parts, axis=1)

    futures = np.concatenate([np.arange(c["start"], c["stop"]) for c in done])
    coords: dict[str, Any] = {"policy": policies, "future": futures}
    for dim, values in layout["coords"].items():
        coords[dim] = list(values)
        for lang, names in layout["coord_labels"].get(dim, {}).items():
            coords[f"{dim}_label_{lang}"] = (dim, [names.get(x, str(x)) for x in values])
    for u in layout["uncertainties"]:
        dtype = np.dtype(object) if u["categories"] is not None else np.dtype(float)
        parts = [da.from_delayed(dask.delayed(_read_future_column, pure=True)(
                    path, sha, u["path"], c["stop"] - c["start"]),
                    shape=(c["stop"] - c["start"],), dtype=dtype) for c, path, sha in blocks]
        coords[u["path"]] = ("future", da.concatenate(parts))
    for lever in layout["levers"]:
        coords[lever["path"]] = ("policy", labels(np.array(lever["values"]),
                                                  lever["categories"]))
    data_vars: dict[str, Any] = {}
    for out in layout["outputs"]:
        shape = tuple(out["shape"])
        data_vars[out["path"]] = (("policy", "future", *out["dims"]),
                                  lazy(out["columns"], shape, np.dtype(dtypes[out["columns"][0]])),
                                  out["attrs"])
    keep = int(m["keep_series"])
    kept = [c for c in done if c["start"] < keep and series_file(c["index"]) in c["files"]]
    if layout["series"] and kept:
        coords["series_future"] = np.concatenate(
            [np.arange(c["start"], min(c["stop"], keep)) for c in kept])
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
        "design": m["design"]["method"], "futures": int(futures.size),
        "base_year": settings["base_year"], "horizon_days": settings["horizon_days"],
        "kaname_version": m["versions"]["kaname"], "scenario_sha256": m["scenario"]["sha256"],
        "data_library_sha256": data_library_digest(m["data_library"])})
    return Results(ds)
