"""Vectorised approximation of the c2 coordination network, for ensembles.

Per desk and UTC hour of the day (hour-major arrays of shape 24 × samples, so every numpy
loop runs along the sample axis):

* the planned watch, arrivals and adaptation (:mod:`.adaptation`, shared with the DES);
* the desk's queueing — Erlang-C wait, periodic fluid backlog and the departure flow that
  is the next desk's arrival flow, shifted by staff work and transit (:mod:`.queueing`).

A request raised at JJOC in hour ``u`` (weighted by the arrival profile) is decided at USFJ
or INDOPACOM; the decision needs no commander, the deciding commander, or both the
deciding commander and Japan's (a combined step). The commanders' wait over the hour in
which requests reach them is integrated exactly on the weekly calendar
(:mod:`.calendar`). Each (hour, branch) cell is a uniform distribution with the cell's
mean and variance; the latency distribution is the mixture of the cells, whose quantiles
:mod:`.mixture` solves exactly.

The mean latency is decomposed into transit, staff work, queueing and waiting for
commanders as they would be with every node on JJOC's clock (a second pass of the
timing, without the mixture), and the rest: what the clocks' difference costs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.models.c2 import calendar
from kaname.models.c2.adaptation import DESKS, lagged, schedules
from kaname.models.c2.hours import HOURLY, HOURS_MID, HourlyInterpolator
from kaname.models.c2.mixture import mixture_summary
from kaname.models.c2.queueing import lognormal_moments, node_hourly

MIXTURE_BLOCK = 2048   # samples per mixture: bounded index and weight arrays
PARTS = ("transit", "work", "queue", "principal")


def approximate(g: Mapping[str, np.ndarray], horizon_h: float, profile: np.ndarray,
                workspace: dict | None = None) -> dict[str, np.ndarray]:
    """Latency statistics and their decomposition, throughput, utilisation and adaptation
    for each sample.

    `g` maps input names without the ``c2.`` prefix to float arrays (samples,); categories
    are codes (structure: 0 hawaii_centric, 1 jfhq_in_japan; situation: 0 peacetime,
    1 crisis). `profile` is the arrival profile by JJOC's local hour (24 shares summing to
    1). `workspace` (a dict kept across chunks) lets the mixture reuse its scratch arrays.
    """
    g = {k: np.asarray(v, dtype=HOURLY) for k, v in g.items()}
    cells, parts, extra = _timing(g, profile, horizon_h)
    _, parts_same, _ = _timing(calendar.on_jjocs_clock(g), profile, horizon_h, mixture=False)
    n = g["structure"].shape[0]
    latency_mean = sum(parts.values())
    # Samples whose every decision is INDOPACOM's only need its cells.
    alone = (g["structure"] != 1) | ((g["delegated_share"] == 0.0)
                                    & (g["adaptation.delegation_share_max"] == 0.0))
    summary = np.empty((4, n))
    for mask, nodes in ((alone, ("indopacom",)), (~alone, ("usfj", "indopacom"))):
        where = np.flatnonzero(mask)
        for lo in range(0, where.size, MIXTURE_BLOCK):
            chosen = where[lo:lo + MIXTURE_BLOCK]
            if chosen.size == 1:     # numpy reduces a lone column in another order
                chosen = np.repeat(chosen, 2)
            (q50, q90, q95), (within6,) = mixture_summary(
                [(np.take(w, chosen, axis=1), np.take(m, chosen, axis=1),
                  np.take(v, chosen, axis=1)) for node in nodes for w, m, v in cells[node]],
                (0.5, 0.9, 0.95), (6.0,), workspace)
            summary[:, chosen] = (q50, q90, q95, within6)
    q50, q90, q95, within6 = summary
    out = {"latency_median_h": q50, "latency_p90_h": q90, "latency_p95_h": q95,
           "latency_mean_h": latency_mean.astype(float), "share_within_6h": within6}
    out |= {f"latency_{part}_h": parts_same[part].astype(float) for part in PARTS}
    out["latency_clock_h"] = (latency_mean - sum(parts_same.values())).astype(float)
    return out | extra


def _timing(g: Mapping[str, np.ndarray], profile: np.ndarray, horizon_h: float,
            mixture: bool = True) -> tuple[dict, dict, dict]:
    """Latency cells per deciding node, the mean latency by part, and the other outputs.

    With ``mixture=False`` only the parts are computed (the same-clock pass)."""
    sch = schedules(g, profile)
    n = g["structure"].shape[0]
    jfhq = g["structure"] == 1
    crisis = g["situation"] == 1
    delegated = np.where(jfhq, g["delegated_share"], 0.0).astype(HOURLY)
    tr1 = g["transit.jjoc_usfj_h"]
    tr2 = g["transit.usfj_indopacom_h"]
    service, var_of, scv = {}, {}, {}
    for node in DESKS:
        mean, var, scv[node] = lognormal_moments(g[f"{node}.service_median_min"] / 60.0,
                                                 g[f"{node}.service_log_sd"])
        work = sch[f"{node}.work"]
        service[node] = mean * work                 # triaged requests: shorter work
        var_of[node] = var * work * work
    hours_mid = HOURS_MID[:, None]
    japan = sch["arrivals"]
    jj = node_hourly(japan, sch["jjoc.staff"], service["jjoc"], scv["jjoc"], horizon_h)
    leave_j = lagged(jj["departures"], service["jjoc"].mean(axis=0))
    us = node_hourly(lagged(leave_j, tr1), sch["usfj.staff"], service["usfj"],
                     scv["usfj"], horizon_h)
    leave_u = lagged(us["departures"], service["usfj"].mean(axis=0))
    escalated = leave_u * (1.0 - delegated) * (1.0 - sch["further"])
    japan_i = lagged(escalated, tr2)
    total_i = japan_i + sch["competing"]
    ip = node_hourly(total_i, sch["indopacom.staff"], service["indopacom"],
                     scv["indopacom"], horizon_h)

    # Branch timing: arrive mid-hour at JJOC, reach USFJ, then INDOPACOM (escalated).
    queue = jj["wait_mean"].copy()
    work = service["jjoc"].copy()
    t_usfj = hours_mid + queue + work + tr1
    var_usfj = jj["wait_var"] + var_of["jjoc"]
    at_usfj = HourlyInterpolator(t_usfj)
    wait_u, work_at_u = at_usfj(us["wait_mean"]), at_usfj(service["usfj"])
    queue_u, work_u = queue + wait_u, work + work_at_u
    reach_u = t_usfj + wait_u + work_at_u
    var_u = var_usfj + at_usfj(us["wait_var"]) + at_usfj(var_of["usfj"])
    further = HourlyInterpolator(reach_u)(sch["further"])
    t_indo = reach_u + tr2
    at_indo = HourlyInterpolator(t_indo)
    wait_i, work_at_i = at_indo(ip["wait_mean"]), at_indo(service["indopacom"])
    queue_i, work_i = queue_u + wait_i, work_u + work_at_i
    reach_i = t_indo + wait_i + work_at_i
    var_i = var_u + at_indo(ip["wait_var"]) + at_indo(var_of["indopacom"])

    total = japan.sum(axis=0)
    profile_w = np.where(total > 0, japan / np.maximum(total, 1e-30), 1.0 / 24.0)
    share_u = delegated + (1.0 - delegated) * further
    # (node, time decided, its variance, weight, return transit, queueing, staff work)
    branches = (("usfj", reach_u, var_u, profile_w * share_u, tr1, queue_u, work_u),
                ("indopacom", reach_i, var_i, profile_w * (1.0 - share_u), tr1 + tr2,
                 queue_i, work_i))
    keys = ("utc_offset_h", "duty_start_h", "duty_end_h", "workdays")
    distinct, calendar_of = calendar.distinct_calendars(
        np.stack([g[f"{node}.{key}"] for node in DESKS for key in keys]).astype(float))
    week = {node: calendar.on_duty_week(*distinct[4 * k:4 * k + 4])
            for k, node in enumerate(DESKS)}                    # 168 × distinct calendars
    wake = {node: g[f"{node}.principal_wakeup_h"].astype(np.float32) for node in DESKS}
    parts = {part: np.zeros(n, dtype=float) for part in PARTS}
    cells: dict[str, list] = {}
    for node, reach, var, w, back, q, wk in branches:
        if not np.any(w > 0):     # no decision here in this block (e.g. Hawaii-centric)
            cells[node] = [(w, reach - hours_mid + back, var)]
            continue
        share_p = g[f"{node}.principal_share"]
        combined = g["combined_share"]
        decision = g[f"{node}.principal_decision_min"] / 60.0
        base = reach - hours_mid + back
        parts["transit"] += (w * 2.0 * back).sum(axis=0)
        parts["work"] += (w * wk).sum(axis=0)
        parts["queue"] += (w * q).sum(axis=0)
        node_cells = [(w * (1.0 - share_p), base, var)]
        steps = ((1.0 - combined, [node]), (combined, [node, "jjoc"]))
        waits = [(calendar.wait_to_available(np.logical_and.reduce([week[k] for k in who])),
                  calendar.WakeRule(tuple((~week[k]).astype(np.float32) for k in who),
                                    tuple(wake[k] for k in who), crisis))
                 for _, who in steps]
        moments = calendar.deferral_moments_of_steps(reach, waits, calendar_of,
                                                     second_moment=mixture)
        for (step_share, _), (on, d_mean, d_var) in zip(steps, moments, strict=True):
            weight = w * share_p * step_share
            parts["principal"] += (weight * (decision + (1.0 - on) * d_mean)).sum(axis=0)
            if mixture:
                decided = (base + decision).astype(HOURLY)
                node_cells += [(weight * on, decided, var),
                               (weight * (1.0 - on), (decided + d_mean).astype(HOURLY),
                                (var + d_var).astype(HOURLY))]
        cells[node] = node_cells
    if not mixture:
        return cells, parts, {}
    busy = np.stack([jj["busy_hours"], us["busy_hours"], ip["busy_hours"]])   # 3 × 24 × n
    japan_share_i = np.where(total_i.sum(axis=0) > 0,
                             japan_i.sum(axis=0) / np.maximum(total_i.sum(axis=0), 1e-30), 0.0)
    usfj_share = (profile_w * share_u).sum(axis=0)   # decided at USFJ, further delegation in
    decisions = usfj_share * us["throughput"] + np.minimum(
        (1.0 - usfj_share) * us["throughput"], ip["throughput"] * japan_share_i)
    escalations = (profile_w * (1.0 - delegated)).sum(axis=0)
    extra = {
        "decisions_per_day": np.minimum(decisions, jj["throughput"]).astype(float),
        "utilisation": np.stack([jj["utilisation"], us["utilisation"], ip["utilisation"]],
                                axis=1).astype(float),
        "overloaded_by_node": busy.mean(axis=1).T.astype(float),
        "overloaded_hours_share": busy.any(axis=0).mean(axis=0).astype(float),
        "surge_officer_hours_per_day": sum(sch[f"{k}.surge"].sum(axis=0)
                                           for k in DESKS).astype(float),
        "further_delegated_share": np.where(
            escalations > 0, (profile_w * (1.0 - delegated) * further).sum(axis=0)
            / np.maximum(escalations, 1e-30), 0.0).astype(float),
    }
    extra["max_utilisation"] = extra["utilisation"].max(axis=1)
    return cells, parts, extra
