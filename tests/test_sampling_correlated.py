"""Correlated uncertainties and scenario drivers (issue #13 item 2): a Gaussian copula on
ranks keeps every marginal exactly, reaches its rank-correlation targets within sampling
error, is row-wise (chunked Monte Carlo equals the whole draw bit for bit, ``kaname.run``
equals ``kaname.explore``), and every bad input is one line naming the file and the key."""

from __future__ import annotations

import math
import pickle
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from kaname.copula import pearson_to_spearman, spearman_to_pearson
from kaname.errors import ScenarioError
from kaname.sampling import BLOCK, sample_futures, transform
from kaname.scenario import load_scenario

# The narrow example (34 uncertainties): these tests exercise plumbing, not breadth.
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"
N = 20_000

STOCK_US = "sustainment.pac3_mse.stock_base_us"
COMMIT = "posture.commitment_base"
SURGE_PAC3 = "sustainment.pac3_mse.surge_demand_per_day"
SURGE_AIM = "sustainment.aim120.surge_demand_per_day"
NEW_MONEY = "posture.new_money_share"
PERSIST = "posture.western_hemisphere.persistence"
YEAR = "sustainment.conflict_year"

DEPENDENCE = f"""\
correlations:                      # Spearman's rho targets
  - [{COMMIT}, {STOCK_US}, -0.3]
  - [{SURGE_PAC3}, {SURGE_AIM}, 0.7]
  - [{YEAR}, sustainment.pac3_mse.sustained_demand_per_day, 0.5]
drivers:
  america_first:
    label: {{en: America First intensity, ja: 米国第一の強度}}
    loadings: {{{NEW_MONEY}: -0.6, {PERSIST}: 0.5}}
"""


