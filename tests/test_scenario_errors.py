"""Every bad-input class of DESIGN §2.3: exit code 2, one line naming file and key,
no traceback, no output file."""

import subprocess
import sys
import textwrap

import pytest

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


def kaname(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "kaname.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def run_bad(tmp_path, text, *, name="s.yaml", raw=None):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(textwrap.dedent(text))
    out = tmp_path / "summary.json"
    proc = kaname("run", str(path), "--format", "json", "--out", str(out))
    return proc, out, path


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
def test_bad_scenario_gives_one_line_and_exit_2(tmp_path, case):
    text, must_name = CASES[case]
    proc, out, path = run_bad(tmp_path, text)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(path) in lines[0]
    assert must_name in lines[0]
    assert not out.exists()
    assert proc.stdout == ""


def test_missing_file(tmp_path):
    proc = kaname("validate", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert "nope.yaml" in proc.stderr and "not found" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_oversized_file(tmp_path):
    proc, out, path = run_bad(tmp_path, None, raw=(VALID + "#" + "x" * 2_000_000 + "\n").encode())
    assert proc.returncode == 2
    assert "larger than" in proc.stderr and str(path) in proc.stderr
    assert not out.exists()


def test_bad_option_values_exit_2(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(VALID)
    for args in (["--futures", "0"], ["--format", "xml"], ["--policy", "nope"],
                 ["--design", "grid"]):
        proc = kaname("run", str(path), *args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr


def test_unwritable_output_directory(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(VALID)
    proc = kaname("run", str(path), "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
