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

VALIDATED_PER_DAY = 45.0  # requests a day: the approximation's checked range


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
    # The approximation is checked against the DES up to 45 requests a day at default
    # staffing (peak desk utilisation <= 0.75; docs/models/c2.md, "Stated tolerance").
    arrivals_per_day_peacetime = Input(Spec(
        "Coordination requests per day, peacetime", "平時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0, validated=(0.0, VALIDATED_PER_DAY)))
    arrivals_per_day_crisis = Input(Spec(
        "Coordination requests per day, crisis", "危機時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0, validated=(0.0, VALIDATED_PER_DAY)))
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
            "{node}:勤務時間外に指揮官へ到達するまでの遅延(危機時)", DECIDING_NODES,
            unit="hour", low=0.0, high=48.0)),
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
            if node not in NODES and node != "transit" and "." in path[len(P):]:
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
