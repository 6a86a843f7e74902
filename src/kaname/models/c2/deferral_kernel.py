"""The week-calendar deferral sums of :func:`kaname.models.c2.calendar.deferral_moments_of_steps`
compiled by numba (:mod:`kaname.kernels` chooses; the numpy loop in ``calendar`` is the
reference).

The sums are elementwise (per arrival hour and sample, over the 7 days × 2 part-hours),
in float32, and the kernel performs the reference's operations in the reference's order
with the same float32 rounding, so its results are bit-identical (checked by
``tests/test_c2_kernel.py``). numpy instead walks (24 × samples) arrays once per
operation, 14 times per step: the kernel is about 1.7x faster on the example's chunks
(the gather of each sample's hour of the week keeps it from vectorising further).
"""

from __future__ import annotations

import numpy as np

RULE_FIXED, RULE_WAKE, RULE_ARRAY = 0, 1, 2  # how a step's wake-up cap is read


def sums(hour_of_week, frac, columns, calendars, waits, kinds, fixed, offs, wakeups,  # type: ignore[no-untyped-def]
         counts, crisis, arrays, second_moment, never, out):
    """Fill ``out`` (steps × 3 × 24 × samples, float32 zeros): the share on duty, and the
    off parts' first and second moments of the deferral, summed over the week's days.

    Per step ``s``: ``waits[s]`` the hours to the window (flattened 168 × calendars);
    ``kinds[s]`` how its wake-up cap is read — one per sample (``fixed[s]``), the longest
    wake-up of the ``counts[s]`` principals off duty at that hour (``offs[s, k]`` off-duty
    masks, ``wakeups[s, k]`` per sample), or an array like ``waits[s]`` (``arrays[s]``);
    outside a crisis the cap is ``never``."""
    one = np.float32(1.0)
    zero = np.float32(0.0)
    two = np.float32(2.0)
    three = np.float32(3.0)
    tiny = np.float32(1e-6)
    S = waits.shape[0]
    hours, n = frac.shape
    for s in range(S):
        kind = kinds[s]
        on, first, second = out[s, 0], out[s, 1], out[s, 2]
        for u in range(hours):
            for part in range(14):  # 7 days x the two UTC hours a request's hour spans
                day, shift = part // 2, part % 2
                # innermost over samples, each adding to its own sums in the reference's order
                for c in range(n):
                    f = frac[u, c]
                    if shift == 0:
                        length, lo, hi = one - f, f, one
                    else:
                        length, lo, hi = f, zero, f
                    width = length if length > tiny else tiny
                    flat = (hour_of_week[u, c] + (24 * day + shift)) % 168 * calendars \
                        + columns[c]
                    w = waits[s, flat]
                    if kind == RULE_FIXED:
                        cap = fixed[s, c]
                    elif kind == RULE_WAKE:
                        cap = zero
                        for k in range(counts[s]):
                            x = offs[s, k, flat] * wakeups[s, k, c]
                            cap = cap if cap >= x else x
                        cap = cap if crisis[c] else never
                    else:
                        cap = arrays[s, flat]
                    y0 = w - hi
                    y1 = w - lo
                    m = cap if cap >= y0 else y0
                    m = m if m <= y1 else y1
                    p_below = (m - y0) / width
                    rest = one - p_below
                    off = zero if w == zero else length
                    on[u, c] += length - off
                    first[u, c] += off * (p_below * (y0 + m) / two + rest * cap)
                    if second_moment:
                        second[u, c] += off * (p_below * (y0 * y0 + y0 * m + m * m) / three
                                               + rest * cap * cap)
