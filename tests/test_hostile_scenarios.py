"""Hostile scenario files (issue #18, item 3): nesting, huge integers, unit expressions
pint would take forever on, YAML 1.1 booleans where numbers belong, aliases. Each is refused
by `kaname validate` and `kaname run` in one line, exit 2, well within the time limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cli_support import assert_one_line_exit_2, cli

from kaname import yamlio
from kaname.errors import InputError
from kaname.units import check_expression

HEAD = "name: hostile\nsettings: {futures: 4}\n"
POLICY = "policies:\n  a: {}\n"


def scenario(body: str) -> str:
    return HEAD + body


CASES = {
    # nesting (PyYAML recursion would end in a RecursionError traceback)
    "flow list 1000 deep": (scenario(POLICY + "x: " + "[" * 1000 + "]" * 1000 + "\n"), "nested"),
    "flow map 1000 deep": (scenario(POLICY + "x: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n"),
                           "nested"),
    "block 60 deep": (scenario(POLICY + "".join("  " * i + f"k{i}:\n" for i in range(60))
                               + "  " * 60 + "v: 1\n"), "nested"),
    "mixed 50 deep": (scenario(POLICY + "x: " + "[{a: " * 50 + "1" + "}]" * 50 + "\n"),
                      "nested"),
    # integers too long for a float64 or for Python's int parser
    "4300-digit futures": (HEAD.replace("4", "9" * 4300) + POLICY, "digits"),
    "40-digit seed": (HEAD.replace("futures: 4", "seed: " + "1" * 40) + POLICY, "digits"),
    "huge integer lever": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                                    + "9" * 500 + "}\n"), "digits"),
    "huge integer bound": (scenario(POLICY + "uncertainties:\n  sustainment.conflict_year: "
                                    "{dist: integers, low: 2027, high: " + "9" * 100 + "}\n"),
                           "digits"),
    # unit expressions
    "power tower in a lever": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                                        "'2 missile**9**9**9/year'}\n"), "power of a power"),
    "power tower of numbers": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                                        "'9**9**9**9 missile/year'}\n"), "power of a power"),
    "huge power": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                            "'2 missile**999999/year'}\n"), "power"),
    "caret power": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                             "'2 missile^99/year'}\n"), "power"),
    "long unit": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: '2 "
                           + "missile*" * 40 + "missile'}\n"), "characters"),
    "many operators": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                                "'2 m/m/m/m/m/m/m/m/m/m/m/m/m/missile/year'}\n"), "operators"),
    "infinite quantity": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: "
                                   "'1e999 missile/year'}\n"), "finite"),
    # YAML 1.1 booleans are text now, and no boolean stands for a number
    "futures: yes": (HEAD.replace("4", "yes") + POLICY, "integer"),
    "futures: on": (HEAD.replace("4", "on") + POLICY, "integer"),
    "futures: true": (HEAD.replace("4", "true") + POLICY, "yes/no"),
    "seed: no": (HEAD.replace("futures: 4", "seed: no") + POLICY, "integer"),
    "bound: off": (scenario(POLICY + "uncertainties:\n  sustainment.conflict_year: "
                                     "{dist: uniform, low: off, high: 2030}\n"), "low"),
    "bound: true": (scenario(POLICY + "uncertainties:\n  sustainment.conflict_year: "
                                      "{dist: uniform, low: true, high: 2030}\n"), "yes/no"),
    "lever: yes": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: yes}\n"),
                   "japan_rate"),
    "lever: false": (scenario("policies:\n  a: {sustainment.pac3_mse.japan_rate: false}\n"),
                     "japan_rate"),
    # the YAML safety that was there already, kept
    "alias": (scenario("policies:\n  a: &x {}\n  b: *x\n"), "anchors"),
    "duplicate key": (scenario("policies:\n  a: {}\n  a: {}\n"), "twice"),
    "python tag": (scenario(POLICY + "x: !!python/object/apply:os.system ['true']\n"), "tag"),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_hostile_scenario_is_refused_in_one_line_quickly(tmp_path, name, command):
    text, needle = CASES[name]
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    res = cli(command, str(path), *(["--futures", "2"] if command == "run" else []))
    assert time.perf_counter() - started < 15
    line = assert_one_line_exit_2(res, str(path))
    assert needle in line, line


def test_the_yaml_limits_leave_ordinary_files_alone():
    assert yamlio.loads("a: [1, 2, {b: [3, {c: 4}]}]\nn: 123456789012345678901234567890\n"
                        "t: true\nf: False\ny: yes\n") == {
        "a": [1, 2, {"b": [3, {"c": 4}]}], "n": 123456789012345678901234567890,
        "t": True, "f": False, "y": "yes"}
    lists = yamlio.MAX_DEPTH - 1  # under the top-level mapping
    assert yamlio.loads("x: " + "[" * lists + "]" * lists) is not None
    with pytest.raises(InputError, match="nested"):
        yamlio.loads("x: " + "[" * (lists + 1) + "]" * (lists + 1))


@pytest.mark.parametrize("unit", ["missile/year", "billion * USD / year", "m**3", "1/s**2",
                                  "missile / day", "USD^2"])
def test_ordinary_units_pass_the_expression_check(unit):
    check_expression(unit)


def test_every_bundled_file_still_loads():
    from kaname.data import Library

    Library.load()
    for example in (Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"):
        assert cli("validate", str(example)).exit_code == 0
