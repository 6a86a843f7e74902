"""c2 battle rhythm: the commanders' week (calendar) and the planned watch (adaptation).

Every expectation here is derived independently of the code under test: by hand (the
arithmetic is in the comments), by brute force (plain Python loops over the week) or by
Monte Carlo over the scalar rule the DES uses. Bad input reaches the user as one line and
exit code 2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.data import Library
from kaname.engine import Engine
from kaname.models.c2 import C2Model
from kaname.models.c2 import calendar as cal
from kaname.models.c2.adaptation import DESKS, arrival_rates, lagged, schedules

WEEK = 168
FEW = settings(max_examples=25, deadline=None)


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def c2():
    """(library, model, defaults by input path)."""
    lib = Library.load()
    model = C2Model.from_library(lib)
    eng = Engine([model], lib)
    return lib, model, {p: float(eng.default(p)) for p in model.inputs}


def _g(defaults, **over):
    """`schedules`' input: the model's defaults without the ``c2.`` prefix, one sample;
    keyword overrides use ``__`` for ``.`` (``jjoc__day_staff``)."""
    g = {p[3:]: np.array([v], float) for p, v in defaults.items()}
    for k, v in over.items():
        key = k.replace("__", ".")
        assert key in g, key
        g[key] = np.array([v], float)
    return g


def _duty(defaults, node):
    d = {k: defaults[f"c2.{node}.{k}"] for k in ("utc_offset_h", "duty_start_h",
                                                  "duty_end_h", "workdays")}
    return cal.on_duty_week(d["utc_offset_h"], d["duty_start_h"], d["duty_end_h"],
                            d["workdays"])


# -- independent references -------------------------------------------------------------


def _duty_loop(offset: int, start: int, end: int, workdays: int) -> np.ndarray:
    """On duty per UTC hour by enumeration: a shift starts at local ``24·d + start`` of
    every local day d (d mod 7 < workdays counts: Monday = 0) and lasts (end − start) mod
    24 hours (24 if start == end); an hour is on if it lies in any counted shift."""
    length = (end - start) % 24 or 24
    on = np.zeros(WEEK, bool)
    for h in range(WEEK):
        local = h + offset
        for d in range(-3, 10):
            s = 24 * d + start
            if s <= local < s + length and d % 7 < workdays:
                on[h] = True
    return on


def _wait_loop(mask: np.ndarray) -> np.ndarray:
    """Hours from each hour's start to the next available hour's start (wrapping the
    week); 168 if no hour is available."""
    out = np.empty(WEEK)
    for h in range(WEEK):
        out[h] = next((k for k in range(WEEK) if mask[(h + k) % WEEK]), WEEK)
    return out


# -- 1. calendar: the shared windows of the defaults --------------------------------------


def test_default_commanders_share_four_three_hour_windows(c2):
    # JJOC: UTC+9, 09–18 local, Mon–Fri. Local 09:00 = 00:00 UTC the same day, 18:00 =
    # 09:00 UTC: on UTC Mon..Fri 00–09, i.e. hours 24d + 0..8 for d = 0..4.
    # INDOPACOM: UTC−10, 08–17 local, Mon–Fri. Local Mon 08:00 = Mon 18:00 UTC, local Mon
    # 17:00 = Tue 03:00 UTC: on UTC 24d + 18 .. 24(d+1) + 2 for d = 0..4 (Mon 18 → Sat 03).
    # Both on: INDOPACOM's Mon..Thu shifts overlap JJOC's Tue..Fri 00–03 UTC (INDOPACOM's
    # Friday shift runs into Saturday, when JJOC is off; JJOC's Monday 00–03 UTC falls in
    # Honolulu's Sunday). So 4 windows of 3 h = 12 h, hours 24d + {0, 1, 2}, d = 1..4,
    # i.e. Tokyo 09:00–12:00 Tuesday to Friday — the fact sheet's "4 shared weekday
    # windows per week (~12 h)".
    _, model, defaults = c2
    assert model.offsets == {"jjoc": 9.0, "usfj": 9.0, "indopacom": -10.0}
    jjoc, indo = _duty(defaults, "jjoc"), _duty(defaults, "indopacom")
    assert np.flatnonzero(jjoc[:, 0]).tolist() == [24 * d + h for d in range(5)
                                                   for h in range(9)]
    assert np.flatnonzero(indo[:, 0]).tolist() == sorted(
        (24 * d + 18 + k) % WEEK for d in range(5) for k in range(9))
    both = jjoc & indo
    assert cal.shared_windows(both).tolist() == [4]
    assert int(both.sum()) == 12
    assert np.flatnonzero(both[:, 0]).tolist() == [24 * d + h for d in (1, 2, 3, 4)
                                                   for h in (0, 1, 2)]


def test_round_the_clock_duty_every_day_is_always_on():
    mask = cal.on_duty_week(np.array([9, -10, 0]), np.array([7, 0, 23]),
                            np.array([7, 0, 23]), np.array([7, 7, 7]))
    assert mask.shape == (WEEK, 3) and mask.all()
    assert cal.shared_windows(mask).tolist() == [0, 0, 0]   # no separate stretches


def test_round_the_clock_on_weekdays_is_one_stretch():
    # start == end == 7 local at UTC: Mon 07:00 → Sat 07:00, one 120-hour stretch.
    mask = cal.on_duty_week(0, 7, 7, 5)[:, 0]
    assert np.flatnonzero(mask).tolist() == list(range(7, 7 + 120))
    assert cal.shared_windows(mask[:, None]).tolist() == [1]


def test_a_shift_crossing_midnight_belongs_to_the_day_it_starts_on():
    # UTC clock, 22:00–06:00, Monday only: Mon 22:00 → Tue 06:00 = hours 22..29. Sunday's
    # shift (Sun 22 → Mon 06, hours 166, 167, 0..5) is not a workday's: off.
    mask = cal.on_duty_week(0, 22, 6, 1)[:, 0]
    assert np.flatnonzero(mask).tolist() == list(range(22, 30))
    # Mon–Fri: Mon 22 → Sat 06 in five 8-hour shifts; Monday 00–06 UTC stays off.
    mask = cal.on_duty_week(0, 22, 6, 5)[:, 0]
    assert np.flatnonzero(mask).tolist() == [24 * d + 22 + k for d in range(5)
                                             for k in range(8)]
    assert not mask[:6].any() and mask.sum() == 40
    # Honolulu (UTC−10), 20:00–04:00 local, Monday only: local Mon 20:00 = Tue 06:00 UTC,
    # Tue 04:00 local = Tue 14:00 UTC: hours 30..37.
    mask = cal.on_duty_week(-10, 20, 4, 1)[:, 0]
    assert np.flatnonzero(mask).tolist() == list(range(30, 38))


def test_on_duty_week_matches_enumeration_of_shifts():
    rng = np.random.default_rng(11)
    offset = rng.integers(-12, 15, 40)
    start = rng.integers(0, 24, 40)
    end = rng.integers(0, 24, 40)
    workdays = rng.integers(0, 8, 40)
    mask = cal.on_duty_week(offset, start, end, workdays)
    for s in range(40):
        ref = _duty_loop(int(offset[s]), int(start[s]), int(end[s]), int(workdays[s]))
        assert np.array_equal(mask[:, s], ref), (offset[s], start[s], end[s], workdays[s])


def test_shared_windows_count_stretches_across_the_week_end():
    mask = np.zeros((WEEK, 1), bool)
    mask[[0, 1, 5, 100, 101, 102, 167], 0] = True   # 167 → 0 → 1 is one stretch
    assert cal.shared_windows(mask).tolist() == [3]


# -- 2. wait_to_available ------------------------------------------------------------------


def test_wait_to_available_matches_a_loop_on_random_masks():
    rng = np.random.default_rng(5)
    density = rng.choice([0.02, 0.1, 0.3, 0.7], 30)
    masks = rng.random((WEEK, 30)) < density
    masks[:, 0] = False
    masks[:, 1] = False
    masks[77, 1] = True                           # a single available hour
    wait = cal.wait_to_available(masks)
    assert wait.shape == (WEEK, 30)
    for s in range(30):
        assert np.array_equal(wait[:, s], _wait_loop(masks[:, s])), s
    assert np.all(wait[:, 0] == WEEK)             # nothing available: capped at a week
    assert wait[78, 1] == WEEK - 1 and wait[76, 1] == 1 and wait[77, 1] == 0


# -- 3. scalar deferral -----------------------------------------------------------------


def test_scalar_deferral_matches_brute_force():
    rng = np.random.default_rng(7)
    for s in range(12):
        mask = rng.random(WEEK) < rng.choice([0.05, 0.2, 0.5])
        if s == 0:
            mask[:] = False
        ref_wait = _wait_loop(mask)
        wake = np.where(mask, 0.0, rng.uniform(0.1, 30.0, WEEK))
        if s % 3 == 0:
            wake[:] = cal.NEVER
        wait = cal.wait_to_available(mask[:, None])[:, 0]
        for t in rng.uniform(-48.0, 2 * WEEK, 300):
            hour = math.floor(t) % WEEK
            frac = t - math.floor(t)
            expected = 0.0 if mask[hour] else min(wake[hour], ref_wait[hour] - frac)
            assert cal.deferral(t, wait, wake) == pytest.approx(expected, abs=1e-9), (s, t)


def test_scalar_deferral_by_hand_at_defaults(c2):
    # Shared windows Tue..Fri 00–03 UTC (hours 24–26, 48–50, 72–74, 96–98).
    _, _, defaults = c2
    both = (_duty(defaults, "jjoc") & _duty(defaults, "indopacom"))
    wait = cal.wait_to_available(both)[:, 0]
    never = np.full(WEEK, cal.NEVER)
    assert cal.deferral(25.7, wait, never) == 0.0                    # Tue 01:42 UTC
    assert cal.deferral(27.25, wait, never) == pytest.approx(20.75)  # Tue 03:15 → Wed 00
    assert cal.deferral(99.5, wait, never) == pytest.approx(168 + 24 - 99.5)  # → next Tue
    assert cal.deferral(0.0, wait, never) == pytest.approx(24.0)     # Mon 00 → Tue 00
    assert cal.deferral(27.25, wait, np.full(WEEK, 2.0)) == pytest.approx(2.0)


# -- 4. deferral_moments against Monte Carlo over the scalar rule ----------------------------


def _mc_moments(reach: float, mask, wait, wake, n: int, rng):
    """On share and the mean and variance of the deferral when off, over t uniform in
    [reach − ½, reach + ½) + 24·(uniform weekday)."""
    t = reach - 0.5 + rng.random(n) + 24.0 * rng.integers(0, 7, n)
    d = np.array([cal.deferral(x, wait, wake) for x in t])
    on = mask[np.floor(t).astype(int) % WEEK]
    off = d[~on]
    assert np.all(d[on] == 0.0)
    p = on.mean()
    if off.size == 0:
        return p, math.sqrt(1e-12), 0.0, 0.0, 0.0, 0.0
    mean, var = off.mean(), off.var()
    m4 = np.mean((off - mean) ** 4)
    se = (math.sqrt(p * (1 - p) / n), math.sqrt(var / off.size),
          math.sqrt(max(m4 - var * var, 0.0) / off.size))
    return p, se[0], mean, se[1], var, se[2]


@pytest.mark.parametrize("situation", ["crisis", "peacetime"])
def test_deferral_moments_match_monte_carlo(c2, situation):
    # Sample 0: the default shared windows with JJOC's wake-up 1.5 h and INDOPACOM's 3 h
    # (the longest of those off applies). Sample 1: a random availability with random
    # principals. Each checked row gets 200,000 draws of the scalar rule.
    _, _, defaults = c2
    rng = np.random.default_rng(2024 if situation == "crisis" else 99)
    jjoc, indo = _duty(defaults, "jjoc")[:, 0], _duty(defaults, "indopacom")[:, 0]
    a, b = rng.random(WEEK) < 0.5, rng.random(WEEK) < 0.6
    mask = np.stack([jjoc & indo, a & b], axis=1)
    crisis = np.array([situation == "crisis"] * 2)
    wake = cal.wake_week([np.stack([~jjoc, ~a], 1), np.stack([~indo, ~b], 1)],
                         [np.array([1.5, 0.7]), np.array([3.0, 4.5])], crisis)
    wait = cal.wait_to_available(mask)
    # reach rows: fractional positions that straddle the window edges (23.7 spans UTC
    # 23:00/00:00, 2.6 spans the 03:00 close; 0.3 spans the week's wrap for sample 1).
    rows = {0: 23.7, 1: 2.6, 3: 0.3}
    reach = np.tile(np.arange(24.0)[:, None] + 0.5, (1, 2))
    for r, v in rows.items():
        reach[r, :] = v
    on, mean, var = cal.deferral_moments(reach, wait, wake)
    checks = [(0, 0), (0, 1), (1, 3), (1, 1)]      # (sample, row); 12.25: closed form below
    for s, r in checks:
        p, se_p, m, se_m, v, se_v = _mc_moments(rows[r], mask[:, s], wait[:, s], wake[:, s],
                                                200_000, rng)
        assert on[r, s] == pytest.approx(p, abs=5 * se_p + 1e-9), (r, s)
        assert mean[r, s] == pytest.approx(m, abs=5 * se_m + 1e-9), (r, s)
        assert var[r, s] == pytest.approx(v, abs=5 * se_v + 1e-9), (r, s)


def test_deferral_moments_closed_form_outside_the_windows(c2):
    # Default windows (Tue..Fri UTC 00–03), reach 3.5: requests in UTC [03:00, 04:00) of a
    # uniform weekday, never in a window. From weekday d, 03:00 + f, the next window
    # opens after D_d − f hours, D = (Mon→Tue, Tue→Wed, Wed→Thu, Thu→Fri: 21 each;
    # Fri→Tue: 93; Sat→Tue: 69; Sun→Tue: 45), f ~ U[0, 1) independent of d:
    # mean = mean(D) − ½, variance = var(D) + 1/12. In a crisis a 2 h wake-up caps all.
    _, _, defaults = c2
    both = _duty(defaults, "jjoc") & _duty(defaults, "indopacom")
    wait = cal.wait_to_available(both)
    reach = np.full((24, 1), 3.5)
    D = np.array([21, 21, 21, 21, 93, 69, 45], float)
    on, mean, var = cal.deferral_moments(reach, wait, np.full((WEEK, 1), cal.NEVER))
    assert on[0, 0] == 0.0
    assert mean[0, 0] == pytest.approx(291 / 7 - 0.5)
    assert var[0, 0] == pytest.approx(np.mean((D - D.mean()) ** 2) + 1 / 12)
    on, mean, var = cal.deferral_moments(reach, wait, np.full((WEEK, 1), 2.0))
    assert mean[0, 0] == pytest.approx(2.0) and var[0, 0] == pytest.approx(0.0, abs=1e-9)
    # reach 1.0: [00:30, 01:30) lies inside the window on 4 of 7 days: on share 4/7.
    on, _, _ = cal.deferral_moments(np.full((24, 1), 1.0), wait, np.full((WEEK, 1), 2.0))
    assert on[0, 0] == pytest.approx(4 / 7)


# -- 5. wake_week ----------------------------------------------------------------------


def test_wake_week_is_the_longest_wakeup_of_those_off():
    rng = np.random.default_rng(3)
    n = 6
    offs = [rng.random((WEEK, n)) < 0.5 for _ in range(3)]
    ups = [rng.uniform(0.5, 6.0, n) for _ in range(3)]
    crisis = np.array([True, True, False, True, False, True])
    wake = cal.wake_week(offs, ups, crisis)
    for h in range(WEEK):
        for s in range(n):
            off = [ups[i][s] for i in range(3) if offs[i][h, s]]
            expected = (max(off) if off else 0.0) if crisis[s] else cal.NEVER
            assert wake[h, s] == expected, (h, s)
    assert cal.NEVER == WEEK                      # peacetime: never woken, capped at a week


def test_wake_week_by_hand():
    off_a = np.zeros((WEEK, 1), bool)
    off_b = np.zeros((WEEK, 1), bool)
    off_a[[0, 1], 0] = True
    off_b[[1, 2], 0] = True
    wake = cal.wake_week([off_a, off_b], [np.array([2.0]), np.array([5.0])],
                         np.array([True]))[:, 0]
    assert wake[:4].tolist() == [2.0, 5.0, 5.0, 0.0]


# -- 6. adaptation ---------------------------------------------------------------------


def _day_staff(g, desk):
    if desk == "usfj" and g["structure"][0] == 1:
        return g["usfj.jfhq_day_staff"][0]
    return g[f"{desk}.day_staff"][0]


loads = dict(
    structure=st.sampled_from([0, 1]), situation=st.sampled_from([0, 1]),
    per_day=st.floats(0.0, 400.0), competing=st.floats(0.0, 400.0),
    strength=st.floats(0.0, 1.0), share_max=st.floats(0.0, 1.0),
    day=st.integers(1, 30), night=st.integers(1, 30), trigger=st.floats(0.3, 1.0),
    triage_max=st.floats(0.0, 1.0), factor=st.floats(0.05, 1.0),
    delegation_max=st.floats(0.0, 1.0), delays=st.floats(0.0, 72.0))


def _over(structure, situation, per_day, competing, strength, share_max, day, night,
          trigger, triage_max, factor, delegation_max, delays):
    over = dict(structure=structure, situation=situation, arrivals_per_day_crisis=per_day,
                arrivals_per_day_peacetime=per_day,
                indopacom__competing_per_day_crisis=competing,
                indopacom__competing_per_day_peacetime=competing, diurnal_strength=strength,
                adaptation__surge_share_max=share_max, adaptation__trigger_utilisation=trigger,
                adaptation__triage_share_max=triage_max,
                adaptation__triage_work_factor=factor,
                adaptation__delegation_share_max=delegation_max,
                adaptation__surge_delay_h=delays, adaptation__triage_delay_h=delays / 2,
                adaptation__delegation_delay_h=delays / 3)
    for desk in DESKS:
        over[f"{desk}__day_staff"] = day
        over[f"{desk}__night_staff"] = night
    over["usfj__jfhq_day_staff"] = day + 2
    over["usfj__jfhq_night_staff"] = night
    return over


@FEW
@given(**loads)
def test_adaptation_stays_within_its_limits(c2, **kw):
    lib, model, defaults = c2
    g = _g(defaults, **_over(**kw))
    out = schedules(g, model.profile)
    for desk in DESKS:
        surge = out[f"{desk}.surge"].astype(float)
        limit = kw["share_max"] * _day_staff(g, desk)
        assert np.all(surge >= 0) and np.all(surge <= limit + 1e-9), desk
        assert np.all(surge == np.round(surge)), desk            # whole officers
        assert np.array_equal(out[f"{desk}.staff"], out[f"{desk}.base_staff"] + surge)
        triage = out[f"{desk}.triage"].astype(float)
        assert np.all(triage >= 0) and np.all(triage <= kw["triage_max"] + 1e-6), desk
        work = 1.0 - triage * (1.0 - kw["factor"])
        assert np.allclose(out[f"{desk}.work"], work, atol=1e-6)
    further = out["further"].astype(float)
    if kw["structure"] == 0:
        assert np.all(further == 0.0)                  # USFJ has no authority to take them
    else:
        assert np.all(further >= 0) and np.all(further <= kw["delegation_max"] + 1e-6)


@FEW
@given(per_day=st.floats(0.0, 0.01), competing=st.floats(0.0, 0.01),
       structure=st.sampled_from([0, 1]), day=st.integers(1, 30), night=st.integers(1, 30))
def test_no_surge_or_triage_at_a_tiny_load(c2, per_day, competing, structure, day, night):
    # At most 0.01 requests a day: work per hour ≤ 0.01 × 0.065 (peak share) × ~2.5 h mean
    # service ≪ ρ* × 1 officer; no desk surges, triages or delegates further.
    _, model, defaults = c2
    kw = dict(structure=structure, situation=1, per_day=per_day, competing=competing,
              strength=1.0, share_max=1.0, day=day, night=night, trigger=0.3, triage_max=1.0,
              factor=0.05, delegation_max=1.0, delays=2.0)
    out = schedules(_g(defaults, **_over(**kw)), model.profile)
    for desk in DESKS:
        assert np.all(out[f"{desk}.surge"] == 0), desk
        assert np.all(out[f"{desk}.triage"] == 0), desk
    assert np.all(out["further"] == 0)


def test_saturated_desks_reach_every_limit(c2):
    # Far beyond capacity (5,000 requests a day and 5,000 competing) every desk surges to
    # floor(0.5 × day shift), triages the maximum share and, under the JFHQ, INDOPACOM
    # leaves the maximum further share to USFJ at every hour.
    _, model, defaults = c2
    g = _g(defaults, structure=1, situation=1, arrivals_per_day_crisis=5000.0,
           indopacom__competing_per_day_crisis=5000.0)
    out = schedules(g, model.profile)
    day = {"jjoc": 6, "usfj": 8, "indopacom": 12}        # usfj: the JFHQ day desk
    for desk in DESKS:
        assert np.all(out[f"{desk}.surge"] == 0.5 * day[desk]), desk
        assert np.allclose(out[f"{desk}.triage"], 0.3), desk
        assert np.allclose(out[f"{desk}.work"], 1 - 0.3 * 0.5), desk
    assert np.allclose(out["further"], 0.3)
    g["structure"] = np.array([0.0])
    out = schedules(g, model.profile)
    assert np.all(out["further"] == 0.0)
    assert np.all(out["usfj.surge"] == 2)                 # floor(0.5 × 4), liaison desk


@FEW
@given(per_day=st.floats(0.0, 300.0), more=st.floats(0.0, 300.0),
       structure=st.sampled_from([0, 1]), situation=st.sampled_from([0, 1]),
       strength=st.floats(0.0, 1.0), delays=st.floats(0.0, 72.0))
def test_more_arrivals_never_mean_fewer_surge_officers(c2, per_day, more, structure,
                                                       situation, strength, delays):
    _, model, defaults = c2
    kw = dict(structure=structure, situation=situation, competing=30.0, strength=strength,
              share_max=1.0, day=6, night=2, trigger=0.85, triage_max=0.3, factor=0.5,
              delegation_max=0.3, delays=delays)
    lo = schedules(_g(defaults, **_over(per_day=per_day, **kw)), model.profile)
    hi = schedules(_g(defaults, **_over(per_day=per_day + more, **kw)), model.profile)
    for desk in DESKS:
        assert np.all(hi[f"{desk}.surge"] >= lo[f"{desk}.surge"]), desk
        assert np.all(hi[f"{desk}.staff"] >= lo[f"{desk}.staff"]), desk


@given(per_day=st.floats(0.0, 1000.0), strength=st.floats(0.0, 1.0),
       offset=st.integers(-12, 14), seed=st.integers(0, 2**32 - 1))
def test_arrival_rates_keep_the_days_total(per_day, strength, offset, seed):
    profile = np.random.default_rng(seed).dirichlet(np.ones(24))
    rates = arrival_rates(np.array([per_day]), profile, np.array([strength]),
                          np.array([float(offset)]))
    assert rates.shape == (24, 1) and np.all(rates >= 0)
    assert rates.sum() == pytest.approx(per_day, rel=1e-9, abs=1e-9)
    flat = arrival_rates(np.array([per_day]), profile, np.array([0.0]),
                         np.array([float(offset)]))
    assert np.allclose(flat, per_day / 24.0, rtol=1e-12, atol=1e-12)


def test_arrival_rates_follow_jjocs_local_hour(c2):
    # Strength 1, UTC+9: UTC hour u is Tokyo hour (u + 9) mod 24, so UTC 00 gets the 09:00
    # share and UTC 15 the 00:00 share.
    _, model, _ = c2
    profile = model.profile
    assert profile.shape == (24,) and profile.sum() == pytest.approx(1.0)
    rates = arrival_rates(np.array([24.0]), profile, np.array([1.0]), np.array([9.0]))[:, 0]
    assert rates[0] == pytest.approx(24 * profile[9])
    assert rates[15] == pytest.approx(24 * profile[0])
    assert rates[14] == pytest.approx(24 * profile[23])
    # strength ½: half flat (1 request an hour of 24 a day), half the profile
    half = arrival_rates(np.array([24.0]), profile, np.array([0.5]), np.array([9.0]))[:, 0]
    assert half[0] == pytest.approx(0.5 + 12 * profile[9])


def test_lagged_reads_the_values_a_delay_earlier():
    v = np.arange(24.0)[:, None] ** 2
    one = lagged(v, np.array([1.0]))[:, 0]
    assert np.allclose(one, np.roll(v[:, 0], 1))                # hour u reads u − 1
    half = lagged(v, np.array([0.5]))[:, 0]
    assert np.allclose(half, (v[:, 0] + np.roll(v[:, 0], 1)) / 2)
    assert np.allclose(lagged(v, np.array([24.0]))[:, 0], v[:, 0])   # periodic
    assert np.allclose(lagged(v, np.array([0.0]))[:, 0], v[:, 0])


# -- 7. bad input: one line, exit 2 ------------------------------------------------------

DEFAULT_PROFILE = [0.02] * 9 + [0.065] * 9 + [0.0375] * 4 + [0.045, 0.04]
SCENARIO = """name: c2-rhythm
models: [c2]
settings: {base_year: 2026, horizon_days: 30, futures: 4, seed: 1}
policies:
  a: {}
