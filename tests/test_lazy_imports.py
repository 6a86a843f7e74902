"""Importing kaname's engine and command line must not import scipy.stats (about a second of
start-up on its own): it is imported inside the functions that draw or test with it."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _imported(statement: str, module: str) -> bool:
    code = f"import sys; {statement}; print({module!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.strip().splitlines()[-1] == "True"


def test_import_ensemble_does_not_import_scipy_stats():
    out = subprocess.run(
        [sys.executable, "-c", "import kaname.ensemble, sys; print('scipy.stats' in sys.modules)"],
        capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("statement", [
    "import kaname.cli",
    "import kaname.sampling, kaname.copula, kaname.chunking",
    "import kaname.analysis",
    "import kaname.report, kaname.store",
])
def test_other_entry_points_do_not_import_scipy_stats(statement):
    assert not _imported(statement, "scipy.stats")


def test_sampling_still_draws_with_scipy():
    """The lazy imports are still there when a design or a distribution needs them."""
    code = ("import numpy as np; from kaname.sampling import unit_design, transform; "
            "from kaname.scenario import Uncertainty; "
            "u = unit_design('sobol', 8, 2, 1); "
            "x = transform(u[:, 0], Uncertainty('x', 'normal', {'mean': 0.0, 'sd': 1.0})); "
            "print(np.isfinite(x).all())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "True"
