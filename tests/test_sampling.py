"""Designs: distributions, stratification, reproducibility."""

import numpy as np
import pytest
from scipy import stats

from kaname.sampling import BLOCK, sample_futures, transform, unit_design
from kaname.scenario import Uncertainty


def test_mc_is_independent_of_slicing():
    whole = unit_design("mc", 10_000, 3, seed=5)
    part = unit_design("mc", 3000, 3, seed=5, start=BLOCK - 1000)
    np.testing.assert_array_equal(part, whole[BLOCK - 1000:BLOCK + 2000])


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_designs_are_reproducible_and_uniform(method):
    a = unit_design(method, 4096, 4, seed=11)
    b = unit_design(method, 4096, 4, seed=11)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, unit_design(method, 4096, 4, seed=12))
    for j in range(4):
        assert stats.kstest(a[:, j], "uniform").pvalue > 1e-3


def test_lhs_has_one_point_per_stratum():
    n = 500
    u = unit_design("lhs", n, 3, seed=1)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


def test_triangular_transform_matches_scipy():
    u = np.linspace(0.001, 0.999, 999)
    unc = Uncertainty("x", "triangular", {"low": 2.0, "mode": 3.0, "high": 7.0})
    expected = stats.triang.ppf(u, c=0.2, loc=2.0, scale=5.0)
    np.testing.assert_allclose(transform(u, unc), expected, rtol=1e-12)


def test_integers_are_inclusive_and_even():
    u = unit_design("mc", 60_000, 1, seed=3)[:, 0]
    k = transform(u, Uncertainty("y", "integers", {"low": 2027.0, "high": 2032.0}))
    values, counts = np.unique(k, return_counts=True)
    assert list(values) == [2027, 2028, 2029, 2030, 2031, 2032]
    assert stats.chisquare(counts).pvalue > 1e-3


def test_choice_follows_probabilities():
    u = unit_design("mc", 50_000, 1, seed=4)[:, 0]
    unc = Uncertainty("c", "choice", values=[0.0, 1.0], labels=["a", "b"], p=[0.7, 0.3])
    share = (transform(u, unc) == 0.0).mean()
    assert share == pytest.approx(0.7, abs=0.01)


def test_sample_futures_columns():
    uncs = {"a": Uncertainty("a", "uniform", {"low": -1.0, "high": 1.0}),
            "b": Uncertainty("b", "lognormal", {"median": 10.0, "sigma": 0.5})}
    cols = sample_futures(uncs, 20_000, seed=9, method="lhs")
    assert cols["a"].min() >= -1 and cols["a"].max() <= 1
    assert np.median(cols["b"]) == pytest.approx(10.0, rel=0.02)
