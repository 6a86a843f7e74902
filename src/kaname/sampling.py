"""Experimental designs over the scenario's uncertainties, and their seeds.

One root ``numpy.random.SeedSequence(seed)``. The design is a point set in the unit
hypercube, transformed per uncertainty by its inverse CDF, so Monte Carlo, Latin hypercube
and Sobol share one transform. Monte Carlo draws in fixed blocks of :data:`BLOCK` futures,
block *b* from ``SeedSequence(seed, spawn_key=(0, b))``, so any future's values depend only
on the seed and its index — never on chunking, executor or worker count.

Dependence between uncertainties (a scenario's ``correlations`` and ``drivers``) is a
Gaussian copula applied to each future's design point on its own (:mod:`kaname.copula`),
between the unit design and the inverse CDFs, so it keeps that property. Without one the
uncertainties are independent (as Sobol'/Morris sensitivity requires).

References
----------
McKay, Beckman & Conover (1979), Technometrics 21(2) — Latin hypercube sampling.
Sobol' (1967); Owen (1998) — scrambled Sobol' sequences (via ``scipy.stats.qmc``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from scipy import stats
from scipy.stats import qmc

from kaname.copula import Dependence
from kaname.errors import InputError
from kaname.scenario import Uncertainty

BLOCK = 4096
DESIGN_STREAM, MODEL_STREAM = 0, 1


def seed_sequence(seed: int, *key: int) -> np.random.SeedSequence:
    """The child of the root seed with spawn key `key` (stable, stateless)."""
    return np.random.SeedSequence(seed, spawn_key=tuple(key))


def unit_design(method: str, n: int, d: int, seed: int, start: int = 0) -> np.ndarray:
    """Points in [0, 1)^d for futures ``start .. start+n-1`` of a design of this seed.

    Latin hypercube and Sobol points are generated for the whole design length
    ``start + n`` (they are joint designs); Monte Carlo only for the blocks touched.
    """
    if d == 0:
        return np.empty((n, 0))
    if method == "mc":
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        blocks = [np.random.default_rng(seed_sequence(seed, DESIGN_STREAM, b)).random((BLOCK, d))
                  for b in range(first, last + 1)]
        u = np.concatenate(blocks)
        offset = start - first * BLOCK
        return u[offset:offset + n]
    rng = np.random.default_rng(seed_sequence(seed, DESIGN_STREAM))
    total = start + n
    if method == "lhs":
        u = qmc.LatinHypercube(d=d, rng=rng).random(total)
    elif method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for n != 2^m
            u = qmc.Sobol(d=d, scramble=True, rng=rng).random(total)
    else:
        raise InputError(f"unknown design {method!r}; allowed: mc, lhs, sobol", key="design")
    return u[start:]


def transform(u: np.ndarray, unc: Uncertainty) -> np.ndarray:
    """Map uniform variates to the uncertainty's distribution (canonical units)."""
    p = unc.params
    if unc.dist == "uniform":
        return p["low"] + u * (p["high"] - p["low"])
    if unc.dist == "integers":
        k = np.floor(p["low"] + u * (p["high"] - p["low"] + 1.0))
        return np.minimum(k, p["high"])
    if unc.dist == "triangular":
        a, c, b = p["low"], p["mode"], p["high"]
        if b == a:
            return np.full_like(u, a)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        drawn = np.where(u < fc, left, right)
        return np.round(drawn) if p.get("whole") else drawn   # an integer input's range
    if unc.dist == "normal":
        lo = -np.inf if "low" not in p else (p["low"] - p["mean"]) / p["sd"]
        hi = np.inf if "high" not in p else (p["high"] - p["mean"]) / p["sd"]
        return stats.truncnorm.ppf(u, lo, hi, loc=p["mean"], scale=p["sd"])
    if unc.dist == "lognormal":
        return p["median"] * np.exp(p["sigma"] * stats.norm.ppf(u))
    if unc.dist == "choice":
        cdf = np.cumsum(unc.p)
        cdf[-1] = 1.0
        idx = np.searchsorted(cdf, u, side="right")
        return np.asarray(unc.values, dtype=float)[np.minimum(idx, len(unc.values) - 1)]
    raise InputError(f"unknown distribution {unc.dist!r}", key=unc.path)


def sample_futures(uncertainties: Mapping[str, Uncertainty], n: int, seed: int,
                   method: str = "lhs", start: int = 0,
                   dependence: Dependence | None = None) -> dict[str, np.ndarray]:
    """Columns (canonical units / category codes) for futures ``start .. start+n-1``.

    `dependence` (a scenario's ``scenario.dependence``) correlates the uncertainties through
    a Gaussian copula, row by row; None (the default) draws them independently.
    """
    paths = list(uncertainties)
    u = unit_design(method, n, len(paths), seed, start)
    if dependence is not None:
        u = dependence.apply(u, paths)
    return {path: transform(u[:, j], uncertainties[path]) for j, path in enumerate(paths)}
