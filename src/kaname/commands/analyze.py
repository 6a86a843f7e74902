"""``kaname analyze``: robustness, Sobol'/Morris sensitivity and PRIM scenario discovery.

``robustness`` and ``prim`` read a finished run (a run directory from the run store, or a
``.nc`` file written by ``kaname run --samples``); ``sobol`` and ``morris`` run their own
designs on a scenario FILE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kaname.clikit import (
    BY_OPTION,
    SET_OPTION,
    LangOpt,
    check_at_least,
    check_seed,
    dumps_json,
    emit,
    format_option,
    guarded,
)
from kaname.errors import InputError
from kaname.presentation import input_label
from kaname.text import LANGS
from kaname.text import t as tx

name = "analyze"
app = typer.Typer(help="Robustness, sensitivity (Sobol, Morris) and scenario discovery (PRIM).",
                  no_args_is_help=True)

RunDir = Annotated[Path, typer.Argument(metavar="DIR", help="Run directory or .nc results.")]
ScenarioFile = Annotated[Path, typer.Argument(help="Scenario YAML file.")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")]
Policy = Annotated[str | None, typer.Option("--policy", help="Policy whose levers hold "
                                            "(default: the first).")]
Outcome = Annotated[str, typer.Option("--outcome", help="Outcome, e.g. sustainment_days.")]

def _render(table: Table | Sequence[Table]) -> str:
    console = Console(width=150, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for t in [table] if isinstance(table, Table) else table:
        console.print(t)
    return console.export_text()


def _num(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "—"
    a = abs(x)
    if a < 1e-9:
        return "0"
    if a >= 1e9:
        return f"{x:.3g}"
    if a >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def load_results(path: Path) -> Any:
    """Results from a run directory (the run store; a complete run only) or a ``.nc``
    file, through the store's one reader."""
    from kaname.store.reader import open_results

    return open_results(path)


def results_from(source: Path, futures: int | None = None,
                 sets: list[str] | None = None) -> Any:
    """A run directory or ``.nc`` file, restricted to the futures where each ``--set``
    uncertainty took its value (:func:`kaname.analysis.slicing.restrict`); a scenario file
    is run first, with `futures` and each ``--set`` value fixed in every future."""
    if not source.exists():
        raise InputError("no such file or run directory", file=str(source))
    if source.is_dir() or source.suffix == ".nc":
        results = load_results(source)
        if not sets:
            return results
        from kaname.analysis.slicing import restrict
        from kaname.results import Results
        from kaname.scenario import parse_sets

        return Results(restrict(results.dataset, parse_sets(sets))[0])
    from kaname import ensemble
    from kaname.scenario import load_scenario, parse_sets

    return ensemble.run(load_scenario(source, sets=parse_sets(sets)), futures=futures)


def _input_labels(paths: Sequence[str]) -> dict[str, dict[str, str]]:
    """Bilingual labels of input paths from the models' declarations (best effort)."""
    try:
        from kaname.engine import Engine

        engine = Engine.build()
    except Exception:  # labels are a nicety; a model that fails to build must not stop PRIM
        return {}
    return {p: {lang: input_label(engine, p, lang) for lang in LANGS}
            for p in paths if p in engine.inputs}


