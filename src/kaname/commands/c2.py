"""``kaname c2``: simulate alliance coordination latency (SimPy) and check it against theory.

``kaname c2 simulate FILE`` runs the discrete-event simulation of both structures for one
policy of a scenario and prints it beside the vectorised approximation the engine uses;
``kaname c2 queue`` simulates one stationary M/M/c desk and prints the measured mean wait
beside the Erlang-C formula.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from kaname.clikit import (
    LangOpt,
    check_choice,
    check_output_path,
    check_seed,
    dumps_json,
    emit,
    format_option,
    guarded,
)
from kaname.errors import InputError
from kaname.text import t

name = "c2"
app = typer.Typer(help="Alliance coordination latency: simulation and checks.",
                  no_args_is_help=True)

METRICS = ("latency_median_h", "latency_mean_h", "latency_p90_h", "latency_p95_h",
           "share_within_6h", "decisions_per_day", "max_utilisation", "latency_transit_h",
           "latency_work_h", "latency_queue_h", "latency_principal_h", "latency_clock_h")


def _policy_values(scenario_path: str | Path, policy: str | None, situation: str | None
                   ) -> tuple[dict[str, float], Any, str, str, Any]:
    """c2 input values (defaults + the policy's c2 levers), the c2 model, names, settings."""
    from kaname.data import Library
    from kaname.engine import Engine
    from kaname.models.base import Settings
    from kaname.models.c2 import C2Model
    from kaname.models.c2.specs import SITUATIONS
    from kaname.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    settings = scenario.settings
    library = Library.load()
    model = C2Model.from_library(library, Settings(settings.base_year, settings.horizon_days))
    engine = Engine([model], library)
    values = {p: engine.default(p) for p in model.inputs}
    names = list(scenario.policies)
    if not names:
        raise InputError("scenario has no policies", file=str(scenario_path), key="policies")
    chosen = policy or names[0]
    if chosen not in scenario.policies:
        raise InputError(f"unknown policy {chosen!r}; policies: {', '.join(names)}",
                         file=str(scenario_path), key="--policy")
    for path, value in scenario.policies[chosen].items():
        if path.startswith("c2."):
            spec = model.inputs[path]
            values[path] = float(spec.code(value)) if spec.kind == "category" else float(value)
    if situation is not None:
        check_choice(situation, SITUATIONS, "--situation")
        values["c2.situation"] = float(SITUATIONS.index(situation))
    return values, model, chosen, scenario.name, settings


def _records_csv(results: list[list[dict]], structures: tuple[str, ...],
                 tokyo_offset_h: float) -> str:
    """One CSV row per simulated request; the Tokyo hour from JJOC's clock (an input)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["structure", "replication", "request", "arrival_h_utc_from_start",
                     "arrival_tokyo_hour", "decided_by", "needed_principal", "latency_h",
                     "transit_h", "work_h", "queue_h", "principal_h"])
    for structure, runs in zip(structures, results, strict=True):
        for rep, run in enumerate(runs):
            rec = run["records"]
            for i in range(len(rec["latency_h"])):
                arrival = float(rec["arrival_utc_h"][i])
                latency = float(rec["latency_h"][i])
                writer.writerow([structure, rep, i, f"{arrival:.4f}",
                                 int((arrival + tokyo_offset_h) % 24), rec["decided_by"][i],
                                 int(bool(rec["needed_principal"][i])),
                                 f"{latency:.4f}" if np.isfinite(latency) else "",
                                 *(f"{float(rec[f'{part}_h'][i]):.4f}"
                                   for part in ("transit", "work", "queue", "principal"))])
    return buffer.getvalue()


@app.command("simulate")
@guarded
def simulate(
    file: str = typer.Argument(..., help="Scenario YAML file."),
    policy: str = typer.Option(None, "--policy", help="Policy name (default: the first)."),
    days: float = typer.Option(30.0, "--days", help="Measured days per replication."),
    replications: int = typer.Option(8, "--replications", help="Independent replications."),
    seed: int = typer.Option(None, "--seed", help="Root seed (default: the scenario's)."),
    situation: str = typer.Option(None, "--situation", help="peacetime or crisis."),
    warmup_days: float = typer.Option(3.0, "--warmup-days", help="Days discarded first."),
    workers: int = typer.Option(None, "--workers", help="Worker processes (default: cores)."),
    fmt: str = format_option(("table", "json")),
    records: str = typer.Option(None, "--records", help="Write one CSV row per request."),
    lang: LangOpt = "en",
) -> None:
    """Simulate both C2 structures for one policy and compare with the approximation."""
    from kaname import limits
    from kaname.models.c2.des import compare_structures, decompose, summarise
    from kaname.models.c2.specs import STRUCTURES

    if not np.isfinite(days) or days <= 0 or days > 3650:
        raise InputError(f"must be in (0, 3650] days (got {days:g})", key="--days")
    if replications < 1:  # the upper limit is the time it takes: limits.check_des
        raise InputError(f"must be at least 1 (got {replications})", key="--replications")
    if not np.isfinite(warmup_days) or warmup_days < 0 or warmup_days > 3650:
        raise InputError(f"must be in [0, 3650] days (got {warmup_days:g})",
                         key="--warmup-days")
    if workers is not None and workers < 1:
        raise InputError(f"must be at least 1 (got {workers})", key="--workers")
    check_seed(seed)
    limits.check_des(replications, days, warmup_days, workers)
    check_output_path(records, "--records")
    values, model, chosen, scenario_name, settings = _policy_values(file, policy, situation)
    seed = int(settings.seed if seed is None else seed)
    results, same, approx = compare_structures(model, values, days, warmup_days, replications,
                                               seed, workers, file=str(file),
                                               records=records is not None)
    situation_name = ("crisis" if values["c2.situation"] == 1 else "peacetime")
    report: dict[str, Any] = {
        "scenario": scenario_name, "policy": chosen,
        "policy_structure": STRUCTURES[int(values["c2.structure"])],
        "delegated_share": values["c2.delegated_share"], "situation": situation_name,
        "days": days, "warmup_days": warmup_days, "replications": replications, "seed": seed,
        "structures": {},
    }
    for k, structure in enumerate(STRUCTURES):
        report["structures"][structure] = {
            "simulation": summarise(results[k]) | decompose(results[k], same[k]),
            "approximation": {m: float(approx[f"c2.{m}"][k]) for m in METRICS}
            | {"utilisation": dict(zip(("jjoc", "usfj", "indopacom"),
                                       approx["c2.utilisation"][k].tolist(), strict=True))},
        }
    if records is not None:
        emit(_records_csv(results, STRUCTURES, values["c2.jjoc.utc_offset_h"]), records)
    if fmt == "json":
        emit(dumps_json(report))
        return
    situation_text = t(f"c2.situation_{situation_name}", lang)
    table = Table(t("common.outcome", lang), title=t("c2.title", lang, scenario=scenario_name,
                                                     policy=chosen, days=days, reps=replications,
                                                     seed=seed, situation=situation_text))
    for structure in STRUCTURES:
        name = t(f"c2.structure_{structure}", lang)
        table.add_column(f"{name}\n{t('c2.simulation', lang)}", justify="right")
        table.add_column(f"{name}\n{t('c2.approximation', lang)}", justify="right")
    for metric in METRICS:
        spec = model.outputs[f"c2.{metric}"]
        unit = "" if spec.unit == "dimensionless" else f" [{spec.unit}]"
        cells = []
        for structure in STRUCTURES:
            sim = report["structures"][structure]["simulation"][metric]
            apx = report["structures"][structure]["approximation"][metric]
            cells.append(f"{sim:.2f}")
            cells.append(f"{apx:.2f}")
        table.add_row(spec.label(lang) + unit, *cells)
    Console(width=140).print(table)
    for structure in STRUCTURES:
        sim = report["structures"][structure]["simulation"]
        Console(width=140).print(f"{t(f'c2.structure_{structure}', lang)}: "
                                 f"{sim['latency_mean_h']:.2f} "
                                 f"± {sim['latency_mean_ci95_h']:.2f} h ({t('c2.ci', lang)})")


@app.command("queue")
@guarded
def queue(
    arrivals_per_hour: float = typer.Option(..., "--arrivals-per-hour", help="Poisson rate λ."),
    service_minutes: float = typer.Option(..., "--service-minutes",
                                          help="Mean exponential service time 1/μ."),
    servers: int = typer.Option(..., "--servers", help="Staff c (constant)."),
    hours: float = typer.Option(10000.0, "--hours", help="Simulated hours."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    fmt: str = format_option(("json", "table")),
    lang: LangOpt = "en",
) -> None:
    """Simulate one stationary M/M/c desk; print the measured mean wait and Erlang C."""
    from kaname.models.c2.des import simulate_single_node

    if not np.isfinite(hours) or hours <= 0 or hours > 1e7:
        raise InputError(f"must be in (0, 1e7] hours (got {hours:g})", key="--hours")
    check_seed(seed)
    result = simulate_single_node(arrivals_per_hour, service_minutes, servers, hours, seed)
    if fmt == "json":
        emit(dumps_json(result))
        return
    table = Table(t("common.outcome", lang), "")
    table.add_row(t("c2.mean_wait", lang),
                  f"{result['mean_wait_minutes']:.2f} {t('c2.minutes', lang)}")
    table.add_row(t("c2.erlang", lang),
                  f"{result['erlang_c_mean_wait_minutes']:.2f} {t('c2.minutes', lang)}")
    table.add_row(t("c2.utilisation", lang), f"{result['utilisation']:.3f}")
    table.add_row(t("c2.customers", lang), str(result["customers"]))
    Console(width=100).print(table)
