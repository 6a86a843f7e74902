"""The report in a real browser: both languages, charts drawn, no console error, offline."""

from __future__ import annotations

from importlib import resources

import pytest
from browser_support import artifact, browser_page

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


def expected_order(lang):
    """Findings and the citation first, the appendices last (issue #17), from the catalogue."""
    from kaname.text import t

    first = [t("report.sec_findings", lang), t("report.cite_heading", lang)]
    last = [t(f"report.sec_{sid}", lang)
            for sid in ("scenario", "headline", "assumptions", "bibliography")]
    return first, last


# Every figure's traces, and the boxes of its texts (titles, panel titles, legend entries,
# axis titles): a figure passes when its traces are named distinctly and no two of its texts
# overlap, e.g. ten panel titles squeezed side by side.
FIGURE_FACTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(el => {
  const boxes = [...el.querySelectorAll('.annotation-text, .gtitle, .legendtext, .xtitle, .ytitle')]
    .map(t => t.getBoundingClientRect()).filter(r => r.width > 0)
    .map(r => [r.left, r.top, r.right, r.bottom]);
  return {id: el.id, names: (el.data || []).map(d => d.name || ''), boxes};
})"""

# Text that does not fit its box: wider content than the element shows (not a scrolling
# <pre>), or a page wider than the window.
OVERFLOW = """() => {
  const bad = [];
  document.querySelectorAll('main p, main li, main h2, main h3, main td, main th, nav li')
    .forEach(el => { if (el.scrollWidth > el.clientWidth + 1)
      bad.push(el.tagName + ': ' + el.textContent.slice(0, 60)); });
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    bad.push('page ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  return bad;
}"""


def overlaps(a, b, slack=1.0):
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and \
        b[1] < a[3] - slack


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_in_the_browser(reports, lang):
    with browser_page(reports[lang].as_uri(), 1200, 900) as (page, watch):
        page.wait_for_selector("body[data-charts]", timeout=60_000)
        headings = page.locator("main section > h2").all_inner_texts()
        first, last = expected_order(lang)
        assert headings[:2] == first and headings[-4:] == last, headings
        assert len(headings) >= 12
        drawn = int(page.get_attribute("body", "data-charts"))
        assert drawn >= 10
        assert page.locator(".js-plotly-plot .main-svg").count() >= drawn
        assert page.locator("#deterrence .js-plotly-plot g.trace").count() > 0
        for fig in page.evaluate(FIGURE_FACTS):
            names = fig["names"]
            if len(names) > 1:
                assert all(names) and len(set(names)) == len(names), (fig["id"], names)
            boxes = fig["boxes"]
            clash = [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                     if overlaps(boxes[i], boxes[j])]
            assert not clash, (fig["id"], clash[:3])
        assert page.evaluate(OVERFLOW) == []
        # the assumptions appendix filters as one types
        rows = page.locator("#assumptions-table tbody tr")
        total = rows.count()
        assert total > 100
        page.fill('input[data-filter="assumptions-table"]', "golden_dome_annual")
        shown = page.locator("#assumptions-table tbody tr:not([hidden])")
        assert 1 <= shown.count() < total
        assert all("golden_dome_annual" in r for r in shown.all_inner_texts())
        page.fill('input[data-filter="assumptions-table"]', "")
        assert page.locator("#assumptions-table tbody tr:not([hidden])").count() == total
        assert page.locator(".bib li").count() > 10
        page.screenshot(path=str(artifact(f"report-{lang}.png")))
        assert watch.errors == []
        assert watch.external == []


PAYLOADS = ('<img src="http://203.0.113.9/beacon.png">', "<script>window.pwned = 1</script>",
            '[a link](http://203.0.113.9/x)', '<a href="http://203.0.113.9/y">click</a>')


def test_user_text_is_shown_as_text_never_markup(tmp_path):
    """Scenario name, description and policy names carrying HTML, script and Markdown
    payloads: the report shows them as text, adds no element, loads nothing and runs no
    script (issue #18, item 8)."""
    import yaml

    from kaname.ensemble import run
    from kaname.report import write_report
    from kaname.scenario import load_scenario

    example = resources.files("kaname.examples") / "taiwan-2028-teaching.yaml"
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    hostile = " ".join(PAYLOADS)
    data["name"] = PAYLOADS[0]
    data["description"] = {"en": hostile, "ja": hostile}
    data["policies"] = {PAYLOADS[1]: {}, PAYLOADS[3]: data["policies"]["pac3-coproduction"]}
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sc = load_scenario(path)
    report = write_report(run(sc, futures=60), tmp_path / "report.html", "en", scenario=sc)
    with browser_page(report.as_uri(), 1200, 900) as (page, watch):
        page.wait_for_selector("body[data-charts]", timeout=60_000)
        assert page.evaluate("window.pwned") is None
        assert page.locator("img").count() == 0
        links = page.evaluate("""() => [...document.querySelectorAll('a')].map(a =>
            a.getAttribute('href') || a.getAttribute('xlink:href') || '')""")
        assert [u for u in links if not u.startswith("#")] == [], links
        text = page.inner_text("body")
        assert PAYLOADS[0] in text and PAYLOADS[2] in text
        assert watch.external == [] and watch.errors == []
