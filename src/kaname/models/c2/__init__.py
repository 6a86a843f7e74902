"""c2 — alliance coordination latency: JJOC, USFJ and INDOPACOM across 19 time zones.

A coordination request raised at JJOC (Tokyo) is worked by JJOC staff, passed to USFJ
(Yokota) and decided either by USFJ acting as a joint force HQ (a delegated share δ under
``jfhq_in_japan``) or by INDOPACOM (Honolulu, 19 h behind Tokyo). Each node has staffed
cells by local hour; a share of decisions needs the commander, who is available in local
duty hours or, in a crisis, after a wake-up delay. Two implementations:

* :mod:`kaname.models.c2.approx` — the vectorised engine model (:class:`C2Model`);
* :mod:`kaname.models.c2.des` — the SimPy discrete-event reference (``kaname c2 simulate``).

References
----------
Gross, D., Shortle, J. F., Thompson, J. M. & Harris, C. M. (2008). *Fundamentals of
Queueing Theory*, 4th ed. Wiley.
Green, L. V., Kolesar, P. J. & Whitt, W. (2007). Coping with time-varying demand when
setting staffing requirements for a service system. *Production and Operations
Management* 16(1), 13–39.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from kaname.data import Library
from kaname.errors import DataError, InputError
from kaname.models.base import Settings
from kaname.models.c2.approx import approximate
from kaname.models.c2.hours import HOURLY
from kaname.models.c2.specs import (
    INPUTS,
    NAME,
    NODES,
    OUTPUTS,
    C2Declarations,
    P,
    check_values,
)

CHUNK = 4096  # samples per block: long numpy loops, bounded scratch memory (~60 MB)


def utc_offsets(library: Library, base_year: int) -> dict[str, float]:
    """UTC offset (hours) of each node's IANA zone at mid-year of `base_year`.

    Offsets must be whole hours (true of Asia/Tokyo and Pacific/Honolulu, which keep no
    daylight saving time: Tokyo is 19 h ahead of Honolulu all year).
    """
    when = datetime(base_year, 7, 1, 12, tzinfo=UTC)
    offsets = {}
    for node in NODES:
        path = f"{P}{node}.time_zone"
        entry = library.get(path)
        try:
            zone = ZoneInfo(str(entry.value()))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown IANA time zone {entry.value()!r}", file=entry.file,
                             key=path) from None
        delta = when.astimezone(zone).utcoffset()
        hours = delta.total_seconds() / 3600.0 if delta is not None else 0.0
        if hours != int(hours):
            raise InputError(f"UTC offset {hours:g} h is not a whole hour; the hourly "
                             "staffing grid needs whole-hour zones", file=entry.file, key=path)
        offsets[node] = hours
    return offsets


PROFILE = P + "jjoc.arrival_profile"


def arrival_profile(library: Library) -> np.ndarray:
    """The shares of a day's requests by JJOC's local hour: 24 non-negative numbers that sum
    to 1 (the day's rate), refused otherwise with the file and key."""
    entry = library.get(PROFILE)
    raw = entry.value()
    values = raw if isinstance(raw, list) else [raw]
    if (len(values) != 24 or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                 for v in values)):
        raise DataError("must be a list of 24 hourly shares (00:00 to 23:00 local)",
                         file=entry.file, key=PROFILE)
    shares = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(shares)) or np.any(shares < 0):
        raise DataError("hourly shares must be finite and at least 0", file=entry.file,
                         key=PROFILE)
    if abs(shares.sum() - 1.0) > 1e-6:
        raise DataError(f"hourly shares sum to {shares.sum():.6g}; they must sum to 1 (the "
                         "day's requests)", file=entry.file, key=PROFILE)
    return shares


def check_library(library: Library) -> None:
    """Refuse unknown nodes and out-of-range defaults in the c2 data before any run."""
    known = set(NODES) | {"transit", "adaptation"}
    for group in library.groups(NAME):
        if group not in known:
            entry = next(e for e in library if e.path.startswith(f"{P}{group}."))
            raise InputError(f"unknown node {group!r}; known nodes: {', '.join(NODES)}",
                             file=entry.file, key=f"{P}{group}")
    values: dict[str, float] = {}
    files: dict[str, str] = {}
    for path, spec in INPUTS.items():
        if path.endswith(".utc_offset_h"):  # from the node's time_zone (utc_offsets)
            continue
        entry = library.get(path)
        value = entry.value(None if spec.kind == "category" else spec.unit)
        if spec.kind == "category":
            if value not in spec.categories:
                raise InputError(f"must be {spec.allowed()}", file=entry.file, key=path)
            value = spec.code(value)
        if isinstance(value, str) or value is None:
            raise InputError(f"must be {spec.allowed()}", file=entry.file, key=path)
        values[path] = float(value)
        files[path] = entry.file
    try:
        check_values(values)
    except InputError as error:          # name the file the offending entry came from
        raise DataError(error.message, file=files.get(error.key or "", error.file),
                        key=error.key) from None
    arrival_profile(library)


