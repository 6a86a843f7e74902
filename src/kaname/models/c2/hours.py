"""The hourly clock of the c2 approximation: arrays are hour-major (24 UTC hours × samples).

Hour-major layout makes every numpy loop run along the sample axis. The arithmetic is float32
(errors of order 10⁻⁶ h, half the memory traffic of float64).
"""

from __future__ import annotations

import numpy as np

HOURLY = np.float32
HOURS = np.arange(24)
HOURS_MID = (HOURS + 0.5).astype(HOURLY)


def mod24(x: np.ndarray) -> np.ndarray:
    """``x mod 24`` via floor (numpy's float remainder costs several times more)."""
    return x - 24.0 * np.floor(x * (1.0 / 24.0))


def staffing(day: np.ndarray, night: np.ndarray, start: np.ndarray, end: np.ndarray,
             utc_offset: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
