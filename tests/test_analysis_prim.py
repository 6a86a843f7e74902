"""PRIM: recovers planted boxes, agrees with EMA Workbench 2.5.2, describes boxes in words."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.analysis.prim import Prim, get_quantile
from kaname.errors import InputError


def planted(n=2000, seed=3, inside=1.0, outside=0.0):
    """Five uniform inputs; cases of interest where u0 < 0.4 and u1 > 0.5 (mass 0.2)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.random((n, 5)), columns=[f"u{i}" for i in range(5)])
    box = ((X.u0 < 0.4) & (X.u1 > 0.5)).to_numpy()
    y = np.where(box, rng.random(n) < inside, rng.random(n) < outside)
    return X, y


def test_recovers_a_clean_planted_box():
    X, y = planted()
    model = Prim(threshold=0.99, prune_p=0.05)
    assert model.fit(X, y) is model
    box = model.boxes_[0]
    assert set(box.restricted) == {"u0", "u1"}
    # limits within 0.03 of the planted ones, the free sides left at the data's range
    assert box.limits["u0"][1] == pytest.approx(0.4, abs=0.03)
    assert box.limits["u1"][0] == pytest.approx(0.5, abs=0.03)
    assert box.coverage >= 0.9 and box.density >= 0.9


def test_recovers_a_noisy_planted_box():
    # inside: 90 % of interest; outside 5 %. The planted box itself has density 0.9 and
    # coverage 0.18 / (0.18 + 0.04) = 0.82; PRIM should find it within 0.07 on both.
    X, y = planted(inside=0.9, outside=0.05)
    box = Prim(threshold=0.88, prune_p=0.05).fit(X, y).boxes_[0]
    assert set(box.restricted) == {"u0", "u1"}
    assert box.coverage == pytest.approx(0.82, abs=0.07)
    assert box.density == pytest.approx(0.90, abs=0.07)
    assert all(p < 1e-6 for sides in box.quasi_p.values() for p in sides.values())


def test_trajectory_is_consistent():
    X, y = planted(inside=0.9, outside=0.05)
    box = Prim(threshold=0.8).fit(X, y).boxes_[0]
    t = box.trajectory
    assert t.loc[0, "coverage"] == 1.0 and t.loc[0, "res_dim"] == 0
    assert t.loc[0, "density"] == pytest.approx(y.mean())
    np.testing.assert_allclose(t["density"], t["k"] / t["n"])
    np.testing.assert_allclose(t["coverage"], t["k"] / y.sum())
    np.testing.assert_allclose(t["mass"], t["n"] / len(y))
    # the chosen box is the covering-most one on the trajectory that meets the threshold
    ok = t[t["density"] >= 0.8]
    assert box.coverage == ok["coverage"].max()




def _ema_prim():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from ema_workbench.analysis import prim as ema_prim
        except ImportError:
            pytest.skip("ema_workbench (2.5.2) not installed")
    return ema_prim


