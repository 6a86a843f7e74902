"""The integrated model: runs the models in dependency order over columns.

Inputs of a model come, in order of precedence, from an upstream model that produces them
(a model's ``links`` map an input path to another model's output path), from the columns
the caller passes (levers and sampled uncertainties), or from the data library's base value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from graphlib import CycleError, TopologicalSorter

import numpy as np

from kaname.data import Library
from kaname.errors import InputError, ModelError
from kaname.models.base import Model, Settings, build_models
from kaname.spec import Spec


def links(model: Model) -> Mapping[str, str]:
    """Input path -> upstream output path (optional attribute of a model)."""
    return getattr(model, "links", {}) or {}


class Engine:
    """Models in topological order, with the data-library defaults for their inputs."""

    def __init__(self, models: Sequence[Model], library: Library):
        self.library = library
        producer = {out: m.name for m in models for out in m.outputs}
        graph: dict[str, set[str]] = {m.name: set() for m in models}
        for m in models:
            for path in m.inputs:
                src = links(m).get(path, path)
                if src in producer and producer[src] != m.name:
                    graph[m.name].add(producer[src])
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise ModelError(f"models depend on each other in a cycle: {exc.args[1]}") from None
        by_name = {m.name: m for m in models}
        self.models = [by_name[n] for n in order]
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
            for dim, by_lang in (getattr(m, "coord_labels", {}) or {}).items():
                self.coord_labels[dim] = {lang: dict(v) for lang, v in by_lang.items()}
        self._defaults = {p: self._default(p, s) for p, s in self.inputs.items()
                          if self.computed_by(p) is None}

    @classmethod
    def build(cls, library: Library | None = None, settings: Settings | None = None,
              names: Sequence[str] | None = None) -> Engine:
        library = library or Library.load()
        return cls(build_models(library, settings or Settings(), names), library)

    def computed_by(self, path: str) -> str | None:
        """Name of the model that computes input `path` in this engine, if any."""
        for m in self.models:
            src = links(m).get(path)
            if src is not None and src in self._producer:
                return self._producer[src]
        return self._producer.get(path)

    def _default(self, path: str, spec: Spec) -> float:
        entry = self.library.get(path)
        value = entry.value(spec.unit)
        if spec.kind == "category":
            if value not in spec.categories:
                raise InputError(f"default {value!r} must be {spec.allowed()}", file=entry.file,
                                 key=path)
            return float(spec.code(value))
        if spec.kind == "bool":
            return float(bool(value))
        if value is None or isinstance(value, str):
            raise InputError(f"default must be {spec.allowed()}", file=entry.file, key=path)
        problem = spec.check(float(value))
        if problem:
            raise InputError(f"default {problem}", file=entry.file, key=path)
        return float(value)

    def default(self, path: str) -> float:
        return self._defaults[path]

    def evaluate(self, columns: Mapping[str, np.ndarray], n: int, *,
                 rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Run every model on `n` samples; `columns` override defaults for some inputs."""
        if n < 1:
            raise InputError(f"needs at least one sample, got {n}", key="samples")
        values: dict[str, np.ndarray] = {}
        for m in self.models:
            x: dict[str, np.ndarray] = {}
            for path in m.inputs:
                src = links(m).get(path, path)
                if src in values:
                    x[path] = values[src]
                elif path in columns:
                    x[path] = np.asarray(columns[path], dtype=float)
                else:
                    x[path] = np.full(n, self._defaults[path])
            out = m.evaluate(x, rng=rng, series=series)
            for path, spec in m.outputs.items():
                if spec.series and not series:
                    continue
                if path not in out:
                    raise ModelError(f"model {m.name} did not return output {path}")
                arr = out[path]
                want = (n, *(len(self.coords[d]) for d in spec.dims))
                if arr.shape != want:
                    raise ModelError(f"model {m.name} output {path} has shape {arr.shape}, "
                                     f"expected {want}")
                values[path] = arr
        return values
