"""The denial race, launchers and where exported rounds go: closed forms and properties
derived by hand, on toy munitions (one defensive interceptor ``d``, one anti-ship ``o``)."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from kaname.models import race
from kaname.models.base import Settings
from kaname.models.deterrence import DeterrenceModel
from kaname.models.sustainment import SustainmentModel, _History

TEACHING = str(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml")
BASE = 2026
MUNITIONS = ("d", "o")

PER_MUNITION = {
    "critical": 0.0, "us_framework_rate": 0.0, "us_framework_year": 2030,
    "indo_pacific_share": 1.0, "japan_licensed_rate": 0.0, "japan_rate": 0.0,
    "japan_start_year": BASE, "japan_ramp_years": 1.0, "japan_capacity_max": 10_000.0,
    "japan_capacity_no_investment": 0.0, "capacity_investment_cost": 0.0,
    "unit_cost_japan": 0.0, "export_share": 0.0, "transit_days": 0.0,
    "japan_transit_days": 0.0, "surge_lead_time": 10_000.0, "wartime_surge_factor": 1.0,
    "us_peacetime_draw": 0.0, "japan_peacetime_draw": 0.0, "stock_base_japan": 0.0,
    "stock_base_us": 0.0, "surge_demand_per_day": 0.0, "sustained_demand_per_day": 0.0,
    "demand_decay_days": 5.0, "export_backfill_share": 1.0, "drawdown_per_episode": 0.0,
    "launchers": 1e9, "rounds_per_launcher": 1.0, "reloads_per_day": 1.0, "lift_share": 0.0,
    "p_hit_lift": 0.0,
}
PER_FUTURE = {
    "conflict_year": BASE, "theatre_index": 1.0, "drawdown_episodes_per_year": 0.0,
    "launcher_loss_per_day_undefended": 0.0, "attacker_lift_ships": 100.0,
    "lift_reconstitution_per_day": 0.0, "hits_per_ship_sunk": 1.0, "lift_share_to_fail": 0.5,
    "attacker_establish_days": 21.0, "race_spread": 0.0,
}


def make_model(horizon=60):
    history = _History(np.array([2024.0, 2025.0]), np.array([0.0, 0.0]))
    labels = {m: m.upper() for m in MUNITIONS}
    return SustainmentModel(labels, labels, {m: history for m in MUNITIONS},
                            Settings(BASE, horizon), rate_caps={m: 10_000.0 for m in MUNITIONS})


def inputs(n=1, d=None, o=None, **per_future):
    """Neutral inputs (nothing produced, drawn, lost or fired) with overrides per munition."""
    out = {f"sustainment.{k}": np.full(n, float(v)) for k, v in {**PER_FUTURE,
                                                                 **per_future}.items()}
    for m, over in (("d", d or {}), ("o", o or {})):
        for k, v in {**PER_MUNITION, **over}.items():
            out[f"sustainment.{m}.{k}"] = np.full(n, float(v)) if np.ndim(v) == 0 \
                else np.asarray(v, dtype=float)
    return out


def anti_ship(**over):
    """An anti-ship missile with ample stock and launchers, firing a constant 10 a day."""
    return {"stock_base_us": 1e6, "surge_demand_per_day": 10.0,
            "sustained_demand_per_day": 10.0, "lift_share": 1.0, "p_hit_lift": 0.3, **over}


# -- the race's closed forms ---------------------------------------------------------------

@pytest.mark.parametrize("days", [7.0, 7.5, 21.0])
def test_constant_fire_no_reconstitution_matches_closed_form(days):
    out = make_model().evaluate(inputs(o=anti_ship(), attacker_establish_days=days,
                                       hits_per_ship_sunk=2.0))
    sunk = race.sunk_constant_fire(10.0, 1.0, 0.3, 2.0, days)
    assert sunk == pytest.approx(10.0 * 0.3 * days / 2.0)
    assert out["sustainment.lift_sunk_share"][0] == pytest.approx(sunk / 100.0)
    assert out["sustainment.lift_hits"][0] == pytest.approx(10.0 * 0.3 * days)


def test_reconstitution_adds_ships_each_day_before_establishment():
    out = make_model().evaluate(inputs(o=anti_ship(), attacker_establish_days=10.0,
                                       lift_reconstitution_per_day=1.0))
    # 10 days x 3 hits a day sink 30; 10 ships are added: net 20 of 100.
    assert out["sustainment.lift_sunk_share"][0] == pytest.approx(0.20)


def test_lift_never_goes_below_zero_and_extra_hits_are_wasted():
    out = make_model().evaluate(inputs(o=anti_ship(p_hit_lift=1.0), attacker_lift_ships=25.0,
                                       attacker_establish_days=21.0), series=True)
    assert out["sustainment.lift_sunk_share"][0] == pytest.approx(1.0)
    assert out["sustainment.lift"].min() >= 0.0


def test_p_deny_is_the_normal_approximation_derived_by_hand():
    p, k, days, spread, lift, fail = 0.3, 2.0, 10.0, 0.1, 100.0, 0.12
    out = make_model().evaluate(inputs(o=anti_ship(p_hit_lift=p), hits_per_ship_sunk=k,
                                       attacker_establish_days=days, race_spread=spread,
                                       lift_share_to_fail=fail))
    sunk = 10.0 * p * days / k
    variance = 10.0 * days * p * (1 - p) / k**2 + (spread * sunk) ** 2
    expected = norm.cdf((sunk - fail * lift) / np.sqrt(variance))
    assert out["sustainment.p_deny_race"][0] == pytest.approx(expected, rel=1e-9)


def test_p_deny_is_a_step_without_noise():
    sunk = np.array([0.2, 0.5, 0.8])
    p = race.p_deny(sunk * 100.0, np.full(3, 0.5), np.full(3, 100.0), np.zeros(3), np.zeros(3))
    assert p.tolist() == [0.0, 1.0, 1.0]


# -- launchers --------------------------------------------------------------------------------

def test_zero_launchers_means_zero_shots():
    out = make_model().evaluate(inputs(o=anti_ship(launchers=0.0)), series=True)
    assert out["sustainment.fired"][0, 1].sum() == 0.0
    assert out["sustainment.lift_hits"][0] == 0.0
    assert out["sustainment.lift_sunk_share"][0] == 0.0


def test_daily_fire_is_capped_by_launchers_times_rounds_times_reloads():
    o = anti_ship(launchers=2.0, rounds_per_launcher=3.0, reloads_per_day=0.5)
    out = make_model().evaluate(inputs(o=o), series=True)
    assert out["sustainment.fired"][0, 1].max() == pytest.approx(3.0)  # 2 x 3 x 0.5 < 10


def test_launchers_fall_geometrically_while_interceptors_are_gone():
    # The interceptor has no stock against a demand of 50 a day: undefended every day.
    d = {"critical": 1.0, "surge_demand_per_day": 50.0, "sustained_demand_per_day": 50.0}
    out = make_model(horizon=30).evaluate(inputs(d=d, o=anti_ship(),
                                                 launcher_loss_per_day_undefended=0.1),
                                          series=True)
    standing = out["sustainment.launchers_surviving"][0]
    assert standing == pytest.approx(0.9 ** np.arange(30))


def test_launchers_stand_while_interceptors_meet_demand():
    d = {"critical": 1.0, "stock_base_us": 1e6, "surge_demand_per_day": 50.0,
         "sustained_demand_per_day": 50.0}
    out = make_model().evaluate(inputs(d=d, o=anti_ship(), launcher_loss_per_day_undefended=0.1))
    assert out["sustainment.launcher_survival"][0] == 1.0


def test_running_out_of_interceptors_weakens_the_race():
    o = anti_ship(launchers=1.0, rounds_per_launcher=10.0)
    d_full = {"critical": 1.0, "stock_base_us": 1e6, "surge_demand_per_day": 50.0,
              "sustained_demand_per_day": 50.0}
    d_empty = {**d_full, "stock_base_us": 100.0}  # gone on day 2
    model = make_model()
    full = model.evaluate(inputs(d=d_full, o=o, launcher_loss_per_day_undefended=0.1))
    empty = model.evaluate(inputs(d=d_empty, o=o, launcher_loss_per_day_undefended=0.1))
    assert empty["sustainment.lift_sunk_share"][0] < full["sustainment.lift_sunk_share"][0]
    assert empty["sustainment.days_to_depletion"][0, 0] == pytest.approx(2.0)


# -- where exported rounds go -----------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(export=st.floats(0.0, 1.0), backfill=st.floats(0.0, 1.0), rate=st.floats(0.0, 500.0),
       year=st.integers(2027, 2032))
def test_exports_raise_theatre_stock_by_at_most_the_backfill_share(export, backfill, rate, year):
    model = make_model()
    common = {"japan_rate": rate, "japan_start_year": BASE, "export_backfill_share": backfill}
    kept = model.evaluate(inputs(o={**common, "export_share": 0.0}, conflict_year=year))
    sent = model.evaluate(inputs(o={**common, "export_share": export}, conflict_year=year))
    exported = export * rate * (year - BASE)  # full rate from the start year (ramp of 1 year)
    us_gain = sent["sustainment.stock_at_start_us"][0, 1] - kept["sustainment.stock_at_start_us"][0, 1]
    assert us_gain <= backfill * exported + 1e-6
    assert us_gain == pytest.approx(backfill * exported, abs=1e-6)
    # the theatre as a whole never gains from exporting
    assert sent["sustainment.stock_at_start"][0, 1] <= kept["sustainment.stock_at_start"][0, 1] + 1e-6


def test_drawdowns_take_the_theatre_share_of_each_episode():
    # 2 episodes a year of 40 rounds, theatre share 0.25, two build-up years: 2 x 2 x 40 x 0.25.
    out = make_model().evaluate(inputs(o={"stock_base_us": 1000.0, "indo_pacific_share": 0.25,
                                          "drawdown_per_episode": 40.0},
                                       drawdown_episodes_per_year=2.0, conflict_year=BASE + 2))
    assert out["sustainment.stock_at_start_us"][0, 1] == pytest.approx(1000.0 - 40.0)


def test_theatre_index_scales_the_share_of_us_output():
    x = dict(o={"us_framework_rate": 400.0, "us_framework_year": BASE,
                "indo_pacific_share": 0.25}, conflict_year=BASE + 1)
    model = make_model()
    history = _History(np.array([2024.0, 2026.0]), np.array([400.0, 400.0]))
    model.history = {m: history for m in MUNITIONS}
    one = model.evaluate(inputs(theatre_index=1.0, **x))["sustainment.stock_at_start_us"][0, 1]
    half = model.evaluate(inputs(theatre_index=0.5, **x))["sustainment.stock_at_start_us"][0, 1]
    assert one == pytest.approx(100.0) and half == pytest.approx(50.0)


# -- monotone properties -------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0.0, 400.0), extra=st.floats(0.0, 400.0), who=st.sampled_from(MUNITIONS),
       loss=st.floats(0.0, 0.3), year=st.integers(2027, 2031))
def test_more_japanese_output_never_shortens_any_munitions_days(rate, extra, who, loss, year):
    model = make_model()
    d = {"critical": 1.0, "stock_base_us": 200.0, "surge_demand_per_day": 80.0,
         "sustained_demand_per_day": 30.0, "launchers": 4.0, "rounds_per_launcher": 8.0}
    o = anti_ship(stock_base_us=300.0, launchers=5.0, rounds_per_launcher=4.0)
    low = {"d": dict(d), "o": dict(o)}
    high = {"d": dict(d), "o": dict(o)}
    low[who]["japan_rate"], high[who]["japan_rate"] = rate, rate + extra
    common = dict(launcher_loss_per_day_undefended=loss, conflict_year=year)
    a = model.evaluate(inputs(**low, **common))["sustainment.days_to_depletion"][0]
    b = model.evaluate(inputs(**high, **common))["sustainment.days_to_depletion"][0]
    assert np.all(b >= a - 1e-9)


@settings(max_examples=60, deadline=None)
@given(lift=st.floats(20.0, 300.0), more=st.floats(0.0, 300.0), spread=st.floats(0.0, 0.3),
       p=st.floats(0.0, 0.6), q=st.floats(0.0, 1.0), added=st.floats(0.0, 5.0))
def test_more_lift_for_the_attacker_never_lowers_its_p_win(lift, more, spread, p, q, added):
    # with reconstitution too, so the net ships sunk may be negative
    model = make_model()
    common = dict(o=anti_ship(p_hit_lift=p), race_spread=spread, hits_per_ship_sunk=2.0,
                  lift_reconstitution_per_day=added)
    small = model.evaluate(inputs(attacker_lift_ships=lift, **common))
    large = model.evaluate(inputs(attacker_lift_ships=lift + more, **common))
    assert large["sustainment.p_deny_race"][0] <= small["sustainment.p_deny_race"][0] + 1e-12
    deterrence = DeterrenceModel()
    base = {f"deterrence.{k}": np.array([v]) for k, v in {
        "timely_share": 0.35, "us_commitment": q, "tempo_penalty": 1.0,
        "p_deny_alone": 0.2, "value_of_victory": 1.0,
        "loss_if_fail": 0.5, "war_cost": 0.25, "sanctions_cost": 0.15}.items()}
    win = [deterrence.evaluate({**base, "deterrence.race_denial": r["sustainment.p_deny_race"]}
                               )["deterrence.p_win"][0] for r in (small, large)]
    assert win[1] >= win[0] - 1e-12


# -- bad data: one line naming the file and the key, exit 2 ------------------------------------

def _kaname_run(tmp_path, override: str):
    from typer.testing import CliRunner

    from kaname.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(override, encoding="utf-8")
    res = CliRunner().invoke(app, ["run", TEACHING,
                                   "--futures", "4"], env={"KANAME_DATA": str(bad)})
    return res, str(bad)


@pytest.mark.parametrize("override,key", [
    ("model: sustainment\nparameters:\n  lrasm:\n    p_hit_lift: {base: 1.5, unit: dimensionless,"
     " assumption: bad on purpose}\n", "sustainment.lrasm.p_hit_lift"),
    ("model: sustainment\nparameters:\n  sm6:\n    stock_base_us: {base: -10, unit: missile,"
     " assumption: bad on purpose}\n", "sustainment.sm6.stock_base_us"),
    ("model: sustainment\nparameters:\n  attacker_lift_ships: {base: 100, low: 0, high: 200,"
     " unit: ship, assumption: bad on purpose}\n", "sustainment.attacker_lift_ships"),
    ("model: sustainment\nparameters:\n  decoy:\n    label: {en: Decoy, ja: デコイ}\n"
     "    critical: {value: true, unit: dimensionless, assumption: a munition missing fields}\n",
     "sustainment.decoy."),
])
def test_bad_munition_data_is_one_line_exit_2(tmp_path, override, key):
    res, file = _kaname_run(tmp_path, override)
    assert res.exit_code == 2, res.stdout
    line = res.stderr.strip()
    assert "\n" not in line and key in line and file in line and "Traceback" not in line


# -- the base case against the CSIS wargame (qualitative, facts-alliance.md §3b) ---------------

def test_base_case_against_the_csis_first_battle():
    """At the data library's base values: LRASM runs out within the first week (CSIS: its
    inventory expended within the first week in every iteration), JASSM-ER lasts longer
    than LRASM (CSIS: JASSM ran low only in weeks 3-4), the long-range missiles fired in
    three weeks are of CSIS's order (about 5,000), and a fighting US denies the invasion."""
    import runpy

    script = Path(__file__).resolve().parents[1] / "docs" / "models" / "denial_base_case.py"
    case = runpy.run_path(str(script))["base_case"]()
    days = case["days"]
    assert days["lrasm"] <= 7.5
    assert days["jassm_er"] > days["lrasm"]
    assert case["race"]["p_deny_race"] > 0.5
    with_us = case["p_win"]["US fights (q = 1)"][1]
    without_us = case["p_win"]["no US intervention (q = 0)"][1]
    assert with_us < 0.5 < without_us


