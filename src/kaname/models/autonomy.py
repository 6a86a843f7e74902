"""autonomy — China risk, US risk and strategic autonomy (経済安全保障).

Per technology domain *T* (the list comes from the data library) Japan's supply comes from
five origins *o* ∈ {Japan, US, China, other allies, rest}, with shares ``s[T, o]`` summing
to 1. Yen invested a year in a domain raises Japan's share with diminishing returns and
takes the gain from the foreign origins pro rata::

    s_J(y)  = s_J0 + (s_max - s_J0) * (1 - exp(-I * y / k))      y = T = Y - base_year
    s_o(y)  = s_o0 * (1 - s_J(y)) / (1 - s_J0)            for o != Japan

Time follows the one clock of every model (issue #13): the shares are read in the conflict
year *Y*, after the build-up years ``base_year .. Y - 1``, so ``y = T = Y - base_year`` years
of investment (0 when the conflict is in the base year), exactly as sustainment's build-up
counts them; the investment cost is the yen spent before the conflict, ``I * T``.

Risks weigh each domain's non-substitutable dependence (in the conflict year) by its
criticality and the chance that the origin coerces Japan within the risk horizon *H*
(``autonomy.horizon_years``, the years after the conflict starts — its own horizon, not the
clock), ``pi_o = 1 - (1 - p_o)^H``::

    risk_o         = sum_T w_T * (1 - sub_T) * s[T, o] * pi_o     (china_risk, us_risk)
    autonomy_index = 1 - sum_T w_T * (1 - sub_T) * max_{o != Japan} s[T, o]
    complementarity = sum_T g_T * s_J[T] / sum_T g_T
    us_supply_displaced = sum_T w_T * v_T * (s[T, US] - s_after[T, US])

with criticality weights ``w`` normalised to sum to 1, ``g_T`` the US capability gap
(non-zero for quantum, optical links, undersea cables and shipbuilding) and ``v_T`` how
visible replacing US supply is (``us_visibility``; posture reads the displaced supply, since
visible de-Americanisation may cost US commitment). All outputs are
bounded in [0, 1] except the cost, ``investment_cost_jpy = (sum over domains of I) * y``. See
``docs/models/autonomy.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import InputError
from kaname.models.base import Settings
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.models.sustainment import SustainmentModel
from kaname.spec import Spec

NAME = "autonomy"
P = f"{NAME}."
ORIGINS: tuple[str, ...] = ("japan", "us", "china", "allies", "rest")
JAPAN = ORIGINS.index("japan")
FOREIGN = tuple(i for i, o in enumerate(ORIGINS) if o != "japan")
COERCING = ORIGINS[1:]  # every origin but Japan has a coercion probability
ORIGIN_LABELS: dict[str, dict[str, str]] = {
    "japan": {"en": "Japan", "ja": "日本"},
    "us": {"en": "United States", "ja": "米国"},
    "china": {"en": "China", "ja": "中国"},
    "allies": {"en": "Other allies and partners", "ja": "その他の同盟国・パートナー"},
    "rest": {"en": "Rest of the world", "ja": "その他の地域"},
}
SHARE_TOLERANCE = 0.005  # data-library shares must sum to 1 within this
MAX_INVESTMENT_JPY_PER_YEAR = 5.0e12  # ¥5T a year per domain: above any programme in view


@dataclass(frozen=True)
class DomainPaths:
    """Input paths of one technology domain."""

    domain: str

    def share(self, origin: str) -> str:
        return f"{P}{self.domain}.share.{origin}"

    def __getattr__(self, field: str) -> str:  # weight -> autonomy.<domain>.<field>
        if field.startswith("_"):
            raise AttributeError(field)
        return f"{P}{self.domain}.{field}"


def _per_domain(en: str, ja: str, **kw: Any) -> Any:
    """A per-domain input whose labels start with the domain's own (from the data library)."""
    def spec(model: AutonomyModel, domain: str) -> Spec:
        label = model.domain_labels[domain]
        return Spec(en.format(d=label["en"]), ja.format(d=label["ja"]), **kw)
    return spec


