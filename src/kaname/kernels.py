"""Which implementation of the compiled hot loops a process runs: numpy (the reference,
everywhere) or numba (compiled kernels, about 3x faster; a dependency of kaname).

``KANAME_KERNEL=numpy|numba|auto`` picks one for every kernel (the sustainment recursion,
:mod:`kaname.models.sustainment_kernel`; c2's week-calendar deferrals,
:mod:`kaname.models.c2.calendar`); unset or ``auto`` means numba if it imports, else
numpy. :data:`KERNEL` overrides the environment from Python. A run records the choice
(:func:`describe`), because the two may differ in the last bits where a kernel sums in
another order (each kernel's docstring states its tolerance).

numba is imported and a kernel compiled at its first use, not at import, so the CLI does
not pay for it at start-up. Compiled code is cached on disk (``cache=True``, next to the
module, or in numba's user cache when that directory is read-only); with no writable cache
directory at all it compiles in memory in every process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from kaname.errors import InputError

ENV = "KANAME_KERNEL"
CHOICES = ("auto", "numpy", "numba")
KERNEL: str | None = None  # set from Python to override ENV; None: read ENV

_NUMBA: list[Any] = []  # [module or None], filled on first use
_COMPILED: dict[Callable[..., Any], Callable[..., Any]] = {}


def kernel_name() -> str:
    """The kernels this process uses: :data:`KERNEL` if set, else ``$KANAME_KERNEL``, and for
    ``auto`` (or neither set) numba if it imports, else numpy. Asking for numba explicitly
    when it is not installed is an error, not a silent fallback."""
    choice = (KERNEL or os.environ.get(ENV) or "auto").strip().lower()
    if choice not in CHOICES:
        raise InputError(f"{choice!r} not allowed; allowed: {', '.join(CHOICES)}", key=ENV)
    if choice == "numpy":
        return "numpy"
    if numba_module() is not None:
        return "numba"
    if choice == "numba":
        raise InputError(f"'numba' asked for but numba does not import; pip install numba "
                         f"or set {ENV}=numpy", key=ENV)
    return "numpy"


def describe() -> str:
    """``numpy`` or ``numba X.Y.Z``: what a run's manifest records."""
    name = kernel_name()
    return name if name == "numpy" else f"numba {numba_module().__version__}"


def numba_module() -> Any:
    """The numba module, or None if it does not import (looked up once per process)."""
    if not _NUMBA:
        module: Any
        try:
            import numba as module
        except ImportError:
            module = None
        _NUMBA.append(module)
    return _NUMBA[0]


def compiled(loops: Callable[..., Any]) -> Callable[..., Any]:
    """`loops` compiled by numba (nopython), once per process: from the on-disk cache when
    some directory is writable, in memory when none is."""
    if loops not in _COMPILED:
        numba = numba_module()
        if numba is None:
            raise ImportError("the compiled kernels need numba: pip install numba")
        try:
            kernel = numba.njit(cache=True)(loops)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            kernel = numba.njit(cache=False)(loops)
        _COMPILED[loops] = kernel
    return _COMPILED[loops]
