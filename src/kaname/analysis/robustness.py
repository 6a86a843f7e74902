"""Robustness of each policy across futures: statistics, regret and satisficing.

Every policy was run on the same futures (common random numbers), so for each future we can
ask which policy did best and how far each other policy fell short of it — its *regret*
(Savage 1951). A policy with small regret in every future is robust even if it is never the
best. *Satisficing* asks a different question: in what share of futures does a policy meet
every threshold the analyst sets ("sustainment days >= 30 and deterrence holds")?

References
----------
Savage, L. J. (1951). The theory of statistical decision. JASA 46(253), 55–67.
Lempert, R. J., & Collins, M. T. (2007). Managing the risk of uncertain threshold responses:
    comparison of robust, optimum, and precautionary approaches. Risk Analysis 27(4), 1009–1026.
Herman, J. D., Reed, P. M., Zeff, H. B., & Characklis, G. W. (2015). How should robustness be
    defined for water systems planning under change? J. Water Resour. Plann. Manage. 141(10).
McPhail, C. et al. (2018). Robustness metrics: how are they calculated, when should they be
    used and why do they give different results? Earth's Future 6, 169–191.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from kaname.errors import InputError
from kaname.results import Results, flat_columns

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
    ">": operator.gt, "<": operator.lt,
}
_CONDITION = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.\-]*(?:\[[\w.,\-]+\])?)\s*(?P<op>>=|<=|==|!=|>|<)\s*"
    r"(?P<value>\S(?:.*\S)?)\s*$")
_AND = re.compile(r"\s+and\s+|\s*&&?\s*", re.IGNORECASE)
DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Condition:
    """``NAME OP VALUE`` over one column, e.g. ``deterrence.holds == False``.

    Parsed with a regular expression, never evaluated as code. VALUE is a number,
    ``true``/``false`` (1/0) or, with ``==``/``!=`` only, a category label.
    """

    name: str
    op: str
    value: float | str
    text: str = ""

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask of the entries of `values` that satisfy the condition."""
        if isinstance(self.value, str):
            return np.asarray(OPERATORS[self.op](np.asarray(values).astype(str), self.value))
        return np.asarray(OPERATORS[self.op](np.asarray(values, dtype=float), self.value))

    def __str__(self) -> str:
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{self.name} {self.op} {value}"


def parse_condition(text: str, key: str = "thresholds") -> Condition:
    """One condition ``NAME OP VALUE``; a clear one-line error otherwise."""
    match = _CONDITION.match(text or "")
    if not match:
        raise InputError(f"cannot read condition {text!r}; write NAME OP VALUE with OP one of "
                         f"{', '.join(OPERATORS)}, e.g. \"sustainment.sustainment_days >= 30\"",
                         key=key)
    name, op, raw = match["name"], match["op"], match["value"]
    lowered = raw.lower()
    value: float | str
    if lowered in ("true", "false"):
        value = 1.0 if lowered == "true" else 0.0
    else:
        try:
            value = float(raw)
        except ValueError:
            if op not in ("==", "!="):
                raise InputError(f"{raw!r} is not a number; {op} needs a number", key=key) \
                    from None
            value = raw.strip("'\"")
        else:
            if not np.isfinite(value):
                raise InputError(f"{raw!r} is not a finite number", key=key)
    return Condition(name, op, value, text.strip())


def parse_conditions(texts: str | Sequence[str], key: str = "where") -> list[Condition]:
    """Conditions joined with ``and`` (or ``&``), from one string or several."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    out = []
    for text in texts:
        for part in _AND.split(text.strip()):
            if part.strip():
                out.append(parse_condition(part, key))
    if not out:
        raise InputError("no condition given", key=key)
    return out


def resolve_name(name: str, available: Sequence[str], what: str = "outcome",
                 key: str = "outcomes") -> str:
    """The column `name` refers to: an exact match, or the one column ending in ``.name``."""
    if name in available:
        return name
    suffix = [a for a in available if a.endswith("." + name)]
    if len(suffix) == 1:
        return suffix[0]
    near = suffix or difflib.get_close_matches(name, available, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(near)}?" if near else \
        f"; available: {', '.join(list(available)[:12])}" + (" …" if len(available) > 12 else "")
    raise InputError(f"unknown {what} {name!r}{hint}", key=key)


def outcome_columns(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Every scalar outcome column as a (policy, future) array."""
    return {name: var.transpose("policy", "future").values
            for name, _, var in flat_columns(ds)}


def outcome_attrs(ds: xr.Dataset, column: str) -> dict[str, Any]:
    return dict(ds[column.split("[")[0]].attrs)


def directed_outcome(ds: xr.Dataset, columns: Sequence[str], text: str,
                     key: str = "outcomes") -> tuple[str, str]:
    """(column name, "higher" or "lower") of ``NAME``, ``max:NAME`` or ``min:NAME``: the
    prefix overrides (or supplies) the outcome's declared ``better`` direction."""
    direction, raw = split_direction(text)
    name = resolve_name(raw, list(columns))
    better = direction or outcome_attrs(ds, name).get("better")
    if better not in ("higher", "lower"):
        raise InputError(f"outcome {name!r} declares no better direction; write "
                         f"max:{name} or min:{name}", key=key)
    return name, str(better)


def chosen_policies(ds: xr.Dataset, requested: Sequence[str] | None) -> list[str]:
    """The requested policies (all of the run's when none), each checked to be in it."""
    names = [str(p) for p in ds["policy"].values]
    chosen = list(requested) if requested else names
    for p in chosen:
        if p not in names:
            raise InputError(f"unknown policy {p!r}; allowed: {', '.join(names)}",
                             key="--policy")
    return chosen


