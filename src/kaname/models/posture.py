"""posture — the US "America First" shift: what Golden Dome and the western hemisphere take
from the Indo-Pacific, and what that means for Japan.

Over a ten-year window (the Golden Dome build-up decade) the model takes the mean US
national-defence budget on an uncertain growth path, splits it by baseline mission shares
(no public breakdown exists: labelled assumption ranges), adds Golden Dome's mean annual
cost (from ``homeland`` or an exogenous default), funds a share ν of it as new money and
takes the rest from the unprotected missions in proportion to share × cut weight (the
inverse of the 2026 NDS priority order; homeland and western hemisphere are protected),
with water-filling so that no mission goes below zero. Western-hemisphere operations then
divert part of the forces that would serve the Indo-Pacific (an availability factor).

Outputs: the allocation by mission (it sums to the budget), the Indo-Pacific index relative
to the FY2026 baseline (``sustainment`` scales each munition's theatre share by it), a
probability-like US commitment and the yen a year Japan would need to offset the
substitutable part of the shortfall. Equations and sources: ``docs/models/posture.md``.

References
----------
Cancian, M. F. & Park, C. (2026). *The 2026 National Defense Strategy by the Numbers*. CSIS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import DataError, InputError
from kaname.models.base import Settings
from kaname.models.budget import BudgetModel
from kaname.models.c2.specs import INPUTS as C2_INPUTS
from kaname.models.c2.specs import STRUCTURES as C2_STRUCTURES
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.models.sustainment import (
    DELIVERY_INPUTS,
    SustainmentModel,
    exports_delivered,
    rate_caps,
)
from kaname.spec import Spec

NAME = "posture"
P = "posture."
MISSIONS = ("homeland", "western_hemisphere", "indo_pacific", "europe", "middle_east", "other")
PROTECTED = ("homeland", "western_hemisphere")
CUTTABLE = tuple(m for m in MISSIONS if m not in PROTECTED)
BUDGET_YEAR = 2026  # the fiscal year of posture.budget_fy2026_usd (constant dollars of)
SHARE_TOLERANCE = 1e-6

MISSION_LABELS = {
    "en": {"homeland": "Homeland", "western_hemisphere": "Western hemisphere",
           "indo_pacific": "Indo-Pacific", "europe": "Europe", "middle_east": "Middle East",
           "other": "Other"},
    "ja": {"homeland": "米本土", "western_hemisphere": "西半球", "indo_pacific": "インド太平洋",
           "europe": "欧州", "middle_east": "中東", "other": "その他"},
}

_prob: dict[str, Any] = {"low": 0.0, "high": 1.0}

COMMITMENT_TERMS = ("baseline", "indo_pacific_resources", "america_first", "burden_sharing",
                    "coproduction", "complementarity", "integration", "de_americanisation")
TERM_LABELS = {
    "en": {"baseline": "Baseline (FY2026 posture)", "indo_pacific_resources": "Indo-Pacific resources",
           "america_first": "America First intensity", "burden_sharing": "Japan's spending vs the US ask",
           "coproduction": "Co-production delivered to US stocks",
           "complementarity": "Complementarity in US gaps", "integration": "C2 integration and hosting",
           "de_americanisation": "Visible replacement of US supply"},
    "ja": {"baseline": "基準(2026年度の態勢)", "indo_pacific_resources": "インド太平洋への資源",
           "america_first": "米国第一の強度", "burden_sharing": "米国の要求に対する日本の防衛費",
           "coproduction": "米国在庫への共同生産品の納入", "complementarity": "米国の弱点の補完",
           "integration": "指揮統制の統合と受入れ支援",
           "de_americanisation": "米国製供給の目に見える代替"},
}


def validate_shares(shares: Mapping[str, float], file: str | None = None) -> None:
    """Refuse baseline mission shares outside [0, 1] or not summing to 1 (one line)."""
    for m, w in shares.items():
        if not 0.0 <= w <= 1.0:
            raise DataError(f"share {w:g} must be in [0, 1]", file=file,
                            key=f"{P}baseline_share.{m}")
    total = float(sum(shares.values()))
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise DataError(f"mission shares sum to {total:.6g}; they must sum to 1 "
                        f"({', '.join(shares)})", file=file, key=f"{P}baseline_share")


def crowd_out(baseline: np.ndarray, weights: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Cut `amount` from missions (last axis) in proportion to `weights`, never below zero.

    Water-filling: missions that would go negative are cut to zero and the remainder is
    shared among the others; at most one pass per mission. Returns the cut per mission;
    its sum is min(amount, Σ baseline over missions with positive weight).
    """
    cut = np.zeros_like(baseline)
    remaining = np.asarray(amount, dtype=float).copy()
    room = baseline.copy()
    active = (weights > 0) & (room > 0)
    for _ in range(baseline.shape[-1]):
        w = np.where(active, weights, 0.0)
        total = w.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total[:, None] > 0, w / total[:, None], 0.0)
        want = share * remaining[:, None]
        take = np.minimum(want, room)
        cut += take
        room -= take
        remaining = np.maximum(remaining - take.sum(axis=-1), 0.0)
        active = active & (room > 1e-9 * np.maximum(baseline, 1.0))
    return cut


