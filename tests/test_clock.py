"""One clock (issue #13 item 4): every built-in model that depends on time reads sustainment's
conflict year through the same declaration, and the build-up years are base .. conflict - 1.

The directions checked by hand for one future, conflict in 2029 vs 2031 (base year 2026, so
T = 3 vs 5 build-up years): autonomy's shares move further and its investment costs more;
budget's window holds two more years (FY2029 and FY2030), so its cumulative budget is larger by
exactly those two years' deflated budgets.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaname.engine import Engine
from kaname.models.base import Settings
from kaname.models.budget import GDP_YEAR
from kaname.models.sustainment import SustainmentModel

CLOCK = "sustainment.conflict_year"
TIME_DEPENDENT = {"sustainment", "posture", "autonomy", "budget", "homeland"}
TIMELESS = {"c2", "deterrence"}  # no build-up: c2 reads only the base year's time zones


@pytest.fixture(scope="module")
def engine(library):
    return Engine.build(library)


def _clock_declaration(model):
    """The model class's declaration of the clock input (by its path)."""
    found = [decl for attr, decl in type(model)._declared
             if getattr(decl, "path", None) == CLOCK
             or (model.name == "sustainment" and attr == "conflict_year")]
    assert len(found) == 1, model.name
    return found[0]


def test_every_model_is_classified(engine):
    """A new built-in model must say whether it depends on time (and then read the clock)."""
    assert {m.name for m in engine.models} == TIME_DEPENDENT | TIMELESS


def test_time_dependent_models_read_sustainments_conflict_year(engine):
    sustainment = next(m for m in engine.models if m.name == "sustainment")
    want = sustainment.inputs[CLOCK]
    for model in engine.models:
        if model.name not in TIME_DEPENDENT:
            assert CLOCK not in model.inputs, model.name
            continue
        # the same declaration object's spec (one spec, not a copy) ...
        assert _clock_declaration(model).spec is SustainmentModel.conflict_year.spec, model.name
        # ... and so the same values: calendar year, integer, base year to MAX_YEAR
        assert model.inputs[CLOCK] == want, model.name
        assert model.settings.base_year == sustainment.settings.base_year, model.name
    assert want.low == Settings().base_year and want.kind == "integer"


def test_homeland_has_no_clock_of_its_own(engine):
    homeland = next(m for m in engine.models if m.name == "homeland")
    assert not any(p.endswith("assessment_year") for p in homeland.inputs)


def test_a_later_conflict_moves_autonomy_and_budget_the_way_the_clock_implies(engine, library):
    base = Settings().base_year
    assert base == 2026
    domain = "rare_earths"
    invest = 1.0e11  # ¥100B a year
    values = {CLOCK: [2029, 2031], f"autonomy.{domain}.investment_jpy_per_year": invest}
    out = engine.evaluate(engine.columns_from(values, 2), 2)

    # -- autonomy: T = 3 and 5 years of investment, by hand from the library's values
    def lib(path, unit=None):
        return float(library.get(path).value(unit))

    shares = {o: lib(f"autonomy.{domain}.share.{o}")
              for o in ("japan", "us", "china", "allies", "rest")}
    row = sum(shares.values())
    s0 = shares["japan"] / row
    top = max(lib(f"autonomy.{domain}.max_domestic_share"), s0)
    k = lib(f"autonomy.{domain}.investment_scale_jpy", "JPY")
    japan = [s0 + (top - s0) * (1.0 - math.exp(-invest * t / k)) for t in (3, 5)]
    i = engine.models[[m.name for m in engine.models].index("autonomy")].domains.index(domain)
    after = out["autonomy.share_after"][:, i, 0]
    np.testing.assert_allclose(after, japan, rtol=1e-12)
    assert s0 < after[0] < after[1] <= top  # more years of investment: further from today
    china = shares["china"] / row * (1.0 - np.asarray(japan)) / (1.0 - s0)
    np.testing.assert_allclose(out["autonomy.share_after"][:, i, 2], china, rtol=1e-12)
    assert out["autonomy.china_risk"][1] < out["autonomy.china_risk"][0]
    np.testing.assert_allclose(out["autonomy.investment_cost_jpy"], [3 * invest, 5 * invest])
    np.testing.assert_allclose(out["budget.ledger_jpy"][:, 1], [3e11, 5e11])

    # -- budget: the 2031 window adds FY2029 and FY2030 (both after the plan: c · s · GDP_t)
    c = lib("budget.core_share_of_security_spending")
    s = lib("budget.defence_share_gdp")
    gdp0 = lib("budget.gdp_nominal_fy2024_jpy", "JPY/year")
    g, pi = lib("budget.gdp_growth_nominal", "1/year"), lib("budget.inflation_rate", "1/year")
    extra = sum(c * s * gdp0 * (1 + g) ** (t - GDP_YEAR) / (1 + pi) ** (t - base)
                for t in (2029, 2030))
    budget = out["budget.defence_budget_jpy"]
    assert budget[1] > budget[0]
    assert budget[1] - budget[0] == pytest.approx(extra, rel=1e-12)
    # burden sharing is charged per build-up year: 3 vs 5 years of the same yen
    ledger = out["budget.ledger_jpy"][:, 2]
    assert ledger[1] * 3 == pytest.approx(ledger[0] * 5)


def test_golden_dome_reaches_posture_in_the_conflict_year():
    """Homeland's cost of the conflict year is what posture's crowd-out reads (one clock)."""
    from kaname.engine import Engine

    engine = Engine.build()
    years = np.array([2026.0, 2029.0, 2032.0])
    out = engine.evaluate(engine.columns_from({"sustainment.conflict_year": years}, 3), 3)
    annual = out["homeland.annual_cost_usd"]
    np.testing.assert_array_equal(out["homeland.annual_cost_at_conflict_usd"],
                                  annual[np.arange(3), (years - 2026).astype(int)])
    assert engine.models[[m.name for m in engine.models].index("posture")].links[
        "posture.golden_dome_annual_usd"] == "homeland.annual_cost_at_conflict_usd"
