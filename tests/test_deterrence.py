"""Deterrence model: closed forms, the Fearon limit, monotonicity, and bad data."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaname.data import Library
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.models.deterrence import DeterrenceModel
from kaname.testing import check_model

P = "deterrence."


@pytest.fixture(scope="module")
def model(library):
    return DeterrenceModel.from_library(library)


@pytest.fixture(scope="module")
def defaults(library, model):
    return {p: float(library.get(p).value(s.unit)) for p, s in model.inputs.items()}


def run(model, defaults, **overrides):
    """Evaluate with defaults, each override a scalar or an array (broadcast to one n)."""
    values = {**defaults, **{P + k: v for k, v in overrides.items()}}
    n = max(np.size(v) for v in values.values())
    x = {p: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for p, v in values.items()}
    return model.evaluate(x)


def test_conforms_to_protocol(model, defaults):
    check_model(model, defaults)


def test_links_point_to_upstream_outputs(model):
    assert model.links == {
        P + "race_denial": "sustainment.p_deny_race",
        P + "timely_share": "c2.share_within_6h",
        P + "us_commitment": "posture.us_commitment",  # complementarity acts there
    }
    assert set(model.links) <= set(model.inputs)


def test_closed_form_race_passes_through_without_delay(model, defaults):
    # No delay, no help from outside, q = 1: P_deny is the race's own probability.
    r = np.array([0.01, 0.3, 0.5, 0.9, 0.99])
    out = run(model, defaults, race_denial=r, timely_share=1.0, p_deny_alone=0.0,
              us_commitment=1.0)
    np.testing.assert_allclose(out[P + "p_deny"], r, rtol=1e-12)


def test_closed_form_mixture_over_commitment(model, defaults):
    # P_deny = P_alone + q (1 - P_alone) P_race when there is no delay.
    out = run(model, defaults, race_denial=0.8, timely_share=1.0, p_deny_alone=0.25,
              us_commitment=np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(out[P + "p_deny"], [0.25, 0.25 + 0.5 * 0.75 * 0.8,
                                                    0.25 + 0.75 * 0.8], rtol=1e-12)


def test_closed_form_tempo_penalty(model, defaults):
    # No decision timely at alpha_t = ln 3 turns odds of 1:1 into 1:3, i.e. sigma = 1/4;
    # half of them timely at alpha_t = 2 ln 3 does the same.
    out = run(model, defaults, race_denial=0.5, timely_share=np.array([0.0, 0.5]),
              tempo_penalty=np.array([math.log(3), 2 * math.log(3)]), p_deny_alone=0.0,
              us_commitment=1.0)
    np.testing.assert_allclose(out[P + "p_deny"], [0.25, 0.25], rtol=1e-12)


@given(st.floats(0.0, 1.0), st.floats(0.0, 5.0), st.floats(0.01, 0.99), st.floats(0.0, 1.0))
def test_the_tempo_effect_is_bounded(model, defaults, share, penalty, race, alone):
    # However late the decisions, denial loses at most alpha_t log-odds of the race.
    out = run(model, defaults, race_denial=race, timely_share=share, tempo_penalty=penalty,
              p_deny_alone=alone, us_commitment=1.0)
    worst = 1.0 / (1.0 + math.exp(-(math.log(race / (1 - race)) - penalty)))
    assert out[P + "p_deny"][0] >= alone + (1 - alone) * worst - 1e-12
    assert out[P + "p_deny"][0] <= alone + (1 - alone) * race + 1e-12


def test_expected_utility_by_hand(model, defaults):
    out = run(model, defaults, us_commitment=0.0, p_deny_alone=0.4, value_of_victory=2.0,
              loss_if_fail=0.5, war_cost=0.3, sanctions_cost=0.1)
    # p_win = 0.6: EU = 0.6*2 - 0.4*0.5 - 0.4 = 0.6
    np.testing.assert_allclose(out[P + "eu_attack"], 0.6)
    np.testing.assert_allclose(out[P + "margin"], -0.6)
    assert out[P + "holds"][0] == 0.0
    # threshold p* solves p V - (1 - p) L - C = 0: (0.5 + 0.4) / 2.5 = 0.36
    np.testing.assert_allclose(out[P + "p_win_threshold"], 0.36)


unit = st.floats(0.0, 1.0)
positive = st.floats(0.01, 5.0)


@st.composite
def futures(draw):
    """Any inputs inside the declared bounds (a few orders of magnitude of each)."""
    return {
        "race_denial": draw(unit),
        "timely_share": draw(unit),
        "us_commitment": draw(unit),
        "tempo_penalty": draw(st.floats(0.0, 5.0)),
        "p_deny_alone": draw(unit),
        "value_of_victory": draw(positive),
        "loss_if_fail": draw(st.floats(0.0, 5.0)),
        "war_cost": draw(st.floats(0.0, 5.0)),
        "sanctions_cost": draw(st.floats(0.0, 5.0)),
    }


@given(futures(), st.floats(1.0001, 3.0))
def test_fearon_limit_costs_above_any_gain_never_attack(model, defaults, f, excess):
    # If fighting costs more than the whole prize, EU <= p V - C < V - C < 0 for every p:
    # no attack, whatever the odds (Fearon 1995: EU_A(war) = p - c_A < 0 when c_A > 1).
    costs = excess * f["value_of_victory"]
    f["war_cost"], f["sanctions_cost"] = costs * 0.6, costs * 0.4
    out = run(model, defaults, **f)
    assert out[P + "eu_attack"][0] < 0
    assert out[P + "holds"][0] == 1.0


@given(futures())
def test_no_costs_any_chance_of_winning_pays(model, defaults, f):
    f.update(loss_if_fail=0.0, war_cost=0.0, sanctions_cost=0.0, p_deny_alone=0.5)
    out = run(model, defaults, **f)
    assert out[P + "p_win"][0] > 0
    assert out[P + "holds"][0] == 0.0


@given(futures(), unit, unit)
def test_p_win_falls_with_the_race(model, defaults, f, a, b):
    f["race_denial"] = np.array([min(a, b), max(a, b)])
    p = run(model, defaults, **f)[P + "p_win"]
    assert p[1] <= p[0] + 1e-12


@given(futures(), unit, unit)
def test_p_win_falls_with_us_commitment(model, defaults, f, a, b):
    f["us_commitment"] = np.array([min(a, b), max(a, b)])
    p = run(model, defaults, **f)[P + "p_win"]
    assert p[1] <= p[0] + 1e-12


@given(futures(), unit, unit)
def test_p_win_falls_with_timely_decisions(model, defaults, f, a, b):
    f["timely_share"] = np.array([min(a, b), max(a, b)])
    p = run(model, defaults, **f)[P + "p_win"]
    assert p[1] <= p[0] + 1e-12


@given(futures())
def test_outputs_bounded_and_holds_matches_threshold(model, defaults, f):
    out = run(model, defaults, **f)
    assert 0.0 <= out[P + "p_win"][0] <= 1.0
    margin, threshold, p_win = (out[P + k][0] for k in ("margin", "p_win_threshold", "p_win"))
    if abs(margin) > 1e-9:
        assert (margin > 0) == (p_win < threshold)


def test_strictly_monotone_at_the_defaults(model, defaults):
    base = run(model, defaults)[P + "p_win"][0]
    assert run(model, defaults, race_denial=0.95)[P + "p_win"][0] < base
    assert run(model, defaults, us_commitment=0.9)[P + "p_win"][0] < base
    assert run(model, defaults, timely_share=0.1)[P + "p_win"][0] > base


def _library_with(tmp_path, text):
    path = tmp_path / "override.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Library.load(extra=[path]), str(path)


def test_coefficient_outside_declared_range_is_refused(tmp_path):
    lib, file = _library_with(tmp_path, """\
        model: deterrence
        parameters:
          p_deny_alone: {base: 1.5, unit: dimensionless, assumption: bad on purpose}
        """)
    with pytest.raises(InputError) as err:  # defaults are checked when the engine is built
        Engine([DeterrenceModel.from_library(lib)], lib)
    line = err.value.line()
    assert file in line and "deterrence.p_deny_alone" in line and "\n" not in line


def test_range_end_outside_declared_range_is_refused(tmp_path):
    lib, _ = _library_with(tmp_path, """\
        model: deterrence
        parameters:
          war_cost: {base: 0.2, low: -0.1, high: 0.5, unit: dimensionless, assumption: bad}
        """)
    with pytest.raises(InputError, match=r"deterrence\.war_cost: low"):
        Engine([DeterrenceModel.from_library(lib)], lib)
