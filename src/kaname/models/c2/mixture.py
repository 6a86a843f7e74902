"""Quantiles and threshold shares of a mixture of uniform cells, one mixture per sample.

The c2 latency distribution is such a mixture (one cell per arrival hour and branch). Its
CDF is piecewise linear: it is evaluated exactly on a per-sample grid
(``F(x) = x·ΣP − ΣQ`` over ramps that have started, two ``bincount``s), each quantile is
bracketed on the grid and solved by regula falsi on the exact CDF.
"""

from __future__ import annotations

import math

import numpy as np

GRID_POINTS = 64       # nodes of the per-sample grid that brackets each latency quantile
MIN_CELL_WIDTH = 1e-4  # grid steps: width given to zero-variance cells
QUANTILE_TOL = 1e-5    # CDF tolerance of the quantile search
QUANTILE_ITERATIONS = 40


def _mixture_cdf_at(pos: np.ndarray, start: np.ndarray, end: np.ndarray,
                    rise: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """Exact mixture CDF at one position per sample (grid units): Σ rise·(clip(x) − start).

    Cell arrays are cells × samples; each term is at most the cell's weight, so the
    float32 sum has no cancellation. `scratch` (same shape) avoids a fresh allocation.
    """
    if scratch is None:  # C order: sums over cells must run row by row whatever the layout
        scratch = np.empty(start.shape, dtype=start.dtype)   # of `start` (masks give F order)
    inside = np.maximum(start, pos, out=scratch)
    np.minimum(inside, end, out=inside)
    inside -= start
    inside *= rise
    if inside.shape[1] == 1:
        # numpy sums a lone column pairwise but many columns row by row; cumsum adds in
        # the same order as the latter, so a sample's result never depends on its batch.
        return np.cumsum(inside[:, 0])[-1:].astype(float)
    return inside.sum(axis=0).astype(float)


def _invert_cdf(quantiles: tuple[float, ...], cdf: np.ndarray, density: np.ndarray,
                start: np.ndarray, end: np.ndarray, rise: np.ndarray,
                scratch: np.ndarray | None = None) -> np.ndarray:
    """Positions (grid units) where the exact mixture CDF reaches each quantile, per sample.

    Bracketed between the grid nodes around `q` (``cdf`` and the right-hand ``density``
    are nodes × samples). The first guess assumes one kink between the nodes (exact if
    there is at most one); then regula falsi with the Illinois modification on the exact
    CDF until it is within QUANTILE_TOL of `q`. All quantiles share one refinement loop
    over the (quantile, sample) pairs that have not converged. Returns quantiles × samples.
    """
    nodes, n = cdf.shape
    q = np.asarray(quantiles, dtype=float)[:, None]                 # k × 1
    columns = np.arange(n)
    below = (cdf < q[:, :, None]).view(np.uint8).sum(axis=1, dtype=np.int16)  # k × n
    k = np.clip(below, 1, nodes - 1)
    a, b = (k - 1).astype(float), k.astype(float)
    at = k.astype(np.intp) * n + columns    # flat positions of node k: 1-D gathers
    fa, fb = cdf.ravel()[at - n], cdf.ravel()[at]
    d0, d1 = density.ravel()[at - n], density.ravel()[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = np.clip((fb - fa - d1) / (d0 - d1), 0.0, 1.0)     # one kink: slopes d0, d1
        at_kink = fa + d0 * kink
        guess = np.where(q <= at_kink, a + (q - fa) / d0, b - (fb - q) / d1)
    chord = a + np.clip((q - fa) / np.maximum(fb - fa, 1e-300), 0.0, 1.0)
    guess = np.where((guess >= a) & (guess <= b), guess, chord)
    fg = np.stack([_mixture_cdf_at(row.astype(start.dtype), start, end, rise, scratch)
                   for row in guess])
    # Refine the pairs that are off, flattened: pair p is quantile p // n of sample p % n.
    q = np.broadcast_to(q, guess.shape).ravel()
    a, b, fa, fb, guess, fg = (arr.ravel() for arr in (a, b, fa, fb, guess, fg))
    side = np.zeros(q.size, dtype=np.int8)
    active = np.arange(q.size)
    for _ in range(QUANTILE_ITERATIONS):
        keep = (np.abs(fg - q[active]) > QUANTILE_TOL) & (b[active] - a[active] > 1e-6)
        if not np.any(keep):
            break
        active, fg = active[keep], fg[keep]
        qa, x = q[active], guess[active]
        below = fg < qa
        # Illinois: an end point kept twice in a row has its CDF gap halved.
        a[active] = np.where(below, x, a[active])
        b[active] = np.where(below, b[active], x)
        fa[active] = np.where(below, fg, np.where(side[active] == -1, (fa[active] + qa) / 2,
                                                   fa[active]))
        fb[active] = np.where(below, np.where(side[active] == 1, (fb[active] + qa) / 2,
                                              fb[active]), fg)
        side[active] = np.where(below, 1, -1)
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        guess[active] = aa + (bb - aa) * np.clip((qa - ffa) / np.maximum(ffb - ffa, 1e-300),
                                                 0.0, 1.0)
        sample = active % n                 # np.take: 2–3× faster than start[:, sample]
        fg = _mixture_cdf_at(guess[active].astype(start.dtype),
                             *(np.take(arr, sample, axis=1) for arr in (start, end, rise)))
    return guess.reshape(-1, n)


def _buffer(workspace: dict | None, name: str, shape: tuple[int, ...],
            dtype: type) -> np.ndarray:
    """Scratch array reused across chunks (fresh memory costs page faults on every chunk)."""
    size = math.prod(shape)
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    held = workspace.get(name)
    if held is None or held.size < size or held.dtype != dtype:
        held = workspace[name] = np.empty(size, dtype=dtype)
    return held[:size].reshape(shape)


def mixture_summary(cells: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                    quantiles: tuple[float, ...], thresholds: tuple[float, ...],
                    workspace: dict | None = None
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Quantiles and CDF values of a mixture of uniforms, one mixture per sample.

    `cells` holds (weight, mean, variance) arrays of shape (k, samples) (weights may
    broadcast): each row is a uniform cell, and each sample's weights sum to 1. In grid
    units a cell rises with slope ``s`` from ``a`` to ``b``, so the CDF is
    ``F(x) = x·Σs − Σs·a`` over cells with ``a ≤ x`` minus the same over cells with
    ``b ≤ x``: two sums accumulated at the grid nodes by a ``bincount`` each and one
    cumulative sum, exact at every node. A quantile is bracketed between two nodes and
    found by regula falsi on the exact CDF; threshold shares are the exact CDF. Cell
    geometry is float32 (positions of a few grid steps, relative to the sample's first
    cell); the node sums are float64.
    """
    f32 = np.float32
    n = cells[0][1].shape[1]
    rows = sum(mean.shape[0] for _, mean, _ in cells)
    nodes = GRID_POINTS
    bins = nodes + 1
    lo = _buffer(workspace, "lo", (rows, n), f32)
    hi = _buffer(workspace, "hi", (rows, n), f32)
    rise = _buffer(workspace, "rise", (rows, n), f32)
    first = 0
    for weight, mean, var in cells:
        part = slice(first, first + mean.shape[0])
        first = part.stop
        half = np.multiply(var, 3.0, out=rise[part])        # rise[part] as scratch
        np.sqrt(np.maximum(half, 0.0, out=half), out=half)
        np.maximum(np.subtract(mean, half, out=lo[part]), 0.0, out=lo[part])
        np.add(mean, half, out=hi[part])
        rise[part] = weight
    x0 = lo.min(axis=0)
    span = np.maximum(hi.max(axis=0).astype(float) - x0, 1e-6)
    step = span / (nodes - 1)
    scale = (1.0 / step).astype(f32)
    start, end = lo, hi
    start -= x0
    start *= scale
    end -= x0
    end *= scale
    scratch = _buffer(workspace, "scratch", (rows, n), f32)
    np.add(start, f32(MIN_CELL_WIDTH), out=scratch)
    np.maximum(end, scratch, out=end)                     # point masses: a steep ramp
    rise /= np.subtract(end, start, out=scratch)
    # Node g counts the ramps with a ≤ g; ramps that start or end exactly at g add 0 at g,
    # so the truncated position + 1 serves as ceil(position). One index (node, sample)
    # serves the two sums, P (slopes) and Q (slope × position).
    index = _buffer(workspace, "index", (2, rows, n), np.intp)
    index[0] = start
    index[1] = end
    index *= n
    index += np.arange(n) + n
    weights = _buffer(workspace, "weights", (2, rows, n), float)
    weights[0] = rise
    np.negative(weights[0], out=weights[1])
    sums = np.empty((2, bins, n))
    sums[0] = np.bincount(index.ravel(), weights.ravel(), bins * n).reshape(bins, n)
    weights[0] *= start
    weights[1] *= end
    sums[1] = np.bincount(index.ravel(), weights.ravel(), bins * n).reshape(bins, n)
    for node in range(1, nodes):       # numpy's cumsum along this axis is 10× slower
        sums[:, node] += sums[:, node - 1]
    density = sums[0, :nodes]                        # CDF slope just right of each node
    cdf = np.arange(nodes, dtype=float)[:, None] * density - sums[1, :nodes]
    x0 = x0.astype(float)
    out_q = list(x0 + step * _invert_cdf(quantiles, cdf, density, start, end, rise, scratch))
    out_t = []
    for t in thresholds:
        pos = ((t - x0) / step).astype(f32)
        out_t.append(np.clip(_mixture_cdf_at(pos, start, end, rise, scratch), 0.0, 1.0))
    return out_q, out_t
