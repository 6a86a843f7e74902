"""A scenario that samples an input beyond the range its model is validated over is warned,
once, naming the input; within the range it is not (issue #15 item 5)."""

import warnings

import pytest
from typer.testing import CliRunner

from kaname.cli import app
from kaname.errors import KanameWarning
from kaname.scenario import load_scenario

SCENARIO = """\
name: t
models: [c2]
settings: {futures: 4}
policies: {a: {}}
uncertainties:
  c2.arrivals_per_day_crisis: {dist: uniform, low: 12, high: HIGH}
"""


def _load(tmp_path, text):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path)
    return [w for w in caught if issubclass(w.category, KanameWarning)]


def test_beyond_the_validated_range_warns_naming_the_input(tmp_path):
    caught = _load(tmp_path, SCENARIO.replace("HIGH", "90"))
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "c2.arrivals_per_day_crisis" in text and "90" in text and "72" in text


def test_within_the_validated_range_is_silent(tmp_path):
    assert _load(tmp_path, SCENARIO.replace("HIGH", "72")) == []


def test_the_command_line_prints_it_once_as_one_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("HIGH", "90"), encoding="utf-8")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0
    lines = [ln for ln in res.stderr.splitlines() if "warning" in ln]
    assert len(lines) == 1 and lines[0].startswith("kaname: warning: ")
    assert "c2.arrivals_per_day_crisis" in lines[0]


@pytest.mark.parametrize("dist", ["uniform", "triangular"])
def test_a_range_inside_warns_for_no_distribution(tmp_path, dist):
    extra = ", mode: 20" if dist == "triangular" else ""
    text = SCENARIO.replace("{dist: uniform, low: 12, high: HIGH}",
                            f"{{dist: {dist}, low: 12, high: 40{extra}}}")
    assert _load(tmp_path, text) == []
