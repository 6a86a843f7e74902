"""The compiled PAWN distances (kaname.analysis.pawn_kernel) give the numpy reference's
bits: random inputs and outcomes, with and without ties in x and in y, any slice count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname import kernels
from kaname.analysis.findings import pawn_indices


def _pawn(kernel: str, *args, **kwargs) -> np.ndarray:  # noqa: ANN002, ANN003
    kernels.KERNEL = kernel
    try:
        return pawn_indices(*args, **kwargs)
    finally:
        kernels.KERNEL = None


@settings(max_examples=40, deadline=None)
@given(n=st.integers(20, 400), k=st.integers(1, 9), slices=st.integers(2, 10),
       x_levels=st.sampled_from([0, 2, 5]), y_levels=st.sampled_from([0, 2, 4]),
       seed=st.integers(0, 2**31 - 1))
def test_compiled_pawn_equals_the_reference_bit_for_bit(n, k, slices, x_levels,
                                                        y_levels, seed) -> None:
    if n // slices < 2:
        return
    rng = np.random.default_rng(seed)
    x = rng.random((n, k))
    y = rng.random(n) + x[:, 0]  # a driver, so the distances are not all alike
    if x_levels:
        x = np.floor(x * x_levels)   # ties in x (split by position)
    if y_levels:
        y = np.floor(y * y_levels)   # a few-valued outcome: long runs of ties in y
    order = np.argsort(x, axis=0, kind="stable")
    want = _pawn("numpy", x, y, slices, order=order)
    got = _pawn("numba", x, y, slices, order=order)
    assert got.tobytes() == want.tobytes()
    assert _pawn("numba", x, y, slices).tobytes() == want.tobytes()  # order not given
