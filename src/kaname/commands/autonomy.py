"""``kaname autonomy``: Japan's technology dependence by domain and origin, and what a
policy's investments do to China risk, US risk and strategic autonomy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from kaname.clikit import SET_OPTION, LangOpt, dumps_json, emit, format_option, guarded
from kaname.errors import InputError
from kaname.text import t

name = "autonomy"
app = typer.Typer(help="Economic security: dependence by domain and origin, China and US risk.",
                  no_args_is_help=True)

MEASURES = ("expected_harm_jpy_per_year", "china_harm_jpy_per_year", "us_harm_jpy_per_year",
            "china_risk", "us_risk", "autonomy_index", "complementarity", "investment_cost_jpy")


def _choose_policy(policies: Mapping[str, Mapping[str, Any]], requested: str | None,
                   prefix: str) -> str:
    """The requested policy, else the first that invests in a domain, else the first."""
    if requested is not None:
        if requested not in policies:
            raise InputError(t("autonomy.no_policy", "en", policy=requested,
                               names=", ".join(policies)), key="--policy")
        return requested
    for policy, levers in policies.items():
        if any(p.startswith(prefix) and p.endswith(".investment_jpy_per_year") for p in levers):
            return policy
    return next(iter(policies))


def dependence_table(model: Any, library: Any, levers: Mapping[str, float]) -> dict[str, Any]:
    """Shares and risks at the data-library base values, before (no new investment) and
    after the given lever values; a plain dict ready for JSON."""
    from kaname.engine import Engine

    engine = Engine([model], library)
    after_inputs = {p: engine.default(p) for p in model.inputs}
    after_inputs.update({p: float(v) for p, v in levers.items() if p in model.inputs})
    no_investment = {p: 0.0 for p in model.inputs if p.endswith(".investment_jpy_per_year")}
    runs = {which: engine.evaluate(engine.columns_from(values, 1), 1)
            for which, values in (("before", {**after_inputs, **no_investment}),
                                  ("after", after_inputs))}
    origins, domains = model.coords["origin"], model.coords["domain"]

    def shares(out: Mapping[str, np.ndarray]) -> dict[str, dict[str, float]]:
        grid = out["autonomy.share_after"][0]
        return {d: {o: float(grid[i, j]) for j, o in enumerate(origins)}
                for i, d in enumerate(domains)}

    return {
        "origins": list(origins),
        "domains": list(domains),
        "horizon_years": after_inputs["autonomy.horizon_years"],
        "investment_years": max(after_inputs["sustainment.conflict_year"]
                                - model.settings.base_year, 0.0),
        "investment_jpy_per_year": {d: after_inputs[f"autonomy.{d}.investment_jpy_per_year"]
                                    for d in domains},
        "share_before": shares(runs["before"]),
        "share_after": shares(runs["after"]),
        "before": {m: float(runs["before"][f"autonomy.{m}"][0]) for m in MEASURES},
        "after": {m: float(runs["after"][f"autonomy.{m}"][0]) for m in MEASURES},
    }


def _render(table: Mapping[str, Any], model: Any, scenario: str, policy: str,
            lang: str) -> None:
    from kaname.models.autonomy import ORIGIN_LABELS

    console = Console(width=200)
    grid = Table(title=t("autonomy.title", lang, scenario=scenario, policy=policy,
                         years=table["horizon_years"]))
    grid.add_column(t("common.domain", lang))
    for origin in table["origins"]:
        grid.add_column(ORIGIN_LABELS[origin][lang], justify="right")
    grid.add_column(t("autonomy.investment", lang), justify="right")
    for d in table["domains"]:
        cells = []
        for o in table["origins"]:
            b, a = table["share_before"][d][o], table["share_after"][d][o]
            cells.append(f"{b:.2f}" if abs(a - b) < 5e-4 else f"{b:.2f} → {a:.2f}")
        cells.append(f"{table['investment_jpy_per_year'][d] / 1e9:,.0f}")
        grid.add_row(model.domain_labels[d].get(lang) or d, *cells)
    console.print(grid)

    risks = Table(title=t("autonomy.risks_title", lang))
    for key in ("autonomy.measure", "autonomy.before", "autonomy.after", "autonomy.change"):
        risks.add_column(t(key, lang), justify="left" if key == "autonomy.measure" else "right")
    for m in MEASURES:
        spec = model.outputs[f"autonomy.{m}"]
        b, a = table["before"][m], table["after"][m]
        if spec.unit.startswith("JPY"):
            unit = t("autonomy.cost_unit", lang)
            risks.add_row(f"{spec.label(lang)} ({unit})", f"{b / 1e9:,.0f}", f"{a / 1e9:,.0f}",
                          f"{(a - b) / 1e9:+,.0f}")
        else:
            risks.add_row(spec.label(lang), f"{b:.4f}", f"{a:.4f}", f"{a - b:+.4f}")
    console.print(risks)


@app.command("table")
@guarded
def table_(
    file: str = typer.Argument(..., help="Scenario file (YAML)."),
    policy: str | None = typer.Option(None, "--policy",
                               help="Policy whose investments to apply (default: the first "
                                    "that invests in a domain, else the first)."),
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Print the domain × origin dependence table and the risks before and after a policy's
    investments, at the data library's base values."""
    from kaname.data import Library
    from kaname.models.autonomy import AutonomyModel
    from kaname.scenario import load_scenario

    library = Library.load()
    model = AutonomyModel.from_library(library)
    scenario = load_scenario(file)
    chosen = _choose_policy(scenario.policies, policy, "autonomy.")
    result = dependence_table(model, library, scenario.policies[chosen])
    if fmt == "json":
        labels = {d: model.domain_labels[d] for d in model.domains}
        emit(dumps_json({"scenario": scenario.name, "policy": chosen, "domain_labels": labels,
                         **result}))
        return
    _render(result, model, scenario.name, chosen, lang)