def _sample_hashes(columns: np.ndarray) -> np.ndarray:
    """One 64-bit hash per sample of an (inputs × samples) float array: each value mixed,
    then a dot product with fixed random odd multipliers, modulo 2⁶⁴."""
    bits = np.ascontiguousarray(columns).view(np.uint64)
    mixed = bits ^ (bits >> np.uint64(29))                # fold the exponent into low bits
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    multipliers = np.random.default_rng(0x6B616E616D65).integers(
        0, 2**63, columns.shape[0], dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return multipliers @ mixed


def distinct_samples(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Representatives of the distinct samples of `columns` (inputs × samples, at least one
    sample) and the
    index of each sample's representative, or None if every sample is distinct.

    Only the inputs that vary are compared. One input with all-distinct values proves
    every sample distinct (fully varying samples: a sort, no hashing). Otherwise each
    sample's bits are hashed to one 64-bit key and the keys are sorted:
    ``np.unique(axis=0)`` sorts whole rows and is ~30× slower on ensembles. A hash
    collision is caught by comparing every sample with its representative, and then the
    exact sort is used.
    """
    n = columns.shape[1]
    varying = np.flatnonzero(np.ptp(columns, axis=1) > 0)
    if varying.size == 0:
        return np.zeros(1, dtype=np.intp), np.zeros(n, dtype=np.intp)
    for row in columns[varying[:8]]:
        head = row[:64]                      # cheap screen before sorting a whole input
        if np.unique(head).size == head.size and np.unique(row).size == n:
            return None
    part = columns[varying] + 0.0                           # −0.0 and 0.0 hash alike
    _, first, inverse = np.unique(_sample_hashes(part), return_index=True,
                                  return_inverse=True)
    inverse = inverse.reshape(-1)
    if not np.array_equal(part[:, first][:, inverse], part):
        _, first, inverse = np.unique(part.T, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    return first, inverse


class C2Model(C2Declarations):
    """Vectorised coordination-latency model (deterministic; see :mod:`.approx`). Inputs
    and outputs are declared on :class:`~kaname.models.c2.specs.C2Declarations`."""

    stochastic = False
    lever_group = {"en": "Command and control", "ja": "指揮統制"}
    report_section = "kaname.report.sections:c2_section"

    def __init__(self, offsets: Mapping[str, float], profile: Sequence[float] | np.ndarray,
                 horizon_days: float = 120.0):
        self.coords: Mapping[str, Sequence[str]] = {"c2_node": list(NODES)}
        self.coord_labels: Mapping[str, Mapping[str, Mapping[str, str]]] = {}
        self.offsets = dict(offsets)
        self.profile = np.asarray(profile, dtype=float)
        self.horizon_h = float(horizon_days) * 24.0

    @classmethod
    def from_library(cls, library: Library, settings: Settings | None = None) -> C2Model:
        settings = settings or Settings()
        check_library(library)
        return cls(utc_offsets(library, settings.base_year), arrival_profile(library),
                   settings.horizon_days)

    def validate(self, x: Mapping[str, Any], *, file: str | None = None) -> None:
        """Each value within its declared range, no node without staff at every hour, no
        unknown c2 parameter (see :func:`~kaname.models.c2.specs.check_values`)."""
        check_values(x, file=file)

    def evaluate(self, x: Mapping[str, np.ndarray], *, rng: np.random.Generator | None = None,
                 series: bool = False) -> dict[str, np.ndarray]:
        """Evaluate unique input rows once (ensembles repeat them across futures). The
        engine has called :meth:`validate` on `x` first."""
        names = list(self.inputs)
        columns = np.stack([np.asarray(x[p], dtype=float) for p in names])
        n = columns.shape[1]
        if n == 0:
            return {path: np.zeros((0, *(len(self.coords[d]) for d in spec.dims)))
                    for path, spec in self.outputs.items()}
        distinct = distinct_samples(columns)
        samples = np.arange(n) if distinct is None else distinct[0]
        # Samples that delegate nothing first: most chunks then hold one kind of sample,
        # and each chunk is already in the order the approximation wants.
        structure, share = (columns[names.index(P + k), samples]
                            for k in ("structure", "delegated_share"))
        order = samples[np.argsort((structure == 1) & (share != 0.0), kind="stable")]
        columns = np.take(columns.astype(HOURLY), order, axis=1)
        parts = []
        workspace: dict = {}                      # scratch arrays shared by the chunks
        for lo in range(0, columns.shape[1], CHUNK):
            block = columns[:, lo:lo + CHUNK]
            lone = block.shape[1] == 1
            if lone:  # numpy reduces a lone column in another order: keep results batch-free
                block = np.repeat(block, 2, axis=1)
            g = {p[len(P):]: block[i] for i, p in enumerate(names)}
            part = approximate(g, self.horizon_h, self.profile, workspace)
            parts.append({k: v[:1] for k, v in part.items()} if lone else part)
        # Result k belongs to sample order[k]; map every sample to its (representative's).
        position = np.empty(n, dtype=np.intp)
        position[order] = np.arange(order.size)
        if distinct is not None:
            position = position[samples[distinct[1]]]
        out = {k: np.concatenate([part[k] for part in parts])[position] for k in parts[0]}
        return {P + k: v for k, v in out.items()}


__all__ = ["C2Model", "INPUTS", "OUTPUTS", "NODES"]
