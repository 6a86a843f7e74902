"""The run store: one directory per ensemble run, safe against kills and corruption.

One module per job:

* :mod:`~kaname.store.layout` — what is where in a run directory, and the chunk layout;
* :mod:`~kaname.store.codec` — Parquet encoding and decoding of chunks, series, design;
* :mod:`~kaname.store.manifest` — the manifest, checksums and :class:`RunStore`, the one
  writer of a run directory;
* :mod:`~kaname.store.reader` — :func:`open_results`, the one reader (a run directory,
  complete or partial, or a ``.nc`` file) and :class:`RunStatus`;
* :mod:`~kaname.store.lifecycle` — the explore driver: :func:`create_run`,
  :func:`reopen_run`, :func:`tasks_for`, :func:`execute`;
* :mod:`~kaname.store.schema` — :func:`validate_manifest`, the one check of a manifest;
* :mod:`~kaname.store.repair` — :func:`repair_run` (``kaname runs repair``): a manifest
  rebuilt from the frozen scenario, the design and the chunks' own records;
* :mod:`~kaname.store.sandbox` — the read-only, file-confined DuckDB connection of
  ``kaname runs query``.

The executors that evaluate chunks are in :mod:`kaname.executors`; the DuckDB catalog of
runs is :mod:`kaname.catalog`.
"""

from kaname.store.codec import design_writer, encode_chunk, encode_series
from kaname.store.layout import (
    CHUNK_DIR,
    DESIGN_FILE,
    FORMAT,
    FROZEN_SCENARIO,
    MANIFEST,
    chunk_file,
    layout_for,
    series_file,
)
from kaname.store.lifecycle import (
    Prepared,
    RunSummary,
    create_run,
    diff_yaml,
    engine_key,
    execute,
    load,
    reopen_run,
    tasks_for,
)
from kaname.store.manifest import (
    DONE,
    FAILED,
    PENDING,
    CorruptChunkError,
    RunStore,
    StoreWriteError,
    data_library_digest,
    data_library_hashes,
    now,
    package_versions,
    sha256_bytes,
    sha256_file,
    verify,
    versions_changed,
    write_atomic,
)
from kaname.store.reader import RunStatus, open_results, run_status
from kaname.store.repair import RepairReport, repair_run
from kaname.store.schema import CHUNK_STATUSES, ManifestError, validate_manifest

__all__ = [
    "CHUNK_DIR", "DESIGN_FILE", "DONE", "FAILED", "FORMAT", "FROZEN_SCENARIO", "MANIFEST",
    "PENDING", "CHUNK_STATUSES", "CorruptChunkError", "ManifestError", "Prepared",
    "RepairReport", "RunStatus", "RunStore", "RunSummary", "StoreWriteError",
    "repair_run", "validate_manifest",
    "chunk_file", "create_run", "data_library_digest", "data_library_hashes", "diff_yaml", "encode_chunk",
    "design_writer", "encode_series", "engine_key", "execute", "layout_for", "load", "now",
    "open_results", "package_versions", "reopen_run", "run_status", "series_file",
    "sha256_bytes", "sha256_file", "tasks_for", "verify", "versions_changed", "write_atomic",
]
