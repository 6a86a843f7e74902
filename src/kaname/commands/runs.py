"""``kaname runs``: the run catalog and what is inside a run directory.

``list`` reads the DuckDB catalog; ``show``, ``export`` and ``query`` read a run directory,
and only chunk files whose checksum matches the manifest (a corrupted one is an error that
names the file and how to recompute it, never silently read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from kaname.clikit import check_choice, check_output_path, dumps_json, emit, guarded
from kaname.errors import InputError
from kaname.i18n import lookup

name = "runs"
app = typer.Typer(help="List, inspect, export and query ensemble runs (run directories).",
                  no_args_is_help=True)

UI: dict[str, dict[str, str]] = {
    "dir": {"en": "Run directory", "ja": "実行ディレクトリ"},
    "scenario": {"en": "Scenario", "ja": "シナリオ"},
    "created": {"en": "Created", "ja": "作成日時"},
    "updated": {"en": "Updated", "ja": "更新日時"},
    "futures": {"en": "Futures", "ja": "将来シナリオ数"},
    "policies": {"en": "Policies", "ja": "政策"},
    "design": {"en": "Design", "ja": "実験計画"},
    "seed": {"en": "Root seed", "ja": "ルートシード"},
    "chunks": {"en": "Chunks (done/total)", "ja": "チャンク(完了/全体)"},
    "failed": {"en": "Failed chunks", "ja": "失敗チャンク"},
    "status": {"en": "Status", "ja": "状態"},
    "chunk_size": {"en": "Futures per chunk", "ja": "チャンクあたり将来シナリオ数"},
    "versions": {"en": "Versions", "ja": "バージョン"},
    "source": {"en": "Scenario file", "ja": "シナリオファイル"},
    "corrupted": {"en": "Corrupted chunk files", "ja": "破損したチャンクファイル"},
    "missing": {"en": "missing", "ja": "存在しない"},
    "no_runs": {"en": "no runs in the catalog {path}", "ja": "カタログ{path}に実行記録はありません"},
    "exported": {"en": "{rows:,} rows written to {path}", "ja": "{rows:,}行を{path}に書き出しました"},
    "item": {"en": "Item", "ja": "項目"},
    "value": {"en": "Value", "ja": "値"},
    "status_complete": {"en": "complete", "ja": "完了"},
    "status_running": {"en": "running or killed", "ja": "実行中または強制終了"},
    "status_incomplete": {"en": "incomplete", "ja": "未完了"},
    "status_failed": {"en": "failed chunks", "ja": "失敗チャンクあり"},
}
EXPORT_FORMATS = ("parquet", "csv", "netcdf")


def ui(key: str, lang: str, **kwargs: object) -> str:
    return lookup(UI, key, lang, **kwargs)


def _status(status: str, lang: str) -> str:
    return ui(f"status_{status}", lang) if f"status_{status}" in UI else status


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
def list_cmd(fmt: str = typer.Option("table", "--format", help="table or json."),
             lang: str = typer.Option("en", "--lang", help="en or ja.")) -> None:
    """Every run recorded in the catalog (``$KANAME_CATALOG`` or ~/.kaname/catalog.duckdb)."""
    from kaname.catalog import catalog_path, list_runs

    check_choice(fmt, ("table", "json"), "--format")
    check_choice(lang, ("en", "ja"), "--lang")
    runs = list_runs()
    if fmt == "json":
        emit(dumps_json({"catalog": str(catalog_path()), "runs": runs}))
        return
    if not runs:
        emit(ui("no_runs", lang, path=catalog_path()))
        return
    _print_table([ui(k, lang) for k in ("dir", "scenario", "created", "futures", "policies",
                                        "design", "chunks", "status")],
                 [[r["dir"], r["scenario"], r["created"], f"{r['futures']:,}", r["policies"],
                   r["design"], f"{r['done']}/{r['chunks']}",
                   _status(r["status"], lang) if r["exists"] else ui("missing", lang)]
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
         fmt: str = typer.Option("table", "--format", help="table or json."),
         lang: str = typer.Option("en", "--lang", help="en or ja.")) -> None:
    """Scenario, design, seed, versions and each chunk's status (failed ones with errors)."""
    check_choice(fmt, ("table", "json"), "--format")
    check_choice(lang, ("en", "ja"), "--lang")
    info = _describe(run_dir)
    if fmt == "json":
        emit(dumps_json(info))
        return
    c = info["chunks"]
    rows = [
        [ui("scenario", lang), info["scenario"]], [ui("source", lang), info["source"]],
        [ui("status", lang), _status(info["status"], lang)],
        [ui("created", lang), info["created"]], [ui("updated", lang), info["updated"]],
        [ui("futures", lang), f"{info['futures']:,}"],
        [ui("policies", lang), ", ".join(info["policies"])],
        [ui("design", lang), info["design"]], [ui("seed", lang), info["seed"]],
        [ui("chunk_size", lang), f"{info['futures_per_chunk']:,}"],
        [ui("chunks", lang), f"{c['done']}/{c['total']}"],
        [ui("versions", lang), ", ".join(f"{k} {v}" for k, v in info["versions"].items())],
    ]
    for f in info["failed"]:
        rows.append([f"{ui('failed', lang)} #{f['chunk']}", f["error"]])
    if info["corrupted"]:
        rows.append([ui("corrupted", lang), ", ".join(map(str, info["corrupted"]))])
    _print_table([ui("item", lang), ui("value", lang)], rows, title=info["dir"])


@app.command("export")
@guarded
def export(run_dir: str = typer.Argument(..., metavar="DIR", help="Run directory."),
           fmt: str = typer.Option(..., "--format", help="parquet, csv or netcdf."),
           out: str = typer.Option(..., "--out", "-o", help="Output file."),
           lang: str = typer.Option("en", "--lang", help="en or ja.")) -> None:
    """Every sample, one row per (policy, future) in a stable order: policy (scenario
    order), then future. NetCDF writes the labelled Dataset instead."""
    from kaname.catalog import connect_run, ordered_results_sql, sql_str
    from kaname.files import atomic_path
    from kaname.store import RunStore, open_results

    check_choice(fmt, EXPORT_FORMATS, "--format")
    check_choice(lang, ("en", "ja"), "--lang")
    check_output_path(out)
    target = Path(out)
    if target.is_dir():
        raise InputError("is a directory; give a file name", file=out, key="--out")
    store = RunStore.open(run_dir)
    store.require_complete()
    with atomic_path(target) as tmp:
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
    typer.echo(ui("exported", lang, rows=rows, path=target), err=True)


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
          sql: str = typer.Argument(..., help="SQL over the views results, chunks, policies "
                                    "and design (joint designs)."),
          fmt: str = typer.Option("table", "--format", help="table, csv or json.")) -> None:
    """Run SQL (DuckDB) over the run's verified chunk files, e.g.
    ``SELECT policy, avg("deterrence.p_win") FROM results GROUP BY policy``."""
    import duckdb

    from kaname.catalog import connect_run
    from kaname.store import RunStore

    check_choice(fmt, ("table", "csv", "json"), "--format")
    store = RunStore.open(run_dir)
    counts = store.counts()
    if counts["done"] != len(store.chunks):
        typer.echo(f"kaname: note: {run_dir}: {counts['done']} of {len(store.chunks)} chunks "
                   f"done; `results` holds only those", err=True)
    con = connect_run(store)
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return
        columns = [d[0] for d in cursor.description]
        rows = [[_plain(v) for v in r] for r in cursor.fetchall()]
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"SQL error: {first}", key="SQL") from None
    finally:
        con.close()
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
