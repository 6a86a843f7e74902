"""Vectorised approximation of the c2 coordination network, for ensembles.

Per node and UTC hour of the day (arrays of shape samples × 24):

* staffing ``c(u)`` from the node's day shift and night watch in its local time;
* a periodic fluid backlog ``B(u+1) = max(0, B(u) + λ(u) − c(u)μ)`` for overloaded hours
  and the hour-by-hour departure flow it implies, which is the next node's arrival flow
  (shifted by service and transit time);
* a pointwise-stationary Erlang-C wait (M/M/c with that hour's λ and c) scaled by the
  Allen–Cunneen factor ``(1 + c_s²)/2`` for lognormal staff work;
* for a node whose daily load exceeds its daily capacity, the backlog grows over the
  horizon: the average extra wait ``(ρ − 1)·H/2`` is added.

A request raised at JJOC in hour ``u`` follows one of six branches (decided at USFJ or
INDOPACOM; with or without the commander; commander on or off duty). The commander's
deferral over the hour in which requests reach the commander is integrated exactly
(deferral to the start of the day shift, or the crisis wake-up delay, whichever is
shorter). Each (hour, branch) cell is a uniform distribution with the cell's mean and
variance; the latency distribution is the mixture of the 144 cells, whose CDF is built on
a per-sample grid with second differences (O(cells + grid) per sample).

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

from collections.abc import Mapping

import numpy as np

HOURS = np.arange(24)
NEVER = 1e9            # "no wake-up": wait for the day shift (peacetime)
PSA_MAX_LOAD = 0.95    # cap on the per-hour load fed to Erlang C; the fluid term takes over
GRID_POINTS = 160      # nodes of the per-sample latency grid for the mixture CDF


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


def mmc_wait_moments(servers: np.ndarray, arrivals: np.ndarray, service_mean: np.ndarray,
                     scv: np.ndarray | float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the M/G/c queueing delay (Erlang C with Allen–Cunneen factor).

    Loads above ``PSA_MAX_LOAD`` are capped there: in such hours the fluid backlog term
    carries the delay and the stochastic term stays finite.
    """
    servers = np.asarray(servers, dtype=float)
    offered = np.minimum(arrivals * service_mean, PSA_MAX_LOAD * servers)
    prob_wait = erlang_c(servers, offered)
    gap = np.where(servers > 0, servers / service_mean - offered / service_mean, 1.0)
    factor = (1.0 + scv) / 2.0
    mean = np.where(servers > 0, factor * prob_wait / gap, 0.0)
    var = np.where(servers > 0, factor**2 * prob_wait * (2.0 - prob_wait) / gap**2, 0.0)
    return mean, var


