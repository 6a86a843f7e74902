"""``kaname data``: browse and check the sourced parameter library."""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kaname.clikit import LangOpt, atomic_write, dumps_json, emit, format_option, guarded
from kaname.data import Library, source_mix, source_problems
from kaname.errors import InputError
from kaname.text import fmt_number, t

name = "data"
app = typer.Typer(help="Browse and check the sourced data library.", no_args_is_help=True)


def _model_problems(library: Library) -> tuple[dict[str, str], list[str]]:
    """Canonical unit of every path some model declares (for unit checks), and defaults
    outside their declared bounds."""
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


def _cell(text: object) -> str:
    """One Markdown table cell: whitespace folded to single spaces, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _value(e) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{y}: {v:g}" for y, v in sorted(e.table.items())) \
        if e.table is not None else str(e.base)


def _range(e) -> str:  # type: ignore[no-untyped-def]
    return "" if e.low is None and e.high is None else f"{e.low:g}–{e.high:g}"


def _backing(e) -> str:  # type: ignore[no-untyped-def]
    if e.sources:
        return "; ".join(f"[{s.publisher} ({s.date})]({s.url}) [{s.confidence}]" if s.url
                         else f"{s.publisher} ({s.date}), [copy]({s.copy}) [{s.confidence}]"
                         for s in e.sources)
    return "*assumption:* " + " ".join(str(e.assumption).split())


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _markdown(entries, lang: str) -> str:  # type: ignore[no-untyped-def]
    """A Markdown table for docs pages: derived from the library, never typed twice."""
    head = [t("common.parameter", lang), t("common.value", lang), t("data.range", lang),
            t("common.unit", lang), t("common.source", lang) + " / " + t("data.assumption", lang)]
    lines = [_row(head), "|" + "---|" * len(head)]
    for e in entries:
        lines.append(_row([f"`{e.path}`", _cell(_value(e)), _range(e), _cell(e.unit),
                           _cell(_backing(e))]))
    return "\n".join(lines)


@app.command("list")
@guarded
def list_(
    prefix: str = typer.Argument("", help="Only paths starting with this."),
    fmt: str = format_option(("table", "json", "markdown")),
    lang: LangOpt = "en",
) -> None:
    """List every entry: path, value or range, unit, and how it is backed."""
    from kaname.models.base import load_plugins

    load_plugins()  # a named plugin that cannot load is an error here as everywhere
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
    lang: LangOpt = "en",
) -> None:
    """Show one entry: value, unit, sources or assumption, and the unit a model reads it in
    (plain numbers in a scenario are read in that unit)."""
    library = Library.load()
    e = library.get(path)
    canonical = _model_problems(library)[0].get(path)
    in_model = None
    if canonical is not None and e.table is None and isinstance(e.base, (int, float)):
        in_model = e.value(canonical)
    if fmt == "json":
        emit(dumps_json({**_entry_json(e), "canonical_unit": canonical,
                         "canonical_value": in_model}))
        return
    console = Console(width=160)
    console.print(f"[bold]{e.path}[/bold]  ({e.file})")
    if e.table is not None:
        for year, v in sorted(e.table.items()):
            console.print(f"  {year}: {v:g} {e.unit}")
    else:
        rng = "" if e.low is None and e.high is None else f"  (low {e.low}, high {e.high})"
        console.print(f"  value: {e.base} {e.unit}{rng}")
    if canonical is not None:
        console.print("  " + t("data.canonical", lang, unit=canonical,
                               value="—" if in_model is None else
                               fmt_number(in_model, canonical, lang)
                               if canonical == "calendar_year" else f"{in_model:,.10g}"))
    for s in e.sources:
        console.print(f"  source [{s.confidence}]: {s.cite()}")
    if e.assumption:
        console.print(f"  assumption: {e.assumption}")
    if e.note:
        console.print(f"  note: {e.note}")


@app.command("check")
@guarded
def check(lang: LangOpt = "en") -> None:
    """Fail (exit 1) on any entry without sources or assumption, or with a bad unit, and on
    any source not cited of record (its url not on its publisher's domains in the publishers
    table, or a copy-only source rated high); print the source mix otherwise."""
    lib = Library.load()
    units, problems = _model_problems(lib)
    from kaname.data import translations

    problems = lib.check(units) + problems + translations.problems(lib)
    sources = source_problems(lib, lang=lang)
    if problems or sources:
        for p in problems + sources:
            typer.echo(p, err=True)
        if sources:
            typer.echo(t("data.src_failed", lang, n=len(sources)), err=True)
        raise typer.Exit(1)
    typer.echo(t("data.ok", lang, n=len(lib.entries)))
    for line in mix_lines(source_mix(lib), lang):
        typer.echo(line)


def mix_lines(mix: dict, lang: str = "en") -> list[str]:
    """The source mix of :func:`kaname.data.source_mix` as a few short lines."""
    def counts(d: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in d.items())

    return [t("data.mix_kind", lang, n=mix["sources"], kinds=counts(mix["kind"])),
            t("data.mix_confidence", lang, levels=counts(mix["confidence"])),
            t("data.mix_record", lang, record=mix["of_record"], copy=mix["copy_only"]),
            t("data.mix_entries", lang, sourced=mix["sourced"],
              assumption=mix["assumption_only"])]


# --- `kaname data doc MODEL`: the parameter tables of one model's docs page -----------------

DOC_HEAD_INPUTS = ["Parameter", "Label", "Value", "Range (low–high)", "Unit", "Role",
                   "Source / Assumption"]
DOC_HEAD_OUTPUTS = ["Output", "Label", "Unit", "Per", "Headline", "Better"]


def doc_markers(model: str) -> tuple[str, str]:
    """The comment lines around the generated block in ``docs/models/MODEL.md``."""
    return (f"<!-- kaname data doc {model}: begin -->", f"<!-- kaname data doc {model}: end -->")


def docs_page(model: str) -> Path:
    """``docs/models/MODEL.md`` of the checkout this package runs from."""
    import kaname

    return Path(kaname.__file__).resolve().parents[2] / "docs" / "models" / f"{model}.md"


def _wrap(text: str, width: int = 96) -> str:
    """`text` wrapped for a Markdown source file, never inside a `code span`."""
    parts = text.split("`")
    glued = "`".join(p.replace(" ", "\0") if i % 2 else p for i, p in enumerate(parts))
    return textwrap.fill(glued, width=width, break_on_hyphens=False,
                         break_long_words=False).replace("\0", " ")


def _input_row(engine, model, path: str, spec) -> str:  # type: ignore[no-untyped-def]
    lib = engine.library
    role = ""
    producer = engine.computed_by(path)
    if producer is not None and producer != model.name:
        role = f"computed by `{producer}` (this default when it is not run)"
    elif spec.lever:
        role = "lever: " + spec.allowed()
    elif spec.kind in ("category", "bool"):
        role = spec.allowed()
    if path in lib:
        e = lib.get(path)
        unit = e.unit
        if spec.kind in ("real", "integer") and spec.unit != e.unit:
            unit += f" (model: {spec.unit})"
        cells = [_value(e), _range(e), unit, _backing(e)]
    else:  # declared with a default in the model, not in the data library
        cells = [str(spec.default), "", spec.unit, "*default in the model declaration*"]
    return _row([f"`{path}`", _cell(spec.label_en), *map(_cell, cells[:3]), _cell(role),
                 _cell(cells[3])])


def _output_row(model, path: str, spec) -> str:  # type: ignore[no-untyped-def]
    label = spec.label_en + (f" — {spec.description}" if spec.description else "")
    coords = getattr(model, "coords", {}) or {}
    per = [f"{d} ({', '.join(map(str, coords.get(d, ())))})" for d in spec.dims]
    if spec.series:
        per.append("day (kept with --keep-series)")
    return _row([f"`{path}`", _cell(label), _cell(spec.unit), _cell("; ".join(per)),
                 "yes" if spec.headline else "", spec.better or ""])


def doc_tables(engine, model_name: str) -> str:  # type: ignore[no-untyped-def]
    """The Markdown parameter tables of one model: its inputs (declarations joined with the
    data library's values and backing), its outputs, and the library entries under its
    prefix that are not inputs (read when the model is built, or context)."""
    names = [m.name for m in engine.models]
    if model_name not in names:
        raise InputError(f"unknown model {model_name!r}; allowed: {', '.join(sorted(names))}",
                         key="MODEL")
    model = next(m for m in engine.models if m.name == model_name)
    legend = (f"Generated from the model's declarations and the data library by "
              f"`kaname data doc {model_name} --write`; edit those, not these tables. "
              "*Value* and *Range* are the data library's, in its unit (the model converts "
              "them to its own unit, shown where it differs). *Role*: a **lever** can be set "
              "by a policy, within the range allowed; any input not computed by another model "
              "can be sampled as an uncertainty (`dist: data` samples its range); an input "
              "computed by another model takes this value only when that model is not run.")
    lines = [_wrap(legend),
             "", f"### Inputs ({len(model.inputs)})", "", _row(DOC_HEAD_INPUTS),
             "|" + "---|" * len(DOC_HEAD_INPUTS)]
    lines += [_input_row(engine, model, p, s) for p, s in model.inputs.items()]
    lines += ["", f"### Outputs ({len(model.outputs)})", "", _row(DOC_HEAD_OUTPUTS),
              "|" + "---|" * len(DOC_HEAD_OUTPUTS)]
    lines += [_output_row(model, p, s) for p, s in model.outputs.items()]
    used = {p for m in engine.models for p in m.inputs}
    other = [e for e in engine.library
             if e.path.startswith(model_name + ".") and e.path not in used]
    if other:
        lines += ["", f"### Other data-library entries under `{model_name}.` ({len(other)}; "
                  "read when the model is built, or context)", "", _markdown(other, "en")]
    return "\n".join(lines) + "\n"


def doc_block(text: str, model: str, file: str = "") -> str | None:
    """The text between the markers of `model` in a docs page (None without markers)."""
    begin, end = doc_markers(model)
    if begin not in text and end not in text:
        return None
    if text.count(begin) != 1 or text.count(end) != 1 \
            or text.index(begin) > text.index(end):
        raise InputError(f"needs exactly one {begin!r} line before one {end!r} line",
                         file=file)
    inner = text[text.index(begin) + len(begin):text.index(end)]
    return inner.strip("\n") + "\n"


def replace_doc_block(text: str, model: str, block: str, file: str = "") -> str:
    """`text` with the block between `model`'s markers replaced by `block`."""
    if doc_block(text, model, file) is None:
        begin, end = doc_markers(model)
        raise InputError(f"no {begin!r} … {end!r} lines; add them where the tables belong",
                         file=file)
    begin, end = doc_markers(model)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{block.rstrip(chr(10))}\n{end}{tail}"


@app.command("doc")
@guarded
def doc(
    model: str = typer.Argument(..., help="Model name, e.g. sustainment."),
    write: bool = typer.Option(False, "--write",
                               help="Update the tables in the docs page in place."),
    page: Path | None = typer.Option(None, "--page",
                                     help="Docs page to update (default docs/models/MODEL.md)."),
) -> None:
    """Print one model's parameter tables (inputs, outputs) exactly as docs/models/MODEL.md
    has them between its `kaname data doc` marker comments; --write updates the page."""
    from kaname.engine import Engine

    block = doc_tables(Engine.build(), model)
    if not write:
        emit(block)
        return
    target = page or docs_page(model)
    if not target.is_file():
        raise InputError("docs page not found", file=str(target))
    text = target.read_text(encoding="utf-8")
    new = replace_doc_block(text, model, block, str(target))
    if new != text:
        atomic_write(target, new)
    typer.echo(f"{target}: {'updated' if new != text else 'already up to date'}", err=True)
