"""kaname's vectorised ensemble against EMA Workbench 3.0 and 2.5.2 on the same model and
the same futures, in one run; checks that the three give bit-identical outputs.

The integrated model (every built-in model, ``examples/taiwan-2028.yaml``) under five
policies (status-quo pac3-coproduction sm6-coproduction jfhq-in-japan alliance-package):

1. draws the futures of one kaname design (``--futures`` of the scenario's own design, seed
   and dependence) and saves the first ``--experiments-futures`` of them with the policies'
   lever values (a .npz and a .json in the work directory);
2. runs EMA Workbench 3.0 (a subprocess on ``--ema3-python``, a Python 3.12 environment; the
   row says "missing" when it does not exist) and EMA Workbench 2.5.2 (a subprocess on this
   Python) on exactly those futures × policies with ``SequentialEvaluator``, wrapped the way
   EMA users wrap a Python function: one call per experiment, keyword arguments in (EMA
   ``RealParameter`` / ``IntegerParameter`` / ``CategoricalParameter`` per uncertainty,
   ``RealParameter`` per lever), a dict of 69 scalar outcomes out, the kaname engine called
   with n = 1 inside;
3. runs ``kaname.run`` (the vectorised ensemble, chunks of 50,000 samples) over all
   ``--futures`` × 5 policies in a subprocess — the throughput the ratio is about;
4. compares, bit for bit, the outcomes of the shared experiments across the three;
5. prints samples/s, µs per experiment, peak RSS of each process and the ratios
   kaname / EMA 3.0 and kaname / EMA 2.5.2 (the issue 19 target: ≥ 1,000× EMA 3.0).

Each tool runs in its own fresh process (its peak RSS is its own) after one warm-up call
outside the clock (numba's kernel compiled or loaded from its cache, lazy imports done).
The sustainment kernel (``KANAME_KERNEL``, ``--kernel``) is set the same in every process.

    python benchmarks/bench_ema.py                          # 100 × 5 experiments, 50,000 × 5
    python benchmarks/bench_ema.py --quick                  # 40 × 5 experiments, 10,000 × 5
    python benchmarks/bench_ema.py --json out.json          # also the headline numbers

The EMA 3.0 environment (it needs Python ≥ 3.12; installing takes a few minutes)::

    /root/.pyenv/versions/3.12.1/bin/python3.12 -m venv /tmp/ema3
    /tmp/ema3/bin/pip install "ema_workbench==3.0.*"
    /tmp/ema3/bin/pip install -e .          # kaname itself, from this checkout

Bit-identity across the two Pythons also needs the same numpy/scipy builds in both (the
script prints each process's versions); pin them in the venv if they differ, e.g.
``/tmp/ema3/bin/pip install numpy==2.4.6 scipy==1.17.1`` to match this environment.

Not a timed test: numbers depend on the machine and on whatever else it is running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "taiwan-2028.yaml"
POLICIES = ("status-quo", "pac3-coproduction", "sm6-coproduction", "jfhq-in-japan",
            "alliance-package")
EMA3_PYTHON = Path("/tmp/ema3/bin/python")


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _load():  # type: ignore[no-untyped-def]
    from kaname.scenario import engine_for, load_scenario

    scenario = load_scenario(EXAMPLE)
    return scenario, engine_for(scenario.settings, scenario.models, scenario)


def _scalar_outputs(engine) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p, s in engine.outputs.items() if not s.series and not s.dims]


def _versions() -> dict[str, str]:
    import numpy
    import scipy

    from kaname import kernels

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "kernel": kernels.describe()}


# --------------------------------------------------------------------------- the design

def draw_design(work: Path, futures: int, shared: int) -> dict[str, object]:
    """The first `shared` futures of the scenario's `futures`-future design (what
    ``kaname.run(futures=futures)`` evaluates first), with the policies' lever values."""
    import numpy as np

    from kaname.ensemble import policy_columns
    from kaname.sampling import Futures

    scenario, engine = _load()
    s = scenario.settings
    with Futures(scenario.uncertainties, futures, s.seed, s.design,
                 scenario.dependence) as table:
        rows = table.rows(0, shared)
    levers = policy_columns(scenario, engine, list(POLICIES))
    np.savez(work / "design.npz", **{f"u:{p}": v for p, v in rows.items()},
             **{f"l:{p}": v for p, v in levers.items()})
    meta = {"futures": futures, "shared": shared, "policies": list(POLICIES),
            "uncertainties": list(rows), "levers": list(levers),
            "outputs": _scalar_outputs(engine), "seed": s.seed, "design": s.design}
    (work / "design.json").write_text(json.dumps(meta))
    return meta


