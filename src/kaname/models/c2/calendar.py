"""The principals' week: when a commander can decide, on a weekly UTC clock of 168 hours.

A commander keeps office hours — the node's day shift — on the first ``workdays`` days of
the local week (5: Monday to Friday). A decision that needs one commander waits until that
commander is on duty; a *combined* step (a bilateral decision that needs the deciding
commander and Japan's, at JJOC) waits until both are on duty at the same time — one of the
"shared windows". With Tokyo on 09:00–18:00 and Honolulu on 08:00–17:00, Monday to Friday
(the data's defaults), there are four such windows a week of 3 hours, Tokyo 09:00–12:00
Tuesday to Friday (Honolulu 14:00–17:00 Monday to Thursday): :func:`shared_windows` counts
them from the data.

In a crisis the off-duty principals are woken: the step waits
``min(time to the next shared window, wake-up)``, where the wake-up is the longest
wake-up delay of the principals who are off duty at that hour. In peacetime nobody is
woken, but no step waits longer than :data:`WEEK_H` (a pair of principals with no shared
window makes time within the week).

Offsets, shift hours and workdays are whole numbers, so availability changes only on whole
UTC hours: every quantity here is a (168 × samples) array indexed by UTC hour of the week
(hour 0 = Monday 00:00 UTC). Both implementations read these arrays: the SimPy reference
through :func:`deferral` and the vectorised approximation through
:func:`deferral_moments`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaname import kernels

WEEK_H = 168
NEVER = float(WEEK_H)   # peacetime: nobody is woken; no step waits longer than a week


def on_jjocs_clock(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """The same inputs with every node on JJOC's clock: the counterfactual that measures what
    the clocks' difference costs (both implementations' decomposition). `prefix` is
    ``"c2."`` for engine paths, empty for the approximation's names."""
    offset = values[f"{prefix}jjoc.utc_offset_h"]
    return {**values, **{f"{prefix}{node}.utc_offset_h": offset
                         for node in ("jjoc", "usfj", "indopacom")}}


def on_duty_week(utc_offset: np.ndarray, start: np.ndarray, end: np.ndarray,
                 workdays: np.ndarray) -> np.ndarray:
    """Whether a commander is on duty in each UTC hour of the week (168 × samples, bool).

    A shift belongs to the local day it starts on; ``start == end`` is round the clock.
    """
    utc_offset, start, end, workdays = (np.atleast_1d(np.asarray(a, dtype=float))
                                        for a in (utc_offset, start, end, workdays))
    local = np.arange(WEEK_H)[:, None] + utc_offset              # local hours since Monday
    length = np.where((end - start) % 24 == 0, 24.0, (end - start) % 24)
    since_start = local - start
    in_shift = since_start % 24 < length
    shift_day = np.floor(since_start / 24) % 7                    # day the shift started
    return in_shift & (shift_day < workdays)


def wait_to_available(available: np.ndarray) -> np.ndarray:
    """Hours from the start of each UTC hour of the week to the next available hour's start
    (0 where available; capped at :data:`WEEK_H` where nothing is available all week)."""
    n = available.shape[1]
    doubled = np.concatenate([available, available])              # two weeks: wraps
    big = 2 * WEEK_H
    hour = np.where(doubled, np.arange(2 * WEEK_H)[:, None], big)
    nxt = np.minimum.accumulate(hour[::-1], axis=0)[::-1][:WEEK_H]
    wait = nxt - np.arange(WEEK_H)[:, None]
    return np.minimum(wait, WEEK_H).astype(float).reshape(WEEK_H, n)


def wake_week(off_duty: list[np.ndarray], wakeups: list[np.ndarray], crisis: np.ndarray
              ) -> np.ndarray:
    """Wake-up delay of a step per UTC hour of the week (168 × samples): the longest
    wake-up of the principals off duty then (0 if none is); :data:`NEVER` in peacetime."""
    wake = np.zeros(off_duty[0].shape)
    for off, w in zip(off_duty, wakeups, strict=True):
        np.maximum(wake, np.where(off, np.asarray(w, dtype=float), 0.0), out=wake)
    return np.where(np.asarray(crisis, dtype=bool), wake, NEVER)


def shared_windows(available: np.ndarray) -> np.ndarray:
    """Number of separate stretches a week in which `available` holds (per sample)."""
    starts = available & ~np.roll(available, 1, axis=0)
    return starts.sum(axis=0)


def deferral(t_utc: float, wait: np.ndarray, wake: np.ndarray) -> float:
    """Hours a step reaching the principals at `t_utc` waits (scalar, for the DES).

    `wait` and `wake` are one sample's (168,) arrays from :func:`wait_to_available` and
    :func:`wake_week`."""
    hour = int(np.floor(t_utc)) % WEEK_H
    if wait[hour] == 0.0:
        return 0.0
    to_window = wait[hour] - (t_utc - np.floor(t_utc))
    return float(min(to_window, wake[hour]))


