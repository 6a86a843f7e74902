"""Value of information (issue #17, item 2): a toy decision with a known answer, bounds
that hold for any ensemble, grouping of discrete inputs, and the command's one-line errors.

Toy: y_a = 0, y_b = θ − 1/2 with θ ~ U(0, 1). Choosing now gives max(0, E[θ − 1/2]) = 0;
knowing θ first gives E[max(0, θ − 1/2)] = ∫_{1/2}^1 (θ − 1/2) dθ = 1/8. So EVPI = EVPPI_θ
= 1/8, and an input independent of everything is worth 0."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaname.analysis.voi import evpi, evppi, partial_values

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def test_toy_decision_known_answer():
    rng = np.random.default_rng(0)
    theta, noise = rng.random(40_000), rng.random(40_000)
    y = np.stack([np.zeros_like(theta), theta - 0.5])
    assert evpi(y) == pytest.approx(1 / 8, abs=0.003)
    values = {v.path: v for v in partial_values(y, {"theta": theta, "noise": noise})}
    assert values["theta"].evppi == pytest.approx(1 / 8, abs=0.003)
    assert values["noise"].evppi < 0.005 and values["noise"].noise < 0.005


def test_a_discrete_input_is_grouped_by_value():
    # y_b − y_a = +1 in year 2030, −1 in 2028: knowing the year is worth all of EVPI = 1/2
    year = np.repeat([2028, 2030], 500)
    y = np.stack([np.zeros(1000), np.where(year == 2030, 1.0, -1.0)])
    assert evpi(y) == pytest.approx(0.5)
    assert evppi(y, year) == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(arrays(float, (3, 60), elements=st.floats(-1e3, 1e3)),
       arrays(float, (60,), elements=st.floats(0, 1)))
def test_partial_value_is_between_zero_and_the_whole(y, theta):
    whole = evpi(y)
    assert whole >= -1e-9
    assert 0.0 <= evppi(y, theta) <= whole + 1e-9


def test_too_few_futures_is_a_value_error():
    with pytest.raises(ValueError, match="at least"):
        evppi(np.zeros((2, 5)), np.zeros(5))


def test_voi_command_json():
    res = cli("analyze", "voi", str(EXAMPLE), "--outcome", "deterrence.p_win", "--futures",
              "200", "--policy", "pac3-coproduction", "--policy", "jfhq-in-japan",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["better"] == "lower" and out["evpi"] >= 0
    assert all(0 <= v["evppi"] <= out["evpi"] + 1e-12 for v in out["partial"])


def test_voi_command_errors_are_one_line():
    assert_one_line_exit_2(cli("analyze", "voi", str(EXAMPLE), "--outcome", "deterrence.p_win",
                               "--futures", "50", "--policy", "nope"), "nope")
    assert_one_line_exit_2(cli("analyze", "voi", "missing.yaml", "--outcome", "x"),
                           "missing.yaml")
