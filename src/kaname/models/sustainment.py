"""sustainment — 継戦能力: munitions stocks, co-production in Japan, days of fire, and the
denial race they decide.

Two phases per munition (the munitions, defensive and offensive, come from the data library):

1. *Build-up*, one step per calendar year from the base year to the year before the
   conflict: US output (history and announced targets, then a ramp to the framework rate)
   times the theatre's share of the US pool (today's share scaled by posture's Indo-Pacific
   index), Japan's own output plus a co-production ramp (lever), minus peacetime draws and
   the theatre's share of other theatres' episodic drawdowns. Japan's exports join the US
   pool and reach the theatre only through the backfill share. Japan's and the US theatre
   stocks are kept apart.
2. *Conflict*, one step per day: demand decays from a surge to a sustained rate; resupply
   is the conflict year's output, arriving after a transit delay and raised by a wartime
   surge factor only after the industrial lead time; fire what demand asks of what is there
   and what the surviving launchers can fire. Launchers are lost while the defensive
   interceptors (``critical``) fall short of their demand. The anti-ship and strike shots
   aimed at the attacker's lift run the denial race of :mod:`kaname.models.race`.

See ``docs/models/sustainment.md`` for the equations, parameters and validation.

References
----------
Cancian, M., Cancian, M. & Heginbotham, E. (2023). *The First Battle of the Next War:
Wargaming a Chinese Invasion of Taiwan*. CSIS.
Jones, S. G. (2023). *Empty Bins in a Wartime Environment*. CSIS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import DataError
from kaname.models import race, sustainment_kernel
from kaname.models.base import Settings
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.models.sustainment_kernel import SERIES
from kaname.spec import Spec

DAYS_PER_YEAR = 365.25  # pint's year; rates are per year, the conflict runs in days
MAX_YEAR = 2060
FIGHT_BLOCK = 8192  # samples per pass of the daily loop: (block x munitions) arrays stay in cache


_RATE: dict[str, Any] = {"unit": "missile/year", "low": 0.0}


def _year(label_en: str, label_ja: str, **kw: Any) -> Any:
    """A calendar-year input from the run's base year to MAX_YEAR."""
    return lambda model, _: Spec(label_en, label_ja, unit="calendar_year",
                                 low=model.settings.base_year, high=MAX_YEAR, **kw)


def rate_caps(library: Library) -> dict[str, float]:
    """Each munition's co-production lever bound: the high end of its own capacity ceiling
    (so adding a munition never widens another munition's lever)."""
    return {m: library.get(f"sustainment.{m}.japan_capacity_max").bounds("missile/year")[2]
            for m in library.groups("sustainment")}


def exports_delivered(model: Any, x: Mapping[str, np.ndarray], munitions: Sequence[str],
                      conflict_year: np.ndarray) -> np.ndarray:
    """Co-produced missiles exported to US stocks before the conflict year, summed over
    `munitions`: the same build-up recursion as :meth:`SustainmentModel.evaluate` (base
    year to the year before the conflict), so posture and sustainment count one delivery."""
    base_year = model.settings.base_year
    total = np.zeros(len(conflict_year))
    for m in munitions:
        def col(key: str, m: str = m) -> np.ndarray:
            return np.asarray(x[f"sustainment.{m}.{key}"], dtype=float)
        rate, cap, start = col("japan_rate"), col("japan_capacity_max"), col("japan_start_year")
        ramp, export = col("japan_ramp_years"), col("export_share")
        for year in range(base_year, int(np.max(conflict_year, initial=base_year))):
            coprod = SustainmentModel.japan_coproduction(year, rate, cap, start, ramp)
            total += np.where(year < conflict_year, export * coprod, 0.0)
    return total