@app.command("robustness")
@guarded
def robustness_cmd(
    run_dir: RunDir,
    outcome: Annotated[list[str], typer.Option("--outcome", help="Outcome (repeatable); "
                                      "max:NAME / min:NAME sets the direction.")],
    threshold: Annotated[list[str] | None, typer.Option("--threshold",
                                        help='Condition like "NAME>=X" (repeatable).')] = None,
    sets: list[str] = SET_OPTION,
    by: str = BY_OPTION,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Per policy: mean, percentiles, regret against the best policy in each future, and
    the share of futures meeting every threshold; policies ranked (per group: --by)."""
    from kaname.analysis.robustness import robustness
    from kaname.analysis.slicing import by as group_by
    from kaname.analysis.slicing import subset
    from kaname.results import Results

    results = results_from(run_dir, sets=sets)
    if by is None:
        res = robustness(results, outcome, threshold or ())
        emit(dumps_json(res.to_dict()) if fmt == "json" else _robustness_text(res, lang))
        return
    groups = [(piece, robustness(Results(subset(results.dataset, piece)), outcome,
                                 threshold or ())) for piece in group_by(results.dataset, by)]
    if fmt == "json":
        emit(dumps_json({"by": by, "groups": [
            {"group": piece.label, "futures": piece.futures, **res.to_dict()}
            for piece, res in groups]}))
        return
    emit("\n".join(tx("run.by_group", lang, path=by, group=piece.label, n=piece.futures)
                   + "\n" + _robustness_text(res, lang) for piece, res in groups))


def _robustness_text(res: Any, lang: str) -> str:
    """The robustness tables of one ensemble (or one group of its futures)."""
    from kaname.text import fmt_number

    def cell(x: float | None, unit: str) -> str:
        """As the headline table shows a number (¥1.6B / 16億円, years as 2027), with a
        regret of 0 up to rounding shown as 0."""
        if x is not None and np.isfinite(x) and abs(x) < 1e-9:
            return "0"
        return fmt_number(x, unit, lang)

    rank = {p: i + 1 for i, p in enumerate(res.ranking)}
    tables = []
    for o in res.outcomes:
        t = Table(title=escape(tx("analyze.robust_title", lang, label=o[f"label_{lang}"],
                                  unit=o["unit"], better=tx(f"analyze.better_{o['better']}", lang),
                                  n=res.futures)))
        qcols = [f"p{round(q * 100):d}" for q in res.quantiles]
        for h in [tx("analyze.rank", lang), tx("common.policy", lang), tx("analyze.mean", lang),
                  *qcols, tx("analyze.regret_mean", lang), tx("analyze.regret_p90", lang),
                  tx("analyze.regret_max", lang)]:
            t.add_column(h, justify="right" if h != tx("common.policy", lang) else "left")
        rows = sorted((r for r in res.stats if r["outcome"] == o["name"]),
                      key=lambda r: rank[r["policy"]])
        unit = str(o["unit"] or "")
        for r in rows:
            t.add_row(str(rank[r["policy"]]), escape(r["policy"]), cell(r["mean"], unit),
                      *[cell(r[c], unit) for c in qcols], cell(r["regret_mean"], unit),
                      cell(r["regret_p90"], unit), cell(r["regret_max"], unit))
        tables.append(t)
    if res.thresholds:
        t = Table(title=tx("analyze.satisficing_title", lang))
        t.add_column(tx("analyze.rank", lang), justify="right")
        t.add_column(tx("common.policy", lang))
        t.add_column(tx("analyze.all", lang), justify="right")
        for th in res.thresholds:
            t.add_column(escape(th), justify="right")
        for p in res.ranking:
            s = res.satisficing[p]
            t.add_row(str(rank[p]), escape(p), f"{100 * s['all']:.1f} %",
                      *[f"{100 * s[th]:.1f} %" for th in res.thresholds])
        tables.append(t)
    return _render(tables) + tx("analyze.ranking", lang, first=res.outcomes[0]["name"])


def _scenario_target(file: Path, policy: str | None, lang: str = "en",
                     sets: list[str] | None = None) -> tuple[Any, Any, str, dict[str, float]]:
    from kaname.scenario import engine_for, load_scenario, parse_sets

    sc = load_scenario(file, sets=parse_sets(sets))
    engine = engine_for(sc.settings, sc.models, sc)
    chosen = policy or next(iter(sc.policies))
    if chosen not in sc.policies:
        raise InputError(f"unknown policy {chosen!r}; allowed: {', '.join(sc.policies)}",
                         key="--policy")
    if not sc.uncertainties:
        raise InputError("the scenario has no uncertainties to analyse", file=str(file),
                         key="uncertainties")
    return sc, engine, chosen, sc.policy_inputs(chosen, engine)


def _note_independence(sc: Any, lang: str) -> None:
    """Sobol' and Morris assume independent inputs: say so (after a successful analysis, so
    a refused one still prints a single line)."""
    if sc.dependence is not None:
        typer.echo(tx("analyze.independent", lang), err=True)


def _label(engine: Any, path: str, lang: str) -> str:
    label = input_label(engine, path, lang)
    return f"{label} ({path})" if label != path else path


@app.command("sobol")
@guarded
def sobol_cmd(
    file: ScenarioFile,
    outcome: Outcome,
    n: Annotated[int, typer.Option(
        "--n", help="Base sample N (a power of two); N·(2D+2) runs.")] = 1024,
    policy: Policy = None,
    sets: list[str] = SET_OPTION,
    seed: Seed = None,
    second_order: Annotated[bool, typer.Option("--second-order/--no-second-order",
                                      help="Also estimate pairwise interactions S2.")] = True,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Sobol' first-order, total and second-order indices with confidence intervals."""
    from kaname import limits
    from kaname.analysis.sensitivity import check_power_of_two, sobol

    check_power_of_two(n)
    check_seed(seed)
    limits.check_sobol(n, second_order=second_order)  # the smallest cost, before FILE
    sc, engine, chosen, fixed = _scenario_target(file, policy, lang, sets)
    limits.check_sobol(n, uncertainties=len(sc.uncertainties), second_order=second_order)
    res = sobol(engine, sc.uncertainties, outcome, n=n, second_order=second_order,
                seed=sc.settings.seed if seed is None else seed, fixed=fixed)
    _note_independence(sc, lang)
    if fmt == "json":
        emit(dumps_json({**res.to_dict(), "policy": chosen, "scenario": sc.name}))
        return
    t = Table(title=escape(tx("analyze.sobol_title", lang, outcome=res.outcome, n=res.n,
                              evals=res.evaluations, policy=chosen,
                              conf=100 * res.conf_level)))
    for h in (tx("analyze.input", lang), tx("analyze.s1", lang), tx("analyze.st", lang)):
        t.add_column(h, justify="left" if h == tx("analyze.input", lang) else "right")
    for i in np.argsort(-res.ST, kind="stable"):
        t.add_row(escape(_label(engine, res.names[i], lang)),
                  f"{res.S1[i]:.3f} ± {res.S1_conf[i]:.3f}",
                  f"{res.ST[i]:.3f} ± {res.ST_conf[i]:.3f}")
    tables = [t]
    if res.S2 is not None and res.S2_conf is not None:
        pairs = [(res.S2[i, j], res.S2_conf[i, j], i, j) for i in range(len(res.names))
                 for j in range(i + 1, len(res.names)) if np.isfinite(res.S2[i, j])]
        pairs.sort(key=lambda p: -p[0])
        t2 = Table(title=tx("analyze.s2_title", lang))
        t2.add_column(tx("analyze.pair", lang))
        t2.add_column("S2", justify="right")
        for s2, conf, i, j in pairs[:5]:
            t2.add_row(escape(f"{res.names[i]} × {res.names[j]}"), f"{s2:.3f} ± {conf:.3f}")
        tables.append(t2)
    emit(_render(tables))


