"""要 kaname — an open workbench for analysing the Japan–US alliance under deep uncertainty.

The Python API (see ``docs/python.md``)::

    import kaname
    scenario = kaname.load_scenario("examples/taiwan-2028.yaml")
    results = kaname.run(scenario, futures=500)        # in memory, labelled xarray Dataset
    results.dataset.kaname.summary()                   # medians, bands, paired differences
    kaname.explore(scenario, "runs/t28", futures=10_000)   # chunked, resumable, on disk
    kaname.open_results("runs/t28")                    # a run directory or a .nc file

Names are imported on first use, so ``import kaname`` stays quick for the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API: dict[str, str] = {
    "load_scenario": "kaname.scenario",
    "Scenario": "kaname.scenario",
    "run": "kaname.ensemble",
    "explore": "kaname.api",
    "open_results": "kaname.store",
    "Results": "kaname.results",
    "Engine": "kaname.engine",
    "check_model": "kaname.testing",
    "DeclaredModel": "kaname.models",
    "Input": "kaname.models",
    "Output": "kaname.models",
    "Family": "kaname.models",
    "Spec": "kaname.spec",
    "register": "kaname.models.base",
    "InputError": "kaname.errors",
    "robustness": "kaname.analysis.robustness",
    "sobol": "kaname.analysis.sensitivity",
    "morris": "kaname.analysis.sensitivity",
    "Prim": "kaname.analysis.prim",
    "LeverProblem": "kaname.analysis.search",
    "search": "kaname.analysis.search",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kaname' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
