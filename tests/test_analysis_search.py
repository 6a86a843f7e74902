"""NSGA-II policy search: ZDT1 hypervolume, mixed levers, the example scenario."""

from pathlib import Path

import numpy as np
import pytest

from kaname.analysis.search import (
    ZDT1,
    Objective,
    ScenarioProblem,
    non_dominated,
    parse_objective,
    search,
)
from kaname.errors import InputError
from kaname.spec import Spec

# The narrow example (34 uncertainties): these tests exercise plumbing, not breadth.
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def dominated_pairs(F):
    """Brute force, independent of the code under test: (i, j) with i dominating j."""
    out = []
    for i in range(len(F)):
        for j in range(len(F)):
            if i != j and all(F[i] <= F[j]) and any(F[i] < F[j]):
                out.append((i, j))
    return out


def test_zdt1_reaches_the_stated_hypervolume():
    # True front f2 = 1 - sqrt(f1) on [0, 1]; hypervolume to (1, 1) = ∫0^1 sqrt(f1) df1 = 2/3.
    res = search(ZDT1(30), ["min:f1", "min:f2"], population=100, generations=150, seed=1)
    hv = res.hypervolume([1.0, 1.0])
    assert hv >= 0.95 * 2 / 3, hv
    assert hv <= 2 / 3 + 1e-9
    assert not dominated_pairs(res.F)
    # every Pareto point lies on or above the true front
    f1, f2 = res.pareto["min:f1@mean"], res.pareto["min:f2@mean"]
    assert (f2 >= 1 - np.sqrt(f1) - 1e-9).all()


class Mixed:
    """A category, an integer and a real lever; known Pareto set: kind = y, k = 3, any r,
    with f1 = r and f2 = 1 - r."""

    levers = {"m.kind": Spec("kind", "種類", kind="category", categories=("x", "y", "z"),
                             lever=True),
              "m.k": Spec("k", "k", kind="integer", low=0, high=6, lever=True),
              "m.r": Spec("r", "r", low=0, high=1, lever=True)}

    def outcome_names(self):
        return ["m.f1", "m.f2"]

    def better(self, name):
        return "lower"

    def evaluate(self, levers, n, outcomes):
        off = (levers["m.kind"] != 1).astype(float)
        f1 = levers["m.r"] + off
        f2 = 1 - levers["m.r"] + np.abs(levers["m.k"] - 3)
        return {"m.f1": f1[:, None], "m.f2": f2[:, None]}


def test_mixed_levers_find_the_known_pareto_set():
    res = search(Mixed(), ["f1", "f2"], population=40, generations=40, seed=3)
    p = res.pareto
    assert set(p["m.kind"]) == {"y"}
    assert set(p["m.k"]) == {3.0}
    np.testing.assert_allclose(p["min:m.f1@mean"] + p["min:m.f2@mean"], 1.0)
    assert len(p) >= 10


def test_objective_syntax():
    problem = Mixed()
    o = parse_objective("max:m.f1@p10", problem)
    assert (o.direction, o.stat, o.q) == ("max", "percentile", 10.0)
    v = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]])
    assert o.reduce(v)[0] == pytest.approx(2.0)          # numpy's linear 10th percentile
    share = parse_objective("f2@share>=5", problem)
    assert share.direction == "min" and share.reduce(v)[0] == pytest.approx(7 / 11)
    assert parse_objective("f1", problem) == Objective("f1", "m.f1", "min", "mean")
    for bad, match in (("f1@p200", "percentile"), ("f1@mode", "unknown statistic"),
                       ("f3", "unknown outcome")):
        with pytest.raises(InputError, match=match):
            parse_objective(bad, problem)


def test_non_dominated_mask():
    F = np.array([[1, 2], [2, 1], [2, 2], [0, 3], [1, 2]])
    mask = non_dominated(F)
    assert mask.tolist() == [True, True, False, True, True]


@pytest.fixture(scope="module")
def example():
    from kaname.scenario import engine_for, load_scenario

    sc = load_scenario(EXAMPLE)
    return sc, engine_for(sc.settings, sc.models)