@app.command("morris")
@guarded
def morris_cmd(
    file: ScenarioFile,
    outcome: Outcome,
    trajectories: Annotated[int, typer.Option(
        "--trajectories", help="Morris trajectories r.")] = 100,
    levels: Annotated[int, typer.Option("--levels", help="Grid levels p (even).")] = 4,
    policy: Policy = None,
    sets: list[str] = SET_OPTION,
    seed: Seed = None,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Morris elementary-effects screening: rank the uncertainties cheaply."""
    from kaname import limits
    from kaname.analysis.sensitivity import morris

    check_at_least(trajectories, 1, "--trajectories")
    check_seed(seed)
    limits.check_morris(trajectories)  # the smallest cost, before FILE
    sc, engine, chosen, fixed = _scenario_target(file, policy, lang, sets)
    limits.check_morris(trajectories, uncertainties=len(sc.uncertainties))
    res = morris(engine, sc.uncertainties, outcome, trajectories=trajectories, levels=levels,
                 seed=sc.settings.seed if seed is None else seed, fixed=fixed)
    _note_independence(sc, lang)
    if fmt == "json":
        emit(dumps_json({**res.to_dict(), "policy": chosen, "scenario": sc.name}))
        return
    t = Table(title=escape(tx("analyze.morris_title", lang, outcome=res.outcome,
                              r=res.trajectories,
                              evals=res.evaluations, policy=chosen)))
    t.add_column(tx("analyze.rank", lang), justify="right")
    t.add_column(tx("analyze.input", lang))
    for h in ("mu*", "mu", "sigma"):
        t.add_column(h, justify="right")
    for k, i in enumerate(np.argsort(-res.mu_star, kind="stable")):
        t.add_row(str(k + 1), escape(_label(engine, res.names[i], lang)),
                  f"{_num(res.mu_star[i])} ± {_num(res.mu_star_conf[i])}", _num(res.mu[i]),
                  _num(res.sigma[i]))
    emit(_render(t))


def prim_inputs(ds: Any, policies: Sequence[str]) -> tuple[Any, dict[str, np.ndarray]]:
    """PRIM's X (uncertainties, plus the policy when several) and every outcome column,
    one row per (policy, future)."""
    import pandas as pd

    from kaname.analysis.robustness import outcome_columns

    all_policies = [str(p) for p in ds["policy"].values]
    rows = [all_policies.index(p) for p in policies]
    nf = ds.sizes["future"]
    x: dict[str, Any] = {}
    if len(policies) > 1:
        x["policy"] = np.repeat(np.asarray(policies, dtype=object), nf)
    for cname, coord in ds.coords.items():
        if coord.dims == ("future",) and cname != "future":
            x[str(cname)] = np.tile(coord.values, len(policies))
    columns = {k: v[rows].reshape(-1) for k, v in outcome_columns(ds).items()}
    for k, v in x.items():
        columns.setdefault(k, v)
    return pd.DataFrame(x), columns


@app.command("prim")
@guarded
def prim_cmd(
    run_dir: RunDir,
    where: Annotated[list[str], typer.Option("--where", help='Cases of interest, e.g. '
                                    '"deterrence.holds == False" (repeatable; "and" joins).')],
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="Restrict to these policies (repeatable).")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Minimum box density.")] = 0.8,
    max_boxes: Annotated[int, typer.Option("--max-boxes", help="Boxes to find.")] = 2,
    max_restricted: Annotated[int | None, typer.Option("--max-restricted",
                                       help="At most this many limits per box.")] = None,
    peel_alpha: Annotated[float, typer.Option(
        "--peel-alpha", help="Share peeled per step.")] = 0.05,
    mass_min: Annotated[float, typer.Option("--mass-min", help="Smallest box mass.")] = 0.05,
    prune_p: Annotated[float, typer.Option(
        "--prune-p", help="Drop limits whose quasi-p exceeds this (1 keeps all).")] = 0.05,
    sets: list[str] = SET_OPTION,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """PRIM: the futures (boxes of uncertainty ranges) where the condition holds, in words,
    with coverage, density and quasi-p values."""
    from kaname.analysis.prim import Prim
    from kaname.analysis.robustness import chosen_policies, condition_mask, parse_conditions

    conditions = parse_conditions(where)
    results = results_from(run_dir, sets=sets)
    ds = results.dataset
    chosen = chosen_policies(ds, policy)
    X, columns = prim_inputs(ds, chosen)
    if X.shape[1] == 0:
        raise InputError("the run has no uncertainties to discover scenarios over",
                         file=str(run_dir))
    y = condition_mask(columns, conditions)
    text = " and ".join(c.text or str(c) for c in conditions)
    if not y.any():
        raise InputError(tx("analyze.selects_nothing", "en", where=text, n=len(y)),
                         key="--where")
    if y.all():
        raise InputError(tx("analyze.selects_all", "en", where=text, n=len(y)), key="--where")
    model = Prim(threshold=threshold, max_boxes=max_boxes, max_restricted=max_restricted,
                 peel_alpha=peel_alpha, mass_min=mass_min,
                 prune_p=None if prune_p >= 1 else prune_p).fit(X, y)
    labels: Mapping[str, Any] = _input_labels(list(X.columns))
    labels = {**labels, "policy": {lang: tx("prim.policy", lang) for lang in LANGS}}
    if fmt == "json":
        emit(dumps_json({"where": text, "cases": int(y.sum()), "n": len(y),
                         "policies": chosen,
                         "boxes": [b.to_dict(lang, labels) for b in model.boxes_]}))
        return
    lines = [tx("analyze.prim_title", lang, where=text, k=int(y.sum()), n=len(y),
                share=100 * y.mean())]
    if not model.boxes_:
        lines.append(tx("analyze.no_box", lang, threshold=threshold))
    for i, box in enumerate(model.boxes_, start=1):
        lines.append(f"{tx('analyze.box', lang, i=i)}: {box.describe(lang, labels)}")
        for unc, sides in box.quasi_p.items():
            qp = ", ".join(tx(f"analyze.side_{side}", lang) + f" {p:.2g}"
                           for side, p in sides.items())
            lines.append(f"    {unc}: {tx('analyze.quasi_p', lang)} {qp}")
        if box.pruned:
            lines.append("    " + tx("analyze.pruned", lang, p=prune_p,
                                     names=", ".join(box.pruned)))
    emit("\n".join(lines))


@app.command("voi")
@guarded
def voi_cmd(
    source: Annotated[Path, typer.Argument(metavar="FILE_OR_RUN",
                                           help="Scenario YAML file, run directory or .nc.")],
    outcome: Annotated[str, typer.Option(
        "--outcome", help="Outcome (NAME, max:NAME or min:NAME).")],
    futures: Annotated[int | None, typer.Option(
        "--futures", "-n", help="Futures to run a scenario file on.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Uncertainties to list.")] = 10,
    policy: Annotated[list[str] | None, typer.Option(
        "--policy", help="Choose among these policies (repeatable; default: all).")] = None,
    sets: list[str] = SET_OPTION,
    fmt: str = format_option(("table", "json")),
    lang: LangOpt = "en",
) -> None:
    """Value of information: what knowing the future before choosing a policy is worth
    (EVPI), and what learning each uncertainty alone is worth (EVPPI), from the ensemble."""
    from kaname.analysis.voi import value_of_information
    from kaname.data import Library
    from kaname.text import fmt_number

    ds = results_from(source, futures, sets).dataset
    result = value_of_information(ds, outcome, policies=policy)
    if fmt == "json":
        emit(dumps_json(result.as_dict()))
        return
    library = Library.load()
    labels = _input_labels([v.path for v in result.partial[:top]])
    table = Table(title=tx("voi.title", lang, outcome=result.outcome, best=result.best_now,
                           evpi=fmt_number(result.evpi, result.unit, lang)))
    for key in ("voi.input", "voi.evppi", "voi.noise", "voi.kind"):
        table.add_column(tx(key, lang), justify="left" if key in ("voi.input", "voi.kind")
                         else "right")
    for v in result.partial[:top]:
        kind = ("-" if v.path not in library else
                tx("findings.sourced" if library.get(v.path).sourced else
                   "findings.assumption", lang))
        table.add_row(escape(labels.get(v.path, {}).get(lang, v.path)),
                      fmt_number(v.evppi, result.unit, lang),
                      fmt_number(v.noise, result.unit, lang), kind)
    emit(_render([table]) + tx("voi.note", lang))
