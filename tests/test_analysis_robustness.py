"""Robustness: statistics, Savage regret and satisficing against a hand-computed table."""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaname.analysis.robustness import (
    parse_condition,
    parse_conditions,
    regret,
    robustness,
)
from kaname.errors import InputError
from kaname.results import Results

# 3 policies x 4 futures, worked by hand below.
DAYS = [[10, 20, 30, 40],   # A
        [15, 15, 35, 20],   # B
        [12, 25, 25, 45]]   # C
COST = [[1, 1, 1, 1],
        [2, 0, 2, 0],
        [3, 3, 3, 3]]


def table() -> Results:
    ds = xr.Dataset(
        {"m.days": (("policy", "future"), np.array(DAYS, float),
                    {"better": "higher", "label_en": "Days", "label_ja": "日数", "unit": "day"}),
         "m.cost": (("policy", "future"), np.array(COST, float),
                    {"better": "lower", "label_en": "Cost", "label_ja": "費用", "unit": "JPY"}),
         "m.index": (("policy", "future"), np.zeros((3, 4)), {"label_en": "No direction"})},
        coords={"policy": ["A", "B", "C"], "future": np.arange(4)})
    return Results(ds)


def row(res, policy, outcome):
    return next(r for r in res.stats if r["policy"] == policy and r["outcome"] == outcome)


def test_regret_by_hand():
    # best days per future: 15, 25, 35, 45
    # regret A: 5 5 5 5; B: 0 10 0 25; C: 3 0 10 0
    res = robustness(table(), ["m.days", "cost"])
    assert row(res, "A", "m.days")["regret_mean"] == pytest.approx(5.0)
    assert row(res, "A", "m.days")["regret_max"] == pytest.approx(5.0)
    assert row(res, "B", "m.days")["regret_mean"] == pytest.approx(8.75)
    assert row(res, "B", "m.days")["regret_max"] == pytest.approx(25.0)
    assert row(res, "C", "m.days")["regret_mean"] == pytest.approx(3.25)
    assert row(res, "C", "m.days")["regret_max"] == pytest.approx(10.0)
    # cost, lower is better: best 1 0 1 0; regret A 0 1 0 1, B 1 0 1 0, C 2 3 2 3
    assert row(res, "A", "m.cost")["regret_mean"] == pytest.approx(0.5)
    assert row(res, "C", "m.cost")["regret_max"] == pytest.approx(3.0)
    assert row(res, "C", "m.cost")["regret_mean"] == pytest.approx(2.5)
    # statistics: A's days are 10..40: mean 25, median 25, p10 = 10 + 0.3 * 10 = 13
    assert row(res, "A", "m.days")["mean"] == pytest.approx(25.0)
    assert row(res, "A", "m.days")["p50"] == pytest.approx(25.0)
    assert row(res, "A", "m.days")["p10"] == pytest.approx(13.0)
    # minimax regret on the first outcome (no thresholds): A (5) < C (10) < B (25)
    assert res.ranking == ["A", "C", "B"]


def test_satisficing_by_hand():
    # days >= 20: A F T T T = .75, B F F T T = .5, C F T T T = .75
    # cost <= 2:  A all, B all, C none -> joint A .75, B .5, C 0
    res = robustness(table(), ["m.days"], ["m.days>=20", "m.cost <= 2"])
    assert res.satisficing["A"]["all"] == pytest.approx(0.75)
    assert res.satisficing["B"]["all"] == pytest.approx(0.5)
    assert res.satisficing["C"]["all"] == pytest.approx(0.0)
    assert res.satisficing["C"]["m.days >= 20"] == pytest.approx(0.75)
    assert res.ranking == ["A", "B", "C"]
    # one threshold only: A and C tie on satisficing; A has the smaller max regret
    res = robustness(table(), ["m.days"], ["m.days>=20"])
    assert res.ranking == ["A", "C", "B"]


def test_direction_override_and_errors():
    res = robustness(table(), ["min:m.days"])  # now lower days is better: best 10 15 25 20
    assert row(res, "A", "m.days")["regret_max"] == pytest.approx(20.0)
    with pytest.raises(InputError, match="no better direction"):
        robustness(table(), ["m.index"])
    assert robustness(table(), ["max:m.index"]).ranking == ["A", "B", "C"]
    with pytest.raises(InputError, match="unknown outcome 'm.dayz'.*m.days"):
        robustness(table(), ["m.dayz"])
    with pytest.raises(InputError, match="cannot read condition"):
        robustness(table(), ["m.days"], ["m.days => 3"])


def test_condition_parser_is_not_eval():
    c = parse_condition("deterrence.holds == False")
    assert (c.name, c.op, c.value) == ("deterrence.holds", "==", 0.0)
    assert parse_condition("x[pac3_mse]<=1e3").value == 1000.0
    assert parse_condition("homeland.architecture != sbi_peer").value == "sbi_peer"
    assert [str(c) for c in parse_conditions("a > 1 and b < 2")] == ["a > 1", "b < 2"]
    for bad in ("__import__('os').system('x') == 1", "a >= b >= c", "a >= os.getcwd()", ""):
        with pytest.raises(InputError):
            parse_condition(bad)


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 8)),
              elements=st.floats(-1e6, 1e6)))
def test_regret_properties(values):
    for better in ("higher", "lower"):
        r = regret(values, better)
        assert (r >= 0).all()
        np.testing.assert_allclose(r.min(axis=0), 0.0, atol=1e-9)
