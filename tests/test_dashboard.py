"""Dashboard logic without a browser: incremental recompute equals a full run, only the
models a lever reaches re-run, uploads fail with the CLI's line, export round-trips."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from kaname.app import core
from kaname.cli import app


@pytest.fixture(scope="module")
def bench():
    text = core.bundled_scenarios()["taiwan-2028.yaml"]
    scenario, engine = core.load_scenario_text(text, "taiwan-2028.yaml")
    return core.Workbench(scenario, engine, futures=500)


def test_incremental_evaluation_equals_the_engine(bench):
    engine, sc = bench.engine, bench.scenario
    levers = core.policy_levers(sc, engine, list(sc.policies)[-1])
    levers["c2.structure"] = 1.0
    levers["autonomy.semiconductors.investment_jpy_per_year"] = 2e11
    ours = bench.evaluate(levers)
    full = engine.evaluate({**{p: np.full(bench.futures, v) for p, v in levers.items()},
                            **bench.columns}, bench.futures, rng=np.random.default_rng(0))
    for path, value in full.items():
        np.testing.assert_allclose(ours[path], value, rtol=1e-12, atol=0, err_msg=path)


def test_only_reached_models_rerun(bench, monkeypatch):
    engine, sc = bench.engine, bench.scenario
    levers = core.policy_levers(sc, engine, list(sc.policies)[0])
    bench.evaluate(levers)
    calls: list[str] = []
    for m in engine.models:
        original = m.evaluate

        def spy(x, *, rng=None, series=False, _m=m, _orig=original):
            calls.append(_m.name)
            return _orig(x, rng=rng, series=series)

        monkeypatch.setattr(m, "evaluate", spy)
    changed = {**levers, "sustainment.pac3_mse.japan_rate": 240.0}
    out = bench.evaluate(changed)
    # posture reads the co-production levers (deliveries to US stocks), autonomy the
    # output of licensed US designs (US-origin dependence), budget the cost
    assert set(calls) == {"posture", "sustainment", "deterrence", "budget", "autonomy"}
    calls.clear()
    bench.evaluate(levers)  # back to the earlier setting: all from the cache
    assert calls == []
    base = bench.evaluate(levers)
    # more Japanese output never lowers the theatre stock at conflict start
    assert np.all(out["sustainment.stock_at_start"] >= base["sustainment.stock_at_start"] - 1e-9)


def display_order_models(engine):
    from kaname.models import BUILTIN

    return [m for m in BUILTIN if m in {x.name for x in engine.models}]


def test_lever_groups_cover_every_lever(bench):
    engine = bench.engine
    groups = core.lever_groups(engine)
    shown = {lv.path for items in groups.values() for lv in items}
    levers = {p for p, s in engine.inputs.items()
              if s.lever and s.movable and engine.computed_by(p) is None}
    assert shown == levers
    models = [m for m in display_order_models(engine) if m in groups]
    assert list(groups) == models  # one group per model, in the models' display order
    money = [lv for lv in groups["autonomy"] if lv.scale != 1.0]
    assert money and all(lv.scale == 1e9 for lv in money)


def test_headline_rows_and_deltas(bench):
    engine, sc = bench.engine, bench.scenario
    levers = core.policy_levers(sc, engine, list(sc.policies)[0])
    base = bench.evaluate(levers)
    rows = core.headline(engine, base, "ja", base)
    assert rows and all(r.diff_median == 0 for r in rows)
    holds = next(r for r in rows if r.path == "deterrence.holds")
    assert holds.is_share and holds.median == pytest.approx(
        float(np.mean(base["deterrence.holds"])))
    assert holds.texts("ja")[0].endswith("%") and holds.texts("ja")[1] == ""
    labels = [r.label for r in rows if r.path == "sustainment.days_to_depletion"]
    assert len(labels) == len(engine.coords["munition"])
    # the CLI's and the report's rows: the same numbers from a run's Dataset
    changed = bench.evaluate({**levers, "sustainment.pac3_mse.japan_rate": 240.0})
    rows = core.headline(engine, changed, "en", base)
    moved = next(r for r in rows if r.outcome == "sustainment.days_to_depletion[pac3_mse]")
    paired = changed["sustainment.days_to_depletion"][:, list(engine.coords["munition"])
                                                      .index("pac3_mse")]
    assert moved.median == pytest.approx(float(np.median(paired)))


@pytest.mark.parametrize(("data", "needle"), [
    (b"name: [", "kaname: error: up.yaml: line 1"),
    (b"x" * 1_000_001, "kaname: error: up.yaml: file is larger than 1000 kB; refused"),
    (b"name: x\npolicies: {a: {c2.structure: moon_base}}\n",
     "kaname: error: up.yaml: policies.a.c2.structure: got 'moon_base'; allowed: one of"),
    (b"a: &x 1\nb: *x\n", "anchors"),
    (b"\xff\xfe", "is not UTF-8 text"),
])
def test_bad_uploads_give_the_cli_line(data, needle):
    with pytest.raises(core.UploadError) as info:
        core.load_scenario_text(data, "up.yaml")
    line = info.value.line
    assert needle in line and "\n" not in line and line.startswith("kaname: error: ")


def test_the_same_error_as_the_cli(tmp_path):
    bad = tmp_path / "up.yaml"
    bad.write_text("name: x\npolicies: {a: {c2.structure: moon_base}}\n")
    res = CliRunner().invoke(app, ["validate", str(bad)])
    with pytest.raises(core.UploadError) as info:
        core.load_scenario_text(bad.read_bytes(), str(bad))
    assert res.exit_code == 2 and res.stderr.strip() == info.value.line


def test_export_round_trips(bench):
    engine, sc = bench.engine, bench.scenario
    levers = core.policy_levers(sc, engine, list(sc.policies)[0])
    levers.update({"c2.structure": 1.0, "sustainment.pac3_mse.japan_rate": 200.0,
                   "autonomy.ai.investment_jpy_per_year": 5e11})
    text = core.export_yaml(sc, engine, list(sc.policies)[0], levers)
    again, engine2 = core.load_scenario_text(text, "exported.yaml")
    assert list(again.policies)[:-1] == list(sc.policies)
    custom = again.policy_inputs("custom", engine2)
    for path, value in levers.items():
        assert custom.get(path, engine2.default(path)) == pytest.approx(value), path
    assert again.uncertainties.keys() == sc.uncertainties.keys()


@pytest.mark.parametrize(("args", "needle"), [
    (["serve", "--port", "0"], "--port: 0 not allowed"),
    (["serve", "--lang", "de"], "--lang: 'de' not allowed"),
    (["serve", "--futures", "5"], "--futures: 5 not allowed"),
])
def test_serve_bad_options(args, needle):
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and needle in res.stderr


def test_serve_is_local_and_offline():
    from kaname.commands.serve import offline_env, streamlit_command

    cmd = streamlit_command(8765)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert offline_env()["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_findings_of_a_lever_change(bench):
    """Issue 17: more PAC-3 MSE co-production in Japan (the lever at its maximum from the
    first policy's setting) can only add PAC-3 rounds, so the PAC-3 days to depletion go up
    and so does the co-production bill; the panel finds both, with those signs, and names
    the current settings against the policy as written."""
    engine, sc = bench.engine, bench.scenario
    policy = list(sc.policies)[0]
    written = core.policy_levers(sc, engine, policy)
    base = bench.evaluate(written)
    top = engine.inputs["sustainment.pac3_mse.japan_rate"].high
    assert top > written["sustainment.pac3_mse.japan_rate"]
    out = bench.evaluate({**written, "sustainment.pac3_mse.japan_rate": top})
    panel = core.findings(sc, engine, bench.columns, out, base, "en", policy)
    by_outcome = {f.outcome: f for f in panel.found}
    days = by_outcome["sustainment.days_to_depletion[pac3_mse]"]
    assert days.difference > 0 and days.low > 0
    cost = by_outcome["sustainment.coproduction_cost_jpy"]
    assert cost.difference > 0 and cost.low > 0
    # nothing about AMRAAM changed: its days are not a finding
    assert "sustainment.days_to_depletion[aim120]" not in by_outcome
    assert days.drivers and all(d.sourced is not None for d in days.drivers)
    text = "\n".join(panel.sentences)
    assert f"current settings vs {policy} as written" in text
    assert "Days to depletion — PAC-3 MSE +" in text
    assert panel.noise and "AIM-120" in panel.noise
    ja = core.findings(sc, engine, bench.columns, out, base, "ja", policy)
    assert "現在の設定と" in ja.sentences[0] and len(ja.sentences) == len(panel.sentences)


def test_findings_as_written_are_within_the_noise(bench):
    engine, sc = bench.engine, bench.scenario
    policy = list(sc.policies)[-1]
    written = core.policy_levers(sc, engine, policy)
    base = bench.evaluate(written)
    for lang, needle in (("en", "Nothing differs from"), ("ja", "ノイズの範囲内")):
        panel = core.findings(sc, engine, bench.columns, bench.evaluate(written), base, lang,
                              policy)
        assert panel.found == [] and panel.noise is None
        assert len(panel.sentences) == 1 and needle in panel.sentences[0]
        assert policy in panel.sentences[0]


def test_findings_drivers_on_fewer_futures(bench):
    """The drivers come from the first `driver_futures` futures; the differences from all."""
    engine, sc = bench.engine, bench.scenario
    policy = list(sc.policies)[0]
    written = core.policy_levers(sc, engine, policy)
    base = bench.evaluate(written)
    out = bench.evaluate({**written, "sustainment.pac3_mse.japan_rate": 240.0})
    full = core.findings(sc, engine, bench.columns, out, base, "en", policy)
    part = core.findings(sc, engine, bench.columns, out, base, "en", policy,
                         driver_futures=200)
    assert full.note is None and "first 200 of the 500 futures" in part.note
    assert [f.text for f in part.found] == [f.text for f in full.found]
    # the differences equal the headline metrics' (the same rows)
    rows = {r.outcome: r for r in core.headline(engine, out, "en", base)}
    for f in full.found:
        assert f.text == rows[f.outcome].diff_text("en")


@pytest.mark.parametrize("name", ["taiwan-2028.yaml", "taiwan-2028-teaching.yaml"])
def test_lever_labels_are_unique_and_name_their_munition(name):
    """Issue 17: two sliders were both "Japan co-production rate (full rate)"; every lever's
    label is now distinct in both languages, and a per-munition lever names its munition."""
    from kaname.text import LANGS

    scenario, engine = core.load_scenario_text(core.bundled_scenarios()[name], name)
    for groups in (core.lever_groups(engine, scenario), core.lever_groups(engine)):
        levers = [lv for items in groups.values() for lv in items]
        for lang in LANGS:
            labels = [lv.label(lang) for lv in levers]
            assert len(set(labels)) == len(labels), lang
        rate = next(lv for lv in levers if lv.path == "sustainment.pac3_mse.japan_rate")
        assert rate.label("en") == "PAC-3 MSE: Japan co-production rate (full rate)"
        assert rate.label("ja").startswith("PAC-3 MSE")
        amraam = next(lv for lv in levers if lv.path == "sustainment.aim120.japan_rate")
        assert amraam.label("en").startswith("AIM-120 AMRAAM: ")


def test_zero_yen_is_yen_not_a_share(bench):
    """Issue 17: a cost that is ¥0 in every future (no co-production under the status quo)
    was shown as "0.0%": yes/no outcomes were once told by their values (all 0 or 1). It is
    yen: its value and a zero difference read "0", never a percentage."""
    engine, sc = bench.engine, bench.scenario
    written = core.policy_levers(sc, engine, "status-quo")
    assert all(written[f"sustainment.{m}.japan_rate"] == 0 for m in engine.coords["munition"]
               if f"sustainment.{m}.japan_rate" in written)
    base = bench.evaluate(written)
    assert np.all(base["sustainment.coproduction_cost_jpy"] == 0)
    moved = bench.evaluate({**written, "c2.structure": 1.0})  # reaches no cost
    for current in (base, moved):
        for lang in ("en", "ja"):
            row = next(r for r in core.headline(engine, current, lang, base)
                       if r.outcome == "sustainment.coproduction_cost_jpy")
            assert not row.is_share and row.unit == "JPY" and row.diff_median == 0
            value, delta, _ = core.metric_text(row, lang)
            assert value == "0" and delta is None
            assert row.diff_text(lang) == "0" and "%" not in row.texts(lang)[1]
    # a yes/no outcome is still a share of futures
    holds = next(r for r in core.headline(engine, moved, "en", base)
                 if r.outcome == "deterrence.holds")
    assert core.metric_text(holds, "en")[0].endswith("%")


# --------------------------------------------------------------------------- hostile text
# Issue 18 item 8: the dashboard rendered Markdown from uploaded files (an image fetched
# from anywhere, links); some uploads replaced the page with a traceback.

IMG = '<img src="http://203.0.113.9/beacon.png">'
LINK = "[x](http://203.0.113.9/x)"
SCRIPT = "<script>window.pwned=1</script>"


def _markdown_html(text: str) -> str:
    """`text` rendered by a CommonMark renderer (markdown-it, as Streamlit's remark: raw
    HTML, links, images, emphasis), or skip when none is installed."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("strikethrough").enable("table") \
        .render(text)


@pytest.mark.parametrize("payload", [
    IMG, LINK, SCRIPT, "**bold**", "![i](http://203.0.113.9/i.png)", "<http://203.0.113.9>",
    "# heading", "- item", "1. item", "> quote", "`code`", "~~strike~~", "$x^2$", "a|b|c",
    "line\n\n# two\n<img src=x onerror=alert(1)>", "&lt;b&gt; &amp; &#60;", "\\*not\\*",
    "    indented code", "<a href='http://203.0.113.9'>a</a>", "___x___", ":red[text]",
    "see http://203.0.113.9/x and www.example.org, mail a@example.org",
])
def test_plain_is_inert_markdown_and_html(payload):
    import html
    import re

    out = core.plain(payload)
    assert "\n" not in out and "<" not in out and ">" not in out
    assert "://" not in out and "www." not in out.lower() and not re.search(r"\w@", out)
    rendered = _markdown_html(out)
    # one paragraph of text: no tag but <p>, no link, image, emphasis, heading or code
    assert re.findall(r"<(/?\w+)", rendered) == ["p", "/p"], rendered
    shown = html.unescape(re.sub(r"</?p>", "", rendered)).replace(core.WJ, "")
    assert shown.split() == payload.split()  # the text as written (line breaks as spaces)


def test_plain_keeps_ordinary_text():
    assert core.plain("PAC-3 MSE: 1,234.5 ¥ (full rate)") == \
        "PAC\\-3 MSE\\: 1,234\\.5 ¥ \\(full rate\\)"
    assert core.plain("台湾有事 2028") == "台湾有事 2028"
    assert core.plain("a & b < c") == "a &amp; b &lt; c"
    assert core.safe_file_name(f"x {IMG}/../y") == "x_img_src_http_203.0.113.9_beacon.png_.._y"
    assert core.safe_file_name("../..") == "scenario"


def _hostile_scenario() -> str:
    import yaml

    from kaname import yamlio

    data = yamlio.loads(core.bundled_scenarios()["taiwan-2028.yaml"], name="t")
    data["name"] = f"Hostile {IMG} {LINK} {SCRIPT} **bold**"
    data["description"] = f"Described {IMG} {LINK} {SCRIPT} **bold**"
    first, second = list(data["policies"].items())[:2]
    data["policies"] = {f"p1 {IMG} **bold**": first[1], f"p2 {LINK} {SCRIPT}": second[1]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_a_hostile_scenario_loads_and_its_names_stay_text():
    scenario, _ = core.load_scenario_text(_hostile_scenario().encode(), "h **b**.yaml")
    assert IMG in scenario.name and SCRIPT in scenario.name
    for text in (scenario.name, *scenario.policies):
        assert "<" not in core.plain(text) and "](" not in core.plain(text)


NESTED = b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"


@pytest.mark.parametrize(("data", "needle"), [
    (NESTED, "nested more than 40 levels deep; refused"),
    (b"name: x\npolicies: {a: {}}\nn: " + b"7" * 4300 + b"\n", "an integer of 4300 digits"),
    (b"name: x\nmodels: [1, 2]\npolicies: {a: {}}\n", "up.yaml: models: must be a list of"),
    (b"name: x\nmodels: {a: 1}\npolicies: {a: {}}\n", "up.yaml: models: must be a list of"),
    (b"name: x\nmodels: [moon]\npolicies: {a: {}}\n", "models: unknown model(s) moon"),
    (b"name: x\nsettings: {seed: -1}\npolicies: {a: {}}\n", "up.yaml: settings.seed: "),
    (bytes(range(256)) * 40, "is not UTF-8 text"),
    (b"\x00\x01\x02garbage\x7f", "up.yaml"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "up.yaml"),
    (b"# " + b"x" * 2_000_000 + b"\n", "file is larger than 1000 kB; refused"),
    ("# " + "x" * 2_000_000, "file is larger than 1000 kB; refused"),
    (b"name: &n x\npolicies: {a: {}}\ncopy: *n\n", "anchors"),
    (b"- 1\n- 2\n", "up.yaml"),
    (b"", "up.yaml"),
    (b"name: x\npolicies: [1, 2]\n", "up.yaml: policies"),
])
def test_hostile_uploads_give_one_line(data, needle):
    with pytest.raises(core.UploadError) as info:
        core.load_scenario_text(data, "up.yaml")
    line = info.value.line
    assert line.startswith("kaname: error: ") and needle in line, line
    assert "\n" not in line and "\r" not in line and "Traceback" not in line
    assert len(line) < 600


def test_an_unexpected_exception_is_one_internal_error_line(monkeypatch):
    from kaname import scenario as scenario_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(scenario_module, "parse_scenario", broken)
    with pytest.raises(core.UploadError) as info:
        core.load_scenario_text(core.bundled_scenarios()["taiwan-2028.yaml"], "up.yaml")
    assert info.value.line == "kaname: error: internal error (RuntimeError: boom\\nsecond line)"
    assert core.error_line(RecursionError()) == "kaname: error: internal error (RecursionError)"
