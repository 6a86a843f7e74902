"""Coercion by mode (kaname.models.coercion): closed forms for the horizon probability and
the expected harm, and the tail (CVaR) against a brute-force simulation of independent
modes and textbook properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kaname.models.coercion import any_mode, expected_harm, over_horizon, tail_harm

probabilities = arrays(float, (5,), elements=st.floats(0.0, 1.0))
harms = arrays(float, (5,), elements=st.floats(0.0, 1e12))


def test_over_horizon_closed_form():
    assert over_horizon(np.array([0.1]), np.array([5.0]))[0] == pytest.approx(1 - 0.9 ** 5)
    assert over_horizon(np.array([1.0]), np.array([3.0]))[0] == 1.0
    assert over_horizon(np.array([0.0]), np.array([30.0]))[0] == 0.0


def test_any_mode_and_expected_harm_closed_form():
    p = np.array([[0.1, 0.2, 0.0, 0.5, 0.0]])
    assert any_mode(p)[0] == pytest.approx(1 - 0.9 * 0.8 * 0.5)
    assert expected_harm(p, np.array([[10.0, 20.0, 99.0, 2.0, 99.0]]))[0] == pytest.approx(
        0.1 * 10 + 0.2 * 20 + 0.5 * 2)


def test_tail_of_a_single_mode():
    # one mode at p: if p >= alpha the worst 5 % of years all have the harm; else p/alpha of it
    h = np.array([[100.0, 0, 0, 0, 0]])
    assert tail_harm(np.array([[0.3, 0, 0, 0, 0]]), h)[0] == pytest.approx(100.0)
    assert tail_harm(np.array([[0.01, 0, 0, 0, 0]]), h)[0] == pytest.approx(20.0)
    assert tail_harm(np.zeros((1, 5)), h)[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(probabilities, harms)
def test_tail_bounds(p, h):
    """E[X] <= CVaR_5% <= the harm of every mode at once, and CVaR_100% = E[X]."""
    tail = tail_harm(p[None], h[None])[0]
    mean = expected_harm(p[None], h[None])[0]
    assert mean * (1 - 1e-9) - 1e-3 <= tail <= h.sum() * (1 + 1e-9) + 1e-3
    assert tail_harm(p[None], h[None], alpha=1.0)[0] == pytest.approx(mean, rel=1e-9, abs=1e-3)


def test_tail_matches_simulation():
    rng = np.random.default_rng(3)
    p = np.array([0.1, 0.06, 0.02, 0.06, 0.005])
    h = np.array([3e12, 4e11, 5e10, 1e12, 2e11])
    years = (rng.random((2_000_000, 5)) < p) @ h
    worst = np.sort(years)[-100_000:]            # the worst 5 % of 2,000,000 years
    assert tail_harm(p[None], h[None])[0] == pytest.approx(worst.mean(), rel=0.01)


def test_bad_alpha_is_a_value_error():
    with pytest.raises(ValueError, match="alpha"):
        tail_harm(np.zeros((1, 5)), np.zeros((1, 5)), alpha=0.0)
