"""``kaname runs repair``: rebuild a damaged or deleted manifest from what the run still has.

What a manifest holds is either fixed by the run or provable without it:

* the frozen ``scenario.yaml`` gives the scenario, its policies and (through the models)
  the chunk layout;
* the run's parameters (futures, futures per chunk, kept series, seed, design, run id)
  are in every chunk record ``chunks/NNNNN.json`` (format ``kaname-chunk/1``) and in the
  schema metadata of ``design.parquet`` (key ``kaname.run``); a run with neither falls
  back to the old manifest if it still parses, then to the scenario's settings;
* a chunk is **kept** only when its record names this run, its place in the chunk plan,
  and every one of its files hashes to the SHA-256 the record gives; every other chunk is
  **reset** to pending, to be recomputed by ``kaname explore --resume DIR``;
* the joint design is regenerated from the seed (it is deterministic) and compared with
  ``design.parquet``; a missing or damaged one is rewritten.

The new manifest is checked by :func:`kaname.store.schema.validate_manifest` and written
atomically: a repair that fails leaves the directory as it was.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaname.errors import InputError
from kaname.store import manifest as _m
from kaname.store.layout import (
    CHUNK_DIR,
    CHUNK_FORMAT,
    DESIGN_FILE,
    DESIGN_META,
    FORMAT,
    FROZEN_SCENARIO,
    MANIFEST,
    chunk_file,
    layout_for,
    record_file,
    series_file,
)
from kaname.store.schema import validate_manifest

if TYPE_CHECKING:
    from kaname.sampling import Futures

PARAMS = ("futures", "futures_per_chunk", "keep_series", "seed", "design")


@dataclass
class RepairReport:
    """What :func:`repair_run` kept, reset and noted."""

    run_dir: Path
    chunks: int
    kept: list[int] = field(default_factory=list)
    reset: list[tuple[int, str]] = field(default_factory=list)
    design: str = "none"           # none (Monte Carlo), kept, rewritten
    parameters_from: str = ""      # chunk records, design.parquet, old manifest, scenario.yaml
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "complete" if len(self.kept) == self.chunks else "incomplete"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _params_ok(rec: Any) -> bool:
    if not isinstance(rec, dict):
        return False
    ints = all(isinstance(rec.get(k), int) and not isinstance(rec.get(k), bool)
               for k in ("futures", "futures_per_chunk", "keep_series", "seed"))
    return ints and rec["futures"] >= 1 and rec["futures_per_chunk"] >= 1 \
        and rec["keep_series"] >= 0 and isinstance(rec.get("design"), str) \
        and isinstance(rec.get("run_id"), str)


def _design_meta(path: Path) -> dict[str, Any] | None:
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[DESIGN_META])
    except Exception:  # noqa: BLE001 - a damaged design simply names nothing
        return None


def _old_manifest(root: Path) -> dict[str, Any]:
    data = _read_json(root / MANIFEST)
    return data if isinstance(data, dict) else {}


def _old_params(old: dict[str, Any]) -> dict[str, Any] | None:
    try:
        rec = {"run_id": old["run_id"], "futures": old["futures"],
               "futures_per_chunk": old["chunking"]["futures_per_chunk"],
               "keep_series": old["keep_series"], "seed": old["seed"]["root"],
               "design": old["design"]["method"]}
    except (KeyError, TypeError):
        return None
    return rec if _params_ok(rec) else None


def repair_run(run_dir: str | Path) -> RepairReport:
    """Rebuild ``DIR/manifest.json`` (see the module text) and say what was kept."""
    from kaname.chunking import futures_per_chunk, plan_chunks
    from kaname.ensemble import policy_columns, run_arguments, select_policies
    from kaname.store.codec import design_writer
    from kaname.store.lifecycle import _jsonish, load

    root = Path(run_dir)
    if not root.is_dir():
        raise InputError("run directory does not exist", file=str(root))
    frozen = root / FROZEN_SCENARIO
    if not frozen.is_file():
        raise InputError(f"no {FROZEN_SCENARIO}: without the frozen scenario the run cannot "
                         f"be rebuilt; start a new run", file=str(root))
    text = frozen.read_bytes()
    scenario_sha = _m.sha256_bytes(text)
    scenario, engine, _ = load(frozen)
    policies = select_policies(scenario, None)
    layout = _jsonish(layout_for(engine, scenario, policies,
                                 policy_columns(scenario, engine, policies)))
    old = _old_manifest(root)
    chunk_dir = root / CHUNK_DIR

    # ---- the run's parameters: chunk records, design metadata, old manifest, scenario
    records: dict[int, dict[str, Any]] = {}
    for path in sorted(chunk_dir.glob("[0-9]" * 5 + ".json")) if chunk_dir.is_dir() else []:
        rec = _read_json(path)
        if _params_ok(rec) and rec.get("format") == CHUNK_FORMAT \
                and rec.get("scenario_sha256") == scenario_sha \
                and isinstance(rec.get("index"), int) and path.stem == f"{rec['index']:05d}":
            records[rec["index"]] = rec
    key = ("run_id", *PARAMS)
    votes = Counter(tuple(rec[k] for k in key) for rec in records.values())
    design_meta = _design_meta(root / DESIGN_FILE) if (root / DESIGN_FILE).is_file() else None
    if design_meta is not None and not (_params_ok(design_meta)
                                        and design_meta.get("scenario_sha256") == scenario_sha):
        design_meta = None
    if votes:
        params = dict(zip(key, votes.most_common(1)[0][0], strict=True))
        source = "chunk records"
    elif design_meta is not None:
        params, source = {k: design_meta[k] for k in key}, DESIGN_FILE
    elif (found := _old_params(old)) is not None:
        params, source = found, "the old manifest"
    else:
        n, seed, design, keep = run_arguments(scenario)
        params = {"run_id": uuid.uuid4().hex, "futures": n, "seed": seed, "design": design,
                  "keep_series": keep,
                  "futures_per_chunk": min(futures_per_chunk(len(policies)), n)}
        source = FROZEN_SCENARIO
    report = RepairReport(root, 0, parameters_from=source)
    if source == FROZEN_SCENARIO:
        report.notes.append("no chunk record, design file or readable manifest names the "
                            "run's parameters; futures, seed, design and chunk size are "
                            "the scenario's settings")
    n, K, keep = params["futures"], params["futures_per_chunk"], params["keep_series"]
    plan = plan_chunks(n, K, keep)
    report.chunks = len(plan)

    # ---- the data library the kept chunks must have been computed with
    versions = old.get("versions") if _str_map(old.get("versions")) else None
    library = old.get("data_library") if _str_map(old.get("data_library")) else None
    if versions is None or "kaname" not in versions or library is None:
        report.notes.append("package versions and data-library checksums are recorded as "
                            "of this repair (the old manifest did not have them)")
    digest = _m.data_library_digest(library if library is not None else
                                    _m.data_library_hashes())

    # ---- chunks: kept only when the record proves every file intact
    entries = []
    for k, (start, stop) in enumerate(plan):
        entry: dict[str, Any] = {"index": k, "start": start, "stop": stop, "status": _m.PENDING}
        reason = _check_chunk(chunk_dir, k, start, stop, records.get(k), params,
                              bool(layout["series"]) and start < keep, digest)
        if reason is None:
            rec = records[k]
            entry.update(status=_m.DONE, files=rec["files"],
                         seconds=rec.get("seconds", 0.0), error=None)
            report.kept.append(k)
        else:
            entry.update(files={}, error=f"reset by kaname runs repair: {reason}")
            report.reset.append((k, reason))
        entries.append(entry)

    # ---- the joint design: deterministic, so regenerated and compared, chunk by chunk
    design_entry: dict[str, Any] = {"method": params["design"], "futures": n, "file": None}
    drawn = rewrite_design = None
    if params["design"] != "mc":
        from kaname.sampling import Futures

        drawn = Futures(scenario.uncertainties, n, params["seed"], params["design"],
                        dependence=scenario.dependence)
        path = root / DESIGN_FILE
        design_entry.update(file=DESIGN_FILE, sha256=None)  # set once written or kept
        if path.is_file() and _same_design(path, drawn):
            report.design = "kept"
            design_entry.update(sha256=_m.sha256_file(path))
        else:
            run = {k: params[k] for k in key} | {"scenario_sha256": scenario_sha}
            rewrite_design = design_writer(drawn, K, run=run)
            report.design = "rewritten"
            report.notes.append(f"{DESIGN_FILE} {'did not match the regenerated design' if path.is_file() else 'was missing'}; rewritten from the seed")

    # ---- what the old manifest still says (else: now), then the new manifest
    old_scn: dict[str, Any] = old["scenario"] if isinstance(old.get("scenario"), dict) else {}
    created = old.get("created") if isinstance(old.get("created"), str) else \
        _dt.datetime.fromtimestamp(frozen.stat().st_mtime, _dt.UTC).isoformat(timespec="seconds")
    src = old_scn.get("source") if isinstance(old_scn.get("source"), str) else \
        str(frozen.resolve())
    sets = old_scn.get("sets") if isinstance(old_scn.get("sets"), dict) else None
    manifest = {
        "format": FORMAT, "integrity": CHUNK_FORMAT, "run_id": params["run_id"],
        "created": created, "updated": _m.now(), "repaired": _m.now(),
        "status": report.status,
        "scenario": {"name": scenario.name, "file": FROZEN_SCENARIO, "source": src,
                     "sha256": scenario_sha, "settings": scenario.settings.model_dump(),
                     "models": scenario.models, **({"sets": sets} if sets else {})},
        "design": design_entry,
        "seed": {"root": int(params["seed"]), "design_stream": "SeedSequence(root, "
                 "spawn_key=(0, b)) per 4096-future block (mc) or (0,) for the joint design",
                 "model_stream": "SeedSequence(root, spawn_key=(1, k)) for chunk k"},
        "futures": n, "keep_series": keep,
        "chunking": {"futures_per_chunk": K, "samples_per_chunk": K * len(policies)},
        "versions": versions if versions and "kaname" in versions else _m.package_versions(),
        "data_library": library if library is not None else _m.data_library_hashes(),
        "layout": layout,
        "chunks": entries,
    }
    try:
        if rewrite_design is not None:  # deterministic: rewriting it before the manifest
            _m.write_atomic(root / DESIGN_FILE, rewrite_design)  # is never wrong
            design_entry["sha256"] = _m.sha256_file(root / DESIGN_FILE)
        validate_manifest(manifest, root / MANIFEST, expected_format=FORMAT)
        _m.write_atomic(root / MANIFEST, json.dumps(manifest, ensure_ascii=False,
                                                    indent=1).encode("utf-8"))
    except OSError as exc:
        raise InputError(f"{_m.describe_oserror(exc)} while writing the rebuilt manifest; "
                         f"the manifest is unchanged: free space or make the directory "
                         f"writable and run kaname runs repair {root} again",
                         file=str(root)) from None
    finally:
        if drawn is not None:
            drawn.close()
    return report


def _str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _same_design(path: Path, drawn: Futures) -> bool:
    """The stored design holds exactly the regenerated values (a run from before the
    design carried its metadata too), compared one row group at a time."""
    import numpy as np
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as pf:
            if (sorted(pf.schema_arrow.names) != sorted(drawn.paths)
                    or pf.metadata.num_rows != drawn.n):
                return False
            start = 0
            for g in range(pf.metadata.num_row_groups):
                table = pf.read_row_group(g)
                want = drawn.rows(start, start + table.num_rows)
                if not all(np.array_equal(table.column(c).to_numpy(),
                                          np.asarray(want[c], dtype=float)) for c in want):
                    return False
                start += table.num_rows
            return True
    except Exception:  # noqa: BLE001 - unreadable: not the same
        return False


def _check_chunk(chunk_dir: Path, k: int, start: int, stop: int, rec: dict[str, Any] | None,
                 params: dict[str, Any], series: bool, library: str) -> str | None:
    """None when chunk k is provably intact (and computed with the data library whose
    digest is `library`), else why it is reset."""
    name = chunk_file(k)
    if rec is None:
        if (chunk_dir / record_file(k)).is_file():
            return f"its record {record_file(k)} is unreadable or not of this run"
        if (chunk_dir / name).is_file():
            return f"{name} has no record {record_file(k)} (its write was cut short, or " \
                   f"it predates {CHUNK_FORMAT})"
        return "no chunk file"
    if any(rec[p] != params[p] for p in ("run_id", *PARAMS)):
        return "its record belongs to another run"
    if rec.get("data_library_sha256", library) != library:
        return "it was computed with another data library"
    if (rec.get("start"), rec.get("stop")) != (start, stop):
        return f"its record gives futures {rec.get('start')}-{rec.get('stop')}, not " \
               f"{start}-{stop}"
    files = rec.get("files")
    if not isinstance(files, dict) or name not in files \
            or (series and series_file(k) not in files):
        return "its record does not list the chunk's files"
    for fname, meta in files.items():
        if not (isinstance(meta, dict) and isinstance(meta.get("sha256"), str)) \
                or "/" in fname or fname.startswith("."):
            return "its record is malformed"
        path = chunk_dir / fname
        if not path.is_file():
            return f"{fname} is missing"
        if _m.sha256_file(path) != meta["sha256"]:
            return f"{fname} does not match its checksum"
    return None
