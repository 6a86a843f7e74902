"""Budget model: the protocol, the one ledger against the upstream costs it links (closed
form, through the full engine), monotonicity in the GDP-share lever, zero costs, a refused
negative headroom, and the deflator."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaname.engine import Engine
from kaname.errors import ScenarioError
from kaname.models.base import Settings
from kaname.models.budget import GDP_YEAR, LEDGER, BudgetModel
from kaname.scenario import load_scenario
from kaname.testing import check_model

P = "budget."


@pytest.fixture(scope="module")
def model(library):
    return BudgetModel.from_library(library)


@pytest.fixture(scope="module")
def defaults(library, model):
    return {p: float(library.get(p).value(s.unit)) for p, s in model.inputs.items()}


@pytest.fixture(scope="module")
def engine(library):
    return Engine.build(library)


def run(model, defaults, **values):
    x = dict(defaults)
    x.update({(k if "." in k else P + k): v for k, v in values.items()})
    n = max(np.size(v) for v in x.values())
    return model.evaluate({p: np.broadcast_to(np.asarray(v, float), (n,)).copy()
                           for p, v in x.items()})


def test_conforms_to_protocol(model, defaults):
    check_model(model, defaults)


def test_declarations(model):
    assert model.coords["ledger_item"] == list(LEDGER)
    assert model.links == {P + "coproduction_cost_jpy": "sustainment.coproduction_cost_jpy",
                           P + "investment_cost_jpy": "autonomy.investment_cost_jpy",
                           P + "coercion_harm_jpy": "autonomy.expected_harm_over_horizon_jpy"}
    levers = sorted(p for p, s in model.inputs.items() if s.lever)
    assert levers == [P + "burden_sharing_jpy_per_year", P + "defence_share_gdp"]
    assert "sustainment.conflict_year" in model.inputs
    assert model.inputs[P + "headroom_share"].low == 0.0


def test_shared_conflict_year_has_sustainments_spec(engine, model):
    sust = next(m for m in engine.models if m.name == "sustainment")
    assert model.inputs["sustainment.conflict_year"] == sust.inputs["sustainment.conflict_year"]


def test_ledger_sums_to_policy_cost_and_equals_the_upstream_costs(engine):
    """Closed form through the full engine: co-production as sustainment computes it,
    autonomy's investment whole (both over the build-up years b .. Y - 1), burden sharing × T
    with T = Y - b."""
    base = Settings().base_year
    domain = next(m for m in engine.models if m.name == "autonomy").domains[0]
    columns = engine.columns_from({
        "sustainment.pac3_mse.japan_rate": [0.0, 120.0, 120.0, 60.0],
        "sustainment.pac3_mse.japan_start_year": 2027,
        "sustainment.conflict_year": [2028, 2028, 2032, 2040],
        f"autonomy.{domain}.investment_jpy_per_year": [0.0, 1e11, 2e11, 3e11],
        "autonomy.horizon_years": [5.0, 5.0, 5.0, 10.0],
        P + "burden_sharing_jpy_per_year": [0.0, 5e10, 0.0, 1e11],
    })
    out = engine.evaluate(columns, 4)
    ledger = out[P + "ledger_jpy"]
    assert ledger.shape == (4, len(LEDGER))
    np.testing.assert_allclose(ledger.sum(axis=1), out[P + "policy_cost_jpy"], rtol=1e-12)
    years = np.array([2028, 2028, 2032, 2040]) - base  # T = 2, 2, 6, 14 (base year 2026)
    np.testing.assert_array_equal(ledger[:, 0], out["sustainment.coproduction_cost_jpy"])
    np.testing.assert_array_equal(ledger[:, 1], out["autonomy.investment_cost_jpy"])
    np.testing.assert_allclose(ledger[:, 2], np.array([0.0, 5e10, 0.0, 1e11]) * years,
                               rtol=1e-12)
    # the numbers behind it: ¥100B a year over FY2026-27, ¥300B a year over FY2026-39 (the
    # risk horizon, 5 or 10 years, does not enter the cost); burden ¥100B × 14 years
    assert ledger[1, 1] == pytest.approx(1e11 * 2)
    assert ledger[3, 1] == pytest.approx(3e11 * 14)
    assert ledger[3, 2] == pytest.approx(1e11 * 14)
    assert ledger[1, 0] > 0 and ledger[0, 0] == 0.0
    np.testing.assert_allclose(out[P + "policy_share_of_budget"],
                               out[P + "policy_cost_jpy"] / out[P + "defence_budget_jpy"])
    # the ledger's yen and the coercion harm expected over the horizon, on one line (#16)
    np.testing.assert_allclose(
        out[P + "cost_and_harm_jpy"], out[P + "policy_cost_jpy"]
        + out["autonomy.expected_harm_jpy_per_year"] * np.array([5.0, 5.0, 5.0, 10.0]),
        rtol=1e-12)


def test_defence_budget_closed_form(model, defaults):
    """FY2026 and FY2027 from the table and the plan (the window of a 2028 conflict is
    FY2026-27, the build-up years); FY2028 from the share of GDP, in the 2029 window."""
    out = run(model, defaults, **{"sustainment.conflict_year": 2028, "inflation_rate": 0.02})
    fy2027 = (43.0 - (6.8 + 7.95 + 8.7 + 9.04)) * 1e12
    gdp = defaults[P + "gdp_nominal_fy2024_jpy"] * (1 + defaults[P + "gdp_growth_nominal"]) ** (
        2028 - GDP_YEAR)
    fy2028 = defaults[P + "core_share_of_security_spending"] * 0.02 * gdp
    want = 9.04e12 + fy2027 / 1.02
    assert out[P + "defence_budget_jpy"][0] == pytest.approx(want, rel=1e-12)
    later = run(model, defaults, **{"sustainment.conflict_year": 2029, "inflation_rate": 0.02})
    assert later[P + "defence_budget_jpy"][0] == pytest.approx(want + fy2028 / 1.02**2,
                                                               rel=1e-12)
    assert out[P + "defence_share_gdp_at_conflict"][0] == pytest.approx(0.02)
    assert out[P + "gap_to_us_ask"][0] == pytest.approx(0.015)
    early = run(model, defaults, **{"sustainment.conflict_year": 2027})
    assert early[P + "defence_share_gdp_at_conflict"][0] < 0.02  # the plan's last year


@given(low=st.floats(0.01, 0.06), up=st.floats(0.0, 0.05), year=st.integers(2026, 2040),
       cost=st.floats(0.0, 5e12), inflation=st.floats(0.0, 0.035))
def test_raising_the_gdp_share_never_lowers_budget_nor_raises_policy_share(
        model, defaults, low, up, year, cost, inflation):
    high = min(low + up, 0.06)
    common = {"sustainment.conflict_year": year, "coproduction_cost_jpy": cost,
              "inflation_rate": inflation}
    a = run(model, defaults, defence_share_gdp=low, **common)
    b = run(model, defaults, defence_share_gdp=high, **common)
    assert b[P + "defence_budget_jpy"][0] >= a[P + "defence_budget_jpy"][0]
    assert b[P + "policy_share_of_budget"][0] <= a[P + "policy_share_of_budget"][0]
    assert b[P + "gap_to_us_ask"][0] <= a[P + "gap_to_us_ask"][0]


@pytest.mark.parametrize("headroom", [0.0, 0.05])
def test_zero_policy_costs_take_no_share_and_never_exceed(model, defaults, headroom):
    out = run(model, defaults, coproduction_cost_jpy=0.0, investment_cost_jpy=0.0,
              burden_sharing_jpy_per_year=0.0, headroom_share=headroom,
              **{"sustainment.conflict_year": np.arange(2027, 2036)})
    assert np.all(out[P + "policy_share_of_budget"] == 0.0)
    assert np.all(out[P + "exceeds_headroom"] == 0.0)
    assert np.all(out[P + "defence_budget_jpy"] > 0)


def test_a_conflict_in_the_base_year_has_no_window(model, defaults):
    """T = 0: no build-up years, so no budget, no share and nothing exceeded, even with a
    co-production cost upstream (its capacity investment); burden sharing × 0 years."""
    out = run(model, defaults, coproduction_cost_jpy=1e12, investment_cost_jpy=0.0,
              burden_sharing_jpy_per_year=1e11, headroom_share=0.05,
              **{"sustainment.conflict_year": Settings().base_year})
    assert out[P + "defence_budget_jpy"][0] == 0.0
    assert out[P + "defence_budget_nominal_jpy"][0] == 0.0
    assert out[P + "policy_share_of_budget"][0] == 0.0
    assert out[P + "exceeds_headroom"][0] == 0.0
    assert out[P + "ledger_jpy"][0, 2] == 0.0
    assert out[P + "defence_share_gdp_at_conflict"][0] > 0  # FY2026 itself, from the table


def test_a_cost_above_the_headroom_exceeds_it(model, defaults):
    out = run(model, defaults, headroom_share=0.05,
              coproduction_cost_jpy=[5e11, 5e12], **{"sustainment.conflict_year": 2028})
    share = out[P + "policy_share_of_budget"]
    assert share[0] < 0.05 < share[1]
    assert list(out[P + "exceeds_headroom"]) == [0.0, 1.0]
    assert out[P + "headroom_left_jpy"][0] > 0 > out[P + "headroom_left_jpy"][1]


def test_negative_headroom_in_a_scenario_is_refused_in_one_line(tmp_path, engine):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent("""\
        name: t
        settings: {base_year: 2026, horizon_days: 30, futures: 20, seed: 1}
        policies:
          status-quo: {}
          tight:
            budget.headroom_share: -0.1
        """))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, engine)
    line = err.value.line()
    assert "\n" not in line
    assert str(path) in line and "budget.headroom_share" in line


def test_zero_inflation_constant_and_nominal_agree(model, defaults):
    years = np.arange(2026, 2041)
    flat = run(model, defaults, inflation_rate=0.0, **{"sustainment.conflict_year": years})
    np.testing.assert_allclose(flat[P + "defence_budget_jpy"],
                               flat[P + "defence_budget_nominal_jpy"], rtol=1e-12)
    dear = run(model, defaults, inflation_rate=0.03, **{"sustainment.conflict_year": years})
    assert dear[P + "defence_budget_jpy"][1] == pytest.approx(
        dear[P + "defence_budget_nominal_jpy"][1])  # the base year alone is not deflated
    assert np.all(dear[P + "defence_budget_jpy"][2:] < dear[P + "defence_budget_nominal_jpy"][2:])
