"""homeland — Golden Dome: layered homeland missile defence, its constellation and its cost.

Per sample: size the space-based interceptor (SBI) constellation for the architecture's
design salvo (or take a given count), deploy it on a schedule, then send each threat class's
raid through the layers in order — space sensors (tracking), SBI (boost phase), midcourse
(GBI/NGI, decoy discrimination), glide phase (GPI, from an availability year), terminal
(defended share), counter-drone — and cost the architecture over a 20-year window.

Equations, parameters and calibration: ``docs/models/homeland.md``.

References
----------
Barton, D. K. et al. (2004). Report of the APS Study Group on Boost-Phase Intercept Systems
for National Missile Defense. *Rev. Mod. Phys.* 76, S1.
Congressional Budget Office (2026). *Potential Costs of a National Missile Defense System*.
Harrison, T. (2025). *Build Your Own Golden Dome*. American Enterprise Institute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.errors import InputError
from kaname.models.base import Settings
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
from kaname.spec import Spec

NAME = "homeland"
P = "homeland."
THREATS = ("icbm_liquid", "icbm_solid", "hgv", "cruise", "drone")
BOOSTED = ("icbm_liquid", "icbm_solid", "hgv")  # classes with a rocket boost phase
DESIGN_THREAT = "icbm_solid"  # the constellation is sized against solid-fuel ICBMs
TERMINAL = ("icbm_liquid", "icbm_solid", "hgv", "cruise")
POSTURE_WINDOW_YEARS = 10  # posture averages the first decade (the build-up decade)

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

# per threat class: suffix -> Spec (boost_time only for boosted classes, terminal_pk not drone)
_THREAT_SPECS: dict[str, Spec] = {
    "raid_size": Spec("Raid size", "攻撃規模(発射数)", unit="missile", kind="integer", low=0.0,
                      high=5000.0),
    "boost_time": Spec("Boost time", "ブースト段階の燃焼時間", unit="s", low=1.0, high=600.0),
    "tracking_base": Spec("Tracking probability without space sensors",
                          "宇宙センサーなしの追尾確率", **_prob),
    "tracking_with_sensors": Spec("Tracking probability with space sensors",
                                  "宇宙センサーありの追尾確率", **_prob),
    "terminal_pk": Spec("Terminal single-shot kill probability", "終末段階の単発撃破確率",
                        **_prob),
}

_ARCH_SPECS: dict[str, Spec] = {
    "sbi_design_salvo": Spec("SBI design salvo (simultaneous solid ICBMs)",
                             "SBI設計上の同時対処数(固体ICBM)", unit="missile", kind="integer",
                             low=0.0, high=1000.0),
    "sensor_layer": Spec("Space sensor layer", "宇宙センサー層", kind="bool"),
    "midcourse_new_interceptors": Spec("New midcourse interceptors (NGI)",
                                       "中間段階迎撃ミサイルの追加数(NGI)", **_count),
    "midcourse_new_sites": Spec("New midcourse sites", "中間段階迎撃の新規サイト数",
                                unit="dimensionless", kind="integer", low=0.0, high=10.0),
    "gpi_interceptors": Spec("Glide-phase interceptors (GPI)", "滑空段階迎撃ミサイル(GPI)数",
                             **_count),
    "terminal_batteries": Spec("Terminal batteries", "終末段階の迎撃部隊(高射隊)数",
                               unit="dimensionless", kind="integer", low=0.0, high=1000.0),
    "counter_drone_interceptors": Spec("Counter-drone interceptors", "対ドローン迎撃弾数",
                                       **_count),
    "defended_share": Spec("Share of aim points under terminal defence", "終末防護下の目標の割合",
                           **_prob),
}

_LAYER_SPECS: dict[str, Spec] = {
    "threat_latitude": Spec("Launch latitude", "発射地点の緯度", unit="degree", low=-90.0,
                            high=90.0),
    "assessment_year": Spec("Assessment year", "評価年", **_year_point),
    "os_share_per_year": Spec("Operations and support per year (share of acquisition)",
                              "年間運用維持費(取得費比)", unit="1/year", low=0.0, high=1.0),
    "acquisition_years": Spec("Years to field the other layers", "他の防衛層の整備年数",
                              unit="year", low=1.0, high=20.0),
    "sbi.altitude": Spec("SBI orbit altitude", "SBIの軌道高度", unit="km", low=150.0,
                         high=2000.0),
    "sbi.inclination": Spec("SBI orbit inclination", "SBIの軌道傾斜角", unit="degree", low=0.0,
                            high=90.0),
    "sbi.kill_vehicle_speed": Spec("SBI fly-out speed", "SBIの平均飛翔速度", unit="km/s",
                                   low=0.1, high=12.0),
    "sbi.detection_delay": Spec("Launch detection delay", "発射探知までの遅れ", unit="s",
                                low=0.0, high=300.0),
    "sbi.decision_delay": Spec("Decision and commit delay", "交戦決定までの遅れ", unit="s",
                               low=0.0, high=300.0),
    "sbi.pk": Spec("SBI single-shot kill probability", "SBIの単発撃破確率", **_prob),
    "sbi.shots_per_missile": Spec("SBIs committed per missile", "1発あたり投入するSBI数",
                                  unit="interceptor", kind="integer", low=1.0, high=8.0),
    "sbi.design_confidence": Spec("Confidence of engaging the design salvo",
                                  "設計上の同時対処の信頼度", low=0.01, high=0.9999),
    "sbi.count_override": Spec("SBI count (0 = size for the design salvo)",
                               "SBI数(0なら設計同時対処数から算出)", lever=True, **_count),
    "sbi.unit_cost": Spec("Cost per SBI", "SBI 1基あたりの費用", **_usd),
    "sbi.mass": Spec("Mass per SBI", "SBI 1基の質量", unit="kg", low=1.0),
    "sbi.launch_price": Spec("Launch price", "打上げ単価", unit="USD/kg", low=0.0),
    "sbi.service_life": Spec("SBI service life", "SBIの運用寿命", unit="year", low=1.0,
                             high=30.0),
    "sbi.buildup_years": Spec("SBI build-up years", "SBIの配備完了までの年数", unit="year",
                              low=0.5, high=20.0),
    "sbi.first_launch_year": Spec("First SBI launch year", "SBI初打上げ年", **_year_point),
    "sbi.development_cost": Spec("SBI development cost", "SBI開発費", **_usd),
    "midcourse.existing_interceptors": Spec("Existing GBIs", "既存GBI数", **_count),
    "midcourse.pk": Spec("Midcourse single-shot kill probability", "中間段階の単発撃破確率",
                         **_prob),
    "midcourse.shots_per_threat": Spec("Midcourse shots per threat", "中間段階の1目標あたり射数",
                                       unit="interceptor", kind="integer", low=1.0, high=8.0),
    "midcourse.discrimination": Spec("Decoy discrimination probability", "おとり識別確率",
                                     **_prob),
    "midcourse.unit_cost": Spec("Cost per NGI", "NGI 1発の費用", **_usd),
    "midcourse.site_cost": Spec("Cost per new midcourse site", "中間段階迎撃サイト1か所の費用",
                                **_usd),
    "midcourse.site_os_per_year": Spec("O&S per new site per year", "新サイトの年間運用維持費",
                                       unit="USD/year", low=0.0),
    "midcourse.os_per_interceptor_year": Spec("O&S per NGI per year", "NGIの年間運用維持費",
                                              unit="USD/year", low=0.0),
    "glide.available_year": Spec("Glide-phase interceptor availability year",
                                 "滑空段階迎撃ミサイルの配備年", **_year_point),
    "glide.pk": Spec("Glide-phase single-shot kill probability", "滑空段階の単発撃破確率",
                     **_prob),
    "glide.shots_per_threat": Spec("Glide-phase shots per threat", "滑空段階の1目標あたり射数",
                                   unit="interceptor", kind="integer", low=1.0, high=8.0),
    "glide.unit_cost": Spec("Cost per GPI", "GPI 1発の費用", **_usd),
    "glide.development_cost": Spec("US share of GPI development", "GPI開発費(米国負担分)",
                                   **_usd),
    "terminal.battery_cost": Spec("Cost per terminal battery", "終末段階迎撃部隊1個の費用",
                                  **_usd),
    "terminal.interceptors_per_battery": Spec("Interceptors per battery",
                                              "1個部隊あたりの迎撃ミサイル数", **_count),
    "terminal.shots_per_threat": Spec("Terminal shots per threat", "終末段階の1目標あたり射数",
                                      unit="interceptor", kind="integer", low=1.0, high=8.0),
    "counter_drone.unit_cost": Spec("Cost per counter-drone interceptor",
                                    "対ドローン迎撃弾1発の費用", **_usd),
    "counter_drone.pk": Spec("Counter-drone single-shot kill probability",
                             "対ドローンの単発撃破確率", **_prob),
    "counter_drone.shots_per_threat": Spec("Counter-drone shots per drone",
                                           "ドローン1機あたりの射数", unit="interceptor",
                                           kind="integer", low=1.0, high=8.0),
    "sensors.annual_cost": Spec("Space sensor layer cost per year", "宇宙センサー層の年間費用",
                                unit="USD/year", low=0.0),
}

_OUTPUTS: dict[str, Spec] = {
    "sbi_count": Spec("SBI constellation size", "SBI配備数", unit="interceptor", low=0.0,
                      headline=True),
    "sbi_deployed": Spec("SBIs in orbit in the assessment year", "評価年の軌道上SBI数",
                         unit="interceptor", low=0.0),
    "absentee_ratio": Spec("Absentee ratio (solid ICBM)", "不在率(固体ICBM)", low=1.0,
                           better="lower"),
    "share_in_reach": Spec("Share of SBIs within reach (solid ICBM)", "射程内SBIの割合(固体ICBM)",
                           low=0.0, high=1.0, better="higher"),
    "p_salvo_engaged": Spec("P(whole solid-ICBM raid engaged from orbit)",
                            "固体ICBM攻撃の全弾を宇宙から交戦できる確率", low=0.0, high=1.0,
                            better="higher"),
    "expected_leakers": Spec("Expected leakers", "撃ち漏らし期待数", unit="missile", low=0.0,
                             dims=("threat",), better="lower"),
    "p_no_leak": Spec("P(no leaker)", "撃ち漏らしゼロの確率", low=0.0, high=1.0,
                      dims=("threat",), better="higher"),
    "interceptors_used": Spec("Interceptors used", "使用迎撃弾数", unit="interceptor", low=0.0,
                              dims=("threat",)),
    "expected_leakers_total": Spec("Expected leakers, all classes", "撃ち漏らし期待数(全種)",
                                   unit="missile", low=0.0, headline=True, better="lower"),
    "p_no_leak_total": Spec("P(no leaker), all classes", "撃ち漏らしゼロの確率(全種)", low=0.0,
                            high=1.0, headline=True, better="higher"),
    "cost_20y_usd": Spec("Golden Dome cost over the window", "ゴールデン・ドームの期間総費用",
                         unit="USD", low=0.0, headline=True, better="lower"),
    "sbi_layer_cost_20y_usd": Spec("SBI layer cost over the window", "SBI層の期間総費用",
                                   unit="USD", low=0.0, better="lower"),
    "annual_cost_usd": Spec("Golden Dome cost by year", "ゴールデン・ドームの年別費用",
                            unit="USD/year", low=0.0, dims=("year",)),
    "mean_annual_cost_10y_usd": Spec("Mean annual cost, first decade",
                                     "最初の10年間の年平均費用", unit="USD/year", low=0.0),
    "cost_per_leaker_averted_usd": Spec("Cost per expected leaker averted",
                                        "撃ち漏らし1発を減らす費用", unit="USD", low=0.0,
                                        better="lower"),
}


def _input_specs(architectures: list[str]) -> dict[str, Spec]:
    specs: dict[str, Spec] = {
        P + "architecture": Spec("Golden Dome architecture", "ゴールデン・ドームの構成",
                                 kind="category", categories=tuple(architectures), lever=True),
    }
    for k in THREATS:
        for key, spec in _THREAT_SPECS.items():
            if key == "boost_time" and k not in BOOSTED:
                continue
            if key == "terminal_pk" and k not in TERMINAL:
                continue
            specs[f"{P}threats.{k}.{key}"] = spec
    for a in architectures:
        for key, spec in _ARCH_SPECS.items():
            specs[f"{P}architectures.{a}.{key}"] = spec
    specs.update({P + key: spec for key, spec in _LAYER_SPECS.items()})
    return specs


def check_consistency(x: Mapping[str, np.ndarray], file: str | None = None) -> None:
    """Refuse physically inconsistent inputs with one line naming the key.

    The orbit inclination must be at least the launch latitude (else no orbit passes over
    the launch point and the geometry's latitude density is zero there), and each boost time
    must exceed the detection plus decision delay (else there is no time to engage).
    """
    lat = np.abs(np.asarray(x[P + "threat_latitude"], dtype=float))
    incl = np.asarray(x[P + "sbi.inclination"], dtype=float)
    bad = incl < lat
    if np.any(bad):
        i = int(np.argmax(bad))
        raise InputError(
            f"inclination {incl[i]:g}° is below the launch latitude {lat[i]:g}° "
            f"({P}threat_latitude) in {int(bad.sum())} sample(s); allowed: inclination ≥ "
            "|launch latitude|", file=file, key=P + "sbi.inclination")
    delay = (np.asarray(x[P + "sbi.detection_delay"], dtype=float)
             + np.asarray(x[P + "sbi.decision_delay"], dtype=float))
    for k in BOOSTED:
        boost = np.asarray(x[f"{P}threats.{k}.boost_time"], dtype=float)
        bad = boost <= delay
        if np.any(bad):
            i = int(np.argmax(bad))
            raise InputError(
                f"boost time {boost[i]:g} s is not longer than detection + decision delay "
                f"{delay[i]:g} s in {int(bad.sum())} sample(s); allowed: boost time > "
                f"{P}sbi.detection_delay + {P}sbi.decision_delay", file=file,
                key=f"{P}threats.{k}.boost_time")
    for k in THREATS:
        raid = np.asarray(x[f"{P}threats.{k}.raid_size"], dtype=float)
        if np.any(raid < 0):
            raise InputError("raid size must be ≥ 0 missiles", file=file,
                             key=f"{P}threats.{k}.raid_size")


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


class HomelandModel:
    """Golden Dome layered homeland defence and its lifecycle cost; see the module docstring."""

    name = NAME
    stochastic = False

    def __init__(self, architectures: list[str], settings: Settings, horizon_years: int = 20):
        if not architectures:
            raise InputError("no architectures in the data library", key=P + "architectures")
        self.architectures = list(architectures)
        self.settings = settings
        self.horizon = int(horizon_years)
        self.inputs = _input_specs(self.architectures)
        self.outputs = {P + k: v for k, v in _OUTPUTS.items()}
        years = [str(settings.base_year + t) for t in range(self.horizon)]
        self.coords = {"threat": list(THREATS), "year": years}
        self.coord_labels = {"threat": {lang: dict(v) for lang, v in THREAT_LABELS.items()}}
        self.links: dict[str, str] = {}

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> HomelandModel:
        """Build from the data library; refuse inconsistent defaults with one line."""
        settings = settings or Settings()
        architectures = library.groups(P + "architectures")
        horizon = int(library.get(P + "cost_horizon_years").value("year"))
        if horizon < POSTURE_WINDOW_YEARS:
            raise InputError(f"must be at least {POSTURE_WINDOW_YEARS} years",
                             file=library.get(P + "cost_horizon_years").file,
                             key=P + "cost_horizon_years")
        model = cls(architectures, settings, horizon)
        defaults = model.defaults(library)
        check_consistency({k: np.atleast_1d(v) for k, v in defaults.items()},
                          file=library.get(P + "sbi.inclination").file)
        return model

    def defaults(self, library: Library) -> dict[str, float]:
        """Data-library base value of every input (category codes for categories)."""
        out: dict[str, float] = {}
        for path, spec in self.inputs.items():
            entry = library.get(path)
            value = entry.value(spec.unit)
            if spec.kind == "category":
                if value not in spec.categories:
                    raise InputError(f"default {value!r} must be {spec.allowed()}",
                                     file=entry.file, key=path)
                out[path] = float(spec.code(value))
            elif spec.kind == "bool":
                out[path] = float(bool(value))
            else:
                problem = spec.check(float(value))
                if problem:
                    raise InputError(f"default {problem}", file=entry.file, key=path)
                out[path] = float(value)
        return out

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
        check_consistency(x)
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
        assess_t = v[P + "assessment_year"] - self.settings.base_year + 1.0
        deployed = sbi_count * lifecycle.ramp(assess_t, offset, buildup)

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
        available = (v[P + "assessment_year"] >= v[P + "glide.available_year"]).astype(float)
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
            "mean_annual_cost_10y_usd": annual[:, :POSTURE_WINDOW_YEARS].mean(axis=-1),
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