def _share_member(origin: str) -> Input:
    return Input(_per_domain(f"{{d}}: share from {ORIGIN_LABELS[origin]['en']}",
                             f"{{d}}: {ORIGIN_LABELS[origin]['ja']}からの供給シェア",
                             low=0.0, high=1.0))


def domains_in(library: Library) -> list[str]:
    """Technology domains: groups under ``autonomy.`` with a ``share`` table, in file order."""
    found: dict[str, None] = {}
    for entry in library:
        parts = entry.path.split(".")
        if len(parts) == 4 and parts[0] == NAME and parts[2] == "share":
            found.setdefault(parts[1])
    return list(found)


def validate_tables(library: Library, domains: list[str]) -> None:
    """Cross-entry checks of the data library: complete share rows summing to 1, positive
    total weight, and ceilings not below today's Japanese share."""
    if not domains:
        raise InputError("no technology domains (autonomy.<domain>.share.<origin>) found",
                         key=NAME)
    for domain in domains:
        d = DomainPaths(domain)
        prefix = f"{P}{domain}.share."
        extra = [e.path for e in library if e.path.startswith(prefix)
                 and e.path[len(prefix):] not in ORIGINS]
        if extra:
            entry = library.get(extra[0])
            raise InputError(f"unknown origin; allowed: {', '.join(ORIGINS)}", file=entry.file,
                             key=extra[0])
        total = sum(float(library.get(d.share(o)).value()) for o in ORIGINS)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            entry = library.get(d.share(ORIGINS[0]))
            raise InputError(f"shares sum to {total:.4g}, not 1 (allowed: within "
                             f"{SHARE_TOLERANCE:g})", file=entry.file, key=f"{P}{domain}.share")
        japan = float(library.get(d.share("japan")).value())
        ceiling_entry = library.get(d.max_domestic_share)
        if float(ceiling_entry.value()) < japan:
            raise InputError(f"ceiling {ceiling_entry.value():g} is below Japan's share "
                             f"{japan:g}; allowed: a number in [{japan:g}, 1]",
                             file=ceiling_entry.file, key=d.max_domestic_share)
    total_weight = sum(float(library.get(DomainPaths(t).criticality_weight).value())
                       for t in domains)
    if total_weight <= 0:
        entry = library.get(DomainPaths(domains[0]).criticality_weight)
        raise InputError("criticality weights are all zero; at least one must be > 0",
                         file=entry.file, key=f"{P}<domain>.criticality_weight")


def _normalise(raw: np.ndarray, axis: int) -> np.ndarray:
    """Rows scaled to sum to 1; an all-zero row becomes uniform (no information)."""
    total = raw.sum(axis=axis, keepdims=True)
    uniform = np.full_like(raw, 1.0 / raw.shape[axis])
    return np.where(total > 0, raw / np.where(total > 0, total, 1.0), uniform)


