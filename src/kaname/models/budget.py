"""budget — 防衛予算: Japan's defence budget and the opportunity cost of a policy.

The window is the one clock of every model (issue #13): the build-up years from the run's
base year *b* to the year before the conflict year *Y*, ``b .. Y - 1``, ``T = Y - b`` years,
exactly as sustainment's build-up counts them (empty when the conflict is in the base year:
budget 0, policy share 0, not exceeding). Money is reported in constant base-year yen: a
nominal amount in year *t* is divided by the GDP deflator ``(1 + pi)^(t - b)``.

Japan's nominal defence budget in year *t*::

    B_t = table[t]                                   a year of the data library's table
        = (K - sum of the plan's table years) / m    a plan year without a table entry
        = c * s * GDP_t                              every other year (from the plan's end)
    GDP_t = GDP_2024 * (1 + g)^(t - 2024)

with *K* the ¥43T plan for FY2023-27, *m* its years without a table entry, *s* the share
of GDP Japan spends on security (the lever, on the basis of the 2 % target: defence plus
related spending) and *c* the defence budget's share of that total. The ledger of the
policy's costs over the window, all in constant base-year yen::

    coproduction          = sustainment.coproduction_cost_jpy   (its build-up, b .. Y - 1)
    technology_investment = autonomy.investment_cost_jpy        (its investment, b .. Y - 1)
    burden_sharing        = extra burden-sharing yen a year * T

(both upstream costs run on the same clock, so the ledger takes them whole). Then::

    policy_cost   = sum of the ledger;     budget = sum_{t=b}^{Y-1} B_t / (1 + pi)^(t - b)
    cost_and_harm = policy_cost + autonomy's expected coercion harm over its risk horizon
    policy_share  = policy_cost / budget;  exceeds = policy_cost > headroom_share * budget
                                           (both 0 when T = 0)
    share_at_Y    = B_Y / (c * GDP_Y);     gap_to_us_ask = max(us_ask - share_at_Y, 0)

See ``docs/models/budget.md`` for the sources, the horizon mapping and the caveats.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.data import Library
from kaname.models.base import Settings
from kaname.models.declare import DeclaredModel, Input, Output
from kaname.models.sustainment import SustainmentModel
from kaname.spec import Spec

NAME = "budget"
P = f"{NAME}."
GDP_YEAR = 2024  # the fiscal year of budget.gdp_nominal_fy2024_jpy
LEDGER: tuple[str, ...] = ("coproduction", "technology_investment", "burden_sharing")
LEDGER_LABELS: dict[str, dict[str, str]] = {
    "en": {"coproduction": "Munitions co-production",
           "technology_investment": "Economic-security technology investment",
           "burden_sharing": "Extra burden sharing"},
    "ja": {"coproduction": "弾薬の共同生産",
           "technology_investment": "経済安全保障の技術投資",
           "burden_sharing": "追加の負担分担"},
}
MAX_BURDEN_JPY_PER_YEAR = 1.0e12  # ¥1T a year: about five times today's host-nation support


class BudgetModel(DeclaredModel):
    """Japan's defence budget over the window and the share a policy's costs take of it."""

    name = NAME
    lever_group = {"en": "Defence budget", "ja": "防衛予算"}
    report_section = "kaname.report.sections:budget_section"

    # -- the one clock (issue #13): sustainment's conflict year, the same declaration --------
    conflict_year = Input(SustainmentModel.conflict_year.spec, path="sustainment.conflict_year")

    # -- the ledger's upstream costs (linked) ---------------------------------------------
    coproduction_cost_jpy = Input(Spec(
        "Co-production cost to Japan", "共同生産の日本の負担", unit="JPY", low=0.0, default=0.0,
        description="Sustainment's cost of co-production over the build-up (constant yen)."),
        link="sustainment.coproduction_cost_jpy")
    investment_cost_jpy = Input(Spec(
        "Investment before the conflict", "有事までの投資総額", unit="JPY", low=0.0, default=0.0,
        description="Autonomy's investment over the build-up years (constant yen)."),
        link="autonomy.investment_cost_jpy")
    coercion_harm_jpy = Input(Spec(
        "Expected coercion harm over the risk horizon", "評価期間中の威圧による期待損害額",
        unit="JPY", low=0.0, default=0.0,
        description="Autonomy's expected harm a year × its horizon (today's yen)."),
        link="autonomy.expected_harm_over_horizon_jpy")

    # -- the economy ---------------------------------------------------------------------
    gdp_nominal_fy2024_jpy = Input(Spec(
        "Japan's nominal GDP, FY2024", "日本の名目GDP(2024年度)", unit="JPY/year", low=1.0e14,
        high=2.0e15, default=6.424e14))
    gdp_growth_nominal = Input(Spec(
        "Nominal GDP growth", "名目GDP成長率", unit="1/year", low=-0.05, high=0.10,
        default=0.03))
    inflation_rate = Input(Spec(
        "GDP deflator growth (inflation)", "GDPデフレーターの上昇率(インフレ率)", unit="1/year",
        low=-0.05, high=0.10, default=0.02,
        description="Deflates nominal yen to constant base-year yen."))
    core_share_of_security_spending = Input(Spec(
        "Defence budget's share of security-related spending", "安全保障関連経費に占める防衛関係費の割合",
        low=0.5, high=1.0, default=0.876))

    # -- Japan's levers and the asks -------------------------------------------------------
    defence_share_gdp = Input(Spec(
        "Security spending as a share of GDP after the plan", "整備計画後の安全保障関連経費の対GDP比",
        low=0.01, high=0.06, default=0.02, lever=True,
        description="Defence plus related spending, the basis of the 2 % target, from the "
                    "year after the FY2023-27 plan on."))
    burden_sharing_jpy_per_year = Input(Spec(
        "Extra burden sharing per year", "追加の負担分担(年額)", unit="JPY/year", low=0.0,
        high=MAX_BURDEN_JPY_PER_YEAR, default=0.0, lever=True,
        description="Host-nation support or other burden sharing above today's, constant yen."))
    headroom_share = Input(Spec(
        "Share of the budget open to new policies", "新規政策に充てうる予算の割合", low=0.0,
        high=1.0, default=0.05))
    us_ask_share_gdp = Input(Spec(
        "US ask: defence as a share of GDP", "米国の要求水準(防衛費の対GDP比)", low=0.0,
        high=0.1, default=0.035))
    nato_ask_share_gdp = Input(Spec(
        "NATO-style ask: defence as a share of GDP", "NATO並みの要求水準(防衛費の対GDP比)",
        low=0.0, high=0.1, default=0.05))

    # -- outputs ---------------------------------------------------------------------------
    ledger_jpy = Output(Spec(
        "Policy cost by ledger item", "政策費用の内訳", unit="JPY", low=0.0, dims=("ledger_item",),
        better="lower", description="Base year to the year before the conflict, constant "
                                    "base-year yen."))
    policy_cost_jpy = Output(Spec(
        "Policy cost to the defence budget", "政策が防衛予算に課す費用", unit="JPY", low=0.0,
        better="lower"))
    defence_budget_jpy = Output(Spec(
        "Cumulative defence budget", "防衛予算の累計", unit="JPY", low=0.0, better="higher",
        description="Base year to the year before the conflict, constant base-year yen."))
    defence_budget_nominal_jpy = Output(Spec(
        "Cumulative defence budget, nominal", "防衛予算の累計(名目)", unit="JPY", low=0.0))
    headroom_left_jpy = Output(Spec(
        "Headroom left after the policy", "政策後に残る予算余地", unit="JPY", better="higher",
        description="Headroom share × budget − policy cost; negative when exceeded."))
    cost_and_harm_jpy = Output(Spec(
        "Policy cost plus expected coercion harm", "政策費用と威圧による期待損害の合計", unit="JPY",
        low=0.0, better="lower", headline=True,
        description="The ledger's yen spent before the conflict plus the coercion harm "
                    "expected over the risk horizon after it: a policy that lowers it buys "
                    "more harm avoided than it costs."))
    policy_share_of_budget = Output(Spec(
        "Policy cost as a share of the defence budget", "防衛予算に占める政策費用の割合", low=0.0,
        better="lower", headline=True))
    exceeds_headroom = Output(Spec(
        "Policy cost exceeds the headroom", "政策費用が予算余地を超える", kind="bool", low=0.0,
        high=1.0, better="lower", headline=True))
    defence_share_gdp_at_conflict = Output(Spec(
        "Security spending share of GDP in the conflict year", "有事発生年の安全保障関連経費の対GDP比",
        low=0.0, better="higher"))
    gap_to_us_ask = Output(Spec(
        "Shortfall from the US ask in the conflict year", "有事発生年の米国要求水準との差", low=0.0,
        better="lower", description="Share of GDP below the ask; 0 when at or above it."))
    gap_to_nato_ask = Output(Spec(
        "Shortfall from the NATO-style ask in the conflict year", "有事発生年のNATO並み水準との差",
        low=0.0, better="lower"))

    def __init__(self, history: Mapping[int, float], plan_total_jpy: float,
                 plan_years: tuple[int, int], settings: Settings | None = None):
        self.settings = settings or Settings()
        self.history = {int(y): float(v) for y, v in history.items()}
        first, last = plan_years
        if last < first:
            raise ValueError(f"plan years {first}-{last} are inverted")
        self.plan_years = (int(first), int(last))
        missing = [y for y in range(first, last + 1) if y not in self.history]
        spent = sum(v for y, v in self.history.items() if first <= y <= last)
        # Plan years without an entry share what is left of the plan equally.
        self.plan_fill = max(plan_total_jpy - spent, 0.0) / len(missing) if missing else 0.0
        self.plan_missing = set(missing)
        self.coords = {"ledger_item": list(LEDGER)}
        self.coord_labels = {"ledger_item": LEDGER_LABELS}

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> BudgetModel:
        history = library.get(P + "defence_budget_history").series("JPY/year")
        plan = library.get(P + "plan_total_jpy").value("JPY")
        first = int(library.get(P + "plan_first_year").value("calendar_year"))
        last = int(library.get(P + "plan_last_year").value("calendar_year"))
        return cls(history, plan, (first, last), settings)

    def fixed_budget(self, year: int) -> float | None:
        """The nominal budget of `year` when the data fix it (table or plan), else None."""
        if year in self.history:
            return self.history[year]
        if year in self.plan_missing:
            return self.plan_fill
        return None

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Vectorised over samples; a short loop over the window's years (b .. Y - 1) and the
        conflict year (for the share of GDP in it)."""
        g = {k[len(P):]: np.asarray(v, dtype=float) for k, v in x.items() if k.startswith(P)}
        base = self.settings.base_year
        conflict = np.asarray(x["sustainment.conflict_year"], dtype=float)
        n = conflict.shape[0]
        gdp0, growth = g["gdp_nominal_fy2024_jpy"], g["gdp_growth_nominal"]
        inflation, core = g["inflation_rate"], g["core_share_of_security_spending"]
        share = g["defence_share_gdp"]

        budget_real = np.zeros(n)
        budget_nominal = np.zeros(n)
        at_conflict = np.zeros(n)
        last = int(np.max(conflict, initial=base))
        for year in range(base, last + 1):  # the window b .. Y - 1, and Y itself for share_at_Y
            gdp = gdp0 * (1.0 + growth) ** (year - GDP_YEAR)
            fixed = self.fixed_budget(year)
            nominal = core * share * gdp if fixed is None else np.full(n, fixed)
            inside = year < conflict
            budget_nominal += np.where(inside, nominal, 0.0)
            budget_real += np.where(inside, nominal / (1.0 + inflation) ** (year - base), 0.0)
            at_conflict = np.where(year == conflict, nominal / (core * gdp), at_conflict)

        years = np.maximum(conflict - base, 0.0)  # T build-up years, 0 in the base year
        ledger = np.stack([
            g["coproduction_cost_jpy"],
            g["investment_cost_jpy"],
            g["burden_sharing_jpy_per_year"] * years,
        ], axis=1)
        cost = ledger.sum(axis=1)
        headroom = g["headroom_share"] * budget_real
        return {
            P + "ledger_jpy": ledger,
            P + "policy_cost_jpy": cost,
            P + "cost_and_harm_jpy": cost + g["coercion_harm_jpy"],
            P + "defence_budget_jpy": budget_real,
            P + "defence_budget_nominal_jpy": budget_nominal,
            P + "headroom_left_jpy": headroom - cost,
            P + "policy_share_of_budget": np.where(
                (budget_real > 0) & (years > 0),
                cost / np.where(budget_real > 0, budget_real, 1.0), 0.0),
            # no build-up years (conflict in the base year): nothing to exceed
            P + "exceeds_headroom": ((cost > headroom) & (years > 0)).astype(float),
            P + "defence_share_gdp_at_conflict": at_conflict,
            P + "gap_to_us_ask": np.maximum(g["us_ask_share_gdp"] - at_conflict, 0.0),
            P + "gap_to_nato_ask": np.maximum(g["nato_ask_share_gdp"] - at_conflict, 0.0),
        }
