"""c2: conformance, closed forms, monotonicity and bad input (CLI exit 2, one line)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.data import Library
from kaname.engine import Engine
from kaname.errors import InputError
from kaname.models.c2 import C2Model, calendar
from kaname.models.c2.queueing import erlang_c
from kaname.testing import check_model


@pytest.fixture(scope="module")
def setup():
    library = Library.load()
    model = C2Model.from_library(library)
    engine = Engine([model], library)
    return model, {p: engine.default(p) for p in model.inputs}


def _eval(model, defaults, **over):
    x = {p: np.array([v], dtype=float) for p, v in defaults.items()}
    for k, v in over.items():
        x["c2." + k.replace("__", ".")] = np.array([v], dtype=float)
    return {k: float(np.ravel(v)[0]) if v.ndim == 1 else v[0] for k, v in model.evaluate(x).items()}


def test_conformance(setup):
    model, defaults = setup
    check_model(model, defaults, n=128)


def test_batch_independence_across_chunks_and_blocks(setup):
    # More samples than one chunk (4,096) and many mixture blocks (2,048): every subset
    # must still give bit-identical results.
    model, defaults = setup
    check_model(model, defaults, n=5000)


def test_no_samples_gives_empty_outputs(setup):
    model, defaults = setup
    out = model.evaluate({p: np.zeros(0) for p in defaults})
    assert out["c2.latency_median_h"].shape == (0,)
    assert out["c2.utilisation"].shape == (0, 3)


def test_declarations_are_one_source(setup):
    from dataclasses import replace

    from kaname.models.c2 import specs

    model, _ = setup
    # one source; only the clocks' defaults come from the data library's time zones
    assert dict(specs.INPUTS) == {p: replace(s, default=None) if p.endswith(".utc_offset_h")
                                  else s for p, s in model.inputs.items()}
    assert model.inputs["c2.indopacom.utc_offset_h"].default == -10
    assert dict(specs.OUTPUTS) == dict(model.outputs)
    assert "c2.jjoc.principal_share" not in model.inputs  # JJOC decides nothing
    assert "c2.usfj.jfhq_day_staff" in model.inputs
    assert "c2.indopacom.jfhq_day_staff" not in model.inputs


def test_engine_validates_before_evaluating(setup):
    model, defaults = setup
    bad = {**defaults, "c2.jjoc.day_staff": 0.0, "c2.jjoc.night_staff": 0.0}
    with pytest.raises(InputError, match="zero staff at every hour") as err:
        model.validate(bad)
    assert err.value.line().count("\n") == 0 and "c2.jjoc" in err.value.line()
    with pytest.raises(InputError, match="zero staff at every hour"):
        model.evaluate_dict(bad)
    model.validate({"c2.jjoc.day_staff": 0.0})  # a lone value: the pair check needs both


def test_time_zones_from_iana(setup):
    model, _ = setup
    assert model.offsets["jjoc"] - model.offsets["indopacom"] == 19.0


def test_erlang_c_closed_forms():
    # M/M/1: P(wait) = ρ; M/M/2 with a = 1: C = 1/3 (Erlang C by hand)
    assert erlang_c(np.array([1.0]), np.array([0.6]))[0] == pytest.approx(0.6)
    assert erlang_c(np.array([2.0]), np.array([1.0]))[0] == pytest.approx(1.0 / 3.0)


def test_deferral_closed_form():
    # A commander on duty 00–10 UTC every day; requests reach them uniformly over [11, 12):
    # peacetime waits to 24:00, i.e. uniform on (12, 13] hours: mean 12.5, variance 1/12.
    week = calendar.on_duty_week(np.array([0.0]), np.array([0.0]), np.array([10.0]),
                                 np.array([7.0]))
    wait = calendar.wait_to_available(week)
    for wake, mean_expected, var_expected in ((calendar.NEVER, 12.5, 1 / 12), (2.0, 2.0, 0.0)):
        on, mean, var = calendar.deferral_moments(np.full((24, 1), 11.5), wait,
                                                  np.full((168, 1), wake))
        assert on[0, 0] == 0 and mean[0, 0] == pytest.approx(mean_expected)
        assert var[0, 0] == pytest.approx(var_expected, abs=1e-4)   # float32 moments
    # Half the hour on duty: [9.5, 10.5) with duty ending at 10.
    on, _, _ = calendar.deferral_moments(np.full((24, 1), 10.0), wait,
                                         np.full((168, 1), calendar.NEVER))
    assert on[0, 0] == pytest.approx(0.5)


def test_des_deferral_matches_rule():
    # INDOPACOM 08–18 HST Monday–Friday is 18–04 UTC from Monday 18:00 UTC. On Tuesday 05
    # UTC (Monday 19 HST): peacetime waits to Tuesday 18 UTC (13 h), a crisis 2 h.
    week = calendar.on_duty_week(np.array([-10.0]), np.array([8.0]), np.array([18.0]),
                                 np.array([5.0]))
    wait = calendar.wait_to_available(week)[:, 0]
    peace = np.full(168, calendar.NEVER)
    crisis = calendar.wake_week([~week], [np.array([2.0])], np.array([True]))[:, 0]
    t = 24.0 + 5.0
    assert calendar.deferral(t, wait, peace) == pytest.approx(13.0)
    assert calendar.deferral(t, wait, crisis) == pytest.approx(2.0)
    assert calendar.deferral(24.0 + 20.0, wait, peace) == 0.0
    # Saturday 05 UTC (Friday 19 HST) waits to Monday 18 UTC in peacetime: 61 h.
    assert calendar.deferral(5 * 24.0 + 5.0, wait, peace) == pytest.approx(61.0)


def test_hawaii_route_is_slower_at_defaults(setup):
    model, defaults = setup
    hawaii = _eval(model, defaults, structure=0)
    jfhq = _eval(model, defaults, structure=1)
    assert jfhq["c2.latency_median_h"] < hawaii["c2.latency_median_h"]
    assert jfhq["c2.share_within_6h"] > hawaii["c2.share_within_6h"]


@given(st.floats(0.0, 0.95), st.floats(0.01, 0.05))
def test_more_delegation_never_slower(setup, delta, step):
    model, defaults = setup
    lo = _eval(model, defaults, structure=1, delegated_share=delta)
    hi = _eval(model, defaults, structure=1, delegated_share=delta + step)
    assert hi["c2.latency_mean_h"] <= lo["c2.latency_mean_h"] + 1e-9


@given(st.floats(0.5, 6.0))
def test_longer_transit_never_faster(setup, extra):
    model, defaults = setup
    base = _eval(model, defaults)
    slow = _eval(model, defaults, transit__usfj_indopacom_h=defaults[
        "c2.transit.usfj_indopacom_h"] + extra)
    assert slow["c2.latency_mean_h"] >= base["c2.latency_mean_h"]


def test_no_principal_no_queue_is_pure_transit_and_work(setup):
    # Huge desks, no commander, no spread: latency = work + transit, exactly.
    model, defaults = setup
    over = {f"{n}__{k}": 200 for n in ("jjoc", "usfj", "indopacom")
            for k in ("day_staff", "night_staff")}
    over |= {f"{n}__service_log_sd": 0.0 for n in ("jjoc", "usfj", "indopacom")}
    over |= {"usfj__principal_share": 0.0, "indopacom__principal_share": 0.0, "structure": 0}
    out = _eval(model, defaults, **over)
    expected = (defaults["c2.jjoc.service_median_min"] + defaults["c2.usfj.service_median_min"]
                + defaults["c2.indopacom.service_median_min"]) / 60.0 + 2 * (
        defaults["c2.transit.jjoc_usfj_h"] + defaults["c2.transit.usfj_indopacom_h"])
    assert out["c2.latency_mean_h"] == pytest.approx(expected, rel=1e-3)
    assert out["c2.latency_median_h"] == pytest.approx(expected, rel=2e-2)


def test_overload_caps_throughput(setup):
    model, defaults = setup
    out = _eval(model, defaults, arrivals_per_day_crisis=2000.0)
    assert out["c2.max_utilisation"] > 1.0
    assert out["c2.decisions_per_day"] < 2000.0


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(*args, env=None):
    """Run ``kaname c2 ...`` in-process (the full CLI starts slowly as a subprocess)."""
    from typer.testing import CliRunner

    from kaname.cli import app

    extra = {k: v for k, v in (env or {}).items() if k == "KANAME_DATA"}
    res = CliRunner().invoke(app, ["c2", *args], env=extra)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return _Result(res.exit_code, res.stdout, res.stderr)


def test_cli_module_entry_point():
    res = subprocess.run([sys.executable, "-m", "kaname.cli", "c2", "queue",
                          "--arrivals-per-hour", "1", "--service-minutes", "30", "--servers",
                          "0"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "--servers" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_queue_command_json():
    res = _cli("queue", "--arrivals-per-hour", "2", "--service-minutes", "30", "--servers",
               "2", "--hours", "500", "--seed", "3", "--format", "json")
    assert res.returncode == 0, res.stderr
    import json

    data = json.loads(res.stdout)
    assert data["mean_wait_minutes"] >= 0 and "erlang_c_mean_wait_minutes" in data


@pytest.mark.parametrize(("args", "key"), [
    (("queue", "--arrivals-per-hour", "2", "--service-minutes", "30", "--servers", "0"),
     "--servers"),
    (("queue", "--arrivals-per-hour", "-1", "--service-minutes", "30", "--servers", "2"),
     "--arrivals-per-hour"),
])
def test_queue_bad_input(args, key):
    res = _cli(*args)
    assert res.returncode == 2
    assert key in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


SCENARIO = """name: c2-test
settings: {{base_year: 2026, horizon_days: 30, futures: 10, seed: 1}}
policies:
  jfhq: {{c2.structure: jfhq_in_japan, c2.delegated_share: {share}}}
