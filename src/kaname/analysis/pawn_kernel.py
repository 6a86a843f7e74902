"""The Kolmogorov–Smirnov distances of given-data PAWN in one pass over the futures, compiled.

:func:`kaname.analysis.findings.pawn_indices` (the numpy reference) lists each slice's
futures in order of y with a sort per block of columns, then evaluates the slice's CDF step
against the overall CDF at every element. The same distances need no sort:
walking the futures once in order of y, each column's slice of the current future is looked
up, and the slice's CDF is compared with the overall one just after and just before its own
step there — nothing between two of its steps can exceed those. Within a run of ties in y
the reference keeps only the last "after" and the first "before" of the run; the others are
never larger (same overall count, a smaller or larger slice count), so taking the maximum
over all of them gives the same value.

The arithmetic is the reference's, operation for operation — ``(t + 1) / m − upto / n`` and
``below / n − t / m`` in float64, and a maximum picks one of those values — so the two give
the same bits (tested with hypothesis, ties included). Run with ``KANAME_KERNEL=numpy`` for the
reference (:mod:`kaname.kernels`).
"""

from __future__ import annotations

import weakref

import numpy as np

from kaname import kernels


def _ks_loops(slice_of: np.ndarray, by_y: np.ndarray, upto: np.ndarray, below: np.ndarray,
              m: int, slices: int, ks: np.ndarray) -> None:  # pragma: no cover - compiled
    n, k = slice_of.shape
    count = np.zeros((k, slices), dtype=np.int64)
    for j in range(k):
        for s in range(slices):
            ks[j, s] = -np.inf
    for p in range(n):  # the futures in order of y; each one's slices in one row
        f = by_y[p]
        after_all = upto[p] / n
        before_all = below[p] / n
        for j in range(k):
            s = slice_of[f, j]
            if s >= slices:
                continue  # past the last whole slice
            t = count[j, s]
            count[j, s] = t + 1
            after = (t + 1) / m - after_all
            before = before_all - t / m
            if after > ks[j, s]:
                ks[j, s] = after
            if before > ks[j, s]:
                ks[j, s] = before


_SLICES: list[tuple[weakref.ref[np.ndarray], int, int, np.ndarray]] = []
"""Each future's slice by column, for the last few `order` arrays (it depends on x only:
the findings of a run ask for it once per outcome, on the same x). Held by weak reference,
so a caller's arrays are freed when it drops them."""


def slices_of(order: np.ndarray, m: int, slices: int) -> np.ndarray:
    """(n, k) slice of each future in each column (`slices` past the last whole slice)."""
    _SLICES[:] = [e for e in _SLICES if e[0]() is not None]
    for ref, mm, ss, found in _SLICES:
        if ref() is order and (mm, ss) == (m, slices):
            return found
    n, k = order.shape
    kind = np.int8 if slices < 127 else np.int32
    out = np.full((n, k), slices, dtype=kind)
    out[order[: m * slices], np.arange(k)] = np.repeat(np.arange(slices, dtype=kind), m)[:, None]
    _SLICES.append((weakref.ref(order), m, slices, out))
    del _SLICES[:-4]
    return out


def ks_by_slice(order: np.ndarray, by_y: np.ndarray, upto: np.ndarray, below: np.ndarray,
                m: int, slices: int) -> np.ndarray:
    """(k, slices) KS distances; `order` is x's stable argsort by column, `by_y` y's, and
    `upto` / `below` the overall counts at or below / strictly below the y at each place
    of y's order."""
    ks = np.empty((order.shape[1], slices))
    kernels.compiled(_ks_loops)(slices_of(order, m, slices), by_y, upto, below, m, slices, ks)
    return ks
