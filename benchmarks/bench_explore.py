"""Throughput and peak memory of ``kaname explore`` per executor, against EMA Workbench.

Runs the integrated model (every built-in model, ``examples/taiwan-2028.yaml``, 3 policies)

* through kaname's chunked executors — serial, process pool, Dask LocalCluster — at 10⁵ and
  10⁶ futures (× 3 policies), writing a real run directory (Parquet chunks, manifest);
* through EMA Workbench 2.5.2's ``SequentialEvaluator``, wrapped the way its users wrap a
  Python function: one call per experiment, each evaluating one future under one policy.
  The size is calibrated to take about a minute.

Each configuration runs in a fresh subprocess, so its peak resident memory (driver and,
separately, the largest worker) is its own. Prints samples/s for each and the ratios.

    python benchmarks/bench_explore.py                      # the full benchmark (~30 min)
    python benchmarks/bench_explore.py --futures 100000     # one size only
    python benchmarks/bench_explore.py --executors serial --ema-seconds 20

Not a timed test: numbers depend on the machine (and on whatever else it is running).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ("status-quo", "pac3-coproduction", "pac3-amraam-export")


def _three_policy_example() -> Path:
    """The bundled example restricted to the issue's three policies (written atomically, so
    every benchmark process may call this)."""
    import yaml

    raw = yaml.safe_load((ROOT / "examples" / "taiwan-2028.yaml").read_text())
    raw["policies"] = {k: v for k, v in raw["policies"].items() if k in POLICIES}
    path = Path(tempfile.gettempdir()) / "kaname-bench-taiwan-2028-3-policies.yaml"
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump(raw, fh, allow_unicode=True, sort_keys=False)
    os.replace(tmp, path)
    return path


EXAMPLE = _three_policy_example()


def _peak_mib() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"driver_peak_mib": round(own, 1), "worker_peak_mib": round(children, 1)}


# --------------------------------------------------------------------------- one kaname run

def one_kaname(futures: int, executor: str, workers: int, chunk_size: int | None,
               keep: bool) -> dict[str, object]:
    from kaname import executors as ex
    from kaname import store

    started = time.perf_counter()
    scenario, engine, key = store.load(EXAMPLE)
    run_dir = Path(tempfile.mkdtemp(prefix=f"kaname-bench-{executor}-")) / "run"
    try:  # in the order `kaname explore` does it: the workers warm while the design is written
        with ex.make_executor(executor, workers, engine=engine, key=key) as pool:
            pool.warm(key)
            ready = time.perf_counter()
            prepared = store.create_run(scenario, engine, key, run_dir, futures=futures,
                                        chunk_size=chunk_size)
            setup = time.perf_counter() - started
            summary = store.execute(prepared, pool)
        wall = time.perf_counter() - started
        size = sum(f.stat().st_size for f in (run_dir / "chunks").glob("*.parquet"))
        # every chunk file's SHA-256 in chunk order: equal digests = bit-identical outputs
        digest = hashlib.sha256("".join(
            hashlib.sha256(p.read_bytes()).hexdigest()
            for p in prepared.store.chunk_paths()).encode()).hexdigest()
        result = {
            "tool": "kaname", "executor": executor, "workers": pool.workers,
            "futures": futures, "policies": len(prepared.store.policies),
            "samples": summary.samples, "chunks": summary.chunks,
            "futures_per_chunk": prepared.store.manifest["chunking"]["futures_per_chunk"],
            "status": summary.status, "setup_s": round(setup, 2),
            "executor_start_s": round(ready - started, 2),
            "execute_s": round(summary.seconds, 2), "wall_s": round(wall, 2),
            "samples_per_s": round(summary.samples / summary.seconds, 1),
            "store_mib": round(size / 2**20, 1), "chunks_sha256": digest,
        }
    finally:
        if not keep:
            shutil.rmtree(run_dir.parent, ignore_errors=True)
    result.update(_peak_mib())
    return result


# --------------------------------------------------------------------------- EMA Workbench

def _ema_model(scenario, engine):  # type: ignore[no-untyped-def]
    """The integrated model as EMA users wrap a Python function: keyword arguments in,
    a dict of scalar outcomes out, one experiment (one future, one policy) per call."""
    import numpy as np
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        Model,
        Policy,
        RealParameter,
        ScalarOutcome,
    )

    from kaname.ensemble import policy_columns, select_policies

    inputs: dict[str, str] = {}       # EMA name -> kaname path
    categorical: dict[str, tuple[str, ...]] = {}
    uncertainties = []
    for i, (path, unc) in enumerate(scenario.uncertainties.items()):
        name = f"u{i}"
        inputs[name] = path
        spec = engine.inputs[path]
        if unc.dist == "choice":
            labels = [spec.categories[int(v)] for v in unc.values] if spec.kind == "category" \
                else [str(v) for v in unc.values]
            uncertainties.append(CategoricalParameter(name, labels))
            categorical[name] = spec.categories if spec.kind == "category" else ()
        elif unc.dist == "integers" or unc.params.get("whole"):   # whole numbers
            uncertainties.append(IntegerParameter(name, int(unc.params["low"]),
                                                  int(unc.params["high"])))
        else:  # same support; EMA samples it by LHS (cost per call does not depend on it)
            p = unc.params
            low = p.get("low", p.get("mean", p.get("median", 1.0)) * 0.5)
            high = p.get("high", p.get("mean", p.get("median", 1.0)) * 1.5)
            uncertainties.append(RealParameter(name, float(low), float(high)))
    policies = select_policies(scenario, None)
    lever_values = policy_columns(scenario, engine, policies)
    levers, lever_names = [], {}
    for j, (path, values) in enumerate(lever_values.items()):
        name = f"l{j}"
        lever_names[name] = path
        inputs[name] = path
        levers.append(RealParameter(name, float(min(values)), float(max(values)) + 1e-9))
    scalar = [p for p, s in engine.outputs.items() if not s.series and not s.dims]
    outcome_names = {f"o{k}": p for k, p in enumerate(scalar)}
    rng = np.random.default_rng(0)

    def kaname_model(**experiment):  # type: ignore[no-untyped-def]
        columns = {}
        for name, path in inputs.items():
            value = experiment[name]
            if name in categorical and categorical[name]:
                value = categorical[name].index(value)
            columns[path] = np.array([float(value)])
        out = engine.evaluate(columns, 1, rng=rng)
        return {name: float(out[path][0]) for name, path in outcome_names.items()}

    model = Model("kaname", function=kaname_model)
    model.uncertainties = uncertainties
    model.levers = levers
    model.outcomes = [ScalarOutcome(name) for name in outcome_names]
    ema_policies = [Policy(p, **{name: float(lever_values[path][i])
                                 for name, path in lever_names.items()})
                    for i, p in enumerate(policies)]
    return model, ema_policies


def one_ema(seconds: float) -> dict[str, object]:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from ema_workbench import SequentialEvaluator, __version__, perform_experiments

    from kaname.store import load

    scenario, engine, _ = load(EXAMPLE)
    model, policies = _ema_model(scenario, engine)
    with SequentialEvaluator(model) as evaluator:  # calibrate on a small run
        t = time.perf_counter()
        perform_experiments(model, scenarios=20, policies=policies, evaluator=evaluator)
        per_experiment = (time.perf_counter() - t) / (20 * len(policies))
    n = max(20, int(seconds / per_experiment / len(policies)))
    with SequentialEvaluator(model) as evaluator:
        t = time.perf_counter()
        experiments, outcomes = perform_experiments(model, scenarios=n, policies=policies,
                                                    evaluator=evaluator)
        elapsed = time.perf_counter() - t
    samples = len(experiments)
    result: dict[str, object] = {
        "tool": f"ema_workbench {__version__}", "executor": "SequentialEvaluator",
        "workers": 1, "futures": n, "policies": len(policies), "samples": samples,
        "execute_s": round(elapsed, 2), "samples_per_s": round(samples / elapsed, 1),
        "us_per_experiment": round(1e6 * elapsed / samples, 1),
        "outcomes": len(outcomes)}
    result.update(_peak_mib())
    return result


# --------------------------------------------------------------------------- orchestration

def _child(args: list[str]) -> dict[str, object] | None:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    print(f"  failed: {' '.join(args)}\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--executors", nargs="+", default=["serial", "process", "dask"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--ema-seconds", type=float, default=60.0)
    parser.add_argument("--no-ema", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the run directories")
    parser.add_argument("--json", type=Path, help="also write all results here")
    parser.add_argument("--one", choices=["kaname", "ema"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one == "kaname":
        print(json.dumps(one_kaname(args.futures[0], args.executors[0], args.workers,
                                    args.chunk_size, args.keep)))
        return
    if args.one == "ema":
        print(json.dumps(one_ema(args.ema_seconds)))
        return

    results = []
    print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    ema = None
    if not args.no_ema:
        try:
            import ema_workbench  # noqa: F401
        except ImportError:
            print("EMA Workbench is not installed (pip install ema_workbench==2.5.2); "
                  "skipping the comparison")
        else:
            ema = _child(["--one", "ema", "--ema-seconds", str(args.ema_seconds)])
            if ema:
                results.append(ema)
                print(f"{ema['tool']:<24} {'sequential':<9} {ema['samples']:>9,} samples "
                      f"{ema['samples_per_s']:>12,.1f} samples/s  "
                      f"({ema['us_per_experiment']:,.0f} µs/experiment)  "
                      f"peak {ema['driver_peak_mib']:,.0f} MiB")
    for n in args.futures:
        serial = None
        for executor in args.executors:
            extra = ["--chunk-size", str(args.chunk_size)] if args.chunk_size else []
            r = _child(["--one", "kaname", "--futures", str(n), "--executors", executor,
                        "--workers", str(args.workers), *extra] + (["--keep"] if args.keep
                                                                  else []))
            if r is None:
                continue
            results.append(r)
            if executor == "serial":
                serial = r
            ratios = []
            if ema:
                ratios.append(f"{r['samples_per_s'] / ema['samples_per_s']:,.0f}× EMA")
            if serial and executor != "serial":
                r["vs_serial_execute"] = round(r["samples_per_s"] / serial["samples_per_s"], 3)
                r["vs_serial_wall"] = round(serial["wall_s"] / r["wall_s"], 3)
                r["bit_identical_to_serial"] = r["chunks_sha256"] == serial["chunks_sha256"]
                ratios.append(f"{r['vs_serial_execute']:.2f}× serial executing, "
                              f"{r['vs_serial_wall']:.2f}× whole command, "
                              f"{'bit-identical' if r['bit_identical_to_serial'] else 'DIFFERENT'}"
                              f" to serial")
            print(f"kaname {executor:<17} {r['workers']:>2}w {r['samples']:>10,} samples "
                  f"{r['samples_per_s']:>12,.1f} samples/s  execute {r['execute_s']:,.1f} s "
                  f"(wall {r['wall_s']:,.1f} s)  peak driver {r['driver_peak_mib']:,.0f} MiB,"
                  f" worker {r['worker_peak_mib']:,.0f} MiB  store {r['store_mib']:,.0f} MiB"
                  f"  {'; '.join(ratios)}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
