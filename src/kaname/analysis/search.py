"""Multi-objective search over Japan's policy levers with NSGA-II (pymoo).

Each candidate policy (a setting of the levers) is scored on a *fixed* sample of futures —
the same futures for every candidate in every generation (common random numbers) — and each
objective reduces the outcome over those futures to one number: a mean, a percentile, or
the share of futures meeting a threshold. The search returns the Pareto set: the policies
no other candidate beats on every objective at once (robust multi-objective search in the
sense of Kasprzyk et al. 2013 and Hamarat et al. 2014).

Objective syntax (documented in docs/analysis.md)::

    [max:|min:]OUTCOME[@STAT]

``OUTCOME`` is a flattened outcome name (``sustainment.days_to_depletion[pac3_mse]``; a
unique suffix such as ``sustainment_days`` is enough). ``STAT`` is ``mean`` (default),
``median``, ``min``, ``max``, ``std``, ``pNN`` (the NN-th percentile, e.g. ``p10``) or
``share OP X`` (share of futures where the outcome meets ``OP X``, e.g. ``share>=30``).
Without ``max:``/``min:`` the direction is the outcome's declared ``better``.

Levers of every kind are searched: real levers as reals, integer levers as reals rounded
after every variation (pymoo's rounding-repair approach), category and bool levers as
integer codes. The whole population is evaluated in one vectorised engine call.

References
----------
Deb, K., Pratap, A., Agarwal, S., & Meyarivan, T. (2002). A fast and elitist multiobjective
    genetic algorithm: NSGA-II. IEEE Trans. Evol. Comput. 6(2), 182–197.
Zitzler, E., Deb, K., & Thiele, L. (2000). Comparison of multiobjective evolutionary
    algorithms: empirical results. Evol. Comput. 8(2), 173–195 (ZDT test problems).
Blank, J., & Deb, K. (2020). pymoo: Multi-objective optimization in Python. IEEE Access 8.
Kasprzyk, J. R., Nataraj, S., Reed, P. M., & Lempert, R. J. (2013). Many objective robust
    decision making for complex environmental systems undergoing change. Environ. Model.
    Softw. 42, 55–71.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from kaname.analysis.robustness import OPERATORS, resolve_name, split_direction
from kaname.errors import InputError
from kaname.spec import Spec

_STAT = re.compile(r"^(mean|median|min|max|std|p(?P<q>\d+(?:\.\d+)?)|"
                   r"share\s*(?P<op>>=|<=|==|!=|>|<)\s*"
                   r"(?P<x>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|true|false))$",
                   re.IGNORECASE)
CHUNK = 200_000  # lever-future samples per engine call


class LeverProblem(Protocol):
    """What :func:`search` needs: the levers to vary and a vectorised evaluation that gives
    each outcome as a (candidates, futures) array."""

    @property
    def levers(self) -> Mapping[str, Spec]: ...

    def outcome_names(self) -> list[str]: ...

    def better(self, name: str) -> str | None: ...

    def evaluate(self, levers: Mapping[str, np.ndarray], n: int,
                 outcomes: Sequence[str]) -> dict[str, np.ndarray]: ...


@dataclass(frozen=True)
class Objective:
    """One parsed objective: direction, outcome column and how futures are reduced."""

    text: str
    outcome: str
    direction: str          # "max" or "min"
    stat: str               # mean, median, min, max, std, percentile, share
    q: float = 0.0          # percentile (0-100)
    op: str = ""
    x: float = 0.0

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """(candidates, futures) -> (candidates,)."""
        v = np.asarray(values, dtype=float)
        if self.stat == "percentile":
            return np.percentile(v, self.q, axis=1)
        if self.stat == "share":
            return OPERATORS[self.op](v, self.x).mean(axis=1)
        reducers: dict[str, Callable[..., np.ndarray]] = {
            "mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "std": np.std}
        return reducers[self.stat](v, axis=1)

    @property
    def label(self) -> str:
        return f"{self.direction}:{self.outcome}@{self._stat_text()}"

    def _stat_text(self) -> str:
        if self.stat == "percentile":
            return f"p{self.q:g}"
        if self.stat == "share":
            return f"share{self.op}{self.x:g}"
        return self.stat


def parse_objective(text: str, problem: LeverProblem, key: str = "objectives") -> Objective:
    """Parse ``[max:|min:]OUTCOME[@STAT]`` against the problem's outcomes."""
    direction, rest = split_direction(text)
    name, _, stat_text = rest.partition("@")
    name = resolve_name(name.strip(), problem.outcome_names(), key=key)
    better = direction or problem.better(name)
    if better not in ("higher", "lower"):
        raise InputError(f"outcome {name!r} declares no better direction; write max:{name} "
                         f"or min:{name}", key=key)
    stat_text = (stat_text or "mean").strip()
    m = _STAT.match(stat_text)
    if not m:
        raise InputError(f"unknown statistic {stat_text!r}; allowed: mean, median, min, max, "
                         f"std, pNN (e.g. p10), share>=X", key=key)
    d = "max" if better == "higher" else "min"
    if m["q"] is not None:
        q = float(m["q"])
        if not 0 <= q <= 100:
            raise InputError(f"percentile {q:g} must be in [0, 100]", key=key)
        return Objective(text, name, d, "percentile", q=q)
    if m["op"] is not None:
        raw = m["x"].lower()
        x = 1.0 if raw == "true" else 0.0 if raw == "false" else float(raw)
        return Objective(text, name, d, "share", op=m["op"], x=x)
    return Objective(text, name, d, stat_text.lower())


