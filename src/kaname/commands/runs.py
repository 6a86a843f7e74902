"""``kaname runs``: the run catalog and what is inside a run directory.

``list`` reads the DuckDB catalog; ``show``, ``export`` and ``query`` read a run directory,
and only chunk files whose checksum matches the manifest (a corrupted one is an error that
names the file and how to recompute it, never silently read). ``query`` runs in a sandbox
(:mod:`kaname.store.sandbox`): one SELECT, the run's own files only, nothing written.
``repair`` rebuilds a damaged or deleted manifest from the frozen scenario, the design and
the chunks' own records (:mod:`kaname.store.repair`).
"""

from __future__ import annotations

from typing import Any

import typer

from kaname.clikit import (
    LangOpt,
    check_output_path,
    dumps_json,
    emit,
    format_option,
    guarded,
)
from kaname.text import has, t

name = "runs"
app = typer.Typer(help="List, inspect, export and query ensemble runs (run directories).",
                  no_args_is_help=True)

EXPORT_FORMATS = ("parquet", "csv", "netcdf")


def _status(status: str, lang: str) -> str:
    key = f"runs.status_{status}"
    return t(key, lang) if has(key) else status


def _print_table(headers: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for h in headers:
        table.add_column(escape(h), overflow="fold")
    for row in rows:
        table.add_row(*(escape("" if v is None else str(v)) for v in row))
    Console(width=160).print(table)


@app.command("list")
@guarded
def list_cmd(fmt: str = format_option(("table", "json")), lang: LangOpt = "en") -> None:
    """Every run recorded in the catalog (``$KANAME_CATALOG`` or ~/.kaname/catalog.duckdb)."""
    from kaname.catalog import catalog_path, list_runs

    runs = list_runs()
    if fmt == "json":
        emit(dumps_json({"catalog": str(catalog_path()), "runs": runs}))
        return
    if not runs:
        emit(t("runs.no_runs", lang, path=catalog_path()))
        return
    _print_table([t(k, lang) for k in ("runs.dir", "common.scenario", "runs.created",
                                       "runs.futures", "runs.policies", "runs.design",
                                       "runs.chunks", "runs.status")],
                 [[r["dir"], r["scenario"], r["created"], f"{r['futures']:,}", r["policies"],
                   r["design"], f"{r['done']}/{r['chunks']}",
                   _status(r["status"], lang) if r["exists"] else t("runs.missing", lang)]
                  for r in runs])


def _describe(run_dir: str) -> dict[str, Any]:
    from kaname.store import DONE, FAILED, RunStore

    store = RunStore.open(run_dir)
    m = store.manifest
    counts = store.counts()
    corrupted = [c["index"] for c in store.chunks
                 if c["status"] == DONE and not store.chunk_ok(c["index"])]
    return {
        "dir": str(store.root), "run_id": m["run_id"], "scenario": m["scenario"]["name"],
        "source": m["scenario"]["source"], "created": m["created"], "updated": m["updated"],
        "status": m["status"], "futures": m["futures"], "policies": store.policies,
        "design": m["design"]["method"], "seed": m["seed"]["root"],
        "futures_per_chunk": m["chunking"]["futures_per_chunk"],
        "chunks": {"total": len(store.chunks), **counts},
        "failed": [{"chunk": c["index"], "error": c.get("error")} for c in store.chunks
                   if c["status"] == FAILED],
        "corrupted": corrupted, "keep_series": m["keep_series"], "versions": m["versions"],
        "outputs": [o["path"] for o in store.layout["outputs"]],
    }


@app.command("show")
@guarded
def show(run_dir: str = typer.Argument(..., metavar="DIR", help="Run directory."),
         fmt: str = format_option(("table", "json")), lang: LangOpt = "en") -> None:
    """Scenario, design, seed, versions and each chunk's status (failed ones with errors)."""
    info = _describe(run_dir)
    if fmt == "json":
        emit(dumps_json(info))
        return
    c = info["chunks"]
    rows = [
        [t("common.scenario", lang), info["scenario"]], [t("runs.source", lang), info["source"]],
        [t("runs.status", lang), _status(info["status"], lang)],
        [t("runs.created", lang), info["created"]], [t("runs.updated", lang), info["updated"]],
        [t("runs.futures", lang), f"{info['futures']:,}"],
        [t("runs.policies", lang), ", ".join(info["policies"])],
        [t("runs.design", lang), info["design"]], [t("runs.seed", lang), info["seed"]],
        [t("runs.chunk_size", lang), f"{info['futures_per_chunk']:,}"],
        [t("runs.chunks", lang), f"{c['done']}/{c['total']}"],
        [t("runs.versions", lang), ", ".join(f"{k} {v}" for k, v in info["versions"].items())],
    ]
    for f in info["failed"]:
        rows.append([f"{t('runs.failed', lang)} #{f['chunk']}", f["error"]])
    if info["corrupted"]:
        rows.append([t("runs.corrupted", lang), ", ".join(map(str, info["corrupted"]))])
    _print_table([t("runs.item", lang), t("common.value", lang)], rows, title=info["dir"])


@app.command("export")
@guarded
def export(run_dir: str = typer.Argument(..., metavar="DIR", help="Run directory."),
           fmt: str = format_option(EXPORT_FORMATS, required=True),
           out: str = typer.Option(..., "--out", "-o", help="Output file."),
           lang: LangOpt = "en") -> None:
    """Every sample, one row per (policy, future) in a stable order: policy (scenario
    order), then future. NetCDF writes the labelled Dataset instead."""
    from kaname.catalog import connect_run, ordered_results_sql, sql_str
    from kaname.clikit import output_path
    from kaname.store import RunStore, open_results

    check_output_path(out, key="--out")  # a directory or socket: refused before any work
    store = RunStore.open(run_dir)
    store.require_complete()
    with output_path(out) as tmp:  # a device (/dev/null) is written through, never replaced
        if fmt == "netcdf":
            ds = open_results(store).dataset
            ds.load().to_netcdf(tmp)
            rows = ds.sizes["policy"] * ds.sizes["future"]
        else:
            con = connect_run(store, allow_partial=False)
            options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else \
                "FORMAT csv, HEADER true"
            con.execute(f"COPY ({ordered_results_sql()}) TO {sql_str(str(tmp))} ({options})")
            rows = con.execute("SELECT count(*) FROM results").fetchone()[0]
            con.close()
    typer.echo(t("runs.exported", lang, rows=rows, path=out), err=True)


def _plain(value: Any) -> Any:
    """DuckDB values as JSON-friendly Python values (decimals, dates, blobs)."""
    import decimal

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


@app.command("query")
@guarded
def query(run_dir: str = typer.Argument(..., metavar="DIR", help="Run directory."),
          sql: str = typer.Argument(..., help="One SELECT over the views results, chunks, "
                                    "policies and design (joint designs)."),
          fmt: str = format_option(("table", "csv", "json"))) -> None:
    """Run one read-only SELECT (DuckDB) over the run's verified chunk files, e.g.
    ``SELECT policy, avg("deterrence.p_win") FROM results GROUP BY policy``. The query
    can read only the run's own chunk and design files and write nothing (see
    :mod:`kaname.store.sandbox`); anything else is refused in one line."""
    from kaname.store import RunStore
    from kaname.store.sandbox import run_query

    store = RunStore.open(run_dir)
    columns, raw = run_query(store, sql)
    counts = store.counts()
    if counts["done"] != len(store.chunks):
        typer.echo(f"kaname: note: {run_dir}: {counts['done']} of {len(store.chunks)} chunks "
                   f"done; `results` holds only those", err=True)
    if not columns:
        return
    rows = [[_plain(v) for v in r] for r in raw]
    if fmt == "json":
        emit(dumps_json({"columns": columns,
                         "rows": [dict(zip(columns, r, strict=True)) for r in rows]}))
    elif fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        emit(buf.getvalue())
    else:
        _print_table(columns, [list(r) for r in rows])


def _ranges(indices: list[int]) -> str:
    """0-3, 5, 7-8: chunk indices in short."""
    out: list[str] = []
    for k in indices:
        if out and out[-1].split("-")[-1] == str(k - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{k}"
        else:
            out.append(str(k))
    return ", ".join(out) or "none"


@app.command("repair")
@guarded
def repair(run_dir: str = typer.Argument(..., metavar="DIR", help="Run directory."),
           fmt: str = format_option(("text", "json")), lang: LangOpt = "en") -> None:
    """Rebuild DIR/manifest.json (damaged or deleted) from the frozen scenario.yaml, the
    design and each chunk's own record; a chunk is kept only if every file matches its
    recorded SHA-256, the others are reset to pending for ``kaname explore --resume DIR``."""
    from kaname.store import repair_run

    rep = repair_run(run_dir)
    if fmt == "json":
        emit(dumps_json({"run_dir": str(rep.run_dir), "status": rep.status,
                         "chunks": rep.chunks, "kept": rep.kept,
                         "reset": [{"chunk": k, "reason": why} for k, why in rep.reset],
                         "design": rep.design, "parameters_from": rep.parameters_from,
                         "notes": rep.notes}))
        return
    lines = [t("runs.repair_rebuilt", lang, dir=rep.run_dir, source=rep.parameters_from,
               design=rep.design),
             t("runs.repair_kept", lang, n=len(rep.kept), chunks=rep.chunks,
               which=_ranges(rep.kept))]
    if rep.reset:
        lines.append(t("runs.repair_reset", lang, n=len(rep.reset), chunks=rep.chunks))
        lines += [f"  chunk {k}: {why}" for k, why in rep.reset]
    lines += [t("runs.repair_note", lang, note=note) for note in rep.notes]
    lines.append(t("runs.repair_resume", lang, dir=rep.run_dir) if rep.reset
                 else t("runs.repair_complete", lang))
    emit("\n".join(lines))
