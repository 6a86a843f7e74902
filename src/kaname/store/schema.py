"""The one check of a run manifest's shape, used by every reader (:meth:`RunStore.open`).

A manifest damaged by hand, by a tool or by a disk fault must never surface as a
``KeyError`` deep inside ``runs show``, ``explore --resume``, ``runs query`` or ``report``:
:func:`validate_manifest` checks the required keys, their types and every chunk's status
up front, and :class:`ManifestError` names the file and the key path in one line, with the
way out (``kaname runs repair DIR`` rebuilds the manifest from the frozen scenario and the
intact chunk files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kaname.errors import InputError

CHUNK_STATUSES = ("pending", "done", "failed")
RUN_STATUSES = ("running", "complete", "incomplete", "failed")


class ManifestError(InputError):
    """A run's manifest.json is missing, unreadable or not the shape the store writes.

    The key path (``chunks[4].status``) is part of the message, not :attr:`key`, so the
    command line never mistakes it for one of its options; :attr:`path` keeps it."""

    def __init__(self, manifest: Path, path: str, problem: str):
        self.path = path
        root = manifest.parent
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{problem}; kaname runs repair {root} rebuilds it",
                         file=str(manifest))


_TYPES = {str: "a string", int: "an integer", dict: "a mapping", list: "a list",
          bool: "true or false"}


def _kind(value: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", dict: "a mapping",
            list: "a list", bool: "a boolean", type(None): "null"}.get(type(value),
                                                                     type(value).__name__)


class _Checker:
    def __init__(self, file: Path):
        self.file = file

    def fail(self, path: str, problem: str) -> None:
        raise ManifestError(self.file, path, problem)

    def get(self, obj: Mapping[str, Any], key: str, where: str, typ: type | tuple[type, ...],
            *, optional: bool = False, nullable: bool = False) -> Any:
        path = f"{where}.{key}" if where else key
        if key not in obj:
            if optional:
                return None
            self.fail(path, "missing")
        value = obj[key]
        if value is None and nullable:
            return None
        types = typ if isinstance(typ, tuple) else (typ,)
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            wanted = " or ".join(_TYPES.get(t, t.__name__) for t in types)
            self.fail(path, f"{_kind(value)} ({_short(value)}) where {wanted} is required")
        return value

    def int_at_least(self, obj: Mapping[str, Any], key: str, where: str, low: int) -> int:
        value = self.get(obj, key, where, int)
        if value < low:
            self.fail(f"{where}.{key}" if where else key, f"{value} not allowed; must be "
                      f"at least {low}")
        return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate_manifest(manifest: Any, file: str | Path, *, expected_format: str) -> dict[str, Any]:
    """Return `manifest` unchanged if it has the shape :class:`RunStore` writes, else raise
    :class:`ManifestError` naming `file` and the first bad key (``chunks[4].status``)."""
    file = Path(file)
    ck = _Checker(file)
    if not isinstance(manifest, dict):
        ck.fail("", f"{_kind(manifest)} where a JSON object is required")
    fmt = ck.get(manifest, "format", "", str)
    if fmt != expected_format:
        ck.fail("format", f"{fmt!r} is an unknown run format; expected {expected_format}")
    ck.get(manifest, "run_id", "", str)
    ck.get(manifest, "created", "", str)
    ck.get(manifest, "updated", "", str)
    status = ck.get(manifest, "status", "", str)
    if status not in RUN_STATUSES:
        ck.fail("status", f"{status!r} not one of {', '.join(RUN_STATUSES)}")
    scenario = ck.get(manifest, "scenario", "", dict)
    for key in ("name", "file", "source", "sha256"):
        ck.get(scenario, key, "scenario", str)
    settings = ck.get(scenario, "settings", "scenario", dict)
    ck.get(settings, "base_year", "scenario.settings", int)
    ck.get(settings, "horizon_days", "scenario.settings", int)
    ck.get(scenario, "sets", "scenario", dict, optional=True)
    design = ck.get(manifest, "design", "", dict)
    ck.get(design, "method", "design", str)
    if ck.get(design, "file", "design", str, nullable=True, optional=True):
        ck.get(design, "sha256", "design", str)
    seed = ck.get(manifest, "seed", "", dict)
    ck.get(seed, "root", "seed", int)
    futures = ck.int_at_least(manifest, "futures", "", 1)
    ck.int_at_least(manifest, "keep_series", "", 0)
    chunking = ck.get(manifest, "chunking", "", dict)
    ck.int_at_least(chunking, "futures_per_chunk", "chunking", 1)
    versions = ck.get(manifest, "versions", "", dict)
    ck.get(versions, "kaname", "versions", str)
    library = ck.get(manifest, "data_library", "", dict)
    for name, digest in library.items():
        if not isinstance(digest, str):
            ck.fail(f"data_library[{name!r}]", f"{_kind(digest)} where a string is required")
    _check_layout(ck, ck.get(manifest, "layout", "", dict))
    chunks = ck.get(manifest, "chunks", "", list)
    if not chunks:
        ck.fail("chunks", "empty; a run has at least one chunk")
    previous = 0
    for k, c in enumerate(chunks):
        where = f"chunks[{k}]"
        if not isinstance(c, dict):
            ck.fail(where, f"{_kind(c)} where a mapping is required")
        index = ck.get(c, "index", where, int)
        if index != k:
            ck.fail(f"{where}.index", f"{index} where {k} is required (chunks in order)")
        start = ck.get(c, "start", where, int)
        stop = ck.get(c, "stop", where, int)
        if start != previous or stop <= start:
            ck.fail(where, f"futures {start}-{stop} do not continue from {previous}")
        previous = stop
        st = ck.get(c, "status", where, str)
        if st not in CHUNK_STATUSES:
            ck.fail(f"{where}.status", f"{st!r} not one of {', '.join(CHUNK_STATUSES)}")
        ck.get(c, "error", where, str, optional=True, nullable=True)
        files = ck.get(c, "files", where, dict, optional=st != "done")
        if st == "done":
            from kaname.store.layout import chunk_file

            if chunk_file(k) not in files:
                ck.fail(f"{where}.files", f"no entry for {chunk_file(k)}")
            for name, meta in files.items():
                fwhere = f"{where}.files[{name!r}]"
                if not isinstance(meta, dict):
                    ck.fail(fwhere, f"{_kind(meta)} where a mapping is required")
                digest = ck.get(meta, "sha256", fwhere, str)
                if len(digest) != 64:
                    ck.fail(f"{fwhere}.sha256", "not a SHA-256 hex digest")
                if "/" in name or "\\" in name or name.startswith("."):
                    ck.fail(fwhere, "not a file name inside chunks/")
    if previous != futures:
        ck.fail("chunks", f"cover futures 0-{previous}, not the run's {futures}")
    return manifest


def _check_layout(ck: _Checker, layout: dict[str, Any]) -> None:
    policies = ck.get(layout, "policies", "layout", list)
    if not policies or not all(isinstance(p, str) for p in policies):
        ck.fail("layout.policies", "must be a non-empty list of policy names")
    for group in ("uncertainties", "levers", "outputs", "series"):
        entries = ck.get(layout, group, "layout", list)
        for i, e in enumerate(entries):
            where = f"layout.{group}[{i}]"
            if not isinstance(e, dict):
                ck.fail(where, f"{_kind(e)} where a mapping is required")
            ck.get(e, "path", where, str)
            if group in ("uncertainties", "levers"):
                ck.get(e, "categories", where, list, nullable=True)
            if group == "levers":
                ck.get(e, "values", where, list)
            if group in ("outputs", "series"):
                ck.get(e, "dims", where, list)
                ck.get(e, "shape", where, list)
                ck.get(e, "attrs", where, dict)
            if group == "outputs":
                ck.get(e, "columns", where, list)
    ck.get(layout, "coords", "layout", dict)
    ck.get(layout, "coord_labels", "layout", dict)
