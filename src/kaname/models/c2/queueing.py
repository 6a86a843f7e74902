"""Queueing at one c2 desk, per UTC hour: Erlang C, the periodic fluid backlog and its wait.

* a pointwise-stationary Erlang-C wait (M/M/c with that hour's λ and c) scaled by the
  Allen–Cunneen factor ``(1 + c_s²)/2`` for lognormal staff work; Erlang C comes from a
  table over (servers, load) built once with the exact Erlang-B recursion;
* a periodic fluid backlog ``B(u+1) = max(0, B(u) + λ(u) − c(u)μ)`` for overloaded hours
  and the hour-by-hour departure flow it implies, which is the next node's arrival flow.
  The periodic solution is Lindley's running minimum over two days,
  ``B(t) = S(t) − min_{s ≤ t} S(s)`` with ``S`` the cumulative net inflow (exact, because
  the scaled daily net inflow is negative);
* for a desk whose daily load exceeds its daily capacity, the backlog grows over the
  horizon: the average extra wait ``(ρ − 1)·H/2`` is added.

References
----------
Green, L. V., Kolesar, P. J. & Whitt, W. (2007). Coping with time-varying demand when
setting staffing requirements for a service system. *Production and Operations
Management* 16(1), 13–39. (pointwise-stationary approximation)
Allen, A. O. (1990). *Probability, Statistics, and Queueing Theory*, 2nd ed. Academic
Press. (Allen–Cunneen approximation for M/G/c)
Gross, D., Shortle, J. F., Thompson, J. M. & Harris, C. M. (2008). *Fundamentals of
Queueing Theory*, 4th ed. Wiley. (M/M/c, Erlang C)
Newell, G. F. (1982). *Applications of Queueing Theory*, 2nd ed. Chapman & Hall.
(fluid approximation of rush-hour queues)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from kaname.models.c2.hours import HOURS_MID

PSA_MAX_LOAD = 0.95    # cap on the per-hour load fed to Erlang C; the fluid term takes over
TABLE_SERVERS = 64     # Erlang C is tabulated for 0–64 servers (exact recursion above)
TABLE_LOADS = 1024     # load nodes ρ = a/c on [0, PSA_MAX_LOAD] (interpolation error < 1e-5)
FLUID_HORIZON_H = 47.5  # the fluid wait counts at most this long (from mid-hour, two days)


def lognormal_moments(median: np.ndarray, log_sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean, variance and squared coefficient of variation of a lognormal staff work."""
    mean = median * np.exp(log_sd**2 / 2.0)
    scv = np.expm1(log_sd**2)
    return mean, mean**2 * scv, scv


def erlang_c(servers: np.ndarray, offered: np.ndarray) -> np.ndarray:
    """Probability of waiting in M/M/c, via the Erlang-B recursion (stable for large c).

    ``servers`` integer-valued, ``offered`` = λ/μ in erlangs; 1 where ``offered ≥ servers``.
    """
    servers = np.asarray(servers, dtype=float)
    offered = np.asarray(offered, dtype=float)
    blocking = np.ones(np.broadcast(servers, offered).shape)
    top = int(servers.max()) if servers.size else 0
    for k in range(1, top + 1):
        nxt = offered * blocking / (k + offered * blocking)
        blocking = np.where(k <= servers, nxt, blocking)
    stable = offered < servers
    denom = np.where(stable, servers - offered * (1.0 - blocking), 1.0)
    return np.where(stable, servers * blocking / denom, 1.0)