def _bounds(spec: Spec, path: str) -> tuple[float, float]:
    if spec.kind == "category":
        return 0.0, float(len(spec.categories) - 1)
    if spec.kind == "bool":
        return 0.0, 1.0
    if spec.low is None or spec.high is None:
        raise InputError(f"lever has no declared range; give one as {path}=LOW:HIGH",
                         key="levers")
    return float(spec.low), float(spec.high)


def narrow_levers(available: Mapping[str, Spec], requests: Sequence[str]) -> dict[str, Spec]:
    """Levers from ``PATH`` or ``PATH=LOW:HIGH`` (a narrower range within the declared one)."""
    out: dict[str, Spec] = {}
    for text in requests:
        path, sep, rng = text.partition("=")
        path = resolve_name(path.strip(), list(available), what="lever", key="levers")
        spec = available[path]
        if sep:
            lo_text, colon, hi_text = rng.partition(":")
            try:
                lo, hi = float(lo_text), float(hi_text)
            except ValueError:
                lo = hi = float("nan")
            if not colon or not (lo < hi) or spec.kind in ("category", "bool"):
                raise InputError(f"cannot read range {rng!r}; write {path}=LOW:HIGH with "
                                 f"LOW < HIGH (numeric levers only)", key="levers")
            for v in (lo, hi):
                problem = spec.check(v)
                if problem:
                    raise InputError(problem, key=f"--lever {path}")
            from dataclasses import replace

            spec = replace(spec, low=lo, high=hi)
        out[path] = spec
    return out