def split_direction(text: str) -> tuple[str | None, str]:
    """``max:NAME`` / ``min:NAME`` / ``NAME`` -> (direction or None, NAME)."""
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() in ("max", "min"):
        return ("higher" if head.strip().lower() == "max" else "lower"), rest.strip()
    return None, text.strip()


@dataclass
class Robustness:
    """What :func:`robustness` found; ``to_dict()`` for JSON, ``frame()`` for pandas."""

    policies: list[str]
    outcomes: list[dict[str, Any]]              # name, label_en, label_ja, unit, better
    stats: list[dict[str, Any]]                 # one row per (policy, outcome)
    thresholds: list[str]
    satisficing: dict[str, dict[str, float]]    # policy -> {"all": share, threshold: share}
    ranking: list[str]
    futures: int
    quantiles: tuple[float, ...] = field(default=DEFAULT_QUANTILES)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.stats)

    def to_dict(self) -> dict[str, Any]:
        return {"futures": self.futures, "policies": self.policies, "ranking": self.ranking,
                "outcomes": self.outcomes, "thresholds": self.thresholds,
                "stats": self.stats, "satisficing": self.satisficing}


def regret(values: np.ndarray, better: str) -> np.ndarray:
    """Savage regret per (policy, future): shortfall from the best policy in that future."""
    values = np.asarray(values, dtype=float)
    if better == "higher":
        return values.max(axis=0, keepdims=True) - values
    return values - values.min(axis=0, keepdims=True)


def robustness(results: Results | xr.Dataset, outcomes: Sequence[str],
               thresholds: Sequence[str] = (), *,
               quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Robustness:
    """Per policy: mean and percentiles of each outcome, regret against the best policy in
    each future, and the share of futures that meet every threshold.

    Parameters
    ----------
    results
        Results of a run (every policy on the same futures).
    outcomes
        Outcome columns, e.g. ``sustainment.days_to_depletion[pac3_mse]``; ``max:NAME`` or
        ``min:NAME`` overrides (or supplies) the outcome's declared ``better`` direction.
    thresholds
        Conditions like ``"sustainment.sustainment_days>=30"`` or ``"deterrence.holds==true"``;
        a future satisfices when it meets all of them.
    quantiles
        Percentiles to report, as fractions.

    Ranking: most satisficing first (when thresholds are given), then the smallest maximum
    regret and mean regret on the first outcome (minimax regret, Savage 1951).
    """
    ds = results.dataset if isinstance(results, Results) else results
    if not outcomes:
        raise InputError("give at least one outcome", key="outcomes")
    columns = outcome_columns(ds)
    policies = [str(p) for p in ds["policy"].values]
    qs = tuple(float(q) for q in quantiles)
    if any(not 0 <= q <= 1 for q in qs):
        raise InputError("quantiles must be in [0, 1]", key="quantiles")

    described, stats = [], []
    primary_regret: np.ndarray | None = None
    for text in outcomes:
        name, better = directed_outcome(ds, list(columns), text)
        attrs = outcome_attrs(ds, name)
        values = np.asarray(columns[name], dtype=float)
        r = regret(values, better)
        if primary_regret is None:
            primary_regret = r
        described.append({"name": name, "label_en": attrs.get("label_en", name),
                          "label_ja": attrs.get("label_ja", name),
                          "unit": attrs.get("unit", ""), "better": better})
        for i, policy in enumerate(policies):
            row: dict[str, Any] = {"policy": policy, "outcome": name,
                                   "mean": float(values[i].mean())}
            for q in qs:
                row[f"p{round(q * 100):d}"] = float(np.quantile(values[i], q))
            row.update({"regret_mean": float(r[i].mean()),
                        "regret_p90": float(np.quantile(r[i], 0.9)),
                        "regret_max": float(r[i].max())})
            stats.append(row)

    conditions = [parse_condition(t) for t in thresholds]
    satisficing: dict[str, dict[str, float]] = {p: {} for p in policies}
    labels: list[str] = []
    all_ok = np.ones((len(policies), ds.sizes["future"]), dtype=bool)
    for cond in conditions:
        name = resolve_name(cond.name, list(columns), key="thresholds")
        ok = cond.apply(columns[name])
        all_ok &= ok
        label = str(Condition(name, cond.op, cond.value))
        labels.append(label)
        for i, policy in enumerate(policies):
            satisficing[policy][label] = float(ok[i].mean())
    if conditions:
        for i, policy in enumerate(policies):
            satisficing[policy] = {"all": float(all_ok[i].mean()), **satisficing[policy]}

    assert primary_regret is not None
    share = all_ok.mean(axis=1) if conditions else np.zeros(len(policies))
    keys = [(-share[i], primary_regret[i].max(), primary_regret[i].mean(), i)
            for i in range(len(policies))]
    ranking = [policies[k[-1]] for k in sorted(keys)]
    return Robustness(policies=policies, outcomes=described, stats=stats,
                      thresholds=labels,
                      satisficing=satisficing if conditions else {}, ranking=ranking,
                      futures=int(ds.sizes["future"]), quantiles=qs)


def condition_mask(frame: Mapping[str, np.ndarray], conditions: Sequence[Condition],
                   key: str = "where") -> np.ndarray:
    """Rows of `frame` (column -> 1-d array) meeting every condition."""
    names = list(frame)
    mask: np.ndarray | None = None
    for cond in conditions:
        name = resolve_name(cond.name, names, what="column", key=key)
        ok = cond.apply(frame[name])
        mask = ok if mask is None else mask & ok
    assert mask is not None
    return mask
