"""Small fixes of issue 17: `kaname analyze robustness` prints yen as the headline tables do
(¥1.6B / 16億円, never 1.6e+09) and years as years (2027, never 2,027). (Integer levers in
`kaname search`: tests/test_analysis_search.py; path suggestions: test_scenario_errors.py;
the dashboard's items: test_dashboard.py.)"""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from kaname.cli import app
from kaname.results import variable_attrs
from kaname.spec import Spec

ROW = re.compile(r"│\s*(\d+)\s*│\s*(\S+)\s*│(.*)│\s*$")


def _rows(text: str, title: str) -> dict[str, list[str]]:
    """Policy -> its cells (mean, p10, p50, p90, regrets) in the table titled `title`."""
    rows: dict[str, list[str]] = {}
    inside = False
    for line in text.splitlines():
        if title in line:
            inside = True
            continue
        if inside:
            m = ROW.match(line)
            if m:
                rows[m[2]] = [c.strip() for c in m[3].split("│")]
            elif line.startswith("└"):
                break
    return rows


@pytest.fixture()
def hand_run(tmp_path):
    """Two policies on four futures, worked by hand: a cost of ¥1.6 billion in every future
    for "build" and ¥0 for "wait"; a completion year of 2027 for "build", 2030 for "wait"."""
    cost = Spec("Cost to Japan", "日本の負担", unit="JPY", better="lower")
    year = Spec("Year ready", "完成年", unit="calendar_year", better="lower")
    ds = xr.Dataset(
        {"m.cost_jpy": (("policy", "future"), np.array([[1.6e9] * 4, [0.0] * 4]),
                        variable_attrs(cost)),
         "m.year_ready": (("policy", "future"), np.array([[2027.0] * 4, [2030.0] * 4]),
                          variable_attrs(year))},
        coords={"policy": ["build", "wait"], "future": np.arange(4)})
    path = tmp_path / "hand.nc"
    ds.to_netcdf(path)
    return path


@pytest.mark.parametrize(("lang", "yen"), [("en", "¥1.6B"), ("ja", "16億円")])
def test_robustness_prints_yen_as_the_headline_does(hand_run, lang, yen):
    res = CliRunner().invoke(app, ["analyze", "robustness", str(hand_run), "--outcome",
                                   "m.cost_jpy", "--outcome", "m.year_ready", "--lang", lang])
    assert res.exit_code == 0, res.output
    assert "e+" not in res.output  # no scientific notation anywhere
    title = "Cost to Japan" if lang == "en" else "日本の負担"
    cost = _rows(res.output, title)
    # mean, p10, p50, p90 of "build" are all ¥1.6 billion; its regret is ¥1.6 billion in
    # every future (the best policy, "wait", costs 0); "wait" has no regret
    assert cost["build"] == [yen] * 7
    assert cost["wait"] == ["0"] * 7
    years = _rows(res.output, "Year ready" if lang == "en" else "完成年")
    assert years["build"][:4] == ["2027"] * 4 and years["wait"][:4] == ["2030"] * 4
    assert years["wait"][4:] == ["3"] * 3  # three years later than the best, every future
    assert "2,027" not in res.output and "2,030" not in res.output
