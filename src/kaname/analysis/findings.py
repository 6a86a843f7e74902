"""Key findings, answer first (issue #17, item 1): for each policy against the baseline and
each headline outcome, the paired difference with its 95 % interval, where it holds, and
what drives it, all from the ensemble already run (no extra model runs).

* **The difference** is the headline table's (:func:`kaname.presentation.headline_rows`):
  the median of the paired differences ``d = y_policy − y_baseline`` over the futures (the
  difference in shares for a yes/no outcome) and its 95 % interval. A difference whose
  interval contains 0 is not a finding; those are listed together as within the noise.
* **Where it holds**: scenario discovery (:class:`kaname.analysis.prim.Prim`), over the
  drivers found below, on the futures in which the effect is at least half its median size,
  in its direction. A box that restricts nothing means the effect holds almost everywhere.
* **What drives it**: the given-data PAWN index of each sampled uncertainty for ``d``
  (Pianosi & Wagener 2015, *Env. Modelling & Software* 67; given-data form 2018): the
  futures are split into ``SLICES`` equal-count slices of the input, and the index is the
  median over slices of the Kolmogorov–Smirnov distance between the distribution of ``d``
  in the slice and overall. An input that does not matter leaves every slice's
  distribution the overall one (index near the sampling noise, about ``1/√(n/S)``). Each
  driver is marked *sourced* or *assumption* from the data library. An input counts as a
  driver only above the **noise floor**: the index a non-influential input exceeds with
  probability 0.05/k among the k inputs searched (Bonferroni), from the mean and spread of
  the index of ``NULL_INPUTS`` random columns, independent of ``d`` by construction, on the
  same futures and slices. A small group of futures (``--by``) raises the floor, so chance
  rankings among hundreds of inputs are not reported as drivers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from kaname import kernels

SLICES = 10
TOP_DRIVERS = 3
NULL_INPUTS = 30  # random columns whose PAWN indices give the drivers' noise floor
BLOCK_COLUMNS = 32  # columns of x that pawn_indices works on at a time


@dataclass
class Driver:
    path: str
    label: str
    index: float          # PAWN: median KS distance over slices, in [0, 1]
    sourced: bool | None  # None: not a data-library entry

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Finding:
    """One policy's paired difference from the baseline on one headline outcome."""

    policy: str
    outcome: str
    label: str
    unit: str
    difference: float
    low: float
    high: float
    text: str                          # the headline table's "+4.36 (+3.90 to +4.80)"
    condition: str | None = None       # where at least half the effect holds, in words
    strong_share: float = 0.0          # share of futures with at least half the effect
    drivers: list[Driver] = field(default_factory=list)
    driver_floor: float = 0.0          # PAWN index a non-influential input reaches by chance

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "drivers"},
                "drivers": [d.as_dict() for d in self.drivers]}


