"""The data library: sources, units converted at load, and its commands."""

import textwrap

import pytest
from typer.testing import CliRunner

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


def kaname(*args, env=None):
    """The ``kaname`` command in-process (typer's CliRunner)."""
    from kaname.cli import app

    res = CliRunner().invoke(app, list(args), env=env)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res


def test_data_check_command_fails_on_unsourced_entry(tmp_path):
    path = write(tmp_path, """
        model: extra
        parameters:
          thing: {value: 3, unit: day}
    """)
    res = kaname("data", "check", env={"KANAME_DATA": str(path)})
    assert res.exit_code == 1
    assert "extra.thing" in res.stderr


def test_data_show_and_list_json():
    import json

    res = kaname("data", "show", "sustainment.pac3_mse.us_rate_history", "--format", "json")
    assert res.exit_code == 0, res.stderr
    entry = json.loads(res.stdout)
    assert entry["unit"] == "missile/year" and entry["sources"]
    res = kaname("data", "show", "nope.nope")
    assert res.exit_code == 2 and "nope.nope" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    res = kaname("data", "list", "sustainment", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert all(e["path"].startswith("sustainment") for e in json.loads(res.stdout))


def test_data_check_fails_on_default_outside_declared_bounds(tmp_path):
    path = write(tmp_path, """
        model: sustainment
        parameters:
          pac3_mse:
            export_share: {value: 1.5, unit: dimensionless, assumption: test override}
    """)
    res = kaname("data", "check", env={"KANAME_DATA": str(path)})
    assert res.exit_code == 1
    assert "sustainment.pac3_mse.export_share" in res.stderr and "out of range" in res.stderr