def output_value_in_year(x: Mapping[str, np.ndarray], munitions: Sequence[str],
                         year: np.ndarray) -> np.ndarray:
    """Yen of Japan's output of each munition in `year` (n, M): licensed production plus
    co-production on its ramp, at Japan's unit cost. Autonomy reads it for the output of
    US designs that depends on US parts and approval (issue #16)."""
    def col(m: str, key: str) -> np.ndarray:
        return np.asarray(x[f"sustainment.{m}.{key}"], dtype=float)
    return np.stack([
        (col(m, "japan_licensed_rate") + SustainmentModel.japan_coproduction(
            year, col(m, "japan_rate"), col(m, "japan_capacity_max"),
            col(m, "japan_start_year"), col(m, "japan_ramp_years")))
        * col(m, "unit_cost_japan") for m in munitions], axis=-1)


def check_munitions(library: Library, munitions: Sequence[str]) -> None:
    """Every munition in the data library carries every per-munition field: a missing one
    is named with its file, not discovered as a missing column mid-run."""
    required = ["us_rate_history", *SustainmentModel.per_munition.members]
    for m in munitions:
        for key in required:
            path = f"sustainment.{m}.{key}"
            if path not in library:
                file = next(e.file for e in library if e.path.startswith(f"sustainment.{m}."))
                raise DataError(f"munition {m!r} has no {key!r} (every munition needs all "
                                f"{len(required)} fields of docs/models/sustainment.md)",
                                file=file, key=path)


# The co-production levers and limits another model may read (posture's "reliable partner").
DELIVERY_INPUTS = ("japan_rate", "japan_capacity_max", "japan_start_year", "japan_ramp_years",
                   "export_share")
OUTPUT_VALUE_INPUTS = ("japan_licensed_rate", *DELIVERY_INPUTS[:4], "unit_cost_japan")


@dataclass(frozen=True)
class _History:
    """US production history and announced targets of one munition (not sampled)."""

    years: np.ndarray
    rates: np.ndarray


