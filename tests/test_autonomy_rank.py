"""`kaname autonomy rank`: risk reduced per yen by domain (issue #16, item 5).

The expected values are derived from the model's documented equations
(docs/models/autonomy.md): Japan's share s_J(y) = s0 + (top − s0)(1 − exp(−A·T/k)), the
foreign shares shrink pro rata, and origin o's expected harm over the horizon H is
H Σ_m p_om H_om with H_om = ℓ_m Σ_T V_T (1 − sub_T) s_o[T] e_Tm for the supply modes
(tariffs and licensed output do not depend on the domain). Investing A in domain d alone for
T years therefore lowers it by

    H Σ_m p_om ℓ_m e_dm · V_d (1 − sub_d) · s_o0 / (1 − s0) · (top − s0) · (1 − exp(−A·T/k)),

so the average per yen spent (A·T) and the marginal per yen (its derivative in A·T) follow.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.analysis.per_yen import rank_investments, ranking, scenario_amounts
from kaname.data import Library
from kaname.engine import Engine
from kaname.models.autonomy import COERCING, ORIGINS, AutonomyModel
from kaname.models.coercion import SUPPLY_MODES

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"


@pytest.fixture(scope="module")
def setup():
    library = Library.load()
    model = AutonomyModel.from_library(library)
    engine = Engine([model], library)
    return library, model, {p: float(engine.default(p)) for p in model.inputs}


def closed_form(model, base, domain, origin, amount):
    """(average, marginal) yen of `origin`'s harm avoided per yen, from the equations."""
    exposed = base[f"autonomy.{domain}.value_at_stake_jpy_per_year"] * (
        1.0 - base[f"autonomy.{domain}.substitutability"])
    shares = np.array([base[f"autonomy.{domain}.share.{o}"] for o in ORIGINS])
    shares = shares / shares.sum()
    s0, so = shares[ORIGINS.index("japan")], shares[ORIGINS.index(origin)]
    top = max(base[f"autonomy.{domain}.max_domestic_share"], s0)
    k = base[f"autonomy.{domain}.investment_scale_jpy"]
    per_share = sum(base[f"autonomy.coercion.{origin}.{m}"] * base[f"autonomy.loss_share.{m}"]
                    * base[f"autonomy.{domain}.exposure.{m}"] for m in SUPPLY_MODES)
    years = base["sustainment.conflict_year"] - model.settings.base_year
    spent = amount * years
    scale = base["autonomy.horizon_years"] * per_share * exposed * so / (1.0 - s0) * (top - s0)
    return scale * -np.expm1(-spent / k) / spent, scale * np.exp(-spent / k) / k


def test_per_yen_matches_the_closed_form(setup):
    library, model, base = setup
    amounts = {d: (60e9, "--amount") for d in model.domains}
    for r in rank_investments(model, library, amounts):
        for origin in ("china", "us"):
            average, marginal = closed_form(model, base, r.domain, origin, 60e9)
            assert r.average_per_jpy[origin] == pytest.approx(average, rel=1e-6, abs=1e-15)
            # the 1 % finite difference of a concave curve sits between the marginals at
            # A and 1.01·A: within 1 % of the marginal at A
            assert r.marginal_per_jpy[origin] == pytest.approx(marginal, rel=0.011, abs=1e-15)


@settings(max_examples=20, deadline=None)
@given(amount=st.floats(1e9, 2e12))
def test_returns_diminish_and_the_gap_closed_is_a_share(setup, amount):
    library, model, _ = setup
    results = rank_investments(model, library, {d: (amount, "x") for d in model.domains})
    for r in results:
        assert 0.0 <= r.gap_closed <= 1.0
        for origin in COERCING:
            assert 0.0 <= r.marginal_per_jpy[origin] <= r.average_per_jpy[origin] * (1 + 1e-9)


def test_the_ranking_does_not_depend_on_the_order_of_the_domains(setup):
    library, model, _ = setup
    shuffled = AutonomyModel(list(reversed(model.domains)), model.domain_labels, model.settings,
                             {m: {"en": m} for m in model.munitions}, model.rate_caps)
    amounts = {d: (80e9, "x") for d in model.domains}
    for origin in COERCING:
        forward = [r.domain for r in ranking(rank_investments(model, library, amounts), origin)]
        backward = [r.domain for r in ranking(rank_investments(shuffled, library, amounts),
                                              origin)]
        assert forward == backward, origin


def test_scenario_amounts_take_the_largest_policy_amount():
    policies = {"a": {"autonomy.ai.investment_jpy_per_year": 5e10},
                "b": {"autonomy.ai.investment_jpy_per_year": 7e10}, "c": {}}
    amounts = scenario_amounts(policies, ["ai", "cloud"])
    assert amounts["ai"] == (7e10, "b") and amounts["cloud"][1] == "reference"


def test_rank_command_json_covers_every_domain_and_origin():
    res = cli("autonomy", "rank", str(EXAMPLE), "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    domains = {d["domain"] for d in out["domains"]}
    assert {"ai", "cloud", "data_security", "quantum_crypto"} <= domains
    for origin in COERCING:
        assert sorted(out["ranking"][origin]) == sorted(domains)


@pytest.mark.parametrize("amount", ["-5", "0", "nan"])
def test_rank_refuses_a_bad_amount(amount):
    assert_one_line_exit_2(cli("autonomy", "rank", str(EXAMPLE), "--amount", amount),
                           "--amount")
