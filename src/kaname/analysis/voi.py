"""Value of information from an ensemble (issue #17, item 2): which unknown is worth learning
before choosing a policy.

With policies *p*, futures *ω* and an outcome ``y_p(ω)`` to maximise (a "lower is better"
outcome is negated), choosing now takes the policy with the best mean. Knowing the future
first would take the best policy in each future::

    EVPI = E_ω[max_p y_p(ω)] − max_p E_ω[y_p(ω)]                        (≥ 0)

Learning only one uncertainty θ_j first would take the best policy given θ_j. From the
ensemble already run (no extra model runs) the conditional means are estimated on
``BINS`` equal-count bins of θ_j (the given-data estimator of the expected value of partial
perfect information; Strong & Oakley 2013 use regression for the same quantity)::

    EVPPI_j = E_bins[max_p mean_bin(y_p)] − max_p E_ω[y_p(ω)]           (0 ≤ EVPPI_j ≤ EVPI)

Binning biases EVPPI up by the noise of the bin means; the bias is estimated by the same
estimator on a shuffled θ_j (which carries no information) and reported beside it, so an
EVPPI within that noise is not a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

BINS = 10


@dataclass(frozen=True)
class PartialValue:
    path: str
    evppi: float
    noise: float   # the estimator's value for a shuffled copy of the input (its bias)


def evpi(y: np.ndarray) -> float:
    """EVPI of `y` (policies, futures), higher is better."""
    y = np.asarray(y, dtype=float)
    return float(y.max(axis=0).mean() - y.mean(axis=1).max())


def evppi(y: np.ndarray, theta: np.ndarray, bins: int = BINS) -> float:
    """Given-data EVPPI of `theta` (futures) for `y` (policies, futures): the best policy's
    mean within each group of futures, averaged over groups weighted by their size, minus
    the best overall mean. A theta with at most `bins` distinct values (a category, a year)
    is grouped by value; any other in `bins` equal-count bins (ties split by position)."""
    y = np.asarray(y, dtype=float)
    theta = np.asarray(theta)
    n = y.shape[1]
    if n < 2 * bins:
        raise ValueError(f"needs at least {2 * bins} futures for {bins} bins, got {n}")
    values = np.unique(theta)
    if values.size <= bins:
        parts = [np.flatnonzero(theta == v) for v in values]
    else:
        parts = np.array_split(np.argsort(theta, kind="stable"), bins)
    best = sum(part.size * y[:, part].mean(axis=1).max() for part in parts)
    value = best / n - y.mean(axis=1).max()
    if value <= 1e-12 * max(1.0, float(np.abs(y).mean())):  # rounding, not information
        return 0.0
    return float(min(value, evpi(y)))


def partial_values(y: np.ndarray, inputs: dict[str, np.ndarray], *, bins: int = BINS,
                   seed: int = 0) -> list[PartialValue]:
    """EVPPI of each input, largest first (ties by path), each with its shuffled-copy
    noise level; `seed` only shuffles the noise copies."""
    rng = np.random.default_rng(seed)
    out = []
    for path, theta in inputs.items():
        shuffled = rng.permutation(np.asarray(theta))
        out.append(PartialValue(path, evppi(y, theta, bins), evppi(y, shuffled, bins)))
    return sorted(out, key=lambda v: (-v.evppi, v.path))


@dataclass
class ValueOfInformation:
    """EVPI and the partial values for one outcome of a run (in the outcome's unit)."""

    outcome: str
    better: str
    unit: str
    best_now: str                 # the policy chosen without more information
    evpi: float
    partial: list[PartialValue]

    def as_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome, "better": self.better, "unit": self.unit,
                "best_now": self.best_now, "evpi": self.evpi,
                "partial": [v.__dict__ for v in self.partial]}


def value_of_information(ds: xr.Dataset, outcome: str, *,
                         policies: list[str] | None = None, bins: int = BINS,
                         seed: int = 0) -> ValueOfInformation:
    """EVPI and per-uncertainty EVPPI of `outcome` (``NAME``, ``max:NAME`` or ``min:NAME``)
    over the futures of the run `ds`, choosing among `policies` (default: all of them)."""
    from kaname.analysis.findings import sampled_inputs
    from kaname.analysis.robustness import (
        chosen_policies,
        directed_outcome,
        outcome_attrs,
        outcome_columns,
    )
    from kaname.errors import InputError

    columns = outcome_columns(ds)
    name, better = directed_outcome(ds, list(columns), outcome, key="--outcome")
    attrs = outcome_attrs(ds, name)
    names = [str(p) for p in ds["policy"].values]
    chosen = chosen_policies(ds, policies)
    if len(set(chosen)) < 2:
        raise InputError("needs at least two policies to choose between", key="--policy")
    sign = 1.0 if better == "higher" else -1.0
    y = sign * np.asarray(columns[name], dtype=float)[[names.index(p) for p in chosen]]
    frame = sampled_inputs(ds)
    partial = partial_values(y, {str(c): frame[c].to_numpy() for c in frame.columns},
                             bins=bins, seed=seed)
    return ValueOfInformation(name, str(better), str(attrs.get("unit", "")),
                              chosen[int(np.argmax(y.mean(axis=1)))], evpi(y), partial)
