"""Discrete-event simulation of the c2 coordination network on SimPy — the reference.

Each desk is a :class:`simpy.PriorityResource` sized to its largest planned watch. Staffing
changes on the hour by "off-shift" claims of priority −1: when the watch shrinks the
surplus officers finish the request in hand and then leave (non-preemptive); when it grows
the claims are released. The watch by hour, the arrival rates, triage and further
delegation are the plan of :mod:`.adaptation` (the same as the approximation's); the
commanders' week is :mod:`.calendar`'s.

Japan's requests (priority 0) arrive at JJOC as a Poisson process whose rate follows the
hourly arrival profile; INDOPACOM's cell also serves a competing Poisson stream from the
rest of the theatre (first come, first served, not measured). Staff work is lognormal (a
triaged request's is shorter); hops add fixed transit; a share of decisions needs the
deciding commander, and a share of those Japan's commander too (a combined step), who
decide when on duty or, in a crisis, after the wake-up delay. Each request records its
transit, staff work, queueing and waiting for commanders, so the mean latency can be
decomposed as the approximation's is.

Replications run in parallel (``concurrent.futures.ProcessPoolExecutor``); replication *r*
draws from child *r* of ``numpy.random.SeedSequence(seed)``, so results do not depend on the
number of workers. Every network in one call uses the same draws per replication (common
random numbers), which sharpens their comparison.

References
----------
Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed. McGraw-Hill. (independent
replications, warm-up deletion, common random numbers)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from kaname.errors import InputError
from kaname.models.c2 import calendar
from kaname.models.c2.adaptation import schedules
from kaname.models.c2.specs import INPUTS, NODES, STRUCTURES, P, check_values

DRAIN_DAYS = 10.0   # after the last arrival, the watch keeps its plan this long, then all
PARTS = ("transit", "work", "queue", "principal")   # officers stay until the work is done


@dataclass(frozen=True)
class NodeParams:
    """One headquarters desk: its planned watch and triage by UTC hour, and its work."""

    name: str
    staff_by_hour: tuple[int, ...]
    service_median_h: float
    service_log_sd: float
    triage_by_hour: tuple[float, ...] = (0.0,) * 24
    triage_work_factor: float = 1.0
    principal_share: float = 0.0
    principal_decision_h: float = 0.0

    def staff_at(self, t_utc: float) -> int:
        return self.staff_by_hour[int(np.floor(t_utc)) % 24]


@dataclass(frozen=True)
class Network:
    """The three desks, the structure, the demand and the commanders' week (168-hour
    arrays per deciding node and step, ``single`` or ``combined``)."""

    jjoc: NodeParams
    usfj: NodeParams
    indopacom: NodeParams
    structure: str
    delegated_share: float
    crisis: bool
    arrivals_by_hour: tuple[float, ...]
    competing_by_hour: tuple[float, ...]
    further_by_hour: tuple[float, ...]
    combined_share: float
    transit_jjoc_usfj_h: float
    transit_usfj_indopacom_h: float
    waits: Mapping[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict)

    @property
    def delegated(self) -> float:
        return self.delegated_share if self.structure == "jfhq_in_japan" else 0.0

    def escalated(self, t_utc: float, draw: float) -> bool:
        """Whether a request leaving USFJ's desk at `t_utc` goes on to INDOPACOM."""
        further = self.further_by_hour[int(np.floor(t_utc)) % 24]
        return draw >= self.delegated + (1.0 - self.delegated) * further


