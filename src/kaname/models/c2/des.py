"""Discrete-event simulation of the c2 coordination network on SimPy — the reference.

Each node is a :class:`simpy.PriorityResource` sized to its largest shift. Staffing changes
at local shift boundaries by "off-shift" claims of priority −1: at the end of the day shift
the surplus officers finish the request in hand and then leave (non-preemptive); at the
start of the day shift the claims are released. Requests (priority 0) arrive at JJOC as a
Poisson process; staff work is lognormal; hops add fixed transit; a share of decisions
waits for the deciding node's commander, who is available in local duty hours or, in a
crisis, after ``min(wake-up delay, time to the day shift)``.

Replications run in parallel (``concurrent.futures.ProcessPoolExecutor``); replication *r*
draws from child *r* of ``numpy.random.SeedSequence(seed)``, so results do not depend on the
number of workers. Both structures use the same draws per replication (common random
numbers), which sharpens their comparison.

References
----------
Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed. McGraw-Hill. (independent
replications, warm-up deletion, common random numbers)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import simpy

from kaname.errors import InputError
from kaname.models.c2.specs import INPUTS, NODES, STRUCTURES, P, check_values

DRAIN_DAYS = 10.0   # after the last arrival, time allowed for requests to finish


@dataclass(frozen=True)
class NodeParams:
    """One headquarters desk, in hours and staff counts."""

    name: str
    utc_offset_h: float
    day_staff: int
    night_staff: int
    duty_start_h: float
    duty_end_h: float
    service_median_h: float
    service_log_sd: float
    principal_share: float = 0.0
    principal_decision_h: float = 0.0
    principal_wakeup_h: float = 0.0

    def duty_start_utc(self) -> float:
        return (self.duty_start_h - self.utc_offset_h) % 24

    def duty_length(self) -> float:
        length = (self.duty_end_h - self.duty_start_h) % 24
        return 24.0 if length == 0 else length

    def on_duty(self, t_utc: float) -> bool:
        return (t_utc - self.duty_start_utc()) % 24 < self.duty_length()

    def staff_at(self, t_utc: float) -> int:
        return self.day_staff if self.on_duty(t_utc) else self.night_staff

    def deferral(self, t_utc: float, crisis: bool) -> float:
        """Hours until the commander can decide, for a request reaching them at `t_utc`."""
        phase = (t_utc - self.duty_start_utc()) % 24
        if phase < self.duty_length():
            return 0.0
        to_start = 24.0 - phase
        return min(self.principal_wakeup_h, to_start) if crisis else to_start


@dataclass(frozen=True)
class Network:
    """The three desks, the structure and the demand (all scalars)."""

    jjoc: NodeParams
    usfj: NodeParams
    indopacom: NodeParams
    structure: str
    delegated_share: float
    crisis: bool
    arrivals_per_hour: float
    transit_jjoc_usfj_h: float
    transit_usfj_indopacom_h: float

    @property
    def delegated(self) -> float:
        return self.delegated_share if self.structure == "jfhq_in_japan" else 0.0


def network_from_values(values: Mapping[str, float], offsets: Mapping[str, float], *,
                        file: str | None = None) -> Network:
    """Build a :class:`Network` from engine-ready input values (category codes)."""
    check_values(values, file=file)
    missing = [p for p in INPUTS if p not in values]
    if missing:
        raise InputError("missing c2 input", file=file, key=missing[0])
    v = {p[len(P):]: float(x) for p, x in values.items()}
    structure = STRUCTURES[int(v["structure"])]
    jfhq = structure == "jfhq_in_japan"

    def node(name: str, *, role_jfhq: bool = False) -> NodeParams:
        day = v[f"{name}.jfhq_day_staff"] if role_jfhq else v[f"{name}.day_staff"]
        night = v[f"{name}.jfhq_night_staff"] if role_jfhq else v[f"{name}.night_staff"]
        return NodeParams(
            name=name, utc_offset_h=v.get(f"{name}.utc_offset_h", offsets[name]),
            day_staff=int(day), night_staff=int(night),
            duty_start_h=v[f"{name}.duty_start_h"], duty_end_h=v[f"{name}.duty_end_h"],
            service_median_h=v[f"{name}.service_median_min"] / 60.0,
            service_log_sd=v[f"{name}.service_log_sd"],
            principal_share=v.get(f"{name}.principal_share", 0.0),
            principal_decision_h=v.get(f"{name}.principal_decision_min", 0.0) / 60.0,
            principal_wakeup_h=v.get(f"{name}.principal_wakeup_h", 0.0))

    crisis = int(v["situation"]) == 1
    per_day = v["arrivals_per_day_crisis"] if crisis else v["arrivals_per_day_peacetime"]
    net = Network(jjoc=node("jjoc"), usfj=node("usfj"), indopacom=node("indopacom"),
                  structure=structure, delegated_share=v["delegated_share"], crisis=crisis,
                  arrivals_per_hour=per_day / 24.0,
                  transit_jjoc_usfj_h=v["transit.jjoc_usfj_h"],
                  transit_usfj_indopacom_h=v["transit.usfj_indopacom_h"])
    return net if not jfhq else replace(net, usfj=node("usfj", role_jfhq=True))


class Desk:
    """A staffed desk whose headcount follows the local shift pattern."""

    def __init__(self, env: simpy.Environment, params: NodeParams, end: float,
                 window: tuple[float, float]):
        self.env = env
        self.window = window
        self.params = params
        self.capacity = max(params.day_staff, params.night_staff)
        self.resource = simpy.PriorityResource(env, capacity=max(self.capacity, 1))
        self.off_shift: list[simpy.resources.resource.PriorityRequest] = []
        self.waiting = 0
        self.busy_hours = 0.0
        self.staffed_hours = 0.0
        self.backlog: list[int] = []
        env.process(self._shifts(end))

    def _shifts(self, end: float):  # type: ignore[no-untyped-def]
        while self.env.now < end:
            target_off = self.capacity - self.params.staff_at(self.env.now + 1e-9)
            if self.capacity == 0:
                target_off = 0
            while len(self.off_shift) < target_off:
                self.off_shift.append(self.resource.request(priority=-1))
            while len(self.off_shift) > target_off:
                claim = self.off_shift.pop()
                if claim.triggered:
                    self.resource.release(claim)
                else:
                    claim.cancel()
            if self.window[0] <= self.env.now < self.window[1]:
                self.staffed_hours += self.params.staff_at(self.env.now + 1e-9)
                self.backlog.append(self.waiting)
            yield self.env.timeout(1.0)

    def serve(self, hours: float):  # type: ignore[no-untyped-def]
        self.waiting += 1
        with self.resource.request(priority=0) as req:
            yield req
            self.waiting -= 1
            lo, hi = self.window
            now = self.env.now
            self.busy_hours += max(0.0, min(now + hours, hi) - max(now, lo))
            yield self.env.timeout(hours)


@dataclass
class Draws:
    """Random numbers for one replication, shared by both structures."""

    arrivals: np.ndarray
    service: dict[str, np.ndarray]
    delegate: np.ndarray
    principal: np.ndarray


def draw(net: Network, hours: float, rng: np.random.Generator) -> Draws:
    lam = net.arrivals_per_hour
    count = int(rng.poisson(lam * hours)) if lam > 0 else 0
    arrivals = np.sort(rng.uniform(0.0, hours, count))   # Poisson process on [0, hours)
    service = {}
    for name in NODES:
        # unit lognormal draws, scaled per node at use: common numbers across structures
        service[name] = rng.lognormal(0.0, 1.0, count)
    return Draws(arrivals, service, rng.uniform(size=count), rng.uniform(size=count))


def _service_time(node: NodeParams, unit_draw: float) -> float:
    # unit_draw = exp(Z), Z ~ N(0,1); median·exp(σZ) is lognormal(log median, σ)
    return node.service_median_h * unit_draw ** node.service_log_sd


def simulate(net: Network, days: float, warmup_days: float, seed: np.random.SeedSequence,
             records: bool = False) -> dict[str, object]:
    """One replication: all requests raised in ``[warm-up, warm-up + days)`` are measured."""
    rng = np.random.default_rng(seed)
    horizon = (warmup_days + days) * 24.0
    d = draw(net, horizon, rng)
    env = simpy.Environment()
    end = horizon + DRAIN_DAYS * 24.0
    start, stop = warmup_days * 24.0, horizon
    desks = {name: Desk(env, getattr(net, name), end, (start, stop)) for name in NODES}
    n = d.arrivals.size
    latency = np.full(n, np.inf)
    decided_by = np.zeros(n, dtype=np.int8)      # 1 usfj, 2 indopacom
    needed_principal = np.zeros(n, dtype=bool)
    done_at = np.full(n, np.inf)

    def request(i: int):  # type: ignore[no-untyped-def]
        t0 = env.now
        yield from desks["jjoc"].serve(_service_time(net.jjoc, d.service["jjoc"][i]))
        yield env.timeout(net.transit_jjoc_usfj_h)
        yield from desks["usfj"].serve(_service_time(net.usfj, d.service["usfj"][i]))
        back = net.transit_jjoc_usfj_h
        decider = net.usfj
        decided_by[i] = 1
        if d.delegate[i] >= net.delegated:
            yield env.timeout(net.transit_usfj_indopacom_h)
            yield from desks["indopacom"].serve(
                _service_time(net.indopacom, d.service["indopacom"][i]))
            back += net.transit_usfj_indopacom_h
            decider = net.indopacom
            decided_by[i] = 2
        if d.principal[i] < decider.principal_share:
            needed_principal[i] = True
            yield env.timeout(decider.deferral(env.now, net.crisis)
                              + decider.principal_decision_h)
        yield env.timeout(back)
        latency[i] = env.now - t0
        done_at[i] = env.now

    def source():  # type: ignore[no-untyped-def]
        for i in range(n):   # one arrival process keeps the event heap small
            yield env.timeout(d.arrivals[i] - env.now)
            env.process(request(i))

    env.process(source())
    env.run(until=end)

    measured = (d.arrivals >= start) & (d.arrivals < stop)
    result: dict[str, object] = {
        "latency_h": latency[measured],
        "decided_in_window": int(np.sum((done_at >= start) & (done_at < stop))),
        "days": days,
        "utilisation": {name: desk.busy_hours / max(desk.staffed_hours, 1e-12)
                        for name, desk in desks.items()},
        "backlog": {name: np.asarray(desk.backlog) for name, desk in desks.items()},
    }
    if records:
        result["records"] = {
            "arrival_utc_h": d.arrivals[measured] - start,
            "decided_by": np.array(["", "usfj", "indopacom"])[decided_by[measured]],
            "needed_principal": needed_principal[measured],
            "latency_h": latency[measured],
        }
    return result



def _one(args: tuple[Network, float, float, np.random.SeedSequence, bool]
         ) -> dict[str, object]:
    return simulate(*args)


def replicate(nets: Sequence[Network], days: float, warmup_days: float, replications: int,
              seed: int, workers: int | None = None, records: bool = False
              ) -> list[list[dict[str, object]]]:
    """Run `replications` of each network (common random numbers across networks).

    Returns ``results[network][replication]``. Replication r uses child r of
    ``SeedSequence(seed)`` whatever the number of workers, so output is reproducible.
    """
    if replications < 1:
        raise InputError("must be at least 1", key="replications")
    if days <= 0:
        raise InputError("must be positive", key="days")
    children = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(net, days, warmup_days, child, records) for net in nets for child in children]
    workers = workers if workers is not None else min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or len(jobs) == 1:
        flat = [_one(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            flat = list(pool.map(_one, jobs))
    return [flat[k * replications:(k + 1) * replications] for k in range(len(nets))]


# Where the approximation is validated against this simulation (docs/models/c2.md): default
# data, both structures, seed 5, 4 replications, 3 warm-up days. (situation, requests/day,
# delegated share, measured days, within the stated tolerance): at 54 requests/day the
# night watches run at ρ ≈ 0.9, outside the approximation's stated domain.
VALIDATION_GRID: tuple[tuple[str, float, float, float, bool], ...] = (
    ("crisis", 18.0, 0.5, 40.0, True),
    ("crisis", 36.0, 0.5, 30.0, True),
    ("crisis", 45.0, 0.5, 30.0, True),
    ("crisis", 54.0, 0.5, 30.0, False),
    ("crisis", 36.0, 0.2, 30.0, True),
    ("crisis", 36.0, 0.8, 30.0, True),
    ("peacetime", 8.0, 0.5, 120.0, True),
    ("peacetime", 20.0, 0.5, 60.0, True),
)


def compare_structures(model: Any, values: Mapping[str, float], days: float,
                       warmup_days: float, replications: int, seed: int,
                       workers: int | None = None, *, file: str | None = None,
                       records: bool = False
                       ) -> tuple[list[list[dict[str, object]]], dict[str, np.ndarray]]:
    """Simulate both structures from one set of c2 inputs, and evaluate the approximation
    (`model`, a :class:`~kaname.models.c2.C2Model`) on the same two rows.

    Returns the replications per structure (as :func:`replicate`) and the approximation's
    outputs (through the engine), arrays indexed by structure code.
    """
    rows = [{**values, P + "structure": float(code)} for code in range(len(STRUCTURES))]
    nets = [network_from_values(row, model.offsets, file=file) for row in rows]
    runs = replicate(nets, days, warmup_days, replications, seed, workers, records=records)
    approx = model.evaluate_dict({p: np.array([row[p] for row in rows]) for p in INPUTS})
    return runs, approx


def summarise(runs: Sequence[dict[str, object]]) -> dict[str, object]:
    """Pool replications: latency quantiles, share within 6 h, throughput, utilisation."""
    lat = np.concatenate([np.asarray(r["latency_h"]) for r in runs])
    finite = lat[np.isfinite(lat)]
    per_rep_mean = np.array([np.mean(np.asarray(r["latency_h"])) for r in runs])
    days = sum(float(r["days"]) for r in runs)  # type: ignore[arg-type, misc]
    util = {name: float(np.mean([r["utilisation"][name] for r in runs]))  # type: ignore[index]
            for name in NODES}
    backlog = {name: np.mean([r["backlog"][name] for r in runs], axis=0)  # type: ignore[index]
               for name in NODES}
    q = (lambda p: float(np.quantile(lat, p))) if lat.size else (lambda p: float("nan"))
    half_width = (1.96 * per_rep_mean.std(ddof=1) / np.sqrt(len(runs))
                  if len(runs) > 1 else float("nan"))
    return {
        "requests": int(lat.size),
        "unfinished": int(lat.size - finite.size),
        "latency_mean_h": float(np.mean(lat)) if lat.size else float("nan"),
        "latency_mean_ci95_h": float(half_width),
        "latency_median_h": q(0.5),
        "latency_p90_h": q(0.9),
        "latency_p95_h": q(0.95),
        "share_within_6h": float(np.mean(lat <= 6.0)) if lat.size else float("nan"),
        "decisions_per_day": sum(int(r["decided_in_window"]) for r in runs) / days,  # type: ignore[call-overload]
        "max_utilisation": max(util.values()),
        "utilisation": util,
        "backlog_mean": {k: float(v.mean()) for k, v in backlog.items()},
        "backlog_max": {k: float(v.max()) if v.size else 0.0 for k, v in backlog.items()},
        "backlog_by_hour": {k: v.tolist() for k, v in backlog.items()},
    }


def simulate_single_node(arrivals_per_hour: float, service_minutes: float, servers: int,
                         hours: float, seed: int, warmup_share: float = 0.1
                         ) -> dict[str, float]:
    """M/M/c with constant staffing: the check of the DES against the Erlang-C formula.

    Customers arriving in the first `warmup_share` of the run are not measured.
    """
    for key, value in (("--arrivals-per-hour", arrivals_per_hour),
                       ("--service-minutes", service_minutes), ("--hours", hours)):
        if not np.isfinite(value) or value <= 0:
            raise InputError(f"must be a positive number (got {value:g})", key=key)
    if servers < 1:
        raise InputError(f"must be at least 1 (got {servers})", key="servers")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    count = int(rng.poisson(arrivals_per_hour * hours))
    arrivals = np.sort(rng.uniform(0.0, hours, count))
    service = rng.exponential(service_minutes / 60.0, count)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    waits = np.full(count, np.nan)
    busy = [0.0]

    def customer(i: int):  # type: ignore[no-untyped-def]
        t0 = env.now
        req = desk.request()
        yield req
        waits[i] = env.now - t0
        busy[0] += min(service[i], max(hours - env.now, 0.0))
        yield env.timeout(service[i])
        desk.release(req)

    def source():  # type: ignore[no-untyped-def]
        for i in range(count):   # one arrival process keeps the event heap small
            yield env.timeout(arrivals[i] - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    measured = arrivals >= warmup_share * hours
    from kaname.models.c2.queueing import mmc_wait_moments

    mu = 60.0 / service_minutes
    erlang = (float(mmc_wait_moments(np.array([float(servers)]),
                                     np.array([arrivals_per_hour]),
                                     np.array([1.0 / mu]))[0][0]) * 60.0
              if arrivals_per_hour < servers * mu * 0.95 else float("nan"))
    return {
        "mean_wait_minutes": float(np.mean(waits[measured]) * 60.0),
        "customers": int(measured.sum()),
        "utilisation": busy[0] / (servers * hours),
        "offered_utilisation": arrivals_per_hour / (servers * mu),
        "erlang_c_mean_wait_minutes": erlang,
        "prob_wait": float(np.mean(waits[measured] > 0)),
    }