class ScenarioProblem:
    """Japan's levers in a scenario's engine, scored over a fixed sample of its futures.

    Parameters
    ----------
    scenario, engine
        A loaded scenario and the engine built for it.
    futures
        Number of futures each candidate is evaluated on (fixed for the whole search).
    seed
        Seed for the futures design and model randomness (default: the scenario's).
    levers
        ``PATH`` or ``PATH=LOW:HIGH`` strings, or ``["all"]``. Default: the levers the
        scenario's policies set, or every lever of the engine when they set none.
    base_policy
        Policy whose lever values hold for levers not searched (default: the first).
    """

    def __init__(self, scenario: Any, engine: Any, *, futures: int = 200,
                 seed: int | None = None, levers: Sequence[str] | None = None,
                 base_policy: str | None = None):
        from kaname.sampling import sample_futures

        self.scenario, self.engine = scenario, engine
        available = {p: s for p, s in engine.inputs.items()
                     if s.lever and s.movable and engine.computed_by(p) is None}
        if not available:
            raise InputError("the scenario's models declare no policy levers to search",
                             key="levers")
        if levers and list(levers) != ["all"]:
            self.levers = narrow_levers(available, levers)
        elif levers or not scenario.levers():
            self.levers = dict(available)
        else:
            self.levers = {p: available[p] for p in scenario.levers() if p in available}
        if futures < 1:
            raise InputError(f"{futures} not allowed; must be at least 1", key="futures")
        self.seed = scenario.settings.seed if seed is None else int(seed)
        self.n_futures = int(futures)
        self.futures = sample_futures(scenario.uncertainties, self.n_futures, self.seed,
                                      scenario.settings.design,
                                      dependence=getattr(scenario, "dependence", None))
        base = base_policy or next(iter(scenario.policies))
        if base not in scenario.policies:
            raise InputError(f"unknown policy {base!r}; allowed: "
                             f"{', '.join(scenario.policies)}", key="base_policy")
        self.base = {p: v for p, v in scenario.policy_inputs(base, engine).items()
                     if p not in self.levers}
        from kaname.analysis.sensitivity import outcome_names

        self._names = outcome_names(engine)

    def outcome_names(self) -> list[str]:
        return self._names

    def better(self, name: str) -> str | None:
        return self.engine.outputs[name.split("[")[0]].better

    def evaluate(self, levers: Mapping[str, np.ndarray], n: int,
                 outcomes: Sequence[str]) -> dict[str, np.ndarray]:
        from kaname.analysis.sensitivity import _outcome_picker
        from kaname.ensemble import evaluate_futures

        pickers = {o: _outcome_picker(self.engine, o) for o in outcomes}
        columns = {p: np.full(n, v) for p, v in self.base.items()}
        columns.update({p: np.asarray(v, dtype=float) for p, v in levers.items()})
        per = max(1, CHUNK // self.n_futures)
        result = {o: np.empty((n, self.n_futures)) for o in outcomes}
        for start in range(0, n, per):
            stop = min(n, start + per)
            part = {p: v[start:stop] for p, v in columns.items()}
            out = evaluate_futures(self.engine, self.futures, part, stop - start,
                                   self.n_futures, seed=self.seed, chunk_index=0)
            flat = {p: v.reshape(-1, *v.shape[2:]) for p, v in out.items()}
            for o, pick in pickers.items():
                result[o][start:stop] = pick(flat).reshape(stop - start, self.n_futures)
        return result


class ZDT1:
    """ZDT1 (Zitzler, Deb & Thiele 2000) through the lever-problem interface: `n_var` levers
    in [0, 1], outcomes f1 and f2 (both lower is better), one deterministic "future".
    Pareto front: f2 = 1 - sqrt(f1), f1 in [0, 1]; hypervolume to (1, 1) is 2/3."""

    def __init__(self, n_var: int = 30):
        self.levers = {f"x{i}": Spec(f"x{i}", f"x{i}", low=0.0, high=1.0, lever=True)
                       for i in range(n_var)}

    def outcome_names(self) -> list[str]:
        return ["f1", "f2"]

    def better(self, name: str) -> str | None:
        return "lower"

    def evaluate(self, levers: Mapping[str, np.ndarray], n: int,
                 outcomes: Sequence[str]) -> dict[str, np.ndarray]:
        x = np.column_stack([levers[p] for p in self.levers])
        f1 = x[:, 0]
        g = 1 + 9 * x[:, 1:].sum(axis=1) / (x.shape[1] - 1)
        f2 = g * (1 - np.sqrt(f1 / g))
        return {"f1": f1[:, None], "f2": f2[:, None]}


@dataclass
class SearchResult:
    """The Pareto set: lever values and objective values (in their own direction)."""

    levers: list[str]
    objectives: list[Objective]
    pareto: pd.DataFrame
    F: np.ndarray              # minimisation form (max objectives negated), Pareto rows
    evaluations: int
    generations: int
    population: int
    futures: int

    def hypervolume(self, ref_point: Sequence[float]) -> float:
        """Hypervolume of the Pareto set in minimisation form against `ref_point`."""
        from pymoo.indicators.hv import HV

        return float(HV(ref_point=np.asarray(ref_point, dtype=float))(self.F))

    def to_dict(self) -> dict[str, Any]:
        return {"levers": self.levers, "objectives": [o.label for o in self.objectives],
                "evaluations": self.evaluations, "generations": self.generations,
                "population": self.population, "futures": self.futures,
                "pareto": self.pareto.to_dict(orient="records")}


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Mask of rows of F (minimise every column) that no other row dominates."""
    F = np.asarray(F, dtype=float)
    le = (F[:, None, :] <= F[None, :, :]).all(axis=2)
    lt = (F[:, None, :] < F[None, :, :]).any(axis=2)
    dominated = (le & lt).any(axis=0)
    return np.asarray(~dominated, dtype=bool)


def search(problem: LeverProblem, objectives: Sequence[str | Objective], *,
           population: int = 40, generations: int = 30, seed: int = 0) -> SearchResult:
    """NSGA-II over ``problem.levers``; returns the non-dominated candidates found."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.core.repair import Repair
    from pymoo.optimize import minimize

    if not objectives:
        raise InputError("give at least one objective", key="objectives")
    objs = [o if isinstance(o, Objective) else parse_objective(o, problem) for o in objectives]
    if population < 4:
        raise InputError(f"{population} not allowed; the population must be at least 4",
                         key="population")
    if generations < 1:
        raise InputError(f"{generations} not allowed; must be at least 1", key="generations")
    paths = list(problem.levers)
    specs = [problem.levers[p] for p in paths]
    bounds = np.array([_bounds(s, p) for s, p in zip(specs, paths, strict=True)])
    discrete = np.array([s.kind in ("integer", "category", "bool") for s in specs])
    sign = np.array([-1.0 if o.direction == "max" else 1.0 for o in objs])
    outcomes = list(dict.fromkeys(o.outcome for o in objs))
    counter = {"evaluations": 0}

    class Rounding(Repair):
        def _do(self, problem: Any, X: np.ndarray, **kwargs: Any) -> np.ndarray:
            X = np.asarray(X, dtype=float).copy()
            X[:, discrete] = np.round(X[:, discrete])
            return np.clip(X, bounds[:, 0], bounds[:, 1])

    class Wrapped(Problem):
        def __init__(self) -> None:
            super().__init__(n_var=len(paths), n_obj=len(objs), xl=bounds[:, 0],
                             xu=bounds[:, 1])

        def _evaluate(self, X: np.ndarray, out: dict[str, Any], *args: Any,
                      **kwargs: Any) -> None:
            out["F"] = _objective_values(problem, objs, outcomes, paths, X) * sign
            counter["evaluations"] += len(X)

    algorithm = NSGA2(pop_size=int(population), repair=Rounding(), eliminate_duplicates=True)
    res = minimize(Wrapped(), algorithm, ("n_gen", int(generations)), seed=int(seed),
                   verbose=False)
    X = np.atleast_2d(res.X)
    F = np.atleast_2d(res.F)
    keep = non_dominated(F)
    X, F = X[keep], F[keep]
    _, unique = np.unique(np.round(X, 12), axis=0, return_index=True)
    X, F = X[np.sort(unique)], F[np.sort(unique)]
    best_first = np.argsort(F[:, 0], kind="stable")   # best on the first objective first
    X, F = X[best_first], F[best_first]
    frame: dict[str, Any] = {}
    for j, (path, spec) in enumerate(zip(paths, specs, strict=True)):
        if spec.kind == "category":
            frame[path] = [spec.categories[int(v)] for v in X[:, j]]
        elif spec.kind == "bool":
            frame[path] = X[:, j].astype(bool)
        elif spec.kind == "integer":  # searched as a real rounded after every variation
            frame[path] = np.round(X[:, j]).astype(np.int64)
        else:
            frame[path] = X[:, j]
    for k, o in enumerate(objs):
        frame[o.label] = F[:, k] * sign[k]
    pareto = pd.DataFrame(frame)
    futures = int(getattr(problem, "n_futures", 1))
    return SearchResult(levers=paths, objectives=objs, pareto=pareto, F=F,
                        evaluations=counter["evaluations"], generations=int(generations),
                        population=int(population), futures=futures)


def _objective_values(problem: LeverProblem, objs: Sequence[Objective],
                      outcomes: Sequence[str], paths: Sequence[str], X: np.ndarray
                      ) -> np.ndarray:
    levers = {p: X[:, j].astype(float) for j, p in enumerate(paths)}
    values = problem.evaluate(levers, len(X), outcomes)
    return np.column_stack([o.reduce(values[o.outcome]) for o in objs])
