"""The 95 % intervals of paired differences in the headline: textbook intervals, checked by
their coverage on toy problems with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from kaname.presentation import MEDIAN, SHARE, paired_interval


def test_median_interval_uses_the_order_statistics():
    # n = 100: k = floor(50 - 1.96 * 10 / 2) = 40, so the 40th and 61st smallest values
    d = np.arange(1.0, 101.0)
    assert paired_interval(np.random.default_rng(0).permutation(d), MEDIAN) == (40.0, 61.0)


@pytest.mark.parametrize("statistic", [MEDIAN, SHARE])
def test_intervals_cover_the_true_difference_about_95_percent(statistic):
    rng = np.random.default_rng(7)
    hits, trials, n = 0, 400, 400
    for _ in range(trials):
        if statistic == SHARE:   # paired yes/no: P(base) = 0.5, P(policy) = 0.6 → Δ = 0.1
            base = rng.random(n) < 0.5
            policy = base | (rng.random(n) < 0.2)   # 0.5 + 0.5·0.2 = 0.6
            lo, hi = paired_interval(policy.astype(float) - base, SHARE)
            truth = 0.1
        else:                    # paired differences ~ N(1, 2²): the median is 1
            lo, hi = paired_interval(1.0 + 2.0 * rng.standard_normal(n), MEDIAN)
            truth = 1.0
        hits += lo <= truth <= hi
    # 95 % nominal; binomial sd over 400 trials is about 1.1 %
    assert 0.91 <= hits / trials <= 0.99


def test_tiny_samples_fall_back_to_the_range():
    assert paired_interval(np.array([3.0, 1.0, 2.0]), MEDIAN) == (1.0, 3.0)
    lo, hi = paired_interval(np.array([1.0]), SHARE)
    assert lo == hi == 1.0
