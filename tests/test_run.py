"""Running a scenario: results layout, pairing, reproducibility, CLI outputs."""

import json
from pathlib import Path

import numpy as np
import pytest

from kaname.ensemble import run
from kaname.scenario import engine_for, load_scenario

# The narrow example (34 uncertainties): these tests exercise plumbing, not breadth.
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


@pytest.fixture(scope="module")
def example():
    sc = load_scenario(EXAMPLE)
    return sc, engine_for(sc.settings, sc.models)


def test_results_are_labelled_and_reproducible(example):
    sc, engine = example
    a = run(sc, engine, futures=300, seed=3)
    b = run(sc, engine, futures=300, seed=3, chunk_size=97)
    ds = a.dataset
    assert ds.sizes["policy"] == len(sc.policies) and ds.sizes["future"] == 300
    assert {"aim120", "pac3_mse", "lrasm", "type12_improved"} <= set(ds["munition"].values)
    assert "sustainment.conflict_year" in ds.coords
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, b.dataset[name].values)


def test_policies_share_futures(example):
    sc, engine = example
    ds = run(sc, engine, futures=200, seed=1).dataset
    frame = run(sc, engine, futures=200, seed=1).to_frame()
    assert len(frame) == 200 * len(sc.policies)
    by_policy = frame.groupby("policy")["sustainment.conflict_year"].apply(list)
    assert by_policy["status-quo"] == by_policy["pac3-coproduction"]
    # Co-production of PAC-3 never lowers PAC-3 days in the same future.
    days = ds["sustainment.days_to_depletion"].sel(munition="pac3_mse")
    assert np.all(days.sel(policy="pac3-coproduction") >= days.sel(policy="status-quo") - 1e-9)


def test_kept_series(example):
    sc, engine = example
    ds = run(sc, engine, futures=50, seed=1, keep_series=10).dataset
    assert ds["sustainment.stock"].dims == ("policy", "series_future", "munition", "day")
    assert ds.sizes["series_future"] == 10


def test_cli_run_json_and_csv(tmp_path):
    from typer.testing import CliRunner

    from kaname.cli import app

    out = tmp_path / "s.json"
    res = CliRunner().invoke(app, ["run", str(EXAMPLE), "-n", "100", "--format", "json",
                                   "--out", str(out), "--samples", str(tmp_path / "x.csv")])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    rows = [r for r in data["summary"] if r["outcome"] == "sustainment.sustainment_days"]
    assert [r["policy"] for r in rows] == data["policies"]
    assert rows[0]["diff_median"] is None and rows[0]["p10"] <= rows[0]["median"] <= rows[0]["p90"]
    assert (tmp_path / "x.csv").read_text().startswith("policy,future")
    res = CliRunner().invoke(app, ["run", str(EXAMPLE), "-n", "50", "--format", "csv",
                                   "--policy", "status-quo"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("outcome,label,unit")


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, 10**8])
def test_futures_out_of_range_is_refused_from_python(example, bad):
    """From Python a bad count is a ValueError naming the parameter, never a silent default."""
    import kaname

    sc, _ = example
    with pytest.raises(ValueError, match=r"^futures: "):
        kaname.run(sc, futures=bad)
