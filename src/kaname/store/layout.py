"""What is where in a run directory, and the column layout of its chunks.

Layout of a run directory::

    scenario.yaml           frozen copy of the scenario file the run started from
    manifest.json           design, root seed, versions, layout, every chunk's status
    design.parquet          the joint design (Latin hypercube, Sobol) — Monte Carlo needs none
    chunks/NNNNN.parquet    chunk k: its futures under every policy, one row per sample
    chunks/NNNNN.series.parquet   daily series of the chunk's kept futures (``--keep-series``)
    chunks/NNNNN.json       the chunk's own record (``kaname-chunk/1``): run id, run
                            parameters, futures, and the SHA-256 of each of its files, so
                            ``kaname runs repair`` can prove it intact without the manifest

The chunk *layout* (:func:`layout_for`) is everything needed to write and read chunks
without an engine — columns, labels, dims, units — and is stored in the manifest, so
opening a run never rebuilds the models.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kaname.engine import Engine
    from kaname.scenario import Scenario

FORMAT = "kaname-run/1"
MANIFEST = "manifest.json"
FROZEN_SCENARIO = "scenario.yaml"
DESIGN_FILE = "design.parquet"
CHUNK_DIR = "chunks"
CHUNK_FORMAT = "kaname-chunk/1"  # the per-chunk record (sidecar) written beside each chunk
DESIGN_META = b"kaname.run"  # design.parquet schema metadata key: the run's parameters


def chunk_file(k: int) -> str:
    return f"{k:05d}.parquet"


def series_file(k: int) -> str:
    return f"{k:05d}.series.parquet"


def record_file(k: int) -> str:
    """The chunk's record (sidecar): written before its Parquet files and its manifest entry."""
    return f"{k:05d}.json"


def _cells(dims: Sequence[str], coords: Mapping[str, Sequence[str]]) -> list[str]:
    """Column suffixes for an output's extra dims, the way ``Results.to_frame`` names them."""
    if not dims:
        return [""]
    labels = [list(coords[d]) for d in dims]
    if len(dims) == 1:
        return [f"[{x}]" for x in labels[0]]
    return ["[" + ",".join(str(c) for c in cell) + "]" for cell in itertools.product(*labels)]


def layout_for(engine: Engine, scenario: Scenario, policies: Sequence[str],
               levers: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Everything needed to write and read chunks without an engine: columns, labels,
    dims, units. Stored in the manifest, so opening a run never rebuilds the models."""
    from kaname.results import variable_attrs  # the same variable attributes as kaname.ensemble

    def input_entry(path: str) -> dict[str, Any]:
        spec = engine.inputs[path]
        return {"path": path, "categories": list(spec.categories)
                if spec.kind == "category" else None}

    outputs, series = [], []
    for path, spec in engine.outputs.items():
        entry = {"path": path, "dims": list(spec.dims),
                 "shape": [len(engine.coords[d]) for d in spec.dims],
                 "attrs": dict(variable_attrs(spec))}
        if spec.series:
            series.append(entry)
        else:
            entry["columns"] = [path + c for c in _cells(spec.dims, engine.coords)]
            outputs.append(entry)
    lever_entries = []
    for path, values in levers.items():
        e = input_entry(path)
        e["values"] = [float(v) for v in values]
        lever_entries.append(e)
    return {
        "policies": list(policies),
        "uncertainties": [input_entry(p) for p in scenario.uncertainties],
        "levers": lever_entries,
        "outputs": outputs,
        "series": series,
        "coords": {d: list(v) for d, v in engine.coords.items()},
        "coord_labels": engine.coord_labels,
    }


def labels(values: np.ndarray, categories: Sequence[str] | None) -> np.ndarray:
    """Stored values of an input: floats, or category labels for a category input."""
    if categories is None:
        return np.asarray(values, dtype=float)
    return np.asarray(categories, dtype=object)[np.asarray(values).astype(int)]
