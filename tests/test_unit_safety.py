"""Unit safety (issue #17, item 4): a scenario number far outside the data library's range
warns once naming the key (a likely unit slip: plain numbers are read in the canonical
unit), `--strict` refuses it in one line; `kaname data show` says which unit that is."""

from __future__ import annotations

import json
import warnings

import pytest
from cli_support import assert_one_line_exit_2, cli

from kaname.errors import KanameWarning, ScenarioError
from kaname.scenario import load_scenario

KEY = "sustainment.pac3_mse.surge_demand_per_day"  # library range 20–150 shot/day


def scenario(tmp_path, spec):
    path = tmp_path / "slip.yaml"
    path.write_text(f"name: slip\npolicies:\n  status-quo: {{}}\nuncertainties:\n  {KEY}: {spec}\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("spec", [
    "{dist: uniform, low: 100 missile/year, high: 200 missile/year}",  # /365: 0.27–0.55 a day
    "{dist: uniform, low: 2000, high: 3000}",                          # above 10 × 150
])
def test_far_outside_the_library_range_warns_once_and_strict_refuses(tmp_path, spec):
    path = scenario(tmp_path, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path)
    slips = [w for w in caught if issubclass(w.category, KanameWarning)
             and "outside the data library's range" in str(w.message)]
    assert len(slips) == 1 and KEY in str(slips[0].message)
    with pytest.raises(ScenarioError, match="--strict"):
        load_scenario(path, strict=True)
    assert_one_line_exit_2(cli("validate", "--strict", str(path)), KEY, "shot/day")


@pytest.mark.parametrize("spec", [
    "{dist: uniform, low: 3, high: 1400}",        # inside 2–1500 (a factor of ten each way)
    "{dist: data}",
])
def test_within_a_factor_of_ten_is_quiet(tmp_path, spec):
    path = scenario(tmp_path, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path, strict=True)
    assert not [w for w in caught if "outside the data library's range" in str(w.message)]


def test_data_show_gives_the_unit_plain_numbers_are_read_in():
    res = cli("data", "show", "sustainment.pac3_mse.unit_cost_japan", "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["unit"] == "million JPY/missile" and out["canonical_unit"] == "JPY/missile"
    assert out["canonical_value"] == pytest.approx(out["value"] * 1e6)
    text = cli("data", "show", "sustainment.pac3_mse.unit_cost_japan").stdout
    assert "750,000,000 JPY/missile" in text and "read in JPY/missile" in text
    assert "単位なし" in cli("data", "show", "sustainment.pac3_mse.unit_cost_japan",
                          "--lang", "ja").stdout
