"""``kaname explore``: an ensemble run in chunks into a resumable run directory.

``kaname explore FILE --run-dir DIR`` evaluates futures × policies chunk by chunk with the
chosen executor; ``kaname explore --resume DIR`` finishes an interrupted run (skipping
verified chunks, recomputing missing, corrupted or failed ones). Exit codes: 0 complete,
1 some chunks failed (each reported), 2 bad input or an environment problem the user fixes
(a full disk, a read-only or unwritable run directory: one line naming the directory and
what was being written; the run stays resumable), 130 interrupted (finished chunks kept).
"""

from __future__ import annotations

from pathlib import Path

import typer

from kaname.clikit import (
    SET_OPTION,
    STRICT_OPTION,
    LangOpt,
    check_at_least,
    check_choice,
    check_seed,
    dumps_json,
    emit,
    format_option,
    guarded,
)
from kaname.errors import InputError, KanameError
from kaname.text import t


def _progress_bar(lang: str):  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task):  # type: ignore[no-untyped-def]
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f} {t('explore.rate', lang)}",
                        style="progress.data.speed")

    return RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        RateColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=Console(stderr=True), speed_estimate_period=30.0)


def register(app: typer.Typer) -> None:
    @app.command("explore")
    @guarded
    def explore(
        file: str = typer.Argument(None, metavar="FILE",
                                   help="Scenario YAML file (omit with --resume)."),
        run_dir: str = typer.Option(None, "--run-dir", metavar="DIR",
                                    help="New, empty run directory."),
        resume: str = typer.Option(None, "--resume", metavar="DIR",
                                   help="Finish the interrupted run in DIR."),
        futures: int = typer.Option(None, "--futures", "-n", help="Number of futures."),
        design: str = typer.Option(None, "--design", help="mc, lhs or sobol."),
        chunk_size: int = typer.Option(None, "--chunk-size",
                                       help="Futures per chunk (each under every policy)."),
        executor: str = typer.Option("serial", "--executor", help="serial, process or dask."),
        workers: int = typer.Option(None, "--workers", help="Worker processes (default: "
                                    "CPU count)."),
        scheduler: str = typer.Option(None, "--scheduler", help="Join the Dask cluster at "
                                      "this address, e.g. tcp://host:8786."),
        shared_store: bool = typer.Option(
            None, "--shared-store/--no-shared-store",
            help="Workers write their chunks into the run directory themselves (it must be "
                 "at the same path on every worker), or send the bytes back to this process "
                 "to write. Default: shared for local workers; with --scheduler, shared if "
                 "every worker can read and write the run directory (see docs/cluster.md)."),
        seed: int = typer.Option(None, "--seed", help="Root seed (default: the scenario's)."),
        keep_series: int = typer.Option(0, "--keep-series",
                                        help="Keep daily series for the first N futures."),
        fmt: str = format_option(("text", "json")),
        lang: LangOpt = "en",
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
        strict: bool = STRICT_OPTION,
        sets: list[str] = SET_OPTION,
    ) -> None:
        """Evaluate futures × policies in chunks into DIR; resumable, any executor;
        --set PATH=VALUE fixes an input in every future (recorded, so --resume keeps it)."""
        from kaname import executors as ex
        from kaname import limits, store

        if executor not in ex.EXECUTORS:
            raise InputError(f"{executor!r} not allowed; allowed: {', '.join(ex.EXECUTORS)}",
                             key="--executor")
        if workers is not None and workers < 1:
            raise InputError(f"{workers} not allowed; must be at least 1", key="--workers")
        if scheduler and executor != "dask":
            raise InputError("only the dask executor joins a scheduler; add --executor dask",
                             key="--scheduler")
        if resume is not None:
            given = [name for name, value in (("FILE", file), ("--run-dir", run_dir),
                     ("--futures", futures), ("--design", design), ("--chunk-size", chunk_size),
                     ("--seed", seed)) if value is not None] + (
                         ["--keep-series"] if keep_series else []) + (["--set"] if sets else [])
            if given:
                raise InputError(f"{given[0]} cannot be combined with --resume (the run "
                                 f"directory fixes it)", key="--resume")
        else:
            if file is None:
                raise InputError("give a scenario FILE and --run-dir DIR, or --resume DIR",
                                 key="FILE")
            if run_dir is None:
                raise InputError("is required with a scenario FILE", key="--run-dir")
            check_at_least(futures, 1, "--futures")
            if design is not None:
                from kaname.scenario import DESIGNS

                check_choice(design, DESIGNS, "--design")
            check_at_least(chunk_size, 1, "--chunk-size")
            check_seed(seed)
            check_at_least(keep_series, 0, "--keep-series")
            _check_run_dir(Path(run_dir))
            if futures is not None:  # the smallest cost, before reading FILE
                limits.check_explore(futures, run_dir, chunk_size=chunk_size)

        pool = prepared = None
        try:
            if scheduler:  # fail fast on an unreachable cluster, before any other work
                pool = ex.make_executor("dask", workers, scheduler)
            if resume is not None:
                prepared = store.reopen_run(resume)
            else:
                from kaname.scenario import parse_sets

                scenario, engine, key = store.load(file, strict=strict, sets=parse_sets(sets))
                limits.check_explore_scenario(scenario, engine, run_dir, futures=futures,
                                              design=design, chunk_size=chunk_size,
                                              keep_series=keep_series)
                if pool is None:  # started now, its workers warm while the design is written
                    pool = ex.make_executor(executor, workers, engine=engine, key=key)
                pool.warm(key)
                prepared = store.create_run(scenario, engine, key, run_dir, futures=futures,
                                         design=design, chunk_size=chunk_size, seed=seed,
                                         keep_series=keep_series)
            if pool is None:
                pool = ex.make_executor(executor, workers, engine=prepared.engine,
                                        key=prepared.key)
            for text in prepared.warnings:
                typer.echo(t("explore.warning", lang, text=text), err=True)
            summary = _execute(prepared, pool, lang, progress, shared_store)
        except KeyboardInterrupt:
            if pool is not None:
                pool.close()
                pool = None
            if prepared is not None:
                run = prepared.store
                typer.echo(t("explore.interrupted", lang, done=run.counts()["done"],
                             chunks=len(run.chunks), dir=run.root), err=True)
            else:
                typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except OSError as exc:  # the store's own writes say more (StoreWriteError); this
            # catches any other file-system failure of the run, in one line
            from kaname.store.manifest import describe_oserror

            where = resume or run_dir
            name = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            raise InputError(f"{describe_oserror(exc)}{name}; finished chunks are kept: fix "
                             f"it and run kaname explore --resume {where}",
                             file=str(where)) from None
        finally:
            if pool is not None:
                pool.close()
        for text in summary.warnings:
            typer.echo(t("explore.warning", lang, text=text), err=True)
        for k, error in summary.failed:
            typer.echo(t("explore.chunk_failed", lang, k=k, error=error), err=True)
        if fmt == "json":
            emit(dumps_json({"run_dir": str(summary.run_dir), "status": summary.status,
                             "chunks": summary.chunks, "done": summary.done,
                             "failed": [{"chunk": k, "error": e} for k, e in summary.failed],
                             "samples": summary.samples, "seconds": summary.seconds,
                             "samples_per_second": summary.throughput}))
        if summary.failed:
            typer.echo(t("explore.failed", lang, n=len(summary.failed), chunks=summary.chunks,
                         dir=summary.run_dir), err=True)
            raise typer.Exit(1)
        if fmt == "text":
            emit(t("explore.complete", lang, done=summary.done, chunks=summary.chunks,
                   samples=summary.samples, seconds=summary.seconds,
                   rate=summary.throughput, dir=summary.run_dir))