def shares_after_investment(shares: np.ndarray, ceiling: np.ndarray, investment: np.ndarray,
                            scale: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Shares (n, D, O) after ``years`` of ``investment`` (n, D) yen a year.

    Japan's share follows the saturating response toward ``max(ceiling, s_J0)``; the foreign
    origins shrink pro rata, so every row stays a distribution and zero investment changes
    nothing (exactly).
    """
    s0 = shares[:, :, JAPAN]
    top = np.maximum(ceiling, s0)
    effort = investment * years[:, None] / scale
    s1 = s0 + (top - s0) * -np.expm1(-effort)
    foreign0 = 1.0 - s0
    ratio = np.where(foreign0 > 0, (1.0 - s1) / np.where(foreign0 > 0, foreign0, 1.0), 0.0)
    after = shares * ratio[:, :, None]
    after[:, :, JAPAN] = s1
    return after


class AutonomyModel(DeclaredModel):
    """Dependence by technology domain and origin, the risks it carries, and what yen buys.

    References
    ----------
    Belfer Center (2025). *Critical and Emerging Technologies Index* (sector weights).
    """

    name = NAME
    lever_group = {"en": "Economic-security investment", "ja": "経済安全保障への投資"}
    report_section = "kaname.report.sections:autonomy_section"

    per_domain = Family("domain", {
        **{f"share.{o}": _share_member(o) for o in ORIGINS},
        "criticality_weight": Input(_per_domain("{d}: criticality weight", "{d}: 重要度の重み",
                                                low=0.0, high=1000.0)),
        "substitutability": Input(_per_domain("{d}: substitutability", "{d}: 代替可能性",
                                              low=0.0, high=1.0)),
        "max_domestic_share": Input(_per_domain("{d}: ceiling on Japan's share",
                                                "{d}: 国内シェアの上限", low=0.0, high=1.0)),
        "investment_scale_jpy": Input(_per_domain(
            "{d}: yen scale of the investment response", "{d}: 投資効果の規模(円)",
            unit="JPY", low=1.0e8, high=1.0e14)),
        "investment_jpy_per_year": Input(_per_domain(
            "{d}: investment", "{d}: 投資額", unit="JPY/year", low=0.0,
            high=MAX_INVESTMENT_JPY_PER_YEAR, lever=True)),
        "us_gap": Input(_per_domain("{d}: US capability gap", "{d}: 米国の能力ギャップ", low=0.0,
                                    high=1.0)),
        "us_visibility": Input(_per_domain(
            "{d}: visibility to the US of replacing US supply", "{d}: 米国製の代替が米国から見える度合い",
            low=0.0, high=1.0)),
    })
    per_coercing_origin = Family("coercing_origin", {
        "coercion": Input(lambda model, o: Spec(
            f"Annual probability of coercion by {ORIGIN_LABELS[o]['en']}",
            f"{ORIGIN_LABELS[o]['ja']}による年間の威圧確率", low=0.0, high=1.0)),
    }, path="{model}.{key}.{item}")
    horizon_years = Input(Spec(
        "Horizon for coercion risk", "威圧リスクの評価期間", unit="year", low=1.0, high=30.0,
        description="Years after the conflict starts over which coercion probabilities "
                    "compound; the investment runs on the clock (base year to conflict year)."))
    # the one clock (issue #13): sustainment's conflict year, the same declaration
    conflict_year = Input(SustainmentModel.conflict_year.spec, path="sustainment.conflict_year")

    china_risk = Output(Spec(
        "China risk", "中国リスク", low=0.0, high=1.0, better="lower", headline=True))
    us_risk = Output(Spec("US risk", "米国リスク", low=0.0, high=1.0, better="lower", headline=True))
    autonomy_index = Output(Spec(
        "Strategic autonomy index", "戦略的自律性指数", low=0.0, high=1.0, better="higher", headline=True))
    complementarity = Output(Spec(
        "Complementarity with US gaps", "米国の弱点を補う補完性", low=0.0, high=1.0, better="higher",
        headline=True))
    investment_cost_jpy = Output(Spec(
        "Investment before the conflict", "有事までの投資総額", unit="JPY", low=0.0,
        better="lower", headline=True,
        description="Yen a year × the build-up years, base year to the year before the "
                    "conflict."))
    us_supply_displaced = Output(Spec(
        "US supply displaced where it is visible", "米国から見える形で代替された米国製の供給",
        low=0.0, high=1.0,
        description="Criticality-weighted fall of the US share of supply by the conflict year, "
                    "weighted by how visible replacing US supply is in each domain; read by "
                    "posture (visible de-Americanisation may cost commitment)."))
    risk_by_origin = Output(Spec(
        "Coercion risk by origin", "供給元別の威圧リスク", low=0.0, high=1.0, dims=("origin",),
        better="lower"))
    share_after = Output(Spec(
        "Supply share in the conflict year", "有事発生年の供給シェア", low=0.0, high=1.0,
        dims=("domain", "origin")))

    def __init__(self, domains: list[str], labels: Mapping[str, dict[str, str]],
                 settings: Settings | None = None):
        self.settings = settings or Settings()
        self.domains = list(domains)
        self.domain_labels = {}
        for d in self.domains:
            label = dict(labels.get(d, {}))
            en = label.get("en", d)
            self.domain_labels[d] = {"en": en, "ja": label.get("ja", en)}
        self.coords: dict[str, list[str]] = {"domain": list(domains), "origin": list(ORIGINS)}

    def items(self, dim: str) -> Sequence[str]:
        return COERCING if dim == "coercing_origin" else super().items(dim)

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> AutonomyModel:
        """Build from the data library, refusing tables that break the model's assumptions."""
        domains = domains_in(library)
        validate_tables(library, domains)
        labels = {d: library.labels.get(f"{P}{d}", {}) for d in domains}
        return cls(domains, labels, settings)

    def _stack(self, x: Mapping[str, np.ndarray], field: str) -> np.ndarray:
        return np.stack([np.asarray(x[f"{P}{d}.{field}"], dtype=float) for d in self.domains],
                        axis=1)

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Vectorised over samples and domains; deterministic (``rng`` is unused).

        The shares are those of the conflict year, after ``T = conflict_year - base_year``
        years of investment (the clock); the coercion probabilities compound over
        ``autonomy.horizon_years``, the years after the conflict starts.

        Sampled shares are read as relative weights and renormalised per domain, so an
        uncertainty on one share keeps every row a distribution.
        """
        raw = np.stack([self._stack(x, f"share.{o}") for o in ORIGINS], axis=2)
        shares = _normalise(np.clip(raw, 0.0, None), axis=2)
        weights = _normalise(np.clip(self._stack(x, "criticality_weight"), 0.0, None), axis=1)
        exposed = weights * (1.0 - np.clip(self._stack(x, "substitutability"), 0.0, 1.0))
        horizon = np.asarray(x[P + "horizon_years"], dtype=float)
        conflict = np.asarray(x["sustainment.conflict_year"], dtype=float)
        years = np.maximum(conflict - self.settings.base_year, 0.0)  # build-up years T
        investment = np.clip(self._stack(x, "investment_jpy_per_year"), 0.0, None)
        after = shares_after_investment(
            shares, np.clip(self._stack(x, "max_domestic_share"), 0.0, 1.0), investment,
            self._stack(x, "investment_scale_jpy"), years)

        annual = np.stack([np.clip(np.asarray(x[f"{P}coercion.{o}"], dtype=float), 0.0, 1.0)
                           for o in COERCING], axis=1)
        over_horizon = -np.expm1(horizon[:, None] * np.log1p(-np.minimum(annual, 1.0 - 1e-15)))
        coercion = np.zeros((len(horizon), len(ORIGINS)))
        coercion[:, 1:] = np.where(annual >= 1.0, 1.0, over_horizon)
        risk_by_origin = np.einsum("nd,ndo->no", exposed, after) * coercion

        largest_foreign = after[:, :, list(FOREIGN)].max(axis=2)
        autonomy = 1.0 - np.einsum("nd,nd->n", exposed, largest_foreign)
        gap = np.clip(self._stack(x, "us_gap"), 0.0, 1.0)
        gap_total = gap.sum(axis=1)
        complementarity = np.where(
            gap_total > 0,
            np.einsum("nd,nd->n", gap, after[:, :, JAPAN]) / np.where(gap_total > 0, gap_total,
                                                                      1.0), 0.0)
        us = ORIGINS.index("us")
        visible = weights * np.clip(self._stack(x, "us_visibility"), 0.0, 1.0)
        displaced = np.einsum("nd,nd->n", visible,
                              np.maximum(shares[:, :, us] - after[:, :, us], 0.0))
        return {
            P + "us_supply_displaced": np.clip(displaced, 0.0, 1.0),
            P + "china_risk": risk_by_origin[:, ORIGINS.index("china")],
            P + "us_risk": risk_by_origin[:, ORIGINS.index("us")],
            P + "autonomy_index": np.clip(autonomy, 0.0, 1.0),
            P + "complementarity": complementarity,
            P + "investment_cost_jpy": investment.sum(axis=1) * years,
            P + "risk_by_origin": risk_by_origin,
            P + "share_after": after,
        }