class SustainmentModel(DeclaredModel):
    """Munitions sustainment and co-production; see the module docstring."""

    name = "sustainment"
    lever_group = {"en": "Munitions co-production", "ja": "弾薬の共同生産"}
    report_section = "kaname.report.sections:sustainment_section"

    conflict_year = Input(lambda model, _: Spec(
        "Conflict year", "有事の発生年", unit="calendar_year", kind="integer",
        low=model.settings.base_year, high=MAX_YEAR))
    per_munition = Family("munition", {
        "critical": Input(Spec("Counts toward sustainment days", "継戦日数の算定対象", kind="bool")),
        "us_framework_rate": Input(Spec("US framework output rate", "米国の増産枠組みの年産目標", **_RATE)),
        "us_framework_year": Input(_year("Year US framework rate is reached", "米国が増産目標に達する年")),
        "indo_pacific_share": Input(Spec(
            "Baseline share of US output reaching the Indo-Pacific",
            "米国生産のうちインド太平洋に届く割合(基準)", low=0.0, high=1.0,
            description="At today's posture; scaled by the Indo-Pacific resources index.")),
        "japan_licensed_rate": Input(Spec("Japan licensed production", "日本のライセンス生産", **_RATE)),
        "japan_rate": Input(lambda model, m: Spec(
            "Japan co-production rate (full rate)", "日本の共同生産レート(フル稼働時)",
            unit="missile/year", low=0.0, high=model.rate_caps.get(m, 0.0), lever=True)),
        "japan_start_year": Input(_year("Japan co-production start year", "日本の共同生産開始年",
                                        lever=True)),
        "japan_ramp_years": Input(Spec(
            "Years to reach full co-production rate", "共同生産がフル稼働に達するまでの年数", unit="year", low=1.0,
            high=20.0, lever=True)),
        "japan_capacity_max": Input(Spec("Ceiling on Japan co-production",
                                         "日本の共同生産能力の上限", **_RATE)),
        "japan_capacity_no_investment": Input(Spec(
            "Japan capacity without new investment", "追加投資なしの日本の生産能力", **_RATE)),
        "capacity_investment_cost": Input(Spec(
            "Capacity investment per missile/year", "年産1発あたりの設備投資額", unit="JPY*year/missile",
            low=0.0)),
        "unit_cost_japan": Input(Spec(
            "Unit cost to Japan of a co-produced missile", "共同生産1発あたりの日本の負担額", unit="JPY/missile",
            low=0.0)),
        "export_share": Input(Spec(
            "Share of co-production exported to US stocks", "共同生産のうち米国在庫へ輸出する割合", low=0.0, high=1.0,
            lever=True)),
        "transit_days": Input(Spec(
            "Transit delay, US output to theatre", "米国生産分の戦域到着までの日数", unit="day", low=0.0,
            high=365.0)),
        "japan_transit_days": Input(Spec(
            "Transit delay, Japan output to units", "国内生産分の部隊到着までの日数", unit="day", low=0.0,
            high=365.0)),
        "surge_lead_time": Input(Spec(
            "Lead time before wartime surge output", "戦時増産までのリードタイム", unit="day", low=0.0)),
        "wartime_surge_factor": Input(Spec(
            "Wartime surge multiplier on output", "戦時増産倍率", low=1.0, high=20.0)),
        "us_peacetime_draw": Input(Spec(
            "Peacetime draw on US theatre stock", "米国戦域在庫の平時消費", **_RATE)),
        "japan_peacetime_draw": Input(Spec(
            "Peacetime draw on Japan's stock", "日本の在庫の平時消費", **_RATE)),
        "stock_base_japan": Input(Spec(
            "Japan's stock at base year", "基準年の日本の在庫", unit="missile", low=0.0)),
        "stock_base_us": Input(Spec(
            "US theatre stock at base year", "基準年の米国戦域在庫", unit="missile", low=0.0)),
        "surge_demand_per_day": Input(Spec(
            "Demand at conflict start", "開戦直後の需要(発/日)", unit="shot/day", low=0.0)),
        "sustained_demand_per_day": Input(Spec(
            "Sustained demand", "持続段階の需要(発/日)", unit="shot/day", low=0.0)),
        "demand_decay_days": Input(Spec(
            "Surge decay time constant", "需要ピークの減衰時定数", unit="day", low=0.01)),
        "export_backfill_share": Input(Spec(
            "Share of exported rounds the US sends on to the theatre",
            "輸出分のうち米国が戦域在庫へ回す割合", low=0.0, high=1.0)),
        "drawdown_per_episode": Input(Spec(
            "Rounds one other-theatre episode draws from the US pool",
            "他地域の有事1回あたりの米国在庫からの引出し", unit="missile", low=0.0)),
        "launchers": Input(Spec(
            "Launchers or platforms in theatre at the start", "開戦時の戦域の発射機・プラットフォーム数",
            unit="launcher", low=0.0)),
        "rounds_per_launcher": Input(Spec(
            "Rounds loaded per launcher", "発射機1基あたりの搭載弾数", unit="missile/launcher",
            low=0.0)),
        "reloads_per_day": Input(Spec(
            "Loads fired and reloaded per launcher a day", "発射機1基あたりの1日の再装填回数",
            unit="1/day", low=0.0)),
        "lift_share": Input(Spec(
            "Share of shots aimed at the attacker's lift", "侵攻側の輸送・揚陸艦艇に向ける発射の割合",
            low=0.0, high=1.0)),
        "p_hit_lift": Input(Spec(
            "Probability a shot at the lift hits", "揚陸艦艇への1発あたりの命中確率", low=0.0,
            high=1.0)),
    })
    # -- the pool and the race (one value per future) -------------------------------------
    theatre_index = Input(Spec(
        "US Indo-Pacific resources index", "米国のインド太平洋資源指数", low=0.0,
        description="Scales every munition's baseline theatre share (from posture)."),
        link="posture.indo_pacific_index")
    drawdown_episodes_per_year = Input(Spec(
        "Other-theatre drawdown episodes a year", "他地域の有事による在庫引出しの年間回数",
        unit="1/year", low=0.0))
    launcher_loss_per_day_undefended = Input(Spec(
        "Launchers lost per day when undefended", "防空が尽きたときの発射機の1日あたり損耗率",
        unit="1/day", low=0.0, high=1.0))
    attacker_lift_ships = Input(Spec(
        "Attacker's amphibious and transport lift", "侵攻側の揚陸・輸送艦艇数", unit="ship",
        low=1.0))
    lift_reconstitution_per_day = Input(Spec(
        "Lift added per day", "1日あたりの輸送力の補充", unit="ship/day", low=0.0))
    hits_per_ship_sunk = Input(Spec(
        "Hits to sink a lift ship", "揚陸艦艇1隻を撃沈するのに要する命中数", low=1e-3))
    lift_share_to_fail = Input(Spec(
        "Share of the lift whose loss defeats the invasion", "侵攻を失敗させる輸送力の喪失割合",
        low=0.0, high=1.0))
    attacker_establish_days = Input(Spec(
        "Days the attacker needs to be established ashore", "侵攻側が上陸拠点を確立するのに要する日数",
        unit="day", low=0.0, high=365.0))
    race_spread = Input(Spec(
        "Spread of the ships sunk between campaigns", "作戦ごとの撃沈数のばらつき", low=0.0,
        high=1.0, description="Coefficient of variation of the net ships sunk."))

    sustainment_days = Output(Spec(
        "Sustainment days (critical munitions)", "継戦日数(重要弾薬)", unit="day", low=0.0, headline=True,
        better="higher"))
    coproduction_cost_jpy = Output(Spec(
        "Co-production cost to Japan", "共同生産の日本の負担", unit="JPY", low=0.0, headline=True,
        better="lower"))
    stock_at_start = Output(Spec(
        "Theatre stock at conflict start", "開戦時の戦域在庫", unit="missile", low=0.0, dims=("munition",),
        better="higher"))
    stock_at_start_japan = Output(Spec(
        "Japan's stock at conflict start", "開戦時の日本の在庫", unit="missile", low=0.0,
        dims=("munition",)))
    stock_at_start_us = Output(Spec(
        "US theatre stock at conflict start", "開戦時の米国戦域在庫", unit="missile", low=0.0,
        dims=("munition",)))
    days_to_depletion = Output(Spec(
        "Days to depletion", "枯渇までの日数", unit="day", low=0.0, dims=("munition",), headline=True,
        better="higher"))
    fill_rate = Output(Spec(
        "Fill rate (fired ÷ demanded)", "充足率(発射数÷需要)", low=0.0, high=1.0, dims=("munition",),
        better="higher"))
    shortfall = Output(Spec(
        "Unmet demand over the horizon", "期間中の未充足需要", unit="shot", low=0.0, dims=("munition",),
        better="lower"))
    stock_at_end = Output(Spec(
        "Stock at end of horizon", "期間終了時の在庫", unit="missile", low=0.0, dims=("munition",)))
    resupply_total = Output(Spec(
        "Resupply delivered during the conflict", "戦時中の補給到着数", unit="missile", low=0.0,
        dims=("munition",)))
    japan_output_total = Output(Spec(
        "Japan's output before the conflict", "開戦までの日本の生産数", unit="missile", low=0.0,
        dims=("munition",)))
    lift_sunk_share = Output(Spec(
        "Net share of the lift sunk before establishment", "上陸拠点確立までに撃沈した輸送力の割合(純)",
        high=1.0, headline=True, better="higher",
        description="(L_0 - L_T) / L_0: negative when reconstitution outpaces sinking."))
    lift_hits = Output(Spec(
        "Hits on the lift before establishment", "上陸拠点確立までの揚陸艦艇への命中数", unit="shot",
        low=0.0, better="higher"))
    p_deny_race = Output(Spec(
        "Probability the lift is sunk in time", "輸送力を期限内に撃沈できる確率", low=0.0, high=1.0,
        better="higher", description="The denial race with the US fighting (see race.py)."))
    launcher_survival = Output(Spec(
        "Share of launchers surviving at establishment", "上陸拠点確立時点の発射機の残存率", low=0.0,
        high=1.0, better="higher"))
    stock = Output(Spec(
        "Theatre stock at start of day", "各日の開始時在庫", unit="missile", low=0.0,
        dims=("munition", "day"), series=True))
    fired = Output(Spec(
        "Shots fired", "発射数", unit="shot", low=0.0, dims=("munition", "day"), series=True))
    resupply = Output(Spec(
        "Resupply arriving", "補給到着数", unit="missile", low=0.0, dims=("munition", "day"),
        series=True))
    demand = Output(Spec(
        "Demand", "需要", unit="shot", low=0.0, dims=("munition", "day"), series=True))
    lift = Output(Spec(
        "Attacker's lift afloat", "侵攻側の輸送力(残存艦艇)", unit="ship", low=0.0, dims=("day",),
        series=True))
    launchers_surviving = Output(Spec(
        "Share of launchers surviving", "発射機の残存率", low=0.0, high=1.0, dims=("day",),
        series=True))

    def __init__(self, munitions: Mapping[str, str], munition_labels_ja: Mapping[str, str],
                 history: Mapping[str, _History], settings: Settings,
                 rate_caps: Mapping[str, float]):
        self.munitions = list(munitions)
        self.settings = settings
        self.history = dict(history)
        self.rate_caps = dict(rate_caps)  # each munition's co-production lever bound
        self.coords = {"munition": self.munitions, "day": list(range(settings.horizon_days))}
        self.coord_labels = {"munition": {"en": dict(munitions), "ja": dict(munition_labels_ja)}}

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None
                     ) -> SustainmentModel:
        settings = settings or Settings()
        munitions = library.groups("sustainment")
        check_munitions(library, munitions)
        history = {}
        for m in munitions:
            table = library.get(f"sustainment.{m}.us_rate_history").series("missile/year")
            years = np.array(sorted(table), dtype=float)
            history[m] = _History(years, np.array([table[int(y)] for y in years]))
        labels_en = {m: library.label(f"sustainment.{m}", "en") for m in munitions}
        labels_ja = {m: library.label(f"sustainment.{m}", "ja") for m in munitions}
        return cls(labels_en, labels_ja, history, settings, rate_caps(library))

    # -- phase 1: the years before the conflict ---------------------------------------------
    def us_rate(self, m: str, year: float | np.ndarray, framework_rate: np.ndarray,
                framework_year: np.ndarray) -> np.ndarray:
        """US output in `year`: history and announced targets (interpolated), then a linear
        ramp from the last announced point to the framework rate in the framework year."""
        h = self.history[m]
        last_year, last_rate = h.years[-1], h.rates[-1]
        history = np.interp(year, h.years, h.rates)
        span = np.maximum(framework_year - last_year, 1e-9)
        frac = np.clip((year - last_year) / span, 0.0, 1.0)
        return np.where(year <= last_year, history, last_rate + frac * (framework_rate - last_rate))

    @staticmethod
    def japan_coproduction(year: float | np.ndarray, rate: np.ndarray, cap: np.ndarray,
                           start: np.ndarray, ramp_years: np.ndarray) -> np.ndarray:
        """Co-production output in `year`: min(r, cap) times a linear ramp from the start."""
        ramp = np.clip((year - start + 1.0) / ramp_years, 0.0, 1.0)
        return np.minimum(rate, cap) * ramp

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        conflict_year = np.asarray(x["sustainment.conflict_year"], dtype=float)
        n = conflict_year.shape[0]
        M, H = len(self.munitions), self.settings.horizon_days
        base_year = self.settings.base_year

        def col(key: str) -> np.ndarray:
            """(n, M) array of a per-munition input."""
            return np.stack([np.asarray(x[f"sustainment.{m}.{key}"], dtype=float)
                             for m in self.munitions], axis=1)

        def one(key: str) -> np.ndarray:
            return np.asarray(x[f"sustainment.{key}"], dtype=float)

        # The theatre's share of the US global pool: today's share scaled by US resources.
        share = np.clip(col("indo_pacific_share") * one("theatre_index")[:, None], 0.0, 1.0)
        backfill = col("export_backfill_share")
        licensed, rate = col("japan_licensed_rate"), col("japan_rate")
        cap, start = col("japan_capacity_max"), col("japan_start_year")
        ramp = col("japan_ramp_years")
        export = col("export_share")
        fw_rate, fw_year = col("us_framework_rate"), col("us_framework_year")
        draw_us, draw_jp = col("us_peacetime_draw"), col("japan_peacetime_draw")
        # Other theatres draw on the same pool; the theatre loses its share of each draw.
        drawdown = share * one("drawdown_episodes_per_year")[:, None] * col("drawdown_per_episode")

        stock_jp = col("stock_base_japan").copy()
        stock_us = col("stock_base_us").copy()
        japan_total = np.zeros((n, M))
        kept_coproduced = np.zeros((n, M))
        last_year = int(np.max(conflict_year, initial=base_year))
        for year in range(base_year, last_year):
            before = (year < conflict_year)[:, None]
            us = np.stack([self.us_rate(m, year, fw_rate[:, j], fw_year[:, j])
                           for j, m in enumerate(self.munitions)], axis=1)
            coprod = self.japan_coproduction(year, rate, cap, start, ramp)
            stock_jp = np.where(before, np.maximum(
                stock_jp + licensed + (1.0 - export) * coprod - draw_jp, 0.0), stock_jp)
            # Exports join the US pool: the theatre sees only the backfilled part.
            stock_us = np.where(before, np.maximum(
                stock_us + share * us + backfill * export * coprod - draw_us - drawdown, 0.0),
                stock_us)
            japan_total += np.where(before, licensed + coprod, 0.0)
            kept_coproduced += np.where(before, (1.0 - export) * coprod, 0.0)
        stock0 = stock_jp + stock_us

        # -- phase 2: the conflict, day by day --------------------------------------------
        us_now = np.stack([self.us_rate(m, conflict_year, fw_rate[:, j], fw_year[:, j])
                           for j, m in enumerate(self.munitions)], axis=1)
        # In a war in Japan, everything made in Japan is in the theatre.
        jp_now = licensed + self.japan_coproduction(conflict_year[:, None], rate, cap, start,
                                                    ramp)
        us_daily = share * us_now / DAYS_PER_YEAR
        jp_daily = jp_now / DAYS_PER_YEAR
        d_surge, d_sus = col("surge_demand_per_day"), col("sustained_demand_per_day")
        tau = col("demand_decay_days")

        p_hit = col("p_hit_lift")
        aimed = col("lift_share") * p_hit
        conflict = {
            "stock0": stock0, "us_daily": us_daily, "jp_daily": jp_daily,
            "transit_us": col("transit_days"), "transit_jp": col("japan_transit_days"),
            "lead": col("surge_lead_time"), "surge_factor": col("wartime_surge_factor"),
            "d_surge": d_surge, "d_sus": d_sus, "tau": tau,
            "critical": (col("critical") > 0.5).astype(float),
            "fire_capacity": col("launchers") * col("rounds_per_launcher")
            * col("reloads_per_day"),
            "loss_rate": one("launcher_loss_per_day_undefended"),
            "aimed": aimed,
            "aimed_var": aimed * (1.0 - p_hit),
            "hits_per_ship": one("hits_per_ship_sunk"),
            "reconstitution": one("lift_reconstitution_per_day"),
            "establish": one("attacker_establish_days"),
        }
        # The daily loop runs over blocks of samples small enough to stay in cache; every
        # operation is per sample, so the numbers do not depend on the block size.
        blocks = [self._fight({k: v[lo:lo + FIGHT_BLOCK] for k, v in conflict.items()}, series)
                  for lo in range(0, max(n, 1), FIGHT_BLOCK)]
        fight = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
        stock, depleted_at = fight["stock_end"], fight["depleted_at"]
        net_sunk, variance_ships = fight["net_sunk"], fight["variance_ships"]
        critical = conflict["critical"] > 0.5
        lift0 = one("attacker_lift_ships")
        demand_total, resupply_total = fight["demand_total"], fight["resupply_total"]
        fired_total = stock0 + resupply_total - stock  # conservation of stock

        by_critical = np.where(critical, depleted_at, np.inf).min(axis=1)
        sustainment_days = np.where(np.isfinite(by_critical), by_critical, depleted_at.min(axis=1))
        needed = licensed + np.minimum(rate, cap) - col("japan_capacity_no_investment")
        invest = np.where(rate > 0, np.maximum(needed, 0.0), 0.0) * col("capacity_investment_cost")
        cost = invest + kept_coproduced * col("unit_cost_japan")
        sunk_share = np.minimum(net_sunk / lift0, 1.0)
        out = {
            "sustainment.stock_at_start": stock0,
            "sustainment.stock_at_start_japan": stock_jp,
            "sustainment.stock_at_start_us": stock_us,
            "sustainment.days_to_depletion": np.minimum(depleted_at, float(H)),
            "sustainment.fill_rate": np.where(
                demand_total > 0, np.clip(fired_total / np.maximum(demand_total, 1e-300), 0, 1),
                1.0),
            "sustainment.shortfall": np.maximum(demand_total - fired_total, 0.0),
            "sustainment.stock_at_end": stock,
            "sustainment.resupply_total": resupply_total,
            "sustainment.japan_output_total": japan_total,
            "sustainment.sustainment_days": np.minimum(sustainment_days, float(H)),
            "sustainment.coproduction_cost_jpy": cost.sum(axis=1),
            "sustainment.lift_sunk_share": sunk_share,
            "sustainment.lift_hits": fight["hits_total"],
            "sustainment.p_deny_race": race.p_deny(net_sunk, one("lift_share_to_fail"), lift0,
                                                   variance_ships, one("race_spread")),
            "sustainment.launcher_survival": fight["standing_at_establishment"],
        }
        if series:
            out.update({f"sustainment.{k}": fight[k] for k in SERIES})
            out["sustainment.lift"] = np.maximum(lift0[:, None] - fight["lift"], 0.0)
        return out

    def _fight(self, a: Mapping[str, np.ndarray], series: bool) -> dict[str, np.ndarray]:
        """The conflict, day by day, for one block of samples (see the module docstring).

        What does not change from day to day is set up here, once; the daily recursion is
        :mod:`kaname.models.sustainment_kernel` (numpy, the reference, or numba)."""
        H = self.settings.horizon_days
        # Resupply is a step function of the day: each stream starts on its arrival day and
        # steps up by the surge factor once the industrial lead time has also passed.
        us_daily, jp_daily, lead = a["us_daily"], a["jp_daily"], a["lead"]
        streams = [
            (a["transit_us"], us_daily),
            (a["transit_us"] + lead, us_daily * (a["surge_factor"] - 1.0)),
            (a["transit_jp"], jp_daily),
            (a["transit_jp"] + lead, jp_daily * (a["surge_factor"] - 1.0)),
        ]
        step_day = np.stack([np.clip(np.ceil(start - 1e-9), 0, H).astype(np.int64)
                             for start, _ in streams])
        step_size = np.stack([size for _, size in streams])
        decay_per_day = np.exp(-1.0 / a["tau"])
        excess = a["d_surge"] - a["d_sus"]
        out = sustainment_kernel.fight(sustainment_kernel.Fight(
            stock0=a["stock0"], excess=excess, d_sus=a["d_sus"], decay_per_day=decay_per_day,
            capacity=a["fire_capacity"], critical=a["critical"], aimed=a["aimed"],
            aimed_var=a["aimed_var"], step_day=step_day, step_size=step_size,
            loss_rate=a["loss_rate"], establish=a["establish"],
            hits_per_ship=a["hits_per_ship"], reconstitution=a["reconstitution"], horizon=H),
            series)
        # Totals in closed form: demand's geometric sum and each step's days active.
        out["demand_total"] = H * a["d_sus"] + excess * _geometric_sum(decay_per_day, H)
        out["resupply_total"] = sum(size * (H - day) for day, size in zip(step_day, step_size,
                                                                        strict=True))
        return out


def _geometric_sum(ratio: np.ndarray, terms: int) -> np.ndarray:
    """Σ_{t<terms} ratio**t, safe at ratio → 1."""
    near_one = np.abs(1.0 - ratio) < 1e-12
    safe = np.where(near_one, 0.5, ratio)
    return np.where(near_one, float(terms), (1.0 - safe**terms) / (1.0 - safe))