def test_base_case_fires_long_range_missiles_of_the_csis_order():
    from kaname.engine import Engine

    engine = Engine.build()
    fired = engine.evaluate({}, 1, series=True)["sustainment.fired"][0]
    munitions = list(engine.coords["munition"])
    long_range = sum(fired[munitions.index(m), :21].sum()
                     for m in ("lrasm", "jassm_er", "tomahawk", "type12_improved"))
    assert 2_500 < long_range < 10_000  # CSIS: about 5,000 in three weeks


def test_each_munitions_lever_range_is_its_own():
    from kaname.data import Library

    library = Library.load()
    model = SustainmentModel.from_library(library)
    highs = {}
    for m in model.munitions:
        cap = library.get(f"sustainment.{m}.japan_capacity_max").bounds("missile/year")[2]
        highs[m] = model.inputs[f"sustainment.{m}.japan_rate"].high
        assert highs[m] == cap
    assert highs["sm6"] < highs["pac3_mse"] and highs["lrasm"] == 0.0


def test_theatre_share_is_clipped_at_one():
    x = inputs(o={"stock_base_us": 0.0, "indo_pacific_share": 0.5, "us_framework_rate": 100.0,
                  "us_framework_year": BASE}, theatre_index=10.0, conflict_year=BASE + 1)
    model = make_model()
    history = _History(np.array([2024.0, 2026.0]), np.array([100.0, 100.0]))
    model.history = {m: history for m in MUNITIONS}
    assert model.evaluate(x)["sustainment.stock_at_start_us"][0, 1] == pytest.approx(100.0)


def test_a_lever_with_nothing_to_choose_is_not_offered():
    """LRASM has no Japanese production proposed: its co-production lever is [0, 0], which
    the dashboard and the search must not offer (a slider from 0 to 0 cannot be drawn)."""
    from kaname.app.core import settable
    from kaname.engine import Engine

    engine = Engine.build()
    assert not engine.inputs["sustainment.lrasm.japan_rate"].movable
    offered = settable(engine)
    assert "sustainment.lrasm.japan_rate" not in offered
    assert "sustainment.sm6.japan_rate" in offered
