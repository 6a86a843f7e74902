"""The integrated model: runs the models in dependency order over columns.

This is the one place where a model's inputs are assembled. In order of precedence an input
comes from an upstream model that produces it (a model's ``links`` map an input path to
another model's output path), from the columns the caller passes (levers and sampled
uncertainties), from the data library's base value, or from its spec's ``default``.

Every front end evaluates through :meth:`Engine.evaluate`: ``kaname run`` and ``explore``
(per chunk), sensitivity analysis, search, the report and the dashboard (which passes a
:class:`ModelCache`, so a lever change re-runs only the models it reaches).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

import numpy as np

from kaname.data import Library
from kaname.distinct import distinct_rows
from kaname.errors import InputError, KanameError, ModelError
from kaname.models.base import (
    PROTOCOL,
    Model,
    Settings,
    build_models,
    check_defaults,
    exception_line,
)
from kaname.spec import Spec


class ModelCache:
    """Per-model results keyed by a digest of the model's inputs (least recently used
    dropped beyond `size` per model). Valid for deterministic models only: a stochastic
    model is never cached."""

    def __init__(self, size: int = 8):
        self.size = int(size)
        self._store: dict[str, OrderedDict[bytes, dict[str, np.ndarray]]] = {}
        self.hits = self.misses = 0

    @staticmethod
    def key(x: Mapping[str, np.ndarray], series: bool) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        h.update(b"series" if series else b"scalar")
        for path in sorted(x):
            arr = np.ascontiguousarray(x[path])
            h.update(path.encode())
            h.update(str(arr.shape).encode())
            h.update(arr.view(np.uint8).data if arr.size else b"")
        return h.digest()

    def get(self, model: str, key: bytes) -> dict[str, np.ndarray] | None:
        store = self._store.setdefault(model, OrderedDict())
        if key in store:
            store.move_to_end(key)
            self.hits += 1
            return store[key]
        self.misses += 1
        return None

    def put(self, model: str, key: bytes, out: dict[str, np.ndarray]) -> None:
        store = self._store.setdefault(model, OrderedDict())
        store[key] = out
        while len(store) > self.size:
            store.popitem(last=False)


class Engine:
    """Models in topological order, with the defaults for their inputs.

    `distinct_rows` (on by default) evaluates each model once per distinct input row of
    a call and copies the outputs back: bit-identical, and as many times cheaper as the
    rows repeat (a policy that leaves a model's inputs alone shares its evaluation)."""

    distinct_rows: bool = True

    def __init__(self, models: Sequence[Model], library: Library | None = None):
        for m in models:
            missing = [a for a in PROTOCOL if not hasattr(m, a)]
            if missing:
                raise ModelError(f"model {getattr(m, 'name', m)!r} lacks {', '.join(missing)} "
                                 f"of the model protocol (subclass "
                                 f"kaname.models.DeclaredModel to get them)")
        self.library = library
        producer = {out: m.name for m in models for out in m.outputs}
        out_specs = {p: s for m in models for p, s in m.outputs.items()}
        # Predecessors in declaration order (a dict, not a set): the evaluation order, and
        # with it the order of every output, column and stored chunk file, must not depend
        # on the process's string-hash seed (Dask workers and every new process differ).
        graph: dict[str, dict[str, None]] = {m.name: {} for m in models}
        for m in models:
            for path in m.inputs:
                src = m.links.get(path, path)
                if src in producer and producer[src] != m.name:
                    graph[m.name][producer[src]] = None
                    want, got = tuple(m.inputs[path].dims), tuple(out_specs[src].dims)
                    if want != got:
                        raise ModelError(f"model {m.name} input {path} has dims {want} but is "
                                         f"linked to {src} with dims {got}")
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise ModelError(f"models depend on each other in a cycle: {exc.args[1]}") from None
        by_name = {m.name: m for m in models}
        self.models: list[Model] = [by_name[n] for n in order]
        self._producer = producer
        self.inputs: dict[str, Spec] = {}
        for m in self.models:
            for path, spec in m.inputs.items():
                self.inputs.setdefault(path, spec)
        self.outputs: dict[str, Spec] = {p: s for m in self.models for p, s in m.outputs.items()}
        self.coords: dict[str, list[str]] = {}
        self.coord_labels: dict[str, dict[str, dict[str, str]]] = {}
        for m in self.models:
            for dim, labels in m.coords.items():
                self.coords[dim] = list(labels)
            for dim, by_lang in m.coord_labels.items():
                self.coord_labels[dim] = {lang: dict(v) for lang, v in by_lang.items()}
        free = {p: s for p, s in self.inputs.items() if self.computed_by(p) is None}
        if library is not None:
            check_defaults(library, {p: s for p, s in self.inputs.items() if p in library})
        self._defaults: dict[str, float] = {}
        for path, spec in free.items():
            value = self._default(path, spec)
            if value is not None:
                self._defaults[path] = value

    @classmethod
    def build(cls, library: Library | None = None, settings: Settings | None = None,
              names: Sequence[str] | None = None) -> Engine:
        library = library or Library.load()
        return cls(build_models(library, settings or Settings(), names), library)

    def computed_by(self, path: str) -> str | None:
        """Name of the model that computes input `path` in this engine, if any."""
        for m in self.models:
            src = m.links.get(path)
            if src is not None and src in self._producer:
                return self._producer[src]
        return self._producer.get(path)

    def _default(self, path: str, spec: Spec) -> float | None:
        """The engine-ready default of an input: the data library's base value, else the
        spec's own default, else None (the caller must then pass a column)."""
        file = None
        if self.library is not None and path in self.library:
            entry = self.library.get(path)
            value, file = entry.value(spec.unit), entry.file
        elif spec.default is not None:
            value = spec.default
        else:
            return None
        try:
            return encode_value(value, spec)
        except InputError as exc:
            raise InputError(f"default {exc.message}", file=file, key=path) from None

    def default(self, path: str) -> float:
        if path not in self._defaults:
            raise InputError("has no value: it is not in the data library and its spec "
                             "declares no default; pass it as a column, a fixed value, a "
                             "policy lever or an uncertainty", key=path)
        return self._defaults[path]

    def columns_from(self, values: Mapping[str, Any], n: int | None = None
                     ) -> dict[str, np.ndarray]:
        """Engine-ready columns from plain values: numbers or arrays, category inputs by
        label or code, booleans. Scalars are repeated to `n` (or to the arrays' length)."""
        unknown = [p for p in values if p not in self.inputs]
        if unknown:
            raise InputError(f"is not an input of {', '.join(m.name for m in self.models)}",
                             key=unknown[0])
        arrays = {p: np.atleast_1d(np.asarray(v)) for p, v in values.items()}
        size = n or max((len(a) for a in arrays.values()), default=1)
        out = {}
        for path, arr in arrays.items():
            spec = self.inputs[path]
            try:
                coded = np.array([encode_value(v, spec) for v in arr.tolist()], dtype=float) \
                    if arr.dtype.kind in "OUSb" else arr.astype(float)
            except InputError as exc:
                raise InputError(exc.message, key=path) from None
            if coded.size == 1:
                coded = np.full(size, coded[0])
            if coded.shape != (size,):
                raise InputError(f"has {coded.size} values for {size} samples", key=path)
            out[path] = coded
        return out

    def validate(self, values: Mapping[str, Any], *, file: str | None = None) -> None:
        """Each model's cross-input checks on (some of) its inputs' values."""
        for m in self.models:
            own = {p: values[p] for p in m.inputs if p in values}
            if own:
                _call(m, "validate", own, file=file)

    def evaluate(self, columns: Mapping[str, np.ndarray], n: int, *,
                 rng: np.random.Generator | None = None, series: bool = False,
                 cache: ModelCache | None = None) -> dict[str, np.ndarray]:
        """Run every model on `n` samples; `columns` override defaults for some inputs.

        `rng` is the random stream of stochastic models (see :mod:`kaname.chunking` for the
        seeding rule); `series` asks for outputs with a ``day`` axis; `cache` reuses a
        deterministic model's results when its inputs are bit-identical to an earlier call.
        """
        out = self.evaluate_grid(columns, {}, 1, n, rng=rng, series=series, cache=cache)
        return {path: arr[0] for path, arr in out.items()}

    def evaluate_grid(self, futures: Mapping[str, np.ndarray],
                      levers: Mapping[str, np.ndarray], policies: int, n: int, *,
                      rng: np.random.Generator | None = None, series: bool = False,
                      cache: ModelCache | None = None) -> dict[str, np.ndarray]:
        """Run every model on `policies` × `n` samples: every future (a row of `futures`,
        arrays of `n` rows) under every policy (a row of `levers`, arrays of `policies`
        rows); outputs are ``(policy, future, ...)``. `rng`, `series`, `cache`: as
        :meth:`evaluate`.

        The samples are never tiled out in full: a model is evaluated once for each group
        of policies that give it the same inputs (the same values of the levers it reads
        and bit-identical upstream outputs), on that group's futures, and its outputs are
        shared by the group. A stochastic model gets every policy in order (its draws
        follow the samples, policy-major, as if the grid were tiled).
        """
        if n < 1:
            raise InputError(f"needs at least one sample, got {n}", key="samples")
        for path, arr in levers.items():
            if np.shape(arr)[:1] != (policies,):
                raise InputError(f"has {np.shape(arr)[:1]} values for {policies} policies",
                                 key=path)
        values: dict[str, np.ndarray] = {}  # output path -> (policy, future, ...)
        for m in self.models:
            lever_paths = [p for p in m.inputs if m.links.get(p, p) not in values
                           and p in levers]
            linked = [m.links.get(p, p) for p in m.inputs if m.links.get(p, p) in values]
            groups, group_of = _policy_groups(
                policies, m.stochastic, [np.asarray(levers[p]) for p in lever_paths],
                [values[src] for src in linked])
            size = len(groups) * n
            x: dict[str, np.ndarray] = {}
            for path, spec in m.inputs.items():
                src = m.links.get(path, path)
                shape = (n, *(len(self.coords[d]) for d in spec.dims))
                if src in values:
                    arr = values[src]
                    x[path] = (arr if len(groups) == policies else arr[groups]) \
                        .reshape(size, *arr.shape[2:])
                elif path in levers:
                    x[path] = np.repeat(np.asarray(levers[path], dtype=float)[groups], n,
                                        axis=0)
                elif path in futures:
                    col = np.asarray(futures[path], dtype=float)
                    if col.shape != shape:
                        raise InputError(f"has shape {col.shape}; the model needs {shape} "
                                         f"(samples × {' × '.join(spec.dims) or '1'})",
                                         key=path)
                    x[path] = col if len(groups) == 1 else \
                        np.tile(col, (len(groups),) + (1,) * (col.ndim - 1))
                else:
                    x[path] = np.full((size, *shape[1:]), self.default(path))
            key = ModelCache.key(x, series) if cache is not None and not m.stochastic else None
            out = cache.get(m.name, key) if cache is not None and key is not None else None
            if out is None:
                out = self._evaluate_model(m, x, size, rng, series, block=n)
                if cache is not None and key is not None:
                    cache.put(m.name, key, out)
            for path, arr in out.items():
                arr = arr.reshape(len(groups), n, *arr.shape[1:])
                values[path] = arr if len(groups) == policies else arr[group_of]
        return values

    def _evaluate_model(self, m: Model, x: dict[str, np.ndarray], n: int,
                        rng: np.random.Generator | None, series: bool, *, block: int
                        ) -> dict[str, np.ndarray]:
        """One model on `n` rows, each distinct input row evaluated once
        (:mod:`kaname.distinct`) unless the model is stochastic (its draws follow the
        rows) or :attr:`distinct_rows` is off; outputs copied back to every row.

        The rows come in blocks of `block` (one per group of policies, the same futures
        in each): when the first block's rows are all distinct the others' are too, bar
        coincidences of upstream outputs, so the search over all rows is skipped."""
        rows = None
        if self.distinct_rows and not m.stochastic:
            head = {path: arr[:block] for path, arr in x.items()} if n > block else x
            rows = distinct_rows(head, min(n, block))
            if rows is not None and n > block:
                rows = distinct_rows(x, n)
        if rows is None:
            _call(m, "validate", x)
            return self._checked(m, _call(m, "evaluate", x, rng=rng, series=series), n,
                                 series)
        first, inverse = rows
        few = {path: arr[first] for path, arr in x.items()}
        _call(m, "validate", few)
        out = self._checked(m, _call(m, "evaluate", few, rng=rng, series=series),
                            len(first), series)
        return {path: arr[inverse] for path, arr in out.items()}

    def _checked(self, m: Model, out: Any, n: int, series: bool) -> dict[str, np.ndarray]:
        """The outputs a model returned, checked against its declarations: a dict with
        exactly its declared outputs (series ones only when asked for), each a numeric
        array of the declared shape, finite unless its spec says ``missing_ok``. Anything
        else is a one-line :class:`ModelError` naming the model and the output."""
        if not isinstance(out, Mapping):
            raise ModelError(f"model {m.name}: evaluate returned {type(out).__name__}; it "
                             f"must return a dict of output path -> array")
        declared = m.outputs
        extra = [p for p in out if p not in declared]
        if extra:
            raise ModelError(f"model {m.name}: evaluate returned {extra[0]}, which is not a "
                             f"declared output (declared: {', '.join(declared)})")
        kept = {}
        for path, spec in declared.items():
            if spec.series and not series:
                continue
            if path not in out:
                raise ModelError(f"model {m.name}: evaluate did not return output {path}")
            arr = out[path]
            if not isinstance(arr, np.ndarray):
                try:
                    arr = np.asarray(arr)
                except (TypeError, ValueError) as exc:
                    raise ModelError(f"model {m.name}: output {path} is not an array "
                                     f"({type(exc).__name__}: {exc})") from None
            if arr.dtype.kind not in "biuf":
                raise ModelError(f"model {m.name}: output {path} has dtype {arr.dtype}; "
                                 f"outputs must be numbers (float, integer or bool)")
            want = (n, *(len(self.coords[d]) for d in spec.dims))
            if arr.shape != want:
                raise ModelError(f"model {m.name}: output {path} has shape {arr.shape}, "
                                 f"expected {want}")
            if arr.dtype.kind == "f" and not spec.missing_ok:
                _check_finite(m.name, path, arr, n)
            kept[path] = arr
        return kept


def _policy_groups(policies: int, every: bool, levers: Sequence[np.ndarray],
                   upstream: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(groups, group_of)``: the first policy of each group of policies whose `levers`
    values (arrays over policies) and `upstream` outputs (arrays over policy × future)
    agree bit for bit, and each policy's group. `every`: one group per policy."""
    if every or policies == 1:
        return np.arange(policies), np.arange(policies)
    groups: list[int] = []
    group_of = np.empty(policies, dtype=np.intp)
    for p in range(policies):
        for g, first in enumerate(groups):
            if all(lever[p].tobytes() == lever[first].tobytes() for lever in levers) and \
                    all(_same_bits(out[p], out[first])
                        for out in upstream):
                group_of[p] = g
                break
        else:
            group_of[p] = len(groups)
            groups.append(p)
    return np.asarray(groups, dtype=np.intp), group_of


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality (``-0.0`` differs from ``0.0``; equal NaNs are equal)."""
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(
        np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))


def _call(m: Model, hook: str, x: Mapping[str, Any], **kw: Any) -> Any:
    """``m.evaluate(x, ...)`` or ``m.validate(x, ...)``: kaname's own errors pass through
    (an :class:`InputError` from a validate hook, say); any other exception becomes one line
    naming the model, the exception and the line it came from."""
    try:
        return getattr(m, hook)(x, **kw)
    except KanameError:
        raise
    except Exception as exc:  # noqa: BLE001 - a model's bug, reported in one line
        raise ModelError(f"model {m.name}: {hook} raised {exception_line(exc)}") from exc


def _check_finite(model: str, path: str, arr: np.ndarray, n: int) -> None:
    """Refuse NaN or ±inf in a float output. One sum over the array is the fast path (NaN
    or inf anywhere makes it non-finite); only then are the bad samples counted (a sum of
    huge finite values that overflows passes after the count)."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    if np.isfinite(total):
        return
    rows = arr.reshape(n, -1)
    nan = int(np.isnan(rows).any(axis=1).sum())
    inf = int(np.isinf(rows).any(axis=1).sum())
    if not (nan or inf):
        return
    what = " and ".join(f"{k} {label}" for k, label in ((nan, "NaN"), (inf, "inf")) if k)
    raise ModelError(f"model {model}: output {path} has {what} of {n} samples (declare "
                     f"missing_ok=True in its Spec if it may be missing)")


def encode_value(value: Any, spec: Spec) -> float:
    """A value as the engine carries it: a float, a category's code, 0/1 for a bool;
    InputError (message only) when the spec does not allow it."""
    if spec.kind == "category":
        if isinstance(value, str):
            if value not in spec.categories:
                raise InputError(f"{value!r} must be {spec.allowed()}")
            return float(spec.code(value))
        code = float(value)
        problem = spec.check(code)
        if problem:
            raise InputError(problem)
        return code
    if spec.kind == "bool":
        if isinstance(value, str):
            raise InputError(f"{value!r} must be true or false")
        return float(bool(value))
    if value is None or isinstance(value, str):
        raise InputError(f"must be {spec.allowed()}")
    problem = spec.check(float(value))
    if problem:
        raise InputError(problem)
    return float(value)
