"""The engine, the one evaluation path: declarations in, links checked when it is built,
defaults in their order of precedence, a cache that never changes a number."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kaname.engine import Engine, ModelCache
from kaname.errors import InputError, ModelError
from kaname.models import DeclaredModel, Family, Input, Output
from kaname.spec import Spec
from kaname.testing import check_model


class Source(DeclaredModel):
    name = "src"
    rate = Input(Spec("rate", "率", low=0, default=2.0, lever=True))
    level = Output(Spec("level", "水準"))
    by_item = Output(Spec("by item", "項目別", dims=("item",)))

    def __init__(self) -> None:
        self.coords = {"item": ["a", "b"]}
        self.calls = 0

    def evaluate(self, x, *, rng=None, series=False):
        self.calls += 1
        r = x["src.rate"]
        return {"src.level": 3.0 * r, "src.by_item": np.stack([r, 2 * r], axis=1)}


class Sink(DeclaredModel):
    name = "sink"
    level = Input(Spec("level", "水準", default=100.0), link="src.level")
    per = Family("item", {"weight": Input(Spec("weight", "重み", default=1.0))})
    total = Output(Spec("total", "合計", headline=True))

    def __init__(self) -> None:
        self.coords = {"item": ["a", "b"]}

    def validate(self, x, *, file=None):
        if "sink.a.weight" in x and np.any(np.asarray(x["sink.a.weight"]) < 0):
            raise InputError("weights must be >= 0", file=file, key="sink.a.weight")

    def evaluate(self, x, *, rng=None, series=False):
        return {"sink.total": x["sink.level"] * (x["sink.a.weight"] + x["sink.b.weight"])}


def test_declarations_expand_families_and_links():
    sink = Sink()
    assert list(sink.inputs) == ["sink.level", "sink.a.weight", "sink.b.weight"]
    assert sink.links == {"sink.level": "src.level"}
    check_model(sink)
    check_model(Source())


def test_links_feed_downstream_models_and_defaults_fill_the_rest():
    engine = Engine([Sink(), Source()])          # order given does not matter
    assert [m.name for m in engine.models] == ["src", "sink"]
    out = engine.evaluate({"src.rate": np.array([1.0, 2.0])}, 2)
    # level = 3·rate from the link (not the spec default 100); weights default to 1 each
    np.testing.assert_array_equal(out["sink.total"], [6.0, 12.0])
    alone = Engine([Sink()]).evaluate({}, 1)     # no producer: the spec default is used
    np.testing.assert_array_equal(alone["sink.total"], [200.0])
    assert Engine([Sink(), Source()]).computed_by("sink.level") == "src"


def test_a_link_to_an_output_of_another_shape_is_refused_when_built():
    class Wrong(Sink):
        name = "wrong"
        level = Input(Spec("level", "水準"), link="src.by_item")   # by_item has dims (item,)
        total = Output(Spec("total", "合計"))

    with pytest.raises(ModelError, match=r"dims \(\) but is linked to src.by_item"):
        Engine([Source(), Wrong()])


def test_an_input_without_any_value_is_named():
    class NoDefault(DeclaredModel):
        name = "nd"
        x = Input(Spec("x", "x"))
        y = Output(Spec("y", "y"))

        def evaluate(self, x, *, rng=None, series=False):
            return {"nd.y": x["nd.x"]}

    with pytest.raises(InputError, match="nd.x: has no value"):
        Engine([NoDefault()]).evaluate({}, 3)
    assert isinstance(InputError("x"), ValueError)


def test_a_model_missing_part_of_the_protocol_is_refused():
    class Bare:
        name = "bare"
        inputs: dict = {}
        outputs = {"bare.y": Spec("y", "y")}
        coords: dict = {}

        def evaluate(self, x, *, rng=None, series=False):
            return {}

    with pytest.raises(ModelError, match="lacks coord_labels, links, stochastic, validate"):
        Engine([Bare()])


def test_validate_hook_runs_before_evaluation_and_on_fixed_values():
    engine = Engine([Source(), Sink()])
    with pytest.raises(InputError, match="weights must be >= 0"):
        engine.evaluate({"sink.a.weight": np.array([-1.0])}, 1)
    with pytest.raises(InputError, match="sink.a.weight: weights"):
        engine.validate({"sink.a.weight": -1.0}, file="x.yaml")


def test_cache_reuses_only_bit_identical_inputs():
    source = Source()
    engine = Engine([source, Sink()])
    cache = ModelCache(size=2)
    cols = {"src.rate": np.array([1.0, 2.0])}
    first = engine.evaluate(cols, 2, cache=cache)
    again = engine.evaluate({"src.rate": np.array([1.0, 2.0])}, 2, cache=cache)
    assert source.calls == 1 and cache.hits == 2
    for path in first:
        np.testing.assert_array_equal(first[path], again[path])
    engine.evaluate({"src.rate": np.array([1.0, 2.0 + 1e-15])}, 2, cache=cache)
    assert source.calls == 2   # one ulp is a different input


def test_stochastic_models_are_never_cached():
    class Noisy(Source):
        name = "noisy"
        stochastic = True
        rate = Input(Spec("rate", "率", default=1.0))
        level = Output(Spec("level", "水準"))
        by_item = Output(Spec("by item", "項目別", dims=("item",)))

        def evaluate(self, x, *, rng=None, series=False):
            self.calls += 1
            r = x["noisy.rate"] + rng.random(len(x["noisy.rate"]))
            return {"noisy.level": r, "noisy.by_item": np.stack([r, r], axis=1)}

    model = Noisy()
    engine, cache = Engine([model]), ModelCache()
    for _ in range(2):
        engine.evaluate({}, 4, rng=np.random.default_rng(0), cache=cache)
    assert model.calls == 2


def test_evaluate_dict_takes_labels_and_scalars():
    class Pick(DeclaredModel):
        name = "pick"
        kind = Input(Spec("kind", "種類", kind="category", categories=("x", "y"), default="y"))
        y = Output(Spec("y", "y"))

        def evaluate(self, x, *, rng=None, series=False):
            return {"pick.y": x["pick.kind"] * 10.0}

    np.testing.assert_array_equal(Pick().evaluate_dict()["pick.y"], [10.0])
    np.testing.assert_array_equal(Pick().evaluate_dict({"pick.kind": ["x", "y", "x"]})["pick.y"],
                                  [0.0, 10.0, 0.0])
    with pytest.raises(InputError, match="pick.kind"):
        Pick().evaluate_dict({"pick.kind": "z"})


def test_columns_of_the_wrong_shape_are_refused():
    engine = Engine([Source(), Sink()])
    with pytest.raises(InputError, match=r"src.rate: has shape \(3,\); the model needs \(2,\)"):
        engine.evaluate({"src.rate": np.ones(3)}, 2)


def test_one_sample_at_a_time_gives_the_batch_bit_for_bit() -> None:
    """Every deterministic model of the example gives a future the same bits alone as in a
    batch (EMA Workbench calls the model once per experiment; the comparison and any
    chunk size rest on it). Found by the EMA benchmark: homeland's ``(1 − p) ** shots``
    took numpy's squaring fast path for one sample only."""
    from kaname.ensemble import policy_columns
    from kaname.sampling import sample_futures
    from kaname.scenario import engine_for, load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml")
    engine = engine_for(sc.settings, sc.models, sc)
    n = 256  # the homeland case above differed in about 1 experiment in 100
    futures = sample_futures(sc.uncertainties, n, 4, "lhs", dependence=sc.dependence)
    levers = policy_columns(sc, engine, ["alliance-package"])
    columns = {**futures, **{p: np.repeat(v, n) for p, v in levers.items()}}
    batch = engine.evaluate(columns, n)
    for i in range(n):
        alone = engine.evaluate({p: v[i:i + 1] for p, v in columns.items()}, 1)
        for path, arr in alone.items():
            assert arr[0].tobytes() == batch[path][i].tobytes(), (path, i)


def test_model_order_and_stored_layout_do_not_depend_on_the_hash_seed() -> None:
    """Every new process (and every Dask worker, whose nanny fixes PYTHONHASHSEED) must
    order the models, outputs and chunk columns the same way: the same run then writes
    the same bytes. It used to follow set iteration order in the dependency graph."""
    import subprocess
    import sys

    example = str(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml")
    code = ("import json; from kaname.store.lifecycle import load; "
            "from kaname.store.layout import layout_for; "
            "from kaname.ensemble import policy_columns, select_policies; "
            f"sc, eng, key = load({example!r}); pol = select_policies(sc, None); "
            "print(json.dumps([[m.name for m in eng.models], "
            "layout_for(eng, sc, pol, policy_columns(sc, eng, pol))], default=str))")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in (1, 2, 3, 6640)}
    assert len(seen) == 1
