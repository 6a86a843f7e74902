"""The conflict's daily recursion in its two implementations (numpy: the reference; numba:
the compiled kernel): closed forms on toy conflicts, agreement within the stated tolerance
on random ones, and the kernel switch's errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname import kernels
from kaname.errors import InputError
from kaname.models import sustainment_kernel as K

KERNELS = ["numpy", *(["numba"] if kernels.numba_module() is not None else [])]


def toy(n: int = 1, M: int = 1, H: int = 30, *, stock: float = 100.0, demand: float = 10.0,
        excess: float = 0.0, tau: float = 5.0, capacity: float = 1e9, critical: float = 0.0,
        loss: float = 0.0, establish: float = 0.0, step: tuple[int, float] | None = None,
        aimed: float = 0.0) -> K.Fight:
    full = np.full((n, M), 1.0)
    day, size = step if step is not None else (H, 0.0)
    return K.Fight(stock0=stock * full, excess=excess * full, d_sus=demand * full,
                   decay_per_day=np.exp(-1.0 / tau) * full, capacity=capacity * full,
                   critical=critical * full, aimed=aimed * full, aimed_var=0.0 * full,
                   step_day=np.full((1, n, M), day, dtype=np.int64),
                   step_size=np.full((1, n, M), size), loss_rate=np.full(n, loss),
                   establish=np.full(n, establish), hits_per_ship=np.full(n, 2.0),
                   reconstitution=np.zeros(n), horizon=H)


@pytest.fixture(params=KERNELS)
def fight(request: pytest.FixtureRequest):
    return K.fight_numpy if request.param == "numpy" else K.fight_numba


def test_constant_demand_runs_out_at_stock_over_demand(fight) -> None:
    """No resupply, demand d a day from stock S: the stock lasts S / d days, then is 0."""
    out = fight(toy(stock=95.0, demand=10.0, H=30))
    assert out["depleted_at"][0, 0] == pytest.approx(9.5, rel=1e-12)
    assert out["stock_end"][0, 0] == pytest.approx(0.0, abs=1e-9)


def test_resupply_step_delays_depletion(fight) -> None:
    """A stream of r a day from day s (r < d): the stock lasts until S + r (t − s) = d t."""
    S, d, r, s = 100.0, 10.0, 4.0, 5
    out = fight(toy(stock=S, demand=d, H=60, step=(s, r)))
    assert out["depleted_at"][0, 0] == pytest.approx((S - r * s) / (d - r), rel=1e-12)


def test_enough_stock_never_runs_out_and_is_conserved(fight) -> None:
    """Stock at the end = start + resupply − demand over the horizon when it never runs out
    (demand's geometric sum in closed form)."""
    S, d, e, tau, H, r, s = 1e6, 10.0, 30.0, 4.0, 40, 3.0, 7
    out = fight(toy(stock=S, demand=d, excess=e, tau=tau, H=H, step=(s, r)))
    q = np.exp(-1.0 / tau)
    demand = H * d + e * (1 - q**H) / (1 - q)
    assert out["depleted_at"][0, 0] == H
    assert out["stock_end"][0, 0] == pytest.approx(S + r * (H - s) - demand, rel=1e-12)


def test_undefended_launchers_decay_geometrically(fight) -> None:
    """A defensive munition that is gone from day 0: nothing asked is met, so the launchers
    standing shrink by (1 − loss) a day; fire capacity never binds fire that is zero."""
    H, loss = 20, 0.1
    out = fight(toy(stock=0.0, demand=5.0, H=H, critical=1.0, loss=loss), series=True)
    days = np.arange(H)
    assert np.allclose(out["launchers_surviving"][0], (1 - loss) ** days, rtol=1e-12)


def test_race_counts_hits_until_establishment(fight) -> None:
    """Constant fire f with a hits per shot, attacker ashore after E days (E whole):
    hits = f a E and ships sunk = hits / hits per ship (no reconstitution)."""
    f, a, E = 10.0, 0.3, 6.0
    out = fight(toy(stock=1e6, demand=f, H=20, aimed=a, establish=E))
    assert out["hits_total"][0] == pytest.approx(f * a * E, rel=1e-12)
    assert out["net_sunk"][0] == pytest.approx(f * a * E / 2.0, rel=1e-12)


@st.composite
def fights(draw: st.DrawFn) -> K.Fight:
    n = draw(st.integers(1, 40))
    M = draw(st.integers(1, 5))
    H = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    u = lambda lo, hi, shape=(n, M): rng.uniform(lo, hi, shape)  # noqa: E731
    return K.Fight(stock0=u(0, 500), excess=u(0, 50), d_sus=u(0, 20),
                   decay_per_day=np.exp(-1.0 / u(0.5, 30)), capacity=u(1, 80),
                   critical=(rng.random((n, M)) < 0.5).astype(float), aimed=u(0, 0.5),
                   aimed_var=u(0, 0.2), step_day=rng.integers(0, H + 1, (4, n, M)),
                   step_size=u(0, 15, (4, n, M)), loss_rate=u(0, 0.3, (n,)),
                   establish=u(0, H + 5, (n,)), hits_per_ship=u(0.5, 5, (n,)),
                   reconstitution=u(0, 0.5, (n,)), horizon=H)


@pytest.mark.skipif("numba" not in KERNELS, reason="numba not installed")
@settings(max_examples=40, deadline=None)
@given(fights())
def test_numba_matches_the_reference_within_the_stated_tolerance(p: K.Fight) -> None:
    """Depletion days bit-identical; the rest within RTOL of the scale of what was summed
    (the module docstring says why they may differ in the last bits)."""
    ref, fast = K.fight_numpy(p, series=True), K.fight_numba(p, series=True)
    assert np.array_equal(ref["depleted_at"], fast["depleted_at"])
    for key in ("demand", "resupply"):
        assert np.array_equal(ref[key], fast[key])
    H = p.horizon
    scale = p.stock0 + H * (p.step_size.sum(axis=0) + p.d_sus + p.excess) + 1.0  # (n, M)
    for key in ("stock_end",):
        assert np.all(np.abs(ref[key] - fast[key]) <= K.RTOL * scale)
    for key in ("stock", "fired"):
        assert np.all(np.abs(ref[key] - fast[key]) <= K.RTOL * scale[:, :, None])
    race_scale = H * (p.capacity * (p.aimed + p.aimed_var)).sum(axis=1) \
        * (1.0 + 1.0 / p.hits_per_ship**2) + H * p.reconstitution + 1.0
    for key in ("hits_total", "net_sunk", "variance_ships"):
        assert np.all(np.abs(ref[key] - fast[key]) <= K.RTOL * race_scale)
    for key in ("standing_at_establishment",):
        assert np.all(np.abs(ref[key] - fast[key]) <= K.RTOL)
    assert np.all(np.abs(ref["launchers_surviving"] - fast["launchers_surviving"]) <= K.RTOL)


def test_kernel_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "KERNEL", None)
    monkeypatch.setenv(kernels.ENV, "numpy")
    assert kernels.kernel_name() == "numpy" == kernels.describe()
    monkeypatch.setenv(kernels.ENV, "fortran")
    with pytest.raises(InputError, match="'fortran' not allowed; allowed: auto, numpy, numba"):
        kernels.kernel_name()
    monkeypatch.setenv(kernels.ENV, "numba")
    monkeypatch.setattr(kernels, "_NUMBA", [None])  # as if numba did not import
    with pytest.raises(InputError, match="numba does not import"):
        kernels.kernel_name()
    monkeypatch.setenv(kernels.ENV, "auto")
    assert kernels.kernel_name() == "numpy"  # auto falls back quietly