def network_from_values(values: Mapping[str, float], profile: Sequence[float], *,
                        file: str | None = None) -> Network:
    """Build a :class:`Network` from engine-ready input values (category codes) and the
    arrival profile, through the same plan (:func:`~.adaptation.schedules`) and calendar
    as the approximation."""
    check_values(values, file=file)
    missing = [p for p in INPUTS if p not in values]
    if missing:
        raise InputError("missing c2 input", file=file, key=missing[0])
    v = {p[len(P):]: float(x) for p, x in values.items()}
    g = {k: np.array([x]) for k, x in v.items()}
    plan = {k: np.asarray(a, dtype=float)[:, 0] for k, a in schedules(g, profile).items()}

    def hourly(key: str) -> tuple[float, ...]:
        return tuple(float(x) for x in plan[key])

    def node(name: str) -> NodeParams:
        return NodeParams(
            name=name, staff_by_hour=tuple(int(round(x)) for x in plan[f"{name}.staff"]),
            service_median_h=v[f"{name}.service_median_min"] / 60.0,
            service_log_sd=v[f"{name}.service_log_sd"],
            triage_by_hour=hourly(f"{name}.triage"),
            triage_work_factor=v["adaptation.triage_work_factor"],
            principal_share=v.get(f"{name}.principal_share", 0.0),
            principal_decision_h=v.get(f"{name}.principal_decision_min", 0.0) / 60.0)

    crisis = int(v["situation"]) == 1
    week = {name: calendar.on_duty_week(g[f"{name}.utc_offset_h"], g[f"{name}.duty_start_h"],
                                        g[f"{name}.duty_end_h"], g[f"{name}.workdays"])
            for name in NODES}
    waits = {}
    for decider in ("usfj", "indopacom"):
        for step, who in (("single", [decider]), ("combined", [decider, "jjoc"])):
            available = np.logical_and.reduce([week[k] for k in who])
            wake = calendar.wake_week([~week[k] for k in who],
                                      [g[f"{k}.principal_wakeup_h"] for k in who],
                                      np.array([crisis]))
            waits[decider, step] = (calendar.wait_to_available(available)[:, 0], wake[:, 0])
    return Network(jjoc=node("jjoc"), usfj=node("usfj"), indopacom=node("indopacom"),
                   structure=STRUCTURES[int(v["structure"])],
                   delegated_share=v["delegated_share"], crisis=crisis,
                   arrivals_by_hour=hourly("arrivals"), competing_by_hour=hourly("competing"),
                   further_by_hour=hourly("further"), combined_share=v["combined_share"],
                   transit_jjoc_usfj_h=v["transit.jjoc_usfj_h"],
                   transit_usfj_indopacom_h=v["transit.usfj_indopacom_h"], waits=waits)


class Desk:
    """A staffed desk whose headcount follows its planned watch, hour by hour."""

    def __init__(self, env: simpy.Environment, params: NodeParams, end: float,
                 window: tuple[float, float]):
        self.env = env
        self.window = window
        self.params = params
        self.capacity = max(params.staff_by_hour)
        self.resource = simpy.PriorityResource(env, capacity=max(self.capacity, 1))
        self.off_shift: list[simpy.resources.resource.PriorityRequest] = []
        self.waiting = 0
        self.busy_hours = 0.0
        self.staffed_hours = 0.0
        self.backlog: list[int] = []
        env.process(self._shifts(end))

    def _set_off(self, target_off: int) -> None:
        while len(self.off_shift) < target_off:
            self.off_shift.append(self.resource.request(priority=-1))
        while len(self.off_shift) > target_off:
            claim = self.off_shift.pop()
            if claim.triggered:
                self.resource.release(claim)
            else:
                claim.cancel()

    def _shifts(self, end: float):  # type: ignore[no-untyped-def]
        while self.env.now < end:
            staff = self.params.staff_at(self.env.now + 1e-9)
            self._set_off(self.capacity - staff if self.capacity else 0)
            if self.window[0] <= self.env.now < self.window[1]:
                self.staffed_hours += staff
                self.backlog.append(self.waiting)
            yield self.env.timeout(1.0)
        self._set_off(0)          # past the plan: everyone stays until the work is done

    def serve(self, hours: float):  # type: ignore[no-untyped-def]
        """Queue, then work `hours`; returns the time spent waiting."""
        self.waiting += 1
        t0 = self.env.now
        with self.resource.request(priority=0) as req:
            yield req
            self.waiting -= 1
            wait = self.env.now - t0
            lo, hi = self.window
            now = self.env.now
            self.busy_hours += max(0.0, min(now + hours, hi) - max(now, lo))
            yield self.env.timeout(hours)
        return wait


@dataclass
class Draws:
    """Random numbers for one replication, shared by every network of a call."""

    arrivals: np.ndarray
    service: dict[str, np.ndarray]
    triage: dict[str, np.ndarray]
    delegate: np.ndarray
    principal: np.ndarray
    combined: np.ndarray
    competing: np.ndarray
    competing_service: np.ndarray
    competing_triage: np.ndarray


