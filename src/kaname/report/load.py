"""What a report is made from: results (in memory, a ``.nc`` file, or a run directory), the
frozen scenario text, the run's chunk status, and any analysis saved beside the run.

A run directory with failed or unfinished chunks is still reported — from its finished
chunks only, every one checksum-verified — and the report says so on its first page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from kaname.errors import InputError
from kaname.results import Results

ANALYSIS_GLOBS = ("*.json", "analysis/*.json")


@dataclass
class RunStatus:
    """Chunk accounting of a run directory (all zero for in-memory results)."""

    chunks: int = 0
    done: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    pending: int = 0

    @property
    def complete(self) -> bool:
        return not self.failed and self.pending == 0


@dataclass
class ReportInput:
    results: Results
    source: str = ""
    scenario_text: str = ""
    description: str | dict[str, str] = ""
    uncertainty_specs: dict[str, str] = field(default_factory=dict)
    status: RunStatus = field(default_factory=RunStatus)
    analyses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def load_input(source: Results | xr.Dataset | str | Path, scenario: Any = None) -> ReportInput:
    """Collect everything the report needs from `source`; `scenario` (a Scenario) adds its
    description and text when the results are in memory."""
    if isinstance(source, Results):
        inp = ReportInput(results=source, source="<memory>")
    elif isinstance(source, xr.Dataset):
        inp = ReportInput(results=Results(source), source="<memory>")
    else:
        path = Path(source)
        if path.is_file() and path.suffix == ".nc":
            inp = ReportInput(results=Results(xr.load_dataset(path)), source=str(path))
        elif path.is_dir():
            inp = _from_run_dir(path)
        elif not path.exists():
            raise InputError("no such run directory or .nc file", file=str(path))
        else:
            raise InputError("expected a run directory or a .nc results file",
                             file=str(path))
    if scenario is not None:
        inp.scenario_text = inp.scenario_text or getattr(scenario, "text", "")
        inp.description = getattr(scenario, "description", "") or inp.description
        inp.uncertainty_specs = inp.uncertainty_specs or describe_uncertainties(scenario)
    elif inp.scenario_text and not inp.description:
        _fill_from_text(inp)
    return inp


def _fill_from_text(inp: ReportInput) -> None:
    """Description and uncertainty distributions from the frozen scenario text."""
    from kaname import yamlio

    try:
        data = yamlio.loads(inp.scenario_text, name="scenario.yaml")
    except Exception:  # a report must not fail on a scenario it only quotes
        return
    if not isinstance(data, dict):
        return
    inp.description = data.get("description") or ""
    unc = data.get("uncertainties") or {}
    if isinstance(unc, dict):
        inp.uncertainty_specs = {str(k): _dist_text(v) for k, v in unc.items()}


def _dist_text(raw: Any) -> str:
    if not isinstance(raw, dict):
        return str(raw)
    dist = raw.get("dist", "?")
    params = ", ".join(f"{k}={v}" for k, v in raw.items() if k != "dist")
    return f"{dist}({params})" if params else str(dist)


def describe_uncertainties(scenario: Any) -> dict[str, str]:
    out = {}
    for path, u in getattr(scenario, "uncertainties", {}).items():
        if u.dist == "choice":
            out[path] = "choice(" + ", ".join(
                f"{label}: {p:.2g}" for label, p in zip(u.labels, u.p, strict=False)) + ")"
        else:
            out[path] = f"{u.dist}(" + ", ".join(f"{k}={v:g}" for k, v in u.params.items()) + ")"
    return out


def _from_run_dir(path: Path) -> ReportInput:
    from kaname import store as st

    run = st.RunStore.open(path)
    status = RunStatus(chunks=len(run.chunks))
    for c in run.chunks:
        if c["status"] == st.DONE:
            status.done += 1
        elif c["status"] == st.FAILED:
            status.failed.append((int(c["index"]), str(c.get("error") or "")))
        else:
            status.pending += 1
    if status.done == 0:
        raise InputError(f"the run has no finished chunk ({len(status.failed)} failed, "
                         f"{status.pending} pending); nothing to report", file=str(path))
    results = st.open_results(path) if status.complete else _partial_results(run)
    frozen = path / st.FROZEN_SCENARIO
    text = frozen.read_text(encoding="utf-8") if frozen.is_file() else ""
    inp = ReportInput(results=results, source=str(path), scenario_text=text, status=status,
                      analyses=_saved_analyses(path))
    return inp


def _saved_analyses(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """JSON written by ``kaname analyze ... --format json`` saved in the run directory."""
    found = []
    for pattern in ANALYSIS_GLOBS:
        for file in sorted(path.glob(pattern)):
            if file.name == "manifest.json" or file.stat().st_size > 20_000_000:
                continue
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and (data.get("method") in ("sobol", "morris")
                                           or "boxes" in data):
                found.append((str(file.relative_to(path)), data))
    return found


def _partial_results(run: Any) -> Results:
    """Results from the finished chunks of an incomplete run (checksums verified)."""
    import pyarrow.parquet as pq

    from kaname import store as st

    m, layout = run.manifest, run.layout
    policies = list(layout["policies"])
    P = len(policies)
    done = [c for c in run.chunks if c["status"] == st.DONE]
    root = run.root / st.CHUNK_DIR
    futures: list[np.ndarray] = []
    unc: dict[str, list[np.ndarray]] = {u["path"]: [] for u in layout["uncertainties"]}
    outs: dict[str, list[np.ndarray]] = {o["path"]: [] for o in layout["outputs"]}
    series: dict[str, list[np.ndarray]] = {s["path"]: [] for s in layout["series"]}
    keep = int(m.get("keep_series") or 0)
    for c in done:
        name = st.chunk_file(c["index"])
        file = root / name
        st.verify(file, c["files"][name]["sha256"], run_dir=run.root)
        table = pq.read_table(file)
        n = c["stop"] - c["start"]
        futures.append(np.arange(c["start"], c["stop"]))
        for u in layout["uncertainties"]:
            unc[u["path"]].append(table.column(u["path"]).slice(0, n).to_numpy(
                zero_copy_only=False))
        for o in layout["outputs"]:
            stacked = np.column_stack([table.column(col).to_numpy() for col in o["columns"]])
            outs[o["path"]].append(stacked.reshape(P, n, *o["shape"]))
        sname = st.series_file(c["index"])
        if keep and c["start"] < keep and sname in c.get("files", {}):
            sfile = root / sname
            st.verify(sfile, c["files"][sname]["sha256"], run_dir=run.root)
            stable = pq.read_table(sfile)
            mm = min(c["stop"], keep) - c["start"]
            for s in layout["series"]:
                flat = stable.column(s["path"]).combine_chunks().flatten().to_numpy()
                series[s["path"]].append(flat.reshape(P, mm, *s["shape"]))
    coords: dict[str, Any] = {"policy": policies, "future": np.concatenate(futures)}
    for dim, labels in layout["coords"].items():
        coords[dim] = list(labels)
        for lang, names in layout["coord_labels"].get(dim, {}).items():
            coords[f"{dim}_label_{lang}"] = (dim, [names.get(x, str(x)) for x in labels])
    for path, parts in unc.items():
        coords[path] = ("future", np.concatenate(parts))
    for lever in layout["levers"]:
        values = np.array(lever["values"])
        coords[lever["path"]] = ("policy", values if lever["categories"] is None else
                                 np.asarray(lever["categories"], dtype=object)[
                                     values.astype(int)])
    data_vars: dict[str, Any] = {}
    for o in layout["outputs"]:
        data_vars[o["path"]] = (("policy", "future", *o["dims"]),
                                np.concatenate(outs[o["path"]], axis=1), o["attrs"])
    kept = [s for s in layout["series"] if series[s["path"]]]
    if kept:
        width = sum(p.shape[1] for p in series[kept[0]["path"]])
        coords["series_future"] = np.arange(width)
        for s in kept:
            data_vars[s["path"]] = (("policy", "series_future", *s["dims"]),
                                    np.concatenate(series[s["path"]], axis=1), s["attrs"])
    settings = m["scenario"]["settings"]
    ds = xr.Dataset(data_vars, coords=coords, attrs={
        "scenario": m["scenario"]["name"], "seed": m["seed"]["root"],
        "design": m["design"]["method"], "futures": int(coords["future"].size),
        "base_year": settings["base_year"], "horizon_days": settings["horizon_days"],
        "kaname_version": m["versions"]["kaname"]})
    return Results(ds)
