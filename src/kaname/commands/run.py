"""Top-level commands: ``kaname validate``, ``kaname run`` and ``kaname demo``."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

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
    same paired rows, computed on each group's futures only."""
    from kaname.analysis.slicing import by, subset
    from kaname.results import Results

    groups = [(piece, Results(subset(results.dataset, piece)))
              for piece in by(results.dataset, path)]
    if fmt == "json":
        return dumps_json({"by": path, "groups": [
            {"group": piece.label, "futures": piece.futures, "summary": part.summary(lang)}
            for piece, part in groups]})
    if fmt == "csv":
        import pandas as pd

        return pd.concat([part.summary_frame(lang).assign(**{path: piece.label})
                          for piece, part in groups]).to_csv(index=False)
    return "\n".join(t("run.by_group", lang, path=path, group=piece.label, n=piece.futures)
                     + "\n" + render(part, fmt, lang) for piece, part in groups)


def write_samples(results: Results, path: Path) -> None:
    """Per-sample outcomes: .csv, .parquet or .nc (NetCDF), written atomically."""
    from kaname.clikit import atomic_write

    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write(path, results.to_frame().to_csv(index=False))
    elif suffix == ".parquet":
        import io

        buf = io.BytesIO()
        results.to_frame().to_parquet(buf, index=False)
        atomic_write(path, buf.getvalue())
    elif suffix == ".nc":
        atomic_write(path, results.dataset.to_netcdf())  # type: ignore[arg-type]
    else:
        raise InputError(f"unknown sample format {suffix!r}; allowed: "
                         f"{', '.join(SAMPLE_FORMATS)}", key="--samples")


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
                                     help="Also write every sample (.csv, .parquet, .nc)."),
        keep_series: int = typer.Option(0, "--keep-series", help="Keep daily series for N "
                                        "futures (in --samples .nc)."),
        strict: bool = STRICT_OPTION,
        sets: list[str] = SET_OPTION,
        by: str = BY_OPTION,
        lang: LangOpt = "en",
    ) -> None:
        """Run every future under each policy; print median, 10–90 % band and the paired
        difference from the first policy for each headline outcome (per group: --by)."""
        from kaname import limits
        from kaname.ensemble import run
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
        outputs, per_day = limits.output_columns(engine)
        limits.check_run(sc.settings.futures if futures is None else futures, keep_series,
                         policies=len(policy or sc.policies) or 1, outputs=outputs,
                         uncertainties=len(sc.uncertainties), series_columns=per_day,
                         horizon_days=sc.settings.horizon_days)
        results = run(sc, engine, futures=futures, seed=seed, design=design, policies=policy,
                      keep_series=keep_series)
        text = render(results, fmt, lang) if by is None else \
            render_by(results, fmt, lang, by)
        if samples is not None:
            write_samples(results, samples)
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
