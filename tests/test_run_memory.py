"""What a run holds in memory (issue 19, "materialise less"): futures drawn range by range
equal the whole design bit for bit, ``outputs=`` keeps only what is asked for (the numbers
unchanged), and ``--samples`` streamed chunk by chunk writes exactly the in-memory table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import assert_one_line_exit_2, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from kaname.ensemble import run, select_outputs
from kaname.errors import InputError
from kaname.results import SampleWriter
from kaname.sampling import Futures, sample_futures
from kaname.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "examples" / "taiwan-2028-teaching.yaml"
FULL = ROOT / "examples" / "taiwan-2028.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(TEACHING)


def _same_bits(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and a[k].tobytes() == b[k].tobytes() for k in a)


@settings(max_examples=12, deadline=None)
@given(method=st.sampled_from(["mc", "lhs", "sobol"]), n=st.integers(1, 900),
       cuts=st.lists(st.floats(0, 1), max_size=4), spill=st.booleans())
def test_futures_by_ranges_equal_the_whole_design(scenario, method, n, cuts, spill) -> None:
    """Any split of the futures into ranges gives the rows of the one joint draw, with
    the copula, whether a Latin hypercube's permutations sit in memory or in a file."""
    whole = sample_futures(scenario.uncertainties, n, 11, method,
                           dependence=scenario.dependence)
    bounds = sorted({0, n, *(int(c * n) for c in cuts)})
    with Futures(scenario.uncertainties, n, 11, method, scenario.dependence,
                 spill_bytes=0 if spill else None) as table:
        parts = [table.rows(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    joined = {k: np.concatenate([p[k] for p in parts]) for k in whole}
    assert _same_bits(joined, whole)


def test_futures_out_of_range_and_bad_design(scenario) -> None:
    with Futures(scenario.uncertainties, 10, 1, "lhs") as table, \
            pytest.raises(InputError, match="outside the design of 10 futures"):
        table.rows(5, 11)
    with pytest.raises(InputError, match="unknown design 'grid'; allowed: mc, lhs, sobol"):
        Futures(scenario.uncertainties, 10, 1, "grid")


def test_outputs_keep_only_what_is_asked_with_the_same_numbers(scenario) -> None:
    everything = run(scenario, futures=300, seed=5)
    headline = run(scenario, futures=300, seed=5, outputs="headline", inputs=[])
    kept = set(headline.dataset.data_vars)
    assert kept and kept < set(everything.dataset.data_vars)
    for name in kept:
        assert everything.dataset[name].attrs.get("headline", True)
        np.testing.assert_array_equal(headline.dataset[name].values,
                                      everything.dataset[name].values)
    assert not [c for c in headline.dataset.coords
                if headline.dataset[c].dims == ("future",) and c != "future"]
    assert headline.summary() == everything.summary()


def test_select_outputs_names_what_is_allowed(scenario) -> None:
    from kaname.scenario import engine_for

    engine = engine_for(scenario.settings, scenario.models, scenario)
    head = select_outputs(engine, "headline")
    scalar = select_outputs(engine, "scalar")
    every = select_outputs(engine, "all")
    assert set(head) < set(scalar) <= set(every)
    assert all(engine.outputs[p].headline for p in head)
    assert select_outputs(engine, [every[-1], head[0]]) == [p for p in every
                                                            if p in (every[-1], head[0])]
    with pytest.raises(InputError, match="unknown output 'sustainment.fill_rat'.*did you "
                                         "mean sustainment.fill_rate"):
        select_outputs(engine, ["sustainment.fill_rat"])
    series = next(p for p, s in engine.outputs.items() if s.series)
    with pytest.raises(InputError, match="is a daily series"):
        select_outputs(engine, series)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_samples_equal_the_in_memory_table(scenario, tmp_path, suffix) -> None:
    """Several chunks and policies: the file holds to_frame()'s rows and columns, policy by
    policy, futures in order."""
    target = tmp_path / f"samples{suffix}"
    with SampleWriter(target) as writer:
        results = run(scenario, futures=700, seed=3, chunk_size=600, on_chunk=writer.write)
    assert len(scenario.policies) > 1
    want = results.to_frame()
    got = pd.read_csv(target) if suffix == ".csv" else pd.read_parquet(target)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for column in want.columns:
        if want[column].dtype.kind == "f":
            tol = 1e-15 if suffix == ".csv" else 0.0  # CSV: shortest round-trip repr
            np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(),
                                       rtol=tol, atol=0)
        else:
            assert got[column].astype(str).tolist() == want[column].astype(str).tolist()
    assert not list(tmp_path.glob(".*part"))  # the temporary file was renamed onto it


def test_a_failed_stream_leaves_nothing(scenario, tmp_path) -> None:
    target = tmp_path / "samples.parquet"

    def boom(chunk):
        writer.write(chunk)
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError), SampleWriter(target) as writer:
        run(scenario, futures=50, seed=3, on_chunk=boom)
    assert list(tmp_path.iterdir()) == []


