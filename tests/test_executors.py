"""Executors: serial, process pool and a real Dask cluster agree bit for bit; failures are
recorded, not fatal; an unreachable scheduler is a clear error within 10 s."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from test_store_support import (  # noqa: F401 - `toy` is a fixture
    Toy,
    cli,
    explore_api,
    free_port,
    manifest,
    reference,
    toy,
)
from typer.testing import CliRunner

from kaname.cli import app
from kaname.errors import InputError
from kaname.store import open_results


@contextlib.contextmanager
def local_dask(toy: Toy, env: dict[str, str] | None = None):  # noqa: F811
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, whose
    environment loads the toy model plugin; yields (address, [scheduler, worker, worker])
    and tears them down afterwards."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = env or toy.env()
    logs = toy.root / "dask.log"
    procs: list[subprocess.Popen[bytes]] = []
    with open(logs, "wb") as log:
        try:
            procs.append(subprocess.Popen(
                ["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--no-dashboard"], env=env, stdout=log, stderr=log))
            for _ in range(2):
                procs.append(subprocess.Popen(
                    ["dask", "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--no-dashboard", "--host", "127.0.0.1", "--no-nanny"],
                    env=env, stdout=log, stderr=log))
            from distributed import Client

            with Client(address, timeout=60, set_as_default=False) as client:
                client.wait_for_workers(2, timeout=90)
            yield address, procs
        finally:
            for p in reversed(procs):  # workers first, then the scheduler
                p.kill()
                p.wait(timeout=15)


def done_in_manifest(run_dir: Path) -> int:
    """Chunks the driver has recorded done in the manifest on disk (0 before it exists)."""
    try:
        return sum(c["status"] == "done" for c in manifest(run_dir)["chunks"])
    except (OSError, ValueError):
        return 0


@pytest.fixture
def dask_cluster(toy: Toy):  # noqa: F811
    """The address of a :func:`local_dask` cluster."""
    with local_dask(toy) as (address, _):
        yield address


@pytest.mark.slow  # starts a real Dask cluster
def test_serial_process_and_dask_give_identical_results_for_any_chunk_size(
        toy, dask_cluster, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=90, design="lhs")
    runs = {
        "serial": dict(executor="serial", chunk_size=7),
        "process": dict(executor="process", workers=2, chunk_size=13),
        "dask": dict(executor="dask", scheduler=dask_cluster, chunk_size=20),
    }
    datasets = {}
    for label, options in runs.items():
        summary = explore_api(scenario, tmp_path / label, keep_series=9, **options)
        assert summary.status == "complete" and not summary.failed, (label, summary)
        assert summary.samples == 90 * 2
        datasets[label] = open_results(tmp_path / label).dataset.load()
    want = reference(scenario, keep_series=9).dataset
    for ds in datasets.values():
        xr.testing.assert_identical(ds, want)
    # Same chunk size, different executors: byte-identical chunk files.
    explore_api(scenario, tmp_path / "dask7", executor="dask", scheduler=dask_cluster,
                chunk_size=7, keep_series=9)
    serial = {c["index"]: c["files"] for c in manifest(tmp_path / "serial")["chunks"]}
    dask7 = {c["index"]: c["files"] for c in manifest(tmp_path / "dask7")["chunks"]}
    assert {k: {n: m["sha256"] for n, m in f.items()} for k, f in serial.items()} == \
        {k: {n: m["sha256"] for n, m in f.items()} for k, f in dask7.items()}


def test_monte_carlo_in_workers_matches_serial(toy, tmp_path) -> None:  # noqa: F811
    """Monte Carlo futures are generated inside each worker from fixed blocks; a process
    pool with another chunk size must still draw the very same futures."""
    scenario = toy.write_scenario(futures=5000, design="mc")
    explore_api(scenario, tmp_path / "a", executor="serial", chunk_size=5000)
    explore_api(scenario, tmp_path / "b", executor="process", workers=2, chunk_size=777)
    xr.testing.assert_identical(open_results(tmp_path / "a").dataset.load(),
                                open_results(tmp_path / "b").dataset.load())


@pytest.mark.slow  # a CLI process and a process pool, then a resume
def test_a_failing_chunk_is_recorded_the_run_continues_and_the_cli_exits_non_zero(
        toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=30, design="lhs")
    run_dir = tmp_path / "run"
    res = cli(["explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
               "--executor", "process", "--workers", "2", "--no-progress"],
              toy.env(TOY_FAIL_CHUNK="2"))
    assert res.returncode == 1, res.stderr
    assert "chunk 2 failed: model toy: evaluate raised RuntimeError: toy model failed on " \
        "purpose (at kaname_toy_model.py:" in res.stderr
    assert "Traceback" not in res.stderr
    chunks = manifest(run_dir)["chunks"]
    assert [c["status"] for c in chunks] == ["done", "done", "failed", "done", "done", "done"]
    assert "toy model failed on purpose" in chunks[2]["error"]
    assert manifest(run_dir)["status"] == "failed"
    with pytest.raises(InputError, match="1 failed"):
        open_results(run_dir)

    # Fixed cause: resume recomputes only the failed chunk, and the run is whole.
    from kaname.executors import make_executor
    from kaname.store import execute, reopen_run

    prepared = reopen_run(run_dir)
    with make_executor("serial", engine=prepared.engine, key=prepared.key) as pool:
        summary = execute(prepared, pool)
    assert summary.status == "complete" and summary.samples == 5 * 2
    xr.testing.assert_identical(open_results(run_dir).dataset.load(),
                                reference(scenario).dataset)


def test_failure_in_process_serial_mode_is_recorded(toy, tmp_path, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("TOY_FAIL_CHUNK", "0")
    scenario = toy.write_scenario(futures=12)
    summary = explore_api(scenario, tmp_path / "run", chunk_size=4)
    assert summary.status == "failed" and [k for k, _ in summary.failed] == [0]
    assert summary.done == 2


@pytest.mark.slow  # Dask's connection timeout
def test_unreachable_scheduler_is_one_line_exit_2_within_10_s(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=5)
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    res = CliRunner().invoke(app, ["explore", str(scenario), "--run-dir", str(tmp_path / "r"),
                                   "--executor", "dask", "--scheduler", address])
    elapsed = time.monotonic() - started
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and address in res.output and "--scheduler" in res.output
    assert elapsed < 10
    assert not (tmp_path / "r").exists()  # no half-made run directory left behind


def test_worker_count_and_bad_executor_are_checked(toy, tmp_path) -> None:  # noqa: F811
    from kaname.executors import make_executor

    with pytest.raises(InputError, match="^executor: "):  # Python names its parameter
        make_executor("threads")
    with pytest.raises(InputError, match="^scheduler: "):
        make_executor("process", 2, "tcp://127.0.0.1:1")
    scenario = toy.write_scenario(futures=5)
    res = CliRunner().invoke(app, ["explore", str(scenario), "--run-dir", str(tmp_path / "r"),
                                   "--executor", "process", "--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output


def test_integrated_example_explore_equals_run(tmp_path) -> None:
    """The bundled Taiwan-2028 scenario through every built-in model: chunked, stored and
    reopened results equal the single-process run."""
    from kaname.ensemble import run
    from kaname.store import load

    example = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"
    scenario, engine, _ = load(example)
    explore_api(example, tmp_path / "run", futures=40, chunk_size=15, keep_series=3)
    want = run(scenario, engine, futures=40, keep_series=3).dataset
    xr.testing.assert_identical(open_results(tmp_path / "run").dataset.load(), want)


@pytest.mark.slow  # a real Dask cluster whose scheduler is killed mid-run
def test_a_lost_scheduler_fails_in_one_line_within_bounded_time_and_the_run_resumes(
        toy, tmp_path) -> None:  # noqa: F811
    """kill -9 of the scheduler mid-run: ``explore`` ends within seconds (not the 200 s+
    hang it used to), in one line naming the scheduler, and the finished chunks stay done,
    so ``--resume`` on a serial executor completes the run with the very same numbers."""
    from kaname.executors import DASK_STALL_S

    scenario = toy.write_scenario(futures=40, design="lhs")
    run_dir = tmp_path / "run"
    env = toy.env(TOY_SLEEP="0.4")  # 20 chunks of ~0.4 s on two workers: ~4 s of work
    with local_dask(toy, env) as (address, procs):
        driver = subprocess.Popen(
            [sys.executable, "-m", "kaname.cli", "explore", str(scenario), "--run-dir",
             str(run_dir), "--chunk-size", "2", "--executor", "dask", "--scheduler", address,
             "--no-progress"], env=env, text=True, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while done_in_manifest(run_dir) < 2:  # workers write chunks before the manifest
            assert driver.poll() is None and time.monotonic() < deadline, driver.stderr.read()
            time.sleep(0.05)
        procs[0].kill()  # the scheduler
        killed = time.monotonic()
        _, stderr = driver.communicate(timeout=DASK_STALL_S + 60)
        elapsed = time.monotonic() - killed
    assert driver.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("kaname: error: ") and address in lines[0], lines[0]
    assert "finished chunks are saved; resume with kaname explore --resume" in lines[0]
    assert elapsed < DASK_STALL_S, elapsed
    chunks = manifest(run_dir)["chunks"]
    done = [c["index"] for c in chunks if c["status"] == "done"]
    assert 2 <= len(done) < len(chunks) and manifest(run_dir)["status"] != "complete"

    res = cli(["explore", "--resume", str(run_dir), "--no-progress"], toy.env())
    assert res.returncode == 0, res.stderr
    xr.testing.assert_identical(open_results(run_dir).dataset.load(),
                                reference(scenario).dataset)


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (an exited child nobody reaped yet)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow  # a CLI driver with a process pool, killed with SIGKILL
def test_process_pool_workers_exit_within_5_s_of_a_killed_driver(toy, tmp_path) -> None:  # noqa: F811
    """``kill -9`` of ``kaname explore --executor process``: no worker keeps computing (each
    has PR_SET_PDEATHSIG and a watchdog thread on its parent pid)."""
    import signal

    psutil = pytest.importorskip("psutil")
    scenario = toy.write_scenario(futures=60, design="lhs")
    run_dir = tmp_path / "run"
    driver = subprocess.Popen(
        [sys.executable, "-m", "kaname.cli", "explore", str(scenario), "--run-dir",
         str(run_dir), "--chunk-size", "1", "--executor", "process", "--workers", "2",
         "--no-progress"], env=toy.env(TOY_SLEEP="0.5"),  # 60 chunks × 0.5 s / 2: ~15 s
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list((run_dir / "chunks").glob("*.json"))) < 2:  # workers are computing
            assert driver.poll() is None and time.monotonic() < deadline, driver.stderr.read()
            time.sleep(0.05)
        workers = [c.pid for c in psutil.Process(driver.pid).children(recursive=True)]
        assert len(workers) >= 2, workers
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
        gone_by = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert not [pid for pid in workers if _alive(pid)], "workers outlived the driver"
    finally:
        if driver.poll() is None:
            driver.kill()
        for pid in workers if "workers" in locals() else []:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow  # a real Dask cluster whose workers are all killed mid-run
def test_a_cluster_without_workers_fails_after_the_stall_limit(toy, tmp_path,  # noqa: F811
                                                               monkeypatch) -> None:
    """Every worker killed (the scheduler alive): no chunk finishes, so after the stall
    limit the scheduler is probed, has no workers, and the run fails in one line with its
    finished chunks kept (here with a 2 s limit instead of the default 30 s)."""
    import threading

    from kaname import executors
    from kaname.executors import ClusterLost

    monkeypatch.setattr(executors, "DASK_STALL_S", 2.0)
    scenario = toy.write_scenario(futures=40, design="lhs")
    run_dir = tmp_path / "run"
    with local_dask(toy, toy.env(TOY_SLEEP="0.4")) as (address, procs):
        def kill_workers() -> None:
            deadline = time.monotonic() + 60
            while done_in_manifest(run_dir) < 2 \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            for p in procs[1:]:
                p.kill()

        killer = threading.Thread(target=kill_workers, daemon=True)
        killer.start()
        started = time.monotonic()
        with pytest.raises(ClusterLost, match=f"at {address} has no workers left"):
            explore_api(scenario, run_dir, executor="dask", scheduler=address, chunk_size=2)
        assert time.monotonic() - started < 40
        killer.join(timeout=5)
    chunks = manifest(run_dir)["chunks"]
    assert 2 <= sum(c["status"] == "done" for c in chunks) < len(chunks)


def test_workers_with_another_kaname_or_data_library_are_refused_others_warned() -> None:
    """A worker of an existing cluster that computes with a different kaname or data
    library would mix models in one run: refused in one line naming the worker. Another
    numpy/scipy/kernel only changes last bits: a warning."""
    from kaname.executors import _compare_computes, probe_worker, worker_computes

    mine = worker_computes()
    assert probe_worker("", "t")["computes"] == mine
    assert _compare_computes({"tcp://a:1": {"computes": dict(mine)}, "tcp://b:2": "x"}) == []
    for what in ("kaname", "data library"):
        with pytest.raises(InputError, match=f"^--scheduler: Dask worker tcp://b:2 has {what} "
                           "old"):
            _compare_computes({"tcp://a:1": {"computes": dict(mine)},
                               "tcp://b:2": {"computes": {**mine, what: "old"}}})
    notes = _compare_computes({"tcp://c:3": {"computes": {**mine, "numpy": "1.0"}}})
    assert len(notes) == 1 and "tcp://c:3" in notes[0] and "numpy 1.0" in notes[0]
