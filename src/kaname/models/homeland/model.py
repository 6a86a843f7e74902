"""homeland — Golden Dome: layered homeland missile defence, its constellation and its cost.

Per sample: size the space-based interceptor (SBI) constellation for the architecture's
design salvo (or take a given count) and deploy it on a schedule: what is in orbit when the
conflict starts, after the build-up years from the base year to the year before
``sustainment.conflict_year`` (the one clock of every model, issue #13). Then send each
threat class's raid through the layers in order — space sensors (tracking), SBI (boost
phase), midcourse (GBI/NGI, decoy discrimination), glide phase (GPI, if available by the
conflict year), terminal (defended share), counter-drone — and cost the architecture over a
20-year window from the base year (a cost profile, not a state: it does not move with the
conflict year).

Equations, parameters and calibration: ``docs/models/homeland.md``.

References
----------
Barton, D. K. et al. (2004). Report of the APS Study Group on Boost-Phase Intercept Systems
for National Missile Defense. *Rev. Mod. Phys.* 76, S1.
Congressional Budget Office (2026). *Potential Costs of a National Missile Defense System*.
Harrison, T. (2025). *Build Your Own Golden Dome*. American Enterprise Institute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import InputError
from kaname.models.base import Settings
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.models.homeland import cost as lifecycle
from kaname.models.homeland.engagement import (
    constellation_for_salvo,
    expected_engaged,
    kill_given_engaged,
    limited_layer,
    p_no_leak,
    prob_all_engaged,
)
from kaname.models.homeland.geometry import reach_angle, share_in_reach, time_available
from kaname.models.sustainment import SustainmentModel
from kaname.spec import Spec

NAME = "homeland"
P = "homeland."
THREATS = ("icbm_liquid", "icbm_solid", "hgv", "cruise", "drone")
BOOSTED = ("icbm_liquid", "icbm_solid", "hgv")  # classes with a rocket boost phase
DESIGN_THREAT = "icbm_solid"  # the constellation is sized against solid-fuel ICBMs
TERMINAL = ("icbm_liquid", "icbm_solid", "hgv", "cruise")
FIRST_DECADE_YEARS = 10  # the build-up decade that mean_annual_cost_10y_usd averages

# which layer engages which class (physics, not data): 1 = engages
_SERVES = {
    "midcourse": {"icbm_liquid": 1, "icbm_solid": 1},
    "glide": {"hgv": 1},
    "terminal": {k: 1 for k in TERMINAL},
    "counter_drone": {"drone": 1},
}

THREAT_LABELS = {
    "en": {"icbm_liquid": "ICBM (liquid fuel)", "icbm_solid": "ICBM (solid fuel)",
           "hgv": "Hypersonic glide vehicle", "cruise": "Cruise missile", "drone": "Drone"},
    "ja": {"icbm_liquid": "ICBM(液体燃料)", "icbm_solid": "ICBM(固体燃料)",
           "hgv": "極超音速滑空体", "cruise": "巡航ミサイル", "drone": "ドローン"},
}

_prob: dict[str, Any] = {"low": 0.0, "high": 1.0}
_count: dict[str, Any] = {"unit": "interceptor", "kind": "integer", "low": 0.0}
_usd: dict[str, Any] = {"unit": "USD", "low": 0.0}
_year_point: dict[str, Any] = {"unit": "calendar_year", "low": 2020.0, "high": 2060.0}


def _arrays(x: Mapping[str, Any], *paths: str) -> tuple[np.ndarray, ...]:
    """The values at `paths` as float arrays broadcast together (scalars become 1-d)."""
    return np.broadcast_arrays(*(np.atleast_1d(np.asarray(x[p], dtype=float)) for p in paths))


def check_consistency(x: Mapping[str, Any], file: str | None = None) -> None:
    """Refuse physically inconsistent inputs with one line naming the key.

    The orbit inclination must be at least the launch latitude (else no orbit passes over
    the launch point and the geometry's latitude density is zero there), and each boost time
    must exceed the detection plus decision delay (else there is no time to engage). `x`
    maps input paths to floats or arrays over the sample axis and may hold only some inputs
    (a scenario's fixed values): a check runs when its inputs are there.
    """
    lat_path, incl_path = P + "threat_latitude", P + "sbi.inclination"
    if lat_path in x and incl_path in x:
        lat, incl = _arrays(x, lat_path, incl_path)
        lat = np.abs(lat)
        bad = incl < lat
        if np.any(bad):
            i = int(np.argmax(bad))
            raise InputError(
                f"inclination {incl[i]:g}° is below the launch latitude {lat[i]:g}° "
                f"({P}threat_latitude) in {int(bad.sum())} sample(s); allowed: inclination ≥ "
                "|launch latitude|", file=file, key=incl_path)
    delays = (P + "sbi.detection_delay", P + "sbi.decision_delay")
    for k in BOOSTED:
        boost_path = f"{P}threats.{k}.boost_time"
        if boost_path not in x or not all(d in x for d in delays):
            continue
        boost, detection, decision = _arrays(x, boost_path, *delays)
        delay = detection + decision
        bad = boost <= delay
        if np.any(bad):
            i = int(np.argmax(bad))
            raise InputError(
                f"boost time {boost[i]:g} s is not longer than detection + decision delay "
                f"{delay[i]:g} s in {int(bad.sum())} sample(s); allowed: boost time > "
                f"{P}sbi.detection_delay + {P}sbi.decision_delay", file=file,
                key=boost_path)
    for k in THREATS:
        raid_path = f"{P}threats.{k}.raid_size"
        if raid_path in x and np.any(np.asarray(x[raid_path], dtype=float) < 0):
            raise InputError("raid size must be ≥ 0 missiles", file=file, key=raid_path)


def _only(classes: tuple[str, ...], spec: Spec) -> Callable[[Any, str], Spec | None]:
    """Spec factory of a per-threat input that exists only for the threat `classes`."""
    return lambda model, threat: spec if threat in classes else None


def _library_numbers(library: Library, inputs: Mapping[str, Spec]) -> dict[str, float]:
    """The data library's base value of each numeric input that has a plain number (the
    engine refuses the others, and out-of-range ones, with the data file named)."""
    out: dict[str, float] = {}
    for path, spec in inputs.items():
        if spec.kind in ("category", "bool") or path not in library:
            continue
        entry = library.get(path)
        if entry.table is None and isinstance(entry.base, (int, float)) \
                and not isinstance(entry.base, bool):
            out[path] = float(entry.value(spec.unit))
    return out


def _share_in_reach_deduplicated(lat: np.ndarray, incl: np.ndarray,
                                 rho: np.ndarray) -> np.ndarray:
    """share_in_reach on the distinct (latitude, inclination, reach) rows only: ensembles
    usually vary few geometry inputs, and the quadrature is the model's hot spot."""
    lat, incl, rho = np.broadcast_arrays(lat, incl, rho)
    if lat.ndim != 1 or lat.size < 64:
        return share_in_reach(lat, incl, rho)
    if all(np.all(a == a[0]) for a in (lat, incl, rho)):  # the common case: fixed geometry
        return np.full(lat.shape, share_in_reach(lat[:1], incl[:1], rho[:1])[0])
    rows, inverse = np.unique(np.stack([lat, incl, rho], axis=-1), axis=0, return_inverse=True)
    if len(rows) > lat.size // 2:
        return share_in_reach(lat, incl, rho)
    return share_in_reach(rows[:, 0], rows[:, 1], rows[:, 2])[inverse.ravel()]


class HomelandModel(DeclaredModel):
    """Golden Dome layered homeland defence and its lifecycle cost; see the module docstring."""

    name = NAME
    lever_group = {"en": "Golden Dome", "ja": "ゴールデン・ドーム"}
    report_section = "kaname.report.sections:homeland_section"

    # -- inputs ---------------------------------------------------------------------------
    architecture = Input(lambda model, _: Spec(
        "Golden Dome architecture", "ゴールデン・ドームの構成", kind="category",
        categories=tuple(model.architectures), lever=True))
    # per threat class (boost_time only for boosted classes, terminal_pk not for drones)
    per_threat = Family("threat", {
        "raid_size": Input(Spec("Raid size", "攻撃規模(発射数)", unit="missile",
                                kind="integer", low=0.0, high=5000.0)),
        "boost_time": Input(_only(BOOSTED, Spec("Boost time", "ブースト段階の燃焼時間",
                                                unit="s", low=1.0, high=600.0))),
        "tracking_base": Input(Spec("Tracking probability without space sensors",
                                    "宇宙センサーなしの追尾確率", **_prob)),
        "tracking_with_sensors": Input(Spec("Tracking probability with space sensors",
                                            "宇宙センサーありの追尾確率", **_prob)),
        "terminal_pk": Input(_only(TERMINAL, Spec("Terminal single-shot kill probability",
                                                  "終末段階の単発撃破確率", **_prob))),
    }, path="{model}.threats.{item}.{key}")
    # per architecture (the architectures are the data library's)
    per_architecture = Family("architecture", {
        "sbi_design_salvo": Input(Spec("SBI design salvo (simultaneous solid ICBMs)",
                                       "SBI設計上の同時対処数(固体ICBM)", unit="missile",
                                       kind="integer", low=0.0, high=1000.0)),
        "sensor_layer": Input(Spec("Space sensor layer", "宇宙センサー層", kind="bool")),
        "midcourse_new_interceptors": Input(Spec("New midcourse interceptors (NGI)",
                                                 "中間段階迎撃ミサイルの追加数(NGI)", **_count)),
        "midcourse_new_sites": Input(Spec("New midcourse sites", "中間段階迎撃の新規サイト数",
                                          unit="dimensionless", kind="integer", low=0.0,
                                          high=10.0)),
        "gpi_interceptors": Input(Spec("Glide-phase interceptors (GPI)",
                                       "滑空段階迎撃ミサイル(GPI)数", **_count)),
        "terminal_batteries": Input(Spec("Terminal batteries", "終末段階の迎撃部隊(高射隊)数",
                                         unit="dimensionless", kind="integer", low=0.0,
                                         high=1000.0)),
        "counter_drone_interceptors": Input(Spec("Counter-drone interceptors",
                                                 "対ドローン迎撃弾数", **_count)),
        "defended_share": Input(Spec("Share of aim points under terminal defence",
                                     "終末防護下の目標の割合", **_prob)),
    }, path="{model}.architectures.{item}.{key}")
    # the layers, the geometry and the cost window
    threat_latitude = Input(Spec("Launch latitude", "発射地点の緯度", unit="degree", low=-90.0,
                                 high=90.0))
    # the one clock (issue #13): sustainment's conflict year, the same declaration
    conflict_year = Input(SustainmentModel.conflict_year.spec, path="sustainment.conflict_year")
    os_share_per_year = Input(Spec("Operations and support per year (share of acquisition)",
                                   "年間運用維持費(取得費比)", unit="1/year", low=0.0, high=1.0))
    acquisition_years = Input(Spec("Years to field the other layers", "他の防衛層の整備年数",
                                   unit="year", low=1.0, high=20.0))
    sbi_altitude = Input(Spec("SBI orbit altitude", "SBIの軌道高度", unit="km", low=150.0,
                              high=2000.0), path="{model}.sbi.altitude")
    sbi_inclination = Input(Spec("SBI orbit inclination", "SBIの軌道傾斜角", unit="degree",
                                 low=0.0, high=90.0), path="{model}.sbi.inclination")
    sbi_kill_vehicle_speed = Input(Spec("SBI fly-out speed", "SBIの平均飛翔速度", unit="km/s",
                                        low=0.1, high=12.0),
                                   path="{model}.sbi.kill_vehicle_speed")
    sbi_detection_delay = Input(Spec("Launch detection delay", "発射探知までの遅れ", unit="s",
                                     low=0.0, high=300.0), path="{model}.sbi.detection_delay")
    sbi_decision_delay = Input(Spec("Decision and commit delay", "交戦決定までの遅れ", unit="s",
                                    low=0.0, high=300.0), path="{model}.sbi.decision_delay")
    sbi_pk = Input(Spec("SBI single-shot kill probability", "SBIの単発撃破確率", **_prob),
                   path="{model}.sbi.pk")
    sbi_shots_per_missile = Input(Spec("SBIs committed per missile", "1発あたり投入するSBI数",
                                       unit="interceptor", kind="integer", low=1.0, high=8.0),
                                  path="{model}.sbi.shots_per_missile")
    sbi_design_confidence = Input(Spec("Confidence of engaging the design salvo",
                                       "設計上の同時対処の信頼度", low=0.01, high=0.9999),
                                  path="{model}.sbi.design_confidence")
    sbi_count_override = Input(Spec("SBI count (0 = size for the design salvo)",
                                    "SBI数(0なら設計同時対処数から算出)", lever=True, **_count),
                               path="{model}.sbi.count_override")
    sbi_unit_cost = Input(Spec("Cost per SBI", "SBI 1基あたりの費用", **_usd),
                          path="{model}.sbi.unit_cost")
    sbi_mass = Input(Spec("Mass per SBI", "SBI 1基の質量", unit="kg", low=1.0),
                     path="{model}.sbi.mass")
    sbi_launch_price = Input(Spec("Launch price", "打上げ単価", unit="USD/kg", low=0.0),
                             path="{model}.sbi.launch_price")
    sbi_service_life = Input(Spec("SBI service life", "SBIの運用寿命", unit="year", low=1.0,
                                  high=30.0), path="{model}.sbi.service_life")
    sbi_buildup_years = Input(Spec("SBI build-up years", "SBIの配備完了までの年数", unit="year",
                                   low=0.5, high=20.0), path="{model}.sbi.buildup_years")
    sbi_first_launch_year = Input(Spec("First SBI launch year", "SBI初打上げ年", **_year_point),
                                  path="{model}.sbi.first_launch_year")
    sbi_development_cost = Input(Spec("SBI development cost", "SBI開発費", **_usd),
                                 path="{model}.sbi.development_cost")
    midcourse_existing_interceptors = Input(Spec("Existing GBIs", "既存GBI数", **_count),
                                            path="{model}.midcourse.existing_interceptors")
    midcourse_pk = Input(Spec("Midcourse single-shot kill probability", "中間段階の単発撃破確率",
                              **_prob), path="{model}.midcourse.pk")
    midcourse_shots_per_threat = Input(Spec("Midcourse shots per threat",
                                            "中間段階の1目標あたり射数", unit="interceptor",
                                            kind="integer", low=1.0, high=8.0),
                                       path="{model}.midcourse.shots_per_threat")
    midcourse_discrimination = Input(Spec("Decoy discrimination probability", "おとり識別確率",
                                          **_prob), path="{model}.midcourse.discrimination")
    midcourse_unit_cost = Input(Spec("Cost per NGI", "NGI 1発の費用", **_usd),
                                path="{model}.midcourse.unit_cost")
    midcourse_site_cost = Input(Spec("Cost per new midcourse site",
                                     "中間段階迎撃サイト1か所の費用", **_usd),
                                path="{model}.midcourse.site_cost")
    midcourse_site_os_per_year = Input(Spec("O&S per new site per year",
                                            "新サイトの年間運用維持費", unit="USD/year",
                                            low=0.0), path="{model}.midcourse.site_os_per_year")
    midcourse_os_per_interceptor_year = Input(Spec(
        "O&S per NGI per year", "NGIの年間運用維持費", unit="USD/year", low=0.0),
        path="{model}.midcourse.os_per_interceptor_year")
    glide_available_year = Input(Spec("Glide-phase interceptor availability year",
                                      "滑空段階迎撃ミサイルの配備年", **_year_point),
                                 path="{model}.glide.available_year")
    glide_pk = Input(Spec("Glide-phase single-shot kill probability", "滑空段階の単発撃破確率",
                          **_prob), path="{model}.glide.pk")
    glide_shots_per_threat = Input(Spec("Glide-phase shots per threat",
                                        "滑空段階の1目標あたり射数", unit="interceptor",
                                        kind="integer", low=1.0, high=8.0),
                                   path="{model}.glide.shots_per_threat")
    glide_unit_cost = Input(Spec("Cost per GPI", "GPI 1発の費用", **_usd),
                            path="{model}.glide.unit_cost")
    glide_development_cost = Input(Spec("US share of GPI development", "GPI開発費(米国負担分)",
                                        **_usd), path="{model}.glide.development_cost")
    terminal_battery_cost = Input(Spec("Cost per terminal battery", "終末段階迎撃部隊1個の費用",
                                       **_usd), path="{model}.terminal.battery_cost")
    terminal_interceptors_per_battery = Input(Spec(
        "Interceptors per battery", "1個部隊あたりの迎撃ミサイル数", **_count),
        path="{model}.terminal.interceptors_per_battery")
    terminal_shots_per_threat = Input(Spec("Terminal shots per threat",
                                           "終末段階の1目標あたり射数", unit="interceptor",
                                           kind="integer", low=1.0, high=8.0),
                                      path="{model}.terminal.shots_per_threat")
    counter_drone_unit_cost = Input(Spec("Cost per counter-drone interceptor",
                                         "対ドローン迎撃弾1発の費用", **_usd),
                                    path="{model}.counter_drone.unit_cost")
    counter_drone_pk = Input(Spec("Counter-drone single-shot kill probability",
                                  "対ドローンの単発撃破確率", **_prob),
                             path="{model}.counter_drone.pk")
    counter_drone_shots_per_threat = Input(Spec("Counter-drone shots per drone",
                                                "ドローン1機あたりの射数", unit="interceptor",
                                                kind="integer", low=1.0, high=8.0),
                                           path="{model}.counter_drone.shots_per_threat")
    sensors_annual_cost = Input(Spec("Space sensor layer cost per year",
                                     "宇宙センサー層の年間費用", unit="USD/year", low=0.0),
                                path="{model}.sensors.annual_cost")

    # -- outputs --------------------------------------------------------------------------
    sbi_count = Output(Spec("SBI constellation size", "SBI配備数", unit="interceptor", low=0.0,
                            headline=True))
    sbi_deployed = Output(Spec("SBIs in orbit in the conflict year", "有事発生年の軌道上SBI数",
                               unit="interceptor", low=0.0))
    absentee_ratio = Output(Spec("Absentee ratio (solid ICBM)", "不在率(固体ICBM)", low=1.0,
                                 better="lower"))
    share_in_reach = Output(Spec("Share of SBIs within reach (solid ICBM)",
                                 "射程内SBIの割合(固体ICBM)", low=0.0, high=1.0,
                                 better="higher"))
    p_salvo_engaged = Output(Spec("P(whole solid-ICBM raid engaged from orbit)",
                                  "固体ICBM攻撃の全弾を宇宙から交戦できる確率", low=0.0, high=1.0,
                                  better="higher"))
    expected_leakers = Output(Spec("Expected leakers", "撃ち漏らし期待数", unit="missile",
                                   low=0.0, dims=("threat",), better="lower"))
    p_no_leak = Output(Spec("P(no leaker)", "撃ち漏らしゼロの確率", low=0.0, high=1.0,
                            dims=("threat",), better="higher"))
    interceptors_used = Output(Spec("Interceptors used", "使用迎撃弾数", unit="interceptor",
                                    low=0.0, dims=("threat",)))
    expected_leakers_total = Output(Spec("Expected leakers, all classes",
                                         "撃ち漏らし期待数(全種)", unit="missile", low=0.0,
                                         headline=True, better="lower"))
    p_no_leak_total = Output(Spec("P(no leaker), all classes", "撃ち漏らしゼロの確率(全種)",
                                  low=0.0, high=1.0, headline=True, better="higher"))
    cost_20y_usd = Output(Spec("Golden Dome cost over the window",
                               "ゴールデン・ドームの期間総費用", unit="USD", low=0.0,
                               headline=True, better="lower"))
    sbi_layer_cost_20y_usd = Output(Spec("SBI layer cost over the window", "SBI層の期間総費用",
                                         unit="USD", low=0.0, better="lower"))
    annual_cost_usd = Output(Spec("Golden Dome cost by year", "ゴールデン・ドームの年別費用",
                                  unit="USD/year", low=0.0, dims=("year",)))
    mean_annual_cost_10y_usd = Output(Spec("Mean annual cost, first decade",
                                           "最初の10年間の年平均費用", unit="USD/year", low=0.0))
    annual_cost_at_conflict_usd = Output(Spec(
        "Golden Dome cost in the conflict year", "有事発生年のゴールデン・ドーム費用",
        unit="USD/year", low=0.0,
        description="annual_cost_usd in the conflict year (the last year of the window after it)"))
    cost_per_leaker_averted_usd = Output(Spec("Cost per expected leaker averted",
                                              "撃ち漏らし1発を減らす費用", unit="USD", low=0.0,
                                              better="lower"))

    def __init__(self, architectures: list[str], settings: Settings, horizon_years: int = 20):
        if not architectures:
            raise InputError("no architectures in the data library", key=P + "architectures")
        self.architectures = list(architectures)
        self.settings = settings
        self.horizon = int(horizon_years)
        years = [str(settings.base_year + t) for t in range(self.horizon)]
        self.coords = {"threat": list(THREATS), "year": years}
        self.coord_labels = {"threat": {lang: dict(v) for lang, v in THREAT_LABELS.items()}}

    def items(self, dim: str) -> Sequence[str]:
        if dim == "architecture":
            return self.architectures
        return super().items(dim)

    def validate(self, x: Mapping[str, Any], *, file: str | None = None) -> None:
        """Physical consistency (see :func:`check_consistency`)."""
        check_consistency(x, file=file)

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> HomelandModel:
        """Build from the data library; refuse a cost window shorter than the first decade
        and inconsistent defaults with one line (the engine checks each default's range)."""
        settings = settings or Settings()
        architectures = library.groups(P + "architectures")
        horizon = int(library.get(P + "cost_horizon_years").value("year"))
        if horizon < FIRST_DECADE_YEARS:
            raise InputError(f"must be at least {FIRST_DECADE_YEARS} years",
                             file=library.get(P + "cost_horizon_years").file,
                             key=P + "cost_horizon_years")
        model = cls(architectures, settings, horizon)
        model.validate(_library_numbers(library, model.inputs),
                       file=library.get(P + "sbi.inclination").file)
        return model

    def defaults(self, library: Library) -> dict[str, float]:
        """Engine-ready default of every input (category codes for categories), as the
        engine assembles them from `library`."""
        from kaname.engine import Engine

        # the Model protocol's attributes are settable, DeclaredModel's derived read-only
        engine = Engine([self], library)
        return {path: engine.default(path) for path in self.inputs}

    # -- pieces reused by the CLI -----------------------------------------------------------
    @staticmethod
    def geometry(x: Mapping[str, np.ndarray], threat: str) -> dict[str, np.ndarray]:
        """Reach and share-in-reach for one boosted threat class."""
        t_a = time_available(x[f"{P}threats.{threat}.boost_time"], x[P + "sbi.detection_delay"],
                             x[P + "sbi.decision_delay"])
        rho = reach_angle(x[P + "sbi.kill_vehicle_speed"], t_a, x[P + "sbi.altitude"])
        f = _share_in_reach_deduplicated(np.asarray(x[P + "threat_latitude"], dtype=float),
                                         np.asarray(x[P + "sbi.inclination"], dtype=float), rho)
        return {"time_available_s": t_a, "reach_angle_rad": rho,
                "reach_km": rho * (6371.0 + np.asarray(x[P + "sbi.altitude"])),
                "share_in_reach": f}

    def _arch(self, x: Mapping[str, np.ndarray], key: str, code: np.ndarray) -> np.ndarray:
        table = np.stack([np.asarray(x[f"{P}architectures.{a}.{key}"], dtype=float)
                          for a in self.architectures], axis=-1)
        return np.take_along_axis(table, code[:, None], axis=-1)[:, 0]

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Vectorised over the sample axis; the engine has called :meth:`validate` first."""
        v = {k: np.asarray(val, dtype=float) for k, val in x.items()}
        n = len(next(iter(v.values())))
        code = np.clip(np.rint(v[P + "architecture"]).astype(int), 0,
                       len(self.architectures) - 1)

        def arch(key: str) -> np.ndarray:
            return self._arch(v, key, code)

        def per_threat(key: str, classes=THREATS, fill=0.0) -> np.ndarray:
            return np.stack([v[f"{P}threats.{k}.{key}"] if k in classes else np.full(n, fill)
                             for k in THREATS], axis=-1)

        raid = np.rint(np.maximum(per_threat("raid_size"), 0.0))

        # -- constellation: size, schedule, share in reach per boosted class
        shares = {k: self.geometry(v, k)["share_in_reach"] for k in BOOSTED}
        f_design = shares[DESIGN_THREAT]
        shots_sbi = np.rint(v[P + "sbi.shots_per_missile"])
        designed = constellation_for_salvo(arch("sbi_design_salvo"), shots_sbi,
                                           v[P + "sbi.design_confidence"], f_design)
        override = np.rint(v[P + "sbi.count_override"])
        sbi_count = np.where(override > 0, override, designed)
        sbi_count = np.where(np.isfinite(sbi_count), sbi_count, 0.0)
        offset = v[P + "sbi.first_launch_year"] - self.settings.base_year
        buildup = v[P + "sbi.buildup_years"]
        # in orbit when the conflict starts: launched in the build-up years b .. Y - 1, the
        # clock of every model (sustainment's stock at the start of the conflict year)
        conflict = v["sustainment.conflict_year"]
        build_up = np.maximum(conflict - self.settings.base_year, 0.0)
        deployed = sbi_count * lifecycle.ramp(build_up, offset, buildup)

        # -- layers
        sensor = arch("sensor_layer")[:, None]
        tracking = (sensor * per_threat("tracking_with_sensors")
                    + (1.0 - sensor) * per_threat("tracking_base"))
        threats = raid.copy()
        used = np.zeros_like(raid)

        kill_sbi = kill_given_engaged(v[P + "sbi.pk"], shots_sbi)
        for j, k in enumerate(THREATS):
            if k not in BOOSTED:
                continue
            engaged = expected_engaged(raid[:, j], shots_sbi, deployed * shares[k])
            threats[:, j] -= engaged * kill_sbi
            used[:, j] += engaged * shots_sbi
        p_salvo = prob_all_engaged(raid[:, THREATS.index(DESIGN_THREAT)], shots_sbi,
                                   deployed * f_design)

        def mask(layer: str) -> np.ndarray:
            return np.array([_SERVES[layer].get(k, 0) for k in THREATS], dtype=float)

        mid_shots = np.rint(v[P + "midcourse.shots_per_threat"])[:, None]
        mid_kill = (v[P + "midcourse.discrimination"][:, None]
                    * kill_given_engaged(v[P + "midcourse.pk"][:, None], mid_shots))
        mid_inventory = v[P + "midcourse.existing_interceptors"] + arch("midcourse_new_interceptors")
        threats, rounds = limited_layer(threats, mask("midcourse"), tracking, mid_inventory,
                                        mid_shots, mid_kill)
        used += rounds

        glide_shots = np.rint(v[P + "glide.shots_per_threat"])[:, None]
        available = (conflict >= v[P + "glide.available_year"]).astype(float)
        threats, rounds = limited_layer(
            threats, mask("glide"), tracking, arch("gpi_interceptors") * available, glide_shots,
            kill_given_engaged(v[P + "glide.pk"][:, None], glide_shots))
        used += rounds

        term_shots = np.rint(v[P + "terminal.shots_per_threat"])[:, None]
        term_pk = per_threat("terminal_pk", TERMINAL)
        defended = arch("defended_share")[:, None]
        term_inventory = arch("terminal_batteries") * v[P + "terminal.interceptors_per_battery"]
        threats, rounds = limited_layer(threats, mask("terminal"), tracking * defended,
                                        term_inventory, term_shots,
                                        kill_given_engaged(term_pk, term_shots))
        used += rounds

        cd_shots = np.rint(v[P + "counter_drone.shots_per_threat"])[:, None]
        threats, rounds = limited_layer(
            threats, mask("counter_drone"), tracking * defended,
            arch("counter_drone_interceptors"), cd_shots,
            kill_given_engaged(v[P + "counter_drone.pk"][:, None], cd_shots))
        used += rounds

        leakers = np.clip(threats, 0.0, raid)
        p_class = p_no_leak(leakers, raid)

        # -- cost by year
        annual, sbi_annual = self._annual_cost(v, arch, sbi_count, offset, buildup)
        total = annual.sum(axis=-1)
        averted = raid.sum(axis=-1) - leakers.sum(axis=-1)
        out = {
            "sbi_count": sbi_count,
            "sbi_deployed": deployed,
            "absentee_ratio": np.where(f_design > 0, 1.0 / np.maximum(f_design, 1e-300), 1e300),
            "share_in_reach": f_design,
            "p_salvo_engaged": p_salvo,
            "expected_leakers": leakers,
            "p_no_leak": p_class,
            "interceptors_used": used,
            "expected_leakers_total": leakers.sum(axis=-1),
            "p_no_leak_total": np.prod(p_class, axis=-1),
            "cost_20y_usd": total,
            "sbi_layer_cost_20y_usd": sbi_annual.sum(axis=-1),
            "annual_cost_usd": annual,
            "mean_annual_cost_10y_usd": annual[:, :FIRST_DECADE_YEARS].mean(axis=-1),
            "annual_cost_at_conflict_usd": np.take_along_axis(annual, np.clip(
                conflict - self.settings.base_year, 0, annual.shape[1] - 1).astype(np.intp)[:, None],
                axis=1)[:, 0],
            # floor of 0.01 averted missiles keeps the ratio finite when nothing is averted
            "cost_per_leaker_averted_usd": total / np.maximum(averted, 0.01),
        }
        return {P + k: val for k, val in out.items()}

    def _annual_cost(self, v, arch, sbi_count, offset, buildup):
        """(all layers, SBI layer) cost in each year of the window, shape (n, horizon)."""
        h = self.horizon
        os_share = v[P + "os_share_per_year"][:, None]
        per_sbi = v[P + "sbi.unit_cost"] + v[P + "sbi.mass"] * v[P + "sbi.launch_price"]
        launches = lifecycle.annual_launches(sbi_count, offset, buildup, v[P + "sbi.service_life"], h)
        in_service = lifecycle.annual_service_years(sbi_count, offset, buildup, h)
        has_sbi = (sbi_count > 0).astype(float)
        sbi = (launches * per_sbi[:, None]
               + in_service * v[P + "sbi.unit_cost"][:, None] * os_share
               + lifecycle.spread_over_first_years(v[P + "sbi.development_cost"] * has_sbi,
                                                   offset, h))

        years = v[P + "acquisition_years"]
        edges = np.arange(h + 1, dtype=float)
        fielded = np.diff(lifecycle.ramp_integral(edges, 0.0, years[:, None]), axis=-1)

        def layer(acquisition: np.ndarray, os_per_year: np.ndarray) -> np.ndarray:
            """Acquisition spread over the fielding years, O&S as fielded."""
            return (lifecycle.spread_over_first_years(acquisition, years, h)
                    + fielded * os_per_year[:, None])

        new_ngi = arch("midcourse_new_interceptors")
        sites = arch("midcourse_new_sites")
        midcourse = layer(new_ngi * v[P + "midcourse.unit_cost"] + sites * v[P + "midcourse.site_cost"],
                          new_ngi * v[P + "midcourse.os_per_interceptor_year"]
                          + sites * v[P + "midcourse.site_os_per_year"])
        gpi = arch("gpi_interceptors")
        gpi_buy = gpi * v[P + "glide.unit_cost"]
        glide = layer(gpi_buy + (gpi > 0) * v[P + "glide.development_cost"],
                      gpi_buy * os_share[:, 0])
        term_buy = arch("terminal_batteries") * v[P + "terminal.battery_cost"]
        terminal = layer(term_buy, term_buy * os_share[:, 0])
        cd_buy = arch("counter_drone_interceptors") * v[P + "counter_drone.unit_cost"]
        drones = layer(cd_buy, cd_buy * os_share[:, 0])
        sensors = arch("sensor_layer")[:, None] * v[P + "sensors.annual_cost"][:, None] * np.ones(h)
        return sbi + midcourse + glide + terminal + drones + sensors, sbi
