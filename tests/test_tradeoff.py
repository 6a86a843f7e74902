"""`kaname autonomy tradeoff` and kaname.analysis.tradeoff: two policies on the same futures.

A toy run with known answers: paired differences, the dominance shares, the belief ratio
ΔD/ΔG, the price of a point of commitment and the thirds of (h, k); bad input; and the
example's hedge and complement, which must pull apart (one better on US harm, the other on
US commitment, both intervals away from 0)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from cli_support import assert_one_line_exit_2, cli

from kaname.analysis.tradeoff import compare
from kaname.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml"


def toy(n=300):
    """Policy b commits more by 0.02 in the first two thirds of futures and less by 0.01 in
    the rest; its harm over the horizon is ¥1B higher everywhere; ΔG = 0.5, ΔD = 0.1."""
    rng = np.random.default_rng(0)
    dq = np.where(np.arange(n) < 2 * n // 3, 0.02, -0.01)
    q_a = rng.uniform(0.4, 0.6, n)
    data = {
        "posture.us_commitment": np.stack([q_a, q_a + dq]),
        "autonomy.complementarity_gain": np.stack([np.zeros(n), np.full(n, 0.5)]),
        "autonomy.us_supply_displaced": np.stack([np.zeros(n), np.full(n, 0.1)]),
        "autonomy.expected_harm_over_horizon_jpy": np.stack([np.full(n, 5e9), np.full(n, 6e9)]),
    }
    ds = xr.Dataset({k: (("policy", "future"), v) for k, v in data.items()},
                    coords={"policy": ["a", "b"], "future": np.arange(n),
                            "posture.commitment.de_americanisation": ("future", rng.uniform(0, 6, n)),
                            "posture.commitment.complementarity": ("future", rng.uniform(0, 2, n))})
    return ds, dq


def test_toy_answers():
    ds, dq = toy()
    out = compare(ds, "a", "b")
    diff = {d.outcome: d for d in out.differences}
    assert diff["posture.us_commitment"].centre == pytest.approx(0.02)   # the median of dq
    assert out.b_commits_more_share == pytest.approx(2 / 3)
    assert out.belief_ratio == pytest.approx(0.1 / 0.5)
    # harm up everywhere: b is never better on both; a is where b commits less
    assert out.dominance == {"b_on_both": 0.0, "a_on_both": pytest.approx(1 / 3),
                             "split": pytest.approx(2 / 3)}
    # ¥1B extra harm per 2 points of commitment = ¥0.5B a point, in every gaining future
    assert out.yen_per_point == pytest.approx((5e8, 5e8, 5e8))
    shares = np.array(out.frontier["b_commits_more_share"])
    assert shares.shape == (3, 3) and np.all((shares >= 0) & (shares <= 1))


def test_bad_policies_are_refused():
    ds, _ = toy()
    with pytest.raises(InputError, match="no policy 'c'"):
        compare(ds, "a", "c")
    with pytest.raises(InputError, match="two different"):
        compare(ds, "a", "a")


def test_cli_needs_two_known_policies():
    assert_one_line_exit_2(cli("autonomy", "tradeoff", str(EXAMPLE), "--policy", "hedge"),
                           "--policy", "exactly two")
    assert_one_line_exit_2(cli("autonomy", "tradeoff", str(EXAMPLE), "--policy", "hedge",
                               "--policy", "nope"), "nope")


def test_the_example_pulls_apart():
    """Hedge and complement at the same ¥300B a year: the hedge is better on US harm,
    complement on US commitment, and neither interval contains 0 (a real trade-off)."""
    res = cli("autonomy", "tradeoff", str(EXAMPLE), "--policy", "hedge", "--policy",
              "complement", "--futures", "400", "--format", "json")
    assert res.exit_code == 0, res.stderr
    diff = {d["outcome"]: d for d in json.loads(res.stdout)["differences"]}
    us = diff["autonomy.us_harm_jpy_per_year"]
    q = diff["posture.us_commitment"]
    assert us["low"] > 0           # complement leaves more US harm: the hedge wins there
    assert q["low"] > 0            # complement commits the US more
    res_ja = cli("autonomy", "tradeoff", str(EXAMPLE), "--policy", "hedge", "--policy",
                 "complement", "--futures", "50", "--lang", "ja")
    assert res_ja.exit_code == 0 and "将来" in res_ja.stdout
