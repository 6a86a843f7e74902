"""Conformance suite for models: ``check_model(model)`` raises AssertionError on a breach.

Run it in your own tests when you write a model: it checks the declarations, then evaluates
the model on a small random sample inside its declared bounds and checks shapes, finiteness,
purity (same inputs, same outputs; inputs not modified) and that samples are independent
bit for bit (evaluating any subset gives exactly that subset of the outputs).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kaname.models.base import PROTOCOL, Model
from kaname.spec import Spec


def _sample(spec: Spec, default: float | None, n: int, rng: np.random.Generator) -> np.ndarray:
    if spec.kind == "category":
        return rng.integers(0, len(spec.categories), n).astype(float)
    if spec.kind == "bool":
        return rng.integers(0, 2, n).astype(float)
    if default is not None:
        lo, hi = default * 0.5, default * 1.5 if default else 1.0
        lo, hi = min(lo, hi), max(lo, hi)
    else:
        lo, hi = 0.0, 1.0
    if spec.low is not None:
        lo = max(lo, spec.low)
    if spec.high is not None:
        hi = min(hi, spec.high)
    if hi < lo:
        lo, hi = spec.low or 0.0, spec.high if spec.high is not None else (spec.low or 0) + 1
    x = rng.uniform(lo, hi, n)
    return np.round(x) if spec.kind == "integer" else x


def check_model(model: Model, defaults: Mapping[str, float] | None = None, n: int = 64,
                seed: int = 0) -> None:
    """Assert that `model` follows the kaname model protocol.

    `defaults` gives a typical value per input (for sampling around it); without it,
    inputs are sampled inside their declared bounds (or [0, 1]).
    """
    for attr in PROTOCOL:
        assert hasattr(model, attr), f"model lacks attribute {attr!r} of the model protocol"
    assert callable(model.evaluate) and callable(model.validate), "evaluate/validate not callable"
    for path, upstream in model.links.items():
        assert path in model.inputs, f"link from {path}, which is not an input"
        assert isinstance(upstream, str) and upstream, f"{path}: link must name an output path"
    assert model.outputs, "model declares no outputs"
    for path, spec in {**model.inputs, **model.outputs}.items():
        assert isinstance(spec, Spec), f"{path}: declaration is not a Spec"
        assert spec.label_en.strip() and spec.label_ja.strip(), f"{path}: needs en and ja labels"
        if spec.kind == "category":
            assert spec.categories, f"{path}: category without categories"
        for dim in spec.dims:
            assert dim in model.coords, f"{path}: dim {dim!r} has no coords"
    for path in model.outputs:
        assert path.startswith(model.name + "."), f"output {path} not under {model.name}."

    rng = np.random.default_rng(seed)
    defaults = defaults or {}
    x = {p: _sample(s, defaults.get(p, s.default if isinstance(s.default, (int, float))
                                   else None), n, rng) for p, s in model.inputs.items()}
    frozen = {p: v.copy() for p, v in x.items()}
    out = model.evaluate(x, rng=np.random.default_rng(seed), series=True)
    again = model.evaluate({p: v.copy() for p, v in frozen.items()},
                           rng=np.random.default_rng(seed), series=True)
    for p in x:
        assert np.array_equal(x[p], frozen[p]), f"evaluate() modified its input {p}"
    for path, spec in model.outputs.items():
        assert path in out, f"evaluate() did not return {path}"
        arr = np.asarray(out[path])
        want = (n, *(len(model.coords[d]) for d in spec.dims))
        assert arr.shape == want, f"{path}: shape {arr.shape}, expected {want}"
        assert np.all(np.isfinite(arr)), f"{path}: non-finite values"
        assert np.array_equal(arr, np.asarray(again[path])), f"{path}: not deterministic"
        if spec.low is not None:
            assert np.all(arr >= spec.low - 1e-9), f"{path}: below declared low {spec.low}"
        if spec.high is not None:
            assert np.all(arr <= spec.high + 1e-9), f"{path}: above declared high {spec.high}"

    # Bit-identical results whatever the batch: reproducibility across chunk sizes,
    # executors and worker counts rests on it.
    if not model.stochastic:
        # single samples, many of them: numpy may take another path for one row (a
        # broadcast operand that collapses to a scalar), off in the last bit for a few
        subsets = {"the first half": np.arange(n // 2),
                   "a scattered subset": np.sort(rng.choice(n, size=n // 3, replace=False)),
                   **{f"sample {i} alone": np.array([i]) for i in range(0, n, max(1, n // 16))}}
        for what, idx in subsets.items():
            part = model.evaluate({p: v[idx].copy() for p, v in frozen.items()},
                                  rng=np.random.default_rng(seed), series=True)
            for path in model.outputs:
                assert np.array_equal(np.asarray(part[path]), np.asarray(out[path])[idx]), (
                    f"{path}: evaluating {what} gives different numbers than the whole batch")
