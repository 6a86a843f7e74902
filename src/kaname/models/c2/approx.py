"""Vectorised approximation of the c2 coordination network, for ensembles.

Per node and UTC hour of the day (hour-major arrays of shape 24 × samples, so every numpy
loop runs along the sample axis):

* staffing ``c(u)`` from the node's day shift and night watch in its local time
  (:mod:`.hours`);
* the desk's queueing — Erlang-C wait, periodic fluid backlog and the departure flow that
  is the next node's arrival flow, shifted by service and transit time (:mod:`.queueing`).

A request raised at JJOC in hour ``u`` follows one of six branches (decided at USFJ or
INDOPACOM; with or without the commander; commander on or off duty). The commander's
deferral over the hour in which requests reach the commander is integrated exactly
(deferral to the start of the day shift, or the crisis wake-up delay, whichever is
shorter). Each (hour, branch) cell is a uniform distribution with the cell's mean and
variance; the latency distribution is the mixture of the 144 cells, whose quantiles
:mod:`.mixture` solves exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.models.c2.hours import (
    HOURLY,
    HOURS_MID,
    HourlyInterpolator,
    duty_length,
    interp_hourly,
    mod24,
    staffing,
)
from kaname.models.c2.mixture import mixture_summary
from kaname.models.c2.queueing import Shifts, node_hourly

NEVER = 1e9            # "no wake-up": wait for the day shift (peacetime)
MIXTURE_BLOCK = 2048   # samples per mixture: bounded index and weight arrays


def deferral_moments(reach: np.ndarray, duty_start_utc: np.ndarray, duty_len: np.ndarray,
                     wakeup: np.ndarray) -> tuple[np.ndarray, ...]:
    """On-duty share and the mean/variance of the commander's deferral over an hour.

    Requests reach the commander uniformly over ``[reach − 0.5, reach + 0.5)`` (UTC hours).
    Off duty the commander decides after ``min(wakeup, time to the next day shift)``.
    Returns (on-duty share, mean deferral off duty, variance of deferral off duty); the
    off-duty moments are unused (and not meaningful) where the hour has no off-duty part.

    The time to the next shift, ``g``, runs uniformly over ``(g1, g1 + L]`` for the
    off-duty part of the hour (``L ≤ 1``). Relative to ``g1`` the deferral is
    ``min(w, u)`` with ``w = wakeup − g1`` and ``u`` uniform on ``[0, L]``, whose moments
    are ``m(L − m/2)/L`` and ``m²(L − 2m/3)/L`` with ``m = clip(w, 0, L)``; where
    ``w < 0`` it is the constant ``w``. Every term is of order one hour, so float32
    keeps the variance accurate.
    """
    x = mod24(reach - (0.5 + duty_start_utc))      # hour start, from the shift start
    ld = duty_len
    # On duty: [x, x+1) ∩ [0, ld), plus the part past 24 h (the next day's shift start).
    on = np.clip(ld - x, 0.0, 1.0)
    on += np.maximum(x - 23.0, 0.0)
    np.minimum(on, 1.0, out=on)
    np.maximum(on, (ld >= 24).astype(x.dtype), out=on)   # round-the-clock duty
    g1 = np.maximum(23.0 - x, 0.0)                 # time to the shift from the hour's end
    length = np.minimum(24.0 - x, 24.0 - ld)       # ... from the off-duty part's start
    length -= g1
    np.maximum(length, 0.0, out=length)
    w = wakeup - g1
    m = np.clip(w, 0.0, length)
    safe = np.maximum(length, 1e-30)
    first = m * (length - 0.5 * m) / safe
    second = m * m * (length - (2.0 / 3.0) * m) / safe
    mean = np.minimum(w, 0.0)
    mean += g1
    mean += first
    var = np.maximum(second - first * first, 0.0)
    return on, mean, var


def _branch_cells(reach: np.ndarray, var: np.ndarray, share: np.ndarray, back: np.ndarray,
                  share_p: np.ndarray, decision_h: np.ndarray, wakeup: np.ndarray,
                  duty_start_utc: np.ndarray, duty_len: np.ndarray
                  ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Latency cells (weight, mean, variance; rows × samples) of one deciding branch.

    `reach` and `var` are the time requests of each arrival hour reach the deciding node
    and its variance (24 × samples); `back` the return transit. Cells: no commander;
    commander on or off duty, whichever holds most of the hour; the minority part of the
    hours that straddle a shift change, packed into a few rows (zero weight elsewhere):
    the same mixture as three cells per hour, with about a third fewer cells.
    """
    n = reach.shape[1]
    on, d_mean, d_var = deferral_moments(reach, duty_start_utc, duty_len, wakeup)
    base = reach - HOURS_MID[:, None] + back
    decided = base + decision_h
    w = share / 24.0
    w_principal = w * share_p
    off = (on < 0.5).astype(reach.dtype)            # 1 where the commander is mostly off
    minority = np.minimum(on, 1.0 - on)
    major_mean = d_mean * off
    major_mean += decided
    major_var = d_var * off
    major_var += var
    cells = [(np.broadcast_to(w * (1.0 - share_p), (24, n)), base, var),
             (w_principal * (1.0 - minority), major_mean, major_var)]
    where = np.flatnonzero(minority.T > 0.0)            # straddling (sample, hour) pairs
    if where.size:
        sample, hour = np.divmod(where, 24)
        count = np.bincount(sample, minlength=n)
        rank = np.arange(where.size) - (np.cumsum(count) - count)[sample]
        width = int(count.max())
        # Rows a sample does not fill repeat its hour-0 commander cell with zero weight:
        # they leave its grid, and so its result, independent of the batch's width.
        weight = np.zeros((width, n), dtype=reach.dtype)
        mean = np.repeat(major_mean[:1], width, axis=0)
        var_ = np.repeat(major_var[:1], width, axis=0)
        at = hour * n + sample
        minority_off = 1.0 - off.ravel()[at]            # the minority part is off duty
        weight[rank, sample] = w_principal[sample] * minority.ravel()[at]
        mean[rank, sample] = decided.ravel()[at] + d_mean.ravel()[at] * minority_off
        var_[rank, sample] = var.ravel()[at] + d_var.ravel()[at] * minority_off
        cells.append((weight, mean, var_))
    return cells


