"""docs/writing-a-model.md, run: a new model added from its own module, data YAML and scenario
alone — no kaname file edited — is validated, run, stored, reported, shown in the dashboard
and documented like a built-in one."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import kaname
from kaname.app import core
from kaname.cli import app
from kaname.report import write_report

PAGE = Path(__file__).resolve().parents[1] / "docs" / "writing-a-model.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def energy(tmp_path, monkeypatch):
    """The page's plugin installed the way a user installs one (PYTHONPATH, KANAME_DATA)."""
    from kaname.models import base

    python, yaml_ = blocks("python"), blocks("yaml")
    (tmp_path / "energy_model.py").write_text(python[0], encoding="utf-8")
    data = tmp_path / "energy.yaml"
    data.write_text(next(b for b in yaml_ if b.startswith("# energy.yaml")), encoding="utf-8")
    scenario = tmp_path / "blockade.yaml"
    scenario.write_text(next(b for b in yaml_ if "name: blockade" in b), encoding="utf-8")
    monkeypatch.setattr(base, "_registered", dict(base._registered))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("KANAME_DATA", str(data))
    module = importlib.import_module("energy_model")
    yield module, scenario, python
    sys.modules.pop("energy_model", None)


def test_the_pages_code_runs(energy, capsys):
    module, _, python = energy
    for cell in python[1:]:
        exec(compile(cell, str(PAGE), "exec"), dict(vars(module)))
    assert "1200." in capsys.readouterr().out


def test_a_new_model_goes_everywhere_without_editing_kaname(energy, tmp_path):
    _, scenario_file, _ = energy
    scenario = kaname.load_scenario(scenario_file)
    results = kaname.run(scenario, futures=200)
    ds = results.dataset
    days = ds["energy.days_of_supply"]
    assert days.attrs["long_name"] == "Days of oil supply" and days.attrs["units"] == "day"
    # rationing lowers the drawdown gap, so supply never lasts less on the same future
    paired = days.sel(policy="rationing") - days.sel(policy="status-quo")
    assert float(paired.min()) >= 0 and float(paired.max()) > 0
    # the link: energy reads sustainment's days, not the data library's 30
    assert not np.allclose(ds["sustainment.sustainment_days"].values, 30.0)
    rows = {r["outcome"] for r in results.summary()}
    assert {"energy.days_of_supply", "energy.outlasts_munitions"} <= rows

    html = write_report(results, tmp_path / "report.html", scenario=scenario).read_text()
    assert "Energy security" in html and "Days of oil supply" in html

    groups = core.lever_groups(scenario.engine, scenario)
    assert [lv.path for lv in groups["energy"]] == ["energy.demand_restraint"]
    assert core.group_title(scenario.engine, "energy", "ja") == "エネルギー安全保障"

    kaname.explore(scenario, tmp_path / "run", futures=200)
    stored = kaname.open_results(tmp_path / "run").dataset["energy.days_of_supply"]
    np.testing.assert_array_equal(stored.values, days.values)


def test_data_commands_know_the_new_model(energy):
    runner = CliRunner()
    listed = runner.invoke(app, ["data", "list", "energy"])
    assert listed.exit_code == 0 and "energy.reserve_days" in listed.output
    doc = runner.invoke(app, ["data", "doc", "energy"])
    assert doc.exit_code == 0 and "energy.reserve_days" in doc.output
