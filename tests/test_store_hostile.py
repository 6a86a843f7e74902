"""Hostile cases for the run store (issue 18): a damaged or deleted manifest, a full disk,
a read-only run directory, and SQL that tries to read or write outside the run.

Every case ends in one line on stderr, exit code 2 and no traceback, and changes nothing
it is not allowed to change (checked by hashing the run directory and the catalog).
Write failures are injected by replacing the store's one write function
(:func:`kaname.store.manifest.write_atomic`), since tests run as root in CI, where a
chmod does not stop writes; the real chmod case runs only when not root.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from pathlib import Path

import pytest
import xarray as xr
from cli_support import assert_one_line_exit_2
from cli_support import cli as run_cli
from test_store_support import (  # noqa: F401 - `toy` is a fixture
    cli,
    explore_api,
    manifest,
    toy,
)

from kaname.store import manifest as store_manifest
from kaname.store import open_results

CHUNK, P = 5, 2  # futures per chunk, policies of the toy scenario
REAL_WRITE = store_manifest.write_atomic


def tree_hash(*roots: Path) -> dict[str, str]:
    """SHA-256 of every file under `roots` (a file root is hashed itself)."""
    out = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in paths:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def chunk_hashes(run_dir: Path) -> dict[str, str]:
    return {name: meta["sha256"] for c in manifest(run_dir)["chunks"]
            for name, meta in c.get("files", {}).items()}


def write_manifest(run_dir: Path, data) -> None:  # type: ignore[no-untyped-def]
    (run_dir / "manifest.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture
def run(toy, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    """A complete Latin-hypercube run: 30 futures, chunks of 5, series kept for 4."""
    scenario = toy.write_scenario(futures=30, design="lhs")
    run_dir = tmp_path / "run"
    summary = explore_api(scenario, run_dir, chunk_size=CHUNK, keep_series=4)
    assert summary.status == "complete"
    return run_dir


def failing_write(monkeypatch, code: int, when):  # type: ignore[no-untyped-def]
    """Replace the store's write function: raise OSError(code) for paths where `when`."""
    real = store_manifest.write_atomic
    calls: list[str] = []

    def write(path, data):  # type: ignore[no-untyped-def]
        calls.append(Path(path).name)
        if when(Path(path)):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, data)

    monkeypatch.setattr(store_manifest, "write_atomic", write)
    return calls


def resume_in_process(run_dir: Path):  # type: ignore[no-untyped-def]
    from kaname.executors import make_executor
    from kaname.store import execute, reopen_run

    prepared = reopen_run(run_dir)
    with make_executor("serial", engine=prepared.engine, key=prepared.key) as pool:
        return execute(prepared, pool)


# =========================================================================== damaged manifest

def _bad_status(m):  # type: ignore[no-untyped-def]
    m["chunks"][4]["status"] = "dne"
    return m


def _no_layout(m):  # type: ignore[no-untyped-def]
    del m["layout"]
    return m


def _no_files(m):  # type: ignore[no-untyped-def]
    del m["chunks"][2]["files"]
    return m


def _futures_text(m):  # type: ignore[no-untyped-def]
    m["futures"] = "thirty"
    return m


def _no_seed_root(m):  # type: ignore[no-untyped-def]
    del m["seed"]["root"]
    return m


