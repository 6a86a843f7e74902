"""sustainment_kernel — the conflict's daily recursion (phase 2 of
:mod:`kaname.models.sustainment`), in two implementations of the same equations.

* :func:`fight_numpy` is the **reference**. It vectorises over a block of samples and steps
  through the days. Its numbers are bit-identical to the recursion as it was before a compiled
  kernel existed. It runs wherever kaname runs.
* :func:`fight_numba` loops over samples, days and munitions in compiled code (numba, a
  dependency of kaname; the numpy reference runs where numba has no wheel or is removed).
  One sample's state stays in L1 for all its days, where numpy passes over the whole block
  once per operation: about 2.7x faster on the bundled example's blocks
  (``benchmarks/bench_sustainment.py`` prints both and the ratio).

``KANAME_KERNEL=numpy|numba`` picks one (:mod:`kaname.kernels`, shared by every compiled
kernel); unset or ``auto`` means numba if it imports, else numpy.

Why the two do not agree to the last bit: each day sums over munitions four times (fire at
the lift, its variance, critical demand and critical fire met). numpy's ``einsum`` adds these
terms in an order set by its SIMD width, and that order depends on the CPU numpy was built
for. The kernel adds them one after another. Everything else runs the same operations in the
same order. So the depletion day (and with it ``sustainment_days``), daily demand and daily
resupply are bit-identical. The quantities downstream of those sums (launchers standing,
then fire, stocks and the race) agree to :data:`RTOL` relative to the size of what was
summed: for a munition's stock and fire, that munition's stock at the start plus its resupply
plus its demand over the horizon; for the race, the hits and ships involved; for the share of
launchers standing, 1. The sums are well conditioned (their terms are not negative), so
the measured gap is about 1e-15; the tolerance leaves three orders of magnitude for
rounding that builds up over the days. ``tests/test_sustainment_kernel.py`` checks it.
One caveat: ``p_deny_race`` steps from 0 to 1 when the race has no spread and no
hit-or-miss variance. A future sitting exactly on that step can come out on different sides
in the two implementations.

numba compiles the kernel at its first use (:func:`kaname.kernels.compiled`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kaname import kernels
from kaname.models import race

RTOL = 1e-12  # numba vs numpy, relative to the size of what was summed (see above)
DEPLETION_GAP = 1e-9  # shots: demand beyond what is there that counts as running out
SERIES_BY_MUNITION = ("stock", "fired", "resupply", "demand")
SERIES = (*SERIES_BY_MUNITION, "lift", "launchers_surviving")


@dataclass(frozen=True)
class Fight:
    """The conflict's inputs for one block of ``n`` samples and ``M`` munitions.

    Everything that does not change from day to day is computed once, in numpy, before the
    recursion. Both kernels take the same values, so e.g. ``exp`` cannot differ between them.
    """

    stock0: np.ndarray          # (n, M) theatre stock at the start
    excess: np.ndarray          # (n, M) surge demand above the sustained rate
    d_sus: np.ndarray           # (n, M) sustained demand a day
    decay_per_day: np.ndarray   # (n, M) exp(-1 / tau)
    capacity: np.ndarray        # (n, M) shots a day with every launcher standing
    critical: np.ndarray        # (n, M) 1.0 for a defensive interceptor, else 0.0
    aimed: np.ndarray           # (n, M) hits on the lift per shot fired
    aimed_var: np.ndarray       # (n, M) variance of those hits per shot
    step_day: np.ndarray        # (S, n, M) int64: day each resupply stream steps up (H: never)
    step_size: np.ndarray       # (S, n, M) the step, missiles a day
    loss_rate: np.ndarray       # (n,) launchers lost a day when undefended
    establish: np.ndarray       # (n,) days until the attacker is established ashore
    hits_per_ship: np.ndarray   # (n,)
    reconstitution: np.ndarray  # (n,) lift added a day
    horizon: int

    @property
    def race_days(self) -> int:
        """Days on which someone's attacker is not yet ashore."""
        return int(np.ceil(np.max(self.establish, initial=0.0)))


def fight(p: Fight, series: bool = False) -> dict[str, np.ndarray]:
    """Run the recursion with the kernel of :func:`kernel_name`."""
    return (fight_numba if kernels.kernel_name() == "numba" else fight_numpy)(p, series)


def _series(n: int, M: int, H: int, series: bool) -> dict[str, np.ndarray]:
    """Arrays for the daily series (empty when they are not asked for)."""
    if not series:
        n = M = H = 0
    return {k: np.empty((n, M, H) if k in SERIES_BY_MUNITION else (n, H)) for k in SERIES}


