"""``kaname homeland``: JSON fields, one-line errors with exit 2, compare tables in en/ja."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from kaname.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, ["homeland", *args])
    return result.exit_code, result.stdout, result.stderr


def test_size_json_fields_and_closed_form():
    code, out, _ = run("size", "--salvo", "1", "--threat", "icbm_solid", "--latitude", "39.7",
                       "--confidence", "0.9", "--format", "json")
    assert code == 0
    data = json.loads(out)
    for key in ("absentee_ratio", "sbi_count", "sbi_layer_cost_20y_usd", "cost_20y_usd"):
        assert key in data
    # one missile: N = ⌈−ln(1 − c) × absentee ratio⌉
    assert data["sbi_count"] == math.ceil(-math.log(0.1) * data["absentee_ratio"] - 1e-9)
    assert 1000 <= data["sbi_count"] <= 2500  # the order of APS 2003's ~1,600
    assert data["cost_20y_usd"] > data["sbi_layer_cost_20y_usd"] > 0


def test_size_given_count_costs_it():
    code, out, _ = run("size", "--salvo", "2", "--threat", "icbm_liquid", "--latitude", "35",
                       "--sbi-count", "1000", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["sbi_count"] == 1000
    assert 0 < data["p_salvo_engaged"] < 1


@pytest.mark.parametrize("args,key", [
    (["--salvo", "-2", "--threat", "icbm_solid", "--latitude", "40"], "--salvo"),
    (["--salvo", "1", "--threat", "icbm_solid", "--latitude", "70"], "homeland.sbi.inclination"),
    (["--salvo", "1", "--threat", "drone", "--latitude", "40"], "--threat"),
    (["--salvo", "1", "--threat", "hgv", "--latitude", "40", "--confidence", "1.5"],
     "--confidence"),
])
def test_bad_input_one_line_exit_2(args, key):
    code, out, err = run("size", *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and "Traceback" not in err


def test_boost_shorter_than_delay_from_data_override(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: homeland\nparameters:\n  sbi:\n    detection_delay:\n"
                   "      value: 200\n      unit: s\n      assumption: test\n")
    result = runner.invoke(app, ["homeland", "compare"], env={"KANAME_DATA": str(bad)})
    assert result.exit_code == 2
    assert "boost_time" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("lang,word", [("en", "Architecture"), ("ja", "構成")])
def test_compare_tables(lang, word):
    code, out, _ = run("compare", "--lang", lang)
    assert code == 0 and word in out
    for figure in ("175", "185", "252", "3,600"):
        assert figure in out


def test_compare_json():
    code, out, _ = run("compare", "--format", "json")
    data = json.loads(out)
    assert set(data["architectures"]) == {"sbi_regional", "sbi_peer", "no_sbi"}
    heads = {k: v["usd"] for k, v in data["headlines"].items()}
    assert heads["white_house_usd"] == 175e9 and heads["aei_high_usd"] == 3.6e12
    arch = data["architectures"]
    assert arch["no_sbi"]["sbi_count"] == 0
    assert arch["sbi_peer"]["cost_20y_usd"] > arch["sbi_regional"]["cost_20y_usd"] > \
        arch["no_sbi"]["cost_20y_usd"]
    assert arch["sbi_peer"]["expected_leakers_total"] <= arch["no_sbi"]["expected_leakers_total"]
