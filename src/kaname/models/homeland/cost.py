"""Lifecycle cost: a constellation built up over a few years and replaced in kind at the end
of each service life, plus the other layers' acquisition and operations, by year.

Deployed interceptors T years into the cost window follow a linear build-up,
D(T) = N · clip((T − T₀)/B, 0, 1), starting T₀ years in (first launch) and lasting B years.
Each interceptor launched at time t is replaced at t + L, t + 2L, …, so launches up to T are

    C(T) = Σ_{k ≥ 0} D(T − k L),

and year t buys C(t + 1) − C(t) interceptors at (unit cost + mass × launch price). Over a
20-year window with the build-up done by year 20 − L·m this is the familiar "N × generations"
(e.g. B = 4, T₀ = 0, L = 5: C(20) = D(20) + D(15) + D(10) + D(5) = 4N). Operations and
support cost a share of the acquisition value in service each year (the integral of D).
"""

from __future__ import annotations

import numpy as np


def ramp(t, start, years):
    """clip((t − start)/years, 0, 1): share built by time t (years ≤ 0 means all at start)."""
    t = np.asarray(t, dtype=float)
    span = np.maximum(np.asarray(years, dtype=float), 1e-9)
    return np.clip((t - np.asarray(start, dtype=float)) / span, 0.0, 1.0)


def ramp_integral(t, start, years):
    """∫₀ᵗ ramp: years of full service accumulated by time t."""
    span = np.maximum(np.asarray(years, dtype=float), 1e-9)
    u = (np.asarray(t, dtype=float) - np.asarray(start, dtype=float)) / span
    h = np.where(u <= 0, 0.0, np.where(u <= 1.0, 0.5 * u**2, u - 0.5))
    return span * h


def launches_by(t, count, start, years, life, max_generations):
    """C(T): interceptors launched by time T, with replacement every `life` years."""
    total = np.zeros(np.broadcast(np.asarray(t, dtype=float), np.asarray(count)).shape)
    for k in range(max_generations + 1):
        total = total + np.asarray(count) * ramp(np.asarray(t) - k * np.asarray(life), start,
                                                 years)
    return total


def annual_launches(count, start, years, life, horizon):
    """Interceptors bought in each year of the window: shape (..., horizon)."""
    count = np.asarray(count, dtype=float)[..., None]
    start = np.asarray(start, dtype=float)[..., None]
    years = np.asarray(years, dtype=float)[..., None]
    life = np.maximum(np.asarray(life, dtype=float), 0.25)[..., None]
    edges = np.arange(horizon + 1, dtype=float)
    generations = int(np.ceil(horizon / float(np.min(life, initial=horizon)))) + 1
    cumulative = launches_by(edges, count, start, years, life, generations)
    return np.diff(cumulative, axis=-1)


def annual_service_years(count, start, years, horizon):
    """Interceptor-years in service in each year of the window: ∫ D over the year."""
    count = np.asarray(count, dtype=float)[..., None]
    start = np.asarray(start, dtype=float)[..., None]
    years = np.asarray(years, dtype=float)[..., None]
    edges = np.arange(horizon + 1, dtype=float)
    return count * np.diff(ramp_integral(edges, start, years), axis=-1)


def spread_over_first_years(total, span, horizon):
    """Spread `total` evenly over the first `span` years of the window (at least one year)."""
    span = np.maximum(np.minimum(np.asarray(span, dtype=float), horizon), 1.0)[..., None]
    t = np.arange(horizon, dtype=float)
    weight = np.clip(np.minimum(t + 1.0, span) - t, 0.0, 1.0) / span
    return np.asarray(total, dtype=float)[..., None] * weight
