"""Experimental designs over the scenario's uncertainties, and their seeds.

One root ``numpy.random.SeedSequence(seed)``. The design is a point set in the unit
hypercube, transformed per uncertainty by its inverse CDF, so Monte Carlo, Latin hypercube
and Sobol share one transform. Monte Carlo draws in fixed blocks of :data:`BLOCK` futures,
block *b* from ``SeedSequence(seed, spawn_key=(0, b))``, so any future's values depend only
on the seed and its index — never on chunking, executor or worker count.

Dependence between uncertainties (a scenario's ``correlations`` and ``drivers``) is a
Gaussian copula applied to each future's design point on its own (:mod:`kaname.copula`),
between the unit design and the inverse CDFs, so it keeps that property. Without one the
uncertainties are independent (as Sobol'/Morris sensitivity requires).

References
----------
McKay, Beckman & Conover (1979), Technometrics 21(2) — Latin hypercube sampling.
Sobol' (1967); Owen (1998) — scrambled Sobol' sequences (via ``scipy.stats.qmc``).
"""

from __future__ import annotations

import functools
import os
import tempfile
import warnings
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

import numpy as np

from kaname.copula import Dependence
from kaname.errors import InputError
from kaname.scenario import Uncertainty

if TYPE_CHECKING:  # scipy.stats is imported where it is used: it costs ~1 s to import
    from scipy.stats import qmc

BLOCK = 4096
DESIGN_STREAM, MODEL_STREAM = 0, 1


def seed_sequence(seed: int, *key: int) -> np.random.SeedSequence:
    """The child of the root seed with spawn key `key` (stable, stateless)."""
    return np.random.SeedSequence(seed, spawn_key=tuple(key))


def unit_design(method: str, n: int, d: int, seed: int, start: int = 0) -> np.ndarray:
    """Points in [0, 1)^d for futures ``start .. start+n-1`` of a design of this seed.

    Latin hypercube and Sobol points are generated for the whole design length
    ``start + n`` (they are joint designs); Monte Carlo only for the blocks touched.
    """
    if d == 0:
        return np.empty((n, 0))
    if method == "mc":
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        blocks = [np.random.default_rng(seed_sequence(seed, DESIGN_STREAM, b)).random((BLOCK, d))
                  for b in range(first, last + 1)]
        u = np.concatenate(blocks)
        offset = start - first * BLOCK
        return u[offset:offset + n]
    from scipy.stats import qmc

    rng = np.random.default_rng(seed_sequence(seed, DESIGN_STREAM))
    total = start + n
    if method == "lhs":
        u = qmc.LatinHypercube(d=d, rng=rng).random(total)
    elif method == "sobol":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for n != 2^m
            u = qmc.Sobol(d=d, scramble=True, rng=rng).random(total)
    else:
        raise InputError(f"unknown design {method!r}; allowed: mc, lhs, sobol", key="design")
    return u[start:]


def transform(u: np.ndarray, unc: Uncertainty) -> np.ndarray:
    """Map uniform variates to the uncertainty's distribution (canonical units)."""
    p = unc.params
    if unc.dist == "uniform":
        return p["low"] + u * (p["high"] - p["low"])
    if unc.dist == "integers":
        k = np.floor(p["low"] + u * (p["high"] - p["low"] + 1.0))
        return np.minimum(k, p["high"])
    if unc.dist == "triangular":
        a, c, b = p["low"], p["mode"], p["high"]
        if b == a:
            return np.full_like(u, a)
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        drawn = np.where(u < fc, left, right)
        return np.round(drawn) if p.get("whole") else drawn   # an integer input's range
    if unc.dist == "normal":
        from scipy import stats

        lo = -np.inf if "low" not in p else (p["low"] - p["mean"]) / p["sd"]
        hi = np.inf if "high" not in p else (p["high"] - p["mean"]) / p["sd"]
        return stats.truncnorm.ppf(u, lo, hi, loc=p["mean"], scale=p["sd"])
    if unc.dist == "lognormal":
        from scipy import stats

        return p["median"] * np.exp(p["sigma"] * stats.norm.ppf(u))
    if unc.dist == "choice":
        cdf = np.cumsum(unc.p)
        cdf[-1] = 1.0
        idx = np.searchsorted(cdf, u, side="right")
        return np.asarray(unc.values, dtype=float)[np.minimum(idx, len(unc.values) - 1)]
    raise InputError(f"unknown distribution {unc.dist!r}", key=unc.path)