"""


def _profile_overlay(tmp_path, values):
    path = tmp_path / "profile.yaml"
    path.write_text("model: c2\nparameters:\n  jjoc:\n    arrival_profile: {value: "
                    f"{values!r}, unit: dimensionless, assumption: x}}\n", encoding="utf-8")
    return path


def _negative(values):
    out = list(values)
    out[0], out[1] = -0.02, 0.06            # still sums to 1
    return out


BAD_PROFILES = {
    "sums to 1.2": ([0.05] * 24, "sum"),
    "23 entries": ([0.04] * 22 + [0.12], "24"),
    "negative share": (_negative(DEFAULT_PROFILE), "at least 0"),
}


def test_default_profile_literal_is_the_librarys():
    assert sum(DEFAULT_PROFILE) == pytest.approx(1.0) and len(DEFAULT_PROFILE) == 24
    assert sum(BAD_PROFILES["23 entries"][0]) == pytest.approx(1.0)
    assert sum(BAD_PROFILES["negative share"][0]) == pytest.approx(1.0)


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_bad_arrival_profile_data_check(tmp_path, case):
    values, word = BAD_PROFILES[case]
    data = _profile_overlay(tmp_path, values)
    res = cli("data", "check", env={"KANAME_DATA": str(data)})
    assert_one_line_exit_2(res, str(data), "c2.jjoc.arrival_profile", word)


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_bad_arrival_profile_scenario_validate(tmp_path, case):
    # `kaname validate` builds the scenario's engine (c2 only), as `run` does first.
    values, word = BAD_PROFILES[case]
    data = _profile_overlay(tmp_path, values)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    res = cli("validate", str(scenario), env={"KANAME_DATA": str(data)})
    assert_one_line_exit_2(res, "c2.jjoc.arrival_profile", word)
    assert res.stdout == ""


def test_bad_arrival_profile_in_a_scenario_run_names_the_data_file(tmp_path):
    data = _profile_overlay(tmp_path, [0.05] * 24)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    res = cli("validate", str(scenario), env={"KANAME_DATA": str(data)})
    assert_one_line_exit_2(res, str(data), "c2.jjoc.arrival_profile")


NEGATIVE = {
    "surge delay": ("c2.adaptation.surge_delay_h", "{dist: uniform, low: -1, high: 1}"),
    "triage delay": ("c2.adaptation.triage_delay_h", "{dist: choice, values: [-1]}"),
    "day staff": ("c2.jjoc.day_staff", "{dist: integers, low: -1, high: 3}"),
}


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_negative_delay_or_staff_in_a_scenario(tmp_path, case):
    path, dist = NEGATIVE[case]
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO + f"uncertainties:\n  {path}: {dist}\n", encoding="utf-8")
    res = cli("validate", str(scenario))
    assert_one_line_exit_2(res, str(scenario), f"uncertainties.{path}")


OVERLAYS = {
    "surge delay": ("adaptation:\n    surge_delay_h: {value: -1, unit: hour, assumption: x}\n",
                    "c2.adaptation.surge_delay_h"),
    "day staff": ("jjoc:\n    day_staff: {value: -1, unit: person, assumption: x}\n",
                  "c2.jjoc.day_staff"),
}


@pytest.mark.parametrize("case", sorted(OVERLAYS))
def test_negative_delay_or_staff_in_a_data_overlay(tmp_path, case):
    text, key = OVERLAYS[case]
    data = tmp_path / "bad.yaml"
    data.write_text("model: c2\nparameters:\n  " + text, encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    for args in (("validate", str(scenario)), ("data", "check")):
        assert_one_line_exit_2(cli(*args, env={"KANAME_DATA": str(data)}), key, "out of range")


def test_negative_delay_in_a_data_overlay_names_the_overlay(tmp_path):
    data = tmp_path / "bad.yaml"
    data.write_text("model: c2\nparameters:\n  " + OVERLAYS["surge delay"][0],
                    encoding="utf-8")
    assert_one_line_exit_2(cli("data", "check", env={"KANAME_DATA": str(data)}), str(data),
                     "c2.adaptation.surge_delay_h")
