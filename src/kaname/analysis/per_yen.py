"""Which economic-security investment buys the most risk reduction per yen (issue #16, item 5).

For each technology domain, the autonomy model is evaluated (through the engine, at the data
library's base values) with nothing invested anywhere, with the domain's amount invested in
it alone, and with 1 % more. The risk is each origin's expected coercion harm over the risk
horizon, in yen (``harm(A)``), so per coercing origin this gives

* the **average** return: ``(harm(0) − harm(A)) / (A·T)``, yen of harm avoided per yen
  spent before the conflict (``A·T``, ``T`` build-up years on the one clock); above 1 the
  investment pays for itself in avoided harm;
* the **marginal** return at ``A``: ``(harm(A) − harm(1.01·A)) / (0.01·A·T)``. Japan's
  share responds with diminishing returns, so the marginal is below the average, and their
  ratio says how far along the curve the amount already is;
* the same average for the secondary risk index (index points per yen);
* the **gap closed**: the share of the room between Japan's share today and its ceiling
  that the amount closes by the conflict year.

Domains are ranked per origin by the average return, ties by domain name, so the ranking
does not depend on the order of the domains in the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaname.errors import InputError

STEP = 0.01          # the marginal's relative step in the amount
REFERENCE_JPY_PER_YEAR = 50e9   # amount for a domain that no policy funds (and no --amount)


@dataclass(frozen=True)
class DomainReturn:
    """What one domain's amount buys, per coercing origin (yen of harm avoided per yen)."""

    domain: str
    amount_jpy_per_year: float
    source: str                       # the policy whose amount this is, or "reference"
    spent_jpy: float                  # amount × build-up years
    average_per_jpy: Mapping[str, float]
    marginal_per_jpy: Mapping[str, float]
    index_per_jpy: Mapping[str, float]  # the secondary risk index, points per yen (average)
    gap_closed: float


def scenario_amounts(policies: Mapping[str, Mapping[str, Any]], domains: Sequence[str],
                     amount: float | None = None) -> dict[str, tuple[float, str]]:
    """Each domain's amount (yen a year) and where it comes from: `amount` for all if given;
    else the largest amount any policy invests in the domain (naming that policy), and
    :data:`REFERENCE_JPY_PER_YEAR` for a domain no policy funds."""
    if amount is not None:
        if not np.isfinite(amount) or amount <= 0:
            raise InputError(f"must be a positive amount of yen a year (got {amount:g})",
                             key="--amount")
        return {d: (float(amount), "--amount") for d in domains}
    out = {}
    for d in domains:
        path = f"autonomy.{d}.investment_jpy_per_year"
        funded = [(float(levers[path]), name) for name, levers in policies.items()
                  if path in levers and float(levers[path]) > 0]
        out[d] = max(funded) if funded else (REFERENCE_JPY_PER_YEAR, "reference")
    return out


def rank_investments(model: Any, library: Any, amounts: Mapping[str, tuple[float, str]]
                     ) -> list[DomainReturn]:
    """What each domain's amount buys (see the module docstring), in the model's domain
    order; :func:`ranking` orders them."""
    from kaname.engine import Engine
    from kaname.models.autonomy import COERCING, ORIGINS

    engine = Engine([model], library)
    base = {p: float(engine.default(p)) for p in model.inputs}
    levers = [f"autonomy.{d}.investment_jpy_per_year" for d in model.domains]
    rows: list[dict[str, float]] = [{**base, **{p: 0.0 for p in levers}}]
    for d, path in zip(model.domains, levers, strict=True):
        for factor in (1.0, 1.0 + STEP):
            rows.append({**rows[0], path: amounts[d][0] * factor})
    n = len(rows)
    columns = engine.columns_from({p: np.array([r[p] for r in rows]) for p in base}, n)
    out = engine.evaluate(columns, n)
    horizon = np.asarray(columns["autonomy.horizon_years"], dtype=float)[:, None]
    harm = np.asarray(out["autonomy.harm_by_mode_jpy_per_year"]).sum(axis=2) * horizon
    index = np.asarray(out["autonomy.risk_by_origin"])           # rows × origins
    share = np.asarray(out["autonomy.share_after"])               # rows × domains × origins
    years = max(base["sustainment.conflict_year"] - model.settings.base_year, 0.0)
    japan = ORIGINS.index("japan")
    results = []
    for k, d in enumerate(model.domains):
        at, above = 1 + 2 * k, 2 + 2 * k
        amount, source = amounts[d]
        spent = amount * years
        s0 = share[0, k, japan]
        top = max(float(base[f"autonomy.{d}.max_domestic_share"]), s0)
        room = top - s0
        average, marginal, by_index = {}, {}, {}
        for origin in COERCING:
            j = ORIGINS.index(origin)
            average[origin] = (harm[0, j] - harm[at, j]) / spent if spent > 0 else 0.0
            marginal[origin] = ((harm[at, j] - harm[above, j]) / (STEP * spent)
                                if spent > 0 else 0.0)
            by_index[origin] = (index[0, j] - index[at, j]) / spent if spent > 0 else 0.0
        results.append(DomainReturn(
            domain=d, amount_jpy_per_year=amount, source=source, spent_jpy=spent,
            average_per_jpy={o: float(v) for o, v in average.items()},
            marginal_per_jpy={o: float(v) for o, v in marginal.items()},
            index_per_jpy={o: float(v) for o, v in by_index.items()},
            gap_closed=float((share[at, k, japan] - s0) / room) if room > 0 else 0.0))
    return results


def ranking(results: Sequence[DomainReturn], origin: str) -> list[DomainReturn]:
    """`results` ordered by the average harm from `origin` avoided per yen, largest first;
    ties by domain name (so the order of the domains in the data does not matter)."""
    return sorted(results, key=lambda r: (-r.average_per_jpy[origin], r.domain))