def sample_futures(uncertainties: Mapping[str, Uncertainty], n: int, seed: int,
                   method: str = "lhs", start: int = 0,
                   dependence: Dependence | None = None) -> dict[str, np.ndarray]:
    """Columns (canonical units / category codes) for futures ``start .. start+n-1``.

    `dependence` (a scenario's ``scenario.dependence``) correlates the uncertainties through
    a Gaussian copula, row by row; None (the default) draws them independently.
    """
    paths = list(uncertainties)
    u = unit_design(method, n, len(paths), seed, start)
    if dependence is not None:
        u = dependence.apply(u, paths)
    return {path: transform(u[:, j], uncertainties[path]) for j, path in enumerate(paths)}


SPILL_BYTES = 64 * 2**20
"""A Latin hypercube's permutations up to this size stay in memory; a bigger design keeps
them in an unnamed temporary file (see :class:`Futures`)."""


class Futures:
    """The sampled futures of a run, read range by range: ``rows(start, stop)`` equals
    ``sample_futures(uncertainties, n, seed, method, dependence=...)`` restricted to
    futures ``start .. stop-1``, bit for bit, without the whole ``n × d`` table in memory.

    Monte Carlo draws only the blocks a range touches. Sobol' points come from one engine
    read in order (fast-forwarded when a range does not follow the last). A Latin
    hypercube (scipy's: ``(perm − U) / n`` with ``U`` one ``n × d`` uniform draw and then
    one shuffled ``1..n`` per column) keeps its ``d`` permutations, as 4-byte integers,
    and redraws a range's uniforms by advancing the generator to the range's first draw;
    permutations over :data:`SPILL_BYTES` go to an unnamed temporary file (regular writes
    and reads, deleted when closed or when the process ends). The copula and the inverse
    CDFs act row by row, so they are applied to each range on its own.

    Use it as a context manager, or call :meth:`close`."""

    def __init__(self, uncertainties: Mapping[str, Uncertainty], n: int, seed: int,
                 method: str = "lhs", dependence: Dependence | None = None, *,
                 spill_bytes: int | None = None):
        if method not in ("mc", "lhs", "sobol"):
            raise InputError(f"unknown design {method!r}; allowed: mc, lhs, sobol",
                             key="design")
        self.uncertainties = uncertainties
        self.paths = list(uncertainties)
        self.n, self.seed, self.method, self.dependence = int(n), seed, method, dependence
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self._whole: np.ndarray | None = None   # the unit design, when kept whole
        self._perms: np.ndarray | None = None   # (d, n) permutations in memory
        self._file: IO[bytes] | None = None  # ... or on disk
        self._sobol: qmc.Sobol | None = None
        self._next = 0
        d = len(self.paths)
        if d == 0 or self.n == 0:
            return
        if method == "lhs":
            if _lhs_by_ranges():
                self._lhs_setup(d)
            else:  # a scipy whose Latin hypercube is not the one reproduced here
                self._whole = unit_design(method, self.n, d, seed)

    @staticmethod
    def temp_bytes(n: int, d: int, method: str, spill_bytes: int | None = None) -> int:
        """Bytes of temporary file a design of `n` futures × `d` uncertainties writes."""
        need = n * d * (4 if n < 2**31 else 8) if method == "lhs" else 0
        return need if need > (SPILL_BYTES if spill_bytes is None else spill_bytes) else 0

    def _itemsize(self) -> int:
        return 4 if self.n < 2**31 else 8

    def _lhs_setup(self, d: int) -> None:
        from scipy.stats import qmc

        rng = np.random.default_rng(seed_sequence(self.seed, DESIGN_STREAM))
        gen = qmc.LatinHypercube(d=d, rng=rng).rng  # the generator scipy would draw from
        self._state = gen.bit_generator.state
        self._bitgen = type(gen.bit_generator)
        shuffler = np.random.Generator(self._bit_generator(self.n * d))
        dtype = np.int32 if self._itemsize() == 4 else np.int64
        spill = self.n * d * self._itemsize() > self.spill_bytes
        if spill:
            self._file = tempfile.TemporaryFile(prefix="kaname-design-")  # noqa: SIM115 - closed by close()
        else:
            self._perms = np.empty((d, self.n), dtype=dtype)
        try:
            for i in range(d):
                perm = np.arange(1, self.n + 1)
                shuffler.shuffle(perm)
                if self._file is not None:
                    self._file.write(perm.astype(dtype).tobytes())
                else:
                    assert self._perms is not None
                    self._perms[i] = perm
            if self._file is not None:
                self._file.flush()
        except BaseException:
            self.close()
            raise

    def _bit_generator(self, draws: int) -> np.random.BitGenerator:
        bitgen = self._bitgen()
        bitgen.state = self._state
        bitgen.advance(draws)  # type: ignore[attr-defined]
        return bitgen

    def unit(self, start: int, stop: int) -> np.ndarray:
        """The unit design's rows for futures ``start .. stop-1`` (before the copula)."""
        d, n = len(self.paths), self.n
        if not 0 <= start <= stop <= n:
            raise InputError(f"rows {start}..{stop} are outside the design of {n} futures",
                             key="futures")
        m = stop - start
        if d == 0 or m == 0:
            return np.empty((m, d))
        if self._whole is not None:
            return self._whole[start:stop]
        if self.method == "mc":
            return unit_design("mc", m, d, self.seed, start)
        if self.method == "sobol":
            if self._sobol is None or start != self._next:
                from scipy.stats import qmc

                rng = np.random.default_rng(seed_sequence(self.seed, DESIGN_STREAM))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    self._sobol = qmc.Sobol(d=d, scramble=True, rng=rng)
                    if start:
                        self._sobol.fast_forward(start)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # balance warning, n != 2^m
                u = self._sobol.random(m)
            self._next = stop
            return u
        uniforms = np.random.Generator(self._bit_generator(start * d)).uniform(size=(m, d))
        if self._perms is not None:
            perms = self._perms[:, start:stop].T
        else:
            assert self._file is not None
            size = self._itemsize()
            dtype = np.int32 if size == 4 else np.int64
            perms = np.empty((m, d), dtype=dtype)
            fd = self._file.fileno()
            for i in range(d):
                raw = os.pread(fd, m * size, (i * n + start) * size)
                if len(raw) != m * size:
                    raise OSError(f"short read from the design's temporary file "
                                  f"({len(raw)} of {m * size} bytes)")
                perms[:, i] = np.frombuffer(raw, dtype=dtype)
        return (perms - uniforms) / n

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Columns (canonical units / category codes) for futures ``start .. stop-1``."""
        u = self.unit(start, stop)
        if self.dependence is not None:
            u = self.dependence.apply(u, self.paths)
        return {path: transform(u[:, j], self.uncertainties[path])
                for j, path in enumerate(self.paths)}

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._perms = self._whole = self._sobol = None

    def __enter__(self) -> Futures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@functools.cache
def _lhs_by_ranges() -> bool:
    """Whether scipy's Latin hypercube is the one :class:`Futures` reproduces range by
    range (checked once against scipy itself on a small design; otherwise the design is
    drawn whole, as :func:`unit_design` does)."""
    try:
        want = unit_design("lhs", 7, 3, 12345)
        with Futures({f"x{i}": Uncertainty(f"x{i}", "uniform", {"low": 0.0, "high": 1.0})
                      for i in range(3)}, 7, 12345, "mc") as probe:
            probe.method = "lhs"  # (built as mc: nothing drawn, no recursion into here)
            probe._lhs_setup(3)
            got = np.concatenate([probe.unit(0, 3), probe.unit(3, 7)])
        return got.shape == want.shape and bool(np.all(got.view(np.uint64)
                                                       == want.view(np.uint64)))
    except Exception:  # noqa: BLE001 - any surprise: fall back to the whole design
        return False
