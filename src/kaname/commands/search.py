"""``kaname search``: NSGA-II over Japan's policy levers; writes and prints the Pareto set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kaname.clikit import (
    SET_OPTION,
    LangOpt,
    atomic_write,
    check_at_least,
    check_output_path,
    check_seed,
    dumps_json,
    emit,
    format_option,
    guarded,
    jsonable,
)
from kaname.errors import InputError
from kaname.text import t


def _cell(value: Any) -> str:
    if isinstance(value, float):
        a = abs(value)
        if a >= 1e9:
            return f"{value:.3g}"
        if a >= 10_000:
            return f"{value:,.0f}"
        return f"{value:.0f}" if a >= 100 else f"{value:.3g}"  # years print as 2035
    return str(value)


def register(app: typer.Typer) -> None:
    @app.command("search")
    @guarded
    def search_cmd(
        file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
        objective: Annotated[list[str], typer.Option(
            "--objective", help='e.g. "max:sustainment.sustainment_days@p10" (repeatable): '
            "[max:|min:]OUTCOME[@STAT], STAT mean, median, min, max, std, pNN, share>=X.")],
        out: Annotated[Path, typer.Option("--out", "-o",
                                          help="Pareto set file (.csv or .json).")],
        lever: Annotated[list[str] | None, typer.Option(
            "--lever", help="Lever to search, PATH or PATH=LOW:HIGH (repeatable; 'all' for "
            "every lever; default: the levers the scenario's policies set).")] = None,
        generations: Annotated[int, typer.Option("--generations",
                                                 help="NSGA-II generations.")] = 30,
        population: Annotated[int, typer.Option("--population", help="Population size.")] = 40,
        futures: Annotated[int, typer.Option(
            "--futures", help="Futures each candidate is evaluated on (the same for all).")
        ] = 200,
        seed: Annotated[int | None, typer.Option(
            "--seed", help="Seed (default: the scenario's).")] = None,
        base_policy: Annotated[str | None, typer.Option(
            "--base-policy", help="Policy whose values hold for levers not searched.")] = None,
        sets: list[str] = SET_OPTION,
        fmt: str = format_option(("table", "json")),
        lang: LangOpt = "en",
    ) -> None:
        """Multi-objective search (NSGA-II) over policy levers, objectives evaluated over a
        fixed sample of futures; writes the Pareto set (atomically) and prints it."""
        from kaname.analysis.search import ScenarioProblem, parse_objective, search
        from kaname.scenario import engine_for, load_scenario, parse_sets

        suffix = out.suffix.lower()
        if suffix not in (".csv", ".json"):
            raise InputError(f"unknown output format {suffix or '(none)'!r}; allowed: .csv, "
                             f".json", key="--out")
        from kaname import limits

        check_seed(seed)
        check_at_least(population, 4, "--population")
        check_at_least(generations, 1, "--generations")
        check_at_least(futures, 1, "--futures")
        limits.check_search(population, generations, futures,
                            objectives=max(len(objective), 1))
        check_output_path(out, "--out")
        sc = load_scenario(file, sets=parse_sets(sets))
        engine = engine_for(sc.settings, sc.models, sc)
        problem = ScenarioProblem(sc, engine, futures=futures, seed=seed, levers=lever,
                                  base_policy=base_policy)
        objectives = [parse_objective(o, problem) for o in objective]
        res = search(problem, objectives, population=population, generations=generations,
                     seed=problem.seed)
        payload = {"scenario": sc.name, "seed": problem.seed, **res.to_dict()}
        if suffix == ".csv":
            atomic_write(out, res.pareto.to_csv(index=False))
        else:
            atomic_write(out, json.dumps(jsonable(payload), ensure_ascii=False, indent=2) + "\n")
        if fmt == "json":
            emit(dumps_json(payload))
            return
        table = Table(title=escape(t("search.title", lang, scenario=sc.name, k=len(res.pareto),
                                     gens=generations, pop=population, futures=res.futures,
                                     evals=res.evaluations)))
        from kaname.presentation import input_label

        headers = [input_label(engine, col, lang) for col in res.pareto.columns]
        for h in headers:
            table.add_column(escape(h), overflow="fold", justify="right")
        for row in res.pareto.itertuples(index=False):
            table.add_row(*[escape(_cell(v)) for v in row])
        console = Console(width=160, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
        console.print(table)
        emit(console.export_text() + t("search.written", lang, path=out))