@pytest.mark.slow  # the EMA Workbench's own PRIM is slow to import and run
@pytest.mark.parametrize("categorical", [False, True])
def test_agrees_with_ema_workbench(categorical):
    ema_prim = _ema_prim()
    X, y = planted(n=1000, inside=0.9, outside=0.05)
    if categorical:
        rng = np.random.default_rng(5)
        X["arch"] = rng.choice(["a", "b", "c"], len(X))
        y = y & (X["arch"] != "c").to_numpy()
    ours = Prim(threshold=0.8, select="last", max_boxes=1).fit(X, y).boxes_[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ema_prim.Prim(X, y.astype(int), threshold=0.8).find_box()
    assert ours.coverage == pytest.approx(theirs.coverage, abs=1e-12)
    assert ours.density == pytest.approx(theirs.density, abs=1e-12)
    assert len(ours.trajectory) == len(theirs.peeling_trajectory)
    lim = theirs.box_lim
    for col in X.columns:
        if col in ours.limits:
            if col == "arch":
                assert set(ours.limits[col]) == set(lim.loc[0, col])
            else:
                assert ours.limits[col] == pytest.approx((lim.loc[0, col], lim.loc[1, col]))
        elif col == "arch":
            assert set(lim.loc[0, col]) == {"a", "b", "c"}
        else:  # unrestricted: EMA keeps the data's range
            assert (lim.loc[0, col], lim.loc[1, col]) == (X[col].min(), X[col].max())
    for col, sides in ours.quasi_p.items():
        ema_qp = theirs.qp[-1][col]
        for side, p in sides.items():
            expected = ema_qp[0] if side in ("lower", "categories") else ema_qp[1]
            assert p == pytest.approx(expected, rel=1e-9)


def test_categorical_and_integer_inputs_in_words():
    rng = np.random.default_rng(11)
    n = 3000
    X = pd.DataFrame({
        "sustainment.conflict_year": rng.integers(2027, 2033, n).astype(float),
        "deterrence.us_commitment": rng.random(n),
        "homeland.architecture": rng.choice(["sbi_regional", "sbi_peer", "none"], n),
    })
    y = ((X["sustainment.conflict_year"] <= 2028) & (X["deterrence.us_commitment"] < 0.45)
         & (X["homeland.architecture"] != "none")).to_numpy()
    box = Prim(threshold=0.95, prune_p=0.05).fit(X, y).boxes_[0]
    assert box.limits["homeland.architecture"] == {"sbi_regional", "sbi_peer"}
    labels = {"sustainment.conflict_year": {"en": "conflict year", "ja": "有事の発生年"},
              "deterrence.us_commitment": {"en": "US commitment", "ja": "米国の関与"},
              "homeland.architecture": {"en": "architecture", "ja": "構成"}}
    text = box.describe("en", labels)
    assert text.startswith("conflict year at most 2028 and US commitment below 0.4")
    assert "architecture is sbi_peer or sbi_regional" in text
    assert text.endswith(f"coverage {100 * box.coverage:.0f} %, density "
                         f"{100 * box.density:.0f} %")
    ja = box.describe("ja", labels)
    assert ja.startswith("有事の発生年が2028以下、かつ米国の関与が0.4")
    assert "カバー率" in ja and "密度" in ja


def test_max_restricted_and_multiple_boxes():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.random((3000, 4)), columns=list("abcd"))
    y = (((X.a < 0.3) & (X.b < 0.3)) | ((X.c > 0.8) & (X.d > 0.7))).to_numpy()
    model = Prim(threshold=0.9, max_boxes=3, prune_p=0.05).fit(X, y)
    assert len(model.boxes_) >= 2
    found = [set(b.restricted) for b in model.boxes_[:2]]
    assert {"a", "b"} in found and {"c", "d"} in found
    one = Prim(threshold=0.5, max_restricted=1).fit(X, y)
    assert all(len(b.restricted) <= 1 for b in one.boxes_)


def test_estimator_conventions_and_bad_input():
    model = Prim(threshold=0.7, mass_min=0.1)
    assert model.get_params()["threshold"] == 0.7
    assert model.set_params(threshold=0.6) is model and model.threshold == 0.6
    assert not hasattr(model, "boxes_")
    X, y = planted(n=300)
    with pytest.raises(InputError, match="no case of interest"):
        Prim().fit(X, np.zeros(len(X), bool))
    with pytest.raises(InputError, match="one value per row"):
        Prim().fit(X, y[:-1])
    with pytest.raises(InputError, match="true/false"):
        Prim().fit(X, np.arange(len(X)))
    with pytest.raises(InputError, match="peel_alpha"):
        Prim(peel_alpha=0.7).fit(X, y)


def test_sdtoolkit_quantile():
    data = np.array([1, 2, 2, 2, 3, 4, 5, 6, 7, 8], float)
    # lower quantile steps past ties to the next distinct value and takes the midpoint
    assert get_quantile(data, 0.1) == 1.5
    assert get_quantile(data, 0.9) == 7.5


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000), share=st.floats(0.05, 0.6))
def test_box_statistics_match_its_limits(seed, share):
    """Coverage, density and mass recomputed from the reported limits alone."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.random(400), "b": rng.integers(0, 5, 400).astype(float),
                      "c": rng.choice(["p", "q", "r"], 400)})
    y = rng.random(400) < share
    if not y.any():
        y[0] = True
    model = Prim(threshold=0.0, max_boxes=1, select="last").fit(X, y)
    box = model.boxes_[0]
    inside = np.ones(len(X), bool)
    for name, lim in box.limits.items():
        if isinstance(lim, (set, frozenset)):
            inside &= X[name].isin(lim).to_numpy()
        else:
            inside &= X[name].between(*lim).to_numpy()
    assert box.n == inside.sum() and box.k == (y & inside).sum()
    assert box.coverage == pytest.approx(box.k / y.sum())
    assert box.density == pytest.approx(box.k / box.n)
    assert box.mass >= model.mass_min - 1e-12
    assert 0 <= box.coverage <= 1 and 0 <= box.density <= 1
    # peeling never lowers the density along the trajectory's peeling part
    t = box.trajectory
    peel = t[t["n"].diff().fillna(-1) < 0]
    assert (peel["density"].diff().dropna() >= -1e-12).all()
