"""c2: the SimPy simulation against queueing theory, and the approximation against the simulation.

The Erlang-C formula below is written out here, independently of the model code, from the
textbook M/M/c result (Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing
Theory*, 4th ed., Wiley 2008, §2.3 "Multiserver queues (M/M/c)"; Kleinrock, *Queueing
Systems* Vol. I, Wiley 1975, ch. 3, M/M/m):

    a = λ/μ,  ρ = a/c < 1
    C(c, a) = [a^c / c! · c/(c − a)] / [Σ_{k=0}^{c−1} a^k/k! + a^c / c! · c/(c − a)]
    W_q = C(c, a) / (c μ − λ)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from kaname.data import Library
from kaname.engine import Engine
from kaname.models.c2 import C2Model
from kaname.models.c2.des import (
    compare_structures,
    decompose,
    network_from_values,
    replicate,
    simulate_single_node,
    summarise,
)
from kaname.models.c2.validation import compare_future, scenario_futures, within_tolerance


def erlang_c_mean_wait(lam: float, mu: float, c: int) -> float:
    """Textbook M/M/c mean wait in queue (hours), by direct summation."""
    a = lam / mu
    assert a < c
    tail = a**c / math.factorial(c) * c / (c - a)
    head = sum(a**k / math.factorial(k) for k in range(c))
    prob_wait = tail / (head + tail)
    return prob_wait / (c * mu - lam)


# Long runs (1.4e5–3.2e5 measured requests each) so that the 5 % check is several standard
# errors wide; run in parallel on the available cores.
ERLANG_CASES = [
    # (λ per hour, mean service minutes, servers, simulated hours)   utilisation
    (1.0, 60.0, 2, 60000.0),    # a = 1,   ρ = 0.50
    (2.4, 60.0, 4, 60000.0),    # a = 2.4, ρ = 0.60
    (4.0, 30.0, 3, 80000.0),    # a = 2,   ρ = 0.67
    (8.0, 15.0, 3, 40000.0),    # a = 2,   ρ = 0.67 (fast service)
]


def _run_case(case):
    lam, service_min, servers, hours = case
    return simulate_single_node(lam, service_min, servers, hours, seed=11)


@pytest.fixture(scope="module")
def erlang_runs():
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2) as pool:
        return dict(zip(ERLANG_CASES, pool.map(_run_case, ERLANG_CASES), strict=True))


@pytest.mark.slow  # long simulations (DES statistics)
@pytest.mark.parametrize("case", ERLANG_CASES)
def test_des_matches_erlang_c_with_constant_staffing(erlang_runs, case):
    lam, service_min, servers, _hours = case
    mu = 60.0 / service_min
    assert lam / (servers * mu) <= 0.85
    expected = erlang_c_mean_wait(lam, mu, servers) * 60.0
    measured = erlang_runs[case]
    assert measured["mean_wait_minutes"] == pytest.approx(expected, rel=0.05)
    assert measured["utilisation"] == pytest.approx(lam / (servers * mu), rel=0.03)


def test_erlang_c_formula_sanity():
    # M/M/1: W_q = ρ / (μ − λ)
    assert erlang_c_mean_wait(0.5, 1.0, 1) == pytest.approx(0.5 / 0.5)
    # M/M/2 with a = 1: C = 1/3, W_q = (1/3)/(2 − 1)
    assert erlang_c_mean_wait(1.0, 1.0, 2) == pytest.approx(1.0 / 3.0)


@pytest.fixture(scope="module")
def base():
    library = Library.load()
    model = C2Model.from_library(library)
    engine = Engine([model], library)
    return model, {p: engine.default(p) for p in model.inputs}


# The stated tolerance (docs/models/c2.md) over the futures the bundled example samples:
# every c2 input it samples, both structures (validation.TOLERANCE).
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"
FUTURES = 6


@pytest.fixture(scope="module")
def example_futures():
    return scenario_futures(EXAMPLE, FUTURES)


@pytest.mark.slow  # long simulations (DES statistics)
@pytest.mark.parametrize("index", range(FUTURES))
def test_approximation_tracks_simulation_over_the_examples_futures(example_futures, index):
    model, futures = example_futures
    result = compare_future(model, futures[index], workers=2)
    for structure, r in result.items():
        assert not within_tolerance(r), (structure, r)
    sim_order = np.sign(result["hawaii_centric"]["simulation"]["latency_mean_h"]
                        - result["jfhq_in_japan"]["simulation"]["latency_mean_h"])
    apx_order = np.sign(result["hawaii_centric"]["approximation"]["latency_mean_h"]
                        - result["jfhq_in_japan"]["approximation"]["latency_mean_h"])
    assert sim_order == apx_order


@pytest.mark.slow  # DES statistics
def test_des_indopacom_on_tokyos_clock_decides_faster_with_tokyos_day(base):
    """The simulation, independently of the approximation: with requests following Tokyo's
    day and combined steps, INDOPACOM on Tokyo's clock shortens the Hawaii-centric mean
    latency, beyond the replications' 95 % interval, and the decomposition sums."""
    model, defaults = base
    values = {**defaults, "c2.diurnal_strength": 1.0, "c2.combined_share": 0.5,
              "c2.situation": 0.0, "c2.arrivals_per_day_peacetime": 8.0}
    runs, same, _ = compare_structures(model, values, 40.0, 3.0, 4, seed=3, workers=2)
    hawaii, tokyo = summarise(runs[0]), summarise(same[0])
    gap = hawaii["latency_mean_h"] - tokyo["latency_mean_h"]
    assert gap > hawaii["latency_mean_ci95_h"] + tokyo["latency_mean_ci95_h"]
    parts = decompose(runs[0], same[0])
    assert sum(parts.values()) == pytest.approx(hawaii["latency_mean_h"], rel=1e-9)


@pytest.mark.slow  # DES at a load far beyond every desk's capacity
def test_des_latency_is_finite_at_any_load(base):
    model, defaults = base
    values = {**defaults, "c2.arrivals_per_day_crisis": 2000.0}
    net = network_from_values(values, model.profile)
    run = replicate([net], 2.0, 0.0, 1, seed=1)[0][0]
    latency = np.asarray(run["latency_h"])
    assert latency.size > 1000 and np.all(np.isfinite(latency))
