"""The sandbox of ``kaname runs query``: one read-only SELECT over one run's own files.

A query is arbitrary DuckDB SQL typed by a person (or pasted from somewhere), so the
connection it runs on is confined before it sees the query:

1. the views ``results``, ``chunks``, ``policies`` and ``design`` are made over the run's
   verified chunk files (:func:`kaname.catalog.connect_run`, an in-memory database);
2. ``allowed_paths`` is set to exactly those files, then ``enable_external_access=false``
   (no other file, URL or database can be opened — not ``/etc/hostname``, not the run's
   manifest, not the run catalog), ``autoinstall_known_extensions=false`` and
   ``autoload_known_extensions=false`` (nothing is downloaded or loaded), and finally
   ``lock_configuration=true`` (the query cannot undo any of it);
3. the query is parsed first and refused unless it is exactly one ``SELECT`` statement
   (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE`` and ``SHOW`` parse as
   one): ``COPY``, ``ATTACH``, ``INSTALL``/``LOAD``, ``CREATE``/``INSERT``/``UPDATE``/
   ``DELETE``/``DROP``/``ALTER``, ``PRAGMA``, ``SET``, ``EXPORT DATABASE`` and more than one
   statement are each refused in one line;
4. any DuckDB error becomes one line (:class:`QueryError`).

Both layers hold on their own: a write that got past the parser would meet a connection
that can open no file for writing, and a read of another file meets the same wall.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kaname.errors import InputError

if TYPE_CHECKING:
    from kaname.store.manifest import RunStore

VIEWS = "results, chunks, policies, design"
WHY = {
    "COPY": "COPY writes files; runs query only reads (kaname runs export writes a file)",
    "COPY_DATABASE": "COPY FROM DATABASE writes a database; runs query only reads",
    "EXPORT": "EXPORT DATABASE writes files; runs query only reads",
    "ATTACH": "ATTACH opens another database; runs query sees only this run's views",
    "DETACH": "DETACH changes the databases; runs query sees only this run's views",
    "LOAD": "INSTALL/LOAD of extensions is not allowed; runs query uses only what is built in",
    "EXTENSION": "extension statements are not allowed",
}
SETTINGS = ("PRAGMA", "SET", "VARIABLE_SET")
CHANGES = ("CREATE", "CREATE_FUNC", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER",
           "MERGE_INTO", "VACUUM", "ANALYZE", "TRANSACTION", "CALL", "MULTI", "PREPARE",
           "EXECUTE")


class QueryError(InputError):
    """A refused or failed ``runs query`` statement, in one line (key ``SQL``)."""

    def __init__(self, message: str):
        super().__init__(message, key="SQL")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def statement_of(con: Any, sql: str) -> Any:
    """The one statement in `sql`, or :class:`QueryError` saying why it is refused."""
    import duckdb

    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"SQL error: {_first_line(exc)}") from None
    if not statements:
        raise QueryError(f"no SQL statement given; e.g. SELECT count(*) FROM results "
                         f"(views: {VIEWS})")
    if len(statements) > 1:
        raise QueryError(f"{len(statements)} statements given; runs query runs exactly one "
                         f"SELECT")
    st = statements[0]
    kind = st.type.name
    if kind == "SELECT":
        return st
    words = st.query.split()
    first = next((w.upper() for w in words if not w.startswith("--")), kind)
    if kind == "LOAD" and first == "INSTALL":
        why = "INSTALL of extensions is not allowed; nothing is downloaded"
    elif kind in WHY:
        why = WHY[kind]
    elif kind in SETTINGS:
        why = f"{first} changes settings; not allowed in runs query"
    elif kind in CHANGES:
        why = f"{first} changes the database; runs query is read-only"
    else:
        why = f"{first} statements are not allowed"
    raise QueryError(f"{why} — only one SELECT (or WITH, FROM, VALUES, DESCRIBE, SUMMARIZE, "
                     f"SHOW) over the views {VIEWS}")


def connect(store: RunStore) -> Any:
    """The sandboxed connection (see the module text) with the run's views."""
    import duckdb

    from kaname.catalog import connect_run, sql_str

    try:
        con = connect_run(store)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open the run's chunks: {_first_line(exc)}") from None
    allowed: set[str] = set()
    for path in store.chunk_paths():
        allowed.update((str(path), str(path.resolve())))
    design = store.manifest["design"].get("file")
    if design:
        allowed.update((str(store.root / design), str((store.root / design).resolve())))
    try:
        if allowed:
            con.execute("SET allowed_paths = [" + ", ".join(sql_str(p) for p in
                                                              sorted(allowed)) + "]")
        for setting in ("enable_external_access = false",
                        "autoinstall_known_extensions = false",
                        "autoload_known_extensions = false", "lock_configuration = true"):
            con.execute(f"SET {setting}")
    except duckdb.Error as exc:  # pragma: no cover - every setting exists in DuckDB >= 1.3
        con.close()
        raise QueryError(f"cannot confine the query connection: {_first_line(exc)}") from None
    return con


def run_query(store: RunStore, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows of one read-only SELECT over `store`'s views."""
    import duckdb

    con = connect(store)
    try:
        st = statement_of(con, sql)
        try:
            cursor = con.execute(st.query)
            if cursor.description is None:
                return [], []
            columns = [d[0] for d in cursor.description]
            return columns, cursor.fetchall()
        except duckdb.PermissionException as exc:
            raise QueryError(f"not allowed: runs query reads only the run's own chunk files "
                             f"({_first_line(exc).removeprefix('Permission Error: ')}); "
                             f"use the views {VIEWS}") from None
        except (duckdb.Error, ValueError, OverflowError) as exc:
            raise QueryError(f"SQL error: {_first_line(exc)}") from None
    finally:
        con.close()


__all__ = ["QueryError", "connect", "run_query", "statement_of"]