def poisson_hourly(rates: Sequence[float], hours: float, rng: np.random.Generator
                   ) -> np.ndarray:
    """Sorted arrival times on [0, hours) of a Poisson process whose rate is constant within
    each UTC hour (`rates`, 24 per hour of the day)."""
    whole = int(np.ceil(hours))
    rate = np.resize(np.asarray(rates, dtype=float), whole)
    rate[-1] *= hours - (whole - 1)                     # a part hour at the end
    counts = rng.poisson(np.maximum(rate, 0.0))
    starts = np.repeat(np.arange(whole, dtype=float), counts)
    width = np.where(starts == whole - 1, hours - (whole - 1), 1.0)
    return np.sort(starts + width * rng.uniform(size=starts.size))


def draw(net: Network, hours: float, rng: np.random.Generator) -> Draws:
    arrivals = poisson_hourly(net.arrivals_by_hour, hours, rng)
    count = arrivals.size
    # unit lognormal draws, scaled per node at use: common numbers across networks
    service = {name: rng.lognormal(0.0, 1.0, count) for name in NODES}
    triage = {name: rng.uniform(size=count) for name in NODES}
    delegate, principal, combined = (rng.uniform(size=count) for _ in range(3))
    competing = poisson_hourly(net.competing_by_hour, hours, rng)
    return Draws(arrivals, service, triage, delegate, principal, combined, competing,
                 rng.lognormal(0.0, 1.0, competing.size), rng.uniform(size=competing.size))


def _work(node: NodeParams, unit_draw: float, triage_draw: float, t_utc: float) -> float:
    """Staff work of one request at `node` joining its queue at `t_utc`: lognormal
    (median·exp(σZ) from unit_draw = exp(Z)), shortened if the request is triaged."""
    hours = node.service_median_h * unit_draw ** node.service_log_sd
    if triage_draw < node.triage_by_hour[int(np.floor(t_utc)) % 24]:
        hours *= node.triage_work_factor
    return hours