class _Steps:
    """A sum of step functions of the day, advanced incrementally (the numpy path).

    Stream *k* adds ``size_k`` from day ``day_k`` on. Samples are bucketed by their step day
    once, so each day touches only the samples that step that day. That costs O(samples)
    over the whole horizon instead of O(samples × days).
    """

    def __init__(self, day: np.ndarray, size: np.ndarray, horizon: int):
        self.streams = []
        for d, s in zip(day, size, strict=True):
            d = d.ravel()
            order = np.argsort(d, kind="stable")
            bounds = np.searchsorted(d[order], np.arange(horizon + 1))
            self.streams.append((order, bounds, s.ravel()))

    def advance(self, t: int, level: np.ndarray) -> None:
        """Add to `level` (in place) the steps that happen on day `t`."""
        flat = level.reshape(-1)
        for order, bounds, size in self.streams:
            idx = order[bounds[t]:bounds[t + 1]]
            if idx.size:
                flat[idx] += size[idx]


def fight_numpy(p: Fight, series: bool = False) -> dict[str, np.ndarray]:
    """The reference: the daily recursion over a block of samples at once.

    The block should fit in cache (sustainment's ``FIGHT_BLOCK``). Every day reuses the
    same preallocated arrays (``out=``), so the loop allocates nothing of size (n, M).
    """
    n, M = p.stock0.shape
    H, race_days = p.horizon, p.race_days
    steps = _Steps(p.step_day, p.step_size, H)
    excess, d_sus, critical, aimed = p.excess, p.d_sus, p.critical, p.aimed
    capacity, establish, hits_per_ship = p.capacity, p.establish, p.hits_per_ship

    decay = np.ones((n, M))
    demand, available, fired, gap, today = (np.empty((n, M)) for _ in range(5))
    first = np.empty((n, M), dtype=bool)
    stock = p.stock0.copy()
    lasting = p.stock0.copy()  # the stock if every shot demanded were fired
    resupply = np.zeros((n, M))
    depleted_at = np.full((n, M), float(H))
    # A cell depletes when available - demand < its threshold: -DEPLETION_GAP while open,
    # -inf once it has depleted (one comparison tests both).
    threshold = np.full((n, M), -DEPLETION_GAP)
    flat = {"lasting": lasting.reshape(-1), "demand": demand.reshape(-1),
            "resupply": resupply.reshape(-1), "depleted_at": depleted_at.reshape(-1),
            "threshold": threshold.reshape(-1)}
    standing = np.ones(n)
    all_standing = True  # capacity * 1.0 is capacity: skip the product until a loss
    standing_at_establishment = np.ones(n)
    net_sunk, hits_total, variance_ships = np.zeros(n), np.zeros(n), np.zeros(n)
    keep = _series(n, M, H, series)
    for t in range(H):
        np.multiply(excess, decay, out=demand)
        demand += d_sus
        steps.advance(t, resupply)
        # Depletion is of the stock against the demand (what it would last if every shot
        # asked for were fired): launcher losses elsewhere never shorten it.
        np.add(lasting, resupply, out=available)
        np.subtract(available, demand, out=gap)
        np.less(gap, threshold, out=first)
        hit = np.flatnonzero(first)
        if hit.size:
            # Within the day the stock drains at (demand - resupply): the exact crossing.
            flat["depleted_at"][hit] = t + flat["lasting"][hit] / np.maximum(
                flat["demand"][hit] - flat["resupply"][hit], 1e-300)
            flat["threshold"][hit] = -np.inf
        np.maximum(gap, 0.0, out=lasting)  # = available - min(demand, available)
        # What is fired is also capped by the launchers still standing.
        np.add(stock, resupply, out=available)
        np.minimum(demand, available, out=fired)
        np.minimum(fired, capacity if all_standing
                   else np.multiply(capacity, standing[:, None], out=today), out=fired)
        if series:
            keep["stock"][:, :, t] = stock
            keep["fired"][:, :, t] = fired
            keep["resupply"][:, :, t] = resupply
            keep["demand"][:, :, t] = demand
            keep["lift"][:, t] = net_sunk  # evaluate turns it into ships afloat
            keep["launchers_surviving"][:, t] = standing
        if t < race_days:  # the race is over once every sample's attacker is ashore
            weight = race.day_weight(t, establish)
            hits = np.einsum("ij,ij->i", fired, aimed)
            hits_total += weight * hits
            variance_ships += weight * np.einsum("ij,ij->i", fired, p.aimed_var) \
                / hits_per_ship**2
            net_sunk += race.ships_sunk(hits, weight, hits_per_ship, p.reconstitution)
            standing_at_establishment = np.where(weight > 0, standing,
                                                 standing_at_establishment)
        asked = np.einsum("ij,ij->i", demand, critical)
        met = np.einsum("ij,ij->i", fired, critical)
        defended = np.where(asked > 0, met / np.maximum(asked, 1e-300), 1.0)
        standing = standing * (1.0 - p.loss_rate * (1.0 - defended))
        all_standing = all_standing and bool(np.all(standing == 1.0))
        np.subtract(available, fired, out=stock)
        decay *= p.decay_per_day
    out = {"stock_end": stock, "depleted_at": depleted_at, "net_sunk": net_sunk,
           "hits_total": hits_total, "variance_ships": variance_ships,
           "standing_at_establishment": standing_at_establishment}
    if series:
        out.update(keep)
    return out


