"""The kaname dashboard (Streamlit script; start it with ``kaname serve``).

Pick a scenario or upload one, pick a policy, move its levers and see the headline outcomes
and distributions over 10⁴ futures update; switch language; export the settings as a
scenario file. All logic lives in :mod:`kaname.app.core`; this file only lays it out.

Every text that can come from a user's file (scenario and file names, descriptions, policy
names, labels, error lines) goes through :func:`kaname.app.core.plain` wherever Streamlit
renders Markdown (alerts, captions, headers, widget and metric labels, expanders), and every
chart through :func:`kaname.report.figures.plain_text`: a name is shown as written, never as
an image, a link or markup. Select-box options and file names in the uploader are plain text
already. A refused upload, or one that fails in any other way, is one line and the previous
scenario stays.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from kaname.app import core
from kaname.report import figures as fg
from kaname.text import LANGS, t, unit_label


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--futures", type=int, default=core.DEFAULT_FUTURES)
    parser.add_argument("--lang", default="en")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known


@st.cache_resource(max_entries=4, show_spinner=False)
def workbench_for(text: str, name: str, futures: int, policy: str) -> core.Workbench:
    scenario, engine = core.load_scenario_text(text, name)
    wb = core.Workbench(scenario, engine, futures)
    core.prewarm(wb, core.policy_levers(scenario, engine, policy))
    return wb


def _initial_state(args: argparse.Namespace) -> None:
    ss = st.session_state
    if "sources" in ss:
        return
    ss.sources = core.bundled_scenarios()
    ss.current = next(iter(ss.sources))
    ss.upload_error = None
    if args.scenario:
        from pathlib import Path

        path = Path(args.scenario)
        try:
            ss.sources[path.name] = path.read_bytes().decode("utf-8")
            ss.current = path.name
        except (OSError, UnicodeDecodeError) as exc:
            ss.upload_error = core.error_line(exc)
    ss.scenario_pick = ss.current
    ss.lang = args.lang if args.lang in LANGS else "en"
    ss.upload_ok = None
    ss.seen_upload = None
    ss.applied = None


def _handle_upload(uploaded: Any, futures: int) -> None:
    ss = st.session_state
    if uploaded is None or uploaded.file_id == ss.seen_upload:
        return
    ss.seen_upload = uploaded.file_id
    name = str(uploaded.name)
    try:
        data = uploaded.getvalue()
        scenario, _ = core.load_scenario_text(data, name)
        text = data.decode("utf-8")
        # build (and cache) what main() will show, so a scenario that validates but fails
        # in a model is refused here, with the previous scenario kept
        with st.spinner(t("app.loading", st.session_state.lang)):
            workbench_for(text, name, futures, workbench_policies(text, name)[0])
    except core.UploadError as exc:
        ss.upload_error, ss.upload_ok = exc.line, None
        return
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback in the page
        ss.upload_error, ss.upload_ok = core.error_line(exc), None
        return
    ss.sources[name] = text
    ss.current = ss.scenario_pick = name
    ss.upload_error, ss.upload_ok = None, (scenario.name, name)


def _display(lever: core.Lever, value: float) -> Any:
    spec = lever.spec
    if spec.kind == "category":
        return spec.categories[int(value)]
    if spec.kind == "bool":
        return bool(value)
    shown = value / lever.scale
    return int(round(shown)) if _integral(lever) else float(shown)


def _integral(lever: core.Lever) -> bool:
    spec = lever.spec
    return spec.kind == "integer" or spec.unit in ("calendar_year", "missile/year") or (
        lever.scale != 1.0)


def _engine_value(lever: core.Lever, shown: Any) -> float:
    spec = lever.spec
    if spec.kind == "category":
        return float(spec.code(shown))
    if spec.kind == "bool":
        return float(bool(shown))
    return float(shown) * lever.scale


def _lever_widget(lever: core.Lever, lang: str) -> Any:
    spec, key = lever.spec, f"lever:{lever.path}"
    unit = unit_label(spec.unit, lang)
    if lever.scale != 1.0:
        unit = t("app.billion", lang, unit=unit)
    label = core.plain(lever.label(lang) + (f" [{unit}]" if unit else ""))
    helptext = core.plain(lever.path)
    if spec.kind == "category":
        return st.selectbox(label, list(spec.categories), key=key, help=helptext)
    if spec.kind == "bool":
        return st.checkbox(label, key=key, help=helptext)
    if spec.low is not None and spec.high is not None:
        lo, hi = spec.low / lever.scale, spec.high / lever.scale
        if _integral(lever):
            return st.slider(label, int(lo), int(hi), step=1, key=key, help=helptext)
        return st.slider(label, float(lo), float(hi), step=float((hi - lo) / 100), key=key,
                         help=helptext)
    integral = _integral(lever)
    cast = int if integral else float
    st.session_state[key] = cast(st.session_state.get(key) or 0)
    low = None if spec.low is None else cast(spec.low / lever.scale)
    return st.number_input(label, min_value=low, step=cast(1) if integral else None,
                           key=key, help=helptext)


def _charts(wb: core.Workbench, out: dict, base: dict, lang: str, policy: str) -> None:
    engine = wb.engine
    you, written = t("app.current_settings", lang), t("app.as_written", lang, policy=policy)
    specs = []
    if "sustainment.days_to_depletion" in out:
        labels = engine.coord_labels.get("munition", {}).get(lang, {})
        horizon = float(wb.scenario.settings.horizon_days)
        for j, m in enumerate(engine.coords["munition"]):
            title = t("report.depletion_title", lang, munition=str(labels.get(m, m)))
            specs.append(fg.histograms(
                {written: base["sustainment.days_to_depletion"][:, j],
                 you: out["sustainment.days_to_depletion"][:, j]},
                title, t("report.day", lang), t("report.share_futures", lang),
                bins=np.linspace(0, horizon, 31)))
    for path, x_key in (("deterrence.margin", "report.margin"),
                        ("c2.latency_median_h", "report.hours"),
                        ("posture.indo_pacific_index", "report.index")):
        if path in out:
            specs.append(fg.histograms({written: base[path], you: out[path]},
                                       engine.outputs[path].label(lang), t(x_key, lang),
                                       t("report.share_futures", lang)))
    cols = st.columns(2)
    for i, spec in enumerate(specs):
        spec = fg.plain_text(spec)  # names, titles and labels as text, never plotly markup
        spec["layout"]["height"] = 330
        with cols[i % 2]:
            st.plotly_chart(go.Figure(spec), use_container_width=True,
                            config={"displaylogo": False}, key=f"chart-{i}")


def main() -> None:
    args = _args()
    st.set_page_config(page_title="kaname", layout="wide")
    _initial_state(args)
    ss = st.session_state
    side = st.sidebar
    side.radio(t("app.language", ss.lang), LANGS, key="lang", horizontal=True,
               format_func=lambda code: t("app.lang_name", code))
    lang = ss.lang
    pick_box = side.container()
    uploaded = side.file_uploader(t("app.upload", lang), type=["yaml", "yml"], key="upload")
    _handle_upload(uploaded, args.futures)
    notice = side.empty()  # one element: the error box or the success line, never both
    if ss.upload_error:
        with notice.container():
            st.error(core.plain(ss.upload_error))
            st.caption(t("app.upload_kept", lang))
    elif ss.upload_ok:
        notice.success(t("app.upload_ok", lang, name=core.plain(ss.upload_ok[0]),
                         file=core.plain(ss.upload_ok[1])))
    try:
        _main(args, side, pick_box, lang)
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback in the page
        st.error(core.plain(core.error_line(exc)))


def _main(args: argparse.Namespace, side: Any, pick_box: Any, lang: str) -> None:
    ss = st.session_state
    pick_box.selectbox(t("common.scenario", lang), list(ss.sources), key="scenario_pick")
    ss.current = ss.scenario_pick
    text = ss.sources[ss.current]
    try:
        policy_options = workbench_policies(text, ss.current)
    except core.UploadError as exc:  # a --scenario file that does not validate
        st.error(core.plain(exc.line))
        return
    if ss.get("policy_pick") not in policy_options:
        ss.policy_pick = policy_options[0]
    side.selectbox(t("common.policy", lang), policy_options, key="policy_pick")
    policy = ss.policy_pick
    with st.spinner(t("app.loading", lang)):
        wb = workbench_for(text, ss.current, args.futures, policy_options[0])
    engine, scenario = wb.engine, wb.scenario
    as_written = core.policy_levers(scenario, engine, policy)
    groups = core.lever_groups(engine, scenario)
    if ss.applied != (ss.current, policy) or side.button(t("app.reset", lang)):
        for group_levers in groups.values():
            for lever in group_levers:
                ss[f"lever:{lever.path}"] = _display(lever, as_written[lever.path])
        ss.applied = (ss.current, policy)
    side.subheader(t("app.levers", lang))
    levers: dict[str, float] = {}
    for group, items in groups.items():
        title = core.plain(core.group_title(engine, group, lang))
        with side.expander(title, expanded=group in ("sustainment", "c2")):
            for lever in items:
                levers[lever.path] = _engine_value(lever, _lever_widget(lever, lang))

    out = wb.evaluate(levers)
    seconds = wb.last_seconds
    base = wb.evaluate(as_written)
    st.title(t("app.title", lang))
    st.caption(core.plain(f"{scenario.name} — " +
                          t("app.futures_line", lang, n=wb.futures, seconds=seconds)))
    description = _description(scenario, lang)
    if description:
        st.caption(core.plain(description))
    findings_box = st.container()  # filled last: the headline shows first
    st.subheader(t("app.headline_now", lang))
    rows = core.headline(engine, out, lang, base)
    cols = st.columns(4)
    for i, row in enumerate(rows):
        value, delta, color = core.metric_text(row, lang)
        with cols[i % 4]:
            st.metric(core.plain(row.label), value, delta, delta_color=color)  # type: ignore[arg-type]
    st.subheader(t("app.charts", lang))
    _charts(wb, out, base, lang, policy)
    st.subheader(t("app.export", lang))
    yaml_text = core.export_yaml(scenario, engine, policy, levers)
    st.download_button(t("app.export", lang), yaml_text, file_name=f"{core.safe_file_name(scenario.name)}-custom.yaml",
                       mime="application/x-yaml", key="export")
    with st.expander("YAML"):
        st.code(yaml_text, language="yaml")
    with findings_box:
        _findings(wb, out, base, levers, as_written, lang, policy)


FINDINGS_KEPT = 8  # lever settings whose findings are kept (moving back is instant)


def _findings(wb: core.Workbench, out: dict, base: dict, levers: dict, as_written: dict,
              lang: str, policy: str) -> None:
    """The key findings panel: current settings vs the policy as written (core.findings),
    recomputed whenever a lever changes and kept for the last few settings."""
    ss = st.session_state
    kept = ss.setdefault("findings_kept", {})
    key = (ss.current, policy, lang, wb.futures, tuple(sorted(levers.items())),
           tuple(sorted(as_written.items())))
    st.subheader(t("app.findings", lang, policy=core.plain(policy)))
    if key not in kept:
        with st.spinner(t("app.findings_computing", lang)):
            kept[key] = core.findings(wb.scenario, wb.engine, wb.columns, out, base, lang,
                                      policy)
        while len(kept) > FINDINGS_KEPT:
            kept.pop(next(iter(kept)))
    panel = kept[key]
    st.markdown("\n".join(f"- {core.plain(s)}" for s in panel.sentences))
    notes = [n for n in (panel.note, t("app.findings_seconds", lang, seconds=panel.seconds))
             if n]
    st.caption(core.plain(" ".join(notes)))
    if panel.noise:
        with st.expander(t("app.findings_noise", lang)):
            st.caption(core.plain(panel.noise))


def _description(scenario: Any, lang: str) -> str:
    """The scenario's description in `lang` (a text, or one per language)."""
    text = scenario.description
    if isinstance(text, dict):
        text = text.get(lang) or text.get("en") or next(iter(text.values()), "")
    return str(text or "").strip()


@st.cache_data(max_entries=16, show_spinner=False)
def workbench_policies(text: str, name: str) -> list[str]:
    """Policy names without building an engine (the workbench validates fully)."""
    from kaname import yamlio

    try:
        data = yamlio.loads(text, name=name)
    except Exception as exc:  # noqa: BLE001 - reported as the CLI would
        raise core.UploadError(core.error_line(exc)) from None  # type: ignore[arg-type]
    policies = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(policies, dict) or not policies:
        raise core.UploadError(f"kaname: error: {name}: policies: a scenario needs at least "
                               f"one policy")
    return [str(p) for p in policies]


main()