def pawn_indices(x: np.ndarray, y: np.ndarray, slices: int = SLICES,
                 order: np.ndarray | None = None) -> np.ndarray:
    """Given-data PAWN index of each column of `x` (n, k) for `y` (n): the median over
    `slices` equal-count slices of x of the KS distance between y in the slice and y
    overall. Vectorised over the columns; ties in y are counted exactly (a yes/no outcome has
    many), ties in x are split by position. `order` is ``argsort(x, axis=0, kind="stable")``
    when the caller has it (it depends on x only). This is the numpy reference; with the
    numba kernels (:mod:`kaname.kernels`) :mod:`kaname.analysis.pawn_kernel` computes the
    same bits without the sorts."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, k = x.shape
    m = n // slices
    if m < 2:
        raise ValueError(f"needs at least {2 * slices} futures for {slices} slices, got {n}")
    if order is None:
        order = np.argsort(x, axis=0, kind="stable")
    # the futures in order of y, once: #{Y < y} and #{Y <= y} (the overall CDF before and
    # at each value, ties counted exactly) at each position, and each future's position
    by_y = np.argsort(y, kind="stable")
    ys = y[by_y]
    itype = np.int32 if n < 2**31 else np.int64
    below = np.searchsorted(ys, ys, side="left").astype(itype)
    upto = np.searchsorted(ys, ys, side="right").astype(itype)
    if kernels.kernel_name() == "numba":  # the same bits in one pass (pawn_kernel)
        from kaname.analysis.pawn_kernel import ks_by_slice

        return np.median(ks_by_slice(order, by_y, upto, below, m, slices), axis=1)
    position = np.empty(n, dtype=np.intp)  # each future's place in y's order
    position[by_y] = np.arange(n)
    after, before = np.arange(1, m + 1) / m, np.arange(m) / m   # the slice's CDF steps
    whole = np.repeat(np.arange(slices, dtype=np.int8 if slices < 127 else np.int32), m)
    ks = np.empty((k, slices))
    for a in range(0, k, BLOCK_COLUMNS):  # a block of columns at a time: bounded memory
        b = min(a + BLOCK_COLUMNS, k)
        # each future's slice (futures past the last whole slice: `slices`), laid out in
        # order of y; a stable sort of the slice numbers (a radix sort of small integers)
        # then lists every slice's futures with y ascending
        label = np.full((b - a, n), slices, dtype=whole.dtype)
        label[np.arange(b - a)[:, None], position[order[: m * slices, a:b].T]] = whole
        grouped = np.argsort(label, axis=1, kind="stable")[:, : m * slices]
        hi = upto[grouped].reshape(b - a, slices, m)
        lo = below[grouped].reshape(b - a, slices, m)
        # KS between the slice's empirical CDF and the overall one on both sides of each
        # step of y: after the last of a run of ties in y, and before its first
        step = hi[..., 1:] != hi[..., :-1]
        dist = hi / n
        np.subtract(after, dist, out=dist)
        dist[..., :-1][~step] = -np.inf
        above = dist.max(axis=2)
        np.divide(lo, n, out=dist)
        dist -= before
        dist[..., 1:][~step] = -np.inf
        ks[a:b] = np.maximum(above, dist.max(axis=2))
    return np.median(ks, axis=1)


@functools.lru_cache(maxsize=4)
def _null_order(n: int, columns: int, seed: int) -> np.ndarray:
    """The random orderings of :func:`noise_floor` (the same for every outcome of a run)."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((n, columns)), axis=0, kind="stable")
    order.flags.writeable = False
    return order


def noise_floor(y: np.ndarray, inputs: int, slices: int = SLICES,
                columns: int = NULL_INPUTS, seed: int = 0) -> float:
    """The PAWN index that a non-influential input exceeds by chance with probability
    0.05/`inputs` on these futures: mean + z·sd of the indices of `columns` random
    orderings of the futures for `y`, z the normal quantile of 1 − 0.05/`inputs` (fixed
    seed, so the same ensemble gives the same floor)."""
    from scipy.stats import norm

    order = _null_order(len(y), columns, seed)
    null = pawn_indices(order.astype(float), y, slices, order=order)
    z = float(norm.ppf(1 - 0.05 / max(1, inputs)))
    return float(null.mean() + z * null.std(ddof=1))


def sampled_inputs(ds: xr.Dataset) -> pd.DataFrame:
    """The uncertainties the run sampled, one column per input (categories as codes for
    PAWN, kept as labels for PRIM by the caller), constant columns dropped."""
    cols: dict[str, Any] = {}
    for name, coord in ds.coords.items():
        if coord.dims == ("future",) and name != "future":
            values = np.asarray(coord.values)
            if len(np.unique(values)) > 1:
                cols[str(name)] = values
    return pd.DataFrame(cols)