@lru_cache(maxsize=2)
def _erlang_c_table(dtype: str = "float64") -> np.ndarray:
    """Erlang C on (servers 0–TABLE_SERVERS) × (load ρ on [0, PSA_MAX_LOAD]), flattened.

    Each value is followed by the slope to the next load node (for linear interpolation),
    so one look-up touches one cache line. Built once with the Erlang-B recursion; step k
    only touches the rows with ≥ k servers.
    """
    loads = np.linspace(0.0, PSA_MAX_LOAD, TABLE_LOADS)
    servers = np.arange(TABLE_SERVERS + 1, dtype=float)[:, None]
    offered = servers * loads
    blocking = np.ones_like(offered)
    for k in range(1, TABLE_SERVERS + 1):
        carried = offered[k:] * blocking[k:]
        blocking[k:] = carried / (k + carried)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = servers * blocking / (servers - offered * (1.0 - blocking))
    table[0] = 0.0                       # no servers: no stochastic wait (see mmc_wait_moments)
    slope = np.diff(table, axis=1, append=table[:, -1:])
    return np.stack([table, slope], axis=-1).astype(dtype).ravel()


def erlang_c_capped(servers: np.ndarray, offered: np.ndarray) -> np.ndarray:
    """Erlang C for whole server counts and ``offered ≤ PSA_MAX_LOAD · servers``.

    Table look-up with linear interpolation in the load (error < 1e-5); the exact
    recursion for the rare entries with more than TABLE_SERVERS servers.
    """
    table = _erlang_c_table(offered.dtype.name)
    pos = offered / np.maximum(servers, 1.0) * ((TABLE_LOADS - 1) / PSA_MAX_LOAD)
    node = np.minimum(np.floor(pos), TABLE_LOADS - 2)
    # The flat index in the dtype of the inputs (exact below 2²⁴), then one cast.
    flat = np.minimum(servers, TABLE_SERVERS) * TABLE_LOADS
    flat += node
    flat *= 2
    at = flat.astype(np.intp)
    prob = np.take(table, at + 1)
    prob *= pos - node
    prob += np.take(table, at)
    large = servers > TABLE_SERVERS
    if np.any(large):
        prob[large] = erlang_c(servers[large], offered[large])
    return prob


