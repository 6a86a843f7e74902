"""Declarations of the c2 model: nodes, inputs, outputs and the checks they share.

The same flat mapping ``path -> float`` (category codes for categories) feeds the
vectorised approximation (arrays over the sample axis) and the SimPy simulation (scalars),
so both implementations read one set of declarations and one set of checks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.errors import InputError
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


def _node_specs(node: str) -> dict[str, Spec]:
    en, ja = NODE_LABELS[node]
    q = f"{P}{node}."
    specs = {
        q + "day_staff": Spec(f"{en}: action officers on the day shift",
                              f"{ja}:日勤の担当幕僚数", unit="person", kind="integer",
                              low=0, high=200),
        q + "night_staff": Spec(f"{en}: action officers on the night watch",
                                f"{ja}:夜間当直の担当幕僚数", unit="person", kind="integer",
                                low=0, high=200),
        q + "duty_start_h": Spec(f"{en}: day shift starts (local hour)",
                                 f"{ja}:日勤開始(現地時刻)", unit="hour", kind="integer",
                                 low=0, high=23),
        q + "duty_end_h": Spec(f"{en}: day shift ends (local hour)",
                               f"{ja}:日勤終了(現地時刻)", unit="hour", kind="integer",
                               low=1, high=24),
        q + "service_median_min": Spec(f"{en}: staff work per request (median)",
                                       f"{ja}:1件あたりの幕僚作業時間(中央値)",
                                       unit="minute", low=1.0, high=1440.0),
        q + "service_log_sd": Spec(f"{en}: spread of staff work (lognormal σ)",
                                   f"{ja}:幕僚作業時間のばらつき(対数正規σ)", low=0.0,
                                   high=2.0),
    }
    if node in DECIDING_NODES:
        specs.update({
            q + "principal_share": Spec(f"{en}: share needing the commander's decision",
                                        f"{ja}:指揮官の決裁を要する割合", low=0.0, high=1.0),
            q + "principal_decision_min": Spec(f"{en}: commander's decision time",
                                               f"{ja}:指揮官の決裁所要時間", unit="minute",
                                               low=0.0, high=1440.0),
            q + "principal_wakeup_h": Spec(
                f"{en}: delay to reach the commander off duty (crisis)",
                f"{ja}:勤務時間外に指揮官へ到達するまでの遅延(危機時)", unit="hour",
                low=0.0, high=48.0),
        })
    if node == "usfj":
        specs.update({
            q + "jfhq_day_staff": Spec(f"{en} as joint force HQ: day-shift action officers",
                                       f"{ja}(統合軍司令部):日勤の担当幕僚数", unit="person",
                                       kind="integer", low=0, high=200),
            q + "jfhq_night_staff": Spec(
                f"{en} as joint force HQ: night-watch action officers",
                f"{ja}(統合軍司令部):夜間当直の担当幕僚数", unit="person", kind="integer",
                low=0, high=200),
        })
    return specs


INPUTS: dict[str, Spec] = {
    P + "structure": Spec(
        "Alliance command-and-control structure", "日米の指揮統制構造", kind="category",
        categories=STRUCTURES, lever=True,
        description="hawaii_centric: INDOPACOM decides everything; jfhq_in_japan: USFJ as a "
                    "joint force HQ decides a delegated share."),
    P + "delegated_share": Spec(
        "Share of decisions delegated to USFJ (JFHQ)", "在日米軍(統合軍司令部)に委任される決定の割合",
        low=0.0, high=1.0, lever=True),
    P + "situation": Spec("Situation (peacetime or crisis)", "情勢(平時・危機)",
                          kind="category", categories=SITUATIONS),
    P + "arrivals_per_day_peacetime": Spec(
        "Coordination requests per day, peacetime", "平時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0),
    P + "arrivals_per_day_crisis": Spec(
        "Coordination requests per day, crisis", "危機時の調整要求件数(1日あたり)",
        unit="request/day", low=0.0, high=10000.0),
    P + "transit.jjoc_usfj_h": Spec("Transit JJOC ↔ USFJ per hop", "統合作戦司令部↔在日米軍の伝達時間",
                                    unit="hour", low=0.0, high=72.0),
    P + "transit.usfj_indopacom_h": Spec(
        "Transit USFJ ↔ INDOPACOM per hop", "在日米軍↔インド太平洋軍の伝達時間", unit="hour",
        low=0.0, high=72.0),
}
for _node in NODES:
    INPUTS.update(_node_specs(_node))

OUTPUTS: dict[str, Spec] = {
    P + "latency_median_h": Spec(
        "Coordination latency, median", "調整所要時間(中央値)", unit="hour", low=0.0,
        headline=True, better="lower",
        description="Request raised at JJOC to decision back at JJOC."),
    P + "latency_mean_h": Spec("Coordination latency, mean", "調整所要時間(平均)", unit="hour",
                               low=0.0, better="lower"),
    P + "latency_p90_h": Spec("Coordination latency, 90th percentile",
                              "調整所要時間(90パーセンタイル)", unit="hour", low=0.0,
                              better="lower"),
    P + "latency_p95_h": Spec("Coordination latency, 95th percentile",
                              "調整所要時間(95パーセンタイル)", unit="hour", low=0.0,
                              better="lower"),
    P + "share_within_6h": Spec("Share of decisions within 6 hours", "6時間以内に決定される割合",
                                low=0.0, high=1.0, headline=True, better="higher"),
    P + "decisions_per_day": Spec("Decisions per day", "1日あたりの決定件数",
                                  unit="request/day", low=0.0, better="higher"),
    P + "max_utilisation": Spec("Highest staff utilisation of any node", "各司令部の最大稼働率",
                                low=0.0, better="lower",
                                description="Daily offered staff work / staffed hours; "
                                            "above 1 the backlog grows."),
    P + "utilisation": Spec("Staff utilisation by node", "司令部別の幕僚稼働率", low=0.0,
                            dims=("c2_node",), better="lower"),
}

COORDS: dict[str, list[str]] = {"c2_node": list(NODES)}


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
