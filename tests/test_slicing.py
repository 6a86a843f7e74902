"""Slicing finished results by an uncertainty (issue #17, item 3): ``--by PATH`` groups the
futures (one group per value, equal-count bins of a continuous input) and ``--set`` on a
finished run keeps the futures where an uncertainty took a value. Known answers: a planted
effect that grows with the year is recovered year by year, exactly; bins partition the
futures into equal counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.analysis.slicing import by, restrict, subset, where
from kaname.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def toy(n=600, seed=0):
    """Policy b adds 3 days per year after 2027, exactly; u is a continuous nuisance."""
    rng = np.random.default_rng(seed)
    year = rng.integers(2027, 2033, n).astype(float)
    u = rng.random(n)
    base = rng.normal(30.0, 5.0, n)
    y = np.stack([base, base + 3.0 * (year - 2027)])
    attrs = {"headline": True, "unit": "day", "kind": "real", "better": "higher",
             "label_en": "Y", "label_ja": "Y"}
    return xr.Dataset({"toy.y": (("policy", "future"), y, attrs)},
                      coords={"policy": ["a", "b"], "future": np.arange(n),
                              "toy.year": ("future", year), "toy.u": ("future", u),
                              "toy.lever": ("policy", [0.0, 1.0])},
                      attrs={"futures": n})


def test_a_discrete_input_gives_one_group_per_value_and_the_planted_effect_per_year():
    from kaname.presentation import headline_rows

    ds = toy()
    pieces = by(ds, "toy.year")
    assert [p.label for p in pieces] == ["2027", "2028", "2029", "2030", "2031", "2032"]
    assert sum(p.futures for p in pieces) == ds.sizes["future"]
    for p in pieces:
        part = subset(ds, p)
        assert part.attrs["futures"] == p.futures
        (row,) = [r for r in headline_rows(part) if r.policy == "b"]
        assert row.diff_median == pytest.approx(3.0 * (int(p.label) - 2027), abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(40, 500), st.integers(2, 6), st.integers(0, 1000))
def test_bins_of_a_continuous_input_partition_the_futures_in_equal_counts(n, bins, seed):
    ds = toy(n, seed)
    pieces = by(ds, "toy.u", bins=bins)
    masks = np.array([p.mask for p in pieces])
    assert (masks.sum(axis=0) == 1).all()            # every future in exactly one group
    counts = masks.sum(axis=1)
    assert len(pieces) == bins and counts.max() - counts.min() <= 1


def test_where_keeps_the_futures_of_one_value_and_refuses_what_it_cannot_mean():
    ds = toy()
    kept, labels = restrict(ds, {"toy.year": 2030})
    assert (kept["toy.year"].values == 2030).all() and labels == ["toy.year = 2030"]
    with pytest.raises(InputError, match="--by toy.u"):
        where(ds, "toy.u", 0.5)
    with pytest.raises(InputError, match="sampled values: 2027"):
        where(ds, "toy.year", 2040)
    with pytest.raises(InputError, match="did you mean toy.year"):
        by(ds, "toy.yaer")
    with pytest.raises(InputError, match="lever"):
        by(ds, "toy.lever")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("slicing") / "run.nc"
    res = cli("run", str(EXAMPLE), "--policy", "status-quo", "--policy", "pac3-coproduction",
              "--futures", "120", "--samples", str(out))
    assert res.exit_code == 0, res.stderr
    return out


def test_run_by_prints_one_table_per_year(finished):
    res = cli("run", str(EXAMPLE), "--policy", "status-quo", "--policy", "pac3-coproduction",
              "--futures", "120", "--by", "sustainment.conflict_year", "--format", "json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    years = [g["group"] for g in data["groups"]]
    assert years == sorted(years) and len(years) >= 3 and sum(
        g["futures"] for g in data["groups"]) == 120


def test_findings_and_report_on_a_finished_run_take_set_and_by(finished, tmp_path):
    res = cli("findings", str(finished), "--set", "sustainment.conflict_year=2032",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    whole = json.loads(cli("findings", str(finished), "--format", "json").stdout)
    assert 0 < json.loads(res.stdout)["futures"] < whole["futures"] == 120
    res = cli("findings", str(finished), "--by", "sustainment.conflict_year", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["by"] == "sustainment.conflict_year"
    out = tmp_path / "r.html"
    res = cli("report", str(finished), "--set", "sustainment.conflict_year=2032",
              "--by", "posture.america_first_intensity", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    assert "sustainment.conflict_year = 2032" in html and '<section id="by">' in html
    assert_one_line_exit_2(cli("report", str(finished), "--by", "nope.path", "-o",
                               str(tmp_path / "x.html")), "--by", "not sampled")
    assert not (tmp_path / "x.html").exists()


def test_robustness_and_prim_take_set_and_by_on_a_finished_run(finished):
    res = cli("analyze", "robustness", str(finished), "--outcome",
              "sustainment.sustainment_days", "--by", "sustainment.conflict_year",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    groups = json.loads(res.stdout)["groups"]
    assert sum(g["futures"] for g in groups) == 120 and len(groups) >= 3
    res = cli("analyze", "robustness", str(finished), "--outcome",
              "sustainment.sustainment_days", "--set", "sustainment.conflict_year=2030",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert 0 < json.loads(res.stdout)["futures"] < 120
    # PRIM sees only the 2030 futures, under both policies: counted from the file itself
    year = xr.open_dataset(finished)["sustainment.conflict_year"].values
    rows = 2 * int((year == 2030).sum())
    assert 0 < rows < 240
    res = cli("analyze", "prim", str(finished), "--where", "deterrence.holds == False",
              "--set", "sustainment.conflict_year=2030", "--format", "json")
    if res.exit_code == 0:
        assert json.loads(res.stdout)["n"] == rows
    else:  # a slice where the condition never (or always) holds: its one line says so
        assert f" of {rows})" in assert_one_line_exit_2(res, "--where")
