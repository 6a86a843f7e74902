"""Top-level commands: ``kaname validate``, ``kaname run`` and ``kaname demo``."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kaname.clikit import (
    BY_OPTION,
    SET_OPTION,
    STRICT_OPTION,
    LangOpt,
    atomic_write,
    check_at_least,
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

if TYPE_CHECKING:
    from kaname.results import Results

FORMATS = ("table", "csv", "json")
SAMPLE_FORMATS = (".csv", ".parquet", ".nc")
DEMO_SCENARIO = "taiwan-2028.yaml"


def summary_table(results: Results, lang: str) -> Table:
    from kaname.presentation import headline_header, headline_rows

    table = Table(title=results.describe(lang), show_lines=False)
    for header in headline_header(lang, results.policies[0]):
        table.add_column(header, overflow="fold")
    last = None
    for r in headline_rows(results, lang):
        if r.label != last and last is not None:
            table.add_section()
        outcome = r.label_with_unit(lang) if r.label != last else ""
        last = r.label
        table.add_row(escape(outcome), escape(r.policy), *r.texts(lang))
    return table


def render(results: Results, fmt: str, lang: str) -> str:
    if fmt == "json":
        a = results.dataset.attrs
        return dumps_json({"scenario": a["scenario"], "futures": a["futures"], "seed": a["seed"],
                           "design": a["design"], "policies": results.policies,
                           "summary": results.summary(lang)})
    if fmt == "csv":
        return results.summary_frame(lang).to_csv(index=False)
    console = Console(width=140, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(summary_table(results, lang))
    return console.export_text()


def render_by(results: Results, fmt: str, lang: str, path: str) -> str:
    """:func:`render` once per group of futures of uncertainty `path` (``--by``): the
    same paired rows, computed on each group's futures only (one group's copy of the
    results at a time)."""
    from kaname.analysis.slicing import by, subset
    from kaname.results import Results

    pieces = by(results.dataset, path)

    def part(piece: Any) -> Results:
        return Results(subset(results.dataset, piece))

    if fmt == "json":
        return dumps_json({"by": path, "groups": [
            {"group": piece.label, "futures": piece.futures, "summary": part(piece).summary(lang)}
            for piece in pieces]})
    if fmt == "csv":
        import pandas as pd

        return pd.concat([part(piece).summary_frame(lang).assign(**{path: piece.label})
                          for piece in pieces]).to_csv(index=False)
    return "\n".join(t("run.by_group", lang, path=path, group=piece.label, n=piece.futures)
                     + "\n" + render(part(piece), fmt, lang) for piece in pieces)


def write_samples(results: Results, path: Path) -> None:
    """Per-sample outcomes of results in memory: .csv, .parquet or .nc (NetCDF), written
    atomically (``kaname run`` streams .csv and .parquet instead: :func:`sample_writer`)."""
    from kaname.clikit import atomic_write, output_path

    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write(path, results.to_frame().to_csv(index=False))
    elif suffix == ".parquet":
        import io

        buf = io.BytesIO()
        results.to_frame().to_parquet(buf, index=False)
        atomic_write(path, buf.getvalue())
    elif suffix == ".nc":
        with output_path(path) as tmp:  # written by the NetCDF writer, not held as bytes
            results.dataset.to_netcdf(tmp, engine="scipy")
    else:
        raise InputError(f"unknown sample format {suffix!r}; allowed: "
                         f"{', '.join(SAMPLE_FORMATS)}", key="--samples")


def check_by(scenario: Any, path: str) -> None:
    """Refuse ``--by PATH`` before the run when PATH is not one of its uncertainties, in
    the line :func:`kaname.analysis.slicing.by` gives on the finished run."""
    import numpy as np
    import xarray as xr

    from kaname.analysis.slicing import values_of

    coords: dict[str, Any] = {p: ("future", np.empty(0)) for p in scenario.uncertainties}
    coords.update({p: ("policy", np.empty(0)) for p in scenario.levers()
                   if p not in coords})
    values_of(xr.Dataset(coords=coords), path, "--by")


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @guarded
    def demo(
        out_dir: Path = typer.Option(Path("kaname-demo"), "--out-dir", help="Where to write."),
        futures: int = typer.Option(2000, "--futures", "-n", help="Number of futures."),
        lang: LangOpt = "en",
    ) -> None:
        """Run the bundled Taiwan-2028 example end to end; write its results and report."""
        from kaname import limits
        from kaname.ensemble import run
        from kaname.scenario import engine_for, load_scenario

        check_at_least(futures, 1, "--futures")
        limits.check_run(futures, 50)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot be made a directory ({exc.strerror or exc})",
                             file=str(out_dir), key="--out-dir") from None
        with resources.as_file(resources.files("kaname.examples") / DEMO_SCENARIO) as path:
            sc = load_scenario(path)
        engine = engine_for(sc.settings, sc.models, sc)
        outputs, per_day = limits.output_columns(engine)
        limits.check_run(futures, 50, policies=len(sc.policies), outputs=outputs,
                         uncertainties=len(sc.uncertainties), series_columns=per_day,
                         horizon_days=sc.settings.horizon_days)
        started = time.perf_counter()
        results = run(sc, engine, futures=futures, keep_series=50)
        elapsed = time.perf_counter() - started
        Console(width=140).print(summary_table(results, lang))
        from kaname.store.layout import FROZEN_SCENARIO

        atomic_write(out_dir / FROZEN_SCENARIO, sc.text)  # so `kaname report DIR` has it
        write_samples(results, out_dir / "results.csv")
        write_samples(results, out_dir / "results.nc")
        emit(render(results, "json", lang), out_dir / "summary.json")
        from kaname.report import report_name, write_report

        report = write_report(results, out_dir / report_name(lang), lang, scenario=sc,
                              engine=engine)
        typer.echo(f"{futures * len(results.policies):,} evaluations in {elapsed:.2f} s; "
                   f"report: {report}")
        typer.echo(t("run.results_written", lang, path=out_dir))

    @app.command("run")
    @guarded
    def run_cmd(
        file: Path = typer.Argument(..., help="Scenario YAML file."),
        futures: int = typer.Option(None, "--futures", "-n", help="Number of futures."),
        seed: int = typer.Option(None, "--seed", help="Root seed (default: the scenario's)."),
        policy: list[str] = typer.Option(None, "--policy", help="Policy to run (repeatable)."),
        design: str = typer.Option(None, "--design", help="mc, lhs or sobol."),
        fmt: str = format_option(FORMATS),
        out: Path = typer.Option(None, "--out", "-o", help="Write the summary here."),
        samples: Path = typer.Option(None, "--samples",
                                     help="Also write every sample (.csv, .parquet: streamed "
                                          "chunk by chunk; .nc: the whole Dataset, held in "
                                          "memory)."),
        outputs: list[str] = typer.Option(
            None, "--outputs", metavar="SEL",
            help="Outcomes --samples holds: headline, scalar (headline + those without "
                 "extra dims), all (default) or an output path; repeatable, or comma-"
                 "separated. The summary always shows the headline outcomes."),
        keep_series: int = typer.Option(0, "--keep-series", help="Keep daily series for N "
                                        "futures (in --samples .nc)."),
        strict: bool = STRICT_OPTION,
        sets: list[str] = SET_OPTION,
        by: str = BY_OPTION,
        lang: LangOpt = "en",
    ) -> None:
        """Run every future under each policy; print median, 10–90 % band and the paired
        difference from the first policy for each headline outcome (per group: --by)."""
        from contextlib import nullcontext

        from kaname import limits
        from kaname.ensemble import run, select_outputs
        from kaname.results import SampleWriter
        from kaname.scenario import DESIGNS, load_scenario, parse_sets

        if design is not None:
            check_choice(design, DESIGNS, "--design")
        check_at_least(futures, 1, "--futures")
        check_seed(seed)
        check_at_least(keep_series, 0, "--keep-series")
        check_output_path(out, "--out")
        check_output_path(samples, "--samples")
        if samples is not None and samples.suffix.lower() not in SAMPLE_FORMATS:
            raise InputError(f"unknown sample format {samples.suffix.lower()!r}; allowed: "
                             f"{', '.join(SAMPLE_FORMATS)}", key="--samples")
        if futures is not None:  # the smallest cost a future can have, before reading FILE
            limits.check_run(futures, keep_series)
        sc = load_scenario(file, strict=strict, sets=parse_sets(sets))
        from kaname.scenario import engine_for

        engine = engine_for(sc.settings, sc.models, sc)
        chosen = [part.strip() for item in (outputs or ["all"]) for part in item.split(",")]
        written = select_outputs(engine, chosen, key="--outputs")  # what --samples holds
        if by is not None:
            check_by(sc, by)
        netcdf = samples is not None and samples.suffix.lower() == ".nc"
        # the summary reads the headline outcomes (and --by its uncertainty); a .nc file
        # is the whole Dataset, so it is held too; .csv/.parquet are streamed
        kept = select_outputs(engine, ["headline", *written] if netcdf else "headline")
        kept_inputs: list[str] | str = "all" if netcdf else \
            ([by] if by in sc.uncertainties else [])
        n = sc.settings.futures if futures is None else futures
        n_policies = len(policy or sc.policies) or 1
        outputs_n, per_day = limits.output_columns(engine, kept)
        # a big run keeps its outcomes on disk, read back one at a time by the summary
        spill = limits.spills(n, n_policies, outputs_n)
        if spill:
            limits.check_spill(n, n_policies, outputs_n)
        limits.check_run(n, keep_series, policies=n_policies, outputs=1 if spill else outputs_n,
                         uncertainties=len(sc.uncertainties) if netcdf else len(kept_inputs),
                         series_columns=per_day, horizon_days=sc.settings.horizon_days)
        streamed = samples is not None and not netcdf
        if streamed:
            limits.check_samples(n, samples, policies=n_policies,
                                 outputs=limits.output_columns(engine, written)[0],
                                 uncertainties=len(sc.uncertainties),
                                 levers=len(sc.levers()))
        limits.check_design_disk(n, len(sc.uncertainties), design or sc.settings.design)
        writer = SampleWriter(samples, written) if streamed else None
        with writer if writer is not None else nullcontext():
            results = run(sc, engine, futures=futures, seed=seed, design=design,
                          policies=policy, keep_series=keep_series, outputs=kept,
                          inputs=kept_inputs, spill=spill,
                          on_chunk=writer.write if writer is not None else None)
            text = render(results, fmt, lang) if by is None else \
                render_by(results, fmt, lang, by)
        if netcdf:
            from kaname.results import Results

            drop = [v for v in results.dataset.data_vars if "future" in
                    results.dataset[v].dims and v not in written]
            write_samples(Results(results.dataset.drop_vars(drop)), samples)
        emit(text, out)

    @app.command("validate")
    @guarded
    def validate(file: Path = typer.Argument(..., help="Scenario YAML file."),
                 strict: bool = STRICT_OPTION,
                 sets: list[str] = SET_OPTION,
                 lang: LangOpt = "en",
                 fmt: str = format_option(("table", "json"))) -> None:
        """Check a scenario file; one line naming the key for any problem (exit 2)."""
        from kaname.scenario import load_scenario, parse_sets

        sc = load_scenario(file, strict=strict, sets=parse_sets(sets))
        if fmt == "json":
            emit(dumps_json({"file": str(file), "valid": True, "name": sc.name,
                             "policies": list(sc.policies),
                             "uncertainties": list(sc.uncertainties)}))
        else:
            emit(t("run.scenario_ok", lang, file=file, n_pol=len(sc.policies),
                   n_unc=len(sc.uncertainties)))
