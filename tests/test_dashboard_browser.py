"""The dashboard in a real browser: start it, move a lever, see the headline numbers change;
language toggle; a bad or oversized upload shows the CLI's one-line error and keeps state."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import artifact, browser_page, require_browser

pytestmark = pytest.mark.slow  # a real browser and a Streamlit server: the slow tier

METRIC = '[data-testid="stMetricValue"]'
CHANGED = ("(old) => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
           ".map(e => e.innerText).join('|') !== old")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    require_browser()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kaname.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("dashboard did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    import os
    import signal

    proc.terminate()  # kaname serve stops its streamlit child on SIGTERM
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this fixture started


def metrics(page) -> list[str]:
    return page.locator(METRIC).all_inner_texts()


def test_dashboard_lever_language_upload(server):
    with browser_page(server, 1400, 1000, accept_downloads=True) as (page, watch):
        page.wait_for_selector(METRIC, timeout=180_000)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        before = metrics(page)
        assert len(before) >= 10
        page.screenshot(path=str(artifact("dashboard-start.png")))

        # move the first lever (a co-production rate) to its maximum
        slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
        slider.focus()
        slider.press("End")
        page.wait_for_function(CHANGED, arg="|".join(before), timeout=60_000)
        time.sleep(1.0)
        after = metrics(page)
        assert after != before
        page.screenshot(path=str(artifact("dashboard-lever-moved.png")))

        # language toggle
        page.get_by_text("日本語", exact=True).click()
        page.get_by_text("要 kaname ダッシュボード").wait_for(timeout=60_000)
        page.get_by_text("主要指標", exact=False).first.wait_for(timeout=60_000)
        time.sleep(1.0)
        settled = metrics(page)
        page.screenshot(path=str(artifact("dashboard-ja.png")))

        # export the current settings as a scenario file that validates
        with page.expect_download(timeout=60_000) as info:
            page.locator('[data-testid="stDownloadButton"] button').click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        from kaname.app.core import load_scenario_text

        scenario, _ = load_scenario_text(text, "exported.yaml")
        assert scenario.policies["custom"]  # the moved lever is in the custom policy

        # a malformed upload: the CLI's one-line error, the previous state kept
        upload = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        upload.set_input_files({"name": "broken.yaml", "mimeType": "application/x-yaml",
                                "buffer": b"name: x\npolicies: {a: {nope.lever: 1}}\n"})
        alert = page.get_by_text("kaname: error: broken.yaml: policies.a.nope.lever")
        alert.wait_for(timeout=60_000)
        assert metrics(page) == settled
        page.screenshot(path=str(artifact("dashboard-bad-upload.png")))

        # an oversized upload
        upload.set_input_files({"name": "huge.yaml", "mimeType": "application/x-yaml",
                                "buffer": b"# " + b"x" * 1_100_000 + b"\n"})
        page.get_by_text("kaname: error: huge.yaml: file is larger than 1000 kB; refused"
                         ).wait_for(timeout=60_000)
        assert metrics(page) == settled
        page.screenshot(path=str(artifact("dashboard-oversized-upload.png")))

        assert watch.errors == []
        assert watch.external == []


FINDINGS = '[data-testid="stMarkdownContainer"] li'


def findings_text(page) -> str:
    return "\n".join(page.locator(FINDINGS).all_inner_texts())


def test_findings_update_after_a_lever_change(server):
    """Issue 17: the key findings panel at the top says nothing differs from the policy as
    written until a lever moves; then it shows the current settings' findings."""
    api = require_browser()
    with browser_page(server, 1400, 1000) as (page, watch):
        page.get_by_text("Key findings: current settings vs", exact=False).first.wait_for(
            timeout=180_000)
        page.get_by_text("Nothing differs from", exact=False).first.wait_for(
            timeout=120_000)
        before = findings_text(page)
        assert "beyond the noise" in before and "current settings vs" not in before
        # the panel is above the headline metrics
        panel_y = page.get_by_text("Key findings: current settings vs").first.bounding_box()
        metric_y = page.locator(METRIC).first.bounding_box()
        assert panel_y["y"] < metric_y["y"]

        # a key press that lands while Streamlit is still re-running (a loaded machine)
        # is dropped: press again, up to three times, before calling it a failure
        for attempt in range(3):
            slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
            slider.focus()
            slider.press("End")
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll("
                    "'[data-testid=stMarkdownContainer] li')]"
                    ".some(e => e.innerText.includes('current settings vs'))",
                    timeout=90_000)
                break
            except api.TimeoutError:
                if attempt == 2:
                    raise
        after = findings_text(page)
        assert after != before and "Nothing differs from" not in after
        assert "as written:" in after and "(+" in after  # a difference with its interval
        page.screenshot(path=str(artifact("dashboard-findings.png")))
        assert watch.errors == [] and watch.external == []