def staffing(day: np.ndarray, night: np.ndarray, start: np.ndarray, end: np.ndarray,
             utc_offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Staff on duty per UTC hour (samples × 24) and the on-duty mask."""
    local = (HOURS[None, :] + utc_offset) % 24
    length = duty_length(start, end)
    phase = (local - start[:, None]) % 24
    on = phase < length[:, None]
    return np.where(on, day[:, None], night[:, None]), on


def duty_length(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Hours of the day shift; equal start and end mean round the clock."""
    length = (end - start) % 24
    return np.where(length == 0, 24.0, length)


def interp_hourly(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Periodic linear interpolation of hourly values (centred at u + 0.5) at times `t`."""
    pos = t - 0.5
    base = np.floor(pos)
    frac = pos - base
    i0 = (base.astype(np.int64)) % 24
    i1 = (i0 + 1) % 24
    if t.ndim == 1:
        rows = np.arange(values.shape[0])
        return values[rows, i0] * (1 - frac) + values[rows, i1] * frac
    return (np.take_along_axis(values, i0, axis=1) * (1 - frac)
            + np.take_along_axis(values, i1, axis=1) * frac)


def _fluid_wait(backlog: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Hours until capacity from mid-hour on has served `backlog` (samples × 24)."""
    wait = np.zeros_like(backlog)
    rows = np.flatnonzero(np.any(backlog > 1e-12, axis=1))
    if rows.size == 0:
        return wait
    cap = capacity[rows]
    remaining = backlog[rows].copy()
    elapsed = np.zeros_like(remaining)
    for step in range(48):
        hour_cap = np.take(cap, (HOURS + step) % 24, axis=1)
        span = 0.5 if step == 0 else 1.0      # start at mid-hour
        avail = hour_cap * span
        done = remaining <= avail
        with np.errstate(divide="ignore", invalid="ignore"):
            partial = np.where(hour_cap > 0, remaining / hour_cap, span)
        elapsed += np.where(remaining > 0, np.where(done, partial, span), 0.0)
        remaining = np.where(done, 0.0, remaining - avail)
        if not np.any(remaining > 0):
            break
    wait[rows] = elapsed
    return wait


def node_hourly(arrivals: np.ndarray, servers: np.ndarray, service_mean: np.ndarray,
                scv: np.ndarray, horizon_h: float) -> dict[str, np.ndarray]:
    """Queueing delay, departure flow and utilisation of one node, per UTC hour.

    ``arrivals`` (requests/hour) and ``servers`` are samples × 24; returns the mean and
    variance of the wait per hour, the departure flow per hour and daily utilisation.
    """
    capacity = servers / service_mean[:, None]                  # requests/hour
    daily_load = arrivals.sum(axis=1)
    daily_cap = capacity.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_day = np.where(daily_cap > 0, daily_load / daily_cap, np.inf)
    # The periodic backlog only exists below daily saturation: scale the flow down to it
    # and add the horizon-average growth of the backlog separately.
    scale = np.where(rho_day > 0.999, 0.999 / np.maximum(rho_day, 1e-300), 1.0)
    lam = arrivals * scale[:, None]
    backlog = np.zeros(arrivals.shape[0])
    start = np.empty_like(lam)
    end = np.empty_like(lam)
    for _cycle in range(3):
        for u in range(24):
            start[:, u] = backlog
            backlog = np.maximum(0.0, backlog + lam[:, u] - capacity[:, u])
            end[:, u] = backlog
    departures = lam + start - end
    mid_backlog = 0.5 * (start + end)
    fluid_mean = _fluid_wait(mid_backlog, capacity)
    fluid_var = (_fluid_wait(end, capacity) - _fluid_wait(start, capacity)) ** 2 / 12.0
    psa_mean, psa_var = mmc_wait_moments(servers, lam, service_mean[:, None], scv[:, None])
    growth = np.where(rho_day > 1.0, (np.minimum(rho_day, 1e6) - 1.0) * horizon_h, 0.0)
    mean = fluid_mean + psa_mean + growth[:, None] / 2.0
    var = fluid_var + psa_var + (growth**2 / 12.0)[:, None]
    offered_work = daily_load * service_mean
    staff_hours = servers.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(staff_hours > 0, offered_work / staff_hours, 0.0)
    return {"wait_mean": mean, "wait_var": var, "departures": departures,
            "utilisation": utilisation, "throughput": np.minimum(daily_load, daily_cap)}


def deferral_moments(reach: np.ndarray, duty_start_utc: np.ndarray, duty_len: np.ndarray,
                     wakeup: np.ndarray) -> tuple[np.ndarray, ...]:
    """On-duty share and the mean/variance of the commander's deferral over an hour.

    Requests reach the commander uniformly over ``[reach − 0.5, reach + 0.5)`` (UTC hours).
    Off duty the commander decides after ``min(wakeup, time to the next day shift)``.
    Returns (on-duty share, mean deferral off duty, variance of deferral off duty).
    """
    x = (reach - 0.5 - duty_start_utc) % 24
    ld = duty_len
    on = (np.clip(np.minimum(x + 1, ld) - x, 0, 1) + np.clip(x + 1 - 24, 0, 1))
    on = np.where(ld >= 24, 1.0, np.clip(on, 0.0, 1.0))
    o0 = np.maximum(x, ld)
    o1 = np.minimum(x + 1, 24.0)
    off_len = np.maximum(o1 - o0, 0.0)
    g0, g1 = 24.0 - o0, 24.0 - o1
    flat = np.clip(g0 - wakeup, 0.0, off_len)          # deferral = wakeup (constant)
    slope = off_len - flat                              # deferral falls linearly to g1
    top = np.minimum(g0, wakeup)
    safe = np.where(off_len > 0, off_len, 1.0)
    mean = (wakeup * flat + slope * (top + g1) / 2.0) / safe
    second = (wakeup**2 * flat + slope * (top**2 + top * g1 + g1**2) / 3.0) / safe
    mean = np.where(off_len > 0, mean, 0.0)
    var = np.where(off_len > 0, np.maximum(second - mean**2, 0.0), 0.0)
    return on, mean, var


def mixture_summary(weight: np.ndarray, mean: np.ndarray, var: np.ndarray,
                    quantiles: tuple[float, ...], thresholds: tuple[float, ...]
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Quantiles and CDF values of a mixture of uniforms, one mixture per sample row.

    Cell k of row i is uniform with mean ``mean[i, k]``, variance ``var[i, k]`` and weight
    ``weight[i, k]`` (rows sum to 1). The CDF is piecewise linear; it is evaluated exactly
    at the nodes of a per-row grid through second differences of ramp functions.
    """
    n, _ = mean.shape
    half = np.sqrt(3.0 * np.maximum(var, 0.0))
    lo = np.maximum(mean - half, 0.0)
    hi = mean + half
    x0 = lo.min(axis=1)
    span = np.maximum(hi.max(axis=1) - x0, 1e-6)
    step = span / (GRID_POINTS - 1)
    hi = np.maximum(hi, lo + 0.25 * step[:, None])
    slope = weight / (hi - lo) * step[:, None]           # CDF rise per grid step
    width = GRID_POINTS + 3
    offset = (np.arange(n) * width)[:, None]
    pos_lo = (lo - x0[:, None]) / step[:, None]
    pos_hi = (hi - x0[:, None]) / step[:, None]
    idx, vals = [], []
    for pos, sign in ((pos_lo, 1.0), (pos_hi, -1.0)):
        j = np.floor(pos)
        f = pos - j
        j = np.minimum(j.astype(np.int64), GRID_POINTS)
        idx += [offset + j + 1, offset + j + 2]
        vals += [sign * slope * (1.0 - f), sign * slope * f]
    second = np.bincount(np.concatenate([i.ravel() for i in idx]),
                         weights=np.concatenate([v.ravel() for v in vals]),
                         minlength=n * width).reshape(n, width)
    cdf = np.cumsum(np.cumsum(second, axis=1), axis=1)[:, :GRID_POINTS]
    cdf = np.maximum.accumulate(np.clip(cdf, 0.0, 1.0), axis=1)
    rows = np.arange(n)
    # Rows are monotone: lift row i by 2i so one global searchsorted finds every row's index.
    lifted = (cdf + 2.0 * rows[:, None]).ravel()
    out_q = []
    for q in quantiles:
        k = np.searchsorted(lifted, q + 2.0 * rows, side="left") - rows * GRID_POINTS
        k = np.clip(k, 1, GRID_POINTS - 1)
        f0, f1 = cdf[rows, k - 1], cdf[rows, k]
        frac = np.clip((q - f0) / np.maximum(f1 - f0, 1e-300), 0.0, 1.0)
        out_q.append(x0 + step * (k - 1 + frac))
    out_t = []
    for t in thresholds:
        pos = (t - x0) / step
        k = np.clip(np.floor(pos).astype(np.int64), 0, GRID_POINTS - 2)
        frac = np.clip(pos - k, 0.0, 1.0)
        val = cdf[rows, k] * (1 - frac) + cdf[rows, k + 1] * frac
        out_t.append(np.where(pos < 0, 0.0, np.where(pos >= GRID_POINTS - 1, 1.0, val)))
    return out_q, out_t


def lognormal_moments(median: np.ndarray, log_sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean, variance and squared coefficient of variation of a lognormal."""
    mean = median * np.exp(log_sd**2 / 2.0)
    scv = np.expm1(log_sd**2)
    return mean, mean**2 * scv, scv


def approximate(g: Mapping[str, np.ndarray], offsets: Mapping[str, float],
                horizon_h: float) -> dict[str, np.ndarray]:
    """Latency statistics, throughput and utilisation for each sample row.

    `g` maps input names without the ``c2.`` prefix to float arrays (samples,); categories
    are codes (structure: 0 hawaii_centric, 1 jfhq_in_japan; situation: 0 peacetime,
    1 crisis). `offsets` are UTC offsets in hours per node.
    """
    n = g["delegated_share"].shape[0]
    jfhq = g["structure"] == 1
    crisis = g["situation"] == 1
    delegated = np.where(jfhq, g["delegated_share"], 0.0)
    per_day = np.where(crisis, g["arrivals_per_day_crisis"], g["arrivals_per_day_peacetime"])
    lam = np.broadcast_to((per_day / 24.0)[:, None], (n, 24))
    tr1 = g["transit.jjoc_usfj_h"]
    tr2 = g["transit.usfj_indopacom_h"]

    def node_inputs(node: str) -> tuple[np.ndarray, ...]:
        day, night = g[f"{node}.day_staff"], g[f"{node}.night_staff"]
        if node == "usfj":
            day = np.where(jfhq, g["usfj.jfhq_day_staff"], day)
            night = np.where(jfhq, g["usfj.jfhq_night_staff"], night)
        servers, _ = staffing(day, night, g[f"{node}.duty_start_h"], g[f"{node}.duty_end_h"],
                              offsets[node])
        s_mean, s_var, scv = lognormal_moments(g[f"{node}.service_median_min"] / 60.0,
                                               g[f"{node}.service_log_sd"])
        return servers, s_mean, s_var, scv

    sj, sj_mean, sj_var, sj_scv = node_inputs("jjoc")
    su, su_mean, su_var, su_scv = node_inputs("usfj")
    si, si_mean, si_var, si_scv = node_inputs("indopacom")
    jj = node_hourly(lam, sj, sj_mean, sj_scv, horizon_h)
    hours_mid = np.broadcast_to(HOURS + 0.5, (n, 24))
    lam_u = interp_hourly(jj["departures"], hours_mid - (sj_mean + tr1)[:, None])
    us = node_hourly(lam_u, su, su_mean, su_scv, horizon_h)
    lam_i = (1.0 - delegated)[:, None] * interp_hourly(us["departures"],
                                                       hours_mid - (su_mean + tr2)[:, None])
    ip = node_hourly(lam_i, si, si_mean, si_scv, horizon_h)

    col = lambda a: a[:, None]  # noqa: E731 - broadcast a per-sample value over hours
    # Branch timing: arrive mid-hour at JJOC, reach USFJ, then INDOPACOM (escalated).
    t_usfj = hours_mid + jj["wait_mean"] + col(sj_mean + tr1)
    var_usfj = jj["wait_var"] + col(sj_var)
    reach_u = t_usfj + interp_hourly(us["wait_mean"], t_usfj) + col(su_mean)
    var_u = var_usfj + interp_hourly(us["wait_var"], t_usfj) + col(su_var)
    t_indo = reach_u + col(tr2)
    reach_i = t_indo + interp_hourly(ip["wait_mean"], t_indo) + col(si_mean)
    var_i = var_u + interp_hourly(ip["wait_var"], t_indo) + col(si_var)

    means, variances, weights = [], [], []
    branches = (("usfj", reach_u, var_u, delegated, tr1),
                ("indopacom", reach_i, var_i, 1.0 - delegated, tr2 + tr1))
    for node, reach, var, share, back in branches:
        share_p = g[f"{node}.principal_share"]
        wake = np.where(crisis, g[f"{node}.principal_wakeup_h"], NEVER)
        start_utc = (g[f"{node}.duty_start_h"] - offsets[node]) % 24
        length = duty_length(g[f"{node}.duty_start_h"], g[f"{node}.duty_end_h"])
        on, d_mean, d_var = deferral_moments(reach, col(start_utc), col(length), col(wake))
        base = reach - hours_mid + col(back)
        decided = base + col(g[f"{node}.principal_decision_min"] / 60.0)
        means += [base, decided, decided + d_mean]
        variances += [var, var, var + d_var]
        w = col(share) / 24.0
        weights += [w * col(1.0 - share_p), w * col(share_p) * on,
                    w * col(share_p) * (1.0 - on)]
    mean = np.concatenate(means, axis=1)
    var = np.concatenate(variances, axis=1)
    weight = np.concatenate([np.broadcast_to(w, (n, 24)) for w in weights], axis=1)
    (q50, q90, q95), (within6,) = mixture_summary(weight, mean, var, (0.5, 0.9, 0.95), (6.0,))
    decisions = delegated * us["throughput"] + ip["throughput"]
    utilisation = np.stack([jj["utilisation"], us["utilisation"], ip["utilisation"]], axis=1)
    return {
        "latency_median_h": q50, "latency_p90_h": q90, "latency_p95_h": q95,
        "latency_mean_h": np.sum(weight * mean, axis=1),
        "share_within_6h": within6,
        "decisions_per_day": np.minimum(decisions, jj["throughput"]),
        "max_utilisation": utilisation.max(axis=1),
        "utilisation": utilisation,
    }
