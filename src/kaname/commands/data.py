"""``kaname data``: browse and check the sourced parameter library."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from kaname.clikit import LangOpt, dumps_json, emit, format_option, guarded
from kaname.data import Library
from kaname.text import t

name = "data"
app = typer.Typer(help="Browse and check the sourced data library.", no_args_is_help=True)


def _model_problems(library: Library) -> tuple[dict[str, str], list[str]]:
    """Canonical unit of every path some model declares (for unit checks), and defaults
    outside their declared bounds."""
    from kaname.errors import InputError
    from kaname.models.base import Settings, build_models, check_defaults

    units: dict[str, str] = {}
    problems: list[str] = []
    for model in build_models(library, Settings()):
        for path, spec in model.inputs.items():
            if spec.kind in ("real", "integer"):
                units[path] = spec.unit
                try:
                    check_defaults(library, {path: spec})
                except InputError as exc:
                    problems.append(exc.line())
    return units, problems


def _entry_json(e) -> dict:  # type: ignore[no-untyped-def]
    return {
        "path": e.path, "file": e.file, "unit": e.unit,
        "value": e.series() if e.table is not None else e.base,
        "low": e.low, "high": e.high,
        "sources": [s.__dict__ for s in e.sources], "assumption": e.assumption,
        "note": e.note,
    }


def _markdown(entries, lang: str) -> str:  # type: ignore[no-untyped-def]
    """A Markdown table for docs pages: derived from the library, never typed twice."""
    head = [t("common.parameter", lang), t("common.value", lang), t("data.range", lang),
            t("common.unit", lang), t("common.source", lang) + " / " + t("data.assumption", lang)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        value = ", ".join(f"{y}: {v:g}" for y, v in sorted(e.table.items())) \
            if e.table is not None else str(e.base)
        rng = "" if e.low is None and e.high is None else f"{e.low:g}–{e.high:g}"
        if e.sources:
            backing = "; ".join(f"[{s.publisher} ({s.date})]({s.url}) [{s.confidence}]"
                                for s in e.sources)
        else:
            backing = "*assumption:* " + " ".join(str(e.assumption).split())
        lines.append(f"| `{e.path}` | {value} | {rng} | {e.unit} | {backing} |")
    return "\n".join(lines)


@app.command("list")
@guarded
def list_(
    prefix: str = typer.Argument("", help="Only paths starting with this."),
    fmt: str = format_option(("table", "json", "markdown")),
    lang: LangOpt = "en",
) -> None:
    """List every entry: path, value or range, unit, and how it is backed."""
    lib = Library.load()
    entries = [e for e in lib if e.path.startswith(prefix)]
    if fmt == "json":
        emit(dumps_json([_entry_json(e) for e in entries]))
        return
    if fmt == "markdown":
        emit(_markdown(entries, lang))
        return
    table = Table(t("common.parameter", lang), t("common.value", lang), t("data.range", lang),
                  t("common.unit", lang),
                  t("common.source", lang) + " / " + t("data.assumption", lang))
    for e in entries:
        value = "table" if e.table is not None else str(e.base)
        rng = "" if e.low is None and e.high is None else f"{e.low}–{e.high}"
        backing = f"{len(e.sources)} source(s)" if e.sources else "assumption"
        table.add_row(e.path, value, rng, e.unit, backing)
    Console(width=160).print(table)


@app.command("show")
@guarded
def show(
    path: str = typer.Argument(..., help="Dotted path, e.g. sustainment.pac3_mse.stock_base_us"),
    fmt: str = format_option(("table", "json")),
) -> None:
    """Show one entry: value, unit, sources or assumption."""
    e = Library.load().get(path)
    if fmt == "json":
        emit(dumps_json(_entry_json(e)))
        return
    console = Console(width=160)
    console.print(f"[bold]{e.path}[/bold]  ({e.file})")
    if e.table is not None:
        for year, v in sorted(e.table.items()):
            console.print(f"  {year}: {v:g} {e.unit}")
    else:
        rng = "" if e.low is None and e.high is None else f"  (low {e.low}, high {e.high})"
        console.print(f"  value: {e.base} {e.unit}{rng}")
    for s in e.sources:
        console.print(f"  source [{s.confidence}]: {s.cite()}")
    if e.assumption:
        console.print(f"  assumption: {e.assumption}")
    if e.note:
        console.print(f"  note: {e.note}")


@app.command("check")
@guarded
def check() -> None:
    """Fail (exit 1) on any entry without sources or assumption, or with a bad unit."""
    lib = Library.load()
    units, problems = _model_problems(lib)
    problems = lib.check(units) + problems
    if problems:
        for p in problems:
            typer.echo(p, err=True)
        raise typer.Exit(1)
    typer.echo(t("data.ok", n=len(lib.entries)))
