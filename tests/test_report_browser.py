"""The report in a real browser: both languages, charts drawn, no console error, offline."""

from __future__ import annotations

from importlib import resources

import pytest
from browser_support import ARGS, CHROMIUM, Watch, artifact, require_browser

pytestmark = pytest.mark.slow  # a real browser: the slow tier


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from kaname.ensemble import run
    from kaname.report import write_report
    from kaname.scenario import engine_for, load_scenario

    with resources.as_file(resources.files("kaname.examples") / "taiwan-2028.yaml") as path:
        sc = load_scenario(path)
    engine = engine_for(sc.settings, sc.models)
    results = run(sc, engine, futures=300, keep_series=20)
    out = tmp_path_factory.mktemp("browser-report")
    return {lang: write_report(results, out / f"report-{lang}.html", lang, scenario=sc,
                               engine=engine) for lang in ("en", "ja")}


# The key findings come first (issue #17); model sections follow the models' display order
# (kaname.models.BUILTIN), the same order as the headline tables and the dashboard's levers.
HEADINGS = {
    "en": ["Key findings", "Scenario and policies", "Headline outcomes", "Munitions sustainment",
           "Alliance command and control", "Deterrence", "US posture: the Indo-Pacific index",
           "Golden Dome: cost against leakers", "Economic security: supply by origin",
           "Defence budget",
           "Sensitivity", "Scenario discovery (PRIM)", "Assumptions and parameters",
           "Bibliography"],
    "ja": ["主な結果", "シナリオと政策", "主要指標", "継戦能力(弾薬)", "同盟の指揮統制", "抑止",
           "米国の態勢: インド太平洋指数", "ゴールデン・ドーム: 費用と撃ち漏らし",
           "経済安全保障: 供給元別シェア", "防衛予算", "感度分析", "シナリオ探索(PRIM)", "前提とパラメータ",
           "参考文献"],
}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_in_the_browser(reports, lang):
    api = require_browser()
    with api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            watch = Watch(page)
            page.goto(reports[lang].as_uri())
            page.wait_for_selector("body[data-charts]", timeout=60_000)
            headings = page.locator("main section > h2").all_inner_texts()
            assert headings == HEADINGS[lang]
            drawn = int(page.get_attribute("body", "data-charts"))
            assert drawn >= 10
            assert page.locator(".js-plotly-plot .main-svg").count() >= drawn
            # the deterrence chart actually has bars/lines in it
            assert page.locator("#deterrence .js-plotly-plot g.trace").count() > 0
            assert page.locator("#assumptions table tbody tr").count() > 100
            assert page.locator(".bib li").count() > 10
            page.screenshot(path=str(artifact(f"report-{lang}.png")))
            page.locator("#sustainment").screenshot(
                path=str(artifact(f"report-{lang}-sustainment.png")))
            assert watch.errors == []
            assert watch.external == []
        finally:
            browser.close()
