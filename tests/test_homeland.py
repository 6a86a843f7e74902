"""homeland: geometry against closed forms, Poisson engagement against direct summation,
cost arithmetic by hand, monotonicity (hypothesis), conformance and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import poisson

from kaname.engine import Engine
from kaname.errors import InputError
from kaname.models.base import Settings
from kaname.models.homeland import HomelandModel
from kaname.models.homeland import geometry as geo
from kaname.models.homeland.engagement import (
    constellation_for_salvo,
    expected_engaged,
    limited_layer,
    prob_all_engaged,
)
from kaname.models.homeland.model import THREATS
from kaname.testing import check_model

R_SHELL = 6371.0 + 400.0


@pytest.fixture(scope="module")
def model(library):
    return HomelandModel.from_library(library, Settings())


@pytest.fixture(scope="module")
def defaults(model, library):
    return model.defaults(library)


def columns(defaults, n=1, **overrides):
    x = {k: np.full(n, v, dtype=float) for k, v in defaults.items()}
    for k, v in overrides.items():
        x["homeland." + k.replace("__", ".")] = np.broadcast_to(np.asarray(v, float), (n,)).copy()
    return x


# -- geometry ---------------------------------------------------------------------------------
@pytest.mark.parametrize("centre,rho", [(c, r) for c in (0.0, 20.0, 39.7, 60.0)
                                         for r in (0.01, 0.06, 0.3, 0.9)
                                         if math.radians(c) + r < math.pi / 2])
def test_reach_cap_area_matches_closed_form(centre, rho):
    """Caps that do not contain a pole (reach caps are a few degrees)."""
    closed = 2 * math.pi * R_SHELL**2 * (1 - math.cos(rho))
    assert geo.cap_area(R_SHELL, rho) == pytest.approx(closed, rel=1e-12)
    # integrate the cap band by band with the half-width in longitude
    assert geo.cap_area_by_bands(R_SHELL, math.radians(centre), rho) == pytest.approx(
        closed, rel=2e-4)


def test_reach_cap_area_by_direct_double_integral():
    """Area of {points within angle ρ of (φ0, 0)} by scipy dblquad equals 2πR²(1 − cos ρ)."""
    phi0, rho = math.radians(39.7), 0.2

    def inside(lon, lat):
        cosd = math.sin(lat) * math.sin(phi0) + math.cos(lat) * math.cos(phi0) * math.cos(lon)
        return math.cos(lat) if cosd >= math.cos(rho) else 0.0

    area, _ = integrate.dblquad(inside, phi0 - rho, phi0 + rho, -0.4, 0.4, epsabs=1e-10)
    assert area == pytest.approx(2 * math.pi * (1 - math.cos(rho)), rel=2e-3)


@pytest.mark.parametrize("incl", [10.0, 30.0, 48.0, 63.4, 90.0])
def test_latitude_density_integrates_to_one(incl):
    i = math.radians(incl)
    # the pdf has inverse-square-root singularities at ±i: integrate the smooth remainder
    # against QUADPACK's algebraic weight (φ + i)^(-1/2) (i − φ)^(-1/2)
    def smooth(p):
        return float(geo.latitude_pdf(p, i)) * math.sqrt(max((p + i) * (i - p), 0.0))

    total, _ = integrate.quad(smooth, -i, i, weight="alg", wvar=(-0.5, -0.5), limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)


def test_latitude_density_closed_form():
    # g(0, 90°) = 2/π; g vanishes outside the band
    assert geo.latitude_density(0.0, math.pi / 2) == pytest.approx(2 / math.pi)
    assert geo.latitude_density(math.radians(50), math.radians(40)) == 0.0


def test_share_in_reach_whole_sphere_and_small_cap():
    assert geo.share_in_reach(10.0, 50.0, math.pi) == pytest.approx(1.0, abs=1e-9)
    # small cap far from the band edge: f ≈ cap share × g(φ, i)
    rho = 0.005
    f = geo.share_in_reach(20.0, 60.0, rho)
    expect = geo.cap_share_uniform(rho) * geo.latitude_density(math.radians(20), math.radians(60))
    assert f == pytest.approx(expect, rel=1e-4)


@pytest.mark.parametrize("lat,incl,rho", [(39.7, 48.0, 0.06), (39.7, 40.5, 0.06),
                                          (45.0, 45.0, 0.1), (10.0, 28.5, 0.3)])
def test_share_in_reach_against_direct_quadrature(lat, incl, rho):
    """f = 1/(4π) ∫ g(φ) 2Δλ(φ) cos φ dφ over the cap, integrated by scipy in φ directly."""
    phi0, i = math.radians(lat), math.radians(incl)
    lo, hi = phi0 - rho, min(phi0 + rho, i)

    def integrand(p):
        return float(geo.latitude_density(p, i) * 2 * geo.cap_half_width(p, phi0, rho)
                     * math.cos(p)) / (4 * math.pi)

    points = [i] if lo < i < hi else None
    direct, _ = integrate.quad(integrand, lo, hi, points=points, limit=500, epsabs=1e-13)
    assert geo.share_in_reach(lat, incl, rho) == pytest.approx(direct, rel=5e-3)


# -- engagement -------------------------------------------------------------------------------
@pytest.mark.parametrize("n,s,mu", [(1, 1, 0.7), (3, 1, 2.5), (5, 2, 7.3), (10, 1, 9.0),
                                    (20, 3, 40.0), (4, 1, 0.0)])
def test_poisson_engagement_against_direct_summation(n, s, mu):
    k = np.arange(0, 400)
    pmf = poisson.pmf(k, mu) if mu > 0 else (k == 0).astype(float)
    direct_mean = float(np.sum(np.minimum(n, k // s) * pmf))
    direct_all = float(np.sum(pmf[k >= n * s]))
    assert expected_engaged(np.array([n]), s, np.array([mu]))[0] == pytest.approx(direct_mean,
                                                                                   abs=1e-12)
    assert prob_all_engaged(np.array([n]), s, np.array([mu]))[0] == pytest.approx(direct_all,
                                                                                  abs=1e-12)


@pytest.mark.parametrize("n,s,c,f", [(1, 1, 0.9, 1 / 673.5), (2, 1, 0.9, 0.002),
                                     (10, 2, 0.95, 0.001)])
def test_constellation_is_smallest_meeting_confidence(n, s, c, f):
    count = constellation_for_salvo(n, s, c, f)
    assert poisson.sf(n * s - 1, count * f) >= c
    assert poisson.sf(n * s - 1, (count - 1) * f) < c


def test_one_missile_closed_form():
    # P(K ≥ 1) = 1 − exp(−N f) ≥ c  ⇔  N ≥ −ln(1 − c)/f
    f = 0.0015
    assert constellation_for_salvo(1, 1, 0.9, f) == math.ceil(-math.log(0.1) / f)


def test_limited_layer_arithmetic():
    threats = np.array([[4.0, 6.0]])
    survivors, used = limited_layer(threats, np.array([1.0, 1.0]), 1.0, np.array([10.0]),
                                    2.0, 0.75)
    # demand 20 rounds, inventory 10: half of each class engaged, 3/4 of those killed
    assert survivors.tolist() == [[4 - 2 * 0.75, 6 - 3 * 0.75]]
    assert used.sum() == pytest.approx(10.0)


# -- calibration ----------------------------------------------------------------------------
def test_calibration_aps_2003_order(model, defaults):
    """One solid ICBM from North Korea's latitude: of the order of APS 2003's ~1,600."""
    x = columns(defaults)
    f = model.geometry(x, "icbm_solid")["share_in_reach"][0]
    count = constellation_for_salvo(1, 1, defaults["homeland.sbi.design_confidence"], f)
    assert 1000 <= count <= 2500


# -- cost ---------------------------------------------------------------------------------
def test_sbi_cost_arithmetic_by_hand(model, defaults):
    """1,000 SBIs, first launch in the base year, 4-year build-up, 5-year life: 4 generations."""
    base = Settings().base_year
    x = columns(defaults, sbi__count_override=1000, sbi__first_launch_year=base,
                sbi__buildup_years=4, sbi__service_life=5, sbi__unit_cost=22e6, sbi__mass=1250,
                sbi__launch_price=500, sbi__development_cost=10e9, os_share_per_year=0.05)
    out = model.evaluate(x)
    launches = 1000 * 4  # D(20) + D(15) + D(10) + D(5)
    per_sbi = 22e6 + 1250 * 500
    in_service_years = 1000 * (20 - 4 / 2)  # ∫₀²⁰ D = N (H − B/2)
    hand = launches * per_sbi + in_service_years * 22e6 * 0.05 + 10e9
    assert out["homeland.sbi_layer_cost_20y_usd"][0] == pytest.approx(hand, rel=1e-12)
    assert out["homeland.sbi_count"][0] == 1000
    # by year: 250 launches in years 0-3, none in year 4, then replacements of the cohorts
    from kaname.models.homeland.cost import annual_launches
    by_year = annual_launches(np.array([1000.0]), 0.0, 4.0, 5.0, 20)[0]
    assert by_year.tolist() == [250, 250, 250, 250, 0] * 4


def test_other_layers_cost_by_hand(model, defaults):
    """no_sbi: sensors each year + NGIs + GPIs + batteries + Coyotes, acquisition and O&S."""
    arch = model.architectures.index("no_sbi")
    x = columns(defaults, architecture=arch)
    out = model.evaluate(x)
    d = defaults
    a = "homeland.architectures.no_sbi."
    h, years, os_share = 20, d["homeland.acquisition_years"], d["homeland.os_share_per_year"]
    full_years = h - years / 2  # years of full O&S after a linear fielding
    ngi = d[a + "midcourse_new_interceptors"]
    gpi = d[a + "gpi_interceptors"] * d["homeland.glide.unit_cost"]
    term = d[a + "terminal_batteries"] * d["homeland.terminal.battery_cost"]
    cd = d[a + "counter_drone_interceptors"] * d["homeland.counter_drone.unit_cost"]
    hand = (h * d["homeland.sensors.annual_cost"]
            + ngi * d["homeland.midcourse.unit_cost"]
            + full_years * ngi * d["homeland.midcourse.os_per_interceptor_year"]
            + gpi + d["homeland.glide.development_cost"] + full_years * gpi * os_share
            + term + full_years * term * os_share + cd + full_years * cd * os_share)
    assert out["homeland.sbi_layer_cost_20y_usd"][0] == 0.0
    assert out["homeland.cost_20y_usd"][0] == pytest.approx(hand, rel=1e-12)
    assert out["homeland.annual_cost_usd"][0].sum() == pytest.approx(hand, rel=1e-12)


# -- monotonicity (hypothesis) ------------------------------------------------------------
raids = st.tuples(*[st.integers(0, 40) for _ in range(5)])


@given(raid=raids, extra=st.integers(1, 30), cls=st.integers(0, 4),
       count=st.integers(1, 6000), more=st.integers(1, 6000), arch=st.integers(0, 2))
def test_more_interceptors_fewer_leakers_larger_salvo_more(model, defaults, raid, extra, cls,
                                                           count, more, arch):
    threats = ("icbm_liquid", "icbm_solid", "hgv", "cruise", "drone")
    base = {f"threats__{k}__raid_size": r for k, r in zip(threats, raid, strict=True)}
    x0 = columns(defaults, architecture=arch, sbi__count_override=count, **base)
    leak0 = model.evaluate(x0)["homeland.expected_leakers_total"][0]
    # more SBIs (a count ≥ 1 is used as given; 0 would mean "size for the design salvo")
    x1 = columns(defaults, architecture=arch, sbi__count_override=count + more, **base)
    assert model.evaluate(x1)["homeland.expected_leakers_total"][0] <= leak0 + 1e-9
    # more terrestrial interceptors of every kind
    a = model.architectures[arch]
    x2 = dict(x0)
    for key in ("midcourse_new_interceptors", "gpi_interceptors", "terminal_batteries",
                "counter_drone_interceptors"):
        x2[f"homeland.architectures.{a}.{key}"] = x0[f"homeland.architectures.{a}.{key}"] + extra
    assert model.evaluate(x2)["homeland.expected_leakers_total"][0] <= leak0 + 1e-9
    # larger salvo in one class
    bigger = dict(base)
    bigger[f"threats__{threats[cls]}__raid_size"] = raid[cls] + extra
    x3 = columns(defaults, architecture=arch, sbi__count_override=count, **bigger)
    out3 = model.evaluate(x3)
    assert out3["homeland.expected_leakers_total"][0] >= leak0 - 1e-9
    assert out3["homeland.p_no_leak_total"][0] <= model.evaluate(x0)["homeland.p_no_leak_total"][0] + 1e-12


# -- conformance, vectorisation and bad input ------------------------------------------
def test_check_model(model, defaults):
    typical = dict(defaults)
    typical["homeland.threat_latitude"] = 20.0   # sampled in [10, 30]
    typical["homeland.sbi.inclination"] = 60.0   # sampled in [30, 90]: never below the latitude
    typical["homeland.sbi.detection_delay"] = 20.0  # delays ≤ 30 + 30 < boost ≥ 85 s
    typical["homeland.sbi.decision_delay"] = 20.0
    check_model(model, typical)


def test_vectorised_equals_one_by_one(model, defaults):
    rng = np.random.default_rng(3)
    n = 16
    x = columns(defaults, n=n)
    x["homeland.architecture"] = rng.integers(0, 3, n).astype(float)
    x["homeland.threats.icbm_solid.raid_size"] = rng.integers(0, 20, n).astype(float)
    x["homeland.sbi.kill_vehicle_speed"] = rng.uniform(3, 6, n)
    whole = model.evaluate(x)
    for i in (0, 7, 15):
        one = model.evaluate({k: v[i:i + 1] for k, v in x.items()})
        for k in whole:
            assert np.allclose(whole[k][i], one[k][0])


@pytest.mark.parametrize("override,key", [
    ({"sbi__inclination": 30.0}, "homeland.sbi.inclination"),
    ({"threats__icbm_solid__boost_time": 60.0}, "homeland.threats.icbm_solid.boost_time"),
    ({"threats__drone__raid_size": -3.0}, "homeland.threats.drone.raid_size"),
])
def test_bad_input_names_key(model, defaults, library, override, key):
    # the validate hook, and the engine (which calls it before every evaluation)
    with pytest.raises(InputError) as err:
        model.validate(columns(defaults, **override))
    assert key in err.value.line() and "\n" not in err.value.line()
    engine = Engine([model], library)
    with pytest.raises(InputError) as err:
        engine.evaluate(columns({}, **override), 1)
    assert key in err.value.line()


def test_validate_checks_only_the_inputs_given(model):
    # a scenario's fixed values: a check runs when all its inputs are there; scalars work
    model.validate({"homeland.sbi.inclination": 30.0})
    model.validate({"homeland.threats.hgv.boost_time": 10.0, "homeland.sbi.pk": 0.5})
    with pytest.raises(InputError, match="below the launch latitude"):
        model.validate({"homeland.sbi.inclination": 30.0,
                        "homeland.threat_latitude": np.array([20.0, 40.0])})


def test_sbis_in_orbit_are_the_state_in_the_conflict_year(model, defaults):
    """The one clock: SBIs launched in the build-up years b .. Y - 1 are in orbit. 1,000 SBIs,
    first launch 2027 (offset 1 from the 2026 base year), 4-year build-up: N·clip((T - 1)/4)
    with T = Y - 2026, so 0 for a 2026 or 2027 conflict, 250 for 2028, 1,000 from 2031."""
    years = np.array([2026.0, 2027.0, 2028.0, 2029.0, 2031.0, 2040.0])
    x = columns(defaults, n=len(years), sbi__count_override=1000,
                sbi__first_launch_year=2027, sbi__buildup_years=4)
    x["sustainment.conflict_year"] = years
    out = model.evaluate(x)
    np.testing.assert_allclose(out["homeland.sbi_deployed"], [0, 0, 250, 500, 1000, 1000])
    # the cost window does not move with the conflict year
    assert np.all(out["homeland.cost_20y_usd"] == out["homeland.cost_20y_usd"][0])
    # GPIs defend from their availability year on
    x["homeland.glide.available_year"] = np.full(len(years), 2029.0)
    x["homeland.threats.hgv.raid_size"] = np.full(len(years), 10.0)
    x["homeland.sbi.pk"] = np.zeros(len(years))  # SBIs kill nothing: only the GPIs move
    leak = model.evaluate(x)["homeland.expected_leakers"][:, THREATS.index("hgv")]
    assert leak[3] < leak[2] == leak[0] and leak[5] == leak[4] == leak[3]


def test_homeland_reads_the_conflict_year_not_an_assessment_year(model):
    assert "homeland.assessment_year" not in model.inputs
    assert model.inputs["sustainment.conflict_year"].unit == "calendar_year"


def test_expected_engaged_does_not_depend_on_the_batch():
    """A sample's sum stops at its own k_stop, so any subset of a batch gives the same bits
    (the property explore's bit-identity across chunk sizes rests on)."""
    from kaname.models.homeland.engagement import expected_engaged

    rng = np.random.default_rng(11)
    n = rng.integers(1, 60, 500).astype(float)
    s = rng.integers(1, 4, 500).astype(float)
    mu = np.concatenate([rng.uniform(0.0, 5.0, 250), rng.uniform(5.0, 900.0, 250)])
    whole = expected_engaged(n, s, mu)
    for idx in (np.arange(0, 500, 7), np.array([3]), np.arange(250, 260), np.arange(100)):
        np.testing.assert_array_equal(expected_engaged(n[idx], s[idx], mu[idx]), whole[idx])