def delayed_flow(flow: np.ndarray, varies: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """The hourly flow (24 × samples) `delay` hours later, periodically.

    Arrivals are constant over the day, so a flow only changes from hour to hour in the
    samples listed in `varies` (a desk upstream had a backlog); the others pass through
    as they are — exactly what interpolating a constant would give.
    """
    if varies.size == 0:
        return flow
    out = np.array(flow)
    out[:, varies] = interp_hourly(np.take(flow, varies, axis=1),
                                   HOURS_MID[:, None] - delay[varies])
    return out


def lognormal_moments(median: np.ndarray, log_sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean, variance and squared coefficient of variation of a lognormal."""
    mean = median * np.exp(log_sd**2 / 2.0)
    scv = np.expm1(log_sd**2)
    return mean, mean**2 * scv, scv


def approximate(g: Mapping[str, np.ndarray], horizon_h: float,
                workspace: dict | None = None) -> dict[str, np.ndarray]:
    """Latency statistics, throughput and utilisation for each sample row.

    `g` maps input names without the ``c2.`` prefix to float arrays (samples,); categories
    are codes (structure: 0 hawaii_centric, 1 jfhq_in_japan; situation: 0 peacetime,
    1 crisis); ``{node}.utc_offset_h`` are the nodes' UTC offsets. `workspace` (a dict kept
    across chunks) lets the mixture reuse its scratch arrays. Samples that delegate
    nothing are moved in front, so that their (smaller) mixture is a contiguous slice.
    """
    escalate_all = (g["structure"] != 1) | (g["delegated_share"] == 0.0)
    order = np.argsort(~escalate_all, kind="stable")
    if np.all(order[1:] > order[:-1]):
        return _approximate_sorted(g, horizon_h, workspace)
    out = _approximate_sorted({k: np.asarray(v)[order] for k, v in g.items()}, horizon_h,
                              workspace)
    restore = np.empty_like(order)
    restore[order] = np.arange(order.size)
    return {k: v[restore] for k, v in out.items()}


def _approximate_sorted(g: Mapping[str, np.ndarray], horizon_h: float,
                        workspace: dict | None) -> dict[str, np.ndarray]:
    """:func:`approximate` for samples whose delegating ones come last."""
    g = {k: np.asarray(v, dtype=HOURLY) for k, v in g.items()}
    n = g["delegated_share"].shape[0]
    jfhq = g["structure"] == 1
    crisis = g["situation"] == 1
    delegated = np.where(jfhq, g["delegated_share"], 0.0)
    per_day = np.where(crisis, g["arrivals_per_day_crisis"], g["arrivals_per_day_peacetime"])
    lam = np.broadcast_to(per_day / 24.0, (24, n))           # hour-major: 24 × samples
    tr1 = g["transit.jjoc_usfj_h"]
    tr2 = g["transit.usfj_indopacom_h"]

    def node_inputs(node: str) -> tuple[np.ndarray, Shifts, np.ndarray, np.ndarray, np.ndarray]:
        day, night = g[f"{node}.day_staff"], g[f"{node}.night_staff"]
        if node == "usfj":
            day = np.where(jfhq, g["usfj.jfhq_day_staff"], day)
            night = np.where(jfhq, g["usfj.jfhq_night_staff"], night)
        servers, on = staffing(day, night, g[f"{node}.duty_start_h"],
                               g[f"{node}.duty_end_h"], g[f"{node}.utc_offset_h"])
        s_mean, s_var, scv = lognormal_moments(g[f"{node}.service_median_min"] / 60.0,
                                               g[f"{node}.service_log_sd"])
        return servers, (day, night, on), s_mean, s_var, scv

    sj, shifts_j, sj_mean, sj_var, sj_scv = node_inputs("jjoc")
    su, shifts_u, su_mean, su_var, su_scv = node_inputs("usfj")
    si, shifts_i, si_mean, si_var, si_scv = node_inputs("indopacom")
    hours_mid = HOURS_MID[:, None]
    # Arrivals at JJOC are constant over the day; a flow changes from hour to hour only
    # after a desk with a backlog.
    jj = node_hourly(lam, sj, shifts_j, sj_mean, sj_scv, horizon_h)
    lam_u = delayed_flow(jj["departures"], jj["backlogged"], sj_mean + tr1)
    us = node_hourly(lam_u, su, shifts_u, su_mean, su_scv, horizon_h, jj["backlogged"])
    varies = np.union1d(jj["backlogged"], us["backlogged"])
    lam_i = (1.0 - delegated) * delayed_flow(us["departures"], varies, su_mean + tr2)
    ip = node_hourly(lam_i, si, shifts_i, si_mean, si_scv, horizon_h, varies)

    # Branch timing: arrive mid-hour at JJOC, reach USFJ, then INDOPACOM (escalated).
    t_usfj = hours_mid + jj["wait_mean"] + (sj_mean + tr1)
    var_usfj = jj["wait_var"] + sj_var
    at_usfj = HourlyInterpolator(t_usfj)
    reach_u = t_usfj + at_usfj(us["wait_mean"]) + su_mean
    var_u = var_usfj + at_usfj(us["wait_var"]) + su_var
    t_indo = reach_u + tr2
    at_indo = HourlyInterpolator(t_indo)
    reach_i = t_indo + at_indo(ip["wait_mean"]) + si_mean
    var_i = var_u + at_indo(ip["wait_var"]) + si_var

    # Cells per branch: no commander; commander (on duty or off duty, whichever holds
    # most of the hour); the minority part of the hours that straddle a shift change,
    # packed into a few rows (zero weight elsewhere). The same mixture as six cell types
    # per hour, with about a third fewer cells.
    cells = {}
    branches = (("usfj", reach_u, var_u, delegated, tr1),
                ("indopacom", reach_i, var_i, 1.0 - delegated, tr2 + tr1))
    for node, reach, var, share, back in branches:
        cells[node] = _branch_cells(
            reach, var, share, back, g[f"{node}.principal_share"],
            g[f"{node}.principal_decision_min"] / 60.0,
            np.where(crisis, g[f"{node}.principal_wakeup_h"], NEVER),
            mod24(g[f"{node}.duty_start_h"] - g[f"{node}.utc_offset_h"]),
            duty_length(g[f"{node}.duty_start_h"], g[f"{node}.duty_end_h"]))
    latency_mean = sum((w * m).sum(axis=0) for branch in cells.values() for w, m, _ in branch)
    # Samples that delegate nothing (sorted first) only need the INDOPACOM cells.
    summary = np.empty((4, n))
    split = int(np.count_nonzero(delegated == 0.0))
    blocks = [(slice(lo, min(lo + MIXTURE_BLOCK, stop)), nodes)
              for first, stop, nodes in ((0, split, ("indopacom",)),
                                         (split, n, ("usfj", "indopacom")))
              for lo in range(first, stop, MIXTURE_BLOCK)]
    for chosen, nodes in blocks:
        (q50, q90, q95), (within6,) = mixture_summary(
            [(w[:, chosen], m[:, chosen], v[:, chosen]) for node in nodes
             for w, m, v in cells[node]],
            (0.5, 0.9, 0.95), (6.0,), workspace)
        summary[:, chosen] = (q50, q90, q95, within6)
    q50, q90, q95, within6 = summary
    decisions = delegated * us["throughput"] + ip["throughput"]
    utilisation = np.stack([jj["utilisation"], us["utilisation"], ip["utilisation"]], axis=1)
    return {
        "latency_median_h": q50, "latency_p90_h": q90, "latency_p95_h": q95,
        "latency_mean_h": latency_mean,
        "share_within_6h": within6,
        "decisions_per_day": np.minimum(decisions, jj["throughput"]),
        "max_utilisation": utilisation.max(axis=1),
        "utilisation": utilisation,
    }
