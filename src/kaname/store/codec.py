"""Parquet encoding and decoding of a run's files: chunks, series and the joint design.

Rows inside a chunk are policy-major (every future of the chunk under the first policy,
then the second...), so an export ordered by policy then future is a merge, not a sort.
Encoders return bytes (the caller — a worker writing into a shared run store, or the
driver — writes them); decoders read one file and trust it — checking its checksum first
is the caller's job (:mod:`kaname.store.reader`).

Dictionary encoding is used for the string columns only (policy names, category labels):
on float columns it doubles the writer's time (every distinct value of a 50,000-row chunk
goes into a dictionary that is then mostly useless) for files about a third smaller (the
uncertainty columns repeat once per policy). Chunks are LZ4-compressed, with min/max
statistics for every column but the uncertainties (which repeat the design and are never
filtered on by row group). Measured on the bundled scenario's chunk of 50,000 rows × 834
columns: 0.26 s and 115 MB against zstd level 1's 0.45 s and 98 MB — the writer is on the
critical path of every worker, the bytes are not. The encoder is deterministic: the same
chunk gives the same bytes on any executor and machine (same pyarrow version).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from kaname.store.layout import labels

if TYPE_CHECKING:
    import pyarrow as pa

    from kaname.sampling import Futures


# --------------------------------------------------------------------------- encoding

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
    for u in layout["uncertainties"]:  # the same n values under every policy: one
        names.append(u["path"])          # array, referenced P times (no copy)
        arrays.append(pa.chunked_array([pa.array(labels(futures[u["path"]],
                                                        u["categories"]))] * P))
    for lever in layout["levers"]:
        names.append(lever["path"])
        arrays.append(pa.array(np.repeat(labels(np.array(lever["values"]),
                                                lever["categories"]), n)))
    for out in layout["outputs"]:
        arr = np.asarray(outputs[out["path"]])
        flat = arr.reshape(P * n, -1)
        for j, column in enumerate(out["columns"]):
            names.append(column)
            arrays.append(pa.array(np.ascontiguousarray(flat[:, j])))
    inputs = {u["path"] for u in layout["uncertainties"]}
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buf, compression="lz4",
                   row_group_size=1 << 20, use_dictionary=_string_columns(names, arrays),
                   write_statistics=[c for c in names if c not in inputs])
    return buf.getvalue()


def _string_columns(names: list[str], arrays: list[pa.Array]) -> list[str]:
    """The columns to dictionary-encode: the string ones (policy, category labels)."""
    import pyarrow as pa

    return [name for name, arr in zip(names, arrays, strict=True)
            if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)]


def encode_series(layout: Mapping[str, Any], start: int, keep: int,
                  outputs: Mapping[str, np.ndarray]) -> bytes | None:
    """Daily series of the chunk's futures below `keep`; one list column per output.

    The chunk planner (:func:`kaname.chunking.plan_chunks`) ends a chunk at `keep`, so a
    chunk is either wholly kept (every future's series) or not at all (``None``). Runs
    made before that rule may hold a chunk that straddles `keep`; resuming one writes
    the kept part only, as it did then."""
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
                   compression_level=1, use_dictionary=_string_columns(names, arrays))
    return buf.getvalue()


def design_writer(futures: Futures, futures_per_chunk: int,
                  run: Mapping[str, Any] | None = None) -> Callable[[BinaryIO], None]:
    """A function writing the joint design into an open file: one float column per
    uncertainty, row group k = chunk k, drawn from `futures` one chunk at a time (the
    whole design is never in memory). `run` (the run's parameters) goes into the schema
    metadata under ``kaname.run``, so ``kaname runs repair`` can rebuild a lost manifest
    from the design alone. The same futures give the same bytes."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from kaname.store.layout import DESIGN_META

    meta = None if run is None else {DESIGN_META: json.dumps(dict(run), sort_keys=True)}
    schema = pa.schema([(path, pa.float64()) for path in futures.paths], metadata=meta)
    K = max(int(futures_per_chunk), 1)

    def write(fh: BinaryIO) -> None:
        with pq.ParquetWriter(fh, schema, compression="zstd", compression_level=1,
                              use_dictionary=False) as out:  # floats only: see above
            for start in range(0, futures.n, K):
                rows = futures.rows(start, min(start + K, futures.n))
                out.write_table(pa.table({p: np.asarray(rows[p], dtype=float)
                                          for p in futures.paths}, schema=schema),
                                row_group_size=K)

    return write


# --------------------------------------------------------------------------- decoding

def decode_block(path: str | Path, columns: list[str], P: int, n: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    """(P, n, *shape) from one chunk file's `columns` (an output's cells, in order)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=columns)
    stacked = np.column_stack([table.column(c).to_numpy() for c in columns])
    return stacked.reshape(P, n, *shape)


def decode_future_column(path: str | Path, column: str, n: int) -> np.ndarray:
    """An uncertainty's values for the chunk's `n` futures (the first policy's rows)."""
    import pyarrow.parquet as pq

    values = pq.read_table(path, columns=[column]).column(column).slice(0, n)
    return values.to_numpy(zero_copy_only=False)


def decode_series(path: str | Path, column: str, P: int, m: int,
                  shape: tuple[int, ...]) -> np.ndarray:
    """(P, m, *shape) daily series of one output from a chunk's series file."""
    import pyarrow.parquet as pq

    col = pq.read_table(path, columns=[column]).column(column).combine_chunks()
    return col.values.to_numpy().reshape(P, m, *shape)


def decode_dtypes(path: str | Path) -> dict[str, Any]:
    """Column name -> numpy dtype of a chunk file, from its schema alone."""
    import pyarrow.parquet as pq

    return {f.name: f.type.to_pandas_dtype() for f in pq.read_schema(path)}


def decode_design(path: str | Path) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(path)


def decode_design_rows(path: str | Path, start: int, stop: int) -> dict[str, np.ndarray]:
    """Rows ``start:stop`` of the joint design, one float array per uncertainty, reading
    only the row groups that hold them (a worker's own chunk: its design slice)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as pf:
        meta = pf.metadata
        groups, first, offset = [], None, 0
        for g in range(meta.num_row_groups):
            rows = meta.row_group(g).num_rows
            if offset < stop and offset + rows > start:
                groups.append(g)
                first = offset if first is None else first
            offset += rows
        if not groups:
            table = pf.schema_arrow.empty_table()
        else:
            table = pf.read_row_groups(groups).slice(start - int(first or 0), stop - start)
    return {name: table.column(name).to_numpy() for name in table.column_names}
