"""Sustainment: closed forms, conservation, monotonicity, costs, protocol conformance."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaname.models.base import Settings
from kaname.models.sustainment import DAYS_PER_YEAR, SustainmentModel, _History
from kaname.testing import check_model

BASE = 2026


def make_model(horizon=120, history=((2024, 0.0), (2025, 0.0))):
    years = np.array([y for y, _ in history], dtype=float)
    rates = np.array([r for _, r in history], dtype=float)
    return SustainmentModel({"x": "X"}, {"x": "X"}, {"x": _History(years, rates)},
                            Settings(BASE, horizon), rate_caps={"x": 10_000.0})


# One value per future (not per munition): no pool effects, no launcher losses, a race
# nobody fires in.
NEUTRAL_RACE = {
    "theatre_index": 1.0, "drawdown_episodes_per_year": 0.0,
    "launcher_loss_per_day_undefended": 0.0, "attacker_lift_ships": 100.0,
    "lift_reconstitution_per_day": 0.0, "hits_per_ship_sunk": 1.0, "lift_share_to_fail": 0.5,
    "attacker_establish_days": 21.0, "race_spread": 0.1,
}


def inputs(n=1, **over):
    """A neutral input set: no production, no draws, no delays; override by key suffix."""
    base = {
        "conflict_year": BASE, "critical": 1, "us_framework_rate": 0.0,
        "us_framework_year": 2030, "indo_pacific_share": 1.0, "japan_licensed_rate": 0.0,
        "japan_rate": 0.0, "japan_start_year": BASE, "japan_ramp_years": 1.0,
        "japan_capacity_max": 10_000.0, "japan_capacity_no_investment": 0.0,
        "capacity_investment_cost": 0.0, "unit_cost_japan": 0.0, "export_share": 0.0,
        "transit_days": 0.0, "japan_transit_days": 0.0, "surge_lead_time": 10_000.0,
        "wartime_surge_factor": 1.0, "us_peacetime_draw": 0.0, "japan_peacetime_draw": 0.0,
        "stock_base_japan": 0.0, "stock_base_us": 0.0, "surge_demand_per_day": 10.0,
        "sustained_demand_per_day": 10.0, "demand_decay_days": 5.0,
        "export_backfill_share": 1.0, "drawdown_per_episode": 0.0, "launchers": 1e9,
        "rounds_per_launcher": 1.0, "reloads_per_day": 1.0, "lift_share": 0.0, "p_hit_lift": 0.0,
        **NEUTRAL_RACE,
    }
    base.update(over)
    out = {}
    for key, value in base.items():
        per_future = key == "conflict_year" or key in NEUTRAL_RACE
        path = f"sustainment.{key}" if per_future else f"sustainment.x.{key}"
        out[path] = np.full(n, float(value))
    return out


def test_closed_form_days_constant_demand_and_supply():
    # US output 365.25/yr reaching theatre -> 1 missile/day; demand 11/day; stock 500.
    model = make_model(history=((2024, DAYS_PER_YEAR), (2025, DAYS_PER_YEAR)))
    x = inputs(stock_base_us=500.0, surge_demand_per_day=11.0, sustained_demand_per_day=11.0,
               us_framework_rate=DAYS_PER_YEAR)
    out = model.evaluate(x)
    assert out["sustainment.days_to_depletion"][0, 0] == pytest.approx(500.0 / (11.0 - 1.0))


def test_closed_form_days_with_transit_delay_longer_than_stock_lasts():
    model = make_model(history=((2024, DAYS_PER_YEAR * 5), (2025, DAYS_PER_YEAR * 5)))
    x = inputs(stock_base_us=60.0, transit_days=30.0, us_framework_rate=DAYS_PER_YEAR * 5)
    out = model.evaluate(x)
    assert out["sustainment.days_to_depletion"][0, 0] == pytest.approx(60.0 / 10.0)


def test_no_depletion_gives_horizon_and_full_fill():
    model = make_model(horizon=90)
    out = model.evaluate(inputs(stock_base_japan=10_000.0))
    assert out["sustainment.days_to_depletion"][0, 0] == 90
    assert out["sustainment.fill_rate"][0, 0] == 1.0
    assert out["sustainment.sustainment_days"][0] == 90


def test_exponential_demand_total_matches_geometric_sum():
    model = make_model(horizon=50)
    out = model.evaluate(inputs(stock_base_japan=1e9, surge_demand_per_day=100.0,
                                sustained_demand_per_day=20.0, demand_decay_days=7.0),
                         series=True)
    expected = sum(20 + 80 * np.exp(-t / 7.0) for t in range(50))
    assert out["sustainment.fired"].sum() == pytest.approx(expected)


def test_stock_conservation_every_day():
    rng = np.random.default_rng(3)
    n = 200
    model = make_model(history=((2024, 300.0), (2025, 500.0)))
    x = inputs(n, us_framework_rate=1500.0)
    x["sustainment.x.stock_base_us"] = rng.uniform(0, 800, n)
    x["sustainment.x.surge_demand_per_day"] = rng.uniform(5, 80, n)
    x["sustainment.x.transit_days"] = rng.uniform(0, 40, n)
    x["sustainment.conflict_year"] = rng.integers(BASE, BASE + 5, n).astype(float)
    out = model.evaluate(x, series=True)
    stock, fired, resupply = (out[f"sustainment.{k}"][:, 0, :] for k in
                              ("stock", "fired", "resupply"))
    np.testing.assert_allclose(stock[:, 1:], stock[:, :-1] + resupply[:, :-1] - fired[:, :-1],
                               atol=1e-9)
    end = stock[:, -1] + resupply[:, -1] - fired[:, -1]
    np.testing.assert_allclose(out["sustainment.stock_at_end"][:, 0], end, atol=1e-9)
    np.testing.assert_allclose(stock[:, 0], out["sustainment.stock_at_start"][:, 0])
    assert np.all(fired <= out["sustainment.demand"][:, 0, :] + 1e-12)
    assert np.all(stock >= -1e-9)


def test_build_up_closed_form():
    # 3 years of build-up, constant US rate 400, share 0.5, draw 50; Japan licensed 30,
    # co-production 60 from the base year with a 2-year ramp, export share 0.25.
    model = make_model(history=((2024, 400.0), (2025, 400.0)))
    x = inputs(conflict_year=BASE + 3, us_framework_rate=400.0, indo_pacific_share=0.5,
               us_peacetime_draw=50.0, japan_licensed_rate=30.0, japan_rate=60.0,
               japan_ramp_years=2.0, export_share=0.25, stock_base_us=100.0,
               stock_base_japan=10.0, japan_peacetime_draw=5.0)
    out = model.evaluate(x)
    coprod = 60 * (0.5 + 1 + 1)
    assert out["sustainment.stock_at_start_us"][0, 0] == pytest.approx(
        100 + 3 * (0.5 * 400 - 50) + 0.25 * coprod)
    assert out["sustainment.stock_at_start_japan"][0, 0] == pytest.approx(
        10 + 3 * (30 - 5) + 0.75 * coprod)
    assert out["sustainment.japan_output_total"][0, 0] == pytest.approx(3 * 30 + coprod)


def test_us_rate_ramps_linearly_to_framework():
    model = make_model(history=((2024, 500.0), (2025, 620.0), (2027, 650.0)))
    fw_rate, fw_year = np.array([2000.0]), np.array([2032.0])
    assert model.us_rate("x", 2026, fw_rate, fw_year)[0] == pytest.approx(635.0)
    assert model.us_rate("x", 2029.5, fw_rate, fw_year)[0] == pytest.approx(
        650 + (2000 - 650) * 2.5 / 5)
    assert model.us_rate("x", 2040, fw_rate, fw_year)[0] == pytest.approx(2000.0)


def test_coproduction_cost_arithmetic():
    model = make_model()
    x = inputs(conflict_year=BASE + 2, japan_licensed_rate=30.0, japan_rate=100.0,
               japan_capacity_max=80.0, japan_capacity_no_investment=60.0,
               capacity_investment_cost=2e8, unit_cost_japan=6e8, export_share=0.5)
    out = model.evaluate(x)
    invest = (30 + 80 - 60) * 2e8          # capacity above no-investment level
    kept = 0.5 * (80 + 80)                 # two full years at the capped rate, half kept
    assert out["sustainment.coproduction_cost_jpy"][0] == pytest.approx(invest + kept * 6e8)


def test_wartime_surge_only_after_lead_time():
    model = make_model(horizon=40, history=((2024, DAYS_PER_YEAR), (2025, DAYS_PER_YEAR)))
    x = inputs(us_framework_rate=DAYS_PER_YEAR, stock_base_us=1e6, surge_lead_time=20.0,
               wartime_surge_factor=3.0, transit_days=5.0)
    r = model.evaluate(x, series=True)["sustainment.resupply"][0, 0]
    assert np.all(r[:5] == 0)
    np.testing.assert_allclose(r[5:25], 1.0)
    np.testing.assert_allclose(r[25:], 3.0)


@given(
    extra=st.floats(0, 500), licensed=st.floats(0, 100), stock=st.floats(0, 2000),
    demand=st.floats(1, 200), year=st.integers(BASE, BASE + 6), start=st.integers(BASE, 2034),
    export=st.floats(0, 1), transit=st.floats(0, 60),
)
def test_more_japanese_output_never_shortens_days(extra, licensed, stock, demand, year, start,
                                                  export, transit):
    model = make_model(history=((2024, 300.0), (2025, 400.0)))
    common = dict(conflict_year=year, stock_base_us=stock, surge_demand_per_day=demand * 3,
                  sustained_demand_per_day=demand, japan_start_year=start,
                  japan_ramp_years=2.0, export_share=export, japan_transit_days=transit,
                  us_framework_rate=900.0, indo_pacific_share=0.3)
    low = model.evaluate(inputs(japan_rate=100.0, japan_licensed_rate=licensed, **common))
    high = model.evaluate(inputs(japan_rate=100.0 + extra, japan_licensed_rate=licensed,
                                 **common))
    for key in ("days_to_depletion", "fill_rate", "stock_at_start"):
        assert high[f"sustainment.{key}"][0, 0] >= low[f"sustainment.{key}"][0, 0] - 1e-9


@given(stock=st.floats(0, 5000), more=st.floats(0, 5000), demand=st.floats(0.1, 300))
def test_more_stock_never_shortens_days(stock, more, demand):
    model = make_model()
    a = model.evaluate(inputs(stock_base_japan=stock, surge_demand_per_day=demand))
    b = model.evaluate(inputs(stock_base_japan=stock + more, surge_demand_per_day=demand))
    assert b["sustainment.days_to_depletion"][0, 0] >= a["sustainment.days_to_depletion"][0, 0]


def test_check_model_on_library_sustainment(library):
    from kaname.engine import Engine

    engine = Engine.build(library, Settings(BASE, 60), ["sustainment"])
    model = engine.models[0]
    check_model(model, defaults={p: engine.default(p) for p in model.inputs})


def test_library_defaults_give_sane_outcomes(library):
    from kaname.engine import Engine

    engine = Engine.build(library, Settings(BASE, 120), ["sustainment"])
    out = engine.evaluate({}, 1)
    days = out["sustainment.days_to_depletion"][0]
    assert np.all((days > 0) & (days <= 120))
    assert out["sustainment.coproduction_cost_jpy"][0] == 0.0  # status quo: no co-production
