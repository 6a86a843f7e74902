"""Vectorised approximation of the c2 coordination network, for ensembles.

Per node and UTC hour of the day (hour-major arrays of shape 24 × samples, so every numpy
loop runs along the sample axis):

* staffing ``c(u)`` from the node's day shift and night watch in its local time;
* a periodic fluid backlog ``B(u+1) = max(0, B(u) + λ(u) − c(u)μ)`` for overloaded hours
  and the hour-by-hour departure flow it implies, which is the next node's arrival flow
  (shifted by service and transit time). The periodic solution is Lindley's running
  minimum over two days, ``B(t) = S(t) − min_{s ≤ t} S(s)`` with ``S`` the cumulative net
  inflow (exact, because the scaled daily net inflow is negative);
* a pointwise-stationary Erlang-C wait (M/M/c with that hour's λ and c) scaled by the
  Allen–Cunneen factor ``(1 + c_s²)/2`` for lognormal staff work; Erlang C comes from a
  table over (servers, load) built once with the exact Erlang-B recursion;
* for a node whose daily load exceeds its daily capacity, the backlog grows over the
  horizon: the average extra wait ``(ρ − 1)·H/2`` is added.

A request raised at JJOC in hour ``u`` follows one of six branches (decided at USFJ or
INDOPACOM; with or without the commander; commander on or off duty). The commander's
deferral over the hour in which requests reach the commander is integrated exactly
(deferral to the start of the day shift, or the crisis wake-up delay, whichever is
shorter). Each (hour, branch) cell is a uniform distribution with the cell's mean and
variance; the latency distribution is the mixture of the 144 cells. Its CDF, piecewise
linear, is evaluated exactly on a per-sample grid (``F(x) = x·ΣP − ΣQ`` over ramps that
have started, one ``bincount``); each quantile is bracketed on the grid and refined by
a secant step on the exact CDF.

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

import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

HOURLY = np.float32    # hourly queueing arithmetic: errors ~1e-6 h, half the memory traffic
HOURS = np.arange(24)
HOURS_MID = (HOURS + 0.5).astype(HOURLY)
NEVER = 1e9            # "no wake-up": wait for the day shift (peacetime)
PSA_MAX_LOAD = 0.95    # cap on the per-hour load fed to Erlang C; the fluid term takes over
GRID_POINTS = 128      # nodes of the per-sample grid that brackets each latency quantile
TABLE_SERVERS = 64     # Erlang C is tabulated for 0–64 servers (exact recursion above)
TABLE_LOADS = 1024     # load nodes ρ = a/c on [0, PSA_MAX_LOAD] (interpolation error < 1e-5)
MIN_CELL_WIDTH = 1e-4  # grid steps: width given to zero-variance cells
QUANTILE_TOL = 1e-5    # CDF tolerance of the quantile search
QUANTILE_ITERATIONS = 40
MIXTURE_BLOCK = 2048    # samples per mixture: bounded index and weight arrays
FLUID_HORIZON_H = 47.5  # the fluid wait counts at most this long (from mid-hour, two days)


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
def _erlang_c_table(dtype: type = np.float64) -> np.ndarray:
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
    table[0] = 1.0                       # no servers: every request waits (unused)
    slope = np.diff(table, axis=1, append=table[:, -1:])
    return np.stack([table, slope], axis=-1).astype(dtype).ravel()


def erlang_c_capped(servers: np.ndarray, offered: np.ndarray) -> np.ndarray:
    """Erlang C for whole server counts and ``offered ≤ PSA_MAX_LOAD · servers``.

    Table look-up with linear interpolation in the load (error < 1e-5); the exact
    recursion for the rare entries with more than TABLE_SERVERS servers.
    """
    table = _erlang_c_table(offered.dtype.type)
    count = np.minimum(servers, TABLE_SERVERS).astype(np.intp)
    pos = offered / np.maximum(servers, 1.0) * ((TABLE_LOADS - 1) / PSA_MAX_LOAD)
    node = np.minimum(pos.astype(np.intp), TABLE_LOADS - 2)
    flat = count * TABLE_LOADS + node
    flat *= 2
    prob = table[flat + 1]
    prob *= pos - node.astype(pos.dtype)
    prob += table[flat]
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
    prob_wait = erlang_c_capped(servers, offered)
    unstaffed = servers <= 0                       # no stochastic wait (offered is 0 there)
    gap = (servers - offered) / service_mean
    gap[unstaffed] = 1.0
    factor = (1.0 + np.asarray(scv)) / 2.0
    mean = factor * prob_wait / gap
    mean[unstaffed] = 0.0
    var = mean * factor * (2.0 - prob_wait) / gap      # = factor²·C(2 − C)/gap²
    return mean, var


def mod24(x: np.ndarray) -> np.ndarray:
    """``x mod 24`` via floor (numpy's float remainder costs several times more)."""
    return x - 24.0 * np.floor(x * (1.0 / 24.0))


def staffing(day: np.ndarray, night: np.ndarray, start: np.ndarray, end: np.ndarray,
             utc_offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Staff on duty per UTC hour (24 × samples) and the on-duty mask."""
    local = ((HOURS[:, None] + utc_offset) % 24).astype(HOURLY)
    on = mod24(local - start) < duty_length(start, end)
    return np.where(on, day, night), on


def duty_length(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Hours of the day shift; equal start and end mean round the clock."""
    length = (end - start) % 24
    return np.where(length == 0, 24.0, length)


class HourlyInterpolator:
    """Periodic linear interpolation of hourly values (centred at u + 0.5) at times `t`.

    Arrays are hour-major (24 × samples). The positions are computed once and reused for
    every quantity read at the same times.
    """

    def __init__(self, t: np.ndarray):
        n = t.shape[-1]
        pos = mod24(t - 0.5)
        node = np.minimum(pos.astype(np.intp), 23)
        self.frac = pos - node.astype(pos.dtype)
        self.flat = node * n + np.arange(n)
        self.next = self.flat + n                       # the next hour, wrapping at 24
        self.next[node == 23] -= 24 * n

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Interpolate `values` (24 × samples, C order)."""
        flat = values.ravel()
        v0 = flat[self.flat]
        out = flat[self.next]
        out -= v0
        out *= self.frac
        out += v0
        return out


def interp_hourly(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Periodic linear interpolation of hourly values (24 × samples) at times `t`."""
    return HourlyInterpolator(t)(values)


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
    """Queueing delay, departure flow and utilisation of one node, per UTC hour.

    ``arrivals`` (requests/hour) and ``servers`` are 24 × samples; returns the mean and
    variance of the wait per hour, the departure flow per hour and daily utilisation.
    """
    capacity = servers / service_mean                            # requests/hour
    daily_load = arrivals.sum(axis=0)
    daily_cap = capacity.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_day = np.where(daily_cap > 0, daily_load / daily_cap, np.inf)
    # The periodic backlog only exists below daily saturation: scale the flow down to it
    # and add the horizon-average growth of the backlog separately.
    scale = np.where(rho_day > 0.999, 0.999 / np.maximum(rho_day, 1e-300), 1.0)
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
    offered_work = daily_load * service_mean
    staff_hours = servers.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(staff_hours > 0, offered_work / staff_hours, 0.0)
    return {"wait_mean": mean, "wait_var": var, "departures": departures,
            "utilisation": utilisation, "throughput": np.minimum(daily_load, daily_cap)}


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


def _mixture_cdf_at(pos: np.ndarray, start: np.ndarray, end: np.ndarray,
                    rise: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """Exact mixture CDF at one position per sample (grid units): Σ rise·(clip(x) − start).

    Cell arrays are cells × samples; each term is at most the cell's weight, so the
    float32 sum has no cancellation. `scratch` (same shape) avoids a fresh allocation.
    """
    if scratch is None:  # C order: sums over cells must run row by row whatever the layout
        scratch = np.empty(start.shape, dtype=start.dtype)   # of `start` (masks give F order)
    inside = np.maximum(start, pos, out=scratch)
    np.minimum(inside, end, out=inside)
    inside -= start
    inside *= rise
    if inside.shape[1] == 1:
        # numpy sums a lone column pairwise but many columns row by row; cumsum adds in
        # the same order as the latter, so a sample's result never depends on its batch.
        return np.cumsum(inside[:, 0])[-1:].astype(float)
    return inside.sum(axis=0).astype(float)


def _invert_cdf(quantiles: tuple[float, ...], cdf: np.ndarray, density: np.ndarray,
                start: np.ndarray, end: np.ndarray, rise: np.ndarray,
                scratch: np.ndarray | None = None) -> np.ndarray:
    """Positions (grid units) where the exact mixture CDF reaches each quantile, per sample.

    Bracketed between the grid nodes around `q` (``cdf`` and the right-hand ``density``
    are nodes × samples). The first guess assumes one kink between the nodes (exact if
    there is at most one); then regula falsi with the Illinois modification on the exact
    CDF until it is within QUANTILE_TOL of `q`. All quantiles share one refinement loop
    over the (quantile, sample) pairs that have not converged. Returns quantiles × samples.
    """
    nodes, n = cdf.shape
    q = np.asarray(quantiles, dtype=float)[:, None]                 # k × 1
    columns = np.arange(n)
    below = (cdf < q[:, :, None]).view(np.uint8).sum(axis=1, dtype=np.int16)  # k × n
    k = np.clip(below, 1, nodes - 1)
    a, b = (k - 1).astype(float), k.astype(float)
    at = k.astype(np.intp) * n + columns    # flat positions of node k: 1-D gathers
    fa, fb = cdf.ravel()[at - n], cdf.ravel()[at]
    d0, d1 = density.ravel()[at - n], density.ravel()[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = np.clip((fb - fa - d1) / (d0 - d1), 0.0, 1.0)     # one kink: slopes d0, d1
        at_kink = fa + d0 * kink
        guess = np.where(q <= at_kink, a + (q - fa) / d0, b - (fb - q) / d1)
    chord = a + np.clip((q - fa) / np.maximum(fb - fa, 1e-300), 0.0, 1.0)
    guess = np.where((guess >= a) & (guess <= b), guess, chord)
    fg = np.stack([_mixture_cdf_at(row.astype(start.dtype), start, end, rise, scratch)
                   for row in guess])
    # Refine the pairs that are off, flattened: pair p is quantile p // n of sample p % n.
    q = np.broadcast_to(q, guess.shape).ravel()
    a, b, fa, fb, guess, fg = (arr.ravel() for arr in (a, b, fa, fb, guess, fg))
    side = np.zeros(q.size, dtype=np.int8)
    active = np.arange(q.size)
    for _ in range(QUANTILE_ITERATIONS):
        keep = (np.abs(fg - q[active]) > QUANTILE_TOL) & (b[active] - a[active] > 1e-6)
        if not np.any(keep):
            break
        active, fg = active[keep], fg[keep]
        qa, x = q[active], guess[active]
        below = fg < qa
        # Illinois: an end point kept twice in a row has its CDF gap halved.
        a[active] = np.where(below, x, a[active])
        b[active] = np.where(below, b[active], x)
        fa[active] = np.where(below, fg, np.where(side[active] == -1, (fa[active] + qa) / 2,
                                                   fa[active]))
        fb[active] = np.where(below, np.where(side[active] == 1, (fb[active] + qa) / 2,
                                              fb[active]), fg)
        side[active] = np.where(below, 1, -1)
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        guess[active] = aa + (bb - aa) * np.clip((qa - ffa) / np.maximum(ffb - ffa, 1e-300),
                                                 0.0, 1.0)
        sample = active % n                 # np.take: 2–3× faster than start[:, sample]
        fg = _mixture_cdf_at(guess[active].astype(start.dtype),
                             *(np.take(arr, sample, axis=1) for arr in (start, end, rise)))
    return guess.reshape(-1, n)


def _buffer(workspace: dict | None, name: str, shape: tuple[int, ...],
            dtype: type) -> np.ndarray:
    """Scratch array reused across chunks (fresh memory costs page faults on every chunk)."""
    size = math.prod(shape)
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    held = workspace.get(name)
    if held is None or held.size < size or held.dtype != dtype:
        held = workspace[name] = np.empty(size, dtype=dtype)
    return held[:size].reshape(shape)


def mixture_summary(cells: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                    quantiles: tuple[float, ...], thresholds: tuple[float, ...],
                    workspace: dict | None = None
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Quantiles and CDF values of a mixture of uniforms, one mixture per sample.

    `cells` holds (weight, mean, variance) arrays of shape (k, samples) (weights may
    broadcast): each row is a uniform cell, and each sample's weights sum to 1. In grid
    units a cell rises with slope ``s`` from ``a`` to ``b``, so the CDF is
    ``F(x) = x·Σs − Σs·a`` over cells with ``a ≤ x`` minus the same over cells with
    ``b ≤ x``: two sums accumulated at the grid nodes by one ``bincount`` and one
    cumulative sum, exact at every node. A quantile is bracketed between two nodes and
    found by regula falsi on the exact CDF; threshold shares are the exact CDF. Cell
    geometry is float32 (positions of a few grid steps, relative to the sample's first
    cell); the node sums are float64.
    """
    f32 = np.float32
    n = cells[0][1].shape[1]
    rows = sum(mean.shape[0] for _, mean, _ in cells)
    nodes = GRID_POINTS
    bins = nodes + 1
    lo = _buffer(workspace, "lo", (rows, n), f32)
    hi = _buffer(workspace, "hi", (rows, n), f32)
    rise = _buffer(workspace, "rise", (rows, n), f32)
    first = 0
    for weight, mean, var in cells:
        part = slice(first, first + mean.shape[0])
        first = part.stop
        half = np.multiply(var, 3.0, out=rise[part])        # rise[part] as scratch
        np.sqrt(np.maximum(half, 0.0, out=half), out=half)
        np.maximum(np.subtract(mean, half, out=lo[part]), 0.0, out=lo[part])
        np.add(mean, half, out=hi[part])
        rise[part] = weight
    x0 = lo.min(axis=0)
    span = np.maximum(hi.max(axis=0).astype(float) - x0, 1e-6)
    step = span / (nodes - 1)
    scale = (1.0 / step).astype(f32)
    start, end = lo, hi
    start -= x0
    start *= scale
    end -= x0
    end *= scale
    scratch = _buffer(workspace, "scratch", (rows, n), f32)
    np.add(start, f32(MIN_CELL_WIDTH), out=scratch)
    np.maximum(end, scratch, out=end)                     # point masses: a steep ramp
    rise /= np.subtract(end, start, out=scratch)
    # Node g counts the ramps with a ≤ g; ramps that start or end exactly at g add 0 at g,
    # so the truncated position + 1 serves as ceil(position). One index (node, sample)
    # serves the two sums, P (slopes) and Q (slope × position).
    index = _buffer(workspace, "index", (2, rows, n), np.intp)
    index[0] = start
    index[1] = end
    index *= n
    index += np.arange(n) + n
    weights = _buffer(workspace, "weights", (2, rows, n), float)
    weights[0] = rise
    np.negative(weights[0], out=weights[1])
    sums = np.empty((2, bins, n))
    sums[0] = np.bincount(index.ravel(), weights.ravel(), bins * n).reshape(bins, n)
    weights[0] *= start
    weights[1] *= end
    sums[1] = np.bincount(index.ravel(), weights.ravel(), bins * n).reshape(bins, n)
    for node in range(1, nodes):       # numpy's cumsum along this axis is 10× slower
        sums[:, node] += sums[:, node - 1]
    density = sums[0, :nodes]                        # CDF slope just right of each node
    cdf = np.arange(nodes, dtype=float)[:, None] * density - sums[1, :nodes]
    x0 = x0.astype(float)
    out_q = list(x0 + step * _invert_cdf(quantiles, cdf, density, start, end, rise, scratch))
    out_t = []
    for t in thresholds:
        pos = ((t - x0) / step).astype(f32)
        out_t.append(np.clip(_mixture_cdf_at(pos, start, end, rise, scratch), 0.0, 1.0))
    return out_q, out_t


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


def lognormal_moments(median: np.ndarray, log_sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean, variance and squared coefficient of variation of a lognormal."""
    mean = median * np.exp(log_sd**2 / 2.0)
    scv = np.expm1(log_sd**2)
    return mean, mean**2 * scv, scv


def approximate(g: Mapping[str, np.ndarray], offsets: Mapping[str, float],
                horizon_h: float, workspace: dict | None = None) -> dict[str, np.ndarray]:
    """Latency statistics, throughput and utilisation for each sample row.

    `g` maps input names without the ``c2.`` prefix to float arrays (samples,); categories
    are codes (structure: 0 hawaii_centric, 1 jfhq_in_japan; situation: 0 peacetime,
    1 crisis). `offsets` are UTC offsets in hours per node. `workspace` (a dict kept
    across chunks) lets the mixture reuse its scratch arrays. Samples that delegate
    nothing are moved in front, so that their (smaller) mixture is a contiguous slice.
    """
    escalate_all = (g["structure"] != 1) | (g["delegated_share"] == 0.0)
    order = np.argsort(~escalate_all, kind="stable")
    if np.all(order[1:] > order[:-1]):
        return _approximate_sorted(g, offsets, horizon_h, workspace)
    out = _approximate_sorted({k: np.asarray(v)[order] for k, v in g.items()}, offsets,
                              horizon_h, workspace)
    restore = np.empty_like(order)
    restore[order] = np.arange(order.size)
    return {k: v[restore] for k, v in out.items()}


def _approximate_sorted(g: Mapping[str, np.ndarray], offsets: Mapping[str, float],
                        horizon_h: float, workspace: dict | None) -> dict[str, np.ndarray]:
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
    hours_mid = HOURS_MID[:, None]
    jj = node_hourly(lam, sj, sj_mean, sj_scv, horizon_h)
    lam_u = interp_hourly(jj["departures"], hours_mid - (sj_mean + tr1))
    us = node_hourly(lam_u, su, su_mean, su_scv, horizon_h)
    lam_i = (1.0 - delegated) * interp_hourly(us["departures"], hours_mid - (su_mean + tr2))
    ip = node_hourly(lam_i, si, si_mean, si_scv, horizon_h)

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
            mod24(g[f"{node}.duty_start_h"] - offsets[node]),
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
            [tuple(a[:, chosen] for a in cell) for node in nodes for cell in cells[node]],
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