def mmc_wait_moments(servers: np.ndarray, arrivals: np.ndarray, service_mean: np.ndarray,
                     scv: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the M/G/c queueing delay (Erlang C with Allen–Cunneen factor).

    Loads above ``PSA_MAX_LOAD`` are capped there: in such hours the fluid backlog term
    carries the delay and the stochastic term stays finite.
    """
    offered = np.minimum(arrivals * service_mean, PSA_MAX_LOAD * servers)
    servers, offered = np.broadcast_arrays(servers, offered)
    # An unstaffed hour has no stochastic wait (the table gives C = 0 for 0 servers, and
    # offered is 0 there); its backlog is the fluid term's.
    prob_wait = erlang_c_capped(servers, offered)
    gap = np.maximum(servers - offered, 1e-30)
    gap /= service_mean
    factor = (1.0 + np.asarray(scv)) / 2.0
    mean = factor * prob_wait / gap
    var = mean * factor * (2.0 - prob_wait) / gap      # = factor²·C(2 − C)/gap²
    return mean, var


def periodic_backlog(net: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backlog at the start and end of each hour in the periodic fluid regime.

    `net` is the net inflow per hour (24 × samples) with a daily total ≤ 0. Lindley's
    recursion from an empty desk is ``B(t) = S(t) − min_{s ≤ t} S(s)``; on the second day
    it is periodic already, because a non-positive daily net inflow makes the first day's
    minimum irrelevant.
    """
    cumulative = np.zeros((49, net.shape[1]), dtype=net.dtype)
    np.cumsum(np.concatenate([net, net]), axis=0, out=cumulative[1:])
    backlog = cumulative - np.minimum.accumulate(cumulative, axis=0)
    return backlog[24:48], backlog[25:49]


def _search_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving 64-bit keys: row index above the float32 bits of each value (≥ 0).

    Non-negative float32 values order like their bit patterns, so one ``searchsorted``
    over the keys of many rows searches each row on its own: exact per row, and the same
    whatever the other rows in the batch are.
    """
    bits = (values.astype(np.float32) + np.float32(0.0)).view(np.uint32).astype(np.uint64)
    rows = np.arange(values.shape[-2], dtype=np.uint64)[:, None] << np.uint64(32)
    return bits | rows


def fluid_waits(backlogs: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Hours until the capacity from mid-hour on has served each backlog.

    `backlogs` is (k, 24, samples), `capacity` 24 × samples. The cumulative capacity over
    three days is piecewise linear; the wait is its inverse at (capacity served by
    mid-hour + backlog), capped at FLUID_HORIZON_H.
    """
    cap = np.tile(capacity.T, 3)                               # samples × 72 hours
    m = cap.shape[0]
    served = np.zeros((m, 73), dtype=cap.dtype)
    np.cumsum(cap, axis=1, out=served[:, 1:])
    by_mid_hour = served[:, :24] + 0.5 * cap[:, :24]
    pending = backlogs.transpose(0, 2, 1)                       # k × samples × 24
    target = by_mid_hour + pending
    found = np.searchsorted(_search_keys(served).ravel(), _search_keys(target))
    node = np.clip(found - (np.arange(m) * 73)[:, None], 1, 72) - 1   # hour it ends in
    rows = np.arange(m)[:, None]
    rate = np.maximum(cap.ravel()[node + 72 * rows], 1e-30)   # 0 only past the three days
    finish = node.astype(cap.dtype) + (target - served.ravel()[node + 73 * rows]) / rate
    hours = np.clip(finish - HOURS_MID, 0.0, FLUID_HORIZON_H)
    return np.where(pending > 0, hours, 0.0).transpose(0, 2, 1)


def node_hourly(arrivals: np.ndarray, servers: np.ndarray, service_mean: np.ndarray,
                scv: np.ndarray, horizon_h: float) -> dict[str, np.ndarray]:
    """Queueing delay, departure flow, utilisation and overloaded hours of one desk, per UTC
    hour.

    ``arrivals`` (requests/hour), ``servers`` and ``service_mean`` (hours; triage makes it
    vary by hour) are 24 × samples, ``scv`` the squared coefficient of variation of the
    work (samples,). Returns the mean and variance of the wait per hour, the departure flow
    per hour (the flow starting work), the daily utilisation and throughput, and
    ``busy_hours``, a (24 × samples) mask of the hours in which work arrives faster than the
    officers can do it (every hour when the daily load exceeds the daily capacity).
    """
    capacity = servers / service_mean                            # requests/hour
    work = arrivals * service_mean                               # officer-hours per hour
    daily_load = arrivals.sum(axis=0)
    daily_cap = capacity.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_day = np.where(servers.sum(axis=0) > 0, work.sum(axis=0) / servers.sum(axis=0),
                           np.inf)
    # The periodic backlog only exists below daily saturation: scale the flow down to it
    # and add the horizon-average growth of the backlog separately.
    scale = np.where(rho_day > 0.999, 0.999 / np.maximum(rho_day, 1e-30), 1.0)
    lam = arrivals * scale
    mean, var = mmc_wait_moments(servers, lam, service_mean, scv)
    growth = np.where(rho_day > 1.0, (np.minimum(rho_day, 1e6) - 1.0) * horizon_h, 0.0)
    mean += growth / 2.0
    var += growth**2 / 12.0
    departures = lam
    net = lam - capacity
    overloaded = np.flatnonzero(np.any(net > 0.0, axis=0))     # the only samples with a backlog
    if overloaded.size:
        start, end = periodic_backlog(net[:, overloaded])
        departures = lam.copy()
        departures[:, overloaded] += start - end
        fluid_mean, fluid_end, fluid_start = fluid_waits(
            np.stack([0.5 * (start + end), end, start]), capacity[:, overloaded])
        mean[:, overloaded] += fluid_mean
        var[:, overloaded] += (fluid_end - fluid_start) ** 2 / 12.0
    busy = (work > servers) | (rho_day > 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(np.isfinite(rho_day), rho_day, 0.0)
    return {"wait_mean": mean, "wait_var": var, "departures": departures,
            "busy_hours": busy, "utilisation": utilisation,
            "throughput": np.minimum(daily_load, daily_cap)}
