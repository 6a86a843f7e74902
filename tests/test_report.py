"""The HTML report: sections, offline embedding, partial runs, analysis blocks, CLI errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from kaname.report import build_report, render_report, write_report
from kaname.report.load import ReportInput, load_input
from kaname.report.sections import Bibliography, wilson

SECTIONS = ("findings", "scenario", "headline", "sustainment", "c2", "homeland", "posture", "deterrence",
            "autonomy", "sensitivity", "discovery", "assumptions", "bibliography")


@pytest.fixture(scope="module")
def demo():
    from kaname.ensemble import run
    from kaname.scenario import engine_for, load_scenario

    with resources.as_file(resources.files("kaname.examples") / "taiwan-2028.yaml") as path:
        sc = load_scenario(path)
    engine = engine_for(sc.settings, sc.models)
    results = run(sc, engine, futures=300, keep_series=20)
    return sc, engine, results


@pytest.fixture(scope="module")
def reports(demo, tmp_path_factory):
    sc, engine, results = demo
    out = tmp_path_factory.mktemp("report")
    paths = {lang: write_report(results, out / f"report-{lang}.html", lang, scenario=sc,
                                engine=engine) for lang in ("en", "ja")}
    return paths


def test_every_section_renders_with_the_full_engine(reports):
    for lang, path in reports.items():
        html = path.read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html
        for sid in SECTIONS:
            assert f'<section id="{sid}">' in html, (lang, sid)
        # the key findings come first (issue #17)
        assert html.index('<section id="findings">') < html.index('<section id="scenario">')
        assert ("paired differences" in html) if lang == "en" else ("対応のある差" in html)
        # every model section has a chart; none says its model is missing
        assert "not part of it" not in html and "含まれていません" not in html
        figures = json.loads(re.search(r'id="figure-data">(.*?)</script>', html, re.S)
                             .group(1).replace("<\\/", "</"))["figures"]
        assert len(figures) >= 10
        assert html.count('class="figure"') == len(figures)


def test_report_is_offline_and_small(reports):
    html = reports["en"].read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html
    assert "cdn.plot.ly" not in html.split("<script>")[0]  # no CDN reference in the page head
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "Plotly.newPlot" in html and "plotly.js" in html.lower()
    assert reports["en"].stat().st_size < 15e6


JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_japanese_report_is_in_japanese(demo, reports):
    _, engine, _ = demo
    html = reports["ja"].read_text(encoding="utf-8")
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.S)
    assert len(headings) > 15
    for heading in headings:
        assert JAPANESE.search(heading), heading
    assert "Headline outcomes" not in html and "Appendix" not in html
    # the assumption rationales and notes are shown in Japanese (issue #17)
    entry = engine.library.get("posture.golden_dome_annual_usd")
    assert entry.text("assumption", "ja") in html
    assert " ".join(entry.assumption.split()) not in html


def test_findings_then_questions_then_appendices(reports):
    for path in reports.values():
        html = path.read_text(encoding="utf-8")
        ids = re.findall(r'<section id="([^"]+)">', html)
        assert ids[:2] == ["findings", "cite"]
        appendices = ["scenario", "headline", "assumptions", "bibliography"]
        assert ids[-4:] == appendices
        assert {"sustainment", "c2", "deterrence", "posture", "homeland", "autonomy"} <= \
            set(ids[2:-4])


def test_cite_this_run_names_version_data_scenario_and_seed(demo, reports):
    import hashlib

    from kaname import __version__

    sc, _, _ = demo
    # independently: the SHA-256 of "name<TAB>sha256<LF>" lines of the bundled data files
    pkg = resources.files("kaname.data")
    lines = "".join(f"kaname/data/{f.name}\t{hashlib.sha256(f.read_bytes()).hexdigest()}\n"
                    for f in sorted(pkg.iterdir(), key=lambda f: f.name)
                    if f.name.endswith(".yaml"))
    data_hash = hashlib.sha256(lines.encode()).hexdigest()
    scenario_hash = hashlib.sha256(sc.text.encode()).hexdigest()
    html = reports["en"].read_text(encoding="utf-8")
    cite = html.split('<section id="cite">')[1].split("</section>")[0]
    for needle in (__version__, data_hash, scenario_hash, f"seed {sc.settings.seed}"):
        assert needle in cite, needle


def test_assumptions_appendix_is_searchable(reports):
    html = reports["en"].read_text(encoding="utf-8")
    part = html.split('<section id="assumptions">')[1].split("</section>")[0]
    assert 'data-filter="assumptions-table"' in part and 'id="assumptions-table"' in part


def test_headline_figures_and_assumptions_cite_sources(demo, reports):
    sc, engine, _ = demo
    html = reports["en"].read_text(encoding="utf-8")
    assert "White House estimate" in html and "$175.0B" in html
    # every data-library entry appears in the assumptions table
    for entry in engine.library:
        assert entry.path in html, entry.path
    # the bibliography lists every distinct source of the library
    distinct = {(s.title, s.url or s.copy) for e in engine.library for s in e.sources}
    assert html.count('<li id="ref-') == len(distinct)


def test_sustainment_section_shows_every_munitions_days_and_the_race(demo, reports):
    _, engine, _ = demo
    for lang, heading in (("en", "Days to depletion by munition"), ("ja", "弾薬別の枯渇までの日数")):
        html = reports[lang].read_text(encoding="utf-8")
        part = html.split('<section id="sustainment">')[1].split("</section>")[0]
        assert heading in part
        for m in engine.coords["munition"]:  # one row per munition, by its label
            assert engine.coord_labels["munition"][lang][m] in part, m
        assert ("denial race" in part) if lang == "en" else ("拒否の競争" in part)


def test_c2_section_compares_structures(reports):
    html = reports["en"].read_text(encoding="utf-8")
    c2 = html.split('<section id="c2">')[1].split("</section>")[0]
    from kaname.text import t

    for lang in ("en", "ja"):  # the structures by name, in the reader's language
        c2 = reports[lang].read_text(encoding="utf-8").split('<section id="c2">')[1]
        c2 = c2.split("</section>")[0]
        for code in ("hawaii_centric", "jfhq_in_japan"):
            assert t(f"c2.structure_{code}", lang) in c2 and code not in c2


def test_sensitivity_and_prim_read_from_saved_analysis(demo):
    _, engine, results = demo
    sobol = {"method": "sobol", "outcome": "sustainment.sustainment_days", "n": 64,
             "evaluations": 1000, "conf_level": 0.95, "indices": [
                 {"input": "sustainment.conflict_year", "S1": 0.2, "S1_conf": 0.05,
                  "ST": 0.3, "ST_conf": 0.05},
                 {"input": "sustainment.pac3_mse.surge_demand_per_day", "S1": 0.5,
                  "S1_conf": 0.05, "ST": 0.6, "ST_conf": 0.05}]}
    prim = {"where": "deterrence.holds == False", "cases": 30, "n": 300, "policies": ["a"],
            "boxes": [{"description": "conflict year at most 2028: coverage 70 %, density "
                                      "85 %"}]}
    inp = ReportInput(results=results, analyses=[("sobol.json", sobol), ("prim.json", prim)])
    doc = build_report(inp, "en", engine)
    sec = {s["id"]: s for s in doc["sections"]}
    words = " ".join(b.get("text", "") for b in sec["sensitivity"]["blocks"])
    surge = engine.inputs["sustainment.pac3_mse.surge_demand_per_day"].label("en")
    # the largest total index, named in words with its munition (labels never collide)
    assert f"is PAC-3 MSE: {surge} (ST = 0.60)" in words
    items = [i for b in sec["discovery"]["blocks"] if b["kind"] == "list" for i in b["items"]]
    assert items == ["Box 1: conflict year at most 2028: coverage 70 %, density 85 %"]


def test_headline_table_is_the_clis(demo):
    """The report's headline rows are kaname run's: a yes/no outcome as a share of futures
    (no band), every other outcome as median, 10–90 % band and paired difference."""
    from kaname.commands.run import render
    from kaname.presentation import headline_rows

    _, engine, results = demo
    doc = build_report(ReportInput(results=results), "en", engine)
    sec = next(s for s in doc["sections"] if s["id"] == "headline")
    rows = next(b for b in sec["blocks"] if b["kind"] == "table")["rows"]
    want = headline_rows(results, "en")
    assert [r[1:] for r in rows] == [[w.policy, *w.texts("en")] for w in want]
    i = next(k for k, w in enumerate(want) if w.path == "deterrence.holds")
    holds = rows[i]
    assert "Deterrence holds [share of futures]" in holds[0]
    assert holds[2].endswith("%") and holds[3] == "" and holds[2] in render(results, "table",
                                                                            "en")
    share = float(np.mean(results.dataset["deterrence.holds"].values[0]))
    assert holds[2] == f"{share:.1%}"


def test_missing_analysis_is_said_not_failed(demo):
    _, engine, results = demo
    doc = build_report(ReportInput(results=results), "ja", engine)
    sens = next(s for s in doc["sections"] if s["id"] == "sensitivity")
    assert sens["blocks"][0]["kind"] == "note" and "感度分析の結果がありません" in \
        sens["blocks"][0]["text"]


def test_runs_without_a_model_say_so(demo):
    _, engine, results = demo
    ds = results.dataset.drop_vars([v for v in results.dataset.data_vars
                                    if v.startswith(("homeland.", "c2."))])
    from kaname.results import Results

    doc = build_report(ReportInput(results=Results(ds)), "en", engine)
    sec = {s["id"]: s for s in doc["sections"]}
    for sid in ("homeland", "c2"):
        assert sec[sid]["blocks"][0]["kind"] == "note"
        assert "has no" in sec[sid]["blocks"][0]["text"]
    html = render_report(doc)
    assert '<section id="deterrence">' in html


def test_wilson_interval_matches_the_textbook():
    # Wilson (1927): k = 0 of n = 10 gives [0, z²/(n+z²)] = [0, 0.2775].
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1.96**2 / (10 + 1.96**2), rel=1e-9)
    lo, hi = wilson(50, 100)
    assert lo + hi == pytest.approx(1.0) and 0.40 < lo < 0.41


def test_bibliography_numbers_each_source_once():
    from kaname.data import Source

    a = Source("T", "P", "2025", "u", "high")
    b = Source("T2", "P", "2025", "u2", "high")
    bib = Bibliography()
    assert [bib.cite(a), bib.cite(b), bib.cite(a)] == [1, 2, 1]


def _run_dir(tmp: Path, futures: int = 600, chunk: int = 200) -> Path:
    example = resources.files("kaname.examples") / "taiwan-2028.yaml"
    run_dir = tmp / "run"
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "explore", str(example),
                           "--run-dir", str(run_dir), "-n", str(futures), "--chunk-size",
                           str(chunk), "--keep-series", "30", "--no-progress"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return run_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return _run_dir(tmp_path_factory.mktemp("store"))


@pytest.mark.slow  # `run_dir` explores 600 futures in a subprocess; the report renders them
def test_cli_report_of_a_run_directory(run_dir):
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", "report", str(run_dir),
                           "--lang", "ja"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    html = (run_dir / "report.ja.html").read_text(encoding="utf-8")  # beside report.html
    assert "未完了の実行" not in html
    assert "taiwan-2028" in html and "日本が関与する台湾有事" in html  # frozen scenario text


@pytest.mark.slow  # needs `run_dir`
def test_failed_chunks_are_on_the_first_page(run_dir, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    # chunks 0-30 (the kept series), 30-200, 200-400, 400-600: the third one fails
    assert [(c["start"], c["stop"]) for c in manifest["chunks"]] == \
        [(0, 30), (30, 200), (200, 400), (400, 600)]
    manifest["chunks"][2].update(status="failed", error="ModelError: boom", files={})
    manifest["status"] = "failed"
    (broken / "manifest.json").write_text(json.dumps(manifest))
    inp = load_input(broken)
    assert inp.status.failed == [(2, "ModelError: boom")]
    assert inp.results.dataset.sizes["future"] == 400
    out = write_report(broken, tmp_path / "r.html", "en")
    html = out.read_text(encoding="utf-8")
    banner = html.index('id="run-status"')
    assert banner < html.index('id="contents"')
    assert "1 of 4 chunks failed" in html and "Chunk 2: ModelError: boom" in html
    futures = inp.results.dataset["future"].values
    assert np.array_equal(futures, np.r_[0:200, 400:600])


@pytest.mark.slow  # needs `run_dir`
@pytest.mark.parametrize(("args", "needle"), [
    (["report", "/nonexistent/run"], "no such run directory"),
    (["report", "{run}", "--lang", "fr"], "--lang: 'fr' not allowed"),
    (["report", "{run}", "-o", "/nonexistent/dir/r.html"], "output directory does not exist"),
])
def test_cli_bad_input_is_one_line(run_dir, args, needle):
    args = [a.replace("{run}", str(run_dir)) for a in args]
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_report_builds_its_engine_for_the_runs_own_settings(demo):
    """A report of stored results re-evaluates (the c2 counterfactual) with the run's own
    calendar and models, not the defaults."""
    from kaname.report import _engine_and_library
    from kaname.results import Results

    _, _, results = demo
    ds = results.dataset.copy()
    ds.attrs.update(base_year=2027, horizon_days=30)
    text = "name: t\nmodels: [sustainment, c2]\npolicies: {a: {}}\n"
    engine, _ = _engine_and_library(None, ReportInput(results=Results(ds), scenario_text=text))
    assert sorted(m.name for m in engine.models) == ["c2", "sustainment"]
    assert len(engine.coords["day"]) == 30
    assert engine.inputs["sustainment.conflict_year"].low == 2027


def test_prim_screening_keeps_the_inputs_that_move_the_outcome():
    import pandas as pd

    from kaname.report.sections import strongest

    rng = np.random.default_rng(5)
    n = 2000
    X = pd.DataFrame({"noise1": rng.random(n), "signal": rng.random(n), "noise2": rng.random(n),
                      "label": rng.choice(["x", "y"], n), "constant": np.ones(n)})
    y = (X["signal"] > 0.7).to_numpy() | ((X["label"] == "y") & (rng.random(n) < 0.3)).to_numpy()
    assert strongest(X, y, 2) == ["signal", "label"]   # kept in column order
    assert "constant" not in strongest(X, y, 4)
