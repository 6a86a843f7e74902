"""Analysis of ensembles — the "multi-variable equation" (DESIGN.md §4).

- :func:`robustness` — per policy statistics, regret and satisficing across futures;
- :func:`sobol`, :func:`morris` — global sensitivity through SALib on any model;
- :class:`Prim` — scenario discovery as a scikit-learn-style estimator;
- :func:`search` — NSGA-II (pymoo) over Japan's levers, robust over a fixed set of futures.

Submodules import SALib and pymoo lazily, so ``import kaname.analysis`` stays cheap.
"""

from kaname.analysis.prim import Prim, PrimBox
from kaname.analysis.robustness import Condition, Robustness, parse_condition, robustness
from kaname.analysis.search import (
    ZDT1,
    Objective,
    ScenarioProblem,
    SearchResult,
    parse_objective,
    search,
)
from kaname.analysis.sensitivity import MorrisIndices, SobolIndices, morris, sobol

__all__ = [
    "ZDT1", "Condition", "MorrisIndices", "Objective", "Prim", "PrimBox", "Robustness",
    "ScenarioProblem", "SearchResult", "SobolIndices", "morris", "parse_condition",
    "parse_objective", "robustness", "search", "sobol",
]