def _read_design(work: Path):  # type: ignore[no-untyped-def]
    import numpy as np

    meta = json.loads((work / "design.json").read_text())
    with np.load(work / "design.npz") as z:
        futures = {p: z[f"u:{p}"] for p in meta["uncertainties"]}
        levers = {p: z[f"l:{p}"] for p in meta["levers"]}
    return meta, futures, levers


# --------------------------------------------------------------------------- EMA Workbench

def _ema_model(ema, engine, meta, futures, levers):  # type: ignore[no-untyped-def]
    """The integrated model as an EMA user wraps a Python function, with the design's
    futures as EMA scenarios and the policies as EMA policies (EMA 3: ``Sample`` for
    both; 2.x: ``Scenario`` / ``Policy``)."""
    import numpy as np

    scenario_cls = getattr(ema, "Sample", None) or ema.Scenario
    policy_cls = getattr(ema, "Sample", None) or ema.Policy
    inputs: dict[str, str] = {}                  # EMA name -> kaname path
    labels: dict[str, tuple[str, ...]] = {}      # category inputs: EMA label -> code
    parameters, values = [], {}
    for i, path in enumerate(meta["uncertainties"]):
        name, col, spec = f"u{i}", futures[path], engine.inputs[path]
        inputs[name] = path
        if spec.kind == "category":
            labels[name] = tuple(spec.categories)
            parameters.append(ema.CategoricalParameter(name, list(spec.categories)))
            values[name] = [spec.categories[int(v)] for v in col]
        elif spec.kind == "integer" and np.all(col == np.round(col)):
            low, high = int(col.min()), int(col.max())
            parameters.append(ema.IntegerParameter(name, low, max(high, low + 1)))
            values[name] = [int(v) for v in col]
        else:
            low, high = float(col.min()), float(col.max())
            parameters.append(ema.RealParameter(name, low, max(high, low + 1e-9)))
            values[name] = [float(v) for v in col]
    lever_params, lever_names = [], {}
    for j, path in enumerate(meta["levers"]):
        name = f"l{j}"
        inputs[name] = lever_names[name] = path
        lo, hi = float(levers[path].min()), float(levers[path].max())
        lever_params.append(ema.RealParameter(name, lo, max(hi, lo + 1e-9)))
    outcome_names = {f"o{k}": p for k, p in enumerate(meta["outputs"])}
    in_function = [0.0]

    def kaname_model(**experiment):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        columns = {}
        for name, path in inputs.items():
            value = experiment[name]
            if name in labels:
                value = labels[name].index(value)
            columns[path] = np.array([float(value)])
        out = engine.evaluate(columns, 1)
        result = {name: float(out[path][0]) for name, path in outcome_names.items()}
        in_function[0] += time.perf_counter() - began
        return result

    model = ema.Model("kaname", function=kaname_model)
    model.uncertainties = parameters
    model.levers = lever_params
    model.outcomes = [ema.ScalarOutcome(name) for name in outcome_names]
    scenarios = [scenario_cls(f"f{k}", **{name: v[k] for name, v in values.items()})
                 for k in range(meta["shared"])]
    policies = [policy_cls(p, **{name: float(levers[path][i])
                                 for name, path in lever_names.items()})
                for i, p in enumerate(meta["policies"])]
    return model, scenarios, policies, outcome_names, kaname_model, in_function


def one_ema(work: Path) -> dict[str, object]:
    """EMA Workbench (whichever this Python has) on the saved design; outcomes saved."""
    import logging

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import ema_workbench as ema
    import numpy as np

    _, engine = _load()
    meta, futures, levers = _read_design(work)
    model, scenarios, policies, outcome_names, function, in_function = \
        _ema_model(ema, engine, meta, futures, levers)
    # warm-up outside the clock: the first call compiles/loads numba's kernel
    function(**{**dict(scenarios[0]), **dict(policies[0])})
    in_function[0] = 0.0
    with ema.SequentialEvaluator(model) as evaluator:
        t = time.perf_counter()
        experiments, outcomes = ema.perform_experiments(
            model, scenarios=scenarios, policies=policies, evaluator=evaluator)
        elapsed = time.perf_counter() - t
    samples = len(experiments)
    P, n = len(meta["policies"]), meta["shared"]
    row = {p: i for i, p in enumerate(meta["policies"])}
    pi = np.array([row[str(p)] for p in experiments["policy"]])
    fi = np.array([int(str(s)[1:]) for s in experiments["scenario"]])
    saved = {}
    for name, path in outcome_names.items():
        arr = np.full((P, n), np.nan)
        arr[pi, fi] = np.asarray(outcomes[name], dtype=float)
        saved[path] = arr
    tag = f"ema-{ema.__version__}"
    np.savez(work / f"{tag}.npz", **saved)
    return {"tool": f"ema_workbench {ema.__version__}", "outputs_file": f"{tag}.npz",
            "experiments": samples, "execute_s": round(elapsed, 3),
            "samples_per_s": round(samples / elapsed, 2),
            "us_per_experiment": round(1e6 * elapsed / samples, 1),
            "function_share": round(in_function[0] / elapsed, 3),
            "peak_rss_mib": _peak_mib(), **_versions()}


