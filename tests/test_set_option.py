"""``--set PATH=VALUE`` (issue #17, item 3): fix an input in every future and policy without
editing YAML. Known answers: the set value is the only value drawn; a lever set for every
policy removes the difference it made; bad values are named by their option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import assert_one_line_exit_2, cli

from kaname.errors import InputError
from kaname.scenario import load_scenario, parse_sets

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def test_parse_sets_reads_values_as_yaml():
    assert parse_sets(["a.b=2028", "c.d=542 billion USD", "e.f=jfhq_in_japan"]) == {
        "a.b": 2028, "c.d": "542 billion USD", "e.f": "jfhq_in_japan"}
    for bad in ("nope", "=3", "a.b="):
        with pytest.raises(InputError, match="PATH=VALUE"):
            parse_sets([bad])


def test_a_set_uncertainty_has_one_value_and_a_set_lever_leaves_every_policy():
    sets = {"sustainment.conflict_year": 2031, "sustainment.pac3_mse.japan_rate": "60 missile/year"}
    sc = load_scenario(EXAMPLE, sets=sets)
    year = sc.uncertainties["sustainment.conflict_year"]
    assert year.dist == "choice" and year.values == [2031.0]
    assert sc.uncertainties["sustainment.pac3_mse.japan_rate"].values == [60.0]
    assert all("sustainment.pac3_mse.japan_rate" not in levers
               for levers in sc.policies.values())
    assert "2031" in sc.text  # the scenario as run, for the record


def test_setting_the_lever_for_every_policy_removes_its_effect():
    res = cli("run", str(EXAMPLE), "--policy", "status-quo", "--policy", "pac3-coproduction",
              "--futures", "40", "--set", "sustainment.pac3_mse.japan_rate=0",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    rows = [r for r in json.loads(res.stdout)["summary"]
            if r["policy"] == "pac3-coproduction" and r["diff_median"] is not None]
    assert rows and all(r["diff_median"] == 0 for r in rows
                        if r["outcome"].startswith("sustainment."))


@pytest.mark.parametrize("value, words", [("1990", "out of range"),
                                          ("5 million USD/missile", "incompatible")])
def test_a_bad_set_value_is_named_by_its_option(value, words):
    path = ("sustainment.conflict_year" if value == "1990"
            else "sustainment.pac3_mse.unit_cost_japan")
    assert_one_line_exit_2(cli("validate", str(EXAMPLE), "--set", f"{path}={value}"),
                           f"--set {path}", words)


def test_an_unknown_set_path_and_a_malformed_set_are_one_line():
    assert_one_line_exit_2(cli("validate", str(EXAMPLE), "--set", "a.b=3"), "--set a.b")
    assert_one_line_exit_2(cli("run", str(EXAMPLE), "--set", "nope"), "--set", "PATH=VALUE")


def test_explore_records_its_set_values_and_resume_keeps_them(tmp_path):
    """A run made with --set resumes from its recorded values, without the option (the
    source file with the values applied is what was frozen), and the results carry them."""
    import shutil

    from kaname import store
    from kaname.store.reader import open_results

    source = tmp_path / "scenario.yaml"
    shutil.copy(EXAMPLE, source)
    sc, engine, key = store.load(source, sets={"sustainment.conflict_year": 2031})
    store.create_run(sc, engine, key, tmp_path / "run", futures=60, chunk_size=20)
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["scenario"]["sets"] == {"sustainment.conflict_year": 2031}
    res = cli("explore", "--resume", str(tmp_path / "run"), "--no-progress")
    assert res.exit_code == 0, res.stderr
    ds = open_results(tmp_path / "run").dataset
    assert ds.sizes["future"] == 60
    assert set(ds["sustainment.conflict_year"].values.tolist()) == {2031}
    assert_one_line_exit_2(cli("explore", "--resume", str(tmp_path / "run"), "--set",
                               "sustainment.conflict_year=2028"), "--set", "--resume")