def with_dependence(path: Path, block: str) -> Path:
    """The bundled example with its own correlations and drivers (if any) replaced."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.pop("correlations", None)
    data.pop("drivers", None)
    data.update(yaml.safe_load(block))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def correlated(tmp_path_factory):
    """The bundled example with a correlations block and a driver added."""
    return load_scenario(with_dependence(tmp_path_factory.mktemp("corr") / "taiwan-corr.yaml",
                                         DEPENDENCE))


def tolerance(rho: float, n: int = N) -> float:
    return 4 * (1 - rho ** 2) / math.sqrt(n)


def test_spearman_pearson_conversion_round_trips() -> None:
    for rho in (-1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0):
        assert pearson_to_spearman(spearman_to_pearson(rho)) == pytest.approx(rho, abs=1e-12)
    assert spearman_to_pearson(0.5) == pytest.approx(2 * math.sin(math.pi / 12))


@pytest.mark.parametrize("design", ["mc", "lhs", "sobol"])
def test_rank_correlations_reach_their_targets(correlated, design) -> None:
    sc = correlated
    cols = sample_futures(sc.uncertainties, N, 11, design, dependence=sc.dependence)
    for a, b, rho in [(COMMIT, STOCK_US, -0.3), (SURGE_PAC3, SURGE_AIM, 0.7)]:
        got = stats.spearmanr(cols[a], cols[b])[0]
        assert abs(got - rho) < tolerance(rho), (a, b, got, rho)
    # An uncertainty in no pair and on no driver stays independent of the others.
    other = "deterrence.war_cost"
    assert other not in sc.dependence.paths
    assert abs(stats.spearmanr(cols[other], cols[STOCK_US])[0]) < tolerance(0.0)


def test_integer_uncertainty_is_attenuated_by_ties_only(correlated) -> None:
    """conflict_year has six values: its Spearman target is met on the normal scores, and
    the tie-corrected sample rank correlation stays below it but positive."""
    sc = correlated
    cols = sample_futures(sc.uncertainties, N, 3, "mc", dependence=sc.dependence)
    got = stats.spearmanr(cols[YEAR], cols["sustainment.pac3_mse.sustained_demand_per_day"])[0]
    assert 0.35 < got < 0.5 + tolerance(0.5)
    assert set(np.unique(cols[YEAR])) == {2027.0, 2028.0, 2029.0, 2030.0, 2031.0, 2032.0}


def test_a_driver_implies_the_correlation_of_two_loaded_inputs(correlated) -> None:
    sc = correlated
    want = pearson_to_spearman(-0.6 * 0.5)
    assert sc.dependence.target_spearman(NEW_MONEY, PERSIST) == pytest.approx(want)
    assert sc.dependence.drivers[0].label == {"en": "America First intensity",
                                              "ja": "米国第一の強度"}
    for design in ("mc", "lhs"):
        cols = sample_futures(sc.uncertainties, N, 5, design, dependence=sc.dependence)
        got = stats.spearmanr(cols[NEW_MONEY], cols[PERSIST])[0]
        assert abs(got - want) < tolerance(want), (design, got, want)


@pytest.mark.parametrize("design", ["mc", "lhs"])
def test_marginals_are_exactly_the_declared_distributions(correlated, design) -> None:
    sc = correlated
    cols = sample_futures(sc.uncertainties, N, 2, design, dependence=sc.dependence)
    for path in (STOCK_US, COMMIT, SURGE_PAC3, SURGE_AIM, NEW_MONEY, PERSIST):
        p = sc.uncertainties[path].params
        assert sc.uncertainties[path].dist == "triangular"
        a, c, b = p["low"], p["mode"], p["high"]
        dist = stats.triang((c - a) / (b - a), loc=a, scale=b - a)
        assert stats.kstest(cols[path], dist.cdf).pvalue > 0.01, path
        assert a <= cols[path].min() and cols[path].max() <= b
    # Each correlated column is the declared inverse CDF of uniforms that are U(0, 1).
    from kaname.sampling import unit_design

    paths = list(sc.uncertainties)
    u = sc.dependence.apply(unit_design(design, N, len(paths), 2), paths)
    assert stats.kstest(u[:, paths.index(SURGE_AIM)], "uniform").pvalue > 0.01
    np.testing.assert_array_equal(
        transform(u[:, paths.index(SURGE_AIM)], sc.uncertainties[SURGE_AIM]), cols[SURGE_AIM])


def test_uncorrelated_columns_are_bit_identical_to_the_independent_draw(correlated) -> None:
    sc = correlated
    free = sample_futures(sc.uncertainties, 3000, 9, "lhs")
    dep = sample_futures(sc.uncertainties, 3000, 9, "lhs", dependence=sc.dependence)
    first = sc.dependence.paths[0]  # the first of the group keeps its own uniform too
    for path in sc.uncertainties:
        if path not in sc.dependence.paths or path == first:
            np.testing.assert_array_equal(dep[path], free[path], err_msg=path)
    assert not np.array_equal(dep[SURGE_AIM], free[SURGE_AIM])


def test_chunked_monte_carlo_equals_the_whole_draw_bit_for_bit(correlated) -> None:
    """What workers do: each chunk draws its own futures [start, stop)."""
    sc = correlated
    n = 2 * BLOCK + 300
    whole = sample_futures(sc.uncertainties, n, 21, "mc", dependence=sc.dependence)
    for cuts in ([0, 1, 777, BLOCK - 1, BLOCK + 5, n], [0, 1000, 2 * BLOCK, n]):
        parts = [sample_futures(sc.uncertainties, stop - start, 21, "mc", start,
                                dependence=sc.dependence)
                 for start, stop in zip(cuts[:-1], cuts[1:], strict=True)]
        for path in whole:
            joined = np.concatenate([p[path] for p in parts])
            assert joined.tobytes() == whole[path].tobytes(), path


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_the_copula_is_row_wise_on_joint_designs(correlated, design) -> None:
    """A joint design is drawn whole and sliced; the copula on any slice of its points
    equals the same rows of the copula on all of them."""
    from kaname.sampling import unit_design

    paths = list(correlated.uncertainties)
    u = unit_design(design, 5000, len(paths), 8)
    whole = correlated.dependence.apply(u, paths)
    for start, stop in [(0, 1), (1, 999), (999, 4321), (4321, 5000)]:
        part = correlated.dependence.apply(u[start:stop], paths)
        assert part.tobytes() == whole[start:stop].tobytes()


def test_the_dependence_pickles_for_workers(correlated) -> None:
    dep = correlated.dependence
    again = pickle.loads(pickle.dumps(dep))
    assert again == dep
    a = sample_futures(correlated.uncertainties, 50, 1, "mc", 4000, dependence=dep)
    b = sample_futures(correlated.uncertainties, 50, 1, "mc", 4000, dependence=again)
    assert all(a[p].tobytes() == b[p].tobytes() for p in a)


def test_a_perfect_correlation_is_allowed_and_gives_equal_ranks(tmp_path) -> None:
    sc = load_scenario(with_dependence(
        tmp_path / "perfect.yaml",
        f"correlations:\n  - [{SURGE_PAC3}, {SURGE_AIM}, 1.0]\n  - [{STOCK_US}, {COMMIT}, -1]\n"))
    cols = sample_futures(sc.uncertainties, 2000, 4, "mc", dependence=sc.dependence)
    np.testing.assert_array_equal(stats.rankdata(cols[SURGE_PAC3]),
                                  stats.rankdata(cols[SURGE_AIM]))
    assert stats.spearmanr(cols[STOCK_US], cols[COMMIT])[0] == pytest.approx(-1.0)


@pytest.mark.parametrize("design", ["mc", "lhs"])
def test_run_equals_explore_with_correlations(correlated, tmp_path, design) -> None:
    import kaname
    from kaname.store import open_results
    from kaname.store.lifecycle import reopen_run

    sc = correlated
    want = kaname.run(sc, futures=100, design=design).dataset
    summary = kaname.explore(sc, tmp_path / "run", futures=100, design=design, chunk_size=37)
    assert summary.status == "complete"
    xr.testing.assert_identical(open_results(tmp_path / "run").dataset.load(), want)
    # The futures really are the correlated ones, and a resumed run rebuilds the copula.
    cols = sample_futures(sc.uncertainties, 100, sc.settings.seed, design,
                          dependence=sc.dependence)
    np.testing.assert_array_equal(want[SURGE_AIM].values, cols[SURGE_AIM])
    assert reopen_run(tmp_path / "run").scenario.dependence == sc.dependence


# --------------------------------------------------------------------------- bad input

VALID = f"""\
name: t
settings: {{base_year: 2026, horizon_days: 30, futures: 20, seed: 1}}
policies:
  status-quo: {{}}
  coprod:
    sustainment.pac3_mse.japan_rate: 60