# --------------------------------------------------------------------------- kaname

def one_kaname(work: Path) -> dict[str, object]:
    """``kaname.run`` over the whole design × the policies (default outputs, chunks of
    50,000 samples); the first chunk's outputs for the shared futures saved."""
    import numpy as np

    from kaname.ensemble import run

    scenario, engine = _load()
    meta, futures, _ = _read_design(work)
    shared = meta["shared"]
    run(scenario, engine, futures=20, policies=list(POLICIES))  # warm-up, outside the clock
    captured: dict[str, np.ndarray] = {}
    inputs_match = [True]

    def on_chunk(chunk) -> None:  # type: ignore[no-untyped-def]
        if chunk.start == 0:
            captured.update({p: np.array(chunk.outputs[p][:, :shared], dtype=float)
                             for p in meta["outputs"]})
            inputs_match[0] = all(np.array_equal(chunk.futures[p][:shared], futures[p])
                                  for p in futures)

    t = time.perf_counter()
    results = run(scenario, engine, futures=meta["futures"], policies=list(POLICIES),
                  on_chunk=on_chunk)
    elapsed = time.perf_counter() - t
    samples = meta["futures"] * len(results.policies)
    np.savez(work / "kaname.npz", **captured)
    return {"tool": "kaname.run", "outputs_file": "kaname.npz", "futures": meta["futures"],
            "policies": len(results.policies), "experiments": samples,
            "execute_s": round(elapsed, 3), "samples_per_s": round(samples / elapsed, 1),
            "us_per_experiment": round(1e6 * elapsed / samples, 2),
            "design_rows_match": inputs_match[0], "peak_rss_mib": _peak_mib(), **_versions()}


def one_kaname_loop(work: Path) -> dict[str, object]:
    """The same experiments as EMA runs, one ``engine.evaluate(n=1)`` call each, without
    EMA: the cost of the wrapped function alone, and its outputs (a batch of one)."""
    import numpy as np

    _, engine = _load()
    meta, futures, levers = _read_design(work)
    P, n = len(meta["policies"]), meta["shared"]

    def columns(i: int, k: int) -> dict[str, np.ndarray]:
        c = {p: v[k:k + 1] for p, v in futures.items()}
        c.update({p: np.array([float(v[i])]) for p, v in levers.items()})
        return c

    engine.evaluate(columns(0, 0), 1)  # warm-up, outside the clock
    saved = {p: np.empty((P, n)) for p in meta["outputs"]}
    t = time.perf_counter()
    for i in range(P):
        for k in range(n):
            out = engine.evaluate(columns(i, k), 1)
            for p in meta["outputs"]:
                saved[p][i, k] = float(out[p][0])
    elapsed = time.perf_counter() - t
    np.savez(work / "kaname-n1.npz", **saved)
    return {"tool": "kaname engine, n=1 loop", "outputs_file": "kaname-n1.npz",
            "experiments": P * n, "execute_s": round(elapsed, 3),
            "samples_per_s": round(P * n / elapsed, 2),
            "us_per_experiment": round(1e6 * elapsed / (P * n), 1),
            "peak_rss_mib": _peak_mib(), **_versions()}


# --------------------------------------------------------------------------- comparison

