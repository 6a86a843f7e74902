"""The DuckDB run catalog (every run on this machine) and SQL access to one run's chunks.

Kept apart from :mod:`kaname.store`, which owns the files of a run: the catalog is an
index that can be rebuilt, locked or missing without any run being lost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kaname.store import DONE, FAILED, MANIFEST, RunStore

CATALOG_ENV, HOME_ENV = "KANAME_CATALOG", "KANAME_HOME"


def catalog_path() -> Path:
    """``$KANAME_CATALOG``, else ``$KANAME_HOME/catalog.duckdb``, else
    ``~/.kaname/catalog.duckdb``."""
    if os.environ.get(CATALOG_ENV):
        return Path(os.environ[CATALOG_ENV])
    home = Path(os.environ.get(HOME_ENV) or Path.home() / ".kaname")
    return home / "catalog.duckdb"


_CATALOG_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  dir VARCHAR PRIMARY KEY, run_id VARCHAR, scenario VARCHAR, scenario_sha256 VARCHAR,
  created VARCHAR, updated VARCHAR, futures BIGINT, policies INTEGER, design VARCHAR,
  seed BIGINT, chunks INTEGER, done INTEGER, failed INTEGER, status VARCHAR)
"""
CATALOG_COLUMNS = ("dir", "run_id", "scenario", "scenario_sha256", "created", "updated",
                   "futures", "policies", "design", "seed", "chunks", "done", "failed",
                   "status")


def _connect(read_only: bool = False):  # type: ignore[no-untyped-def]
    import duckdb

    path = catalog_path()
    if read_only and not path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        con.execute(_CATALOG_SCHEMA)
    return con


def record_run(store: RunStore) -> str | None:
    """Upsert the run into the catalog. Returns a warning instead of failing the run when
    the catalog is locked by another process or unwritable."""
    import time

    m = store.manifest
    counts = store.counts()
    row = (str(store.root.resolve()), m["run_id"], m["scenario"]["name"],
           m["scenario"]["sha256"], m["created"], m["updated"], int(m["futures"]),
           len(store.policies), m["design"]["method"], int(m["seed"]["root"]),
           len(store.chunks), counts[DONE], counts[FAILED], m["status"])
    last: Exception | None = None
    for attempt in range(5):
        try:
            con = _connect()
            try:
                con.execute(f"INSERT OR REPLACE INTO runs VALUES ({', '.join('?' * len(row))})",
                            row)
            finally:
                con.close()
            return None
        except Exception as exc:  # noqa: BLE001 - duckdb raises several lock/IO errors
            last = exc
            time.sleep(0.1 * (attempt + 1))
    return f"run catalog {catalog_path()} not updated: {last}"


def list_runs() -> list[dict[str, Any]]:
    """Every catalogued run, oldest first, with whether its directory still exists."""
    con = _connect(read_only=True)
    if con is None:
        return []
    try:
        rows = con.execute(f"SELECT {', '.join(CATALOG_COLUMNS)} FROM runs "
                           "ORDER BY created, dir").fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        entry = dict(zip(CATALOG_COLUMNS, row, strict=True))
        entry["exists"] = (Path(entry["dir"]) / MANIFEST).is_file()
        out.append(entry)
    return out


def connect_run(store: RunStore, *, allow_partial: bool = True):  # type: ignore[no-untyped-def]
    """An in-memory DuckDB connection with views ``results`` (every verified done chunk),
    ``chunks`` (status per chunk), ``policies`` (name, ord) and ``design`` (if stored)."""
    import duckdb

    if not allow_partial:
        store.require_complete()
    paths = store.chunk_paths()
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE policies (name VARCHAR, ord INTEGER)")
    con.executemany("INSERT INTO policies VALUES (?, ?)",
                    [(p, i) for i, p in enumerate(store.policies)])
    con.execute("CREATE TABLE chunks (chunk INTEGER, start BIGINT, stop BIGINT, status VARCHAR, "
                "error VARCHAR)")
    con.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
                    [(c["index"], c["start"], c["stop"], c["status"], c.get("error"))
                     for c in store.chunks])
    if paths:
        files = ", ".join(sql_str(str(p)) for p in paths)
        con.execute(f"CREATE VIEW results AS SELECT * FROM read_parquet([{files}])")
    else:
        con.execute("CREATE VIEW results AS SELECT NULL::VARCHAR AS policy, "
                    "NULL::BIGINT AS future WHERE false")
    design = store.manifest["design"]
    if design.get("file"):
        store.design_table()  # verifies the checksum
        con.execute(f"CREATE VIEW design AS SELECT row_number() OVER () - 1 AS future, * "
                    f"FROM read_parquet({sql_str(str(store.root / design['file']))})")
    return con


def ordered_results_sql() -> str:
    """All rows in the stable export order: policy (scenario order), then future."""
    return ("SELECT r.* FROM results r JOIN policies p ON r.policy = p.name "
            "ORDER BY p.ord, r.future")


def sql_str(s: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + s.replace("'", "''") + "'"