def _check_run_dir(run_dir: Path) -> None:
    """Refuse a non-empty or unwritable run directory before loading anything."""
    import os

    if run_dir.exists():
        if not run_dir.is_dir():
            raise InputError("exists and is not a directory", file=str(run_dir),
                             key="--run-dir")
        if any(run_dir.iterdir()):
            raise InputError("run directory is not empty; choose a new one, or finish an "
                             "interrupted run with `kaname explore --resume DIR`",
                             file=str(run_dir), key="--run-dir")
        return
    parent = run_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create the run directory: {parent} is not a writable "
                         f"directory", file=str(run_dir), key="--run-dir")


def _execute(prepared, pool, lang: str, show: bool,  # type: ignore[no-untyped-def]
             shared: bool | None = None):
    """Execute the run, recorded in the run catalog (the command line always records)."""
    from kaname.store import execute

    if not show:
        return execute(prepared, pool, catalog=True, shared=shared)
    with _progress_bar(lang) as bar:
        task = bar.add_task(t("explore.task", lang, name=prepared.scenario.name), total=None)

        first = [True]

        def update(done: int, total: int) -> None:
            if first[0]:  # chunks finished before a resume do not count towards the rate
                bar.reset(task, total=total, completed=done)
                first[0] = False
            else:
                bar.update(task, completed=done, total=total)

        try:
            return execute(prepared, pool, update, catalog=True, shared=shared)
        except KanameError:  # a full disk, say: its one line is all that stays on stderr
            bar.live.transient = True
            raise
