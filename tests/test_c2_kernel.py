"""c2's week-calendar deferral sums: the compiled kernel gives the numpy reference's
numbers bit for bit (same float32 operations in the same order), on random calendars,
wake-up rules and arrival times, and on the bundled example's c2 outputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname import kernels
from kaname.models.c2 import calendar

pytestmark = pytest.mark.skipif(kernels.numba_module() is None, reason="numba not installed")


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), calendars=st.integers(1, 3),
       principals=st.integers(1, 2), second=st.booleans(), raw_wake=st.booleans())
def test_compiled_sums_are_bit_identical(seed, n, calendars, principals, second,
                                         raw_wake) -> None:
    rng = np.random.default_rng(seed)
    index = rng.integers(0, calendars, n)
    on_duty = [calendar.on_duty_week(rng.integers(-12, 13, calendars),
                                     rng.integers(0, 24, calendars),
                                     rng.integers(0, 24, calendars),
                                     rng.integers(1, 8, calendars))
               for _ in range(principals)]
    wait = calendar.wait_to_available(np.logical_and.reduce(on_duty))
    wakeups = tuple(rng.uniform(0, 6, n).astype(np.float32) for _ in range(principals))
    crisis = rng.random(n) < 0.5
    rule = calendar.WakeRule(tuple((~w).astype(np.float32) for w in on_duty), wakeups, crisis)
    wake = rng.uniform(0, 10, wait.shape) if raw_wake else rule
    reach = rng.uniform(-30, 400, (24, n))
    steps = [(wait, wake), (wait, rule)]
    results = {}
    for name in ("numpy", "numba"):
        kernels.KERNEL = name
        try:
            results[name] = calendar.deferral_moments_of_steps(reach, steps, index,
                                                               second_moment=second)
        finally:
            kernels.KERNEL = None
    for ref, fast in zip(results["numpy"], results["numba"], strict=True):
        for a, b in zip(ref, fast, strict=True):
            assert _bits(a) == _bits(b)


def test_the_example_c2_outputs_are_bit_identical(monkeypatch) -> None:
    from pathlib import Path

    import kaname
    from kaname.scenario import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml")
    runs = {}
    for name in ("numpy", "numba"):
        monkeypatch.setattr(kernels, "KERNEL", name)
        runs[name] = kaname.run(sc, futures=400, seed=2, outputs="all",
                                policies=["status-quo", "jfhq-in-japan"]).dataset
    c2 = [v for v in runs["numpy"].data_vars if str(v).startswith("c2.")]
    assert c2
    for v in c2:
        assert _bits(runs["numpy"][v].values) == _bits(runs["numba"][v].values), v
