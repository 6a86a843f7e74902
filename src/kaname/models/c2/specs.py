"""Declarations of the c2 model: nodes, inputs, outputs and the checks they share.

The inputs and outputs are declared once, at class level, on :class:`C2Declarations`
(which :class:`~kaname.models.c2.C2Model` subclasses); :data:`INPUTS` and :data:`OUTPUTS`
are derived from them. The same flat mapping ``path -> float`` (category codes for
categories) feeds the vectorised approximation (arrays over the sample axis) and the SimPy
simulation (scalars), so both implementations read one set of declarations and one set of
checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from kaname.errors import InputError
from kaname.models.declare import DeclaredModel, Family, Input, Output
from kaname.spec import Spec

NAME = "c2"
P = NAME + "."

NODES: tuple[str, ...] = ("jjoc", "usfj", "indopacom")
DECIDING_NODES: tuple[str, ...] = ("usfj", "indopacom")
STRUCTURES: tuple[str, ...] = ("hawaii_centric", "jfhq_in_japan")
SITUATIONS: tuple[str, ...] = ("peacetime", "crisis")
NODE_LABELS = {
    "jjoc": ("JJOC (Tokyo)", "統合作戦司令部(東京)"),
    "usfj": ("USFJ (Yokota)", "在日米軍司令部(横田)"),
    "indopacom": ("INDOPACOM (Honolulu)", "インド太平洋軍司令部(ホノルル)"),
}

VALIDATED_PER_DAY = 72.0  # requests a day: checked against the DES (docs/models/c2.md)
ADAPTATION = "adaptation"   # the group of c2.adaptation.* inputs (shared by the desks)


def _per_node(en: str, ja: str, nodes: tuple[str, ...] = NODES, **kwargs: Any
              ) -> Callable[[Any, str], Spec | None]:
    """Spec factory of a per-node input: the node's labels filled in; None (no such input)
    for a node outside `nodes`."""

    def spec(model: Any, node: str) -> Spec | None:
        if node not in nodes:
            return None
        node_en, node_ja = NODE_LABELS[node]
        return Spec(en.format(node=node_en), ja.format(node=node_ja), **kwargs)

    return spec


_staff: dict[str, Any] = {"unit": "person", "kind": "integer", "low": 0, "high": 200}


def _utc_offset(model: Any, node: str) -> Spec:
    """A node's UTC offset: by default its IANA zone's at the base year (the data library's
    ``time_zone``), so "INDOPACOM on Tokyo's clock" is one line of a scenario."""
    node_en, node_ja = NODE_LABELS[node]
    return Spec(f"{node_en}: UTC offset of its clock", f"{node_ja}:時計の協定世界時との差",
                unit="hour", kind="integer", low=-12, high=14,
                default=getattr(model, "offsets", {}).get(node),
                description="Whole hours (the hourly staffing grid).")


class C2Declarations(DeclaredModel):
    """The c2 model's inputs and outputs, declared once. :class:`~kaname.models.c2.C2Model`
    subclasses it; :data:`INPUTS` and :data:`OUTPUTS` (read by the DES and the checks) are
    derived from it."""

    name = NAME

    def items(self, dim: str) -> Sequence[str]:
        return NODES if dim == "c2_node" else super().items(dim)

    # -- inputs ---------------------------------------------------------------------------
    structure = Input(Spec(
        "Alliance command-and-control structure", "日米の指揮統制構造", kind="category",
        categories=STRUCTURES, lever=True,
        description="hawaii_centric: INDOPACOM decides everything; jfhq_in_japan: USFJ as a "
                    "joint force HQ decides a delegated share."))
    delegated_share = Input(Spec(
        "Share of decisions delegated to USFJ (JFHQ)", "在日米軍(統合軍司令部)に委任される決定の割合",
        low=0.0, high=1.0, lever=True))
    situation = Input(Spec("Situation (peacetime or crisis)", "情勢(平時・危機)",
                           kind="category", categories=SITUATIONS))
    # The approximation is checked against the DES over the bundled example's sampled
    # futures (crisis requests up to 65 a day, every c2 range sampled), at 72 a day with
    # default staffing and over peacetime futures (docs/models/c2.md, "Stated tolerance").
    arrivals_per_day_peacetime = Input(Spec(
        "Coordination requests per day, peacetime", "平時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0, validated=(0.0, VALIDATED_PER_DAY)))
    arrivals_per_day_crisis = Input(Spec(
        "Coordination requests per day, crisis", "危機時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0, validated=(0.0, VALIDATED_PER_DAY)))
    diurnal_strength = Input(Spec(
        "How closely requests follow Tokyo's operational day", "要求が東京の業務日に従う度合い",
        low=0.0, high=1.0,
        description="0: requests arrive evenly round the clock; 1: by the data library's "
                    "hourly profile (c2.jjoc.arrival_profile)."))
    combined_share = Input(Spec(
        "Share of commanders' decisions that also need Japan's commander",
        "指揮官決裁のうち日本側指揮官も要する(共同決定)割合", low=0.0, high=1.0,
        description="A combined step waits until both commanders are on duty at once (a "
                    "shared window) or, in a crisis, woken."))
    trigger_utilisation = Input(Spec(
        "Desk utilisation at which a desk adapts", "司令部が対応策をとる稼働率", low=0.3,
        high=1.0), path="{model}.adaptation.trigger_utilisation")
    surge_share_max = Input(Spec(
        "Surge staffing limit (extra officers, share of the day shift)",
        "増員の上限(日勤人数に対する割合)", low=0.0, high=3.0),
        path="{model}.adaptation.surge_share_max")
    surge_delay_h = Input(Spec("Surge staffing delay", "増員までの遅延", unit="hour", low=0.0,
                               high=23.0), path="{model}.adaptation.surge_delay_h")
    triage_share_max = Input(Spec(
        "Triage limit (share of requests worked in short form)", "トリアージの上限(簡略処理の割合)",
        low=0.0, high=1.0), path="{model}.adaptation.triage_share_max")
    triage_delay_h = Input(Spec("Triage delay", "トリアージまでの遅延", unit="hour", low=0.0,
                                high=23.0), path="{model}.adaptation.triage_delay_h")
    triage_work_factor = Input(Spec(
        "Staff work of a triaged request (share of the full work)", "簡略処理の作業量(通常比)",
        low=0.05, high=1.0), path="{model}.adaptation.triage_work_factor")
    delegation_share_max = Input(Spec(
        "Further delegation limit (share of escalations left to the JFHQ)",
        "追加委任の上限(統合軍司令部に委ねるエスカレーションの割合)", low=0.0, high=1.0),
        path="{model}.adaptation.delegation_share_max")
    delegation_delay_h = Input(Spec("Further delegation delay", "追加委任までの遅延", unit="hour",
                                    low=0.0, high=23.0,
                                    description="A lag within the daily cycle (below 24 h)."),
                               path="{model}.adaptation.delegation_delay_h")
    transit_jjoc_usfj_h = Input(Spec(
        "Transit JJOC ↔ USFJ per hop", "統合作戦司令部↔在日米軍の伝達時間", unit="hour", low=0.0,
        high=72.0), path="{model}.transit.jjoc_usfj_h")
    transit_usfj_indopacom_h = Input(Spec(
        "Transit USFJ ↔ INDOPACOM per hop", "在日米軍↔インド太平洋軍の伝達時間", unit="hour",
        low=0.0, high=72.0), path="{model}.transit.usfj_indopacom_h")

    # per node: c2.{node}.{key}; the commander's inputs only at deciding nodes, the joint
    # force HQ's staffing only at USFJ
    per_node = Family("c2_node", {
        "utc_offset_h": Input(_utc_offset),
        "day_staff": Input(_per_node("{node}: action officers on the day shift",
                                     "{node}:日勤の担当幕僚数", **_staff)),
        "night_staff": Input(_per_node("{node}: action officers on the night watch",
                                       "{node}:夜間当直の担当幕僚数", **_staff)),
        "duty_start_h": Input(_per_node("{node}: day shift starts (local hour)",
                                        "{node}:日勤開始(現地時刻)", unit="hour",
                                        kind="integer", low=0, high=23)),
        "duty_end_h": Input(_per_node("{node}: day shift ends (local hour)",
                                      "{node}:日勤終了(現地時刻)", unit="hour", kind="integer",
                                      low=1, high=24)),
        "service_median_min": Input(_per_node("{node}: staff work per request (median)",
                                              "{node}:1件あたりの幕僚作業時間(中央値)",
                                              unit="minute", low=1.0, high=1440.0)),
        "service_log_sd": Input(_per_node("{node}: spread of staff work (lognormal σ)",
                                          "{node}:幕僚作業時間のばらつき(対数正規σ)", low=0.0,
                                          high=2.0)),
        "principal_share": Input(_per_node("{node}: share needing the commander's decision",
                                           "{node}:指揮官の決裁を要する割合", DECIDING_NODES,
                                           low=0.0, high=1.0)),
        "principal_decision_min": Input(_per_node("{node}: commander's decision time",
                                                  "{node}:指揮官の決裁所要時間", DECIDING_NODES,
                                                  unit="minute", low=0.0, high=1440.0)),
        "principal_wakeup_h": Input(_per_node(
            "{node}: delay to reach the commander off duty (crisis)",
            "{node}:勤務時間外に指揮官へ到達するまでの遅延(危機時)", unit="hour", low=0.0,
            high=48.0)),
        "workdays": Input(_per_node(
            "{node}: commander's working days a week (from Monday)",
            "{node}:指揮官の週あたり勤務日数(月曜から)", unit="day", kind="integer", low=1,
            high=7)),
        "competing_per_day_peacetime": Input(_per_node(
            "{node}: other theatre requests per day, peacetime",
            "{node}:日本以外の戦域からの要求件数(1日あたり・平時)", ("indopacom",),
            unit="request/day", low=0.0, high=10000.0)),
        "competing_per_day_crisis": Input(_per_node(
            "{node}: other theatre requests per day, crisis",
            "{node}:日本以外の戦域からの要求件数(1日あたり・危機時)", ("indopacom",),
            unit="request/day", low=0.0, high=10000.0)),
        "jfhq_day_staff": Input(_per_node("{node} as joint force HQ: day-shift action officers",
                                          "{node}(統合軍司令部):日勤の担当幕僚数", ("usfj",),
                                          **_staff)),
        "jfhq_night_staff": Input(_per_node(
            "{node} as joint force HQ: night-watch action officers",
            "{node}(統合軍司令部):夜間当直の担当幕僚数", ("usfj",), **_staff)),
    })

    # -- outputs --------------------------------------------------------------------------
    latency_median_h = Output(Spec(
        "Coordination latency, median", "調整所要時間(中央値)", unit="hour", low=0.0,
        headline=True, better="lower",
        description="Request raised at JJOC to decision back at JJOC."))
    latency_mean_h = Output(Spec("Coordination latency, mean", "調整所要時間(平均)",
                                 unit="hour", low=0.0, better="lower"))
    latency_p90_h = Output(Spec("Coordination latency, 90th percentile",
                                "調整所要時間(90パーセンタイル)", unit="hour", low=0.0,
                                better="lower"))
    latency_p95_h = Output(Spec("Coordination latency, 95th percentile",
                                "調整所要時間(95パーセンタイル)", unit="hour", low=0.0,
                                better="lower"))
    share_within_6h = Output(Spec("Share of decisions within 6 hours",
                                  "6時間以内に決定される割合", low=0.0, high=1.0, headline=True,
                                  better="higher"))
    decisions_per_day = Output(Spec("Decisions per day", "1日あたりの決定件数",
                                    unit="request/day", low=0.0, better="higher"))
    max_utilisation = Output(Spec("Highest staff utilisation of any node", "各司令部の最大稼働率",
                                  low=0.0, better="lower",
                                  description="Daily offered staff work / staffed hours; "
                                              "above 1 the backlog grows."))
    utilisation = Output(Spec("Staff utilisation by node", "司令部別の幕僚稼働率", low=0.0,
                              dims=("c2_node",), better="lower"))
    overloaded_hours_share = Output(Spec(
        "Share of hours in which a desk is overloaded", "いずれかの司令部が過負荷の時間の割合",
        low=0.0, high=1.0, better="lower",
        description="Hours in which work reaches some desk faster than its officers "
                    "(after adaptation) can do it; every hour if a desk's daily load exceeds "
                    "its daily capacity."))
    overloaded_by_node = Output(Spec("Share of hours overloaded, by node", "司令部別の過負荷時間の割合",
                                     low=0.0, high=1.0, dims=("c2_node",), better="lower"))
    surge_officer_hours_per_day = Output(Spec(
        "Surge staffing called in", "増員した幕僚の延べ時間", unit="hour/day", low=0.0,
        better="lower", description="Officer-hours a day above the planned watch, all desks."))
    further_delegated_share = Output(Spec(
        "Share of escalations further delegated to the JFHQ", "統合軍司令部に追加委任されたエスカレーションの割合",
        low=0.0, high=1.0))
    # The mean latency, decomposed (the parts sum to latency_mean_h): transit, staff work,
    # queueing and waiting for commanders as they would be with every node on JJOC's clock,
    # and the rest, which is what the clocks' difference costs.
    latency_transit_h = Output(Spec("Mean latency: hop transit", "平均所要時間の内訳:伝達",
                                    unit="hour", low=0.0))
    latency_work_h = Output(Spec("Mean latency: staff work", "平均所要時間の内訳:幕僚作業",
                                 unit="hour", low=0.0))
    latency_queue_h = Output(Spec("Mean latency: queueing (same clock)",
                                  "平均所要時間の内訳:待ち行列(同一時刻帯の場合)", unit="hour",
                                  low=0.0))
    latency_principal_h = Output(Spec("Mean latency: waiting for commanders (same clock)",
                                      "平均所要時間の内訳:指揮官待ち(同一時刻帯の場合)",
                                      unit="hour", low=0.0))
    latency_clock_h = Output(Spec(
        "Mean latency: the other side's clock", "平均所要時間の内訳:相手側の時刻(時差)",
        unit="hour", better="lower",
        description="Mean latency minus the mean with every node on JJOC's clock: queueing "
                    "and waiting that the time difference causes (negative if it helps)."))


# read-only views derived from the declarations (the DES and the checks read them)
_DECLARED = C2Declarations()
INPUTS: Mapping[str, Spec] = MappingProxyType(dict(_DECLARED.inputs))
OUTPUTS: Mapping[str, Spec] = MappingProxyType(dict(_DECLARED.outputs))


def _fail(path: str, message: str, file: str | None) -> None:
    raise InputError(message, file=file, key=path)


def check_values(values: Mapping[str, object], *, file: str | None = None) -> None:
    """Raise a one-line InputError for the first value that is not allowed.

    `values` maps input paths to floats or arrays over the sample axis. Besides each
    declared range it refuses a node with no staff at any hour and unknown nodes.
    """
    for path in values:
        if path.startswith(P) and path not in INPUTS:
            node = path[len(P):].split(".", 1)[0]
            if node not in NODES and node not in ("transit", ADAPTATION) and "." in path[len(P):]:
                _fail(path, f"unknown node {node!r}; known nodes: {', '.join(NODES)}", file)
            _fail(path, "unknown c2 parameter", file)
    for path, raw in values.items():
        spec = INPUTS.get(path)
        if spec is None:
            continue
        arr = np.atleast_1d(np.asarray(raw, dtype=float))
        if arr.size == 0:
            continue
        if not np.all(np.isfinite(arr)):
            _fail(path, f"must be finite; allowed: {spec.allowed()}", file)
        candidates = [float(arr.min()), float(arr.max())]
        if spec.kind in ("integer", "category"):
            fractional = arr[arr != np.round(arr)]
            candidates += [float(v) for v in fractional[:1]]
        for value in candidates:
            problem = spec.check(value)
            if problem:
                _fail(path, problem, file)
    for node in NODES:
        pairs = [("day_staff", "night_staff")]
        if node == "usfj":
            pairs.append(("jfhq_day_staff", "jfhq_night_staff"))
        for day, night in pairs:
            dpath, npath = f"{P}{node}.{day}", f"{P}{node}.{night}"
            if dpath in values and npath in values:
                total = (np.asarray(values[dpath], dtype=float)
                         + np.asarray(values[npath], dtype=float))
                if np.any(total <= 0):
                    _fail(f"{P}{node}", f"zero staff at every hour ({day} and {night} are "
                          "both 0); at least one shift needs staff", file)
