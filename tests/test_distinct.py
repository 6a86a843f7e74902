"""Each distinct input row evaluated once: the row sets are exact (bitwise), the engine's
outputs are bit-identical with and without it, and repeated rows are not re-evaluated."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kaname.distinct import distinct_rows
from kaname.engine import Engine
from kaname.models import DeclaredModel, Input, Output
from kaname.spec import Spec


def _rows(x: dict[str, np.ndarray], n: int) -> list[bytes]:
    """Each row's bytes, derived independently of the hash (a plain Python tuple)."""
    return [b"".join(np.ascontiguousarray(np.asarray(v, dtype=float)[i]).tobytes()
                     for v in x.values()) for i in range(n)]


def test_a_known_toy_answer():
    x = {"a": np.array([1.0, 2.0, 1.0, 2.0, 3.0]), "b": np.array([5.0, 5.0, 5.0, 5.0, 5.0])}
    first, inverse = distinct_rows(x, 5)
    assert first.tolist() == [0, 1, 4]
    assert inverse.tolist() == [0, 1, 0, 1, 2]


def test_all_distinct_or_one_row_gives_none_and_constant_columns_one_row():
    assert distinct_rows({"a": np.arange(4.0)}, 4) is None
    assert distinct_rows({"a": np.array([7.0])}, 1) is None
    first, inverse = distinct_rows({"a": np.full(3, 2.0), "m": np.ones((3, 2))}, 3)
    assert first.tolist() == [0] and inverse.tolist() == [0, 0, 0]


def test_rows_are_compared_by_bits():
    nan = np.array([np.nan, np.nan, 0.0, -0.0])
    first, inverse = distinct_rows({"a": nan}, 4)
    assert first.tolist() == [0, 2, 3]          # -0.0 is not merged with 0.0
    assert inverse.tolist() == [0, 0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 40), data=st.data())
def test_representatives_reproduce_every_row_and_are_distinct(n, data):
    pool = st.sampled_from([0.0, 1.0, 2.5, -3.0])
    x = {"a": data.draw(hnp.arrays(float, n, elements=pool)),
         "b": data.draw(hnp.arrays(float, (n, 2), elements=pool)),
         "flag": data.draw(hnp.arrays(bool, n))}
    rows = _rows(x, n)
    found = distinct_rows(x, n)
    if found is None:
        assert len(set(rows)) == n
        return
    first, inverse = found
    assert len(set(rows[i] for i in first)) == len(first) == len(set(rows))
    assert list(first) == sorted(first)
    for i in range(n):
        assert rows[first[inverse[i]]] == rows[i]


class Counting(DeclaredModel):
    name = "count"
    lever = Input(Spec("lever", "レバー", default=0.0, lever=True))
    future = Input(Spec("future", "将来", default=0.0))
    out = Output(Spec("out", "出力", headline=True))
    wide = Output(Spec("wide", "幅", dims=("item",)))

    def __init__(self) -> None:
        self.coords = {"item": ["a", "b", "c"]}
        self.rows = 0

    def evaluate(self, x, *, rng=None, series=False):
        self.rows += len(x["count.future"])
        f = x["count.future"]
        return {"count.out": np.exp(f) * (1 + x["count.lever"]),
                "count.wide": np.stack([f, 2 * f, np.sin(f)], axis=1)}


class Downstream(DeclaredModel):
    name = "down"
    out = Input(Spec("in", "入力", default=0.0), link="count.out")
    total = Output(Spec("total", "合計"))

    def __init__(self) -> None:
        self.rows = 0

    def evaluate(self, x, *, rng=None, series=False):
        self.rows += len(x["down.out"])
        return {"down.total": np.log1p(np.abs(x["down.out"]))}


def test_policies_that_leave_a_model_alone_share_its_evaluation_bit_for_bit():
    rng = np.random.default_rng(3)
    n, P = 200, 4
    futures = np.tile(rng.normal(size=n), P)
    levers = np.repeat([0.0, 0.0, 0.5, 0.0], n)  # three policies leave the model alone
    results = {}
    for flag in (False, True):
        counting, down = Counting(), Downstream()
        engine = Engine([counting, down])
        engine.distinct_rows = flag
        results[flag] = engine.evaluate({"count.future": futures, "count.lever": levers}, n * P)
        if flag:
            assert counting.rows == 2 * n and down.rows == 2 * n
        else:
            assert counting.rows == down.rows == n * P
    for path in results[False]:
        assert results[True][path].dtype == results[False][path].dtype
        np.testing.assert_array_equal(results[True][path], results[False][path])


class Noisy(DeclaredModel):
    name = "noisy"
    stochastic = True
    lever = Input(Spec("lever", "レバー", default=0.0, lever=True))
    future = Input(Spec("future", "将来", default=0.0))
    draw = Output(Spec("draw", "抽選"))

    def __init__(self) -> None:
        self.rows = 0

    def evaluate(self, x, *, rng=None, series=False):
        self.rows += len(x["noisy.future"])
        return {"noisy.draw": x["noisy.future"] + x["noisy.lever"] + rng.random(
            len(x["noisy.future"]))}


def test_the_grid_equals_the_tiled_samples_and_shares_only_deterministic_models():
    """evaluate_grid(futures, levers) is evaluate() on the futures tiled policy-major
    (np.tile / np.repeat, the definition), bit for bit, including a stochastic model's
    draws; the deterministic model runs once per group of policies that leave it alone."""
    rng = np.random.default_rng(5)
    n, P = 50, 3
    futures = {"count.future": rng.normal(size=n), "noisy.future": rng.normal(size=n)}
    levers = {"count.lever": np.array([0.0, 0.25, 0.0]), "noisy.lever": np.zeros(P)}
    counting, noisy = Counting(), Noisy()
    engine = Engine([counting, noisy, Downstream()])
    grid = engine.evaluate_grid(futures, levers, P, n, rng=np.random.default_rng(9))
    assert counting.rows == 2 * n and noisy.rows == P * n
    tiled = {p: np.tile(v, P) for p, v in futures.items()}
    tiled.update({p: np.repeat(v, n) for p, v in levers.items()})
    flat = Engine([Counting(), Noisy(), Downstream()]).evaluate(
        tiled, n * P, rng=np.random.default_rng(9))
    for path, arr in flat.items():
        assert grid[path].shape == (P, n, *arr.shape[1:])
        np.testing.assert_array_equal(grid[path].reshape(arr.shape), arr)


def test_a_lever_with_the_wrong_number_of_policies_is_named():
    import pytest

    from kaname.errors import InputError

    with pytest.raises(InputError, match="count.lever"):
        Engine([Counting()]).evaluate_grid({}, {"count.lever": np.zeros(2)}, 3, 4)