uncertainties:
  {YEAR}: {{dist: integers, low: 2027, high: 2030}}
  {STOCK_US}: {{dist: data}}
  {SURGE_PAC3}: {{dist: data}}
  {SURGE_AIM}: {{dist: data}}
  {COMMIT}: {{dist: data}}
  homeland.architecture: {{dist: choice, values: [sbi_regional, sbi_peer]}}
"""

BAD = {
    "not positive semi-definite": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, 0.9]\n  - [{SURGE_PAC3}, {SURGE_AIM},"
        f" 0.9]\n  - [{STOCK_US}, {SURGE_AIM}, -0.9]\n",
        "correlations", "not positive semi-definite: smallest eigenvalue"),
    "drivers and a pair not positive semi-definite": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, -0.95]\n"
        f"drivers:\n  d: {{loadings: {{{STOCK_US}: 0.9, {SURGE_PAC3}: 0.9, {SURGE_AIM}: 0.9}}}}\n",
        "correlations", "not positive semi-definite"),
    "loading outside [-1, 1]": (
        f"drivers:\n  d: {{loadings: {{{STOCK_US}: 1.5}}}}\n",
        f"drivers.d.loadings.{STOCK_US}", "outside [-1, 1]"),
    "squared loadings above 1": (
        f"drivers:\n  a: {{loadings: {{{STOCK_US}: 0.8}}}}\n"
        f"  b: {{loadings: {{{STOCK_US}: 0.7}}}}\n",
        f"drivers.b.loadings.{STOCK_US}", "sum to 1.13 (> 1) over drivers a, b"),
    "correlation outside [-1, 1]": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, 1.2]\n",
        "correlations.0", "outside [-1, 1]"),
    "correlation not a number": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, high]\n",
        "correlations.0", "must be a number"),
    "correlation NaN": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, .nan]\n",
        "correlations.0", "outside [-1, 1]"),
    "unknown path in a pair": (
        f"correlations:\n  - [{STOCK_US}, sustainment.pac3_mse.surge_demand_per_dya, 0.2]\n",
        "correlations.0", f"unknown parameter path; did you mean {SURGE_PAC3}?"),
    "unknown path in a loading": (
        "drivers:\n  d: {loadings: {no.such.path: 0.2}}\n",
        "drivers.d.loadings.no.such.path", "unknown parameter path"),
    "an input that is not an uncertainty": (
        f"correlations:\n  - [{STOCK_US}, sustainment.aim120.stock_base_us, 0.2]\n",
        "correlations.0", "is not an uncertainty of this scenario"),
    "a policy lever": (
        "drivers:\n  d: {loadings: {sustainment.pac3_mse.japan_rate: 0.2}}\n",
        "drivers.d.loadings.sustainment.pac3_mse.japan_rate", "is a policy lever"),
    "a choice uncertainty": (
        f"correlations:\n  - [{STOCK_US}, homeland.architecture, 0.2]\n",
        "correlations.0", "homeland.architecture is a choice uncertainty"),
    "duplicate pair": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, 0.2]\n  - [{COMMIT}, {SURGE_AIM}, 0.1]"
        f"\n  - [{SURGE_PAC3}, {STOCK_US}, 0.3]\n",
        "correlations.2", "duplicate pair"),
    "a pair with itself": (
        f"correlations:\n  - [{STOCK_US}, {STOCK_US}, 0.2]\n",
        "correlations.0", "paired with itself"),
    "a malformed entry": (
        f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}]\n",
        "correlations.0", "expected [path, path, spearman_rho]"),
    "correlations not a list": (
        f"correlations: {{{STOCK_US}: 0.2}}\n", "correlations", "valid list"),
    "a driver without loadings": (
        "drivers:\n  d: {label: x}\n", "drivers.d.loadings", "needs loadings"),
    "a driver with an unknown key": (
        f"drivers:\n  d: {{loadings: {{{STOCK_US}: 0.2}}, weight: 3}}\n",
        "drivers.d.weight", "unknown key"),
}


@pytest.fixture(scope="module")
def engine():
    from kaname.engine import Engine

    return Engine.build()


def test_the_valid_base_loads(tmp_path, engine) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID + f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, 0.2]\n")
    sc = load_scenario(path, engine)
    assert sc.dependence.paths == (STOCK_US, SURGE_PAC3)
    path.write_text(VALID)
    assert load_scenario(path, engine).dependence is None


@pytest.mark.parametrize("case", list(BAD))
def test_bad_dependence_is_one_line_naming_file_and_key(tmp_path, engine, case) -> None:
    extra, key, message = BAD[case]
    path = tmp_path / "bad.yaml"
    path.write_text(VALID + textwrap.dedent(extra), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, engine)
    line = info.value.line()
    assert "\n" not in line
    assert line.startswith(f"{path}: {key}: "), line
    assert message in line, line


def test_bad_dependence_exits_2_from_the_command_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from kaname.cli import app

    path = tmp_path / "bad.yaml"
    path.write_text(VALID + f"correlations:\n  - [{STOCK_US}, {SURGE_PAC3}, 1.2]\n")
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    assert "correlations.0" in res.output and "Traceback" not in res.output


def test_sensitivity_commands_say_the_dependence_is_ignored(correlated) -> None:
    from typer.testing import CliRunner

    from kaname.cli import app

    res = CliRunner().invoke(app, ["analyze", "morris", correlated.source, "--outcome",
                                   "sustainment.sustainment_days", "--trajectories", "2",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "correlations and drivers are ignored" in res.stderr
