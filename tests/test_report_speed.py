"""A report of a run directory reads it in one pass (issue #19): each chunk file verified and
read once, only the columns asked for, into preallocated arrays — the same Dataset as the
lazy reader's, and the same report. And the PAWN indices of the key findings, restructured
for speed, equal the direct computation bit for bit."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from test_store_support import explore_api, toy  # noqa: F401 - `toy` is a fixture

from kaname.analysis.findings import noise_floor, pawn_indices
from kaname.store import open_results
from kaname.store import reader as store_reader


def _identical(a: xr.Dataset, b: xr.Dataset) -> None:
    xr.testing.assert_identical(a, b)
    assert list(a.coords) == list(b.coords) and list(a.data_vars) == list(b.data_vars)
    for name in a.variables:
        x, y = np.asarray(a[name].values), np.asarray(b[name].values)
        assert x.dtype == y.dtype, name
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), name
        else:
            assert np.array_equal(x, y), name


@pytest.mark.parametrize("design", ["lhs", "mc"])
def test_loaded_run_equals_the_lazy_one(toy, tmp_path, design):  # noqa: F811
    scenario = toy.write_scenario(futures=40, design=design)
    explore_api(scenario, tmp_path / "run", chunk_size=7, keep_series=9)
    lazy = open_results(tmp_path / "run").dataset
    loaded = open_results(tmp_path / "run", load=True).dataset
    assert all(loaded[v].chunks is None for v in loaded.variables)  # numpy, not dask
    assert loaded["toy.n"].dtype == np.int64 and "toy.path" in loaded  # series too
    _identical(lazy.load(), loaded)
    # some outputs loaded, the others still lazy (read if used)
    part = open_results(tmp_path / "run", load=["toy.y"]).dataset
    assert part["toy.y"].chunks is None and part["toy.z"].chunks is not None
    _identical(lazy.load(), part.load())
    # a selection of outputs and inputs
    few = open_results(tmp_path / "run", load=True, outputs=["toy.z"], inputs=["toy.b"])
    assert list(few.dataset.data_vars) == ["toy.z", "toy.path"]
    assert "toy.a" not in few.dataset.coords
    np.testing.assert_array_equal(few.dataset["toy.b"].values, lazy["toy.b"].values)


def test_loaded_partial_run_equals_the_lazy_one(toy, tmp_path):  # noqa: F811
    scenario = toy.write_scenario(futures=30)
    run = tmp_path / "run"
    explore_api(scenario, run, chunk_size=10)
    path = run / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["chunks"][1].update(status="failed", error="boom", files={})
    manifest["status"] = "failed"
    path.write_text(json.dumps(manifest))
    loaded = open_results(run, allow_partial=True, load=True).dataset
    assert np.array_equal(loaded["future"].values, np.r_[0:10, 20:30])
    _identical(open_results(run, allow_partial=True).dataset.load(), loaded)


def test_each_chunk_file_is_verified_and_opened_once(toy, tmp_path, monkeypatch):  # noqa: F811
    import pyarrow.parquet as pq

    scenario = toy.write_scenario(futures=40)
    explore_api(scenario, tmp_path / "run", chunk_size=10)
    verified: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    real_verify, real_file = store_reader.verify, pq.ParquetFile

    def verify(path, *args, **kw):  # type: ignore[no-untyped-def]
        verified[Path(path).name] += 1
        return real_verify(path, *args, **kw)

    def parquet_file(path, *args, **kw):  # type: ignore[no-untyped-def]
        opened[Path(path).name] += 1
        return real_file(path, *args, **kw)

    monkeypatch.setattr(store_reader, "verify", verify)
    monkeypatch.setattr(pq, "ParquetFile", parquet_file)
    open_results(tmp_path / "run", load=True)
    chunks = [f"{i:05d}.parquet" for i in range(4)]
    assert sorted(opened) == chunks and set(opened.values()) == {1}
    assert all(verified[c] == 1 for c in chunks)  # (the first file once, not twice)


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """The bundled example, explored in this process: 120 futures in two chunks."""
    from kaname import store
    from kaname.executors import make_executor

    run_dir = tmp_path_factory.mktemp("example") / "run"
    with resources.as_file(resources.files("kaname.examples") / "taiwan-2028.yaml") as path:
        scn, engine, key = store.load(path)
        prepared = store.create_run(scn, engine, key, run_dir, futures=120, chunk_size=60)
    with make_executor("serial") as executor:
        store.execute(prepared, executor)
    return run_dir


@pytest.mark.slow  # explores 120 futures of the example and writes their report
def test_report_of_a_run_directory_reads_it_in_one_pass(example_run, tmp_path, monkeypatch):
    """Every variable a section reads is in memory: no chunk file is read again for one
    (keep :data:`kaname.report.sections.READS` in step with the sections)."""
    from kaname.report import write_report
    from kaname.report.load import load_input

    again: list[str] = []
    block, column = store_reader._read_block, store_reader._read_future_column
    monkeypatch.setattr(store_reader, "_read_block",
                        lambda path, sha, cols, *a: again.append(cols[0]) or
                        block(path, sha, cols, *a))
    monkeypatch.setattr(store_reader, "_read_future_column",
                        lambda path, sha, col, n: again.append(col) or column(path, sha, col, n))
    inp = load_input(example_run)
    _identical(open_results(example_run).dataset.load(), inp.results.dataset.load())
    again.clear()
    write_report(example_run, tmp_path / "report.html", "en")
    assert again == [], f"read lazily, again from every chunk file: {sorted(set(again))}"


def _pawn_reference(x, y, slices=10, order=None):  # type: ignore[no-untyped-def]
    """The direct computation (the code before issue #19): slices sorted by y one by one."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, k = x.shape
    m = n // slices
    ys = np.sort(y)
    below_y = np.searchsorted(ys, y, side="left")
    upto_y = np.searchsorted(ys, y, side="right")
    if order is None:
        order = np.argsort(x, axis=0, kind="stable")
    slice_of = order[: m * slices].T.reshape(k, slices, m)
    by_y = np.argsort(upto_y[slice_of], axis=2, kind="stable")
    members = np.take_along_axis(slice_of, by_y, axis=2)
    lo, hi = below_y[members], upto_y[members]
    idx = np.arange(m)
    last = np.concatenate([hi[..., 1:] != hi[..., :-1], np.ones((k, slices, 1), bool)], -1)
    first = np.concatenate([np.ones((k, slices, 1), bool), hi[..., 1:] != hi[..., :-1]], -1)
    upto_s = np.minimum.accumulate(np.where(last, idx, m)[..., ::-1], axis=-1)[..., ::-1] + 1
    below_s = np.maximum.accumulate(np.where(first, idx, -1), axis=-1)
    ks = np.maximum((upto_s / m - hi / n).max(axis=2), (lo / n - below_s / m).max(axis=2))
    return np.median(ks, axis=1)


def test_pawn_indices_equal_the_direct_computation_bit_for_bit():
    rng = np.random.default_rng(19)
    for trial in range(120):
        n, k, slices = int(rng.integers(20, 1500)), int(rng.integers(1, 80)), \
            int(rng.integers(2, 12))
        if n // slices < 2:
            continue
        x = rng.random((n, k)) if trial % 2 else rng.integers(0, 3, (n, k)).astype(float)
        y = [rng.normal(size=n), rng.integers(-1, 2, n).astype(float),   # ties in y
             np.round(rng.normal(size=n), 1), np.zeros(n)][trial % 4]
        want, got = _pawn_reference(x, y, slices), pawn_indices(x, y, slices)
        assert np.array_equal(want.view(np.uint64), got.view(np.uint64)), trial
    y = rng.normal(size=500)
    rng_null = np.random.default_rng(0)
    order = np.argsort(rng_null.random((500, 30)), axis=0, kind="stable")
    null = _pawn_reference(order.astype(float), y, 10, order=order)
    from scipy.stats import norm

    want = float(null.mean() + float(norm.ppf(1 - 0.05 / 7)) * null.std(ddof=1))
    assert noise_floor(y, 7) == want
