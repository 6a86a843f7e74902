"""PRIM scenario discovery as a scikit-learn-style estimator: which futures lead to an
outcome of interest ("deterrence fails"), described as a few readable box limits.

``Prim(...).fit(X, y)`` peels, pastes and chooses boxes; the fitted ``boxes_`` each carry
their limits, the peeling/pasting trajectory of coverage and density, the restricted
dimensions, quasi-p values and a sentence in English or Japanese.

The algorithm follows the EMA Workbench implementation (Kwakkel 2017), itself after
Friedman & Fisher (1999) and Bryant & Lempert (2010): the *lenient* objective (gain in mean
per case removed) for peeling and pasting, the sdtoolkit quantile rule for peel/paste
values, category-at-a-time peeling for categorical inputs, and one-sided binomial quasi-p
values per restricted limit. On numeric data it gives the same first box as EMA Workbench
2.5.2 (tested). Differences: pasting considers every restricted dimension (EMA 2.5.2 stops
looking after the float columns when none of them is restricted), and box choice can be
automatic: the covering-most box on the trajectory whose density meets ``threshold``.

References
----------
Friedman, J. H., & Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics
    and Computing 9(2), 123–143.
Bryant, B. P., & Lempert, R. J. (2010). Thinking inside the box: a participatory,
    computer-assisted approach to scenario discovery. Technol. Forecast. Soc. Change 77(1).
Kwakkel, J. H. (2017). The Exploratory Modeling Workbench. Environ. Model. Softw. 96, 239–250.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kaname.errors import InputError
from kaname.text import t


def get_quantile(data: np.ndarray, quantile: float) -> float:
    """sdtoolkit's quantile: the midpoint between the order statistic at the quantile and the
    next distinct value, so a peel never splits tied values."""
    data = np.sort(np.asarray(data, dtype=float))
    i = (len(data) - 1) * quantile
    lower, higher = int(math.floor(i)), int(math.ceil(i))
    if quantile > 0.5:
        while data[lower] == data[higher] and lower > 0:
            lower -= 1
    else:
        while data[lower] == data[higher] and higher < len(data) - 1:
            higher += 1
    return float((data[lower] + data[higher]) / 2)


def _lenient(y_old: np.ndarray, y_new: np.ndarray) -> float:
    """Gain in mean per case removed (peel) or added (paste); EMA's LENIENT1."""
    mean_old = float(np.mean(y_old))
    mean_new = float(np.mean(y_new)) if len(y_new) else 0.0
    if mean_new == mean_old or len(y_old) == len(y_new):
        return 0.0
    return (mean_new - mean_old) / abs(len(y_old) - len(y_new))


@dataclass
class _Limits:
    lo: np.ndarray                    # numeric columns (NaN for categorical)
    hi: np.ndarray
    cats: dict[int, frozenset]        # categorical column -> allowed values

    def copy(self) -> _Limits:
        return _Limits(self.lo.copy(), self.hi.copy(), dict(self.cats))


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


