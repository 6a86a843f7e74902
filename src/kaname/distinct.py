"""Find the distinct input rows of a model call, so that each is evaluated once.

An ensemble repeats itself: every future appears under every policy, and a policy that
does not touch a model's inputs gives that model the same rows as the status quo; some
models see only a handful of distinct rows in a chunk (homeland reads few sampled inputs,
most of them discrete). Because a model's output for a sample never depends on the other
samples in its batch (:func:`kaname.testing.check_model` enforces it), evaluating one
representative per distinct row and copying its outputs to the duplicates gives
bit-identical results.

Rows are compared by their bits (``-0.0`` and ``0.0`` count as different rows, two NaNs
with the same payload as equal), through a 64-bit hash of the varying columns that is
then verified column by column: a hash collision can cost the saving, never correctness.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_PRIME = np.uint64(0x100000001B3)      # FNV-1a's 64-bit prime
_OFFSET = np.uint64(0xCBF29CE484222325)  # ... and its offset basis


def _cells(arr: np.ndarray, n: int) -> np.ndarray:
    """The array as (n, cells) of uint64 bit patterns (bools and integers widened to
    float64 first: equal values give equal patterns)."""
    a = np.asarray(arr)
    if a.dtype != np.float64:
        a = a.astype(np.float64)
    return np.ascontiguousarray(a).reshape(n, -1).view(np.uint64)


def distinct_rows(x: Mapping[str, np.ndarray], n: int
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """``(first, inverse)`` for the `n` rows of the columns `x` (first axis = rows):
    `first` indexes one representative per distinct row, in row order, and
    ``inverse[i]`` is the position in `first` of row i's representative, so that
    ``column[first][inverse]`` equals ``column`` bit for bit. None when every row is
    distinct (nothing to save) or a hash collision was found."""
    if n < 2:
        return None
    varying = []
    for arr in x.values():
        cells = _cells(arr, n)
        if cells.size and ((cells[0] != cells[-1]).any() or not (cells == cells[0]).all()):
            varying.append(cells)  # (the first test settles most varying columns)
    if not varying:
        first = np.zeros(1, dtype=np.intp)
        return first, np.zeros(n, dtype=np.intp)
    probe = next((c[:, 0] for c in varying
                  if not float(c[0, 0].view(np.float64)).is_integer()), None)
    if probe is not None and len(np.unique(probe)) == n:  # a continuous column with n
        return None                                         # distinct values settles it
    h = np.full(n, _OFFSET, dtype=np.uint64)
    for cells in varying:
        for j in range(cells.shape[1]):
            np.bitwise_xor(h, cells[:, j], out=h)
            np.multiply(h, _PRIME, out=h)
    _, first, inverse = np.unique(h, return_index=True, return_inverse=True)
    if len(first) == n:
        return None
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    first, inverse = first[order], rank[inverse.reshape(-1)]
    for cells in varying:  # a collision would merge two different rows: check
        if not np.array_equal(cells[first][inverse], cells):
            return None
    return first, inverse
