"""Dependence between uncertainties: a Gaussian copula built from a scenario's pairwise
rank correlations and named latent drivers (see ``docs/analysis.md``, "Correlated
uncertainties and scenario drivers").

Every uncertainty *i* that takes part gets a normal score ``z_i``; jointly ``z ~ N(0, R)``
with the correlation matrix

* ``R_ij = 2 sin(π ρ_s / 6)`` for a pair listed under ``correlations`` with Spearman target
  ``ρ_s`` (the Pearson correlation of the normal scores that gives that rank correlation);
* ``R_ij = Σ_k λ_ik λ_jk`` for every other pair, the correlation implied by the inputs'
  loadings λ on the ``drivers`` (each driver a standard normal; an input's normal score is
  ``Σ_k λ_ik d_k + sqrt(1 − Σ_k λ_ik²) e_i``). A listed pair overrides what the drivers imply.

``R`` must be positive semi-definite. It is factored once, on the driver, by a Cholesky
decomposition written in plain Python floats (:func:`cholesky_psd`), so every machine uses
the same factor ``L``. For each future the design supplies one uniform per uncertainty;
``e = Φ⁻¹(u)``, ``z = L e``, ``u' = Φ(z)`` and then the uncertainty's own inverse CDF
(:func:`kaname.sampling.transform`). Each ``z_i`` is computed element by element
(``Σ_j L_ij e_j`` in a fixed order, no BLAS), so a future's values depend only on its own
design point — chunked Monte Carlo equals the whole-run draw bit for bit. Each row of ``L``
has norm 1, so every ``z_i`` is exactly standard normal and every marginal is exactly the
declared distribution. Uncertainties outside every correlation and driver keep their
uniform untouched.

References
----------
Iman & Conover (1982), Commun. Stat. Simul. Comput. 11(3) — rank correlation among inputs.
Kruskal (1958), JASA 53 — ρ_s = (6/π) arcsin(r/2) for bivariate normals.
Nelsen (2006), *An Introduction to Copulas*, 2nd ed., Springer.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kaname.errors import InputError, ScenarioError

PSD_TOLERANCE = 1e-10   # smallest eigenvalue of R allowed (rounding below 0)
PIVOT_TOLERANCE = 1e-12  # a Cholesky pivot below this is a zero (R singular there)
_LOW = np.finfo(float).tiny             # u = 0 would give e = −inf
_HIGH = float(np.nextafter(1.0, 0.0))   # Φ(z) rounds to 1.0 for z > 8.3; keep u' < 1


def spearman_to_pearson(rho_s: float) -> float:
    """The normal-score correlation r with rank correlation `rho_s`: 2 sin(π ρ_s / 6)."""
    return 2.0 * math.sin(math.pi * rho_s / 6.0)


def pearson_to_spearman(r: float) -> float:
    """The rank correlation of a bivariate normal with correlation r: (6/π) arcsin(r / 2)."""
    return 6.0 / math.pi * math.asin(r / 2.0)


@dataclass(frozen=True)
class Driver:
    name: str
    label: str | dict[str, str]
    loadings: dict[str, float]


@dataclass(frozen=True)
class Dependence:
    """The validated dependence structure of a scenario (picklable; sent to workers).

    `paths` are the uncertainties that take part, in the scenario's order; `pearson` is R
    over them; `factor` its lower-triangular Cholesky factor with rows of norm 1.
    """

    paths: tuple[str, ...]
    pearson: tuple[tuple[float, ...], ...]
    factor: tuple[tuple[float, ...], ...]
    spearman: dict[tuple[str, str], float] = field(default_factory=dict)  # listed pairs
    drivers: tuple[Driver, ...] = ()

    def target_spearman(self, a: str, b: str) -> float:
        """The rank correlation the copula aims at between uncertainties a and b."""
        i, j = self.paths.index(a), self.paths.index(b)
        return pearson_to_spearman(self.pearson[i][j])

    def apply(self, u: np.ndarray, columns: list[str]) -> np.ndarray:
        """Correlated uniforms from independent ones; `u` is (n, d) with one column per
        path of `columns` (uncertainties not in :attr:`paths` are returned unchanged)."""
        where = {p: j for j, p in enumerate(columns)}
        missing = [p for p in self.paths if p not in where]
        if missing:
            raise InputError(f"the dependence structure names {missing[0]}, which is not "
                             f"among the uncertainties sampled", key="dependence")
        from scipy import special  # here, not at the top: importing kaname stays quick

        out = np.array(u, dtype=float, copy=True)
        idx = [where[p] for p in self.paths]
        e = [special.ndtri(np.clip(u[:, j], _LOW, _HIGH)) for j in idx]
        for i, row in enumerate(self.factor):
            if row[i] == 1.0 and not any(row[:i]):
                continue  # z_i = e_i: keep the design's own uniform, bit for bit
            z = row[0] * e[0]
            for j in range(1, i + 1):
                if row[j] != 0.0:
                    z = z + row[j] * e[j]
            out[:, idx[i]] = np.clip(special.ndtr(z), _LOW, _HIGH)
        return out


def cholesky_psd(matrix: list[list[float]]) -> list[list[float]]:
    """Lower-triangular L with L Lᵀ = matrix for a positive semi-definite correlation
    matrix, in plain Python floats (the same bits on every machine). A zero pivot (a
    singular direction) gives a zero column; each row is scaled to norm 1 afterwards so
    every normal score stays exactly standard normal."""
    d = len(matrix)
    L = [[0.0] * d for _ in range(d)]
    for j in range(d):
        pivot = matrix[j][j] - math.fsum(L[j][k] * L[j][k] for k in range(j))
        if pivot > PIVOT_TOLERANCE:
            L[j][j] = math.sqrt(pivot)
            for i in range(j + 1, d):
                s = matrix[i][j] - math.fsum(L[i][k] * L[j][k] for k in range(j))
                L[i][j] = s / L[j][j]
    for i in range(d):
        norm = math.sqrt(math.fsum(x * x for x in L[i]))
        if norm > 0:
            L[i] = [x / norm for x in L[i]]
        else:  # cannot happen for a correlation matrix (diagonal 1); keep it independent
            L[i][i] = 1.0
    return L


def _number(raw: Any, file: str, key: str, what: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ScenarioError(f"{what} must be a number in [-1, 1]; got {raw!r}", file=file,
                            key=key)
    value = float(raw)
    if not math.isfinite(value) or not -1.0 <= value <= 1.0:
        raise ScenarioError(f"{what} {raw!r} is outside [-1, 1]", file=file, key=key)
    return value


def _check_path(path: Any, uncertainties: Mapping[str, Any], engine: Any,
                policies: Mapping[str, Mapping[str, Any]], file: str, key: str) -> str:
    if not isinstance(path, str):
        raise ScenarioError(f"expected an uncertainty path, got {path!r}", file=file, key=key)
    unc = uncertainties.get(path)
    if unc is None:
        if any(path in levers for levers in policies.values()):
            problem = "is a policy lever, not an uncertainty; only uncertainties can be " \
                      "correlated"
        elif engine is not None and path in engine.inputs:
            problem = "is not an uncertainty of this scenario; add it under uncertainties " \
                      "to correlate it"
        else:
            near = difflib.get_close_matches(path, list(uncertainties), n=1, cutoff=0.6)
            problem = "unknown parameter path" + (f"; did you mean {near[0]}?" if near else
                                                  "; must be one of the scenario's "
                                                  "uncertainties")
        raise ScenarioError(f"{path}: {problem}", file=file, key=key)
    if unc.dist == "choice":
        raise ScenarioError(f"{path} is a choice uncertainty; only ordered numeric "
                            f"distributions (uniform, triangular, normal, lognormal, integers, "
                            f"data) can be correlated", file=file, key=key)
    return path


def build(correlations: Any, drivers: Any, uncertainties: Mapping[str, Any], *,
          engine: Any = None, policies: Mapping[str, Mapping[str, Any]] | None = None,
          file: str = "<scenario>") -> Dependence | None:
    """Validate a scenario's ``correlations`` and ``drivers`` and build the copula (None
    when there are neither). Every problem is a one-line :class:`ScenarioError`."""
    policies = policies or {}
    correlations = correlations or []
    drivers = drivers or {}
    if not isinstance(correlations, list):
        raise ScenarioError("must be a list of [path, path, spearman_rho] entries", file=file,
                            key="correlations")
    if not isinstance(drivers, dict):
        raise ScenarioError("must map driver names to {label, loadings}", file=file,
                            key="drivers")
    pairs: dict[tuple[str, str], float] = {}
    for n, entry in enumerate(correlations):
        key = f"correlations.{n}"
        if not isinstance(entry, list) or len(entry) != 3:
            raise ScenarioError(f"expected [path, path, spearman_rho], got {entry!r}",
                                file=file, key=key)
        a = _check_path(entry[0], uncertainties, engine, policies, file, key)
        b = _check_path(entry[1], uncertainties, engine, policies, file, key)
        if a == b:
            raise ScenarioError(f"{a} is paired with itself; a correlation needs two different "
                                f"uncertainties", file=file, key=key)
        rho = _number(entry[2], file, key, "correlation")
        pair = tuple(sorted((a, b)))
        if pair in pairs:
            first = next(i for i, e in enumerate(correlations)
                         if isinstance(e, list) and len(e) == 3
                         and tuple(sorted(map(str, e[:2]))) == pair)
            raise ScenarioError(f"duplicate pair {a}, {b} (already at correlations.{first})",
                                file=file, key=key)
        pairs[pair] = rho  # type: ignore[index]
    parsed: list[Driver] = []
    squares: dict[str, float] = {}
    for name, raw in drivers.items():
        key = f"drivers.{name}"
        if not isinstance(raw, dict):
            raise ScenarioError("a driver needs {label, loadings}", file=file, key=key)
        extra = sorted(set(raw) - {"label", "loadings"})
        if extra:
            raise ScenarioError("unknown key; allowed: label, loadings", file=file,
                                key=f"{key}.{extra[0]}")
        label = raw.get("label", str(name))
        if not (isinstance(label, str) or (isinstance(label, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in label.items()))):
            raise ScenarioError("a label is text or {en: ..., ja: ...}", file=file,
                                key=f"{key}.label")
        loadings = raw.get("loadings")
        if not isinstance(loadings, dict) or not loadings:
            raise ScenarioError("needs loadings: a mapping of uncertainty paths to numbers in "
                                "[-1, 1]", file=file, key=f"{key}.loadings")
        values: dict[str, float] = {}
        for path, lam in loadings.items():
            lkey = f"{key}.loadings.{path}"
            _check_path(path, uncertainties, engine, policies, file, lkey)
            values[path] = _number(lam, file, lkey, "loading")
            squares[path] = squares.get(path, 0.0) + values[path] ** 2
            if squares[path] > 1.0 + 1e-12:
                on = [d.name for d in parsed if path in d.loadings] + [str(name)]
                raise ScenarioError(f"the squared loadings of {path} sum to "
                                    f"{squares[path]:.4g} (> 1) over drivers {', '.join(on)}; "
                                    f"an input's loadings must satisfy Σλ² ≤ 1", file=file,
                                    key=lkey)
        parsed.append(Driver(str(name), label, values))
    if not pairs and not parsed:
        return None
    involved = set(squares) | {p for pair in pairs for p in pair}
    paths = tuple(p for p in uncertainties if p in involved)
    d = len(paths)
    R = [[1.0 if i == j else 0.0 for j in range(d)] for i in range(d)]
    for i in range(d):
        for j in range(i):
            pair = (paths[j], paths[i]) if paths[j] < paths[i] else (paths[i], paths[j])
            if pair in pairs:
                r = spearman_to_pearson(pairs[pair])
            else:
                r = math.fsum(drv.loadings.get(paths[i], 0.0) * drv.loadings.get(paths[j], 0.0)
                              for drv in parsed)
            R[i][j] = R[j][i] = r
    w, v = np.linalg.eigh(np.array(R))
    if w[0] < -PSD_TOLERANCE:
        vec = v[:, 0]
        worst = [paths[k] for k in np.argsort(-np.abs(vec))[:3] if abs(vec[k]) > 0.1]
        raise ScenarioError(f"the correlation matrix (Spearman targets as 2·sin(π·ρ/6), with "
                            f"the drivers' implied correlations) is not positive semi-definite: "
                            f"smallest eigenvalue {w[0]:.4g} < -1e-10, mostly along "
                            f"{', '.join(worst)}; loosen the correlations among these",
                            file=file, key="correlations" if pairs else "drivers")
    L = cholesky_psd(R)
    return Dependence(paths=paths, pearson=tuple(tuple(r) for r in R),
                      factor=tuple(tuple(r) for r in L), spearman=dict(pairs),
                      drivers=tuple(parsed))
