"""The Python API's ensemble on disk: :func:`explore` (the ``kaname explore`` command's work
without the command line). :func:`kaname.run` is in :mod:`kaname.ensemble`, the reader
:func:`kaname.open_results` in :mod:`kaname.store`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kaname.scenario import Scenario, engine_for, load_scenario
from kaname.store.lifecycle import RunSummary, create_run, engine_key, execute, reopen_run


def explore(scenario: Scenario | str | Path | None, run_dir: str | Path, *,
            futures: int | None = None, seed: int | None = None, design: str | None = None,
            chunk_size: int | None = None, keep_series: int = 0, executor: str = "serial",
            workers: int | None = None, scheduler: str | None = None, resume: bool = False,
            catalog: bool = False,
            progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Evaluate a large ensemble in chunks into the run directory `run_dir` (resumable,
    checksummed; bit-identical to :func:`kaname.run` for the same scenario and seed).

    `scenario` is a loaded :class:`~kaname.scenario.Scenario` or a scenario file; with
    ``resume=True`` pass None and the run continues from its frozen scenario. `chunk_size`
    is futures per chunk (default about 50,000 samples). `executor` is ``serial``,
    ``process`` or ``dask`` (`workers` processes, or an existing cluster at `scheduler`).
    The machine's run catalog is written only with ``catalog=True``.
    """
    from kaname.executors import make_executor

    if resume:
        prepared = reopen_run(run_dir)
    else:
        if scenario is None:
            from kaname.errors import InputError

            raise InputError("give a scenario (or resume=True)", key="scenario")
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        engine = engine_for(scenario.settings, scenario.models, scenario)
        prepared = create_run(scenario, engine, engine_key(scenario), run_dir, futures=futures,
                              design=design, chunk_size=chunk_size, seed=seed,
                              keep_series=keep_series)
    with make_executor(executor, workers, scheduler, engine=prepared.engine,
                       key=prepared.key) as running:
        return execute(prepared, running, progress, catalog=catalog)
