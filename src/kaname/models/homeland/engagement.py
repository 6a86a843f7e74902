"""Layered engagement: Poisson boost-phase engagement by space-based interceptors, then
inventory-limited layers that pass expected survivors on; and constellation sizing.

Space-based layer. With N interceptors of which a share f is in reach, the number in reach
is K ~ Poisson(N f) (satellites' phases are independent of the launch time). A salvo of n
missiles with s interceptors assigned to each has min(n, ⌊K/s⌋) missiles engaged, so

    E[engaged] = Σ_{j=1..n} P(K ≥ j s),   P(all engaged) = P(K ≥ n s),

with P(K ≥ a) = P(a, μ), the regularised lower incomplete gamma function. The smallest
constellation engaging the whole salvo with confidence c is N = ⌈P⁻¹(n s, c) / f⌉.

Later layers. Each engages the tracked survivors it can afford: a layer with inventory I
and s shots per threat fills a share min(1, I / Σ_k s τ_k x_k) of the demand of all the
classes it serves, and kills 1 − (1 − p)^s of each engaged threat (times decoy
discrimination for midcourse). Expected survivors pass on.

References
----------
Wilkening, D. A. (1999). A simple model for calculating ballistic missile defense
effectiveness. *Science & Global Security* 8(2), 183–215.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc, gammaincinv


def prob_at_least(count, mean):
    """P(K ≥ count) for K ~ Poisson(mean); 1 where count ≤ 0."""
    count = np.asarray(count, dtype=float)
    mean = np.asarray(mean, dtype=float)
    with np.errstate(invalid="ignore"):
        p = gammainc(np.maximum(count, 1.0), np.maximum(mean, 0.0))
    return np.where(count <= 0, 1.0, np.where(mean > 0, p, 0.0))


def expected_engaged(salvo, shots, mean):
    """E[min(n, ⌊K/s⌋)] for K ~ Poisson(mean): missiles of a salvo engaged from orbit.

    Sums P(K ≥ j s) over j = 1..n by stepping k = 0, 1, 2, … with the Poisson recursions
    p(k+1) = p(k) μ/(k+1) and P(K ≥ k+1) = P(K ≥ k) − p(k) (a few multiplications per step
    instead of an incomplete-gamma call per term). Each sample's sum stops at its own
    k_stop = min(n s, ⌈μ + 8√μ + 12⌉), where every remaining term is below ~1e-14, so a
    sample's value never depends on the other samples in its batch (the loop runs to the
    batch's largest k_stop, carrying only the samples not yet past their own). Means above 600, where
    e^(−μ) would underflow, use the incomplete gamma function term by term instead.
    """
    n = np.rint(np.asarray(salvo, dtype=float))
    s = np.maximum(np.rint(np.asarray(shots, dtype=float)), 1.0)
    mu = np.maximum(np.asarray(mean, dtype=float), 0.0)
    n, s, mu = np.broadcast_arrays(n, s, mu)
    n, s, mu = n.ravel(), s.ravel(), mu.ravel()
    total = np.zeros(n.shape)
    if n.size == 0:
        return total.reshape(np.shape(salvo))
    large = mu > 600.0
    k_stop = np.minimum(n * s, np.ceil(mu + 8.0 * np.sqrt(mu) + 12.0))
    k_max = int(np.max(np.where(large, 0.0, k_stop), initial=0.0))
    # Large means are summed below. The loop carries only the samples still summing: when
    # half of them have passed their own k_stop the rest are compacted (each sample sees
    # the same operations in the same order, so the sums do not change by a bit).
    live = np.flatnonzero(~large & (k_stop >= 1))
    mu_l, s_l, stop_l = mu[live], s[live], k_stop[live]
    pmf = np.exp(-mu_l)
    tail = np.ones(live.size)  # P(K ≥ k)
    acc = np.zeros(live.size)
    for k in range(1, k_max + 1):
        tail = np.maximum(tail - pmf, 0.0)
        pmf = pmf * mu_l / k
        hit = (k % s_l == 0) & (k <= stop_l)
        acc += np.where(hit, tail, 0.0)
        going = stop_l > k
        if 2 * np.count_nonzero(going) < going.size:
            total[live[~going]] = acc[~going]
            live, mu_l, s_l, stop_l = live[going], mu_l[going], s_l[going], stop_l[going]
            pmf, tail, acc = pmf[going], tail[going], acc[going]
    total[live] = acc
    if np.any(large):
        idx = np.flatnonzero(large)
        n_l, s_l, mu_l = n[idx], s[idx], mu[idx]
        acc = np.zeros(idx.size)
        j_stop = np.minimum(n_l, np.ceil((mu_l + 8 * np.sqrt(mu_l) + 12) / s_l))
        for j in range(1, int(np.max(j_stop)) + 1):
            acc += np.where(j <= j_stop, prob_at_least(j * s_l, mu_l), 0.0)
        total[idx] = acc
    return total.reshape(np.broadcast(np.asarray(salvo), np.asarray(shots),
                                      np.asarray(mean)).shape)


def prob_all_engaged(salvo, shots, mean):
    """P(K ≥ n s): the whole salvo is engaged from orbit (1 for an empty salvo)."""
    n = np.rint(np.asarray(salvo, dtype=float))
    s = np.maximum(np.rint(np.asarray(shots, dtype=float)), 1.0)
    return prob_at_least(n * s, mean)


def constellation_for_salvo(salvo, shots, confidence, share):
    """Smallest N with P(K ≥ n s) ≥ c when K ~ Poisson(N f); 0 for an empty salvo.

    The regularised incomplete gamma is increasing in the mean, so the smallest Poisson mean
    meeting the confidence is its inverse, P⁻¹(n s, c); divide by f and round up.
    """
    n = np.rint(np.asarray(salvo, dtype=float))
    s = np.maximum(np.rint(np.asarray(shots, dtype=float)), 1.0)
    c = np.clip(np.asarray(confidence, dtype=float), 1e-12, 1.0 - 1e-12)
    need = gammaincinv(np.maximum(n * s, 1.0), c)
    f = np.asarray(share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        count = np.ceil(need / f - 1e-9)
    count = np.where(f > 0, count, np.inf)
    # guard the rounding: step up where the rounded count falls just short
    short = prob_at_least(n * s, count * f) < c - 1e-12
    count = np.where(short & np.isfinite(count), count + 1, count)
    return np.where(n <= 0, 0.0, count)


def kill_given_engaged(pk, shots):
    """1 − (1 − p)^s: at least one of s independent shots kills.

    The exponent is broadcast to the base's full shape first: numpy takes a fast path
    (``x * x`` for an exponent of 2) when a broadcast exponent collapses to one scalar,
    as it does for a single sample, and ``pow`` otherwise; the two differ in the last bit,
    so a sample's numbers would depend on how many samples are evaluated with it."""
    base, exponent = np.broadcast_arrays(1.0 - np.asarray(pk, dtype=float),
                                         np.asarray(shots, dtype=float))
    return 1.0 - np.power(base, np.ascontiguousarray(exponent))


def limited_layer(threats, served, tracking, inventory, shots, kill):
    """One inventory-limited layer over threat classes (last axis).

    threats: expected arriving threats per class; served: 0/1 mask of classes the layer
    engages (broadcast); tracking: share tracked well enough to engage; inventory: rounds
    (per sample); shots: rounds per engaged threat (per class or scalar); kill: kill per
    engaged threat. Returns (survivors, rounds_used) per class.
    """
    want = threats * served * tracking
    demand = want * shots
    total = np.sum(demand, axis=-1, keepdims=True)
    inv = np.asarray(inventory, dtype=float)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(total > 0, np.minimum(1.0, inv / total), 0.0)
    engaged = want * fill
    return threats - engaged * kill, engaged * shots


def p_no_leak(leakers, salvo):
    """(1 − L/n)^n: all n threats stopped, each leaking independently with the class's mean
    per-threat leak rate L/n (exact for n = 1 and for independent layers without limits)."""
    n = np.asarray(salvo, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, np.clip(np.asarray(leakers) / n, 0.0, 1.0), 0.0)
        p = np.where(n > 0, (1.0 - rate) ** n, 1.0)
    return np.clip(p, 0.0, 1.0)
