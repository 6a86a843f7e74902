"""The bilingual, self-contained HTML report of a run.

``write_report(source, path, lang)`` turns results (in memory, a ``.nc`` file or a run
directory) into one HTML file with plotly.js embedded — it opens offline and loads nothing
from the network. ``kaname report DIR`` and ``kaname demo`` call it.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import xarray as xr

from kaname.errors import InputError
from kaname.report.load import ReportInput, load_input
from kaname.results import Results
from kaname.text import LANGS, t

__all__ = ["build_report", "render_report", "report_name", "write_report"]


def report_name(lang: str) -> str:
    """The default file name of the report in `lang`: one file per language, side by side,
    so writing the Japanese report never overwrites the English one."""
    return "report.html" if lang == "en" else f"report.{lang}.html"


def _engine_and_library(engine: Any, inp: ReportInput) -> tuple[Any, Any]:
    """The engine (input labels, defaults, the models' report sections) for the run's own
    settings and model list, and the data library; a report still renders, with raw paths
    for labels, if the models cannot be built."""
    library = getattr(engine, "library", None)
    if engine is None:
        try:
            from kaname.engine import Engine
            from kaname.models.base import Settings

            attrs = inp.results.dataset.attrs
            settings = Settings(int(attrs.get("base_year", Settings.base_year)),
                                int(attrs.get("horizon_days", Settings.horizon_days)))
            engine = Engine.build(settings=settings, names=_run_models(inp))
            library = engine.library
        except Exception:  # noqa: BLE001 - labels are a nicety; the report must still render
            engine = None
    if library is None:
        try:
            from kaname.data import Library

            library = Library.load()
        except Exception:  # noqa: BLE001 - the assumptions section says so
            library = None
    return engine, library


def _run_models(inp: ReportInput) -> list[str] | None:
    """The `models:` list of the run's scenario (None: every model)."""
    from kaname import yamlio

    try:
        data = yamlio.loads(inp.scenario_text, name="scenario.yaml") if inp.scenario_text \
            else {}
    except Exception:  # noqa: BLE001 - a scenario the report only quotes
        return None
    models = data.get("models") if isinstance(data, dict) else None
    return [str(m) for m in models] if isinstance(models, list) else None


def model_sections(ctx: Any) -> list[dict[str, Any]]:
    """One section per model, in the models' display order, from each model's declared
    ``report_section`` (``"module:function"``); a model without one gets a generic table of
    its headline outcomes, so a plugin model is reported without editing this package."""
    from importlib import import_module

    from kaname.ensemble import display_order
    from kaname.report import sections as sx

    models: dict[str, Any] = {m.name: m for m in getattr(ctx.engine, "models", [])}
    if ctx.engine is None:  # the models could not be built: the built-ins' declarations
        from kaname.models import BUILTIN

        for name, target in BUILTIN.items():
            module, _, attr = target.partition(":")
            models[name] = getattr(import_module(module), attr.split(".")[0])
    out = []
    for name in display_order(models):
        where = getattr(models[name], "report_section", None)
        if where:
            module, _, attr = str(where).partition(":")
            out.append(getattr(import_module(module), attr)(ctx))
        else:
            out.append(sx.generic_section(ctx, models[name]))
    return out


def build_report(inp: ReportInput, lang: str = "en", engine: Any = None, *,
                 by: str | None = None) -> dict[str, Any]:
    """Everything the template shows: banner, sections with figures and tables; `by` adds
    the headline differences group by group of that uncertainty."""
    from kaname import __version__
    from kaname.report import sections as sx

    if lang not in LANGS:
        raise InputError(f"{lang!r} not allowed; allowed: {', '.join(LANGS)}", key="lang")
    engine, library = _engine_and_library(engine, inp)
    ctx = sx.Context(inp, lang, engine, library)
    bib = sx.Bibliography()
    ctx.cite = bib.cite
    # the answer first, then one section per question, then the appendices a reader
    # consults rather than reads (issue #17)
    sections = [
        sx.findings_section(ctx),
        *([sx.by_section(ctx, by)] if by else []),
        sx.cite_section(ctx),
        *model_sections(ctx),
        sx.sensitivity_section(ctx),
        sx.discovery_section(ctx),
        sx.scenario_section(ctx),
        sx.headline_section(ctx),
        sx.assumptions_section(ctx, bib),
    ]
    sections.append(sx.bibliography_section(ctx, bib))
    status = inp.status
    banner = [t("report.sliced_banner", lang, conditions="; ".join(inp.slices),
                futures=int(ctx.ds.sizes["future"]))] if inp.slices else []
    if status.failed:
        banner.append(t("report.failed_banner", lang, failed=len(status.failed),
                        chunks=status.chunks, done=status.done,
                        futures=int(ctx.ds.sizes["future"]), dir=inp.source))
        banner += [t("report.failed_chunk", lang, k=k, error=e) for k, e in status.failed[:10]]
    elif status.pending:
        banner.append(t("report.pending_banner", lang, pending=status.pending,
                        chunks=status.chunks, futures=int(ctx.ds.sizes["future"])))
    name = str(ctx.ds.attrs.get("scenario", ""))
    return {
        "lang": lang, "title": t("report.title", lang, name=name), "banner": banner,
        "generated": t("report.generated", lang,
                       when=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                       version=__version__),
        "offline_note": t("report.offline_note", lang), "contents": t("report.contents", lang),
        "sections": sections,
    }


def _figures_json(doc: dict[str, Any]) -> str:
    """Collect figure specs into one JSON blob (ids fig-0, fig-1, ...), safe in <script>."""
    from kaname.report.figures import CONFIG, plain_text

    figs: list[Any] = []
    for sec in doc["sections"]:
        for block in sec["blocks"]:
            if block["kind"] == "figure":
                block["id"] = f"fig-{len(figs)}"
                figs.append({"id": block["id"], **plain_text(block["spec"])})
    text = json.dumps({"figures": figs, "config": CONFIG}, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_report(doc: dict[str, Any]) -> str:
    import jinja2
    from plotly.offline import get_plotlyjs

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kaname.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
        lstrip_blocks=True)
    figures = _figures_json(doc)
    return env.get_template("report.html.j2").render(
        doc=doc, figures_json=figures, plotly_js=get_plotlyjs())


def write_report(results_or_dir: Results | xr.Dataset | str | Path, path: str | Path,
                 lang: str = "en", *, scenario: Any = None, engine: Any = None,
                 sets: dict[str, Any] | None = None, by: str | None = None) -> Path:
    """Write the HTML report of `results_or_dir` to `path` (atomically) and return it.

    `results_or_dir`: :class:`Results`, a Dataset, a ``.nc`` file or a run directory (one
    with failed chunks is reported from its finished chunks, and says so on top).
    `scenario`: the :class:`Scenario` of in-memory results, for its description and text.
    `engine`: reuse a built engine (input labels, defaults); built when omitted.
    `sets`: report only the futures where each uncertainty took its value (``--set``);
    `by`: add the differences group by group of that uncertainty (``--by``).
    """
    from kaname.clikit import atomic_write, check_output_path

    if lang not in LANGS:
        raise InputError(f"{lang!r} not allowed; allowed: {', '.join(LANGS)}", key="lang")
    check_output_path(path)
    inp = load_input(results_or_dir, scenario)
    if sets:
        from kaname.analysis.slicing import restrict

        ds, inp.slices = restrict(inp.results.dataset, sets)
        inp.results = Results(ds)
    html = render_report(build_report(inp, lang, engine, by=by))
    return atomic_write(path, html)
