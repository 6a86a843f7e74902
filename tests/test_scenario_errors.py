"""Every bad-input class of DESIGN §2.3: exit code 2, one line naming file and key,
no traceback, no output file.

The cases run in-process: the loader and validator (:func:`kaname.scenario.load_scenario`)
must raise an :class:`~kaname.errors.InputError` whose one-line message names the file and
the key, and the command-line plumbing (options, output files) is checked through typer's
``CliRunner``. One test starts the real ``kaname`` console script, to prove that such an
error reaches a user as one line on stderr, exit code 2 and no traceback.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import assert_one_line_exit_2, cli

from kaname.errors import InputError, ScenarioError
from kaname.scenario import load_scenario

VALID = """\
name: t
settings: {base_year: 2026, horizon_days: 30, futures: 20, seed: 1}
policies:
  status-quo: {}
  coprod:
    sustainment.pac3_mse.japan_rate: 60
uncertainties:
  sustainment.conflict_year: {dist: integers, low: 2027, high: 2030}
"""


@pytest.fixture(scope="module")
def engine():
    """One engine for every case (what load_scenario builds from the scenario's settings;
    validation does not depend on the horizon)."""
    from kaname.engine import Engine

    return Engine.build()


def write(tmp_path, text, *, name="s.yaml", raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(textwrap.dedent(text))
    return path


def one_line(exc: InputError) -> str:
    line = exc.line()
    assert "\n" not in line, line
    return line


CASES = {
    "unknown path": (VALID.replace("sustainment.conflict_year", "sustainment.conflict_yaer"),
                     "uncertainties.sustainment.conflict_yaer"),
    "lever that is not a lever": (
        VALID.replace("sustainment.pac3_mse.japan_rate: 60",
                      "sustainment.pac3_mse.stock_base_us: 60"),
        "policies.coprod.sustainment.pac3_mse.stock_base_us"),
    "wrong type": (VALID.replace("japan_rate: 60", "japan_rate: [1, 2]"),
                   "policies.coprod.sustainment.pac3_mse.japan_rate"),
    "wrong type in settings": (VALID.replace("futures: 20", "futures: many"), "settings.futures"),
    "wrong unit": (VALID.replace("japan_rate: 60", "japan_rate: 60 USD"),
                   "policies.coprod.sustainment.pac3_mse.japan_rate"),
    "inverted bounds": (VALID.replace("low: 2027, high: 2030", "low: 2030, high: 2027"),
                        "uncertainties.sustainment.conflict_year"),
    "NaN": (VALID.replace("japan_rate: 60", "japan_rate: .nan"),
            "policies.coprod.sustainment.pac3_mse.japan_rate"),
    "inf": (VALID.replace("high: 2030", "high: .inf"),
            "uncertainties.sustainment.conflict_year"),
    "probabilities not summing to 1": (
        VALID.replace(
            "{dist: integers, low: 2027, high: 2030}",
            "{dist: choice, values: [2027, 2028], p: [0.5, 0.6]}"),
        "uncertainties.sustainment.conflict_year.p"),
    "lever out of range": (VALID.replace("japan_rate: 60", "japan_rate: 1000000"),
                           "policies.coprod.sustainment.pac3_mse.japan_rate"),
    "share out of range": (VALID.replace("japan_rate: 60", "export_share: 1.5"),
                           "policies.coprod.sustainment.pac3_mse.export_share"),
    "unknown top-level key": (VALID + "polices: {}\n", "polices"),
    "unsafe tag": (VALID.replace("name: t", "name: !!python/object/apply:os.system ['true']"),
                   "tag not allowed"),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
                   "c: [*b, *b, *b, *b, *b, *b, *b]\n" + VALID, "anchors"),
    "duplicate key": (VALID + "name: u\n", "appears twice"),
    "not YAML": ("name: [unclosed\n", "s.yaml"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario_is_one_line_naming_file_and_key(tmp_path, engine, case):
    text, must_name = CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_scenario(path, engine)
    line = one_line(err.value)
    assert str(path) in line
    assert must_name in line


def test_validation_errors_are_scenario_errors(tmp_path, engine):
    path = write(tmp_path, CASES["unknown path"][0])
    with pytest.raises(ScenarioError, match="unknown parameter path"):
        load_scenario(path, engine)


def test_bad_settings_are_refused_before_any_model_is_built(tmp_path):
    # no engine given: the scenario's own settings are checked first
    path = write(tmp_path, CASES["wrong type in settings"][0])
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in one_line(err.value) and "settings.futures" in err.value.line()


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "nope.yaml")
    assert "nope.yaml" in one_line(err.value) and "not found" in err.value.line()


def test_oversized_file(tmp_path):
    path = write(tmp_path, None, raw=(VALID + "#" + "x" * 2_000_000 + "\n").encode())
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "larger than" in one_line(err.value) and str(path) in err.value.line()


def test_cli_bad_scenario_writes_no_output(tmp_path):
    for case in ("wrong type in settings", "NaN"):
        path = write(tmp_path, CASES[case][0])
        out = tmp_path / "summary.json"
        res = cli("run", str(path), "--format", "json", "--out", str(out))
        assert_one_line_exit_2(res, str(path), CASES[case][1])
        assert not out.exists()


def test_bad_option_values_exit_2(tmp_path):
    path = write(tmp_path, VALID)
    for args, key in ((["--futures", "0"], "--futures"), (["--format", "xml"], "--format"),
                      (["--design", "grid"], "--design"), (["--policy", "nope"], "nope")):
        assert_one_line_exit_2(cli("run", str(path), *args), key)


def test_unwritable_output_directory(tmp_path):
    path = write(tmp_path, VALID)
    res = cli("run", str(path), "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert_one_line_exit_2(res, "does not exist")


def test_cli_validate_missing_file(tmp_path):
    assert_one_line_exit_2(cli("validate", str(tmp_path / "nope.yaml")), "nope.yaml",
                           "not found")


def console_script() -> str:
    """The installed ``kaname`` entry point (next to this interpreter, else on PATH)."""
    here = Path(sys.executable).parent / "kaname"
    found = str(here) if here.exists() else shutil.which("kaname")
    assert found, "the kaname console script is not installed (pip install -e .)"
    return found


def test_real_console_script_prints_one_line_and_exits_2(tmp_path):
    # `validate` of a scenario refused before any model is built: a quick process
    path = write(tmp_path, CASES["wrong type in settings"][0])
    proc = subprocess.run([console_script(), "validate", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("kaname: error: ")
    assert str(path) in lines[0] and "settings.futures" in lines[0]
    assert proc.stdout == ""


# Issue 17: a mistyped path is answered with the nearest valid one(s), in policies,
# uncertainties and --set alike (the README promises it).
TYPOS = {
    "policy lever": (VALID.replace("pac3_mse.japan_rate: 60", "pac3_mse.japan_rte: 60"),
                     "policies.coprod.sustainment.pac3_mse.japan_rte",
                     "sustainment.pac3_mse.japan_rate"),
    "uncertainty": (VALID.replace("conflict_year: {", "conflict_yaer: {"),
                    "uncertainties.sustainment.conflict_yaer", "sustainment.conflict_year"),
    "munition dropped a letter": (VALID.replace("pac3_mse.japan_rate", "pac3_mse.japan_rat"),
                                  "policies.coprod.sustainment.pac3_mse.japan_rat",
                                  "sustainment.pac3_mse.japan_rate"),
}


@pytest.mark.parametrize("case", sorted(TYPOS))
def test_a_typo_gets_the_nearest_path(tmp_path, engine, case):
    text, key, meant = TYPOS[case]
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, text), engine)
    line = one_line(err.value)
    assert f"{key}: unknown parameter path; did you mean {meant}?" in line


def test_a_set_typo_gets_the_nearest_path(tmp_path, engine):
    path = write(tmp_path, VALID)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, engine, sets={"sustainment.aim120.japan_start_yaer": 2030})
    assert ("--set sustainment.aim120.japan_start_yaer: unknown parameter path; did you mean "
            "sustainment.aim120.japan_start_year?") in one_line(err.value)
    res = cli("validate", str(path), "--set", "sustainment.conflict_yaer=2028")
    assert_one_line_exit_2(res, "did you mean sustainment.conflict_year?")
    # nothing near: the catalogue of paths, not a guess
    res = cli("validate", str(path), "--set", "zzz=1")
    assert_one_line_exit_2(res, "unknown parameter path; see `kaname data list`")


def test_nearest_paths_for_a_policy_are_levers(engine):
    from kaname.scenario import nearest_paths

    # "stock_base_japan" is an input but not a lever: a policy is pointed at levers only
    assert "sustainment.pac3_mse.stock_base_japan" in nearest_paths(
        "sustainment.pac3_mse.stock_base_japn", engine)
    near = nearest_paths("sustainment.pac3_mse.stock_base_japn", engine, levers=True)
    assert all(engine.inputs[p].lever for p in near)
    # several equally near paths are all named
    last = nearest_paths("japan_rate", engine)
    assert len(last) > 1 and all(p.endswith(".japan_rate") for p in last)
