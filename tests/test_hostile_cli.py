"""Issue 18: every hostile input to the command line is refused in one line.

A corpus of hostile command lines (options, outputs, limits, control characters, huge
numbers, devices): each ends with its exit code (2 bad input, 3 internal error), at most
three lines on stderr of which exactly one is ``kaname: error: ...``, no traceback, and —
for outputs — nothing replaced. Most run in-process (CliRunner); a few as a real ``kaname``
process."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from cli_support import assert_one_line_exit_2, cli

TEACH = str(resources.files("kaname.examples") / "taiwan-2028-teaching.yaml")
FULL = str(resources.files("kaname.examples") / "taiwan-2028.yaml")
OBJ = "max:sustainment.sustainment_days@p10"


def assert_refused(res, code: int = 2, *needles: str) -> str:
    """Exit `code`, at most three lines on stderr, exactly one ``kaname: error:`` line (with
    every needle), no traceback; returns the error line."""
    err = res.stderr
    assert res.exit_code == code, (res.exit_code, res.stdout, err)
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 3, err
    errors = [ln for ln in lines if ln.startswith("kaname: error: ")]
    assert len(errors) == 1, err
    assert "Traceback" not in err and "Traceback" not in res.stdout, err
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


# --------------------------------------------------------------------------- options
# (args, needles): each refused with exit code 2 before any scenario is read.

OPTIONS = [
    (["run", TEACH, "--futures", "99999999999999999999999"], ["--futures", "needs at least"]),
    (["run", TEACH, "--futures", "10^12"], ["--futures"]),
    (["run", TEACH, "--futures", "abc"], ["--futures"]),
    (["run", TEACH, "--futures", "1e3"], ["--futures"]),
    (["run", TEACH, "--futures", ""], ["--futures"]),
    (["run", TEACH, "--futures", "0"], ["--futures", "at least 1"]),
    (["run", TEACH, "--futures", "-7"], ["--futures", "at least 1"]),
    (["run", TEACH, "--seed", "-1"], ["--seed", "2**63-1"]),
    (["run", TEACH, "--seed", str(2**64)], ["--seed", "2**63-1"]),
    (["run", TEACH, "--seed", str(2**63)], ["--seed", "2**63-1"]),
    (["run", TEACH, "--keep-series", "-5"], ["--keep-series", "at least 0"]),
    (["run", TEACH, "--design", "bogus"], ["--design", "lhs"]),
    (["run", TEACH, "--format", "bogus"], ["--format", "json"]),
    (["run", TEACH, "--lang", "xx"], ["--lang", "ja"]),
    (["run", TEACH, "--samples", "out.txt"], ["--samples", ".parquet"]),
    (["run", TEACH, "--bogus"], ["--bogus"]),
    (["run"], ["Missing argument"]),
    (["no-such-command"], ["no-such-command"]),
    (["--no-such-option"], ["--no-such-option"]),
    (["validate", TEACH, "--lang", "xx"], ["--lang", "en, ja"]),
    (["validate", TEACH, "--format", "bogus"], ["--format", "table"]),
    (["data", "list", "--format", "bogus"], ["--format", "markdown"]),
    (["data", "list", "--lang", "xx"], ["--lang"]),
    (["explore", TEACH, "--run-dir", "RUN", "--seed", str(2**64)], ["--seed", "2**63-1"]),
    (["explore", TEACH, "--run-dir", "RUN", "--seed", "-3"], ["--seed"]),
    (["explore", TEACH, "--run-dir", "RUN", "--keep-series", "-1"], ["--keep-series"]),
    (["explore", TEACH, "--run-dir", "RUN", "--chunk-size", "0"], ["--chunk-size"]),
    (["explore", TEACH, "--run-dir", "RUN", "--futures", "0"], ["--futures"]),
    (["explore", TEACH, "--run-dir", "RUN", "--workers", "0"], ["--workers"]),
    (["explore", TEACH, "--run-dir", "RUN", "--executor", "bogus"], ["--executor"]),
    (["explore", TEACH, "--run-dir", "RUN", "--futures", "ten"], ["--futures"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--seed", str(2**64)], ["--seed"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--population", "2"],
     ["--population", "at least 4"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--generations", "0"],
     ["--generations"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--futures", "0"], ["--futures"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.txt"], ["--out", ".csv"]),
    (["analyze", "sobol", TEACH, "--outcome", "x", "--n", "3"], ["--n", "power of two"]),
    (["analyze", "sobol", TEACH, "--outcome", "x", "--n", "0"], ["--n"]),
    (["analyze", "sobol", TEACH, "--outcome", "x", "--seed", str(2**64)], ["--seed"]),
    (["analyze", "morris", TEACH, "--outcome", "x", "--trajectories", "0"],
     ["--trajectories", "at least 1"]),
    (["analyze", "morris", TEACH, "--outcome", "x", "--seed", "-1"], ["--seed"]),
    (["c2", "simulate", TEACH, "--days", "0"], ["--days"]),
    (["c2", "simulate", TEACH, "--days", "nan"], ["--days"]),
    (["c2", "simulate", TEACH, "--days", "inf"], ["--days"]),
    (["c2", "simulate", TEACH, "--replications", "0"], ["--replications"]),
    (["c2", "simulate", TEACH, "--warmup-days", "-1"], ["--warmup-days"]),
    (["c2", "simulate", TEACH, "--seed", str(2**64)], ["--seed"]),
    (["c2", "queue", "--arrivals-per-hour", "1", "--service-minutes", "1", "--servers", "1",
      "--hours", "1e9"], ["--hours"]),
    (["c2", "queue", "--arrivals-per-hour", "1", "--service-minutes", "1", "--servers", "1",
      "--hours", "nan"], ["--hours"]),
    (["c2", "queue", "--arrivals-per-hour", "1", "--service-minutes", "1", "--servers", "1",
      "--seed", "-1"], ["--seed"]),
    (["demo", "--futures", "0"], ["--futures"]),
]


@pytest.mark.parametrize(("args", "needles"), OPTIONS, ids=[" ".join(a[:4])[-60:]
                                                            for a, _ in OPTIONS])
def test_hostile_option_is_one_line_exit_2(args, needles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_refused(cli(*args), 2, *needles)
    assert not (tmp_path / "RUN").exists() and not (tmp_path / "p.csv").exists()


# --------------------------------------------------------------------------- limits
# Requests too big for any machine: refused (one line, with the estimate) before any work.

LIMITS = [
    (["run", TEACH, "--futures", "100000000000"], ["--futures", "needs at least", "explore"]),
    (["run", TEACH, "--futures", "100000000"], ["--futures", "needs about", "7 policies"]),
    (["run", FULL, "--futures", "100000000"], ["--futures", "needs about", "10 policies"]),
    (["explore", TEACH, "--run-dir", "RUN", "--futures", "100000000", "--chunk-size", "1"],
     ["--chunk-size", "manifest"]),
    (["explore", TEACH, "--run-dir", "RUN", "--futures", "1000000000000000"],
     ["--futures", "free"]),
    (["analyze", "sobol", TEACH, "--outcome", "x", "--n", str(2**30)], ["--n", "needs"]),
    (["analyze", "sobol", FULL, "--outcome", "sustainment_days", "--n", str(2**16)],
     ["--n", "D = 519"]),
    (["analyze", "morris", TEACH, "--outcome", "x", "--trajectories", str(10**9)],
     ["--trajectories", "needs"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--population", str(10**6)],
     ["--population", "evaluations"]),
    (["search", TEACH, "--objective", OBJ, "-o", "p.csv", "--population", str(10**12)],
     ["--population"]),
    (["c2", "simulate", TEACH, "--replications", "10000", "--days", "3650"],
     ["--replications", "replication-day"]),
    (["c2", "simulate", TEACH, "--replications", str(10**20)], ["--replications"]),
    (["demo", "--futures", "100000000000"], ["--futures", "needs"]),
]


@pytest.mark.parametrize(("args", "needles"), LIMITS, ids=[" ".join(a[:5])[-60:]
                                                           for a, _ in LIMITS])
def test_request_beyond_the_machine_is_refused_before_work(args, needles, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_refused(cli(*args), 2, *needles)
    assert not (tmp_path / "RUN").exists() and not (tmp_path / "p.csv").exists()
    assert not (tmp_path / "kaname-demo").exists() or not any(
        (tmp_path / "kaname-demo").iterdir())


BUDGETS = [  # (args, environment, needles): the budget set small, so the estimate decides
    (["run", TEACH, "--futures", "5"], {"KANAME_MEMORY_BYTES": "1000"},
     ["--futures", "KANAME_MEMORY_BYTES allows"]),
    (["run", TEACH, "--futures", "1000", "--keep-series", "1000"],
     {"KANAME_MEMORY_BYTES": str(100 * 2**20)}, ["--keep-series", "120 days"]),
    (["analyze", "morris", TEACH, "--outcome", "x", "--trajectories", "1000"],
     {"KANAME_TIME_BUDGET_S": "1"}, ["--trajectories", "40,000 evaluations", "time budget"]),
    (["explore", TEACH, "--run-dir", "RUN", "--futures", "1000"],
     {"KANAME_MEMORY_BYTES": "1000"}, ["--futures", "design"]),
    (["run", TEACH, "--futures", "5"], {"KANAME_MEMORY_BYTES": "lots"},
     ["KANAME_MEMORY_BYTES", "number"]),
    (["c2", "simulate", TEACH], {"KANAME_TIME_BUDGET_S": "-1"}, ["KANAME_TIME_BUDGET_S"]),
]


@pytest.mark.parametrize(("args", "env", "needles"), BUDGETS,
                         ids=[f"{a[0]}-{next(iter(e))}" for a, e, _ in BUDGETS])
def test_budget_decides(args, env, needles, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_refused(cli(*args, env=env), 2, *needles)
    assert not (tmp_path / "RUN").exists()


# --------------------------------------------------------------------------- outputs

def _socket(path: Path) -> Path:
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    return path


OUTPUTS = {  # name -> make(tmp_path) returning the path given and what must stay
    "directory": lambda d: d,
    "directory-with-slash": lambda d: Path(f"{d}{os.sep}"),
    "link-to-directory": lambda d: _link(d / "link", d),
    "broken-link": lambda d: _link(d / "broken", d / "nowhere" / "x"),
    "missing-parent": lambda d: d / "no" / "such" / "out.json",
    "socket": lambda d: _socket(d / "s.sock"),
    "parent-is-a-file": lambda d: _file(d / "f") / "out.json",
    "control-characters": lambda d: _dir(d / "a\nkaname: error: forged\u2028\x1b[31m"),
}


def _link(path: Path, to: Path) -> Path:
    path.symlink_to(to)
    return path


def _file(path: Path) -> Path:
    path.write_text("keep\n")
    return path


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


def _snapshot(root: Path) -> dict[str, tuple[int, bytes | str]]:
    out = {}
    for p in sorted(root.rglob("*")):
        info = os.lstat(p)
        out[str(p)] = (stat.S_IFMT(info.st_mode),
                       os.readlink(p) if stat.S_ISLNK(info.st_mode) else
                       p.read_bytes() if stat.S_ISREG(info.st_mode) else b"")
    return out


OUTPUT_COMMANDS = {
    "run --out": lambda o: ["run", TEACH, "--futures", "5", "--out", o],
    "run --samples": lambda o: ["run", TEACH, "--futures", "5", "--samples", o],
    "search -o": lambda o: ["search", TEACH, "--objective", OBJ, "-o", o],
    "c2 --records": lambda o: ["c2", "simulate", TEACH, "--records", o],
    "runs export": lambda o: ["runs", "export", "nowhere", "--format", "csv", "-o", o],
}


@pytest.mark.parametrize("kind", list(OUTPUTS))
@pytest.mark.parametrize("command", ["run --out", "run --samples"])
def test_bad_output_is_refused_and_nothing_replaced(kind, command, tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    (work / "keep.txt").write_text("keep\n")
    target = OUTPUTS[kind](work)
    before = _snapshot(tmp_path)
    line = assert_refused(cli(*OUTPUT_COMMANDS[command](str(target))), 2, command.split()[-1])
    assert _snapshot(tmp_path) == before
    assert "\n" not in line and "\u2028" not in line and "\x1b" not in line


@pytest.mark.parametrize("command", ["search -o", "c2 --records", "runs export"])
def test_directory_output_of_other_commands(command, tmp_path):
    out = tmp_path / "out.csv"
    out.mkdir()
    before = _snapshot(tmp_path)
    assert_refused(cli(*OUTPUT_COMMANDS[command](str(out))), 2, str(out))
    assert _snapshot(tmp_path) == before


def test_out_dev_null_is_written_through_not_replaced():
    res = cli("run", TEACH, "--futures", "3", "--format", "json", "--out", os.devnull)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert res.stderr.strip() == "" or "error" not in res.stderr


def test_out_dev_stdout_is_written_through(capfd):
    res = cli("run", TEACH, "--futures", "3", "--format", "json", "--out", "/dev/stdout")
    assert res.exit_code == 0, res.stderr
    assert '"futures": 3' in capfd.readouterr().out  # fd 1, through /proc/self/fd/1
    assert not stat.S_ISREG(os.stat("/dev/stdout").st_mode) or os.path.islink("/dev/stdout")


def test_fifo_is_written_through(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = cli("run", TEACH, "--futures", "3", "--format", "json", "--out", str(fifo))
    if res.exit_code != 0:  # unblock the reader
        with open(fifo, "wb"):
            pass
    reader.join(30)
    assert res.exit_code == 0, res.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and b'"futures": 3' in got[0]


def test_link_to_regular_file_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    res = cli("run", TEACH, "--futures", "3", "--format", "json", "--out", str(link))
    assert res.exit_code == 0, res.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert '"futures": 3' in target.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_refused_run_leaves_an_existing_output_whole(tmp_path):
    out = tmp_path / "summary.json"
    out.write_text("previous\n")
    assert_refused(cli("run", TEACH, "--futures", "3", "--out", str(out), "--policy",
                       "no-such-policy"), 2, "no-such-policy")
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


# --------------------------------------------------------------------------- control chars

FORGED = "kaname: error: forged"
CONTROL = {"newline": "\n", "cr": "\r", "u2028": "\u2028", "u2029": "\u2029",
           "nel": "\u0085", "esc": "\x1b[2K", "bell": "\x07", "bidi": "\u202e",
           "del": "\x7f", "c1": "\u009b"}


@pytest.mark.parametrize("name", list(CONTROL))
def test_control_characters_in_a_file_name_are_escaped(name):
    line = assert_refused(cli("validate", f"no-such{CONTROL[name]}{FORGED}.yaml"), 2)
    assert CONTROL[name][0] not in line
    assert line.count("kaname: error:") == 2  # the forged one escaped inside the one line


@pytest.mark.parametrize("where", ["key", "value", "policy"])
def test_control_characters_in_a_scenario_are_escaped(where, tmp_path):
    text = Path(TEACH).read_text(encoding="utf-8")
    if where == "key":
        text = text.replace("policies:\n", "policies:\n  \"evil\\nkaname: error: x\\u2028\":\n"
                                           "    no.such.path\\u0085: 1\n", 1)
    elif where == "value":
        text = text.replace("  futures: 2000", "  futures: \"20\\r\\nkaname: error: x\"", 1)
    else:
        text = text.replace("  status-quo: {}", "  status-quo: {}\n  \"a\\u2029b\":\n"
                                                "    \"c2.bad\\nkey\": 1", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = assert_refused(cli("validate", str(bad)), 2, str(bad))
    assert not any(ch in line for ch in "\n\r\u2028\u2029\u0085")


def test_control_characters_in_an_option_value_are_escaped():
    line = assert_refused(cli("run", TEACH, "--futures", "3", "--policy",
                              "p\nkaname: error: forged\u2028"), 2, "--policy")
    assert "\\n" in line and "\\u2028" in line


def test_undecodable_file_name_bytes_do_not_crash_the_message():
    name = os.fsdecode(b"no-such-\xff\xfe.yaml")  # lone surrogates
    line = assert_refused(cli("validate", name), 2)
    assert "\\udcff" in line


def test_sanitise_escapes_every_line_break_and_control():
    from kaname.clikit import sanitise

    assert sanitise("a\nb\rc\u2028d\u2029e\u0085f\x00g\x1bh\u202ei") == \
        "a\\nb\\rc\\u2028d\\u2029e\\x85f\\x00g\\x1bh\\u202ei"
    assert sanitise("日本語 — ok") == "日本語 — ok"


# --------------------------------------------------------------------------- internal errors

@pytest.mark.parametrize("exc", [RuntimeError("boom\nkaname: error: forged"), RecursionError(
    "maximum recursion depth exceeded"), MemoryError(), OSError(5, "Input/output error"),
    KeyError("k"), AssertionError()], ids=lambda e: type(e).__name__)
def test_internal_error_is_one_line_exit_3(exc, monkeypatch):
    import kaname.scenario

    def explode(*args, **kwargs):
        raise exc

    monkeypatch.setattr(kaname.scenario, "load_scenario", explode)
    line = assert_refused(cli("validate", TEACH), 3, "internal error", type(exc).__name__,
                          "--debug")
    assert "\n" not in line


@pytest.mark.parametrize("how", ["--debug", "KANAME_DEBUG"])
def test_debug_shows_the_traceback(how, monkeypatch):
    import kaname.scenario

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(kaname.scenario, "load_scenario", explode)
    res = cli("--debug", "validate", TEACH) if how == "--debug" else \
        cli("validate", TEACH, env={"KANAME_DEBUG": "1"})
    assert res.exit_code == 3
    assert "Traceback" in res.stderr and "RuntimeError: boom" in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("kaname: error: internal error")
    res = cli("validate", TEACH)  # --debug does not stick to the next invocation
    assert res.exit_code == 3 and "Traceback" not in res.stderr


def test_every_command_is_guarded():
    import re

    root = Path(__file__).resolve().parents[1] / "src" / "kaname" / "commands"
    for path in sorted(root.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, text in enumerate(lines):
            if re.search(r"@\w+\.command\(", text):
                assert lines[i + 1].strip() == "@guarded", f"{path.name}:{i + 1}"


# --------------------------------------------------------------------------- a real process

def _kaname(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kaname.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "COLUMNS": "80"})


class _Res:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.exit_code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("args", [
    ["run", TEACH, "--futures", "10^12"],
    ["c2", "simulate", TEACH, "--replications", "10000", "--days", "3650"],
    ["validate", f"x\n{FORGED}\u2028.yaml"],
    ["run", TEACH, "--out", "/"],
], ids=["futures-not-a-number", "des-too-long", "forged-line", "out-root"])
def test_real_process_refuses_in_one_line(args):
    assert_refused(_Res(_kaname(*args)), 2)


def test_real_process_out_dev_null_keeps_the_device():
    proc = _kaname("c2", "queue", "--arrivals-per-hour", "1", "--service-minutes", "10",
                   "--servers", "1", "--hours", "10")
    assert proc.returncode == 0, proc.stderr
    res = _kaname("run", TEACH, "--futures", "2", "--format", "json", "--out", "/dev/null",
                  timeout=120)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_runs_export_writes_through_a_device_and_refuses_a_directory(tmp_path):
    import stat as stat_mod

    run_dir = tmp_path / "run"
    res = cli("explore", TEACH, "--run-dir", str(run_dir), "--futures", "20",
              "--no-progress")
    assert res.exit_code == 0, res.stderr
    res = cli("runs", "export", str(run_dir), "--format", "csv", "-o", "/dev/null")
    assert res.exit_code == 0, res.stderr
    assert stat_mod.S_ISCHR(os.stat("/dev/null").st_mode)
    assert_one_line_exit_2(cli("runs", "export", str(run_dir), "--format", "csv", "-o",
                               str(tmp_path)), "--out", "directory")
