"""The data library: sources, units converted at load, and its commands."""

import subprocess
import sys
import textwrap

import pytest

from kaname.data import Library
from kaname.errors import DataError
from kaname.units import conversion_factor, parse_quantity


def test_every_entry_is_sourced_or_an_assumption_and_units_parse(library):
    assert library.check() == []
    assert len(library.entries) > 40


def test_units_convert_at_load(library):
    lead = library.get("sustainment.pac3_mse.surge_lead_time")
    assert lead.unit == "month"
    assert lead.value("day") == pytest.approx(lead.base * 365.25 / 12)
    cost = library.get("sustainment.pac3_mse.unit_cost_japan")
    assert cost.value("JPY/missile") == pytest.approx(cost.base * 1e6)


def test_engine_defaults_are_in_canonical_units(library):
    from kaname.engine import Engine

    engine = Engine.build(library, names=["sustainment"])
    assert engine.default("sustainment.pac3_mse.surge_lead_time") == pytest.approx(
        library.get("sustainment.pac3_mse.surge_lead_time").base * 30.4375)


def test_conversions_against_hand_values():
    assert conversion_factor("missile/year", "missile/day") == pytest.approx(1 / 365.25)
    assert conversion_factor("billion JPY", "JPY") == 1e9
    assert parse_quantity("2 week", "day") == 14
    with pytest.raises(DataError, match="cannot be converted"):
        conversion_factor("USD", "JPY")


def write(tmp_path, body):
    path = tmp_path / "extra.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_entry_without_source_or_assumption_is_reported(tmp_path):
    path = write(tmp_path, """
        model: extra
        parameters:
          thing: {value: 3, unit: day}
    """)
    problems = Library.load([path]).check()
    assert any("extra.thing" in p and "neither sources nor assumption" in p for p in problems)


def test_bad_unit_is_reported(tmp_path):
    path = write(tmp_path, """
        model: extra
        parameters:
          thing: {value: 3, unit: furlongs_per_fortnight_x, assumption: test}
    """)
    problems = Library.load([path]).check()
    assert any("extra.thing" in p and "not understood" in p for p in problems)


def test_inverted_range_is_refused(tmp_path):
    path = write(tmp_path, """
        model: extra
        parameters:
          thing: {base: 3, low: 5, high: 9, unit: day, assumption: test}
    """)
    with pytest.raises(DataError, match="low <= base <= high"):
        Library.load([path])


def test_data_check_command_fails_on_unsourced_entry(tmp_path):
    path = write(tmp_path, """
        model: extra
        parameters:
          thing: {value: 3, unit: day}
    """)
    env = {"KANAME_DATA": str(path), "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "data", "check"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "extra.thing" in proc.stderr


def test_data_show_and_list_json():
    import json

    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "data", "show",
                           "sustainment.pac3_mse.us_rate_history", "--format", "json"],
                          capture_output=True, text=True, check=True)
    entry = json.loads(proc.stdout)
    assert entry["unit"] == "missile/year" and entry["sources"]
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "data", "show", "nope.nope"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "nope.nope" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "data", "list", "sustainment",
                           "--format", "json"], capture_output=True, text=True, check=True)
    assert all(e["path"].startswith("sustainment") for e in json.loads(proc.stdout))


def test_data_check_fails_on_default_outside_declared_bounds(tmp_path):
    path = write(tmp_path, """
        model: sustainment
        parameters:
          pac3_mse:
            export_share: {value: 1.5, unit: dimensionless, assumption: test override}
    """)
    env = {"KANAME_DATA": str(path), "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "data", "check"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "sustainment.pac3_mse.export_share" in proc.stderr and "out of range" in proc.stderr
