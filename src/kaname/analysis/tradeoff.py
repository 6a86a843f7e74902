"""Where hedging and complementing pull apart (issue #16, item 4).

Two policies, *a* and *b*, are compared on the same futures of one run. Three answers:

* **paired differences** ``b − a`` of the outcomes that carry the trade-off (harm in yen by
  origin, US commitment, the ledger's cost plus harm), each a median with its 95 % interval
  (:func:`kaname.presentation.paired_interval`);
* **the frontier in belief space.** Between two economic-security portfolios only two terms
  of US commitment's log-odds differ (docs/models/posture.md): ``k·G`` (complementarity,
  ``k`` log-odds per doubling ``G`` of Japan's capacity open to US gaps) and ``−h·D``
  (visible de-Americanisation). So *b* is the more committing policy exactly when
  ``k·ΔG > h·ΔD``, i.e. when the user believes ``k/h`` above ``ΔD/ΔG`` (the differences
  ``b − a`` of the two autonomy outputs). The futures sample ``h`` and ``k`` over their
  ranges, so the share of futures where *b* commits the US more is shown by thirds of each;
* **dominance**: the share of futures in which one policy is better on both US commitment
  and expected harm, and in which they split (a real trade-off);
* **the price of a point of commitment**: per future, the extra expected coercion harm of
  *b* over the risk horizon divided by its extra US commitment; *b* is worth its extra harm
  to a user who values one point (0.01) of US commitment above that many yen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from kaname.errors import InputError
from kaname.presentation import MEDIAN, SHARE, paired_interval

COMMITMENT = "posture.us_commitment"
DE_AMERICANISATION = "posture.commitment.de_americanisation"      # h
COMPLEMENTARITY = "posture.commitment.complementarity"            # k
GAIN, DISPLACED = "autonomy.complementarity_gain", "autonomy.us_supply_displaced"
HARM_OVER_HORIZON = "autonomy.expected_harm_over_horizon_jpy"
OUTCOMES = ("autonomy.us_harm_jpy_per_year", "autonomy.china_harm_jpy_per_year",
            "autonomy.expected_harm_jpy_per_year", COMMITMENT, "budget.cost_and_harm_jpy",
            "deterrence.holds")
THIRDS = 3
POINT = 0.01  # one point of US commitment (a probability)


@dataclass(frozen=True)
class PairedDifference:
    """b − a on the same futures: the median (the mean for a yes/no outcome) and its 95 %
    interval."""

    outcome: str
    centre: float
    low: float
    high: float


@dataclass
class Tradeoff:
    """The comparison of `b` with `a` (differences are b − a)."""

    a: str
    b: str
    futures: int
    differences: list[PairedDifference]
    belief_ratio: float                       # median over futures of ΔD/ΔG
    b_commits_more_share: float               # share of futures with q_b > q_a
    dominance: dict[str, float]               # shares: b better on both, a on both, split
    frontier: dict[str, Any] = field(default_factory=dict)  # thirds of h × thirds of k
    yen_per_point: tuple[float, float, float] | None = None  # p10, median, p90

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "futures": self.futures,
                "differences": [d.__dict__ for d in self.differences],
                "belief_ratio": self.belief_ratio,
                "b_commits_more_share": self.b_commits_more_share,
                "dominance": self.dominance,
                "frontier": self.frontier,
                "yen_per_point_of_commitment": (
                    None if self.yen_per_point is None else
                    dict(zip(("p10", "median", "p90"), self.yen_per_point, strict=True)))}


def _per_future(ds: xr.Dataset, name: str, policy: str) -> np.ndarray:
    return np.asarray(ds[name].sel(policy=policy).values, dtype=float)


def _sampled(ds: xr.Dataset, name: str) -> np.ndarray | None:
    """A coefficient's value per future when the run samples it, else None."""
    if name in ds.coords and ds[name].dims == ("future",):
        return np.asarray(ds[name].values, dtype=float)
    return None


def compare(ds: xr.Dataset, a: str, b: str) -> Tradeoff:
    """Compare policy `b` with policy `a` on the futures of the run `ds`."""
    policies = [str(p) for p in ds["policy"].values]
    for name in (a, b):
        if name not in policies:
            raise InputError(f"no policy {name!r} in the run; policies: {', '.join(policies)}",
                             key="--policy")
    if a == b:
        raise InputError("needs two different policies", key="--policy")
    for name in (COMMITMENT, GAIN, DISPLACED, HARM_OVER_HORIZON):
        if name not in ds.data_vars:
            raise InputError(f"the run has no {name}; run posture and autonomy",
                             key="--policy")
    diffs = []
    for name in OUTCOMES:
        if name not in ds.data_vars:
            continue
        d = _per_future(ds, name, b) - _per_future(ds, name, a)
        share = str(ds[name].attrs.get("kind", "real")) == "bool"  # a yes/no outcome: means
        low, high = paired_interval(d, SHARE if share else MEDIAN)
        centre = float(np.mean(d)) if share else float(np.median(d))
        diffs.append(PairedDifference(name, centre, low, high))
    dq = _per_future(ds, COMMITMENT, b) - _per_future(ds, COMMITMENT, a)
    dg = _per_future(ds, GAIN, b) - _per_future(ds, GAIN, a)
    dd = _per_future(ds, DISPLACED, b) - _per_future(ds, DISPLACED, a)
    ratio = np.where(np.abs(dg) > 0, dd / np.where(np.abs(dg) > 0, dg, 1.0), np.nan)
    dharm = _per_future(ds, HARM_OVER_HORIZON, b) - _per_future(ds, HARM_OVER_HORIZON, a)
    dominance = {"b_on_both": float(np.mean((dq > 0) & (dharm < 0))),
                 "a_on_both": float(np.mean((dq < 0) & (dharm > 0))),
                 "split": float(np.mean(((dq > 0) & (dharm > 0)) | ((dq < 0) & (dharm < 0))))}
    out = Tradeoff(a=a, b=b, futures=int(dq.size), differences=diffs, dominance=dominance,
                   belief_ratio=float(np.nanmedian(ratio)) if np.isfinite(ratio).any()
                   else float("nan"),
                   b_commits_more_share=float(np.mean(dq > 0)))
    h, k = _sampled(ds, DE_AMERICANISATION), _sampled(ds, COMPLEMENTARITY)
    if h is not None and k is not None:
        out.frontier = _thirds(h, k, dq)
    gains = dq > 0
    if gains.any():
        price = dharm[gains] / (dq[gains] / POINT)
        p10, p50, p90 = (float(v) for v in np.percentile(price, [10, 50, 90]))
        out.yen_per_point = (p10, p50, p90)
    return out


def _thirds(h: np.ndarray, k: np.ndarray, dq: np.ndarray) -> dict[str, Any]:
    """Share of futures in which b commits the US more, by thirds of h (rows) and of k
    (columns); the edges are the futures' own terciles."""
    edges_h = np.quantile(h, np.linspace(0, 1, THIRDS + 1))
    edges_k = np.quantile(k, np.linspace(0, 1, THIRDS + 1))
    row = np.clip(np.searchsorted(edges_h, h, side="right") - 1, 0, THIRDS - 1)
    col = np.clip(np.searchsorted(edges_k, k, side="right") - 1, 0, THIRDS - 1)
    share = [[float(np.mean(dq[(row == i) & (col == j)] > 0))
              if np.any((row == i) & (col == j)) else float("nan")
              for j in range(THIRDS)] for i in range(THIRDS)]
    return {"h_edges": [float(v) for v in edges_h], "k_edges": [float(v) for v in edges_k],
            "b_commits_more_share": share}