def test_example_scenario_returns_a_non_dominated_set(example):
    sc, engine = example
    problem = ScenarioProblem(sc, engine, futures=60, seed=5)
    assert set(problem.levers) == set(sc.levers())
    objectives = ["max:sustainment.sustainment_days@p50",
                  "min:sustainment.coproduction_cost_jpy@mean"]
    res = search(problem, objectives, population=16, generations=5, seed=5)
    # 80 evaluations on 60 futures: a front of one point is possible (one setting can win
    # both objectives on those futures), so only non-emptiness is asserted
    assert len(res.pareto) >= 1
    assert not dominated_pairs(res.F)
    for path in problem.levers:
        spec = engine.inputs[path]
        if spec.kind == "category":
            assert set(res.pareto[path]) <= set(spec.categories)
        else:
            assert res.pareto[path].between(spec.low, spec.high).all()
    # an objective value is what the engine gives for that lever setting on those futures
    row = res.pareto.iloc[0]
    levers = {p: np.array([float(engine.inputs[p].code(row[p]))
                           if engine.inputs[p].kind == "category" else row[p]])
              for p in problem.levers}
    days = problem.evaluate(levers, 1, ["sustainment.sustainment_days"])
    assert row[res.objectives[0].label] == pytest.approx(np.median(
        days["sustainment.sustainment_days"][0]))


def test_lever_ranges_and_errors(example):
    sc, engine = example
    p = ScenarioProblem(sc, engine, futures=5,
                        levers=["sustainment.pac3_mse.japan_rate=0:200",
                                "sustainment.pac3_mse.japan_start_year"])
    assert p.levers["sustainment.pac3_mse.japan_rate"].high == 200
    with pytest.raises(InputError, match="out of range"):
        ScenarioProblem(sc, engine, futures=5, levers=["sustainment.pac3_mse.japan_rate=0:9999"])
    with pytest.raises(InputError, match="unknown lever"):
        ScenarioProblem(sc, engine, futures=5, levers=["sustainment.nope"])
    with pytest.raises(InputError, match="population"):
        search(p, ["sustainment_days"], population=2)


def test_integer_levers_are_written_as_integers():
    """Issue 17: an integer lever came out of the search as a real (``12.0``); the Pareto
    set, its JSON and its CSV hold it as an integer (the known optimum here is k = 3)."""
    import json

    res = search(Mixed(), ["f1", "f2"], population=20, generations=10, seed=3)
    k = res.pareto["m.k"]
    assert k.dtype.kind == "i"
    assert all(type(v) is int for v in (r["m.k"] for r in res.to_dict()["pareto"]))
    text = json.dumps(res.to_dict()["pareto"])
    assert '"m.k": 3' in text and '"m.k": 3.0' not in text
    lines = res.pareto.to_csv(index=False).splitlines()
    column = lines[0].split(",").index("m.k")
    assert {line.split(",")[column] for line in lines[1:]} <= {str(i) for i in range(7)}
    assert res.pareto["m.r"].dtype.kind == "f"  # a real lever stays real


def test_search_command_writes_integer_levers_as_integers(tmp_path):
    import csv
    import json

    from typer.testing import CliRunner

    from kaname.cli import app

    out = tmp_path / "pareto.json"
    args = ["search", str(EXAMPLE), "--lever", "homeland.sbi.count_override=0:40",
            "--objective", "min:homeland.cost_20y_usd@mean",
            "--objective", "max:homeland.p_no_leak_total@mean",
            "--population", "6", "--generations", "2", "--futures", "4", "-o", str(out)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    counts = [row["homeland.sbi.count_override"]
              for row in json.loads(out.read_text())["pareto"]]
    assert counts and all(type(c) is int and 0 <= c <= 40 for c in counts)
    csv_out = tmp_path / "pareto.csv"
    res = CliRunner().invoke(app, [*args[:-1], str(csv_out)])
    assert res.exit_code == 0, res.output
    with csv_out.open() as f:
        cells = [row["homeland.sbi.count_override"] for row in csv.DictReader(f)]
    assert cells and all(c.isdigit() for c in cells)  # "12", never "12.0"
    # the printed table: the integer column has no decimal point
    table = [line for line in res.output.splitlines() if line.startswith("│")]
    assert table and all("." not in line.split("│")[1] for line in table)