PER_100B = 1e11   # the ranking prints the secondary risk index per ¥100B spent


@app.command("rank")
@guarded
def rank(
    file: str = typer.Argument(..., help="Scenario file (YAML)."),
    amount: float | None = typer.Option(
        None, "--amount", help="Yen a year to invest in every domain (default: the largest "
                               "amount any policy invests in it; ¥50B for the others)."),
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Rank domain investments by coercion harm avoided per yen, for each origin, at the
    scenario's amounts: the average and the marginal return (diminishing returns), the
    secondary risk index per yen, and the share of the room to the domain's ceiling the
    amount closes."""
    from dataclasses import asdict

    from kaname.analysis.per_yen import rank_investments, ranking, scenario_amounts
    from kaname.data import Library
    from kaname.models.autonomy import COERCING, ORIGIN_LABELS, AutonomyModel
    from kaname.scenario import load_scenario

    library = Library.load()
    model = AutonomyModel.from_library(library)
    scenario = load_scenario(file)
    results = rank_investments(model, library,
                               scenario_amounts(scenario.policies, model.domains, amount))
    if fmt == "json":
        emit(dumps_json({"scenario": scenario.name,
                         "unit": "JPY of expected harm avoided over the risk horizon per JPY "
                                 "spent (index_per_jpy: risk-index points per JPY)",
                         "domains": [asdict(r) for r in results],
                         "ranking": {o: [r.domain for r in ranking(results, o)]
                                     for o in COERCING}}))
        return
    console = Console(width=160)
    for origin in ("china", "us"):
        grid = Table(title=t("autonomy.rank_title", lang, scenario=scenario.name,
                             origin=ORIGIN_LABELS[origin][lang]))
        grid.add_column("#", justify="right")
        grid.add_column(t("common.domain", lang))
        grid.add_column(t("autonomy.investment", lang), justify="right")
        grid.add_column(t("autonomy.rank_source", lang))
        grid.add_column(t("autonomy.rank_average", lang), justify="right")
        grid.add_column(t("autonomy.rank_marginal", lang), justify="right")
        grid.add_column(t("autonomy.rank_index", lang), justify="right")
        grid.add_column(t("autonomy.rank_gap", lang), justify="right")
        for i, r in enumerate(ranking(results, origin), start=1):
            source = t("autonomy.rank_reference", lang) if r.source == "reference" else r.source
            grid.add_row(str(i), model.domain_labels[r.domain].get(lang) or r.domain,
                         f"{r.amount_jpy_per_year / 1e9:,.0f}", source,
                         f"{r.average_per_jpy[origin]:.3g}",
                         f"{r.marginal_per_jpy[origin]:.3g}",
                         f"{r.index_per_jpy[origin] * PER_100B:.2e}",
                         f"{r.gap_closed:.0%}")
        console.print(grid)
    console.print(t("autonomy.rank_note", lang))


@app.command("tradeoff")
@guarded
def tradeoff(
    file: str = typer.Argument(..., help="Scenario file (YAML)."),
    policies: list[str] = typer.Option(..., "--policy",
                                       help="The two policies, a then b (differences b − a)."),
    futures: int | None = typer.Option(None, "--futures", min=2,
                                       help="Futures to run (default: the scenario's)."),
    sets: list[str] = SET_OPTION,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Where hedging and complementing pull apart: two policies on the same futures, their
    paired differences in harm (yen) and US commitment with 95 % intervals, what a user must
    believe for each to commit the US more, and the yen a point of commitment costs."""
    from kaname import ensemble
    from kaname.analysis.tradeoff import compare
    from kaname.scenario import load_scenario, parse_sets
    from kaname.text import fmt_number

    if len(policies) != 2:
        raise InputError(f"needs exactly two policies (got {len(policies)})", key="--policy")
    scenario = load_scenario(file, sets=parse_sets(sets))
    for name in policies:
        if name not in scenario.policies:
            raise InputError(t("autonomy.no_policy", "en", policy=name,
                               names=", ".join(scenario.policies)), key="--policy")
    results = ensemble.run(scenario, futures=futures, policies=policies)
    result = compare(results.dataset, *policies)
    if fmt == "json":
        emit(dumps_json({"scenario": scenario.name, **result.as_dict()}))
        return
    ds = results.dataset
    console = Console(width=160)
    grid = Table(title=t("autonomy.tradeoff_title", lang, a=result.a, b=result.b,
                         n=result.futures))
    for key in ("autonomy.measure", "autonomy.tradeoff_diff", "autonomy.tradeoff_interval"):
        grid.add_column(t(key, lang), justify="left" if key == "autonomy.measure" else "right")
    for d in result.differences:
        unit = ("share" if str(ds[d.outcome].attrs.get("kind")) == "bool"
                else str(ds[d.outcome].attrs.get("unit", "")))
        label = str(ds[d.outcome].attrs.get(f"label_{lang}", d.outcome))
        grid.add_row(label, fmt_number(d.centre, unit, lang),
                     f"{fmt_number(d.low, unit, lang)} – {fmt_number(d.high, unit, lang)}")
    console.print(grid)
    console.print(t("autonomy.tradeoff_dominance", lang, a=result.a, b=result.b,
                    both_b=f"{result.dominance['b_on_both']:.0%}",
                    both_a=f"{result.dominance['a_on_both']:.0%}",
                    split=f"{result.dominance['split']:.0%}"))
    if result.yen_per_point is not None:
        low, mid, high = (fmt_number(v, "JPY", lang) for v in result.yen_per_point)
        console.print(t("autonomy.tradeoff_price", lang, b=result.b, median=mid, low=low,
                        high=high))
    if not np.isfinite(result.belief_ratio):  # neither capacity nor displacement differs
        console.print(t("autonomy.tradeoff_commits", lang, b=result.b,
                        share=f"{result.b_commits_more_share:.0%}"))
        return
    console.print(t("autonomy.tradeoff_belief", lang, a=result.a, b=result.b,
                    share=f"{result.b_commits_more_share:.0%}",
                    ratio=f"{result.belief_ratio:.3g}"))
    if result.frontier:
        f = result.frontier
        thirds = Table(title=t("autonomy.tradeoff_frontier", lang, b=result.b))
        thirds.add_column("h \\ k")
        for j in range(len(f["k_edges"]) - 1):
            thirds.add_column(f"{f['k_edges'][j]:.2f}–{f['k_edges'][j + 1]:.2f}", justify="right")
        for i, row in enumerate(f["b_commits_more_share"]):
            thirds.add_row(f"{f['h_edges'][i]:.2f}–{f['h_edges'][i + 1]:.2f}",
                           *[f"{v:.0%}" for v in row])
        console.print(thirds)