def _numeric(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([
        frame[c].to_numpy(dtype=float) if pd.api.types.is_numeric_dtype(frame[c])
        else pd.factorize(frame[c])[0].astype(float) for c in frame.columns])


def key_findings(ds: xr.Dataset, lang: str = "en", *,
                 labels: Mapping[str, Mapping[str, str]] | None = None,
                 sourced: Mapping[str, bool] | None = None,
                 top: int = TOP_DRIVERS) -> tuple[list[Finding], list[tuple[str, str]]]:
    """The findings of the run `ds` (first policy the baseline), and the (policy, outcome
    label) pairs whose difference is within the noise."""
    from kaname.analysis.prim import Prim
    from kaname.presentation import dataset_columns, headline_rows

    inputs = sampled_inputs(ds)
    rows = {(r.policy, r.outcome): r for r in headline_rows(ds, lang)}
    policies = [str(p) for p in ds["policy"].values]
    x = _numeric(inputs) if inputs.shape[1] else np.zeros((ds.sizes["future"], 0))
    x_order = np.argsort(x, axis=0, kind="stable")
    found: list[Finding] = []
    noise: list[tuple[str, str]] = []
    for col in dataset_columns(ds, lang):
        for i, policy in enumerate(policies[1:], start=1):
            row = rows[(policy, col.outcome)]
            if row.diff_low is None or row.diff_high is None or row.diff_median is None:
                continue
            if row.diff_low <= 0.0 <= row.diff_high:
                noise.append((policy, col.label))
                continue
            d = np.asarray(col.values[i], dtype=float) - np.asarray(col.values[0], dtype=float)
            finding = Finding(policy, col.outcome, col.label, row.unit, row.diff_median,
                              row.diff_low, row.diff_high, row.diff_text(lang))
            centre = float(np.mean(d)) if row.is_share else row.diff_median
            strong = np.sign(d) == np.sign(centre)
            if centre != 0:
                strong &= np.abs(d) >= 0.5 * abs(centre)
            finding.strong_share = float(strong.mean())
            if x.shape[1] and np.ptp(d) > 0:
                index = pawn_indices(x, d, order=x_order)
                finding.driver_floor = noise_floor(d, x.shape[1])
                for j in np.argsort(-index, kind="stable")[:top]:
                    if index[j] <= finding.driver_floor:
                        break  # the rest are no more telling than a random column
                    path = str(inputs.columns[j])
                    label = (labels or {}).get(path, {}).get(lang, path)
                    finding.drivers.append(Driver(path, label, float(index[j]),
                                                  (sourced or {}).get(path)))
            if finding.drivers and 0 < strong.sum() < strong.size:
                # where: PRIM over the drivers only (fast, and the condition names them)
                box = Prim(max_boxes=1).fit(inputs[[dr.path for dr in finding.drivers]],
                                            strong).boxes_
                if box and box[0].restricted:
                    finding.condition = box[0].describe(lang, labels)
            found.append(finding)
    return found, noise


def sentence(f: Finding, baseline: str, lang: str) -> str:
    """The finding in one sentence of the reader's language."""
    from kaname.text import t

    drivers = t("findings.sep", lang).join(
        t("findings.driver", lang, label=d.label,
          kind=t("findings.sourced" if d.sourced else "findings.assumption", lang)
          if d.sourced is not None else "-", index=f"{d.index:.2f}") for d in f.drivers)
    text = t("findings.difference", lang, policy=f.policy, baseline=baseline, outcome=f.label,
             diff=f.text)
    text += t("findings.strong", lang, share=f"{f.strong_share:.0%}")
    if f.condition:
        text += t("findings.condition", lang, condition=f.condition)
    if drivers:
        text += t("findings.drivers", lang, drivers=drivers)
    return text


def order(findings: Sequence[Finding], policies: Sequence[str]) -> list[Finding]:
    """Findings by policy in the order run, outcomes in the headline table's order."""
    rank = {p: i for i, p in enumerate(policies)}
    return sorted(findings, key=lambda f: rank.get(f.policy, len(rank)))


def noise_by_policy(noise: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The (policy, outcome label) pairs within the noise, grouped by policy."""
    out: dict[str, list[str]] = {}
    for policy, outcome in noise:
        out.setdefault(policy, []).append(outcome)
    return out