"""


@pytest.mark.parametrize(("data", "key"), [
    ("jjoc:\n    day_staff: {value: 0, unit: person, assumption: x}\n"
     "    night_staff: {value: 0, unit: person, assumption: x}\n", "c2.jjoc"),
    ("transit:\n    jjoc_usfj_h: {value: -1, unit: hour, assumption: x}\n",
     "c2.transit.jjoc_usfj_h"),
    ("guam:\n    day_staff: {value: 3, unit: person, assumption: x}\n", "c2.guam"),
])
def test_simulate_bad_data(tmp_path, data, key):
    extra = tmp_path / "bad.yaml"
    extra.write_text("model: c2\nparameters:\n  " + data, encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(share=0.5), encoding="utf-8")
    env = dict(os.environ, KANAME_DATA=str(extra))
    res = _cli("simulate", str(scenario), "--days", "1", "--replications", "1", env=env)
    assert res.returncode == 2, res.stdout
    assert key in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_simulate_delegated_share_out_of_range(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(share=1.5), encoding="utf-8")
    res = _cli("simulate", str(scenario), "--days", "1", "--replications", "1")
    assert res.returncode == 2
    assert "delegated_share" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_simulate_runs_and_writes_records(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(share=0.5), encoding="utf-8")
    records = tmp_path / "rec.csv"
    res = _cli("simulate", str(scenario), "--days", "2", "--replications", "2", "--format",
               "json", "--records", str(records))
    assert res.returncode == 0, res.stderr
    import json

    data = json.loads(res.stdout)
    assert set(data["structures"]) == {"hawaii_centric", "jfhq_in_japan"}
    lines = records.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("structure,replication")
    assert len(lines) - 1 == sum(s["simulation"]["requests"]
                                 for s in data["structures"].values())


def _brute_quantile(weight, lo, hi, q):
    """Bisection on the mixture CDF Σ w·clip((x − lo)/(hi − lo), 0, 1), in float64."""
    width = np.maximum(hi - lo, 1e-12)
    cdf = lambda x: float(np.sum(weight * np.clip((x - lo) / width, 0.0, 1.0)))  # noqa: E731
    a, b = float(lo.min()), float(hi.max())
    for _ in range(80):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if cdf(mid) < q else (a, mid)
    return 0.5 * (a + b), cdf


@pytest.mark.parametrize("samples", [1, 7, 1500])
def test_mixture_quantiles_match_bisection(samples):
    # Random mixtures of uniform cells (some point masses, some zero weights), checked
    # against plain bisection on the CDF written out above.
    from kaname.models.c2.mixture import mixture_summary

    rng = np.random.default_rng(samples)
    cells = 60
    weight = rng.random((cells, samples)) * (rng.random((cells, samples)) > 0.1)
    weight /= weight.sum(axis=0)
    mean = rng.uniform(0.0, 40.0, (cells, samples))
    var = rng.uniform(0.0, 9.0, (cells, samples)) * (rng.random((cells, samples)) > 0.2)
    (q50, q90), (within6,) = mixture_summary([(weight, mean, var)], (0.5, 0.9), (6.0,))
    half = np.sqrt(3.0 * var)
    lo, hi = np.maximum(mean - half, 0.0), mean + half
    for s in range(0, samples, max(1, samples // 40)):
        for q, got in ((0.5, q50[s]), (0.9, q90[s])):
            expected, cdf = _brute_quantile(weight[:, s], lo[:, s], hi[:, s], q)
            span = hi[:, s].max() - lo[:, s].min()
            assert got == pytest.approx(expected, abs=1e-4 * span), (s, q)
        assert within6[s] == pytest.approx(cdf(6.0), abs=1e-4)


@settings(max_examples=30, deadline=None)
@given(offset=st.integers(-12, 14))
def test_a_nodes_clock_is_an_input_and_uniform_arrivals_make_it_irrelevant(setup, offset):
    """With requests arriving uniformly round the clock and no backlog upstream (JJOC and
    USFJ staffed the same at every hour), rotating INDOPACOM's whole day (its clock) moves
    nothing: its arrivals look the same at every hour (the source of #15's measurement that
    a time-zone shift barely moves the median). Moving its clock is one input."""
    model, defaults = setup
    flat = {"jjoc__night_staff": defaults["c2.jjoc.day_staff"],
            "usfj__night_staff": defaults["c2.usfj.day_staff"],
            "arrivals_per_day_crisis": 12.0, "diurnal_strength": 0.0, "combined_share": 0.0}
    hawaii = _eval(model, defaults, **flat)
    moved = _eval(model, defaults, **flat, indopacom__utc_offset_h=float(offset))
    for k in ("c2.latency_mean_h", "c2.latency_median_h", "c2.share_within_6h"):
        assert moved[k] == pytest.approx(hawaii[k], abs=2e-3), (offset, k)
    assert abs(hawaii["c2.latency_clock_h"]) < 2e-3 and abs(moved["c2.latency_clock_h"]) < 2e-3


def test_tokyos_day_and_combined_steps_make_the_clock_matter(setup):
    """With requests following Tokyo's day and combined steps waiting for both commanders,
    INDOPACOM on Tokyo's clock decides the Hawaii-centric route faster, and the clock's
    part of the decomposition is that difference."""
    model, defaults = setup
    rhythm = {"diurnal_strength": 1.0, "combined_share": 0.5, "structure": 0}
    for situation in (0, 1):
        hawaii = _eval(model, defaults, **rhythm, situation=situation)
        tokyo = _eval(model, defaults, **rhythm, situation=situation,
                      indopacom__utc_offset_h=9.0)
        assert tokyo["c2.latency_mean_h"] < hawaii["c2.latency_mean_h"] - 0.05, situation
        assert hawaii["c2.latency_clock_h"] == pytest.approx(
            hawaii["c2.latency_mean_h"] - tokyo["c2.latency_mean_h"], abs=1e-3)
        assert tokyo["c2.latency_clock_h"] == pytest.approx(0.0, abs=1e-6)


@given(structure=st.sampled_from([0, 1]), situation=st.sampled_from([0, 1]),
       per_day=st.floats(0.0, 10000.0), diurnal=st.floats(0.0, 1.0),
       combined=st.floats(0.0, 1.0))
def test_decomposition_sums_to_the_mean_and_latency_is_finite(setup, structure, situation,
                                                              per_day, diurnal, combined):
    model, defaults = setup
    out = _eval(model, defaults, structure=structure, situation=situation,
                arrivals_per_day_crisis=per_day, arrivals_per_day_peacetime=per_day,
                diurnal_strength=diurnal, combined_share=combined)
    parts = sum(out[f"c2.latency_{k}_h"] for k in ("transit", "work", "queue", "principal",
                                                    "clock"))
    assert parts == pytest.approx(out["c2.latency_mean_h"], rel=1e-5, abs=1e-5)
    for k in ("c2.latency_mean_h", "c2.latency_median_h", "c2.latency_p95_h"):
        assert np.isfinite(out[k]) and out[k] >= 0.0, k
    assert 0.0 <= out["c2.overloaded_hours_share"] <= 1.0


def test_moving_indopacom_onto_tokyos_clock_is_one_line_of_yaml(tmp_path):
    from kaname.scenario import load_scenario

    path = tmp_path / "clock.yaml"
    path.write_text("name: clock\nmodels: [c2]\nsettings: {futures: 4}\npolicies: {a: {}}\n"
                    "uncertainties:\n"
                    "  c2.indopacom.utc_offset_h: {dist: integers, low: 9, high: 9}\n",
                    encoding="utf-8")
    sc = load_scenario(path)
    assert sc.uncertainties["c2.indopacom.utc_offset_h"].params == {"low": 9.0, "high": 9.0}


def test_a_clock_outside_the_world_is_refused(setup):
    model, _ = setup
    with pytest.raises(InputError, match="utc_offset_h"):
        Engine([model], Library.load()).validate({"c2.indopacom.utc_offset_h": 15.0})


@settings(max_examples=25, deadline=None)
@given(offsets=st.tuples(st.integers(-12, 14), st.integers(-12, 14)),
       starts=st.tuples(st.integers(0, 23), st.integers(0, 23)),
       lengths=st.tuples(st.integers(1, 24), st.integers(1, 24)),
       workdays=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       wakeups=st.tuples(st.floats(0.0, 30.0), st.floats(0.0, 30.0)),
       crisis=st.booleans(), seed=st.integers(0, 2**16))
def test_the_approximations_wake_rule_is_the_simulations_wake_week(offsets, starts, lengths,
                                                                   workdays, wakeups, crisis,
                                                                   seed):
    """The approximation reads wake-ups through WakeRule (per distinct calendar, with the
    single step's hour-free shortcut); the simulation through wake_week (168 × samples).
    Both must give the same moments, for one principal and for two."""
    weeks = [calendar.on_duty_week(np.array([float(o)]), np.array([float(s)]),
                                   np.array([float((s + n) % 24)]), np.array([float(w)]))
             for o, s, n, w in zip(offsets, starts, lengths, workdays, strict=True)]
    reach = np.random.default_rng(seed).uniform(0.0, 48.0, (24, 1)).astype(np.float32)
    flag = np.array([crisis])
    for who in ([0], [0, 1]):
        available = np.logical_and.reduce([weeks[k] for k in who])
        wait = calendar.wait_to_available(available)
        array = calendar.wake_week([~weeks[k] for k in who],
                                   [np.array([wakeups[k]]) for k in who], flag)
        rule = calendar.WakeRule(tuple((~weeks[k]).astype(np.float32) for k in who),
                                 tuple(np.array([wakeups[k]], dtype=np.float32) for k in who),
                                 flag)
        for a, b in zip(calendar.deferral_moments(reach, wait, array),
                        calendar.deferral_moments(reach, wait, rule), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
