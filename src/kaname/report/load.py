"""What a report is made from: results (in memory, a ``.nc`` file, or a run directory), the
frozen scenario text, the run's chunk status, and any analysis saved beside the run.

Results on disk are read by :func:`kaname.store.reader.open_results` (a run directory
into memory in one pass, each chunk file read once). A run directory with
failed or unfinished chunks is still reported — from its finished chunks only, every one
checksum-verified — and the report says so on its first page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from kaname.errors import InputError
from kaname.results import Results
from kaname.store.layout import FROZEN_SCENARIO, MANIFEST
from kaname.store.reader import RunStatus, open_results, run_status

ANALYSIS_GLOBS = ("*.json", "analysis/*.json")
DEMO_RESULTS = "results.nc"  # what `kaname demo` writes beside its report


@dataclass
class ReportInput:
    results: Results
    source: str = ""
    scenario_text: str = ""
    description: str | dict[str, str] = ""
    uncertainty_specs: dict[str, str] = field(default_factory=dict)
    status: RunStatus = field(default_factory=RunStatus)
    analyses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    slices: list[str] = field(default_factory=list)  # --set conditions the futures met


def load_input(source: Results | xr.Dataset | str | Path, scenario: Any = None) -> ReportInput:
    """Collect everything the report needs from `source`; `scenario` (a Scenario) adds its
    description and text when the results are in memory."""
    if isinstance(source, Results):
        inp = ReportInput(results=source, source="<memory>")
    elif isinstance(source, xr.Dataset):
        inp = ReportInput(results=Results(source), source="<memory>")
    else:
        path = Path(source)
        if path.is_dir() and not (path / MANIFEST).is_file() and (path / DEMO_RESULTS).is_file():
            # a directory of exported results (``kaname demo``'s), not a run store
            frozen = path / FROZEN_SCENARIO
            inp = ReportInput(results=open_results(path / DEMO_RESULTS), source=str(path),
                              scenario_text=frozen.read_text(encoding="utf-8")
                              if frozen.is_file() else "")
        elif path.is_dir():
            inp = _from_run_dir(path)
        else:  # a .nc file, or the reader's one-line error
            inp = ReportInput(results=open_results(path), source=str(path))
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
    from kaname.store import FROZEN_SCENARIO, RunStore

    run = RunStore.open(path)
    status = run_status(run)
    if status.done == 0:
        raise InputError(f"the run has no finished chunk ({len(status.failed)} failed, "
                         f"{status.pending} pending); nothing to report", file=str(path))
    results = open_results(run, allow_partial=True, load=report_outputs(run))
    frozen = path / FROZEN_SCENARIO
    text = frozen.read_text(encoding="utf-8") if frozen.is_file() else ""
    return ReportInput(results=results, source=str(path), scenario_text=text, status=status,
                       analyses=_saved_analyses(path))


def report_outputs(run: Any) -> list[str]:
    """The outputs of run store `run` that the report reads: the headline ones and those
    its sections name (:data:`kaname.report.sections.READS`). They, and the uncertainty
    coordinates, are read into memory in one pass, each chunk file read once: the
    sections read them repeatedly, and a lazy run directory would read its chunk files
    again each time. The other outputs stay on disk unless a section uses one."""
    from kaname.report.sections import READS

    wanted = set(READS)
    return [out["path"] for out in run.layout["outputs"]
            if out["attrs"].get("headline") or out["path"] in wanted]


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