def compare(work: Path, files: dict[str, str], outputs: list[str]) -> dict[str, object]:
    """Bitwise comparison of every shared outcome of each tool against kaname's."""
    import numpy as np

    arrays = {}
    for tool, name in files.items():
        with np.load(work / name) as z:
            arrays[tool] = {p: z[p] for p in outputs}
    ref = arrays.get("kaname")
    verdict: dict[str, object] = {}
    if ref is None:
        return verdict
    for tool, arrs in arrays.items():
        if tool == "kaname":
            continue
        differing = [p for p in outputs
                     if not np.array_equal(arrs[p].view(np.uint64), ref[p].view(np.uint64))]
        cells, worst, ulps = 0, 0.0, 0
        for p in differing:
            a, b = arrs[p], ref[p]
            bad = a.view(np.uint64) != b.view(np.uint64)
            cells += int(bad.sum())
            a, b = a[bad], b[bad]
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(b == 0, np.abs(a), np.abs(a - b) / np.abs(b))
            worst = max(worst, float(np.nanmax(rel)))
            same_sign = np.signbit(a) == np.signbit(b)
            if same_sign.any():
                ulps = max(ulps, int(np.max(np.abs(a[same_sign].view(np.int64)
                                                   - b[same_sign].view(np.int64)))))
        verdict[tool] = {"bit_identical": not differing, "outputs_differing": len(differing),
                         "values_differing": cells,
                         "values": sum(int(ref[p].size) for p in outputs),
                         "first_differing": differing[:3], "max_rel_diff": worst,
                         "max_ulps": ulps}
    return verdict


# --------------------------------------------------------------------------- orchestration

