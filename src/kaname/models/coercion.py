"""Coercion by mode: how an origin's leverage over Japan turns into harm in yen (issue #16).

Pure array functions, read by the autonomy model; no data, no model state.

An origin *o* coerces Japan in a year through each mode *m* independently with the annual
probability ``p[o, m]``. One episode of mode *m* costs Japan ``H[o, m]`` yen that year:

* a **tariff** costs the duty that falls on Japan: ``exports_o × rate_o × harm per yen of duty``, whatever
  Japan's supply looks like (no technology investment lowers it);
* a **supply mode** (export control, data access, supply cut-off, licence denial) costs the
  share ``loss_m`` of the value at stake that depends, without substitute, on the origin's
  supply and is exposed to that mode::

      H[o, m] = loss_m × sum_T V_T × (1 - sub_T) × s[T, o] × e[T, m]    (+ licensed output)

The expected harm a year is ``sum_m p[o, m] × H[o, m]``. The tail is the conditional value
at risk (expected shortfall) of one origin's harm in a year at level ``alpha``: the mean of
the worst ``alpha`` of years, computed exactly over the ``2^M`` combinations of modes.
"""

from __future__ import annotations

import numpy as np

MODES: tuple[str, ...] = ("tariff", "export_control", "data_access", "supply_cutoff",
                          "licence_denial")
SUPPLY_MODES: tuple[str, ...] = MODES[1:]  # the modes that work through Japan's supply
MODE_LABELS: dict[str, dict[str, str]] = {
    "tariff": {"en": "Tariff", "ja": "関税"},
    "export_control": {"en": "Export control", "ja": "輸出管理"},
    "data_access": {"en": "Data access", "ja": "データアクセス"},
    "supply_cutoff": {"en": "Supply cut-off", "ja": "供給停止"},
    "licence_denial": {"en": "Licence denial", "ja": "ライセンス・承認の拒否"},
}
TAIL_LEVEL = 0.05  # the worst 5 % of years (a one-in-twenty-year loss and beyond)
TAIL_BLOCK = 4096  # rows per block of the enumeration


def over_horizon(annual: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Probability of at least one episode in ``years`` at ``annual`` probability a year:
    ``1 - (1 - p)^H``, exact at p = 1."""
    p = np.clip(annual, 0.0, 1.0)
    compounded = -np.expm1(years * np.log1p(-np.minimum(p, 1.0 - 1e-15)))
    return np.where(p >= 1.0, 1.0, compounded)


def any_mode(p: np.ndarray) -> np.ndarray:
    """Annual probability that at least one mode fires, modes independent (last axis)."""
    return 1.0 - np.prod(1.0 - np.clip(p, 0.0, 1.0), axis=-1)


def expected_harm(p: np.ndarray, harm: np.ndarray) -> np.ndarray:
    """Expected harm a year, ``sum_m p × H`` over the last axis."""
    return np.sum(np.clip(p, 0.0, 1.0) * harm, axis=-1)


def tail_harm(p: np.ndarray, harm: np.ndarray, alpha: float = TAIL_LEVEL) -> np.ndarray:
    """Expected harm in the worst ``alpha`` of years (CVaR), modes on the last axis.

    Enumerates the ``2^M`` combinations of modes that may fire in a year, with their
    probabilities and summed harms, and averages the worst outcomes whose probability adds
    to ``alpha`` (the boundary outcome counted in part). Exact; ``M = 5`` gives 32 outcomes.
    Rows are processed in blocks small enough to stay in cache; every operation is per row,
    so the numbers do not depend on the block size.
    """
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    harm = np.broadcast_to(np.asarray(harm, dtype=float), p.shape)
    m = p.shape[-1]
    rows_p, rows_h = p.reshape(-1, m), harm.reshape(-1, m)
    out = np.empty(rows_p.shape[0])
    for lo in range(0, rows_p.shape[0], TAIL_BLOCK):
        bp, bh = rows_p[lo:lo + TAIL_BLOCK], rows_h[lo:lo + TAIL_BLOCK]
        prob = np.ones((bp.shape[0], 1))
        total = np.zeros_like(prob)
        for j in range(m):  # the outcomes so far without mode j, then with it (fixed order)
            prob = np.concatenate([prob * (1.0 - bp[:, j:j + 1]), prob * bp[:, j:j + 1]], 1)
            total = np.concatenate([total, total + bh[:, j:j + 1]], axis=1)
        order = np.argsort(-total, axis=1, kind="stable")
        total = np.take_along_axis(total, order, axis=1)
        prob = np.take_along_axis(prob, order, axis=1)
        before = np.cumsum(prob, axis=1) - prob              # mass of the worse outcomes
        counted = np.clip(alpha - before, 0.0, prob)         # this outcome's part of the tail
        out[lo:lo + TAIL_BLOCK] = np.sum(counted * total, axis=1) / alpha
    return out.reshape(p.shape[:-1])