DAMAGE = {
    "bad-status": (_bad_status, "chunks[4].status: 'dne' not one of pending, done, failed"),
    "missing-layout": (_no_layout, "layout: missing"),
    "missing-chunk-files": (_no_files, "chunks[2].files: missing"),
    "futures-not-int": (_futures_text, "futures: a string"),
    "missing-seed-root": (_no_seed_root, "seed.root: missing"),
    "truncated-json": (None, "truncated or corrupted JSON"),
}
COMMANDS = {
    "runs-show": lambda d, tmp: ["runs", "show", str(d)],
    "explore-resume": lambda d, tmp: ["explore", "--resume", str(d), "--no-progress"],
    "runs-query": lambda d, tmp: ["runs", "query", str(d), "SELECT count(*) FROM results"],
    "report": lambda d, tmp: ["report", str(d), "-o", str(tmp / "r.html")],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_manifest_is_one_line_naming_file_and_key(run, tmp_path, damage,
                                                            command) -> None:
    mutate, needle = DAMAGE[damage]
    path = run / "manifest.json"
    if mutate is None:
        raw = path.read_bytes()
        path.write_bytes(raw[: len(raw) // 2])
    else:
        write_manifest(run, mutate(manifest(run)))
    before = tree_hash(run)
    res = run_cli(*COMMANDS[command](run, tmp_path))
    line = assert_one_line_exit_2(res, f"{path}: ", needle, f"kaname runs repair {run}")
    assert "KeyError" not in line
    assert tree_hash(run) == before  # nothing is written to a damaged run
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("data", [[1, 2, 3], "a string", {"format": "kaname-run/1"},
                                  {"format": "other/9"}])
def test_manifest_that_is_not_a_run_manifest(run, data) -> None:
    write_manifest(run, data)
    res = run_cli("runs", "show", str(run))
    assert_one_line_exit_2(res, "manifest.json", "kaname runs repair")


def test_deleted_manifest_points_to_repair(run) -> None:
    (run / "manifest.json").unlink()
    for args in (["runs", "show", str(run)], ["explore", "--resume", str(run)],
                 ["runs", "query", str(run), "SELECT 1"]):
        assert_one_line_exit_2(run_cli(*args), "no manifest.json", f"kaname runs repair {run}")


# =========================================================================== runs repair

@pytest.mark.parametrize("design", ["lhs", "mc", "sobol"])
def test_repair_after_deleted_manifest_keeps_intact_chunks_and_resume_recomputes_the_rest(
        toy, tmp_path, design) -> None:  # noqa: F811
    """A run with chunks 0-2 done and the rest not (as if killed), manifest deleted: repair
    keeps exactly 0-2, resume computes only the rest, and the result is bit-identical to an
    uninterrupted run."""
    scenario = toy.write_scenario(futures=30, design=design)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    explore_api(scenario, whole, chunk_size=CHUNK, keep_series=4)
    explore_api(scenario, broken, chunk_size=CHUNK, keep_series=4)
    for k in range(3, 7):  # chunks 3.. never finished (0-4, 4-5 (kept series), 5-10, ...)
        for f in (broken / "chunks").glob(f"{k:05d}.*"):
            f.unlink()
    (broken / "manifest.json").unlink()

    res = run_cli("runs", "repair", str(broken), "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["kept"] == [0, 1, 2] and [r["chunk"] for r in out["reset"]] == [3, 4, 5, 6]
    assert out["parameters_from"] == "chunk records"
    assert out["design"] == ("none" if design == "mc" else "kept")
    assert manifest(broken)["status"] == "incomplete"

    summary = resume_in_process(broken)
    assert summary.status == "complete"
    assert summary.samples == 4 * CHUNK * P  # chunks 3-6: futures 10-30, nothing else
    assert chunk_hashes(broken) == chunk_hashes(whole)
    xr.testing.assert_identical(open_results(broken).dataset.load(),
                                open_results(whole).dataset.load())


def test_repair_of_a_complete_run_with_a_bad_status_keeps_every_chunk(run) -> None:
    before = chunk_hashes(run)
    write_manifest(run, _bad_status(manifest(run)))
    res = run_cli("runs", "repair", str(run))
    assert res.exit_code == 0, res.stderr
    assert "kept 7 of 7 chunks: 0-6" in res.stdout and "the run is complete" in res.stdout
    assert manifest(run)["status"] == "complete" and chunk_hashes(run) == before
    assert run_cli("runs", "show", str(run)).exit_code == 0


def test_repair_resets_a_corrupted_chunk_and_resume_recomputes_it(run) -> None:
    before = chunk_hashes(run)
    target = run / "chunks" / "00003.parquet"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    target.write_bytes(bytes(raw))
    (run / "manifest.json").write_text("{ not json", encoding="utf-8")
    res = run_cli("runs", "repair", str(run))
    assert res.exit_code == 0, res.stderr
    assert "chunk 3: 00003.parquet does not match its checksum" in res.stdout
    assert f"kaname explore --resume {run}" in res.stdout
    assert [c["status"] for c in manifest(run)["chunks"]][3] == "pending"
    summary = resume_in_process(run)
    assert summary.samples == CHUNK * P and chunk_hashes(run) == before


def test_repair_resets_a_chunk_whose_record_is_missing(run) -> None:
    (run / "chunks" / "00002.json").unlink()  # the record write was cut short
    (run / "manifest.json").unlink()
    out = json.loads(run_cli("runs", "repair", str(run), "--format", "json").stdout)
    assert [r["chunk"] for r in out["reset"]] == [2]
    assert "has no record" in out["reset"][0]["reason"]


def test_repair_resets_a_chunk_with_a_tampered_record(run) -> None:
    rec_path = run / "chunks" / "00001.json"
    rec = json.loads(rec_path.read_text())
    rec["files"]["00001.parquet"]["sha256"] = "0" * 64
    rec_path.write_text(json.dumps(rec))
    write_manifest(run, _no_layout(manifest(run)))
    out = json.loads(run_cli("runs", "repair", str(run), "--format", "json").stdout)
    assert out["reset"] == [{"chunk": 1, "reason": "00001.parquet does not match its checksum"}]


def test_repair_rewrites_a_missing_design_identically(run) -> None:
    design_sha = manifest(run)["design"]["sha256"]
    (run / "design.parquet").unlink()
    (run / "manifest.json").unlink()
    out = json.loads(run_cli("runs", "repair", str(run), "--format", "json").stdout)
    assert out["design"] == "rewritten" and len(out["kept"]) == 7
    assert manifest(run)["design"]["sha256"] == design_sha
    assert hashlib.sha256((run / "design.parquet").read_bytes()).hexdigest() == design_sha


def test_repair_without_the_frozen_scenario_is_one_line(run) -> None:
    (run / "scenario.yaml").unlink()
    before = tree_hash(run)
    assert_one_line_exit_2(run_cli("runs", "repair", str(run)), "scenario.yaml", str(run))
    assert tree_hash(run) == before
    assert_one_line_exit_2(run_cli("runs", "repair", str(run / "nowhere")), "does not exist")


def test_repair_is_atomic_when_the_disk_is_full(run, monkeypatch) -> None:
    write_manifest(run, _bad_status(manifest(run)))
    before = tree_hash(run)
    failing_write(monkeypatch, errno.ENOSPC, lambda p: p.name == "manifest.json")
    line = assert_one_line_exit_2(run_cli("runs", "repair", str(run)),
                                  "no space left on device", "manifest is unchanged")
    assert "runs repair" in line
    assert tree_hash(run) == before
    assert not list(run.glob(".*.part"))


# =========================================================================== disk full

ERRNOS = {errno.ENOSPC: "no space left on device", errno.EROFS: "read-only file system",
          errno.EACCES: "permission denied", errno.EDQUOT: "disk quota exceeded"}


@pytest.mark.parametrize("code", list(ERRNOS))
def test_a_failing_chunk_write_is_one_line_and_the_run_resumes(toy, tmp_path, monkeypatch,  # noqa: F811
                                                               code) -> None:
    scenario = toy.write_scenario(futures=30, design="lhs")
    run_dir = tmp_path / "run"
    failing_write(monkeypatch, code, lambda p: p.name == "00003.parquet")
    res = run_cli("explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
                  "--no-progress")
    assert_one_line_exit_2(res, str(run_dir), f"{ERRNOS[code]} while writing chunk 3",
                           f"kaname explore --resume {run_dir}")
    state = manifest(run_dir)
    statuses = [c["status"] for c in state["chunks"]]
    assert statuses[:3] == ["done"] * 3 and statuses[3] == "pending"
    assert state["status"] == "incomplete"
    assert not list((run_dir / "chunks").glob("00003.*"))  # nothing half-written kept
    assert not list((run_dir / "chunks").glob(".*.part"))
    monkeypatch.setattr(store_manifest, "write_atomic", REAL_WRITE)  # space is back
    summary = resume_in_process(run_dir)
    assert summary.status == "complete" and summary.samples == 3 * CHUNK * P
    whole = tmp_path / "whole"
    explore_api(scenario, whole, chunk_size=CHUNK)
    assert chunk_hashes(run_dir) == chunk_hashes(whole)


def test_disk_full_writing_a_chunk_record_leaves_the_chunk_pending(toy, tmp_path,  # noqa: F811
                                                                   monkeypatch) -> None:
    scenario = toy.write_scenario(futures=20, design="mc")
    run_dir = tmp_path / "run"
    failing_write(monkeypatch, errno.ENOSPC, lambda p: p.name == "00002.json")
    res = run_cli("explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
                  "--no-progress")
    assert_one_line_exit_2(res, "while writing chunk 2")
    assert manifest(run_dir)["chunks"][2]["status"] == "pending"
    assert not (run_dir / "chunks" / "00002.parquet").exists()


def test_disk_full_writing_the_manifest_mid_run_keeps_the_last_good_one(toy, tmp_path,  # noqa: F811
                                                                        monkeypatch) -> None:
    scenario = toy.write_scenario(futures=20, design="mc")
    run_dir = tmp_path / "run"
    monkeypatch.setattr(store_manifest, "SAVE_EVERY_S", 0.0)  # save after every chunk
    seen = {"n": 0}

    def full_after_chunk_1(path: Path) -> bool:
        if path.name == "00001.parquet":
            seen["n"] = 1
        return path.name == "manifest.json" and seen["n"] == 1

    failing_write(monkeypatch, errno.ENOSPC, full_after_chunk_1)
    res = run_cli("explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
                  "--no-progress")
    assert_one_line_exit_2(res, "no space left on device while writing the manifest",
                           "--resume")
    state = manifest(run_dir)  # the last consistent manifest: chunk 0 done, 1 not named
    from kaname.store import RunStore

    store = RunStore.open(run_dir)
    assert [c["status"] for c in state["chunks"]][:2] == ["done", "pending"]
    assert store.chunk_ok(0)
    monkeypatch.setattr(store_manifest, "write_atomic", REAL_WRITE)  # space is back
    assert resume_in_process(run_dir).status == "complete"


def test_disk_full_again_on_resume_is_one_line(run, monkeypatch) -> None:
    state = manifest(run)
    for c in state["chunks"][4:]:
        c.update(status="pending", files={})
    state["status"] = "incomplete"
    write_manifest(run, state)
    before = tree_hash(run)
    failing_write(monkeypatch, errno.ENOSPC, lambda p: p.name == "manifest.json")
    res = run_cli("explore", "--resume", str(run), "--no-progress")
    assert_one_line_exit_2(res, "no space left on device while writing the manifest",
                           f"kaname explore --resume {run}")
    assert tree_hash(run) == before


@pytest.mark.parametrize("target", ["scenario.yaml", "design.parquet", "manifest.json"])
def test_disk_full_while_creating_the_run_leaves_nothing_and_the_command_can_rerun(
        toy, tmp_path, monkeypatch, target) -> None:  # noqa: F811
    scenario = toy.write_scenario(futures=10, design="lhs")
    run_dir = tmp_path / "run"
    failing_write(monkeypatch, errno.ENOSPC, lambda p: p.name == target)
    args = ["explore", str(scenario), "--run-dir", str(run_dir), "--no-progress"]
    assert_one_line_exit_2(run_cli(*args), "no space left on device while writing",
                           "run the same kaname explore command again")
    assert not run_dir.exists() or not any(run_dir.iterdir())
    monkeypatch.setattr(store_manifest, "write_atomic", REAL_WRITE)  # space is back
    assert run_cli(*args).exit_code == 0


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_read_only_run_directory_on_resume_is_one_line_before_any_work(run, monkeypatch,
                                                                       code) -> None:
    state = manifest(run)
    state["chunks"][6].update(status="pending", files={})
    write_manifest(run, state)
    before = tree_hash(run)
    calls = failing_write(monkeypatch, code, lambda p: True)
    import kaname.store.lifecycle as lifecycle

    loaded = []
    monkeypatch.setattr(lifecycle, "load", lambda *a, **k: loaded.append(a) or 1 / 0)
    res = run_cli("explore", "--resume", str(run), "--no-progress")
    assert_one_line_exit_2(res, str(run), "run directory cannot be written", ERRNOS[code],
                           "explore --resume")
    assert calls == [".write-probe"] and not loaded  # refused before loading anything
    assert tree_hash(run) == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root ignores chmod; the monkeypatched case covers it")
def test_real_read_only_run_directory_on_resume(run) -> None:
    state = manifest(run)
    state["chunks"][6].update(status="pending", files={})
    write_manifest(run, state)
    os.chmod(run, 0o555)
    os.chmod(run / "chunks", 0o555)
    try:
        res = run_cli("explore", "--resume", str(run), "--no-progress")
        assert_one_line_exit_2(res, "run directory cannot be written", "permission denied")
    finally:
        os.chmod(run, 0o755)
        os.chmod(run / "chunks", 0o755)


SITECUSTOMIZE = '''
import os
if os.environ.get("KANAME_TEST_FULL"):
    import kaname.store.manifest as m
    real = m.write_atomic
    def write(path, data):
        if os.path.basename(str(path)) == os.environ["KANAME_TEST_FULL"]:
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)
    m.write_atomic = write
'''


def test_disk_full_end_to_end_in_a_real_process(toy, tmp_path) -> None:  # noqa: F811
    (toy.root / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    scenario = toy.write_scenario(futures=20, design="mc")
    run_dir = tmp_path / "run"
    proc = cli(["explore", str(scenario), "--run-dir", str(run_dir), "--chunk-size", "5",
                "--no-progress"], toy.env(KANAME_TEST_FULL="00002.parquet"), timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr
    assert "no space left on device while writing chunk 2" in lines[0]
    proc = cli(["explore", "--resume", str(run_dir), "--no-progress"], toy.env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert manifest(run_dir)["status"] == "complete"


# =========================================================================== runs query

HOSTILE_SQL = {
    "read-etc-hostname": ("SELECT * FROM read_csv('/etc/hostname')", "not allowed"),
    "read-text-etc": ("SELECT content FROM read_text('/etc/hostname')", "not allowed"),
    "read-manifest": ("SELECT * FROM read_json('{run}/manifest.json')", "not allowed"),
    "read-catalog": ("SELECT * FROM read_blob('{catalog}')", "not allowed"),
    "glob": ("SELECT * FROM glob('{run}/*')", "not allowed"),
    "url": ("SELECT * FROM 'https://example.com/x.csv'", "not allowed"),
    "copy-to-cwd": ("COPY (SELECT 1) TO 'x.csv'", "COPY writes files"),
    "copy-over-manifest": ("COPY (SELECT 1 AS a) TO '{run}/manifest.json' (FORMAT json)",
                           "COPY writes files"),
    "copy-over-chunk": ("COPY results TO '{run}/chunks/00000.parquet'", "COPY writes files"),
    "attach-catalog": ("ATTACH '{catalog}' AS cat", "ATTACH"),
    "attach-new": ("ATTACH '{run}/new.duckdb'", "ATTACH"),
    "install": ("INSTALL httpfs", "INSTALL"),
    "load": ("LOAD httpfs", "INSTALL/LOAD"),
    "create-table": ("CREATE TABLE t AS SELECT * FROM results", "CREATE changes"),
    "insert": ("INSERT INTO policies VALUES ('x', 9)", "INSERT changes"),
    "update": ("UPDATE chunks SET status = 'done'", "UPDATE changes"),
    "delete": ("DELETE FROM chunks", "DELETE changes"),
    "drop": ("DROP VIEW results", "DROP changes"),
    "alter": ("ALTER TABLE chunks ADD COLUMN x INTEGER", "ALTER changes"),
    "pragma": ("PRAGMA threads=1", "PRAGMA"),
    "set-external": ("SET enable_external_access = true", "SET changes settings"),
    "export": ("EXPORT DATABASE '{run}/dump'", "EXPORT DATABASE"),
    "two-statements": ("SELECT 1; SELECT 2", "2 statements"),
    "select-then-copy": ("SELECT 1; COPY (SELECT 1) TO 'y.csv'", "2 statements"),
    "syntax-error": ("SELEC nope", "SQL error"),
    "unknown-column": ("SELECT nope FROM results", "SQL error"),
    "empty": ("  ;  ", "no SQL statement"),
}


@pytest.mark.parametrize("case", list(HOSTILE_SQL))
def test_hostile_sql_is_refused_in_one_line_and_changes_nothing(run, toy, tmp_path,  # noqa: F811
                                                                 monkeypatch, case) -> None:
    sql, needle = HOSTILE_SQL[case]
    sql = sql.format(run=run, catalog=toy.catalog)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before = tree_hash(run, toy.catalog)
    line = assert_one_line_exit_2(run_cli("runs", "query", str(run), sql), "SQL: ", needle)
    assert "example.com" not in line or "not allowed" in line
    assert tree_hash(run, toy.catalog) == before
    assert not any(cwd.iterdir())


def test_the_sandbox_still_answers_ordinary_queries(run, toy) -> None:  # noqa: F811
    before = tree_hash(run, toy.catalog)
    for sql in ("SELECT count(*) AS n FROM results", "DESCRIBE results",
                "WITH d AS (SELECT * FROM design) SELECT count(*) AS n FROM d",
                "SELECT count(*) AS n FROM chunks WHERE status = 'done'",
                f"SELECT count(*) AS n FROM read_parquet('{run}/chunks/00000.parquet')"):
        res = run_cli("runs", "query", str(run), sql, "--format", "json")
        assert res.exit_code == 0, (sql, res.stderr)
    rows = json.loads(run_cli("runs", "query", str(run), "SELECT count(*) AS n FROM results",
                              "--format", "json").stdout)["rows"]
    assert rows == [{"n": 30 * P}]
    assert tree_hash(run, toy.catalog) == before


def test_hostile_sql_end_to_end_in_a_real_process(run, toy, tmp_path) -> None:  # noqa: F811
    before = tree_hash(run, toy.catalog)
    for sql in (f"COPY (SELECT 1 AS a) TO '{run}/manifest.json' (FORMAT json)",
                "SELECT * FROM read_csv('/etc/hostname')"):
        proc = cli(["runs", "query", str(run), sql], toy.env(), timeout=15, cwd=tmp_path)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1, proc.stderr
        assert lines[0].startswith("kaname: error: ") and "Traceback" not in proc.stderr
        assert proc.stdout == ""
    assert tree_hash(run, toy.catalog) == before


def test_damaged_manifest_end_to_end_in_a_real_process(run, toy) -> None:  # noqa: F811
    write_manifest(run, _bad_status(manifest(run)))
    proc = cli(["runs", "show", str(run)], toy.env(), timeout=15)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "chunks[4].status: 'dne' not one of pending, done, failed" in proc.stderr
    assert "Traceback" not in proc.stderr and sys.executable


def test_repair_resets_chunks_computed_with_another_data_library(run, toy) -> None:  # noqa: F811
    (run / "manifest.json").unlink()
    toy.data.write_text(toy.data.read_text().replace("base: 1.0", "base: 1.1"))
    out = json.loads(run_cli("runs", "repair", str(run), "--format", "json").stdout)
    assert out["kept"] == [] and len(out["reset"]) == 7
    assert all("another data library" in r["reason"] for r in out["reset"])


def test_disk_full_with_the_progress_bar_is_still_one_line(toy, tmp_path,  # noqa: F811
                                                           monkeypatch) -> None:
    scenario = toy.write_scenario(futures=20, design="mc")
    failing_write(monkeypatch, errno.ENOSPC, lambda p: p.name == "00001.parquet")
    res = run_cli("explore", str(scenario), "--run-dir", str(tmp_path / "run"),
                  "--chunk-size", "5")
    assert_one_line_exit_2(res, "no space left on device while writing chunk 1")
