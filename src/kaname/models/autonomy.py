"""autonomy — dependence, coercion harm in yen, and complementarity (経済安全保障).

Per technology domain *T* (the list comes from the data library) Japan's supply comes from
five origins *o* ∈ {Japan, US, China, other allies, rest}, with shares ``s[T, o]`` summing
to 1 (Japan's own use, from Japanese sources where they exist; a world market share stands
in only where the data say so). Yen invested a year in a domain moves it along a saturating
response, with the same invested fraction ``phi`` for Japan's share of its own supply and for
its capacity in the world::

    phi     = 1 - exp(-I * y / k)                        y = T = Y - base_year
    s_J(y)  = s_J0 + (s_max - s_J0) * phi
    s_o(y)  = s_o0 * (1 - s_J(y)) / (1 - s_J0)            for o != Japan
    K(y)    = K_0 + (K_max - K_0) * phi                   Japan's share of world capacity

Time follows the one clock of every model (issue #13): the shares are read in the conflict
year *Y*, after ``y = T = Y - base_year`` build-up years; the cost is ``I * T``.

**Coercion by mode, in yen** (:mod:`kaname.models.coercion`). Each origin coerces through each
mode (tariff, export control, data access, supply cut-off, licence denial) with an annual
probability ``p[o, m]``; an episode costs ``H[o, m]`` yen: a tariff ``exports_o × rate_o ×
harm per yen of duty``; a supply mode ``loss_m × sum_T V_T (1 - sub_T) s[T, o] e[T, m]`` with ``V_T`` the
value at stake a year and ``e[T, m]`` the domain's exposure to the mode. Licence denial by the
US also stops the output of licensed US designs made in Japan (``L``, yen a year in the
conflict year × each munition's dependence on US parts and approval), so co-producing US
designs adds US-origin dependence. Outputs: expected harm a year by origin and mode, its
share of GDP, the worst-5 %-of-years harm (CVaR) per origin, and the yen of supply dependent
on each origin (``dependence_jpy_per_year``).

**Indices** (secondary, unitless), with ``pi_o = 1 - (1 - p_o)^H`` and ``p_o`` the chance
that any mode fires in a year::

    risk_o          = sum_T w_T * (1 - sub_T) * s[T, o] * pi_o     (china_risk, us_risk)
    autonomy_index  = 1 - sum_T w_T * (1 - sub_T) * max_{o != Japan} s[T, o]

**Complementarity** is Japan's capacity available to close US gaps, not its own supply::

    complementarity      = sum_T g_T * a_T * K_T(y) / sum_T g_T
    complementarity_gain = log2(complementarity / complementarity at phi = 0)

with ``g_T`` the US capability gap and ``a_T`` the share of Japan's capacity the US can use
(``us_access``); posture reads the gain (per doubling, like co-production). Visible
de-Americanisation: ``us_supply_displaced = sum_T w_T v_T (s[T, US] - s_after[T, US])``, also
read by posture. See ``docs/models/autonomy.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import InputError
from kaname.models import coercion as coerce
from kaname.models.base import Settings
from kaname.models.budget import BudgetModel
from kaname.models.coercion import MODE_LABELS, MODES, SUPPLY_MODES
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.models.sustainment import (
    OUTPUT_VALUE_INPUTS,
    SustainmentModel,
    output_value_in_year,
    rate_caps,
)
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


def _coercion_probability(mode: str) -> Any:
    """The annual probability that an origin coerces Japan through `mode`."""
    def spec(model: AutonomyModel, origin: str) -> Spec:
        return Spec(f"Annual probability of {MODE_LABELS[mode]['en'].lower()} by "
                    f"{ORIGIN_LABELS[origin]['en']}",
                    f"{ORIGIN_LABELS[origin]['ja']}による{MODE_LABELS[mode]['ja']}の年間確率",
                    low=0.0, high=1.0)
    return spec


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
        for today, ceiling in ((d.share("japan"), d.max_domestic_share),
                               (d.world_capacity_share, d.max_world_capacity_share)):
            now = float(library.get(today).value())
            ceiling_entry = library.get(ceiling)
            if float(ceiling_entry.value()) < now:
                raise InputError(f"ceiling {ceiling_entry.value():g} is below today's {now:g} "
                                 f"({today}); allowed: a number in [{now:g}, 1]",
                                 file=ceiling_entry.file, key=ceiling)
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


def invested_fraction(investment: np.ndarray, scale: np.ndarray, years: np.ndarray
                      ) -> np.ndarray:
    """``phi = 1 - exp(-I y / k)`` (n, D): how far ``years`` of ``investment`` (n, D) yen a
    year move a domain toward its ceilings (0 without investment, → 1 with unlimited)."""
    return -np.expm1(-investment * years[:, None] / scale)


def shares_after_investment(shares: np.ndarray, ceiling: np.ndarray, investment: np.ndarray,
                            scale: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Shares (n, D, O) after ``years`` of ``investment`` (n, D) yen a year.

    Japan's share follows the saturating response toward ``max(ceiling, s_J0)``; the foreign
    origins shrink pro rata, so every row stays a distribution and zero investment changes
    nothing (exactly).
    """
    s0 = shares[:, :, JAPAN]
    top = np.maximum(ceiling, s0)
    s1 = s0 + (top - s0) * invested_fraction(investment, scale, years)
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
        "value_at_stake_jpy_per_year": Input(_per_domain(
            "{d}: value at stake a year", "{d}: 年間の影響対象額", unit="JPY/year", low=0.0,
            high=1.0e15, description="Yen a year of Japanese use and output that depend on "
                                     "this supply; a coercion episode costs a share of it.")),
        **{f"exposure.{m}": Input(_per_domain(
            f"{{d}}: exposure to {MODE_LABELS[m]['en'].lower()}",
            f"{{d}}: {MODE_LABELS[m]['ja']}への露出度", low=0.0, high=1.0))
           for m in SUPPLY_MODES},
        "us_gap": Input(_per_domain("{d}: US capability gap", "{d}: 米国の能力ギャップ", low=0.0,
                                    high=1.0)),
        "world_capacity_share": Input(_per_domain(
            "{d}: Japan's share of world capacity", "{d}: 世界の生産能力に占める日本のシェア",
            low=0.0, high=1.0)),
        "max_world_capacity_share": Input(_per_domain(
            "{d}: ceiling on Japan's share of world capacity", "{d}: 世界の生産能力に占める日本のシェアの上限",
            low=0.0, high=1.0)),
        "us_access": Input(_per_domain(
            "{d}: share of Japan's capacity open to US needs", "{d}: 日本の能力のうち米国が利用できる割合",
            low=0.0, high=1.0)),
        "us_visibility": Input(_per_domain(
            "{d}: visibility to the US of replacing US supply", "{d}: 米国製の代替が米国から見える度合い",
            low=0.0, high=1.0)),
    })
    per_coercing_origin = Family("coercing_origin", {
        m: Input(_coercion_probability(m)) for m in MODES}, path="{model}.coercion.{item}.{key}")
    per_tariff_origin = Family("coercing_origin", {
        "exports_jpy_per_year": Input(lambda model, o: Spec(
            f"Japan's exports to {ORIGIN_LABELS[o]['en']}", f"{ORIGIN_LABELS[o]['ja']}への日本の輸出額",
            unit="JPY/year", low=0.0, high=1.0e15)),
        "rate": Input(lambda model, o: Spec(
            f"Tariff rate in an episode: {ORIGIN_LABELS[o]['en']}",
            f"威圧時の関税率:{ORIGIN_LABELS[o]['ja']}", low=0.0, high=1.0)),
    }, path="{model}.tariff.{item}.{key}")
    tariff_harm_per_yen_of_duty = Input(Spec(
        "Harm to Japan per yen of duty", "関税1円あたりの日本の損害", low=0.0, high=5.0,
        description="Exporters' price cuts, lost sales and spillovers per yen of duty levied."),
        path="{model}.tariff.harm_per_yen_of_duty")
    per_supply_mode = Family("supply_mode", {
        "loss_share": Input(lambda model, m: Spec(
            f"Share of the exposed value lost in a year of {MODE_LABELS[m]['en'].lower()}",
            f"{MODE_LABELS[m]['ja']}の年に失われる露出額の割合", low=0.0, high=1.0)),
    }, path="{model}.{key}.{item}")
    # Japan's output of licensed US designs (sustainment's levers, one declaration, two readers)
    munition_output = Family("munition", {k: SustainmentModel.per_munition.members[k]
                                          for k in OUTPUT_VALUE_INPUTS},
                             path="sustainment.{item}.{key}")
    per_munition = Family("munition", {
        "us_dependence": Input(lambda model, m: Spec(
            f"{model.munition_labels[m]}: output that stops without US parts or approval",
            f"{model.munition_labels_ja[m]}: 米国の部品・承認なしでは止まる生産の割合",
            low=0.0, high=1.0)),
    }, path="{model}.{key}.{item}")
    horizon_years = Input(Spec(
        "Horizon for coercion risk", "威圧リスクの評価期間", unit="year", low=1.0, high=30.0,
        description="Years after the conflict starts over which coercion probabilities "
                    "compound; the investment runs on the clock (base year to conflict year)."))
    # the one clock (issue #13): sustainment's conflict year, the same declaration
    conflict_year = Input(SustainmentModel.conflict_year.spec, path="sustainment.conflict_year")
    gdp_jpy = Input(BudgetModel.gdp_nominal_fy2024_jpy.spec, path="budget.gdp_nominal_fy2024_jpy")

    expected_harm_jpy_per_year = Output(Spec(
        "Expected coercion harm a year", "威圧による年間の期待損害額", unit="JPY/year", low=0.0,
        better="lower", headline=True,
        description="All origins and modes, in the conflict year's supply; today's yen."))
    china_harm_jpy_per_year = Output(Spec(
        "Expected harm a year from China", "中国による年間の期待損害額", unit="JPY/year", low=0.0,
        better="lower", headline=True))
    us_harm_jpy_per_year = Output(Spec(
        "Expected harm a year from the US", "米国による年間の期待損害額", unit="JPY/year", low=0.0,
        better="lower", headline=True))
    harm_share_gdp = Output(Spec(
        "Expected coercion harm, share of GDP", "威圧による期待損害額の対GDP比", low=0.0,
        better="lower", description="Expected harm a year over FY2024 nominal GDP."))
    expected_harm_over_horizon_jpy = Output(Spec(
        "Expected coercion harm over the risk horizon", "評価期間中の威圧による期待損害額",
        unit="JPY", low=0.0, better="lower",
        description="Expected harm a year × autonomy.horizon_years; read by the budget ledger."))
    harm_by_mode_jpy_per_year = Output(Spec(
        "Expected harm a year by origin and mode", "供給元・手段別の年間期待損害額",
        unit="JPY/year", low=0.0, dims=("origin", "mode"), better="lower"))
    tail_harm_jpy_per_year = Output(Spec(
        "Harm in the worst 5 % of years, by origin", "最悪5%の年の損害額(供給元別)",
        unit="JPY/year", low=0.0, dims=("origin",), better="lower",
        description="Conditional value at risk (expected shortfall) at 5 % of one origin's "
                    "harm in a year."))
    dependence_jpy_per_year = Output(Spec(
        "Supply without substitute, by origin", "代替できない供給(供給元別)", unit="JPY/year",
        low=0.0, dims=("origin",),
        description="Value at stake × (1 − substitutability) × share, summed over domains; "
                    "the US row adds Japan's output of licensed US designs that depends on "
                    "US parts and approval."))
    licensed_us_dependent_jpy_per_year = Output(Spec(
        "Licensed output dependent on US parts and approval",
        "米国の部品・承認に依存するライセンス生産額", unit="JPY/year", low=0.0,
        description="Japan's output of US designs in the conflict year (licensed plus "
                    "co-production) × each munition's dependence."))
    china_risk = Output(Spec("China risk index", "中国リスク指数", low=0.0, high=1.0, better="lower"))
    us_risk = Output(Spec("US risk index", "米国リスク指数", low=0.0, high=1.0, better="lower"))
    autonomy_index = Output(Spec(
        "Strategic autonomy index", "戦略的自律性指数", low=0.0, high=1.0, better="higher", headline=True))
    complementarity = Output(Spec(
        "Japan's capacity available to close US gaps", "米国の弱点を補う日本の利用可能な能力",
        low=0.0, high=1.0, better="higher",
        description="Gap-weighted share of world capacity that is Japan's and open to US "
                    "needs."))
    complementarity_gain = Output(Spec(
        "Doublings of Japan's capacity available to close US gaps",
        "米国の弱点を補う日本の能力の倍増回数", low=0.0, better="higher", headline=True,
        description="log2 of complementarity over its value without investment; read by "
                    "posture."))
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
        "Coercion risk index by origin", "供給元別の威圧リスク指数", low=0.0, high=1.0,
        dims=("origin",), better="lower"))
    share_after = Output(Spec(
        "Supply share in the conflict year", "有事発生年の供給シェア", low=0.0, high=1.0,
        dims=("domain", "origin")))

    def __init__(self, domains: list[str], labels: Mapping[str, dict[str, str]],
                 settings: Settings | None = None, munitions: Mapping[str, Mapping[str, str]]
                 | None = None, rate_caps: Mapping[str, float] | None = None):
        self.settings = settings or Settings()
        self.domains = list(domains)
        self.domain_labels = {}
        for d in self.domains:
            label = dict(labels.get(d, {}))
            en = label.get("en", d)
            self.domain_labels[d] = {"en": en, "ja": label.get("ja", en)}
        self.munitions = list(munitions or {})  # sustainment's, whose licensed output it reads
        self.munition_labels = {m: (munitions or {})[m].get("en", m) for m in self.munitions}
        self.munition_labels_ja = {m: (munitions or {})[m].get("ja", m) for m in self.munitions}
        self.rate_caps = dict(rate_caps or {})  # bounds the levers it reads (sustainment's)
        self.coords: dict[str, list[str]] = {"domain": list(domains), "origin": list(ORIGINS),
                                             "mode": list(MODES)}
        self.coord_labels = {"mode": {lang: {m: MODE_LABELS[m][lang] for m in MODES}
                                      for lang in ("en", "ja")},
                             "origin": {lang: {o: ORIGIN_LABELS[o][lang] for o in ORIGINS}
                                        for lang in ("en", "ja")}}

    def items(self, dim: str) -> Sequence[str]:
        if dim == "coercing_origin":
            return COERCING
        if dim == "supply_mode":
            return SUPPLY_MODES
        if dim == "munition":
            return self.munitions
        return super().items(dim)

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> AutonomyModel:
        """Build from the data library, refusing tables that break the model's assumptions."""
        domains = domains_in(library)
        validate_tables(library, domains)
        labels = {d: library.labels.get(f"{P}{d}", {}) for d in domains}
        munitions = {m: library.labels.get(f"sustainment.{m}", {})
                     for m in library.groups("sustainment")}
        return cls(domains, labels, settings, munitions, rate_caps(library))

    def _stack(self, x: Mapping[str, np.ndarray], field: str) -> np.ndarray:
        return np.stack([np.asarray(x[f"{P}{d}.{field}"], dtype=float) for d in self.domains],
                        axis=1)

    def _licensed_us_dependent(self, x: Mapping[str, np.ndarray], conflict: np.ndarray
                               ) -> np.ndarray:
        """Yen a year of Japan's output in the conflict year that stops without US parts or
        approval: each munition's output value × its dependence (0 for Japan's own designs)."""
        if not self.munitions:
            return np.zeros(len(conflict))
        value = output_value_in_year(x, self.munitions, conflict)
        dependence = np.stack([np.clip(np.asarray(x[f"{P}us_dependence.{m}"], dtype=float),
                                       0.0, 1.0) for m in self.munitions], axis=-1)
        return np.sum(value * dependence, axis=-1)

    def _episodes(self, x: Mapping[str, np.ndarray], exposed_value: np.ndarray,
                  after: np.ndarray, licensed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sample, origin and mode (n, O, M): the annual probability of an episode and
        the yen one episode costs Japan (0 for Japan itself). `exposed_value` is
        ``V (1 - sub)`` per domain, `after` the conflict year's shares, `licensed` the
        output of licensed US designs that stops without US parts or approval."""
        def col(path: str, high: float | None = 1.0) -> np.ndarray:
            return np.clip(np.asarray(x[P + path], dtype=float), 0.0, high)
        n = after.shape[0]
        p = np.zeros((n, len(ORIGINS), len(MODES)))
        harm = np.zeros_like(p)
        per_duty = col("tariff.harm_per_yen_of_duty", None)
        for i, o in enumerate(COERCING, start=1):
            for j, m in enumerate(MODES):
                p[:, i, j] = col(f"coercion.{o}.{m}")
            harm[:, i, MODES.index("tariff")] = (
                col(f"tariff.{o}.exports_jpy_per_year", None) * col(f"tariff.{o}.rate")
                * per_duty)
        for m in SUPPLY_MODES:
            j = MODES.index(m)
            hit = exposed_value * np.clip(self._stack(x, f"exposure.{m}"), 0.0, 1.0)
            harm[:, :, j] = col(f"loss_share.{m}")[:, None] * np.einsum("nd,ndo->no", hit, after)
        us = ORIGINS.index("us")
        harm[:, us, MODES.index("licence_denial")] += col("loss_share.licence_denial") * licensed
        harm[:, JAPAN, :] = 0.0  # Japan does not coerce itself
        return p, harm

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
        unsubstitutable = 1.0 - np.clip(self._stack(x, "substitutability"), 0.0, 1.0)
        exposed = weights * unsubstitutable
        horizon = np.asarray(x[P + "horizon_years"], dtype=float)
        conflict = np.asarray(x["sustainment.conflict_year"], dtype=float)
        n = len(conflict)
        years = np.maximum(conflict - self.settings.base_year, 0.0)  # build-up years T
        investment = np.clip(self._stack(x, "investment_jpy_per_year"), 0.0, None)
        scale = self._stack(x, "investment_scale_jpy")
        after = shares_after_investment(
            shares, np.clip(self._stack(x, "max_domestic_share"), 0.0, 1.0), investment,
            scale, years)

        # -- coercion by mode, in yen ---------------------------------------------------
        at_stake = np.clip(self._stack(x, "value_at_stake_jpy_per_year"), 0.0, None)
        dependence = np.einsum("nd,ndo->no", at_stake * unsubstitutable, after)
        licensed = self._licensed_us_dependent(x, conflict)
        us = ORIGINS.index("us")
        dependence[:, us] += licensed
        p, harm = self._episodes(x, at_stake * unsubstitutable, after, licensed)
        by_mode = p * harm
        by_origin = coerce.expected_harm(p, harm)
        total = by_origin.sum(axis=1)
        tail = np.zeros((n, len(ORIGINS)))
        tail[:, 1:] = coerce.tail_harm(p[:, 1:], harm[:, 1:])  # Japan does not coerce itself

        # -- the indices (secondary) ----------------------------------------------------
        coercion = coerce.over_horizon(coerce.any_mode(p), horizon[:, None])
        risk_by_origin = np.einsum("nd,ndo->no", exposed, after) * coercion
        largest_foreign = after[:, :, list(FOREIGN)].max(axis=2)
        autonomy = 1.0 - np.einsum("nd,nd->n", exposed, largest_foreign)

        # -- complementarity: Japan's capacity open to closing US gaps ----------------------
        gap = np.clip(self._stack(x, "us_gap"), 0.0, 1.0)
        gap_weight = _normalise(gap, axis=1) * (gap.sum(axis=1, keepdims=True) > 0)
        open_to_us = gap_weight * np.clip(self._stack(x, "us_access"), 0.0, 1.0)
        k0 = np.clip(self._stack(x, "world_capacity_share"), 0.0, 1.0)
        k_top = np.maximum(np.clip(self._stack(x, "max_world_capacity_share"), 0.0, 1.0), k0)
        capacity = k0 + (k_top - k0) * invested_fraction(investment, scale, years)
        complementarity = np.einsum("nd,nd->n", open_to_us, capacity)
        today = np.einsum("nd,nd->n", open_to_us, k0)
        gain = np.where(today > 0, np.log2(np.where(today > 0, complementarity, 1.0)
                                           / np.where(today > 0, today, 1.0)), 0.0)

        visible = weights * np.clip(self._stack(x, "us_visibility"), 0.0, 1.0)
        displaced = np.einsum("nd,nd->n", visible,
                              np.maximum(shares[:, :, us] - after[:, :, us], 0.0))
        gdp = np.asarray(x["budget.gdp_nominal_fy2024_jpy"], dtype=float)
        return {
            P + "expected_harm_jpy_per_year": total,
            P + "china_harm_jpy_per_year": by_origin[:, ORIGINS.index("china")],
            P + "us_harm_jpy_per_year": by_origin[:, us],
            P + "harm_share_gdp": total / gdp,
            P + "expected_harm_over_horizon_jpy": total * horizon,
            P + "harm_by_mode_jpy_per_year": by_mode,
            P + "tail_harm_jpy_per_year": tail,
            P + "dependence_jpy_per_year": dependence,
            P + "licensed_us_dependent_jpy_per_year": licensed,
            P + "us_supply_displaced": np.clip(displaced, 0.0, 1.0),
            P + "china_risk": risk_by_origin[:, ORIGINS.index("china")],
            P + "us_risk": risk_by_origin[:, us],
            P + "autonomy_index": np.clip(autonomy, 0.0, 1.0),
            P + "complementarity": np.clip(complementarity, 0.0, 1.0),
            P + "complementarity_gain": np.maximum(gain, 0.0),
            P + "investment_cost_jpy": investment.sum(axis=1) * years,
            P + "risk_by_origin": risk_by_origin,
            P + "share_after": after,
        }