def test_cli_outputs_and_streamed_parquet(tmp_path) -> None:
    target = tmp_path / "s.parquet"
    res = cli("run", str(TEACHING), "--futures", "200", "--samples", str(target),
              "--outputs", "headline")
    assert res.exit_code == 0, res.output
    frame = pd.read_parquet(target)
    assert len(frame) == 200 * len(load_scenario(TEACHING).policies)
    bad = cli("run", str(TEACHING), "--futures", "10", "--outputs", "fill_rate")
    assert_one_line_exit_2(bad, "--outputs", "unknown output 'fill_rate'")


def test_spilled_outputs_read_back_the_same(scenario) -> None:
    """Outcomes kept in a temporary file: every value, any selection and the summary are
    those of the run held in memory."""
    held = run(scenario, futures=250, seed=9, chunk_size=300)
    spilled = run(scenario, futures=250, seed=9, chunk_size=300, spill=True)
    a, b = held.dataset, spilled.dataset
    assert list(a.data_vars) == list(b.data_vars)
    for name in a.data_vars:
        assert a[name].values.tobytes() == b[name].values.tobytes(), name
    name = next(v for v in a.data_vars if a[v].ndim == 3)  # an outcome with an extra dim
    for sel in ({"future": slice(10, 3, -2)}, {"future": [5, 1, 200]}, {"policy": 1},
                {"future": 7, "policy": slice(None, None, -1)}, {"future": slice(0, 0)}):
        np.testing.assert_array_equal(a[name].isel(**sel).values, b[name].isel(**sel).values)
    assert spilled.summary() == held.summary()


def test_spill_is_bounded_by_the_outcomes_not_the_run() -> None:
    """The file holds exactly the kept columns (8 B each per future and policy)."""
    from kaname.spill import SpillFile

    spill = SpillFile()
    first = spill.allocate((3, 10, 4), np.float64)
    second = spill.allocate((3, 10), np.float64)
    assert spill.bytes == 8 * (3 * 10 * 4 + 3 * 10)
    second.write(2, 4, np.arange(3.0))
    first.write(0, 9, np.ones((1, 4)))
    assert second._basic((2, slice(None))).tolist() == [0] * 4 + [0.0, 1.0, 2.0] + [0] * 3
    assert first._basic((0, 9)).tolist() == [1.0] * 4
    spill.close()


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_the_run_directory_design_is_written_chunk_by_chunk_with_the_whole_designs_values(
        scenario, tmp_path, monkeypatch, design) -> None:
    """``explore`` never holds the whole design: it is drawn one chunk at a time into
    ``design.parquet`` (row group k = chunk k), and the file holds exactly the values of
    the whole design drawn at once; ``runs repair`` compares it the same way and keeps it."""
    import pyarrow.parquet as pq

    import kaname.sampling
    from kaname.store import create_run, repair_run
    from kaname.store.lifecycle import load

    n, K = 257, 40
    whole = sample_futures(scenario.uncertainties, n, 11, design,
                           dependence=scenario.dependence)

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the whole design was drawn")

    monkeypatch.setattr(kaname.sampling, "sample_futures", refuse)
    loaded, engine, key = load(TEACHING)
    run_dir = tmp_path / "run"
    create_run(loaded, engine, key, run_dir, futures=n, design=design, chunk_size=K, seed=11)
    pf = pq.ParquetFile(run_dir / "design.parquet")
    assert [pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)] \
        == [K] * (n // K) + [n % K]
    stored = pf.read()
    assert _same_bits({c: stored.column(c).to_numpy() for c in stored.column_names},
                      {c: np.asarray(v, dtype=float) for c, v in whole.items()})
    before = (run_dir / "design.parquet").read_bytes()
    (run_dir / "manifest.json").unlink()
    assert repair_run(run_dir).design == "kept"
    assert (run_dir / "design.parquet").read_bytes() == before