def simulate(net: Network, days: float, warmup_days: float, seed: np.random.SeedSequence,
             records: bool = False) -> dict[str, object]:
    """One replication: all requests raised in ``[warm-up, warm-up + days)`` are measured.

    The run continues until every request is decided, so every latency is finite."""
    rng = np.random.default_rng(seed)
    horizon = (warmup_days + days) * 24.0
    d = draw(net, horizon, rng)
    env = simpy.Environment()
    end = horizon + DRAIN_DAYS * 24.0
    start, stop = warmup_days * 24.0, horizon
    desks = {name: Desk(env, getattr(net, name), end, (start, stop)) for name in NODES}
    n = d.arrivals.size
    latency = np.full(n, np.inf)
    parts = {part: np.zeros(n) for part in PARTS}
    decided_by = np.zeros(n, dtype=np.int8)      # 1 usfj, 2 indopacom
    needed_principal = np.zeros(n, dtype=bool)
    done_at = np.full(n, np.inf)

    def visit(name: str, i: int):  # type: ignore[no-untyped-def]
        node = getattr(net, name)
        hours = _work(node, d.service[name][i], d.triage[name][i], env.now)
        parts["work"][i] += hours
        parts["queue"][i] += yield from desks[name].serve(hours)

    def request(i: int):  # type: ignore[no-untyped-def]
        t0 = env.now
        yield from visit("jjoc", i)
        yield env.timeout(net.transit_jjoc_usfj_h)
        yield from visit("usfj", i)
        back = net.transit_jjoc_usfj_h
        decider = "usfj"
        if net.escalated(env.now, d.delegate[i]):
            yield env.timeout(net.transit_usfj_indopacom_h)
            yield from visit("indopacom", i)
            back += net.transit_usfj_indopacom_h
            decider = "indopacom"
        decided_by[i] = 1 if decider == "usfj" else 2
        node = getattr(net, decider)
        if d.principal[i] < node.principal_share:
            needed_principal[i] = True
            step = "combined" if d.combined[i] < net.combined_share else "single"
            wait, wake = net.waits[decider, step]
            hold = calendar.deferral(env.now, wait, wake) + node.principal_decision_h
            parts["principal"][i] = hold
            yield env.timeout(hold)
        parts["transit"][i] = 2.0 * back
        yield env.timeout(back)
        latency[i] = env.now - t0
        done_at[i] = env.now

    def other(k: int):  # type: ignore[no-untyped-def]
        node = net.indopacom
        hours = _work(node, d.competing_service[k], d.competing_triage[k], env.now)
        yield from desks["indopacom"].serve(hours)

    def source(times: np.ndarray, process):  # type: ignore[no-untyped-def]
        for i in range(times.size):   # one arrival process keeps the event heap small
            yield env.timeout(times[i] - env.now)
            env.process(process(i))

    env.process(source(d.arrivals, request))
    env.process(source(d.competing, other))
    env.run()

    measured = (d.arrivals >= start) & (d.arrivals < stop)
    result: dict[str, object] = {
        "latency_h": latency[measured],
        "parts_h": {part: values[measured] for part, values in parts.items()},
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
            **{f"{part}_h": values[measured] for part, values in parts.items()},
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
        from kaname.executors import end_with_parent  # no worker outlives this process

        with ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            flat = list(pool.map(_one, jobs))
    return [flat[k * replications:(k + 1) * replications] for k in range(len(nets))]


def compare_structures(model: Any, values: Mapping[str, float], days: float,
                       warmup_days: float, replications: int, seed: int,
                       workers: int | None = None, *, file: str | None = None,
                       records: bool = False
                       ) -> tuple[list[list[dict[str, object]]], list[list[dict[str, object]]],
                                  dict[str, np.ndarray]]:
    """Simulate both structures from one set of c2 inputs, each also with every node on
    JJOC's clock (for the decomposition), and evaluate the approximation (`model`, a
    :class:`~kaname.models.c2.C2Model`) on the two structures.

    Returns the replications per structure, the same-clock replications per structure (as
    :func:`replicate`; common random numbers throughout) and the approximation's outputs
    (through the engine), arrays indexed by structure code.
    """
    rows = [{**values, P + "structure": float(code)} for code in range(len(STRUCTURES))]
    nets = [network_from_values(row, model.profile, file=file)
            for row in [*rows, *(calendar.on_jjocs_clock(row, P) for row in rows)]]
    runs = replicate(nets, days, warmup_days, replications, seed, workers, records=records)
    approx = model.evaluate_dict({p: np.array([row[p] for row in rows]) for p in INPUTS})
    return runs[:len(rows)], runs[len(rows):], approx


def decompose(runs: Sequence[dict[str, object]], same: Sequence[dict[str, object]]
              ) -> dict[str, float]:
    """The mean latency by part, as the approximation's outputs ``latency_{part}_h``:
    transit, staff work, queueing and waiting for commanders from the same-clock runs, and
    the clock's part, the difference of the two means (common random numbers)."""
    def mean(rs: Sequence[dict[str, object]], key: str | None = None) -> float:
        values = [np.asarray(r["latency_h"] if key is None else r["parts_h"][key])  # type: ignore[index]
                  for r in rs]
        return float(np.mean(np.concatenate(values)))
    out = {f"latency_{part}_h": mean(same, part) for part in PARTS}
    out["latency_clock_h"] = mean(runs) - mean(same)
    return out


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
    parts = {f"latency_{part}_h": float(np.mean(np.concatenate(
        [np.asarray(r["parts_h"][part]) for r in runs])))  # type: ignore[index]
        for part in PARTS} if lat.size else {}
    return {
        "requests": int(lat.size),
        "unfinished": int(lat.size - finite.size),
        **parts,
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
    # The network's own desk, with the same watch at every hour (so its shift machinery
    # is what the check exercises) and a busy-time window of the whole run.
    params = NodeParams("desk", staff_by_hour=(servers,) * 24,
                        service_median_h=service_minutes / 60.0, service_log_sd=0.0)
    desk = Desk(env, params, hours, (0.0, hours))
    waits = np.full(count, np.nan)

    def customer(i: int):  # type: ignore[no-untyped-def]
        waits[i] = yield from desk.serve(float(service[i]))

    def source():  # type: ignore[no-untyped-def]
        for i in range(count):   # one arrival process keeps the event heap small
            yield env.timeout(arrivals[i] - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    busy = [desk.busy_hours]
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