@dataclass
class PrimBox:
    """One box found by :class:`Prim`.

    ``limits`` maps each *restricted* input to ``(low, high)`` (numeric) or a set of
    categories; ``trajectory`` lists coverage, density, mass, mean, res_dim, n and k for every
    step of peeling and pasting; ``chosen`` is the trajectory row the limits come from;
    ``quasi_p`` gives a one-sided binomial p-value per restricted limit (is the limit needed?);
    ``pruned`` lists dimensions dropped for an insignificant quasi-p (see ``Prim.prune_p``).
    """

    limits: dict[str, Any]
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    chosen: int
    trajectory: pd.DataFrame
    trajectory_limits: list[dict[str, Any]]
    quasi_p: dict[str, dict[str, float]]
    pruned: list[str] = field(default_factory=list)
    integer_columns: frozenset = field(default_factory=frozenset)
    initial: dict[str, Any] = field(default_factory=dict)

    @property
    def restricted(self) -> list[str]:
        return list(self.limits)

    def describe(self, lang: str = "en",
                 labels: Mapping[str, str | Mapping[str, str]] | None = None) -> str:
        """The box in words, e.g. "conflict year at most 2028 and US commitment below 0.45:
        coverage 72 %, density 81 %"."""
        parts = []
        for name, lim in self.limits.items():
            label: Any = (labels or {}).get(name, name)
            if isinstance(label, Mapping):
                label = label.get(lang) or label.get("en") or name
            if isinstance(lim, (set, frozenset)):
                values = t("prim.or", lang).join(sorted(str(v) for v in lim))
                parts.append(t("prim.category", lang, label=label, values=values))
                continue
            lo, hi = lim
            init_lo, init_hi = self.initial.get(name, (-np.inf, np.inf))
            low_cut, high_cut = lo != init_lo, hi != init_hi
            if name in self.integer_columns:
                lo_i, hi_i = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
                if low_cut and high_cut:
                    key = "prim.int_equal" if lo_i == hi_i else "prim.int_between"
                else:
                    key = "prim.int_above" if low_cut else "prim.int_below"
                parts.append(t(key, lang, label=label, lo=lo_i, hi=hi_i))
            else:
                key = "prim.between" if low_cut and high_cut else \
                    ("prim.above" if low_cut else "prim.below")
                parts.append(t(key, lang, label=label, lo=_fmt(lo), hi=_fmt(hi)))
        where = t("prim.and", lang).join(parts) if parts else t("prim.everywhere", lang)
        sep = ": " if lang != "ja" else ": "
        return where + sep + t("prim.stats", lang, coverage=100 * self.coverage,
                               density=100 * self.density)

    def to_dict(self, lang: str = "en",
                labels: Mapping[str, str | Mapping[str, str]] | None = None) -> dict[str, Any]:
        limits = {k: (sorted(map(str, v)) if isinstance(v, (set, frozenset))
                      else [float(v[0]), float(v[1])]) for k, v in self.limits.items()}
        return {"description": self.describe(lang, labels), "coverage": self.coverage,
                "density": self.density, "mass": self.mass, "n": self.n, "k": self.k,
                "restricted": self.restricted, "limits": limits, "quasi_p": self.quasi_p,
                "chosen": self.chosen, "pruned": self.pruned,
                "trajectory": self.trajectory.to_dict(orient="records")}


