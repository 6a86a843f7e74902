"""Autonomy model: shares stay a distribution, zero investment is a no-op, risks bounded and
monotone, the formulas checked against a plain-Python reimplementation, and bad data."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaname.data import Library
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.models.autonomy import ORIGINS, AutonomyModel, shares_after_investment
from kaname.models.base import Settings
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
    levers = [p for p, s in model.inputs.items() if s.lever]
    assert sorted(levers) == sorted(f"{P}{d}.investment_jpy_per_year" for d in model.domains)


def reference_outputs(values, domains):
    """The formulas of DESIGN §3.6, written out with loops over plain floats: the shares
    after T = conflict year - base year years of investment (the one clock), the coercion
    probabilities over the risk horizon H."""
    y = max(values["sustainment.conflict_year"] - Settings().base_year, 0.0)
    h = values[P + "horizon_years"]
    total_w = sum(values[f"{P}{d}.criticality_weight"] for d in domains)
    risk = dict.fromkeys(ORIGINS, 0.0)
    autonomy, comp_num, comp_den, cost = 1.0, 0.0, 0.0, 0.0
    for d in domains:
        s = {o: values[f"{P}{d}.share.{o}"] for o in ORIGINS}
        row = sum(s.values())
        s = {o: v / row for o, v in s.items()}
        invest = values[f"{P}{d}.investment_jpy_per_year"]
        k = values[f"{P}{d}.investment_scale_jpy"]
        top = max(values[f"{P}{d}.max_domestic_share"], s["japan"])
        japan = s["japan"] + (top - s["japan"]) * (1 - math.exp(-invest * y / k))
        after = {o: (japan if o == "japan" else s[o] * (1 - japan) / (1 - s["japan"]))
                 for o in ORIGINS}
        w = values[f"{P}{d}.criticality_weight"] / total_w
        exposed = w * (1 - values[f"{P}{d}.substitutability"])
        for o in ORIGINS[1:]:
            pi = 1 - (1 - values[f"{P}coercion.{o}"]) ** h
            risk[o] += exposed * after[o] * pi
        autonomy -= exposed * max(after[o] for o in ORIGINS[1:])
        gap = values[f"{P}{d}.us_gap"]
        comp_num += gap * japan
        comp_den += gap
        cost += invest * y
    return {"china_risk": risk["china"], "us_risk": risk["us"], "autonomy_index": autonomy,
            "complementarity": comp_num / comp_den, "investment_cost_jpy": cost}


def test_matches_plain_python_reference(model, defaults):
    values = dict(defaults)
    values.update({f"{P}rare_earths.investment_jpy_per_year": 2.0e11,
                   f"{P}shipbuilding.investment_jpy_per_year": 1.0e11,
                   f"{P}cloud.investment_jpy_per_year": 5.0e10})
    out = run(model, values)
    for key, expected in reference_outputs(values, model.domains).items():
        np.testing.assert_allclose(out[P + key][0], expected, rtol=1e-12, err_msg=key)


def test_hand_computed_default_risks(model, defaults):
    # China risk at the library defaults, by hand (weights sum to 155; 5-year horizon):
    # sum_T w (1-sub) s_china = 0.875 + 0.14 + 0.12 + 0.025 + 4.2 + 9.75 + 0 + 0 + 1.08 + 4.97
    #                         = 21.16;  pi_china = 1 - 0.875**5
    out = run(model, defaults)
    np.testing.assert_allclose(out[P + "china_risk"][0], 21.16 / 155 * (1 - 0.875 ** 5),
                               rtol=1e-9)
    # Complementarity: (0.3*0.5 + 0.3*0.35 + 0.4*0.3 + 0.5*0.21 + 0.9*0.08) / 2.4 = 0.23,
    # which is also deterrence.complementarity's default.
    np.testing.assert_allclose(out[P + "complementarity"][0], 0.23, rtol=1e-12)


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
    values[f"{P}coercion.{origin}"] = np.array([min(a, b), max(a, b)])
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
        hi = min(spec.high if spec.high is not None else 1.0, 1e13)
        values[path] = rng.uniform(lo, hi, 8)
    out = run(model, values)
    for key in ("china_risk", "us_risk", "autonomy_index", "complementarity"):
        assert np.all((out[P + key] >= 0.0) & (out[P + key] <= 1.0 + 1e-12)), key
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
                "assumption: x}\n", "autonomy.cloud.max_domestic_share", "below Japan"),
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
