"""Key findings (issue #17, item 1): a planted effect in a toy ensemble is found with the
right sign, interval, condition and driver; an outcome with no effect is within the noise;
the given-data PAWN index equals scipy's two-sample KS statistic slice by slice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from kaname.analysis.findings import key_findings, pawn_indices, sentence

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def toy(n=600, seed=0):
    """Policy b raises y by 2 only where u > 0.6 (noise sd 0.1); z does not move."""
    rng = np.random.default_rng(seed)
    u, v = rng.random(n), rng.random(n)
    base = rng.normal(0.0, 0.1, n)
    y = np.stack([base, base + 2.0 * (u > 0.6) + rng.normal(0, 0.1, n)])
    z = np.stack([base, base + rng.normal(0, 0.1, n)])
    attrs = {"headline": True, "unit": "day", "kind": "real", "better": "higher"}
    ds = xr.Dataset(
        {"toy.y": (("policy", "future"), y, {**attrs, "label_en": "Y", "label_ja": "Y"}),
         "toy.z": (("policy", "future"), z, {**attrs, "label_en": "Z", "label_ja": "Z"})},
        coords={"policy": ["a", "b"], "future": np.arange(n), "toy.u": ("future", u),
                "toy.v": ("future", v)})
    return ds


def test_a_planted_effect_is_found_with_its_condition_and_driver():
    found, noise = key_findings(toy(), labels={"toy.u": {"en": "U"}, "toy.v": {"en": "V"}},
                                sourced={"toy.u": False, "toy.v": True})
    (f,) = [f for f in found if f.outcome == "toy.y"]
    # d = 2·[u > 0.6] + N(0, 0.1): the median solves 0.6·Φ(m/0.1) = 0.5, m = 0.1·Φ⁻¹(5/6)
    assert f.difference == pytest.approx(0.0967, abs=0.03) and f.low > 0
    assert f.drivers[0].path == "toy.u" and f.drivers[0].sourced is False
    # v does not move d: below the noise floor, so not reported as a driver
    assert [d.path for d in f.drivers] == ["toy.u"]
    assert f.drivers[0].index > 0.3 > f.driver_floor
    assert ("b", "Z") in noise
    text = sentence(f, "a", "en")
    assert "U" in text and "assumption" in text


def test_a_majority_effect_is_a_finding_with_a_condition():
    ds = toy()
    u = ds["toy.u"].values
    ds["toy.y"].values[1] = ds["toy.y"].values[0] + 2.0 * (u > 0.3) + 0.01
    found, _ = key_findings(ds, labels={"toy.u": {"en": "U"}})
    (f,) = [f for f in found if f.outcome == "toy.y"]
    assert f.difference == pytest.approx(2.01, abs=0.05) and f.low > 0
    assert f.strong_share == pytest.approx(0.7, abs=0.05)
    assert f.condition is not None and "U" in f.condition and "above" in f.condition


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0, 1]))
def test_pawn_equals_the_two_sample_ks_statistic(seed, discrete):
    rng = np.random.default_rng(seed)
    x = rng.random((200, 2))
    y = np.round(x[:, 0] * 3) if discrete else x[:, 0] + rng.normal(0, 0.2, 200)
    index = pawn_indices(x, y, slices=5)
    for j in range(2):
        order = np.argsort(x[:, j], kind="stable")
        ks = [ks_2samp(y[order[i * 40:(i + 1) * 40]], y).statistic for i in range(5)]
        assert index[j] == pytest.approx(np.median(ks), abs=1e-12)


def test_no_driver_is_reported_for_an_effect_no_input_explains():
    """d is pure noise: among 200 independent inputs none should clear the Bonferroni floor
    (a false driver has probability about 0.05 for the whole search)."""
    from kaname.analysis.findings import noise_floor

    rng = np.random.default_rng(3)
    n, k = 400, 200
    x, d = rng.random((n, k)), rng.normal(1.0, 1.0, n)
    index = pawn_indices(x, d)
    floor = noise_floor(d, k)
    assert index.max() < floor
    # the floor sits above a single independent input's typical index (≈ 1/√(n/S))
    assert floor > np.median(index) > 0.5 / np.sqrt(n / 10)


def test_too_few_futures_is_a_value_error():
    with pytest.raises(ValueError, match="at least"):
        pawn_indices(np.zeros((5, 1)), np.zeros(5))


def test_findings_command_on_the_teaching_example():
    res = cli("findings", str(EXAMPLE), "--futures", "200", "--format", "json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["baseline"] == "status-quo" and out["findings"]
    for f in out["findings"]:
        assert f["low"] <= f["difference"] <= f["high"] and not f["low"] <= 0 <= f["high"]
    ja = cli("findings", str(EXAMPLE), "--futures", "100", "--lang", "ja")
    assert ja.exit_code == 0 and "主な結果" in ja.stdout


def test_findings_refuses_a_missing_source():
    assert_one_line_exit_2(cli("findings", "no-such.yaml"), "no-such.yaml")
