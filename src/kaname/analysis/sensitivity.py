"""Global sensitivity analysis through SALib: Sobol' indices and Morris screening.

Works on any outcome of anything that follows the model protocol — the integrated
:class:`~kaname.engine.Engine`, one built-in model, or a user's own model — because all it
needs is ``inputs``, ``outputs``, ``coords`` and a vectorised ``evaluate``.

Uncertainties of every kind are handled the same way: SALib samples the unit hypercube and
each column is mapped through its distribution's inverse CDF by
:func:`kaname.sampling.transform`. The factor SALib sees is therefore the quantile ``u`` of
each uncertainty. Because the inverse CDF is a fixed function of one independent uniform,
variance-based (Sobol') indices of ``u`` *are* the indices of the uncertainty itself, also for
integer and categorical (``choice``) uncertainties, whose outcome is a step function of ``u``.
Morris elementary effects are measured per unit of quantile (a move through the whole
distribution is 1), so effects of numeric and categorical factors are on one scale.

The inputs are always sampled independently: Sobol' and Morris estimators assume independent
factors, so a scenario's ``correlations`` and ``drivers`` (:mod:`kaname.copula`) are not
applied here (``kaname analyze sobol|morris`` says so on stderr).

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their
    Monte Carlo estimates. Math. Comput. Simul. 55(1–3), 271–280.
Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
    Comput. Phys. Commun. 145(2), 280–297.
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., & Tarantola, S. (2010).
    Variance based sensitivity analysis of model output. Comput. Phys. Commun. 181, 259–270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
    Technometrics 33(2), 161–174.
Campolongo, F., Cariboni, J., & Saltelli, A. (2007). An effective screening design for
    sensitivity analysis of large models. Environ. Model. Softw. 22(10), 1509–1518.
Herman, J., & Usher, W. (2017). SALib: an open-source Python library for sensitivity
    analysis. JOSS 2(9), 97.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kaname.chunking import SAMPLES_PER_CHUNK, chunk_rng
from kaname.errors import InputError
from kaname.sampling import transform
from kaname.scenario import Uncertainty

BOOTSTRAP_STREAM = 0xB007  # spawn word of the Sobol' bootstrap's seed (see bootstrap_seed)

Evaluator = Callable[[Mapping[str, np.ndarray], int, np.random.Generator], dict[str, np.ndarray]]


def outcome_names(target: Any) -> list[str]:
    """Flattened scalar outcome names of a model or engine, e.g. ``x.y[pac3_mse]``."""
    names = []
    for path, spec in target.outputs.items():
        if spec.series:
            continue
        if not spec.dims:
            names.append(path)
            continue
        grids = [list(target.coords[d]) for d in spec.dims]
        for cell in np.ndindex(*(len(g) for g in grids)):
            names.append(f"{path}[{','.join(str(g[i]) for g, i in zip(grids, cell, strict=True))}]")
    return names


def _outcome_picker(target: Any, name: str) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    from kaname.analysis.robustness import resolve_name

    name = resolve_name(name, outcome_names(target))
    path, _, cell = name.partition("[")
    spec = target.outputs[path]
    index: tuple[int, ...] = ()
    if cell:
        labels = cell.rstrip("]").split(",")
        index = tuple([str(x) for x in target.coords[d]].index(lab)
                      for d, lab in zip(spec.dims, labels, strict=True))
    key: tuple[Any, ...] = (slice(None), *index)
    return lambda out: np.asarray(out[path], dtype=float)[key]


def as_uncertainties(space: Mapping[str, Uncertainty | tuple[float, float]]
                     ) -> dict[str, Uncertainty]:
    """Accept scenario Uncertainties or plain ``(low, high)`` ranges (uniform)."""
    out = {}
    for path, u in space.items():
        if isinstance(u, Uncertainty):
            out[path] = u
        else:
            low, high = (float(v) for v in u)
            if not low < high:
                raise InputError(f"needs low < high, got ({low:g}, {high:g})", key=path)
            out[path] = Uncertainty(path, "uniform", params={"low": low, "high": high})
    if not out:
        raise InputError("no uncertainties to analyse; add some to the scenario",
                         key="uncertainties")
    return out


def as_engine(target: Any) -> Any:
    """An :class:`~kaname.engine.Engine` as it is, or one model wrapped in an engine of its
    own (its inputs then default to their specs' ``default``), so every evaluation goes
    through :meth:`Engine.evaluate`."""
    from kaname.engine import Engine

    return target if isinstance(target, Engine) else Engine([target])


def evaluator_for(target: Any, fixed: Mapping[str, float] | None = None) -> Evaluator:
    """A uniform ``f(columns, n, rng)`` over an Engine or a single model."""
    engine = as_engine(target)
    fixed = dict(fixed or {})

    def run(columns: Mapping[str, np.ndarray], n: int,
            rng: np.random.Generator) -> dict[str, np.ndarray]:
        cols = {p: np.full(n, v, dtype=float) for p, v in fixed.items()}
        cols.update(columns)
        return engine.evaluate(cols, n, rng=rng)
    return run


def _evaluate_unit(target: Any, unc: dict[str, Uncertainty], u: np.ndarray, outcome: str,
                   fixed: Mapping[str, float] | None, seed: int) -> np.ndarray:
    """Outcome values at unit-hypercube points `u` (rows), chunked and seeded."""
    unknown = [p for p in unc if p not in target.inputs]
    if unknown:
        raise InputError("is not an input of the model", key=unknown[0])
    pick = _outcome_picker(target, outcome)
    run = evaluator_for(target, fixed)
    paths = list(unc)
    y = np.empty(len(u))
    for k, start in enumerate(range(0, len(u), SAMPLES_PER_CHUNK)):
        part = u[start:start + SAMPLES_PER_CHUNK]
        columns = {p: transform(part[:, j], unc[p]) for j, p in enumerate(paths)}
        y[start:start + len(part)] = pick(run(columns, len(part), chunk_rng(seed, k)))
    if not np.all(np.isfinite(y)):
        raise InputError(f"outcome {outcome!r} is not finite for some samples; "
                         f"sensitivity indices need finite values", key="outcome")
    if np.ptp(y) == 0:
        raise InputError(f"outcome {outcome!r} does not vary over these uncertainties "
                         f"(always {y[0]:g}); there is no variance to attribute",
                         key="outcome")
    return y


def _problem(paths: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(paths), "names": list(paths), "bounds": [[0.0, 1.0]] * len(paths)}


def bootstrap_seed(seed: int) -> int:
    """The seed SALib's Sobol' bootstrap gets for run seed `seed`: never 0.

    SALib 1.6's ``sobol.analyze`` seeds its bootstrap resampling only ``if seed:``; with
    ``seed=0`` (kaname's default) it draws from NumPy's *global* random state, so the
    confidence intervals changed with whatever had used ``np.random`` before (in the test
    suite: the order tests ran in). A non-zero seed derived from `seed` keeps them
    reproducible; it is a stream of its own, apart from the scrambling of the sample.
    """
    state = np.random.SeedSequence([int(seed), BOOTSTRAP_STREAM]).generate_state(1)
    return int(state[0]) or 1


def check_power_of_two(n: int, key: str = "n") -> None:
    if n < 2 or n & (n - 1):
        below = 1 << max(1, int(n).bit_length() - 1) if n >= 2 else 2
        raise InputError(
            f"{n} is not a power of two; Sobol' sequences are balanced, and the Saltelli "
            f"estimators converge at their best rate, only for N = 2^k — use {below} or "
            f"{below * 2}", key=key)


@dataclass
class SobolIndices:
    """First-order (S1), total (ST) and second-order (S2) Sobol' indices with confidence
    half-widths (bootstrap, at `conf_level`)."""

    outcome: str
    names: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    S2: np.ndarray | None
    S2_conf: np.ndarray | None
    n: int
    evaluations: int
    conf_level: float

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"S1": self.S1, "S1_conf": self.S1_conf, "ST": self.ST,
                             "ST_conf": self.ST_conf}, index=pd.Index(self.names, name="input"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": "sobol", "outcome": self.outcome, "n": self.n,
            "evaluations": self.evaluations, "conf_level": self.conf_level,
            "indices": [{"input": nm, "S1": float(self.S1[i]), "S1_conf": float(self.S1_conf[i]),
                         "ST": float(self.ST[i]), "ST_conf": float(self.ST_conf[i])}
                        for i, nm in enumerate(self.names)]}
        if self.S2 is not None and self.S2_conf is not None:
            out["second_order"] = [
                {"inputs": [self.names[i], self.names[j]], "S2": float(self.S2[i, j]),
                 "S2_conf": float(self.S2_conf[i, j])}
                for i in range(len(self.names)) for j in range(i + 1, len(self.names))]
        return out


def sobol(target: Any, uncertainties: Mapping[str, Uncertainty | tuple[float, float]],
          outcome: str, *, n: int = 1024, second_order: bool = True, seed: int = 0,
          fixed: Mapping[str, float] | None = None, conf_level: float = 0.95,
          num_resamples: int = 100) -> SobolIndices:
    """Sobol' indices of `outcome` over `uncertainties` (Saltelli sampling, N·(2D+2) runs).

    Parameters
    ----------
    target
        An :class:`~kaname.engine.Engine` or any object following the model protocol.
    uncertainties
        Input path -> :class:`~kaname.scenario.Uncertainty` (a scenario's), or ``(low, high)``.
    outcome
        A flattened output name, e.g. ``sustainment.days_to_depletion[pac3_mse]``.
    n
        Base sample size N, a power of two.
    fixed
        Values for other inputs (e.g. a policy's levers); an Engine defaults the rest.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_power_of_two(int(n))
    unc = as_uncertainties(uncertainties)
    paths = list(unc)
    second = bool(second_order) and len(paths) > 1
    problem = _problem(paths)
    u = sobol_sample.sample(problem, int(n), calc_second_order=second, seed=int(seed))
    y = _evaluate_unit(target, unc, u, outcome, fixed, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol_analyze.analyze(problem, y, calc_second_order=second,
                                    num_resamples=num_resamples, conf_level=conf_level,
                                    seed=bootstrap_seed(seed))
    return SobolIndices(outcome=outcome, names=paths, S1=np.asarray(res["S1"]),
                        S1_conf=np.asarray(res["S1_conf"]), ST=np.asarray(res["ST"]),
                        ST_conf=np.asarray(res["ST_conf"]),
                        S2=np.asarray(res["S2"]) if second else None,
                        S2_conf=np.asarray(res["S2_conf"]) if second else None,
                        n=int(n), evaluations=len(y), conf_level=conf_level)


@dataclass
class MorrisIndices:
    """Morris screening: mean |elementary effect| (mu_star, with confidence half-width), mean
    effect (mu) and spread (sigma: non-linearity or interactions), per unit of quantile."""

    outcome: str
    names: list[str]
    mu: np.ndarray
    mu_star: np.ndarray
    mu_star_conf: np.ndarray
    sigma: np.ndarray
    trajectories: int
    levels: int
    evaluations: int

    def ranking(self) -> list[str]:
        return [self.names[i] for i in np.argsort(-self.mu_star, kind="stable")]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"mu_star": self.mu_star, "mu_star_conf": self.mu_star_conf,
                             "mu": self.mu, "sigma": self.sigma},
                            index=pd.Index(self.names, name="input"))

    def to_dict(self) -> dict[str, Any]:
        return {"method": "morris", "outcome": self.outcome, "trajectories": self.trajectories,
                "levels": self.levels, "evaluations": self.evaluations,
                "ranking": self.ranking(),
                "indices": [{"input": nm, "mu_star": float(self.mu_star[i]),
                             "mu_star_conf": float(self.mu_star_conf[i]),
                             "mu": float(self.mu[i]), "sigma": float(self.sigma[i])}
                            for i, nm in enumerate(self.names)]}


def morris(target: Any, uncertainties: Mapping[str, Uncertainty | tuple[float, float]],
           outcome: str, *, trajectories: int = 100, levels: int = 4, seed: int = 0,
           fixed: Mapping[str, float] | None = None, conf_level: float = 0.95,
           num_resamples: int = 1000) -> MorrisIndices:
    """Morris elementary effects of `outcome`: `trajectories` × (D+1) runs.

    A cheap screening: rank the uncertainties by mu_star before spending N·(2D+2) runs on
    Sobol'. `levels` is the grid resolution p (even; the step is p / (2(p-1)))."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if trajectories < 2:
        raise InputError(f"{trajectories} trajectories; Morris needs at least 2",
                         key="trajectories")
    if levels < 2 or levels % 2:
        raise InputError(f"{levels} levels; Morris needs an even number of levels >= 2",
                         key="levels")
    unc = as_uncertainties(uncertainties)
    paths = list(unc)
    problem = _problem(paths)
    u = morris_sample.sample(problem, int(trajectories), num_levels=int(levels),
                             seed=int(seed))
    y = _evaluate_unit(target, unc, u, outcome, fixed, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = morris_analyze.analyze(problem, u, y, num_resamples=num_resamples,
                                     conf_level=conf_level, num_levels=int(levels),
                                     seed=int(seed))
    return MorrisIndices(outcome=outcome, names=paths, mu=np.asarray(res["mu"]),
                         mu_star=np.asarray(res["mu_star"]),
                         mu_star_conf=np.asarray(res["mu_star_conf"]),
                         sigma=np.asarray(res["sigma"]), trajectories=int(trajectories),
                         levels=int(levels), evaluations=len(y))