IMG = '<img src="http://203.0.113.9/beacon.png">'
LINK = "[x](http://203.0.113.9/x)"
SCRIPT = "<script>window.pwned=1</script>"
EXTERNAL = """() => {
  const ext = (u) => /^(https?:)?\\/\\//i.test(u || '') && !(u || '').includes('127.0.0.1');
  const imgs = [...document.querySelectorAll('img, image')]
    .map(e => e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('xlink:href'))
    .filter(ext);
  const links = [...document.querySelectorAll('a')]
    .map(e => e.getAttribute('href') || e.getAttribute('xlink:href')).filter(ext);
  return {imgs, links, html: document.body.innerHTML.includes('203.0.113.9/beacon.png">')};
}"""


def hostile_scenario() -> bytes:
    import yaml

    from kaname import yamlio
    from kaname.app.core import bundled_scenarios

    data = yamlio.loads(bundled_scenarios()["taiwan-2028.yaml"], name="t")
    data["name"] = f"Hostile {IMG} {LINK} {SCRIPT} **bold**"
    data["description"] = f"Described {IMG} {LINK} {SCRIPT} **bold**"
    first, second = list(data["policies"].items())[:2]
    data["policies"] = {f"p1 {IMG} **bold**": first[1], f"p2 {LINK} {SCRIPT}": second[1]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def error_alerts(page) -> list[str]:
    return [a for a in page.locator('[data-testid="stAlert"]').all_inner_texts()
            if "kaname: error" in a]


def test_hostile_upload_is_text_refused_upload_is_one_line(server):
    """Issue 18 item 8: names and descriptions from an uploaded file are shown as text (no
    image fetched, no link, no script, no bold); a refused upload is one line and keeps the
    scenario; the error box goes away with the next good upload."""
    with browser_page(server, 1400, 1000) as (page, watch):
        page.wait_for_selector(METRIC, timeout=180_000)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        before = page.evaluate(EXTERNAL)

        upload = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        upload.set_input_files({"name": "hostile **b**.yaml", "mimeType":
                                "application/x-yaml", "buffer": hostile_scenario()})
        # the names as written: in the caption under the title, the description, the
        # success line, the findings' heading and list, the policy picker, the legends
        page.get_by_text("Described <img src=", exact=False).first.wait_for(
            timeout=180_000)
        page.get_by_text("from hostile **b**.yaml", exact=False).first.wait_for(
            timeout=60_000)
        page.get_by_text("current settings vs p1 <img src=", exact=False).first.wait_for(
            timeout=180_000)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        time.sleep(2.0)
        page.screenshot(path=str(artifact("dashboard-hostile-upload.png")))
        text = page.evaluate("() => document.body.innerText.replaceAll('\\u2060', '')")
        for shown in (f"Hostile {IMG} {LINK} {SCRIPT} **bold** — ",
                      f"Described {IMG} {LINK} {SCRIPT} **bold**",
                      f"Loaded Hostile {IMG} {LINK} {SCRIPT} **bold** from hostile **b**.yaml",
                      f"Key findings: current settings vs p1 {IMG} **bold** as written",
                      f"p1 {IMG} **bold**"):
            assert shown in text, shown
        after = page.evaluate(EXTERNAL)
        assert after["imgs"] == before["imgs"] == []
        assert sorted(after["links"]) == sorted(before["links"])
        assert not any("203.0.113.9" in u for u in after["links"])
        assert not after["html"]  # the payload is never an element
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.locator("strong:has-text('bold')").count() == 0
        legends = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
        assert f"p1 {IMG} **bold** as written" in legends.replace("\u2060", "")
        settled = metrics(page)

        # a refused upload: one line, the hostile scenario kept
        upload.set_input_files({"name": "deep.yaml", "mimeType": "application/x-yaml",
                                "buffer": b"a: " + b"[" * 500 + b"]" * 500 + b"\n"})
        page.get_by_text("kaname: error: deep.yaml: line 1: nested more than 40 levels "
                         "deep; refused").wait_for(timeout=60_000)
        alerts = error_alerts(page)
        assert len(alerts) == 1 and alerts[0].strip().count("\n") == 0, alerts
        assert metrics(page) == settled
        assert page.get_by_text("Hostile ", exact=False).count() >= 1
        upload.set_input_files({"name": "models.yaml", "mimeType": "application/x-yaml",
                                "buffer": b"name: x\nmodels: [1, 2]\npolicies: {a: {}}\n"})
        page.get_by_text("kaname: error: models.yaml: models: must be a list of model "
                         "names").wait_for(timeout=60_000)
        assert len(error_alerts(page)) == 1
        assert page.get_by_text("Traceback", exact=False).count() == 0
        page.screenshot(path=str(artifact("dashboard-refused-upload.png")))

        # a good upload: the error box is gone
        from kaname.app.core import bundled_scenarios

        good = bundled_scenarios()["taiwan-2028-teaching.yaml"].encode()
        upload.set_input_files({"name": "good.yaml", "mimeType": "application/x-yaml",
                                "buffer": good})
        page.get_by_text("from good.yaml", exact=False).first.wait_for(timeout=180_000)
        page.wait_for_selector(METRIC, timeout=180_000)
        time.sleep(2.0)
        assert error_alerts(page) == []
        assert page.get_by_text("kaname: error", exact=False).count() == 0
        page.screenshot(path=str(artifact("dashboard-good-after-refused.png")))

        assert watch.errors == []
        assert watch.external == []
