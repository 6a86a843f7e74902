"""Autonomy model: shares stay a distribution, zero investment is a no-op, risks bounded and
monotone, the formulas checked against a plain-Python reimplementation, and bad data."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaname.data import Library
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.models.autonomy import ORIGINS, AutonomyModel, shares_after_investment
from kaname.models.base import Settings
from kaname.models.coercion import MODES, SUPPLY_MODES
from kaname.testing import check_model

P = "autonomy."


@pytest.fixture(scope="module")
def model(library):
    return AutonomyModel.from_library(library)


@pytest.fixture(scope="module")
def defaults(library, model):
    return {p: float(library.get(p).value(s.unit)) for p, s in model.inputs.items()}


def run(model, values):
    n = max(np.size(v) for v in values.values())
    return model.evaluate({p: np.broadcast_to(np.asarray(v, float), (n,)).copy()
                           for p, v in values.items()})


def test_conforms_to_protocol(model, defaults):
    check_model(model, defaults)


def test_domains_and_origins(model):
    assert model.coords["origin"] == list(ORIGINS)
    for needed in ("ai", "cloud", "data_security", "quantum_crypto", "semiconductors",
                   "rare_earths", "quantum_computing", "optical_isl", "undersea_cables",
                   "shipbuilding"):
        assert needed in model.domains
    # its own levers (it also reads sustainment's co-production levers, for licensed output)
    levers = [p for p, s in model.inputs.items() if s.lever and p.startswith(P)]
    assert sorted(levers) == sorted(f"{P}{d}.investment_jpy_per_year" for d in model.domains)


def reference_outputs(values, domains, munitions):
    """The module docstring's formulas, written out with loops over plain floats: the shares
    and capacity after T = conflict year - base year years of investment (the one clock),
    coercion by mode in yen, the indices over the risk horizon H, and complementarity."""
    y = max(values["sustainment.conflict_year"] - Settings().base_year, 0.0)
    h = values[P + "horizon_years"]
    total_w = sum(values[f"{P}{d}.criticality_weight"] for d in domains)
    total_g = sum(values[f"{P}{d}.us_gap"] for d in domains)
    p = {o: {m: values[f"{P}coercion.{o}.{m}"] for m in MODES} for o in ORIGINS[1:]}
    any_mode = {o: 1 - math.prod(1 - v for v in p[o].values()) for o in p}
    risk = dict.fromkeys(ORIGINS, 0.0)
    harm = {o: dict.fromkeys(MODES, 0.0) for o in ORIGINS[1:]}
    dependence = dict.fromkeys(ORIGINS, 0.0)
    autonomy, comp, comp0, cost = 1.0, 0.0, 0.0, 0.0
    for d in domains:
        s = {o: values[f"{P}{d}.share.{o}"] for o in ORIGINS}
        row = sum(s.values())
        s = {o: v / row for o, v in s.items()}
        invest = values[f"{P}{d}.investment_jpy_per_year"]
        phi = 1 - math.exp(-invest * y / values[f"{P}{d}.investment_scale_jpy"])
        top = max(values[f"{P}{d}.max_domestic_share"], s["japan"])
        japan = s["japan"] + (top - s["japan"]) * phi
        after = {o: (japan if o == "japan" else s[o] * (1 - japan) / (1 - s["japan"]))
                 for o in ORIGINS}
        w = values[f"{P}{d}.criticality_weight"] / total_w
        unsub = 1 - values[f"{P}{d}.substitutability"]
        at_stake = values[f"{P}{d}.value_at_stake_jpy_per_year"] * unsub
        for o in ORIGINS[1:]:
            risk[o] += w * unsub * after[o] * (1 - (1 - any_mode[o]) ** h)
            dependence[o] += at_stake * after[o]
            for m in SUPPLY_MODES:
                harm[o][m] += (values[f"{P}loss_share.{m}"] * at_stake * after[o]
                               * values[f"{P}{d}.exposure.{m}"])
        autonomy -= w * unsub * max(after[o] for o in ORIGINS[1:])
        k0 = values[f"{P}{d}.world_capacity_share"]
        k1 = k0 + (max(values[f"{P}{d}.max_world_capacity_share"], k0) - k0) * phi
        weight = values[f"{P}{d}.us_gap"] / total_g * values[f"{P}{d}.us_access"]
        comp += weight * k1
        comp0 += weight * k0
        cost += invest * y
    licensed = 0.0
    for m in munitions:
        v = {k: values[f"sustainment.{m}.{k}"] for k in (
            "japan_licensed_rate", "japan_rate", "japan_capacity_max", "japan_start_year",
            "japan_ramp_years", "unit_cost_japan")}
        ramp = min(max((values["sustainment.conflict_year"] - v["japan_start_year"] + 1)
                       / v["japan_ramp_years"], 0.0), 1.0)
        output = v["japan_licensed_rate"] + min(v["japan_rate"], v["japan_capacity_max"]) * ramp
        licensed += output * v["unit_cost_japan"] * values[f"{P}us_dependence.{m}"]
    dependence["us"] += licensed
    harm["us"]["licence_denial"] += values[f"{P}loss_share.licence_denial"] * licensed
    for o in harm:
        harm[o]["tariff"] = (values[f"{P}tariff.{o}.exports_jpy_per_year"]
                             * values[f"{P}tariff.{o}.rate"]
                             * values[f"{P}tariff.harm_per_yen_of_duty"])
    expected = {o: sum(p[o][m] * harm[o][m] for m in MODES) for o in harm}
    total = sum(expected.values())
    return {"china_risk": risk["china"], "us_risk": risk["us"], "autonomy_index": autonomy,
            "complementarity": comp, "complementarity_gain": math.log2(comp / comp0),
            "investment_cost_jpy": cost, "china_harm_jpy_per_year": expected["china"],
            "us_harm_jpy_per_year": expected["us"], "expected_harm_jpy_per_year": total,
            "harm_share_gdp": total / values["budget.gdp_nominal_fy2024_jpy"],
            "expected_harm_over_horizon_jpy": total * h,
            "licensed_us_dependent_jpy_per_year": licensed,
            **{f"dependence_{o}": dependence[o] for o in ORIGINS[1:]}}


def test_matches_plain_python_reference(model, defaults):
    values = dict(defaults)
    values.update({f"{P}rare_earths.investment_jpy_per_year": 2.0e11,
                   f"{P}shipbuilding.investment_jpy_per_year": 1.0e11,
                   f"{P}cloud.investment_jpy_per_year": 5.0e10,
                   "sustainment.pac3_mse.japan_rate": 120.0,
                   "sustainment.pac3_mse.japan_start_year": 2027.0})
    out = run(model, values)
    for key, expected in reference_outputs(values, model.domains, model.munitions).items():
        if key.startswith("dependence_"):
            got = out[P + "dependence_jpy_per_year"][0, ORIGINS.index(key.split("_")[1])]
        else:
            got = out[P + key][0]
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=key)


def toy_values(model, defaults, **override):
    """One domain (cloud) carries all weight and value; everything else is switched off."""
    values = dict(defaults)
    for d in model.domains:
        values[f"{P}{d}.criticality_weight"] = 1.0 if d == "cloud" else 0.0
        values[f"{P}{d}.value_at_stake_jpy_per_year"] = 1e12 if d == "cloud" else 0.0
    for o in ORIGINS[1:]:
        values[f"{P}tariff.{o}.exports_jpy_per_year"] = 0.0
        for m in MODES:
            values[f"{P}coercion.{o}.{m}"] = 0.0
    for m in model.munitions:
        values[f"{P}us_dependence.{m}"] = 0.0
    values.update(override)
    return values


def test_toy_harm_by_hand(model, defaults):
    """¥1T of cloud a year, substitutability 0.5, US share 0.6 (renormalised row), a US
    data-access episode at p = 0.1 that costs 0.05 of the exposed value: expected harm
    0.1 × 0.05 × 1e12 × 0.5 × 0.6 × exposure 1 = ¥1.5B a year; and a US tariff episode at
    p = 0.2 on ¥20T of exports at 15 % with harm 1 per yen of duty adds 0.2 × ¥3T = ¥600B."""
    shares = {"japan": 0.3, "us": 0.6, "china": 0.05, "allies": 0.03, "rest": 0.02}
    values = toy_values(model, defaults, **{
        f"{P}cloud.share.{o}": v for o, v in shares.items()}, **{
        f"{P}cloud.substitutability": 0.5, f"{P}cloud.exposure.data_access": 1.0,
        f"{P}loss_share.data_access": 0.05, f"{P}coercion.us.data_access": 0.1})
    out = run(model, values)
    assert out[P + "us_harm_jpy_per_year"][0] == pytest.approx(1.5e9, rel=1e-12)
    assert out[P + "china_harm_jpy_per_year"][0] == 0.0
    # dependence without substitute: ¥1T × 0.5 × share, per origin
    np.testing.assert_allclose(out[P + "dependence_jpy_per_year"][0],
                               [5e11 * shares[o] for o in ORIGINS], rtol=1e-12)
    values.update({f"{P}tariff.us.exports_jpy_per_year": 2e13, f"{P}tariff.us.rate": 0.15,
                   f"{P}tariff.harm_per_yen_of_duty": 1.0, f"{P}coercion.us.tariff": 0.2})
    out = run(model, values)
    assert out[P + "us_harm_jpy_per_year"][0] == pytest.approx(1.5e9 + 6e11, rel=1e-12)
    # worst 5 % of years: both episodes (p 0.02, ¥3.015T), then the tariff alone for the
    # remaining 0.03 (¥3T): (0.02 × 3.015e12 + 0.03 × 3e12) / 0.05 = ¥3.006T
    assert out[P + "tail_harm_jpy_per_year"][0, ORIGINS.index("us")] == pytest.approx(
        3.006e12, rel=1e-12)


@given(st.sampled_from(["china", "us", "allies", "rest"]))
def test_harm_is_zero_when_coercion_probability_is_zero(model, defaults, origin):
    values = dict(defaults)
    for m in MODES:
        values[f"{P}coercion.{origin}.{m}"] = 0.0
    values["sustainment.pac3_mse.japan_rate"] = 120.0
    out = run(model, values)
    j = ORIGINS.index(origin)
    assert out[P + "harm_by_mode_jpy_per_year"][0, j].sum() == 0.0
    assert out[P + "tail_harm_jpy_per_year"][0, j] == 0.0
    assert out[P + "risk_by_origin"][0, j] == 0.0
    if origin in ("china", "us"):
        assert out[f"{P}{origin}_harm_jpy_per_year"][0] == 0.0


def test_licensed_coproduction_raises_us_origin_dependence(model, defaults):
    """Co-producing a US design (PAC-3) adds its output's yen × its dependence on US parts
    and approval to the US row of dependence, and licence-denial harm with it; Japan's own
    design (improved Type-12) adds almost nothing."""
    values = dict(defaults)
    values["sustainment.pac3_mse.japan_start_year"] = 2027.0
    values["sustainment.pac3_mse.japan_rate"] = np.array([0.0, 60.0, 120.0])
    out = run(model, values)
    us = ORIGINS.index("us")
    dep = out[P + "dependence_jpy_per_year"][:, us]
    assert np.all(np.diff(dep) > 0)
    # 2028 conflict, start 2027, ramp R years: output r × min((2028 − 2027 + 1)/R, 1)
    ramp = min(2.0 / values["sustainment.pac3_mse.japan_ramp_years"], 1.0)
    added = 60.0 * ramp * values["sustainment.pac3_mse.unit_cost_japan"] * values[
        P + "us_dependence.pac3_mse"]
    assert dep[1] - dep[0] == pytest.approx(added, rel=1e-9)
    denial = out[P + "harm_by_mode_jpy_per_year"][:, us, MODES.index("licence_denial")]
    assert np.all(np.diff(denial) > 0)
    # other origins are untouched
    china = out[P + "dependence_jpy_per_year"][:, ORIGINS.index("china")]
    assert np.all(china == china[0])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 9), st.floats(0.0, 5e12), st.floats(0.0, 5e12))
def test_more_investment_never_raises_a_risk_from_any_origin(model, defaults, k, a, b):
    """Investment in a domain only moves that domain's supply toward Japan, so no origin's
    risk index, expected harm (by mode) or dependence can rise with it."""
    domain = model.domains[k % len(model.domains)]
    values = dict(defaults)
    values[f"{P}{domain}.investment_jpy_per_year"] = np.array(sorted((a, b)))
    values["sustainment.conflict_year"] = 2030.0
    out = run(model, values)
    for key in ("risk_by_origin", "harm_by_mode_jpy_per_year", "dependence_jpy_per_year",
                "tail_harm_jpy_per_year"):
        more, less = out[P + key][1, 1:], out[P + key][0, 1:]  # the foreign origins
        assert np.all(more <= less * (1 + 1e-12) + 1e-9), key
    assert out[P + "complementarity_gain"][1] >= out[P + "complementarity_gain"][0] - 1e-12


def test_closed_form_one_e_fold(model, defaults):
    # I * T = k closes 1 - 1/e of the gap to the ceiling; T = 2028 - 2026 = 2 build-up years
    # at the library's conflict year (the risk horizon, 5 years, plays no part).
    values = dict(defaults)
    assert values["sustainment.conflict_year"] - Settings().base_year == 2
    k = values[f"{P}shipbuilding.investment_scale_jpy"]
    values[f"{P}shipbuilding.investment_jpy_per_year"] = k / 2
    out = run(model, values)
    i = model.domains.index("shipbuilding")
    s0, top = values[f"{P}shipbuilding.share.japan"], values[f"{P}shipbuilding.max_domestic_share"]
    np.testing.assert_allclose(out[P + "share_after"][0, i, 0], s0 + (top - s0) * (1 - 1 / math.e))


share_rows = arrays(float, (3, 4, 5), elements=st.floats(0.0, 1.0)).map(
    lambda a: a + 1e-3).map(lambda a: a / a.sum(axis=2, keepdims=True))


@given(share_rows, arrays(float, (3, 4), elements=st.floats(0.0, 5e12)),
       arrays(float, (3, 4), elements=st.floats(0.0, 1.0)),
       arrays(float, (3, 4), elements=st.floats(1e8, 1e14)),
       arrays(float, (3,), elements=st.floats(1.0, 30.0)))
def test_shares_stay_a_distribution_under_any_investment(shares, invest, ceiling, scale, years):
    after = shares_after_investment(shares, ceiling, invest, scale, years)
    assert np.all(after >= 0.0) and np.all(after <= 1.0 + 1e-12)
    np.testing.assert_allclose(after.sum(axis=2), 1.0, atol=1e-12)
    # Japan never loses share and never passes the ceiling (or today's share if higher).
    assert np.all(after[:, :, 0] >= shares[:, :, 0] - 1e-15)
    assert np.all(after[:, :, 0] <= np.maximum(ceiling, shares[:, :, 0]) + 1e-12)
    # Foreign origins shrink pro rata: their ratios to one another are unchanged.
    ratio = after[:, :, 1:] * shares[:, :, 1:2]
    np.testing.assert_allclose(ratio, shares[:, :, 1:] * after[:, :, 1:2], atol=1e-12)


@given(share_rows, arrays(float, (3, 4), elements=st.floats(0.0, 1.0)),
       arrays(float, (3, 4), elements=st.floats(1e8, 1e14)),
       arrays(float, (3,), elements=st.floats(1.0, 30.0)))
def test_zero_investment_leaves_shares_unchanged(shares, ceiling, scale, years):
    after = shares_after_investment(shares, ceiling, np.zeros((3, 4)), scale, years)
    assert np.array_equal(after, shares)


def test_zero_investment_model_output_equals_library_shares(model, defaults):
    out = run(model, defaults)
    for i, d in enumerate(model.domains):
        for j, o in enumerate(ORIGINS):
            np.testing.assert_allclose(out[P + "share_after"][0, i, j],
                                       defaults[f"{P}{d}.share.{o}"], atol=1e-12)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.sampled_from(["china", "us"]),
       st.floats(1.0, 30.0))
def test_risks_bounded_and_monotone_in_coercion(model, defaults, a, b, origin, years):
    values = dict(defaults)
    values[P + "horizon_years"] = years
    values[f"{P}coercion.{origin}.supply_cutoff"] = np.array([min(a, b), max(a, b)])
    out = run(model, values)
    risk = out[f"{P}{origin}_risk"]
    assert np.all((risk >= 0) & (risk <= 1))
    assert risk[1] >= risk[0] - 1e-15
    # Other origins' coercion does not leak into this risk.
    other = "us" if origin == "china" else "china"
    assert out[f"{P}{other}_risk"][0] == out[f"{P}{other}_risk"][1]


@given(st.integers(0, 2**32 - 1))
def test_all_outputs_bounded_for_any_valid_inputs(model, defaults, seed):
    rng = np.random.default_rng(seed)
    values = {}
    for path, spec in model.inputs.items():
        lo = spec.low or 0.0
        hi = min(spec.high if spec.high is not None else lo + 1.0, max(1e13, lo))
        values[path] = rng.uniform(lo, hi, 8)
    out = run(model, values)
    for key in ("china_risk", "us_risk", "autonomy_index", "complementarity"):
        assert np.all((out[P + key] >= 0.0) & (out[P + key] <= 1.0 + 1e-12)), key
    for key in ("harm_by_mode_jpy_per_year", "tail_harm_jpy_per_year",
                "dependence_jpy_per_year", "complementarity_gain"):
        assert np.all(out[P + key] >= 0.0), key
    # the mean of the worst 5 % of years is never below the mean of all years (CVaR >= E)
    expected = out[P + "harm_by_mode_jpy_per_year"].sum(axis=2)
    assert np.all(out[P + "tail_harm_jpy_per_year"] >= expected * (1 - 1e-12) - 1e-6)
    np.testing.assert_allclose(out[P + "share_after"].sum(axis=2), 1.0, atol=1e-12)


def test_investment_cuts_china_risk_and_raises_autonomy(model, defaults):
    values = dict(defaults)
    values[f"{P}rare_earths.investment_jpy_per_year"] = np.array([0.0, 1e11, 5e11])
    out = run(model, values)
    assert np.all(np.diff(out[P + "china_risk"]) < 0)
    assert np.all(np.diff(out[P + "autonomy_index"]) > 0)
    # the yen spent before a 2028 conflict: 2 build-up years (FY2026-27) × ¥0, ¥100B, ¥500B
    np.testing.assert_allclose(out[P + "investment_cost_jpy"],
                               [0.0, 2e11, 1e12])


# --- bad data: one line naming file and key ---------------------------------------------

def _override(tmp_path, body):
    path = tmp_path / "autonomy-override.yaml"
    path.write_text("model: autonomy\nparameters:\n" + textwrap.indent(textwrap.dedent(body),
                                                                      "  "), encoding="utf-8")
    return path


BAD = {
    "shares": ("cloud:\n  share:\n    japan: {base: 0.5, unit: dimensionless, assumption: x}\n",
               "autonomy.cloud.share", "sum to 1.2"),
    "weight": ("ai:\n  criticality_weight: {base: -1, unit: dimensionless, assumption: x}\n",
               "autonomy.ai.criticality_weight", "out of range"),
    "investment": ("ai:\n  investment_jpy_per_year: {base: -1.0e+9, unit: JPY/year, "
                   "assumption: x}\n", "autonomy.ai.investment_jpy_per_year", "out of range"),
    "coefficient": ("shipbuilding:\n  substitutability: {base: 1.2, unit: dimensionless, "
                    "assumption: x}\n", "autonomy.shipbuilding.substitutability",
                    "out of range"),
    "ceiling": ("cloud:\n  max_domestic_share: {base: 0.1, unit: dimensionless, "
                "assumption: x}\n", "autonomy.cloud.max_domestic_share", "below today's"),
    "capacity": ("cloud:\n  max_world_capacity_share: {base: 0.01, unit: dimensionless, "
                 "assumption: x}\n", "autonomy.cloud.max_world_capacity_share",
                 "below today's"),
    "probability": ("coercion:\n  us:\n    tariff: {base: 1.5, unit: dimensionless, "
                    "assumption: x}\n", "autonomy.coercion.us.tariff", "out of range"),
    "harm": ("cloud:\n  value_at_stake_jpy_per_year: {base: -1.0e+12, unit: JPY/year, "
             "assumption: x}\n", "autonomy.cloud.value_at_stake_jpy_per_year", "out of range"),
    "loss": ("loss_share:\n  supply_cutoff: {base: -0.1, unit: dimensionless, "
             "assumption: x}\n", "autonomy.loss_share.supply_cutoff", "out of range"),
    "duty": ("tariff:\n  harm_per_yen_of_duty: {base: -1, unit: dimensionless, "
             "assumption: x}\n", "autonomy.tariff.harm_per_yen_of_duty", "out of range"),
    "origin": ("cloud:\n  share:\n    mars: {base: 0.0, unit: dimensionless, assumption: x}\n",
               "autonomy.cloud.share.mars", "unknown origin"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_data_is_refused(tmp_path, case):
    body, key, words = BAD[case]
    path = _override(tmp_path, body)
    library = Library.load(extra=[path])
    with pytest.raises(InputError) as err:  # the tables when built, the defaults in the engine
        Engine([AutonomyModel.from_library(library)], library)
    line = err.value.line()
    assert str(path) in line and key in line and words in line and "\n" not in line


# --- the CLI --------------------------------------------------------------------------

SCENARIO = """\
name: autonomy-test
settings: {base_year: 2026, horizon_days: 120, futures: 4, seed: 1}
policies:
  status-quo: {}
  portfolio:
    autonomy.rare_earths.investment_jpy_per_year: 200 billion JPY/year
    autonomy.shipbuilding.investment_jpy_per_year: 1.0e+11