def fight_numba(p: Fight, series: bool = False) -> dict[str, np.ndarray]:
    """The compiled kernel (see the module docstring for how it differs from the reference).
    It compiles at the first call in a process, unless the disk cache already has it."""
    kernel = kernels.compiled(_fight_loops)
    n, M = p.stock0.shape
    keep = _series(n, M, p.horizon, series)
    out: dict[str, np.ndarray] = {k: np.empty((n, M)) for k in ("stock_end", "depleted_at")}
    out.update({k: np.empty(n) for k in ("net_sunk", "hits_total", "variance_ships",
                                        "standing_at_establishment")})
    c = np.ascontiguousarray
    kernel(c(p.stock0), c(p.excess), c(p.d_sus), c(p.decay_per_day), c(p.capacity),
           c(p.critical), c(p.aimed), c(p.aimed_var), c(p.step_day), c(p.step_size),
           c(p.loss_rate), c(p.establish), c(p.hits_per_ship), c(p.reconstitution), p.horizon,
           p.race_days, DEPLETION_GAP, series, out["stock_end"], out["depleted_at"],
           out["net_sunk"], out["hits_total"], out["variance_ships"],
           out["standing_at_establishment"], *(keep[k] for k in SERIES))
    if series:
        out.update(keep)
    return out


def _fight_loops(stock0, excess, d_sus, decay_per_day, capacity, critical, aimed,  # type: ignore[no-untyped-def]
                 aimed_var, step_day, step_size, loss_rate, establish, hits_per_ship,
                 reconstitution, horizon, race_days, gap_to_deplete, series,
                 stock_end, depleted_at, net_sunk, hits_total, variance_ships,
                 standing_at_establishment, keep_stock, keep_fired, keep_resupply,
                 keep_demand, keep_lift, keep_standing):
    """The recursion of :func:`fight_numpy`, compiled by numba, one sample at a time.

    A sample's state (M munitions) lives in a few small arrays and scalars for all its days,
    so nothing leaves L1: numpy instead passes over the whole block once per operation. A
    resupply stream is looked at only on the day it steps (each munition keeps its next
    step day). Operations follow the reference's order and rounding; the four sums over
    munitions run in index order.
    """
    n, M = stock0.shape
    S = step_day.shape[0]
    stock = np.empty(M)
    lasting = np.empty(M)
    resupply = np.empty(M)
    decay = np.empty(M)
    threshold = np.empty(M)
    next_step = np.empty(M, dtype=np.int64)
    for i in range(n):
        for j in range(M):
            stock[j] = stock0[i, j]
            lasting[j] = stock0[i, j]
            resupply[j] = 0.0
            decay[j] = 1.0
            threshold[j] = -gap_to_deplete
            depleted_at[i, j] = horizon
            first = horizon
            for s in range(S):
                first = min(first, step_day[s, i, j])
            next_step[j] = first
        standing = 1.0
        at_establishment = 1.0
        sunk = 0.0
        hits_sum = 0.0
        variance = 0.0
        per_ship = hits_per_ship[i]
        for t in range(horizon):
            hits = 0.0
            hits_var = 0.0
            asked = 0.0
            met = 0.0
            for j in range(M):
                demand = excess[i, j] * decay[j]
                demand = demand + d_sus[i, j]
                r = resupply[j]
                if next_step[j] == t:
                    later = horizon
                    for s in range(S):
                        day = step_day[s, i, j]
                        if day == t:
                            r += step_size[s, i, j]
                        elif t < day < later:
                            later = day
                    next_step[j] = later
                    resupply[j] = r
                gap = (lasting[j] + r) - demand
                if gap < threshold[j]:
                    depleted_at[i, j] = t + lasting[j] / max(demand - r, 1e-300)
                    threshold[j] = -np.inf
                lasting[j] = max(gap, 0.0)
                available = stock[j] + r
                fired = min(min(demand, available), capacity[i, j] * standing)
                if series:
                    keep_stock[i, j, t] = stock[j]
                    keep_fired[i, j, t] = fired
                    keep_resupply[i, j, t] = r
                    keep_demand[i, j, t] = demand
                hits += fired * aimed[i, j]
                hits_var += fired * aimed_var[i, j]
                asked += demand * critical[i, j]
                met += fired * critical[i, j]
                stock[j] = available - fired
                decay[j] *= decay_per_day[i, j]
            if series:
                keep_lift[i, t] = sunk
                keep_standing[i, t] = standing
            if t < race_days:
                weight = min(max(establish[i] - t, 0.0), 1.0)
                hits_sum += weight * hits
                variance += weight * hits_var / (per_ship * per_ship)
                sunk += weight * (hits / per_ship - reconstitution[i])
                if weight > 0:
                    at_establishment = standing
            defended = met / max(asked, 1e-300) if asked > 0 else 1.0
            standing = standing * (1.0 - loss_rate[i] * (1.0 - defended))
        for j in range(M):
            stock_end[i, j] = stock[j]
        net_sunk[i] = sunk
        hits_total[i] = hits_sum
        variance_ships[i] = variance
        standing_at_establishment[i] = at_establishment
