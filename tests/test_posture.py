"""posture: allocations sum to the budget, crowd-out arithmetic, wiring into sustainment,
conformance and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaname.data import Library
from kaname.engine import Engine
from kaname.errors import DataError
from kaname.models.base import Settings
from kaname.models.posture import MISSIONS, PostureModel, crowd_out, validate_shares
from kaname.testing import check_model


@pytest.fixture(scope="module")
def model(library):
    return PostureModel.from_library(library, Settings())


@pytest.fixture(scope="module")
def defaults(model, library):
    engine = Engine([model], library)  # engine-ready: category inputs (c2.structure) as codes
    return {path: engine.default(path) for path in model.inputs}


def columns(defaults, n=1, **overrides):
    x = {k: np.full(n, v, dtype=float) for k, v in defaults.items()}
    for k, v in overrides.items():
        path = k if k.startswith("common.") else "posture." + k.replace("__", ".")
        x[path] = np.broadcast_to(np.asarray(v, float), (n,)).copy()
    return x


def test_check_model(model, defaults):
    check_model(model, defaults)


@given(growth=st.floats(-0.2, 0.3), golden=st.floats(0, 2e12), nu=st.floats(0, 1),
       shares=st.lists(st.floats(0.001, 1.0), min_size=6, max_size=6),
       weights=st.lists(st.floats(0.0, 10.0), min_size=4, max_size=4))
def test_allocations_sum_to_budget(model, defaults, growth, golden, nu, shares, weights):
    over = {"budget_growth": growth, "golden_dome_annual_usd": golden, "new_money_share": nu}
    over.update({f"baseline_share__{m}": s for m, s in zip(MISSIONS, shares, strict=True)})
    cuts = ("indo_pacific", "europe", "middle_east", "other")
    over.update({f"cut_weight__{m}": w for m, w in zip(cuts, weights, strict=True)})
    out = model.evaluate(columns(defaults, **over))
    alloc = out["posture.allocation_usd"][0]
    assert np.all(alloc >= 0)
    assert alloc.sum() == pytest.approx(out["posture.budget_usd"][0], rel=1e-12)
    # Golden Dome is paid for: new money + crowd-out (capped by what can be cut) covers it
    assert out["posture.crowd_out_usd"][0] <= (1 - nu) * golden * (1 + 1e-12) + 1e-3


def test_crowd_out_by_hand():
    """Cut 30 from (100, 50, 50) with weights w·share (0.5, 1, 1): proportional 12, 6... by hand."""
    baseline = np.array([[100.0, 50.0, 50.0]])
    weights = baseline * np.array([0.5, 1.0, 1.0])  # 50, 50, 50
    cut = crowd_out(baseline, weights, np.array([30.0]))
    assert cut.tolist() == [[10.0, 10.0, 10.0]]
    # water-filling: a mission cannot go below zero, the rest is shared by the others
    cut = crowd_out(np.array([[5.0, 100.0]]), np.array([[1.0, 1.0]]), np.array([40.0]))
    assert cut.tolist() == [[5.0, 35.0]]
    # more than everything: all of it, no more
    cut = crowd_out(np.array([[5.0, 10.0]]), np.array([[1.0, 1.0]]), np.array([100.0]))
    assert cut.sum() == 15.0


def test_index_and_gap_by_hand(model, defaults):
    """No growth nor inflation, $50B/yr of Golden Dome all crowd-out, only the Indo-Pacific
    cuttable."""
    over = {"budget_growth": 0.0, "us_inflation": 0.0, "golden_dome_annual_usd": 50e9,
            "new_money_share": 0.0,
            "cut_weight__europe": 0.0, "cut_weight__middle_east": 0.0, "cut_weight__other": 0.0,
            "cut_weight__indo_pacific": 1.0, "western_hemisphere__persistence": 0.0,
            "western_hemisphere__border_troops": 0.0}
    x = columns(defaults, **over)
    out = model.evaluate(x)
    b0 = defaults["posture.budget_fy2026_usd"]
    ip = defaults["posture.baseline_share.indo_pacific"] * b0
    index = (ip - 50e9) / ip
    assert out["posture.indo_pacific_index"][0] == pytest.approx(index, rel=1e-12)
    gap = defaults["posture.substitutable_share"] * 50e9 * defaults["common.jpy_per_usd"]
    assert out["posture.japan_burden_gap_jpy"][0] == pytest.approx(gap, rel=1e-12)
    q0, beta = defaults["posture.commitment_base"], defaults["posture.commitment_elasticity"]
    odds = q0 / (1 - q0) * index**beta
    assert out["posture.us_commitment"][0] == pytest.approx(odds / (1 + odds), rel=1e-12)


def test_the_budget_is_the_conflict_years_in_constant_dollars(model, defaults):
    """One clock: b(cy) = b0 ((1 + g) / (1 + π))^(cy − 2026), before Golden Dome."""
    x = columns(defaults, n=2, budget_growth=0.03, us_inflation=0.02, golden_dome_annual_usd=0.0)
    x["sustainment.conflict_year"] = np.array([2026.0, 2030.0])
    out = model.evaluate(x)
    b0 = defaults["posture.budget_fy2026_usd"]
    np.testing.assert_allclose(out["posture.budget_usd"], [b0, b0 * (1.03 / 1.02) ** 4],
                               rtol=1e-12)


@given(g1=st.floats(0, 5e11), extra=st.floats(1e6, 5e11))
def test_more_golden_dome_never_raises_indo_pacific(model, defaults, g1, extra):
    a = model.evaluate(columns(defaults, golden_dome_annual_usd=g1))
    b = model.evaluate(columns(defaults, golden_dome_annual_usd=g1 + extra))
    assert b["posture.indo_pacific_index"][0] <= a["posture.indo_pacific_index"][0] + 1e-12
    assert b["posture.us_commitment"][0] <= a["posture.us_commitment"][0] + 1e-12


def test_outputs_wire_into_sustainment_and_from_homeland():
    engine = Engine.build(names=["homeland", "posture", "sustainment"])
    names = [m.name for m in engine.models]
    assert names.index("homeland") < names.index("posture") < names.index("sustainment")
    assert engine.computed_by("sustainment.theatre_index") == "posture"
    assert engine.computed_by("posture.golden_dome_annual_usd") == "homeland"
    out = engine.evaluate({}, 3)
    assert np.allclose(out["posture.indo_pacific_index"], out["posture.indo_pacific_index"][0])


def test_shares_not_summing_to_one_are_refused(tmp_path):
    with pytest.raises(DataError) as err:
        validate_shares(dict(zip(MISSIONS, [0.2] * 6, strict=True)), file="x.yaml")
    assert "posture.baseline_share" in err.value.line()
    with pytest.raises(DataError):
        PostureModel.from_library(Library.load(), Settings()).validate(
            {f"posture.baseline_share.{m}": 0.5 for m in MISSIONS})
    bad = tmp_path / "override.yaml"
    bad.write_text("model: posture\nparameters:\n  baseline_share:\n    indo_pacific:\n"
                   "      value: 0.6\n      unit: dimensionless\n      assumption: test\n")
    with pytest.raises(DataError) as err:
        PostureModel.from_library(Library.load(extra=[bad]), Settings())
    assert "sum to 1.25" in err.value.line()
