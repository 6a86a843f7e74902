"""US commitment as a model: America First intensity against what Japan does (posture).

Properties from the equation's form (docs/models/posture.md, "US commitment"): log-odds are a
sum of terms, each zero at today's posture and Japan's status quo, each monotone in its
driver with a coefficient >= 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.data import Library
from kaname.engine import Engine
from kaname.models.base import Settings
from kaname.models.posture import COMMITMENT_TERMS, PostureModel

P = "posture."


@pytest.fixture(scope="module")
def engine():
    library = Library.load()
    return Engine([PostureModel.from_library(library, Settings())], library)


def commitment(engine, **values):
    out = engine.evaluate(engine.columns_from(values, 1), 1)
    return float(out[P + "us_commitment"][0]), out


coef = st.floats(0.05, 1.5)


def test_status_quo_terms_are_zero_and_sum_to_the_log_odds(engine):
    q, out = commitment(engine, **{P + "america_first_intensity": 0.5,
                                   P + "complementarity_gain": 0.0})
    terms = dict(zip(COMMITMENT_TERMS, out[P + "commitment_terms"][0], strict=True))
    for name in ("america_first", "burden_sharing", "coproduction", "complementarity",
                 "integration", "de_americanisation"):
        assert terms[name] == pytest.approx(0.0, abs=1e-12), name
    assert np.log(q / (1 - q)) == pytest.approx(sum(terms.values()), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0), c=coef)
def test_commitment_falls_with_america_first_intensity(engine, a, b, c):
    lo, hi = sorted((a, b))
    q_lo, _ = commitment(engine, **{P + "america_first_intensity": lo,
                                    P + "commitment.america_first": c})
    q_hi, _ = commitment(engine, **{P + "america_first_intensity": hi,
                                    P + "commitment.america_first": c})
    assert q_hi <= q_lo + 1e-12


@settings(max_examples=40, deadline=None)
@given(s1=st.floats(0.01, 0.06), s2=st.floats(0.01, 0.06), c=coef,
       ask=st.sampled_from([0.035, 0.05]))
def test_commitment_rises_with_defence_spending_against_the_ask(engine, s1, s2, c, ask):
    lo, hi = sorted((s1, s2))
    base = {P + "commitment.burden_sharing": c, "budget.us_ask_share_gdp": ask}
    q_lo, _ = commitment(engine, **base, **{"budget.defence_share_gdp": lo})
    q_hi, _ = commitment(engine, **base, **{"budget.defence_share_gdp": hi})
    assert q_hi >= q_lo - 1e-12
    # beyond the ask there is nothing more to gain from spending alone
    q_at, _ = commitment(engine, **base, **{"budget.defence_share_gdp": ask})
    q_over, _ = commitment(engine, **base, **{"budget.defence_share_gdp": ask + 0.01})
    assert q_over == pytest.approx(q_at, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(r1=st.floats(0.0, 300.0), r2=st.floats(0.0, 300.0), export=st.floats(0.1, 1.0),
       c=coef)
def test_commitment_rises_with_delivered_coproduction(engine, r1, r2, export, c):
    lo, hi = sorted((r1, r2))
    base = {"sustainment.conflict_year": 2031, "sustainment.pac3_mse.japan_start_year": 2027,
            "sustainment.pac3_mse.export_share": export, P + "commitment.coproduction": c}
    q_lo, out_lo = commitment(engine, **base, **{"sustainment.pac3_mse.japan_rate": lo})
    q_hi, out_hi = commitment(engine, **base, **{"sustainment.pac3_mse.japan_rate": hi})
    assert out_hi[P + "japan_deliveries_to_us"][0] >= out_lo[P + "japan_deliveries_to_us"][0]
    assert q_hi >= q_lo - 1e-12


def test_deliveries_match_the_sustainment_build_up():
    """Posture counts exactly the rounds sustainment exports (one recursion, two readers)."""
    library = Library.load()
    engine = Engine.build(library)
    cols = engine.columns_from({"sustainment.conflict_year": [2028, 2031],
                                "sustainment.pac3_mse.japan_rate": 120.0,
                                "sustainment.pac3_mse.japan_start_year": 2027,
                                "sustainment.pac3_mse.export_share": 0.5}, 2)
    out = engine.evaluate(cols, 2)
    # hand count: the ramp reaches min(120, cap) over ramp_years from 2027; half exported,
    # counted from the base year 2026 to the year before the conflict
    cap = engine.default("sustainment.pac3_mse.japan_capacity_max")
    ramp = engine.default("sustainment.pac3_mse.japan_ramp_years")
    want = []
    for conflict in (2028, 2031):
        total = 0.0
        for year in range(2026, conflict):
            total += 0.5 * min(120.0, cap) * min(max((year - 2027 + 1) / ramp, 0.0), 1.0)
        want.append(total)
    aim = "sustainment.aim120.export_share"
    assert engine.default(aim) == 0.0  # AMRAAM exports nothing by default
    np.testing.assert_allclose(out[P + "japan_deliveries_to_us"], want, rtol=1e-12)


def test_jfhq_and_hosting_raise_commitment(engine):
    q0, _ = commitment(engine)
    q_jfhq, _ = commitment(engine, **{"c2.structure": "jfhq_in_japan"})
    q_host, _ = commitment(engine, **{"budget.burden_sharing_jpy_per_year": 211e9})
    assert q_jfhq > q0 and q_host > q0


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0), k=st.floats(0.0, 6.0))
def test_visible_de_americanisation_costs_commitment_and_nothing_at_zero(engine, a, b, k):
    """The term is −k·D (issue #16 item 4): commitment never rises with the US supply
    visibly displaced, and a coefficient of 0 (inside its range) leaves it unmoved."""
    lo, hi = sorted((a, b))
    q = {d: commitment(engine, **{P + "us_supply_displaced": d,
                                  P + "commitment.de_americanisation": k})[0] for d in (lo, hi)}
    assert q[hi] <= q[lo] + 1e-12
    _, out = commitment(engine, **{P + "us_supply_displaced": hi,
                                   P + "commitment.de_americanisation": k})
    term = dict(zip(COMMITMENT_TERMS, out[P + "commitment_terms"][0], strict=True))
    assert term["de_americanisation"] == pytest.approx(-k * hi, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.0, 3.0), b=st.floats(0.0, 3.0), k=st.floats(0.0, 2.0))
def test_complementarity_gains_k_per_doubling_and_nothing_at_zero(engine, a, b, k):
    """The term is k·log2(C/C0), read from autonomy as doublings (issue #16 item 4):
    commitment never falls as Japan's capacity open to US gaps grows."""
    lo, hi = sorted((a, b))
    q = {g: commitment(engine, **{P + "complementarity_gain": g,
                                  P + "commitment.complementarity": k})[0] for g in (lo, hi)}
    assert q[hi] >= q[lo] - 1e-12
    _, out = commitment(engine, **{P + "complementarity_gain": hi,
                                   P + "commitment.complementarity": k})
    term = dict(zip(COMMITMENT_TERMS, out[P + "commitment_terms"][0], strict=True))
    assert term["complementarity"] == pytest.approx(k * hi, abs=1e-12)