class PostureModel(DeclaredModel):
    """US resource allocation under "America First"; see the module docstring."""

    name = NAME
    report_section = "kaname.report.sections:posture_section"

    budget_fy2026_usd = Input(Spec(
        "US national-defence budget, FY2026", "米国防予算(2026会計年度)", unit="USD/year", low=1e9))
    us_inflation = Input(Spec(
        "US inflation (deflator of the defence budget)", "米国のインフレ率(国防予算のデフレーター)",
        unit="1/year", low=-0.05, high=0.2))
    budget_growth = Input(Spec(
        "Budget growth per year", "国防予算の年成長率", unit="1/year", low=-0.2, high=0.3))
    golden_dome_annual_usd = Input(Spec(
        "Golden Dome cost in the conflict year", "有事発生年のゴールデン・ドーム費用", unit="USD/year",
        low=0.0), link="homeland.annual_cost_at_conflict_usd")
    new_money_share = Input(Spec(
        "Share of Golden Dome funded as new money", "ゴールデン・ドームのうち追加財源で賄う割合", **_prob))
    western_hemisphere_naval_share_peak = Input(Spec(
        "Western-hemisphere surge: share of underway naval strength", "西半球への増派:航行中の海軍戦力に占める割合",
        **_prob), path="{model}.western_hemisphere.naval_share_peak")
    western_hemisphere_persistence = Input(Spec(
        "Share of the window the surge lasts", "増派が続く期間の割合", **_prob),
        path="{model}.western_hemisphere.persistence")
    western_hemisphere_indo_pacific_draw = Input(Spec(
        "Share of diverted forces drawn from the Indo-Pacific", "転用戦力のうちインド太平洋から引き抜かれる割合", **_prob),
        path="{model}.western_hemisphere.indo_pacific_draw")
    western_hemisphere_border_troops = Input(Spec(
        "Troops at the southern border", "南部国境の兵力", unit="person", low=0.0),
        path="{model}.western_hemisphere.border_troops")
    active_force = Input(Spec("US active-duty force", "米軍の現役兵力", unit="person", low=1.0))
    naval_weight = Input(Spec(
        "Naval weight in Indo-Pacific availability", "インド太平洋の戦力可用性における海軍の比重", **_prob))
    commitment_base = Input(Spec("Baseline US commitment", "米国のコミットメント(基準)", low=0.01, high=0.99))
    commitment_elasticity = Input(Spec(
        "Elasticity of commitment to the Indo-Pacific index", "インド太平洋指数に対するコミットメントの弾力性", low=0.0,
        high=10.0))
    # -- US commitment: America First against what Japan does (docs/models/posture.md) -------
    america_first_intensity = Input(Spec(
        "America First intensity", "米国第一の強度", low=0.0, high=1.0,
        description="0.5 = the 2026 NDS as published; 1 = homeland and hemisphere first in "
                    "every choice; 0 = a return to Indo-Pacific priority."))
    commitment_america_first = Input(Spec(
        "Log-odds of commitment lost at full America First intensity",
        "米国第一が最大のときに失われるコミットメントの対数オッズ", low=0.0, high=5.0),
        path="{model}.commitment.america_first")
    commitment_burden_sharing = Input(Spec(
        "Log-odds of commitment gained by meeting the US spending ask",
        "米国の要求水準を満たすことで得られるコミットメントの対数オッズ", low=0.0, high=5.0),
        path="{model}.commitment.burden_sharing")
    japan_share_now = Input(Spec(
        "Japan's defence spending today, share of GDP", "現在の日本の防衛費(GDP比)", low=0.0,
        high=0.2), path="{model}.commitment.japan_share_now")
    commitment_coproduction = Input(Spec(
        "Log-odds gained per doubling of co-produced deliveries to US stocks",
        "米国在庫への共同生産品の納入が倍増するごとのコミットメントの対数オッズ", low=0.0,
        high=5.0), path="{model}.commitment.coproduction")
    coproduction_reference = Input(Spec(
        "Deliveries to US stocks that make Japan a reliable partner",
        "信頼できるパートナーとみなされる米国在庫への納入数", unit="missile", low=1.0),
        path="{model}.commitment.coproduction_reference")
    commitment_complementarity = Input(Spec(
        "Log-odds of commitment per doubling of Japan's capacity open to US gaps",
        "米国の弱点を補う日本の能力が倍増するごとのコミットメントの対数オッズ", low=0.0, high=10.0),
        path="{model}.commitment.complementarity")
    commitment_integration = Input(Spec(
        "Log-odds of commitment gained by full C2 integration and hosting",
        "指揮統制の統合と受入れ支援の最大化によるコミットメントの対数オッズ", low=0.0,
        high=5.0), path="{model}.commitment.integration")
    burden_sharing_reference = Input(Spec(
        "Extra host-nation yen a year that counts as full hosting",
        "受入れ支援を最大とみなす年間の追加負担額", unit="JPY/year", low=1.0),
        path="{model}.commitment.burden_sharing_reference")
    complementarity_gain = Input(Spec(
        "Doublings of Japan's capacity available to close US gaps",
        "米国の弱点を補う日本の能力の倍増回数", low=0.0, default=0.0,
        description="From autonomy (0 when it does not run): log2 of Japan's gap-weighted "
                    "capacity open to US needs over its value without new investment."),
        link="autonomy.complementarity_gain")
    commitment_de_americanisation = Input(Spec(
        "Log-odds of commitment lost per unit of US supply visibly displaced",
        "目に見える形で代替された米国製供給1単位あたりのコミットメントの対数オッズの低下",
        low=0.0, high=20.0), path="{model}.commitment.de_americanisation")
    us_supply_displaced = Input(Spec(
        "US supply displaced where it is visible", "米国から見える形で代替された米国製の供給",
        low=0.0, high=1.0, description="From autonomy (0 when it does not run)."),
        link="autonomy.us_supply_displaced")
    # Japan's levers, read from the models that declare them (one declaration, two readers)
    conflict_year = Input(SustainmentModel.conflict_year.spec, path="sustainment.conflict_year")
    deliveries = Family("munition", {k: SustainmentModel.per_munition.members[k]
                                     for k in DELIVERY_INPUTS}, path="sustainment.{item}.{key}")
    c2_structure = Input(C2_INPUTS["c2.structure"], path="c2.structure")
    defence_share_gdp = Input(BudgetModel.defence_share_gdp.spec, path="budget.defence_share_gdp")
    us_ask_share_gdp = Input(BudgetModel.us_ask_share_gdp.spec, path="budget.us_ask_share_gdp")
    burden_sharing_jpy = Input(BudgetModel.burden_sharing_jpy_per_year.spec,
                               path="budget.burden_sharing_jpy_per_year")
    substitutable_share = Input(Spec(
        "Share of the shortfall Japan can substitute", "日本が肩代わりできる不足分の割合", **_prob))
    jpy_per_usd = Input(Spec(
        "Yen per US dollar", "円ドル為替レート", unit="JPY/USD", low=1.0), path="common.jpy_per_usd")
    per_mission = Family("mission", {
        "baseline_share": Input(lambda model, m: Spec(
            f"Baseline mission share: {MISSION_LABELS['en'][m]}",
            f"任務別の基準配分:{MISSION_LABELS['ja'][m]}", **_prob)),
    }, path="{model}.{key}.{item}")
    per_cuttable_mission = Family("cuttable_mission", {
        "cut_weight": Input(lambda model, m: Spec(
            f"Cut weight (inverse priority): {MISSION_LABELS['en'][m]}",
            f"削減の重み(優先度の逆数):{MISSION_LABELS['ja'][m]}", low=0.0, high=10.0)),
    }, path="{model}.{key}.{item}")

    budget_usd = Output(Spec(
        "US defence budget, window mean", "米国防予算(期間平均)", unit="USD/year", low=0.0))
    allocation_usd = Output(Spec(
        "Allocation by mission", "任務別配分", unit="USD/year", low=0.0, dims=("mission",)))
    crowd_out_usd = Output(Spec(
        "Golden Dome crowd-out", "ゴールデン・ドームによる押し出し", unit="USD/year", low=0.0, better="lower"))
    availability_factor = Output(Spec(
        "Indo-Pacific force availability", "インド太平洋の戦力可用率", low=0.0, high=1.0, better="higher"))
    indo_pacific_index = Output(Spec(
        "Indo-Pacific index (FY2026 baseline = 1)", "インド太平洋指数(2026年度基準=1)", low=0.0, headline=True,
        better="higher"))
    us_commitment = Output(Spec(
        "US commitment (probability-like)", "米国のコミットメント(確率的指標)", low=0.0, high=1.0, headline=True,
        better="higher"))
    japan_burden_gap_jpy = Output(Spec(
        "Yen a year for Japan to offset the substitutable shortfall", "不足分のうち日本が肩代わりできる部分の年額",
        unit="JPY/year", low=0.0, headline=True, better="lower"))
    japan_deliveries_to_us = Output(Spec(
        "Co-produced missiles delivered to US stocks before the conflict",
        "開戦までに米国在庫へ納入された共同生産ミサイル", unit="missile", low=0.0,
        better="higher"))
    commitment_terms = Output(Spec(
        "US commitment: contributions to its log-odds", "米国のコミットメント:対数オッズへの寄与",
        dims=("commitment_term",), better="higher"))
    def __init__(self, munitions: Sequence[str], settings: Settings,
                 rate_caps: Mapping[str, float] | None = None):
        self.settings = settings
        self.munitions = list(munitions)  # whose co-production deliveries it counts
        self.rate_caps = dict(rate_caps or {})  # bounds the levers it reads (sustainment's)
        self.coords = {"mission": list(MISSIONS), "commitment_term": list(COMMITMENT_TERMS)}
        self.coord_labels = {"mission": {k: dict(v) for k, v in MISSION_LABELS.items()},
                             "commitment_term": {k: dict(v) for k, v in TERM_LABELS.items()}}

    def items(self, dim: str) -> Sequence[str]:
        if dim == "cuttable_mission":
            return CUTTABLE
        if dim == "munition":
            return list(self.munitions)
        return super().items(dim)

    def validate(self, x: Mapping[str, Any], *, file: str | None = None) -> None:
        """Fixed mission shares (a policy's or a command's single values) must sum to 1;
        sampled shares are relative weights, normalised in :meth:`evaluate`."""
        keys = [f"{P}baseline_share.{m}" for m in MISSIONS]
        if all(k in x for k in keys) and all(np.ndim(x[k]) == 0 for k in keys):
            validate_shares({m: float(x[k]) for m, k in zip(MISSIONS, keys, strict=True)},
                            file=file)

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> PostureModel:
        """Build from the data library (the munitions are sustainment's); mission shares
        must sum to 1."""
        shares = {m: float(library.get(f"{P}baseline_share.{m}").value("dimensionless"))
                  for m in MISSIONS}
        validate_shares(shares, file=library.get(f"{P}baseline_share.homeland").file)
        return cls(library.groups("sustainment"), settings or Settings(), rate_caps(library))

    def commitment_terms_of(self, v: Mapping[str, np.ndarray], index: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray]:
        """The log-odds of US commitment, term by term (columns: COMMITMENT_TERMS), and the
        co-produced missiles delivered to US stocks before the conflict year.

        Each term is zero at today's posture and Japan's status quo, so ``commitment_base``
        keeps its meaning (the FY2026 belief) and each term says what moves it.
        """
        q0 = v[P + "commitment_base"]
        baseline = np.log(q0 / (1.0 - q0))
        resources = v[P + "commitment_elasticity"] * np.log(np.maximum(index, 1e-12))
        america_first = -v[P + "commitment.america_first"] * (
            2.0 * v[P + "america_first_intensity"] - 1.0)
        ask = np.maximum(v["budget.us_ask_share_gdp"], 1e-9)
        gap_now = np.maximum(ask - v[P + "commitment.japan_share_now"], 0.0)
        gap = np.maximum(ask - v["budget.defence_share_gdp"], 0.0)
        burden = v[P + "commitment.burden_sharing"] * (gap_now - gap) / ask
        delivered = exports_delivered(self, v, list(self.munitions), v["sustainment.conflict_year"])
        coproduction = v[P + "commitment.coproduction"] * np.log2(
            1.0 + delivered / v[P + "commitment.coproduction_reference"])
        complementarity = v[P + "commitment.complementarity"] * v[P + "complementarity_gain"]
        jfhq = (v["c2.structure"] == C2_STRUCTURES.index("jfhq_in_japan")).astype(float)
        hosting = np.minimum(np.maximum(v["budget.burden_sharing_jpy_per_year"], 0.0)
                             / v[P + "commitment.burden_sharing_reference"], 1.0)
        integration = v[P + "commitment.integration"] * 0.5 * (jfhq + hosting)
        de_americanisation = -v[P + "commitment.de_americanisation"] * v[P + "us_supply_displaced"]
        terms = np.stack([baseline, resources, america_first, burden, coproduction,
                          complementarity, integration, de_americanisation], axis=-1)
        return terms, delivered

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        v = {k: np.asarray(val, dtype=float) for k, val in x.items()}
        b0 = v[P + "budget_fy2026_usd"]
        # One clock: the budget of the conflict year, in constant FY2026 dollars (nominal
        # growth deflated), so a flat nominal budget shows its real decline.
        years = np.maximum(v["sustainment.conflict_year"] - BUDGET_YEAR, 0.0)
        real_growth = (1.0 + v[P + "budget_growth"]) / (1.0 + v[P + "us_inflation"])
        base_budget = b0 * real_growth ** years

        raw = np.stack([v[f"{P}baseline_share.{m}"] for m in MISSIONS], axis=-1)
        total = raw.sum(axis=-1, keepdims=True)
        # sampled shares are relative weights (fixed shares are checked at load)
        shares = np.where(total > 0, raw / np.where(total > 0, total, 1.0), 1.0 / len(MISSIONS))
        baseline = shares * base_budget[:, None]

        golden = v[P + "golden_dome_annual_usd"]
        nu = v[P + "new_money_share"]
        wanted_cut = (1.0 - nu) * golden
        cut_idx = [MISSIONS.index(m) for m in CUTTABLE]
        weights = np.stack([v[f"{P}cut_weight.{m}"] for m in CUTTABLE], axis=-1)
        cut_part = crowd_out(baseline[:, cut_idx], baseline[:, cut_idx] * weights, wanted_cut)
        cut = np.zeros_like(baseline)
        cut[:, cut_idx] = cut_part
        crowd = cut.sum(axis=-1)
        allocation = baseline - cut
        allocation[:, MISSIONS.index("homeland")] += golden
        allocation = np.maximum(allocation, 0.0)
        budget = base_budget + golden - crowd  # uncovered crowd-out becomes new money

        naval = (v[P + "western_hemisphere.naval_share_peak"]
                 * v[P + "western_hemisphere.persistence"])
        ground = np.clip(v[P + "western_hemisphere.border_troops"] / v[P + "active_force"], 0, 1)
        weight = v[P + "naval_weight"]
        diverted = v[P + "western_hemisphere.indo_pacific_draw"] * (weight * naval
                                                                  + (1 - weight) * ground)
        availability = np.clip(1.0 - diverted, 0.0, 1.0)

        ip = MISSIONS.index("indo_pacific")
        reference = shares[:, ip] * b0
        with np.errstate(divide="ignore", invalid="ignore"):
            index = np.where(reference > 0, allocation[:, ip] / reference, 1.0) * availability
        index = np.maximum(index, 0.0)

        terms, delivered = self.commitment_terms_of(v, index)
        logit = terms.sum(axis=-1)
        commitment = 1.0 / (1.0 + np.exp(-logit))

        shortfall = reference * np.maximum(1.0 - index, 0.0)
        gap = v[P + "substitutable_share"] * shortfall * v["common.jpy_per_usd"]

        out = {
            P + "budget_usd": budget,
            P + "allocation_usd": allocation,
            P + "crowd_out_usd": crowd,
            P + "availability_factor": availability,
            P + "indo_pacific_index": index,
            P + "us_commitment": commitment,
            P + "japan_deliveries_to_us": delivered,
            P + "commitment_terms": terms,
            P + "japan_burden_gap_jpy": gap,
        }
        return out


__all__ = ["MISSIONS", "PostureModel", "crowd_out", "validate_shares",
           "InputError"]