def _child(python: Path | str, args: list[str], env: dict[str, str]
           ) -> tuple[dict[str, object] | None, str]:
    proc = subprocess.run([str(python), __file__, *args], capture_output=True, text=True,
                          env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line), ""
    return None, (proc.stderr or proc.stdout)[-2000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, default=None,
                        help="futures of kaname's run (default 50,000; --quick 10,000)")
    parser.add_argument("--experiments-futures", type=int, default=None,
                        help="futures run through EMA, × 5 policies (default 100; --quick 40)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--ema3-python", type=Path, default=EMA3_PYTHON,
                        help=f"Python of the EMA Workbench 3 environment ({EMA3_PYTHON})")
    parser.add_argument("--kernel", default=os.environ.get("KANAME_KERNEL", "auto"),
                        choices=["auto", "numpy", "numba"],
                        help="KANAME_KERNEL for every process (default: $KANAME_KERNEL or auto)")
    parser.add_argument("--work", type=Path, help="keep the design and outputs here")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="write the headline numbers as JSON to FILE (- or no FILE: "
                             "print one JSON line)")
    parser.add_argument("--one", choices=["ema", "kaname", "loop"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        work = args.work
        assert work is not None
        one = {"ema": one_ema, "kaname": one_kaname, "loop": one_kaname_loop}[args.one]
        print(json.dumps(one(work)))
        return

    futures = args.futures or (10_000 if args.quick else 50_000)
    shared = min(args.experiments_futures or (40 if args.quick else 100), futures)
    work = args.work or Path(tempfile.mkdtemp(prefix="kaname-bench-ema-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "KANAME_KERNEL": args.kernel}
    quiet = args.json == "-"

    def say(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
        f"KANAME_KERNEL={args.kernel}; work directory {work}")
    meta = draw_design(work, futures, shared)
    say(f"design: {shared} futures × {len(POLICIES)} policies = {shared * len(POLICIES)} "
        f"experiments for EMA ({len(meta['uncertainties'])} uncertainties, "
        f"{len(meta['levers'])} levers, {len(meta['outputs'])} scalar outcomes); "
        f"kaname: {futures:,} futures × {len(POLICIES)} policies")

    report: dict[str, object] = {"benchmark": "ema", "kernel": args.kernel,
                                 "ema_experiments": shared * len(POLICIES),
                                 "kaname_futures": futures, "policies": len(POLICIES)}
    rows: dict[str, dict[str, object]] = {}
    problems: dict[str, str] = {}
    ema3 = args.ema3_python
    if ema3.exists():
        r, err = _child(ema3, ["--one", "ema", "--work", str(work)], env)
        if r:
            rows["ema3"] = r
        else:
            problems["ema3"] = f"EMA Workbench 3 run failed: {err.strip().splitlines()[-1:]}"
    else:
        problems["ema3"] = (f"EMA Workbench 3 environment missing ({ema3}); see this "
                            f"script's docstring to create it")
    try:
        with warnings.catch_warnings():  # "ipyparallel not installed"
            warnings.simplefilter("ignore")
            import ema_workbench  # noqa: F401
    except ImportError:
        problems["ema2"] = "ema_workbench is not installed on this Python (pip install -e .[test])"
    else:
        r, err = _child(sys.executable, ["--one", "ema", "--work", str(work)], env)
        if r:
            rows["ema2"] = r
        else:
            problems["ema2"] = f"EMA Workbench run failed: {err.strip().splitlines()[-1:]}"
    for key, one in (("loop", "loop"), ("kaname", "kaname")):
        r, err = _child(sys.executable, ["--one", one, "--work", str(work)], env)
        if r:
            rows[key] = r
        else:
            problems[key] = f"kaname ({one}) failed: {err.strip().splitlines()[-1:]}"

    for key, r in rows.items():
        tool = str(r["tool"])
        say(f"  {tool:<22} {r['experiments']:>9,} samples in {r['execute_s']:>8.2f} s = "
            f"{r['samples_per_s']:>11,.1f} samples/s ({r['us_per_experiment']:,} µs each)  "
            f"peak RSS {r['peak_rss_mib']:,.0f} MiB  [Python {r['python']}, numpy "
            f"{r['numpy']}, scipy {r['scipy']}, kernel {r['kernel']}]"
            + (f"  model function {100 * float(r['function_share']):.0f} % of the time"
               if "function_share" in r else ""))
        report[key] = r
    for key, text in problems.items():
        say(f"  {key}: {text}")
    report["problems"] = problems

    files = {k: str(r["outputs_file"]) for k, r in rows.items()}
    outputs = list(meta["outputs"])
    identical = compare(work, files, outputs)          # each against kaname.run's chunks
    report["identity"] = identical
    by_loop = compare(work, {"kaname": files["loop"], **{k: files[k] for k in ("ema3", "ema2")
                                                         if k in files}}, outputs) \
        if "loop" in files else {}
    report["identity_vs_n1_loop"] = by_loop

    def verdict(v: dict[str, object]) -> str:
        if v.get("bit_identical"):
            return "bit-identical"
        return (f"NOT bit-identical: {v.get('values_differing')} of {v.get('values'):,} values "
                f"in {v.get('outputs_differing')} outcome(s) differ, e.g. "
                f"{', '.join(map(str, v.get('first_differing') or []))}; at most "
                f"{v.get('max_ulps')} ulp, relative {float(v.get('max_rel_diff') or 0):.2g}")

    n_exp = shared * len(POLICIES)
    if "kaname" in rows:
        k = float(rows["kaname"]["samples_per_s"])
        for key in ("ema3", "ema2", "loop"):
            if key in rows:
                ratio = k / float(rows[key]["samples_per_s"])
                report[f"ratio_{key}"] = round(ratio, 1)
                say(f"  kaname.run / {rows[key]['tool']}: {ratio:,.0f}×")
        for key in ("ema3", "ema2", "loop"):
            if key in identical:
                say(f"  {n_exp} shared experiments, {rows[key]['tool']} against kaname.run: "
                    f"{verdict(identical[key])}")
        if not rows["kaname"].get("design_rows_match"):
            say("  WARNING: kaname's run drew other futures than the saved design")
    for key in ("ema3", "ema2"):
        if key in by_loop:
            own = ""
            if "loop" in rows:
                us = float(rows[key]["us_per_experiment"]) - float(rows["loop"]["us_per_experiment"])
                report[f"{key}_own_us_per_experiment"] = round(us, 1)
                own = f"; EMA − bare loop: {us:,.0f} µs per experiment"
            say(f"  {rows[key]['tool']} against the bare n=1 loop: {verdict(by_loop[key])}{own}")
    if "ema3" in rows and "ema2" in rows:
        same = compare(work, {"kaname": files["ema2"], "ema3": files["ema3"]}, outputs)
        report["ema3_vs_ema2_bit_identical"] = same["ema3"]["bit_identical"]
        say(f"  EMA 3.0 against EMA 2.5.2: {verdict(same['ema3'])}")
    report["bit_identical"] = bool(identical) and all(
        bool(v["bit_identical"]) for v in identical.values())
    report["load_average"] = round(os.getloadavg()[0], 2)
    if "ema3" in rows:
        report["target"] = "kaname ≥ 1,000× EMA Workbench 3.0"
        report["target_met"] = report.get("ratio_ema3", 0) >= 1000  # type: ignore[operator]
        say(f"  target ≥ 1,000× EMA Workbench 3.0: "
            f"{'met' if report['target_met'] else 'NOT met'} "
            f"({report.get('ratio_ema3', 0):,.0f}×)")
    if args.json == "-":
        print(json.dumps(report))
    elif args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
