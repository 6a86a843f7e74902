"""``kaname homeland``: size a space-based interceptor constellation for a salvo, and compare
the named Golden Dome architectures with the public headline totals."""

from __future__ import annotations

from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from kaname.clikit import LangOpt, check_choice, dumps_json, emit, format_option, guarded
from kaname.data import Library
from kaname.errors import InputError
from kaname.models.base import Settings
from kaname.text import LANGS, has, t

name = "homeland"
app = typer.Typer(help="Golden Dome: constellation sizing and architecture costs.",
                  no_args_is_help=True)

HEADLINES = ("white_house_usd", "programme_office_usd", "aei_low_usd", "aei_limited_sbi_usd",
             "aei_high_usd")
BILLION = {"sbi_layer_cost_20y_usd", "cost_20y_usd", "mean_annual_cost_10y_usd"}


def _row(key: str, lang: str) -> str:
    """The label of a result row (`key` of the result dict)."""
    return t(f"homeland.row_{key}", lang)


def _model_and_defaults(library: Library):
    from kaname.models.homeland import HomelandModel

    model = HomelandModel.from_library(library, Settings())
    return model, model.defaults(library)


def _fmt(key: str, value: float) -> str:
    if key in BILLION:
        return f"{value / 1e9:,.1f}"
    if key in ("sbi_count", "salvo"):
        return f"{value:,.0f}"
    if key in ("share_in_reach",):
        return f"{value:.5f}"
    return f"{value:,.3g}" if abs(value) < 1e4 else f"{value:,.0f}"


@app.command("size")
@guarded
def size(
    salvo: int = typer.Option(..., "--salvo", help="Missiles launched together (≥ 1)."),
    threat: str = typer.Option(..., "--threat", help="icbm_liquid, icbm_solid or hgv."),
    latitude: float = typer.Option(..., "--latitude", help="Launch latitude in degrees."),
    confidence: float = typer.Option(None, "--confidence",
                                     help="P(whole salvo engaged); default from data."),
    sbi_count: int = typer.Option(None, "--sbi-count", help="Cost this constellation instead."),
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Smallest constellation engaging a salvo with a given confidence, and its 20-year cost."""
    from kaname.models.homeland.engagement import constellation_for_salvo, prob_all_engaged
    from kaname.models.homeland.model import BOOSTED

    check_choice(threat, BOOSTED, "--threat")
    if salvo < 1:
        raise InputError(f"{salvo} must be at least 1 missile", key="--salvo")
    if not -90.0 <= latitude <= 90.0:
        raise InputError(f"{latitude:g} must be in [-90, 90] degrees", key="--latitude")
    if sbi_count is not None and sbi_count < 0:
        raise InputError(f"{sbi_count} must be ≥ 0", key="--sbi-count")
    library = Library.load()
    model, defaults = _model_and_defaults(library)
    if confidence is None:
        confidence = defaults["homeland.sbi.design_confidence"]
    if not 0.0 < confidence < 1.0:
        raise InputError(f"{confidence:g} must be in (0, 1)", key="--confidence")

    x = {k: np.array([v]) for k, v in defaults.items()}
    x["homeland.threat_latitude"] = np.array([latitude])
    model.validate(x)
    geo = {k: float(v[0]) for k, v in model.geometry(x, threat).items()}
    shots = defaults["homeland.sbi.shots_per_missile"]
    if sbi_count is None:
        count = float(constellation_for_salvo(salvo, shots, confidence, geo["share_in_reach"]))
    else:
        count = float(sbi_count)
    p_engaged = float(prob_all_engaged(salvo, shots, count * geo["share_in_reach"]))
    out = model.evaluate_dict({"homeland.threat_latitude": latitude,
                               "homeland.sbi.count_override": count}, library=library)
    result = {
        "threat": threat, "salvo": salvo, "latitude": latitude, "confidence": confidence,
        "shots_per_missile": shots,
        "time_available_s": geo["time_available_s"], "reach_km": geo["reach_km"],
        "share_in_reach": geo["share_in_reach"], "absentee_ratio": 1.0 / geo["share_in_reach"],
        "sbi_count": count, "p_salvo_engaged": p_engaged,
        "sbi_layer_cost_20y_usd": float(out["homeland.sbi_layer_cost_20y_usd"][0]),
        "cost_20y_usd": float(out["homeland.cost_20y_usd"][0]),
        "architecture": model.architectures[int(defaults["homeland.architecture"])],
    }
    if fmt == "json":
        emit(dumps_json(result))
        return
    table = Table(t("homeland.metric", lang), t("common.value", lang))
    for key in ("threat", "salvo", "latitude", "confidence", "time_available_s", "reach_km",
                "share_in_reach", "absentee_ratio", "sbi_count", "p_salvo_engaged",
                "sbi_layer_cost_20y_usd", "cost_20y_usd", "architecture"):
        value = result[key]
        table.add_row(_row(key, lang), value if isinstance(value, str) else _fmt(key, value))
    Console(width=120).print(table)


@app.command("compare")
@guarded
def compare(
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """The named architectures side by side, with the public headline totals."""
    library = Library.load()
    model, _ = _model_and_defaults(library)
    metrics = ("sbi_count", "absentee_ratio", "expected_leakers_total", "p_no_leak_total",
               "sbi_layer_cost_20y_usd", "cost_20y_usd", "mean_annual_cost_10y_usd")
    n = len(model.architectures)
    out = model.evaluate_dict({"homeland.architecture": np.arange(n, dtype=float)},
                              library=library)
    rows = {a: {m: float(out[f"homeland.{m}"][i]) for m in metrics}
            for i, a in enumerate(model.architectures)}
    headlines: dict[str, dict[str, Any]] = {}
    for key in HEADLINES:
        entry = library.get(f"homeland.headline.{key}")
        src = entry.sources[0] if entry.sources else None
        headlines[key] = {"usd": float(entry.value("USD")),
                          "label": {lang_: entry.label.get(lang_) or entry.label.get("en", key)
                                    for lang_ in LANGS},
                          "source": src.cite() if src else entry.assumption}
    if fmt == "json":
        emit(dumps_json({"architectures": rows, "headlines": headlines}))
        return
    console = Console(width=140)
    table = Table(t("homeland.metric", lang), *[library.label(f"homeland.architectures.{a}", lang)
                                        for a in model.architectures],
                  title=t("homeland.row_architecture", lang))
    for m in metrics:
        table.add_row(_row(m, lang) if has(f"homeland.row_{m}")
                      else model.outputs[f"homeland.{m}"].label(lang),
                      *[_fmt(m, rows[a][m]) for a in model.architectures])
    console.print(table)
    heads = Table(t("homeland.headline", lang), "US$B", t("common.source", lang))
    for h in headlines.values():
        heads.add_row(h["label"][lang], f"{h['usd'] / 1e9:,.0f}", h["source"])
    console.print(heads)
