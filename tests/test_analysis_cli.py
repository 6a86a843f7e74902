"""``kaname analyze`` and ``kaname search``: outputs, formats, languages and one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaname.cli import app

# The narrow example (34 uncertainties): these tests exercise plumbing, not breadth.
EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml")
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def one_line_error(res, *fragments):
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output + res.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.fixture(scope="module")
def run_nc(tmp_path_factory):
    from kaname.ensemble import run
    from kaname.scenario import engine_for, load_scenario

    sc = load_scenario(EXAMPLE)
    results = run(sc, engine_for(sc.settings, sc.models), futures=120)
    path = tmp_path_factory.mktemp("run") / "results.nc"
    results.dataset.to_netcdf(path)
    return str(path)


def test_robustness_table_json_and_japanese(run_nc):
    res = invoke("analyze", "robustness", run_nc, "--outcome", "sustainment_days",
                 "--outcome", "min:coproduction_cost_jpy", "--threshold",
                 "sustainment_days>=20", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["futures"] == 120 and set(data["ranking"]) == set(data["policies"])
    assert data["outcomes"][1]["better"] == "lower"
    assert 0 <= data["satisficing"][data["ranking"][0]]["all"] <= 1
    ja = invoke("analyze", "robustness", run_nc, "--outcome", "sustainment_days",
                "--threshold", "sustainment_days>=20", "--lang", "ja")
    assert ja.exit_code == 0 and "最大後悔" in ja.stdout and "閾値を満たす将来の割合" in ja.stdout


def test_prim_on_a_run(run_nc):
    res = invoke("analyze", "prim", run_nc, "--where", "sustainment_days < 25",
                 "--threshold", "0.5", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["cases"] > 0 and data["n"] == 120 * len(data["policies"])
    for box in data["boxes"]:
        assert 0.5 <= box["density"] <= 1 and 0 < box["coverage"] <= 1
        assert box["description"].endswith("%")
    ja = invoke("analyze", "prim", run_nc, "--where", "sustainment_days < 25", "--threshold",
                "0.5", "--lang", "ja")
    assert ja.exit_code == 0 and "シナリオ探索" in ja.stdout


def test_bad_input_is_one_line_exit_2(run_nc):
    one_line_error(invoke("analyze", "prim", run_nc, "--where", "sustainment_days < -1"),
                   "selects no case", "0 of")
    one_line_error(invoke("analyze", "prim", run_nc, "--where", "sustainment_days > -1"),
                   "selects every case")
    one_line_error(invoke("analyze", "prim", run_nc, "--where", "__import__('os') == 1"),
                   "cannot read condition")
    one_line_error(invoke("analyze", "robustness", run_nc, "--outcome", "sustainment_dayz"),
                   "unknown outcome 'sustainment_dayz'", "sustainment.sustainment_days")
    one_line_error(invoke("analyze", "robustness", "/nonexistent", "--outcome", "x"),
                   "no such file or run directory")
    one_line_error(invoke("analyze", "sobol", EXAMPLE, "--outcome", "sustainment_days",
                          "--n", "1000"), "1000 is not a power of two", "1024")
    one_line_error(invoke("analyze", "morris", EXAMPLE, "--outcome", "nope"),
                   "unknown outcome 'nope'")


def test_sobol_and_morris_json():
    res = invoke("analyze", "sobol", EXAMPLE, "--outcome", "sustainment_days", "--n", "16",
                 "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    d = len(data["indices"])
    assert data["evaluations"] == 16 * (2 * d + 2) and data["second_order"]
    res = invoke("analyze", "morris", EXAMPLE, "--outcome", "sustainment_days",
                 "--trajectories", "4", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["evaluations"] == 4 * (len(data["indices"]) + 1)
    assert sorted(data["ranking"]) == sorted(i["input"] for i in data["indices"])


def test_search_writes_the_pareto_set(tmp_path):
    out = tmp_path / "pareto.csv"
    args = ["search", EXAMPLE, "--objective", "max:sustainment_days@p50", "--objective",
            "min:coproduction_cost_jpy", "--population", "8", "--generations", "2",
            "--futures", "20", "--lever", "sustainment.pac3_mse.japan_rate=0:250",
            "--lever", "sustainment.pac3_mse.japan_start_year"]
    res = invoke(*args, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "Pareto set written" in res.stdout
    header = out.read_text().splitlines()[0].split(",")
    assert header == ["sustainment.pac3_mse.japan_rate", "sustainment.pac3_mse.japan_start_year",
                      "max:sustainment.sustainment_days@p50",
                      "min:sustainment.coproduction_cost_jpy@mean"]
    res = invoke(*args, "-o", str(tmp_path / "pareto.json"), "--format", "json", "--lang", "ja")
    assert res.exit_code == 0, res.output
    saved = json.loads((tmp_path / "pareto.json").read_text())
    assert saved["pareto"] and saved["objectives"][0] == "max:sustainment.sustainment_days@p50"
    assert not list(tmp_path.glob("*.part"))
    one_line_error(invoke(*args, "-o", str(tmp_path / "pareto.txt")), "allowed: .csv, .json")
    one_line_error(invoke("search", EXAMPLE, "--objective", "max:sustainment_days@mode",
                          "-o", str(out)), "unknown statistic 'mode'")
    one_line_error(invoke(*args, "-o", str(tmp_path / "missing" / "p.csv")),
                   "output directory does not exist")


@pytest.mark.slow  # explores, catalogs and analyses a run directory (~10 s on busy cores)
def test_run_directory_from_the_store(tmp_path):
    pytest.importorskip("kaname.store")
    run_dir = tmp_path / "run"
    res = invoke("explore", EXAMPLE, "--run-dir", str(run_dir), "-n", "40", "--no-progress")
    assert res.exit_code == 0, res.output
    res = invoke("analyze", "robustness", str(run_dir), "--outcome", "sustainment_days",
                 "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["futures"] == 40
    res = invoke("analyze", "prim", str(run_dir), "--where", "sustainment_days < 30",
                 "--threshold", "0.3", "--format", "json")
    assert res.exit_code == 0, res.output


@pytest.mark.slow
def test_no_traceback_in_a_real_process():
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "analyze", "sobol", EXAMPLE,
                           "--outcome", "sustainment_days", "--n", "100"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a power of two" in proc.stderr