class Prim:
    """Patient Rule Induction Method for binary outcomes (scenario discovery).

    Parameters
    ----------
    threshold
        Minimum density (share of cases of interest) a box must reach to be kept.
    peel_alpha, paste_alpha
        Share of the box's data removed per peel / added per paste.
    mass_min
        Smallest share of all data a box may hold.
    max_boxes
        Boxes to find one after another (each removes its data before the next).
    select
        ``"threshold"``: the box on the trajectory with the most coverage among those with
        density >= `threshold` (fewest restricted dimensions on ties); ``"last"``: the end of
        peeling and pasting, as EMA Workbench's ``find_box``.
    max_restricted
        At most this many restricted dimensions per box (None: no limit).
    paste
        Run the pasting phase after peeling.
    prune_p
        After choosing a box, drop restricted dimensions whose quasi-p value exceeds
        `prune_p` — limits the data do not support (Bryant & Lempert 2010) — one at a time,
        least supported first, skipping any whose removal would take the box below the
        density `threshold`. None keeps every limit (EMA Workbench's behaviour).
    """

    def __init__(self, threshold: float = 0.8, peel_alpha: float = 0.05,
                 paste_alpha: float = 0.05, mass_min: float = 0.05, max_boxes: int = 3,
                 select: str = "threshold", max_restricted: int | None = None,
                 paste: bool = True, prune_p: float | None = None):
        self.threshold = threshold
        self.peel_alpha = peel_alpha
        self.paste_alpha = paste_alpha
        self.mass_min = mass_min
        self.max_boxes = max_boxes
        self.select = select
        self.max_restricted = max_restricted
        self.paste = paste
        self.prune_p = prune_p

    # scikit-learn conventions -------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> Prim:
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for Prim")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"Prim({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # fitting --------------------------------------------------------------------------
    def _validate(self) -> None:
        for name in ("peel_alpha", "paste_alpha"):
            v = getattr(self, name)
            if not 0 < v < 0.5:
                raise InputError(f"{v!r} not allowed; must be in (0, 0.5)", key=name)
        if not 0 < self.mass_min < 1:
            raise InputError(f"{self.mass_min!r} not allowed; must be in (0, 1)",
                             key="mass_min")
        if not 0 <= self.threshold <= 1:
            raise InputError(f"{self.threshold!r} not allowed; must be in [0, 1]",
                             key="threshold")
        if self.select not in ("threshold", "last"):
            raise InputError(f"{self.select!r} not allowed; allowed: threshold, last",
                             key="select")
        if int(self.max_boxes) < 1:
            raise InputError("must be at least 1", key="max_boxes")

    def fit(self, X: pd.DataFrame | np.ndarray, y: Sequence[Any] | np.ndarray) -> Prim:
        """Find up to `max_boxes` boxes where ``y`` is true; returns self."""
        self._validate()
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(
            np.asarray(X), columns=[f"x{j}" for j in range(np.asarray(X).shape[1])])
        frame = frame.reset_index(drop=True)
        yv = np.asarray(y)
        if yv.ndim != 1 or len(yv) != len(frame):
            raise InputError(f"y must be 1-d with one value per row of X ({len(frame)}), "
                             f"got shape {yv.shape}", key="y")
        if yv.dtype != bool and not np.isin(np.unique(yv), (0, 1)).all():
            raise InputError("y must be true/false (or 0/1): the cases of interest",
                             key="y")
        yv = yv.astype(float)
        if yv.sum() == 0:
            raise InputError("no case of interest (y is never true); nothing to discover",
                             key="y")
        if len(frame.columns) == 0:
            raise InputError("X has no columns", key="X")

        names = [str(c) for c in frame.columns]
        categorical = [not (pd.api.types.is_numeric_dtype(frame[c])
                            and not pd.api.types.is_bool_dtype(frame[c])) for c in frame.columns]
        numeric = np.full((len(frame), len(names)), np.nan)
        codes: dict[int, np.ndarray] = {}
        for j, c in enumerate(frame.columns):
            if categorical[j]:
                codes[j] = frame[c].astype(str).to_numpy()
            else:
                numeric[:, j] = frame[c].to_numpy(dtype=float)
        if np.isnan(numeric[:, [j for j in range(len(names)) if not categorical[j]]]).any():
            raise InputError("X has missing or NaN values", key="X")
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self._x, self._codes, self._cat, self._y = numeric, codes, categorical, yv
        self._n = len(yv)
        self._t_coi = float(yv.sum())
        lo = np.where(categorical, np.nan, np.nanmin(numeric, axis=0, initial=np.inf,
                                                     where=~np.isnan(numeric)))
        hi = np.where(categorical, np.nan, np.nanmax(numeric, axis=0, initial=-np.inf,
                                                     where=~np.isnan(numeric)))
        self._init = _Limits(lo, hi, {j: frozenset(np.unique(v)) for j, v in codes.items()})
        integer = frozenset(n for j, n in enumerate(names) if not categorical[j]
                            and np.all(numeric[:, j] == np.round(numeric[:, j])))
        self._integer = integer

        self.boxes_: list[PrimBox] = []
        remaining = np.arange(self._n)
        for _ in range(int(self.max_boxes)):
            if self._y[remaining].sum() == 0:
                break
            box = self._find_box(remaining)
            if box is None:
                break
            self.boxes_.append(box)
            remaining = remaining[~self._inside(remaining, self._limits_of(box))]
            if len(remaining) == 0:
                break
        del self._x, self._codes, self._y
        return self

    # internals ------------------------------------------------------------------------
    def _restricted(self, lim: _Limits) -> list[int]:
        out = []
        for j in range(len(self._cat)):
            if self._cat[j]:
                if lim.cats[j] != self._init.cats[j]:
                    out.append(j)
            elif lim.lo[j] != self._init.lo[j] or lim.hi[j] != self._init.hi[j]:
                out.append(j)
        return out

    def _inside(self, idx: np.ndarray, lim: _Limits, dims: Sequence[int] | None = None
                ) -> np.ndarray:
        dims = range(len(self._cat)) if dims is None else dims
        ok = np.ones(len(idx), dtype=bool)
        for j in dims:
            if self._cat[j]:
                if lim.cats[j] != self._init.cats[j]:
                    ok &= np.isin(self._codes[j][idx], list(lim.cats[j]))
            else:
                x = self._x[idx, j]
                ok &= (lim.lo[j] <= x) & (x <= lim.hi[j])
        return ok

    def _allowed(self, lim: _Limits) -> bool:
        return self.max_restricted is None or len(self._restricted(lim)) <= self.max_restricted

    def _best(self, box_idx: np.ndarray, candidates: list[tuple[np.ndarray, _Limits]]
              ) -> tuple[float, np.ndarray, _Limits] | None:
        scored = []
        for order, (idx, lim) in enumerate(candidates):
            obj = _lenient(self._y[box_idx], self._y[idx])
            free = len(self._cat) - len(self._restricted(lim))
            scored.append((-obj, -free, order, idx, lim))
        if not scored:
            return None
        scored.sort(key=lambda s: (s[0], s[1], s[2]))
        best = scored[0]
        return -best[0], best[3], best[4]

    def _peels(self, idx: np.ndarray, lim: _Limits) -> list[tuple[np.ndarray, _Limits]]:
        out = []
        for j in range(len(self._cat)):
            if self._cat[j]:
                continue
            xj = self._x[idx, j]
            for upper in (True, False):
                alpha = 1 - self.peel_alpha if upper else self.peel_alpha
                value = get_quantile(xj, alpha)
                new = lim.copy()
                if upper:
                    new.hi[j] = value
                    keep = xj <= value
                else:
                    new.lo[j] = value
                    keep = xj >= value
                if self._allowed(new):
                    out.append((idx[keep], new))
        for j in range(len(self._cat)):
            if not self._cat[j] or len(lim.cats[j]) < 2:
                continue
            values = self._codes[j][idx]
            for entry in sorted(lim.cats[j]):
                new = lim.copy()
                new.cats[j] = lim.cats[j] - {entry}
                if self._allowed(new):
                    out.append((idx[values != entry], new))
        return out

    def _pastes(self, remaining: np.ndarray, lim: _Limits) -> list[tuple[np.ndarray, _Limits]]:
        out = []
        res = self._restricted(lim)
        for j in res:
            if self._cat[j]:
                for entry in sorted(self._init.cats[j] - lim.cats[j]):
                    new = lim.copy()
                    new.cats[j] = lim.cats[j] | {entry}
                    out.append((remaining[self._inside(remaining, new, res)], new))
                continue
            for lower in (True, False):
                probe = lim.copy()
                if lower:
                    probe.lo[j], probe.hi[j] = self._init.lo[j], lim.lo[j]
                else:
                    probe.lo[j], probe.hi[j] = lim.hi[j], self._init.hi[j]
                data = self._x[remaining[self._inside(remaining, probe, res)], j]
                new = lim.copy()
                if lower:
                    new.lo[j] = get_quantile(data, 1 - self.paste_alpha) if data.size \
                        else self._init.lo[j]
                else:
                    new.hi[j] = get_quantile(data, self.paste_alpha) if data.size \
                        else self._init.hi[j]
                out.append((remaining[self._inside(remaining, new, res)], new))
        return out

    def _find_box(self, remaining: np.ndarray) -> PrimBox | None:
        lim, idx = self._init.copy(), remaining.copy()
        steps: list[tuple[_Limits, np.ndarray]] = [(lim, idx)]
        while True:  # peeling
            best = self._best(idx, self._peels(idx, lim))
            if best is None:
                break
            obj, new_idx, new_lim = best
            if not (len(new_idx) / self._n >= self.mass_min and len(new_idx) < len(idx)
                    and obj > 0):
                break
            lim, idx = new_lim, new_idx
            steps.append((lim, idx))
        while self.paste:  # pasting
            best = self._best(idx, self._pastes(remaining, lim))
            if best is None:
                break
            obj, new_idx, new_lim = best
            if not (len(new_idx) / self._n >= self.mass_min and len(new_idx) > len(idx)
                    and obj > 0 and self._y[new_idx].mean() > self._y[idx].mean()):
                break
            lim, idx = new_lim, new_idx
            steps.append((lim, idx))

        rows = []
        for step_lim, step_idx in steps:
            k = int(self._y[step_idx].sum())
            n = len(step_idx)
            rows.append({"coverage": k / self._t_coi, "density": k / n if n else 0.0,
                         "mean": k / n if n else 0.0, "mass": n / self._n,
                         "res_dim": len(self._restricted(step_lim)), "n": n, "k": k})
        trajectory = pd.DataFrame(rows)
        if self.select == "last":
            chosen = len(steps) - 1
            if trajectory["density"].iloc[chosen] < self.threshold:
                return None
        else:
            ok = trajectory[trajectory["density"] >= self.threshold]
            if ok.empty:
                return None
            chosen = int(ok.sort_values(["coverage", "res_dim"], ascending=[False, True],
                                        kind="stable").index[0])
        box_lim = steps[chosen][0]
        row = rows[chosen]
        qp = self._quasi_p(remaining, box_lim, int(row["k"]), int(row["n"]))
        pruned: list[str] = []
        while self.prune_p is not None and qp:
            # the least supported limit first; skip any whose removal breaks the threshold
            weak = sorted((u for u in qp if max(qp[u].values(), default=0.0) > self.prune_p),
                          key=lambda u: -max(qp[u].values()))
            for worst in weak:
                j = [str(c) for c in self.feature_names_in_].index(worst)
                relaxed = box_lim.copy()
                if self._cat[j]:
                    relaxed.cats[j] = self._init.cats[j]
                else:
                    relaxed.lo[j], relaxed.hi[j] = self._init.lo[j], self._init.hi[j]
                idx = remaining[self._inside(remaining, relaxed)]
                k, n = int(self._y[idx].sum()), len(idx)
                if k / n >= self.threshold:
                    break
            else:
                break
            box_lim, pruned = relaxed, [*pruned, worst]
            row = {"coverage": k / self._t_coi, "density": k / n, "mass": n / self._n,
                   "n": n, "k": k}
            qp = self._quasi_p(remaining, box_lim, k, n)
        return PrimBox(
            limits=self._public(box_lim), coverage=row["coverage"], density=row["density"],
            mass=row["mass"], n=int(row["n"]), k=int(row["k"]), chosen=chosen,
            trajectory=trajectory,
            trajectory_limits=[self._public(s[0]) for s in steps], pruned=pruned,
            quasi_p=qp,
            integer_columns=self._integer,
            initial={str(self.feature_names_in_[j]): (self._init.lo[j], self._init.hi[j])
                     for j in range(len(self._cat)) if not self._cat[j]})

    def _public(self, lim: _Limits) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for j in self._restricted(lim):
            name = str(self.feature_names_in_[j])
            out[name] = lim.cats[j] if self._cat[j] else (float(lim.lo[j]), float(lim.hi[j]))
        return out

    def _quasi_p(self, remaining: np.ndarray, lim: _Limits, k: int, n: int
                 ) -> dict[str, dict[str, float]]:
        """One-sided binomial test per restricted limit: could the box's density have come
        from the box with that limit removed? (Bryant & Lempert 2010)."""
        from scipy import stats  # here, not at the top: importing kaname stays quick

        res = self._restricted(lim)
        out: dict[str, dict[str, float]] = {}
        for j in res:
            name = str(self.feature_names_in_[j])
            sides: list[tuple[str, _Limits]] = []
            if self._cat[j]:
                relaxed = lim.copy()
                relaxed.cats[j] = self._init.cats[j]
                sides.append(("categories", relaxed))
            else:
                if lim.lo[j] != self._init.lo[j]:
                    relaxed = lim.copy()
                    relaxed.lo[j] = self._init.lo[j]
                    sides.append(("lower", relaxed))
                if lim.hi[j] != self._init.hi[j]:
                    relaxed = lim.copy()
                    relaxed.hi[j] = self._init.hi[j]
                    sides.append(("upper", relaxed))
            out[name] = {}
            for side, relaxed in sides:
                yi = self._y[remaining[self._inside(remaining, relaxed, res)]]
                p = float(yi.sum() / len(yi))
                out[name][side] = float(stats.binomtest(int(k), int(n), p,
                                                        alternative="greater").pvalue)
        return out

    def _limits_of(self, box: PrimBox) -> _Limits:
        lim = self._init.copy()
        names = list(map(str, self.feature_names_in_))
        for name, value in box.limits.items():
            j = names.index(name)
            if self._cat[j]:
                lim.cats[j] = frozenset(value)
            else:
                lim.lo[j], lim.hi[j] = value
        return lim
