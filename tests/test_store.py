"""Run store: kill-and-resume, corruption, frozen scenario, catalog and the runs commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_store_support import (  # noqa: F401 - `toy` is a fixture
    cli,
    explore_api,
    manifest,
    reference,
    toy,
)
from typer.testing import CliRunner

from kaname.chunking import plan_chunks
from kaname.cli import app
from kaname.errors import InputError
from kaname.store import CorruptChunkError, RunStore, open_results

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def chunk_hashes(run_dir: Path) -> dict[str, str]:
    return {name: meta["sha256"] for c in manifest(run_dir)["chunks"]
            for name, meta in c["files"].items()}


# --------------------------------------------------------------------------- chunking

@given(n=st.integers(1, 10_000), k=st.integers(1, 3_000), keep=st.integers(0, 12_000))
def test_chunks_tile_the_futures_exactly_once(n: int, k: int, keep: int) -> None:
    bounds = plan_chunks(n, k, keep)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert all(0 < e - s <= k for s, e in bounds)
    cut = 0 < keep < n and keep % k != 0  # the kept futures end a chunk of their own
    assert len(bounds) == -(-n // k) + cut
    assert not any(s < keep < e for s, e in bounds)  # no chunk straddles the kept futures


# --------------------------------------------------------------------------- explore == run

@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(design=st.sampled_from(["mc", "lhs", "sobol"]), n=st.integers(1, 40),
       k=st.integers(1, 50), keep=st.integers(0, 12))
def test_chunked_run_equals_the_single_process_pipeline(toy, design, n, k, keep) -> None:  # noqa: F811
    """Any design, chunk size and series count: the store's lazily opened Dataset is
    identical to kaname.ensemble.run() computing everything in one process."""
    scenario = toy.write_scenario(futures=n, design=design)
    with tempfile.TemporaryDirectory() as tmp:
        summary = explore_api(scenario, Path(tmp) / "run", chunk_size=k, keep_series=keep)
        assert summary.status == "complete"
        assert summary.done == len(plan_chunks(n, min(k, n), min(keep, n)))
        got = open_results(Path(tmp) / "run").dataset
        assert got["toy.y"].chunks is not None  # lazy: dask-backed until computed
        want = reference(scenario, keep_series=keep).dataset
        xr.testing.assert_identical(got.load(), want)


def test_results_are_closed_form_and_rows_are_policy_then_future(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=30, design="mc", w=3.0)
    explore_api(scenario, tmp_path / "run", chunk_size=7)
    frame = open_results(tmp_path / "run").to_frame()
    heavy = frame[frame.policy == "heavy"]
    np.testing.assert_allclose(heavy["toy.y"], heavy["toy.a"] * 3.0 + heavy["toy.b"] + 1.0)
    out = tmp_path / "all.csv"
    res = invoke("runs", "export", str(tmp_path / "run"), "--format", "csv", "-o", str(out))
    assert res.exit_code == 0, res.output
    exported = pd.read_csv(out)
    assert list(exported.policy) == ["base"] * 30 + ["heavy"] * 30
    assert list(exported.future) == list(range(30)) * 2
    pd.testing.assert_frame_equal(exported, frame, check_dtype=False)


# --------------------------------------------------------------------------- kill and resume

@pytest.mark.slow  # real processes, killed mid-run
def test_sigkill_mid_run_then_resume_equals_uninterrupted_run(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=60, design="lhs")
    killed = tmp_path / "killed"
    args = ["explore", str(scenario), "--run-dir", str(killed), "--chunk-size", "5",
            "--keep-series", "8", "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-m", "kaname.cli", *args],
                            env=toy.env(TOY_SLEEP="0.3"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if (killed / "manifest.json").is_file():
                try:
                    done = sum(c["status"] == "done" for c in manifest(killed)["chunks"])
                except ValueError:
                    done = 0
                if done >= 3:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, f"run ended before the kill: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    state = manifest(killed)
    statuses = [c["status"] for c in state["chunks"]]
    assert state["status"] == "running" and "pending" in statuses and "done" in statuses
    with pytest.raises(InputError, match="incomplete"):
        open_results(killed)

    resumed = cli(["explore", "--resume", str(killed), "--no-progress"], toy.env())
    assert resumed.returncode == 0, resumed.stderr
    assert manifest(killed)["status"] == "complete"

    whole = tmp_path / "whole"
    explore_api(scenario, whole, chunk_size=5, keep_series=8)
    assert chunk_hashes(killed) == chunk_hashes(whole)  # byte-identical chunk files
    xr.testing.assert_identical(open_results(killed).dataset.load(),
                                open_results(whole).dataset.load())
    assert not list((killed / "chunks").glob(".*.part"))


@pytest.mark.slow  # a real process, interrupted mid-run
def test_ctrl_c_stops_cleanly_and_keeps_finished_chunks(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=40, design="mc")
    run_dir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "kaname.cli", "explore", str(scenario),
                             "--run-dir", str(run_dir), "--chunk-size", "4"],
                            env=toy.env(TOY_SLEEP="0.3"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (run_dir / "chunks" / "00001.parquet").is_file():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and f"explore --resume {run_dir}" in err
    assert "Traceback" not in err
    state = manifest(run_dir)
    done = [c for c in state["chunks"] if c["status"] == "done"]
    assert state["status"] == "incomplete" and 2 <= len(done) < len(state["chunks"])
    store = RunStore.open(run_dir)
    assert all(store.chunk_ok(c["index"]) for c in done)


def test_corrupted_and_half_written_chunks_are_detected_and_recomputed(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=40, design="sobol")
    run_dir = tmp_path / "run"
    explore_api(scenario, run_dir, chunk_size=5)
    before = chunk_hashes(run_dir)
    truncated, flipped = run_dir / "chunks" / "00002.parquet", run_dir / "chunks" / "00005.parquet"
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])            # half-written
    raw = bytearray(flipped.read_bytes())
    raw[len(raw) // 2] ^= 0xFF                                # same size, one byte changed
    flipped.write_bytes(bytes(raw))
    leftover = run_dir / "chunks" / ".00006.parquet.abc.part"  # a writer killed mid-write
    leftover.write_bytes(b"PAR1 garbage")

    with pytest.raises(CorruptChunkError, match=r"0000[25]\.parquet"):
        open_results(run_dir).dataset.load()
    res = invoke("runs", "query", str(run_dir), "SELECT count(*) FROM results")
    assert res.exit_code == 2 and "00002.parquet" in res.output and "Traceback" not in res.output
    res = invoke("runs", "show", str(run_dir), "--format", "json")
    assert json.loads(res.stdout)["corrupted"] == [2, 5]

    from kaname.executors import make_executor
    from kaname.store import execute, reopen_run

    prepared = reopen_run(run_dir)
    with make_executor("serial", engine=prepared.engine, key=prepared.key) as pool:
        summary = execute(prepared, pool)
    assert summary.samples == 2 * 5 * 2  # only the two damaged chunks, both policies
    assert not leftover.exists()
    assert chunk_hashes(run_dir) == before
    xr.testing.assert_identical(open_results(run_dir).dataset.load(),
                                reference(scenario).dataset)


# --------------------------------------------------------------------------- bad input

def test_resume_refuses_a_changed_scenario_and_names_the_difference(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=10, w=3.0)
    run_dir = tmp_path / "run"
    assert invoke("explore", str(scenario), "--run-dir", str(run_dir),
                  "--no-progress").exit_code == 0
    toy.write_scenario(futures=10, w=4.0)
    res = invoke("explore", "--resume", str(run_dir))
    assert res.exit_code == 2
    line = res.output.strip()
    assert "\n" not in line and "policies.heavy.toy.w: 3.0 -> 4.0" in line


def test_refuses_non_empty_or_unwritable_run_dirs(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=5)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    a_file = tmp_path / "plain-file"
    a_file.write_text("x")
    for target in (busy, a_file / "run", Path("/proc/kaname-run")):
        res = invoke("explore", str(scenario), "--run-dir", str(target))
        assert res.exit_code == 2, (target, res.output)
        assert res.output.count("\n") == 1 and "--run-dir" in res.output
    assert (busy / "notes.txt").read_text() == "mine"
    for args in (["--futures", "0"], ["--design", "grid"], ["--chunk-size", "0"],
                 ["--executor", "threads"], ["--scheduler", "tcp://127.0.0.1:1"]):
        res = invoke("explore", str(scenario), "--run-dir", str(tmp_path / "new"), *args)
        assert res.exit_code == 2 and res.output.count("\n") == 1, (args, res.output)
        assert args[0] in res.output
    res = invoke("explore", "--resume", str(tmp_path / "nowhere"))
    assert res.exit_code == 2 and "does not exist" in res.output


# --------------------------------------------------------------------------- runs commands

def test_runs_list_show_query_export(toy, tmp_path) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=12, design="lhs")
    run_dir = tmp_path / "run"
    res = invoke("explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
                 "--keep-series", "3", "--format", "json", "--no-progress")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["status"] == "complete"

    listed = json.loads(invoke("runs", "list", "--format", "json").stdout)
    assert [r["dir"] for r in listed["runs"]] == [str(run_dir.resolve())]
    assert listed["runs"][0]["status"] == "complete" and listed["runs"][0]["done"] == 4
    assert "toy-run" in invoke("runs", "list", "--lang", "ja").stdout

    shown = json.loads(invoke("runs", "show", str(run_dir), "--format", "json").stdout)
    # 12 futures in chunks of 5, cut at the 3 kept series: 0-3, 3-5, 5-10, 10-12
    assert shown["chunks"] == {"total": 4, "pending": 0, "done": 4, "failed": 0}
    assert shown["futures_per_chunk"] == 5 and shown["design"] == "lhs"
    assert "状態" in invoke("runs", "show", str(run_dir), "--lang", "ja").stdout

    q = invoke("runs", "query", str(run_dir), 'SELECT policy, count(*) AS n, '
               'max("toy.n") AS top FROM results GROUP BY policy ORDER BY policy',
               "--format", "json")
    rows = json.loads(q.stdout)["rows"]
    frame = reference(scenario).to_frame()
    assert rows == [{"policy": p, "n": 12, "top": int(frame[frame.policy == p]["toy.n"].max())}
                    for p in ("base", "heavy")]
    bad = invoke("runs", "query", str(run_dir), "SELECT nope FROM results")
    assert bad.exit_code == 2 and bad.output.startswith("kaname: error:")

    parquet = tmp_path / "out.parquet"
    assert invoke("runs", "export", str(run_dir), "--format", "parquet", "-o",
                  str(parquet)).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), frame, check_dtype=False)
    netcdf = tmp_path / "out.nc"
    assert invoke("runs", "export", str(run_dir), "--format", "netcdf", "-o",
                  str(netcdf)).exit_code == 0
    with xr.open_dataset(netcdf) as ds:
        np.testing.assert_array_equal(ds["toy.path"].values,
                                      reference(scenario, keep_series=3).dataset["toy.path"])
    res = invoke("runs", "export", str(run_dir), "--format", "xlsx", "-o", str(tmp_path / "x"))
    assert res.exit_code == 2 and "--format" in res.output


def test_store_rejects_a_directory_that_is_not_a_run(tmp_path) -> None:
    with pytest.raises(InputError, match="not a kaname run directory"):
        RunStore.open(tmp_path)


# --------------------------------------------------------------------------- the one reader

def test_open_results_reads_a_partial_run_from_its_finished_chunks(toy, tmp_path,  # noqa: F811
                                                                   monkeypatch) -> None:
    """Chunk 1 fails: the run is refused as a whole, and read with allow_partial it holds
    exactly the finished chunks' futures (and kept series), equal to the full pipeline's."""
    monkeypatch.setenv("TOY_FAIL_CHUNK", "1")
    scenario = toy.write_scenario(futures=20, design="lhs")
    run_dir = tmp_path / "run"
    summary = explore_api(scenario, run_dir, chunk_size=5, keep_series=7)
    # chunks 0-5, 5-7 (the last kept series), 7-10, 10-15, 15-20; the second one failed
    assert summary.status == "failed" and [k for k, _ in summary.failed] == [1]
    with pytest.raises(InputError, match="1 failed"):
        open_results(run_dir)
    from kaname.results import Results
    from kaname.store import run_status

    status = run_status(run_dir)
    assert (status.chunks, status.done, status.pending, status.complete) == (5, 4, 0, False)
    assert status.failed[0][0] == 1 and "failed on purpose" in status.failed[0][1]
    got = Results.open(run_dir, allow_partial=True).dataset
    assert got["toy.y"].chunks is not None  # lazy, as for a complete run
    kept = np.r_[0:5, 7:20]
    np.testing.assert_array_equal(got["future"].values, kept)
    np.testing.assert_array_equal(got["series_future"].values, np.arange(5))
    monkeypatch.delenv("TOY_FAIL_CHUNK")
    want = reference(scenario, keep_series=7).dataset.sel(future=kept,
                                                          series_future=np.arange(5))
    want.attrs["futures"] = kept.size
    xr.testing.assert_identical(got.load(), want)


def test_open_results_opens_a_netcdf_file_and_refuses_other_files(toy, tmp_path) -> None:  # noqa: F811
    from kaname.results import Results

    scenario = toy.write_scenario(futures=12, design="sobol")
    explore_api(scenario, tmp_path / "run", chunk_size=5, keep_series=3)
    nc = tmp_path / "results.nc"
    open_results(tmp_path / "run").dataset.load().to_netcdf(nc)
    for opened in (open_results(nc), Results.open(nc)):
        xr.testing.assert_identical(opened.dataset, xr.load_dataset(nc))
        np.testing.assert_array_equal(opened.dataset["toy.y"].values,
                                      reference(scenario).dataset["toy.y"].values)
    broken = tmp_path / "broken.nc"
    broken.write_bytes(b"not a netcdf file")
    other = tmp_path / "results.csv"
    other.write_text("a,b\n")
    for path, needle in ((broken, "cannot be read"), (other, "expected a run directory"),
                         (tmp_path / "missing.nc", "no such run directory")):
        with pytest.raises(InputError, match=needle):
            open_results(path)


def test_python_runs_leave_the_catalog_alone_unless_asked(toy, tmp_path) -> None:  # noqa: F811
    from kaname.catalog import list_runs

    scenario = toy.write_scenario(futures=6)
    explore_api(scenario, tmp_path / "quiet", chunk_size=3)
    assert list_runs() == []
    from kaname import store
    from kaname.executors import make_executor

    scn, engine, key = store.load(scenario)
    prepared = store.create_run(scn, engine, key, tmp_path / "listed", chunk_size=3)
    with make_executor("serial", engine=engine, key=key) as pool:
        store.execute(prepared, pool, catalog=True)
    assert [r["dir"] for r in list_runs()] == [str((tmp_path / "listed").resolve())]


@pytest.mark.slow  # a fresh interpreter per module (~45 s on 2 busy cores)
def test_the_store_imports_without_the_run_pipeline() -> None:
    """No import cycle results -> store -> run -> results: each module imports first in a
    fresh interpreter, and the store (its reader included) never loads kaname.ensemble."""
    modules = ["kaname.results", "kaname.store", "kaname.store.reader", "kaname.store.layout",
               "kaname.store.codec", "kaname.store.manifest", "kaname.store.lifecycle",
               "kaname.executors", "kaname.catalog", "kaname.ensemble", "kaname.report.load"]
    code = ("import importlib, sys\n"
            "importlib.import_module(sys.argv[1])\n"
            "print('kaname.ensemble' in sys.modules)\n")
    for name in modules:
        proc = subprocess.run([sys.executable, "-c", code, name], capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, (name, proc.stderr)
        if name.startswith(("kaname.store", "kaname.results", "kaname.catalog")):
            assert proc.stdout.strip() == "False", name