"""


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(*args, env=None):
    """``kaname autonomy table ...`` in-process (typer's CliRunner; a subprocess per call
    spends seconds importing)."""
    from typer.testing import CliRunner

    from kaname.cli import app

    res = CliRunner().invoke(app, ["autonomy", "table", *args], env=env)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return _Result(res.exit_code, res.stdout, res.stderr)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "autonomy.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return str(path)


def test_cli_json_before_and_after(scenario_file):
    res = _cli(scenario_file, "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["policy"] == "portfolio"  # the first policy that invests
    assert data["investment_jpy_per_year"]["rare_earths"] == pytest.approx(2e11)
    for d in data["domains"]:
        assert sum(data["share_after"][d].values()) == pytest.approx(1.0)
    assert data["share_after"]["rare_earths"]["japan"] > data["share_before"]["rare_earths"][
        "japan"]
    assert data["after"]["china_risk"] < data["before"]["china_risk"]
    # ¥300B a year (200B + 100B) over the 2 build-up years before the 2028 conflict
    assert data["investment_years"] == 2
    assert data["after"]["investment_cost_jpy"] == pytest.approx(2 * 3e11)
    assert data["before"]["investment_cost_jpy"] == 0


def test_cli_table_in_japanese(scenario_file):
    res = _cli(scenario_file, "--policy", "status-quo", "--lang", "ja")
    assert res.returncode == 0, res.stderr
    for word in ("中国リスク", "米国リスク", "レアアース", "日本", "投資前"):
        assert word in res.stdout


def test_cli_unknown_policy_one_line_exit_2(scenario_file):
    res = _cli(scenario_file, "--policy", "nope")
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "nope" in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_bad_data_one_line_exit_2(tmp_path, scenario_file):
    path = _override(tmp_path, BAD["shares"][0])
    res = _cli(scenario_file, env={"KANAME_DATA": str(path)})
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "\n" not in line and "autonomy.cloud.share" in line and str(path) in line
    assert "Traceback" not in res.stderr


def test_cli_negative_investment_in_scenario_exit_2(tmp_path):
    path = tmp_path / "neg.yaml"
    path.write_text(SCENARIO.replace("1.0e+11", "-1.0e+11"), encoding="utf-8")
    res = _cli(str(path))
    assert res.returncode == 2
    assert "autonomy.shipbuilding.investment_jpy_per_year" in res.stderr
    assert res.stderr.strip().count("\n") == 0


def test_us_supply_displaced_by_hand():
    """One domain, weight 1, visibility v: D = v · (s_US0 − s_US after), with the foreign
    shares shrinking pro rata (s_US after = s_US0 · (1 − s_J1)/(1 − s_J0)); 0 without
    investment."""
    library = Library.load()
    model = AutonomyModel.from_library(library)
    engine = Engine([model], library)
    base = {p: float(engine.default(p)) for p in model.inputs}
    for d in model.domains:
        base[f"autonomy.{d}.criticality_weight"] = 1.0 if d == "cloud" else 0.0
        base[f"autonomy.{d}.investment_jpy_per_year"] = 0.0
    base["autonomy.cloud.us_visibility"] = 0.6
    none = engine.evaluate(engine.columns_from(base, 1), 1)
    assert float(none["autonomy.us_supply_displaced"][0]) == 0.0
    base["autonomy.cloud.investment_jpy_per_year"] = 2e11
    out = engine.evaluate(engine.columns_from(base, 1), 1)
    shares = {o: base[f"autonomy.cloud.share.{o}"] for o in ("japan", "us", "china", "allies",
                                                            "rest")}
    total = sum(shares.values())
    s0, us0 = shares["japan"] / total, shares["us"] / total
    years = base["sustainment.conflict_year"] - model.settings.base_year
    top = max(base["autonomy.cloud.max_domestic_share"], s0)
    s1 = s0 + (top - s0) * -np.expm1(-2e11 * years / base["autonomy.cloud.investment_scale_jpy"])
    expected = 0.6 * (us0 - us0 * (1 - s1) / (1 - s0))
    assert float(out["autonomy.us_supply_displaced"][0]) == pytest.approx(expected, rel=1e-9)