def _min_uniform_moments(y0: np.ndarray, y1: np.ndarray, cap: np.ndarray,
                         second_moment: bool = True, width: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """First two moments of ``min(cap, Y)`` for Y uniform on [y0, y1] (y1 > y0).

    Below the cap Y contributes its own moments, above it the cap: with m = clip(cap, y0,
    y1) the part below is uniform on [y0, m] with probability (m − y0)/(y1 − y0).
    """
    width = y1 - y0 if width is None else width
    m = np.minimum(np.maximum(cap, y0), y1)     # np.clip with array bounds is slow
    p_below = (m - y0) / width
    first = p_below * (y0 + m) / 2 + (1 - p_below) * cap
    if not second_moment:
        return first, first
    second = p_below * (y0 * y0 + y0 * m + m * m) / 3 + (1 - p_below) * cap * cap
    return first, second


@dataclass(frozen=True)
class WakeRule:
    """The crisis wake-up of a step without a (168 × samples) array: the principals'
    off-duty masks per distinct calendar (168 × calendars), their wake-up delays per
    sample, and whether each sample is a crisis (:func:`wake_week`, evaluated where read).
    """

    off_duty: tuple[np.ndarray, ...]
    wakeups: tuple[np.ndarray, ...]
    crisis: np.ndarray

    def constant(self) -> np.ndarray | None:
        """The wake-up per sample when it does not depend on the hour: one principal (where
        that principal is on duty the step does not wait, so the wake-up is not read)."""
        if len(self.off_duty) != 1:
            return None
        return np.where(self.crisis, self.wakeups[0], np.float32(NEVER)).astype(np.float32)

    def at(self, flat: np.ndarray) -> np.ndarray:
        """The wake-up at flat (hour × calendars + calendar) positions, per sample."""
        cap = np.zeros(flat.shape, dtype=np.float32)
        for off, w in zip(self.off_duty, self.wakeups, strict=True):
            np.maximum(cap, np.take(off, flat) * w, out=cap)
        return np.where(self.crisis, cap, np.float32(NEVER))


def distinct_calendars(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of `keys` (whole-number calendar inputs × samples) and each
    sample's column among them: calendars rarely vary, so the week is built once each."""
    if keys.shape[1] == 0 or np.all(keys == keys[:, :1]):      # the usual case: one calendar
        return keys[:, :1], np.zeros(keys.shape[1], dtype=np.intp)
    unique, index = np.unique(keys, axis=1, return_inverse=True)
    return unique, index.reshape(-1)


def deferral_moments(reach: np.ndarray, wait: np.ndarray, wake: np.ndarray | WakeRule,
                     index: np.ndarray | None = None, *, second_moment: bool = True
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of zero deferral and the mean and variance of a positive deferral, per hour.

    Requests of arrival hour u (rows of `reach`, 24 × samples, UTC hours) reach the
    principals uniformly over ``[reach − ½, reach + ½)`` on a uniformly random day of the
    week (the arrival profile is the same every day, so the weekday stays uniform). Each
    of the 7 days' hour spans two whole UTC hours; in each part the deferral is 0 (a
    shared hour) or ``min(wake, time to the window)`` with the time to the window
    uniform, whose moments are exact (:func:`_min_uniform_moments`). Returns (on share,
    mean deferral off, variance of deferral off); the off moments are 0 where an hour
    has no off part (and the variance 0 without `second_moment`).

    `wait` is (168 × calendars) with `index` the calendar of each sample (None: one
    calendar per sample); `wake` the matching (168 × calendars) array or a
    :class:`WakeRule`.
    """
    return deferral_moments_of_steps(reach, [(wait, wake)], index,
                                     second_moment=second_moment)[0]


def deferral_moments_of_steps(reach: np.ndarray,
                              steps: Sequence[tuple[np.ndarray, np.ndarray | WakeRule]],
                              index: np.ndarray | None = None, *, second_moment: bool = True
                              ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`deferral_moments` of several steps reached at the same times (a decider's
    single and combined steps), sharing the hour arithmetic. Over the hour
    ``[reach − ½, reach + ½)`` with ``f`` the fraction past the whole hour ``h``, the
    first part lies in hour ``h`` (length 1 − f, time to the window from w − 1 to w − f)
    and the second in hour ``h + 1`` (length f, from w − f to w)."""
    n = reach.shape[1]
    columns = np.arange(n) if index is None else np.asarray(index, dtype=np.intp)
    calendars = steps[0][0].shape[1]
    # float32 (times within a week to ~10⁻⁵ h; the variance of a week-long wait to 10⁻³ h²)
    dtype = np.float32
    start = np.asarray(reach, dtype=float) - 0.5
    hour = np.floor(start)
    frac = (start - hour).astype(dtype)
    hour_of_week = hour.astype(np.intp) % WEEK_H
    steps = [(np.asarray(wait, dtype=dtype),
              wake if isinstance(wake, WakeRule) else np.asarray(wake, dtype=dtype))
             for wait, wake in steps]
    if kernels.kernel_name() == "numba":
        sums = _sums_compiled(hour_of_week, frac, columns, calendars, steps, second_moment)
    else:
        sums = _sums_numpy(hour_of_week, frac, columns, calendars, steps, second_moment)
    out = []
    for on32, first32, second32 in sums:
        on, first, second = (a.astype(float) for a in (on32, first32, second32))
        on /= 7.0
        off_share = np.maximum(1.0 - on, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(off_share > 1e-12, first / 7.0 / off_share, 0.0)
            var = np.where(off_share > 1e-12, second / 7.0 / off_share - mean * mean, 0.0)
        out.append((np.clip(on, 0.0, 1.0), mean, np.maximum(var, 0.0)))
    return out


def _sums_numpy(hour_of_week: np.ndarray, frac: np.ndarray, columns: np.ndarray,
                calendars: int, steps: Sequence[tuple[np.ndarray, np.ndarray | WakeRule]],
                second_moment: bool) -> list[list[np.ndarray]]:
    """Per step, the week's sums (on share, first and second moment of the off parts), each
    (24 × samples) float32: the reference (:mod:`kaname.models.c2.deferral_kernel` is the
    same loop compiled)."""
    dtype = np.float32
    one = dtype(1.0)
    parts = ((0, one - frac, frac, one), (1, frac, dtype(0.0), frac))  # (hour, length, lo, hi)
    tiny = dtype(1e-6)    # a part of length 0 contributes nothing; its width only must not be 0
    constant = [wake.constant() if isinstance(wake, WakeRule) else None for _, wake in steps]
    sums = [[np.zeros(frac.shape, dtype=dtype) for _ in range(3)] for _ in steps]
    widths = [np.maximum(length, tiny) for _, length, _, _ in parts]
    for day in range(7):            # a loop over days: bounded scratch (24 × n per part)
        for (shift, length, lo, hi), width in zip(parts, widths, strict=True):
            flat = (hour_of_week + (24 * day + shift)) % WEEK_H
            flat *= calendars
            flat += columns
            for (wait, wake), fixed, (on, first, second) in zip(steps, constant, sums,
                                                                 strict=True):
                w = np.take(wait, flat)
                if fixed is not None:
                    cap = fixed
                elif isinstance(wake, WakeRule):
                    cap = wake.at(flat)
                else:
                    cap = np.take(wake, flat)
                y0 = w - hi
                m1, m2 = _min_uniform_moments(y0, w - lo, cap, second_moment, width)
                off = np.where(w == 0.0, dtype(0.0), length)
                on += length - off
                first += off * m1
                if second_moment:
                    second += off * m2
    return sums


def _sums_compiled(hour_of_week: np.ndarray, frac: np.ndarray, columns: np.ndarray,
                   calendars: int, steps: Sequence[tuple[np.ndarray, np.ndarray | WakeRule]],
                   second_moment: bool) -> list[list[np.ndarray]]:
    """:func:`_sums_numpy` by the compiled kernel (bit-identical)."""
    from kaname.models.c2 import deferral_kernel as dk

    S, n = len(steps), frac.shape[1]
    cells = WEEK_H * calendars
    rules = [wake for _, wake in steps if isinstance(wake, WakeRule)]
    K = max((len(r.off_duty) for r in rules), default=1)
    waits = np.stack([np.ravel(wait) for wait, _ in steps])
    kinds = np.full(S, dk.RULE_ARRAY, dtype=np.int64)
    fixed = np.zeros((S, n), dtype=np.float32)
    offs = np.zeros((S, K, cells), dtype=np.float32)
    wakeups = np.zeros((S, K, n), dtype=np.float32)
    counts = np.zeros(S, dtype=np.int64)
    arrays = np.zeros((S, cells), dtype=np.float32)
    crisis = np.zeros(n, dtype=np.bool_)
    for i, (_, wake) in enumerate(steps):
        if not isinstance(wake, WakeRule):
            arrays[i] = np.ravel(wake)
            continue
        crisis = np.asarray(wake.crisis, dtype=np.bool_)
        constant = wake.constant()
        if constant is not None:
            kinds[i], fixed[i] = dk.RULE_FIXED, constant
        else:
            kinds[i], counts[i] = dk.RULE_WAKE, len(wake.off_duty)
            for k, (off, w) in enumerate(zip(wake.off_duty, wake.wakeups, strict=True)):
                offs[i, k], wakeups[i, k] = np.ravel(off), w
    out = np.zeros((S, 3, *frac.shape), dtype=np.float32)
    kernels.compiled(dk.sums)(np.ascontiguousarray(hour_of_week, dtype=np.int64),
                              np.ascontiguousarray(frac), np.ascontiguousarray(columns,
                                                                               dtype=np.int64),
                              calendars, waits, kinds, fixed, offs, wakeups, counts, crisis,
                              arrays, second_moment, np.float32(NEVER), out)
    return [list(out[i]) for i in range(S)]
