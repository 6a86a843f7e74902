"""The day as planned: arrivals by hour, each desk's watch, and how desks adapt to load.

Both implementations read these hourly schedules (24 UTC hours × samples), so they model
the same battle rhythm and the same adaptation:

* **Arrivals** follow Tokyo's operational day: a share ``1 − k`` spread evenly round the
  clock and a share ``k`` (``diurnal_strength``) following the data library's hourly
  profile by JJOC's local hour. INDOPACOM also serves the rest of the Indo-Pacific: a
  competing load spread evenly round the clock (the theatre spans many zones).
* **Adaptation at saturation**, per desk and hour, from the load the desk *saw* a delay
  earlier (``load(u − d)``, the nominal flow through the network):

  1. *surge staffing*: officers called in until the load is within the trigger
     utilisation ρ*, at most ``surge_share_max`` × the day shift, after ``surge_delay_h``;
  2. *triage*: a share of requests worked in short form (work × ``triage_work_factor``)
     until the load is within ρ*, at most ``triage_share_max``, after ``triage_delay_h``;
  3. *further delegation* (joint force HQ only): INDOPACOM leaves a further share of
     Japan's escalations to USFJ until its load is within ρ*, at most
     ``delegation_share_max``, after ``delegation_delay_h``. Under the Hawaii-centric
     structure USFJ has no authority to take them.

  Beyond these limits a desk's backlog grows; the latency stays finite (the crisis has a
  horizon) and the hours in which work arrives faster than the officers can do it are an
  output of their own.

The plan uses nominal flows (each desk's work and each hop's transit, no queueing), so it
is deterministic and the same in both implementations; the queues the approximation and
the simulation compute then run on the planned watch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kaname.models.c2.hours import HOURLY, HOURS, HOURS_MID, HourlyInterpolator, staffing
from kaname.models.c2.queueing import lognormal_moments

DESKS = ("jjoc", "usfj", "indopacom")


def arrival_rates(per_day: np.ndarray, profile: np.ndarray | Sequence[float], strength: np.ndarray,
                  jjoc_offset: np.ndarray) -> np.ndarray:
    """Requests per hour at JJOC by UTC hour (24 × samples).

    `profile` holds the shares of a day's requests by JJOC's local hour (24, summing to 1).
    """
    local = (HOURS[:, None] + np.asarray(jjoc_offset, dtype=float)).astype(np.intp) % 24
    shares = (1.0 - strength) / 24.0 + strength * np.asarray(profile, dtype=float)[local]
    return per_day * shares


def lagged(values: np.ndarray, delay: np.ndarray | HourlyInterpolator) -> np.ndarray:
    """Hourly values `delay` hours earlier (periodic linear interpolation), 24 × samples;
    `delay` may be a :func:`lag` already built for it (one delay, several quantities)."""
    values = np.asarray(values, dtype=HOURLY)
    return (delay if isinstance(delay, HourlyInterpolator) else lag(delay))(values)


def lag(delay: np.ndarray) -> HourlyInterpolator:
    """The interpolator that reads hourly values `delay` hours earlier."""
    return HourlyInterpolator(HOURS_MID[:, None] - np.asarray(delay, dtype=HOURLY))


def schedules(g: Mapping[str, np.ndarray], profile: np.ndarray | Sequence[float]
              ) -> dict[str, np.ndarray]:
    """Hourly arrivals, planned watch and adaptation of every desk (24 × samples each).

    `g` maps input names without the ``c2.`` prefix to arrays over the samples (category
    codes for categories). Keys: ``arrivals`` (JJOC), ``competing`` (INDOPACOM's other
    load), ``further`` (the further-delegated share of escalations leaving USFJ in that
    hour) and per desk ``{desk}.staff``, ``{desk}.base_staff``, ``{desk}.on`` (day shift),
    ``{desk}.surge``, ``{desk}.triage`` and ``{desk}.work`` (mean work factor
    ``1 − triage·(1 − triage_work_factor)``), plus ``{desk}.load`` (the planned load).
    """
    g = {k: np.asarray(v, dtype=float) for k, v in g.items()}
    jfhq = g["structure"] == 1
    crisis = g["situation"] == 1
    delegated = np.where(jfhq, g["delegated_share"], 0.0)
    per_day = np.where(crisis, g["arrivals_per_day_crisis"], g["arrivals_per_day_peacetime"])
    arrivals = arrival_rates(per_day, profile, g["diurnal_strength"], g["jjoc.utc_offset_h"])
    competing_day = np.where(crisis, g["indopacom.competing_per_day_crisis"],
                             g["indopacom.competing_per_day_peacetime"])
    competing = np.broadcast_to(competing_day / 24.0, arrivals.shape)
    s = {node: lognormal_moments(g[f"{node}.service_median_min"] / 60.0,
                                 g[f"{node}.service_log_sd"])[0] for node in DESKS}
    to_usfj = s["jjoc"] + g["transit.jjoc_usfj_h"]
    to_indo = to_usfj + s["usfj"] + g["transit.usfj_indopacom_h"]
    japan_at_indo = (1.0 - delegated) * lagged(arrivals, to_indo)
    loads = {"jjoc": arrivals, "usfj": lagged(arrivals, to_usfj),
             "indopacom": japan_at_indo + competing}
    trigger = g["adaptation.trigger_utilisation"]
    surge_lag, triage_lag = lag(g["adaptation.surge_delay_h"]), lag(g["adaptation.triage_delay_h"])
    factor = g["adaptation.triage_work_factor"]
    out: dict[str, np.ndarray] = {"arrivals": arrivals.astype(HOURLY),
                                  "competing": np.array(competing, dtype=HOURLY)}
    for node in DESKS:
        day, night = g[f"{node}.day_staff"], g[f"{node}.night_staff"]
        if node == "usfj":
            day = np.where(jfhq, g["usfj.jfhq_day_staff"], day)
            night = np.where(jfhq, g["usfj.jfhq_night_staff"], night)
        base, on = staffing(day, night, g[f"{node}.duty_start_h"], g[f"{node}.duty_end_h"],
                            g[f"{node}.utc_offset_h"])
        base = base.astype(float)
        work = loads[node] * s[node]                               # officer-hours per hour
        seen = lagged(work, surge_lag).astype(float)
        limit = np.floor(g["adaptation.surge_share_max"] * day)
        surge = np.clip(np.ceil(seen / trigger - base - 1e-6), 0.0, limit)
        staff = base + surge
        seen = lagged(work, triage_lag).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            needed = np.where(seen > 0, 1.0 - trigger * staff / seen, 0.0)
        triage = np.clip(needed / np.maximum(1.0 - factor, 1e-9), 0.0,
                         g["adaptation.triage_share_max"])
        out |= {f"{node}.staff": staff.astype(HOURLY), f"{node}.base_staff": base.astype(HOURLY),
                f"{node}.on": on, f"{node}.surge": surge.astype(HOURLY),
                f"{node}.triage": triage.astype(HOURLY),
                f"{node}.work": (1.0 - triage * (1.0 - factor)).astype(HOURLY),
                f"{node}.load": loads[node].astype(HOURLY)}
    # Further delegation: INDOPACOM's planned load after surge and triage, seen a delay
    # earlier, decides the share of Japan's escalations it leaves to USFJ; applied to the
    # requests leaving USFJ's desk then (they reach INDOPACOM one transit later).
    delay = g["adaptation.delegation_delay_h"]
    capacity = trigger * out["indopacom.staff"] / (s["indopacom"] * out["indopacom.work"])
    delegation_lag = lag(delay)
    excess = lagged(loads["indopacom"], delegation_lag) - capacity.astype(float)
    japan = lagged(japan_at_indo, delegation_lag).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(japan > 0, excess / japan, 0.0)
    further = np.where(jfhq, np.clip(share, 0.0, g["adaptation.delegation_share_max"]), 0.0)
    out["further"] = lagged(further, -g["transit.usfj_indopacom_h"]).astype(HOURLY)
    return out
