"""Every measurement issue 19 names, in one run, each against its reference and target.

Runs, one after another on the same machine (each in its own fresh processes, so every
peak RSS is its own):

1. ``bench_ema.py`` — kaname's vectorised ensemble against EMA Workbench 3.0 (Python 3.12
   venv) and 2.5.2 on the same model and futures, outputs compared bit for bit;
2. ``bench_sustainment.py`` — the sustainment model with its compiled (numba) recursion
   against the pure-numpy reference;
3. ``bench_explore.py`` — ``kaname explore`` serial, process pool and Dask LocalCluster on 2
   workers, chunk files compared by SHA-256 against serial's;
4. ``kaname run`` at 10⁶ futures × 5 policies — peak RSS of the whole command;
5. ``kaname explore`` at two sizes — the driver's peak RSS (flat in the run's size?);
6. ``bench_report.py`` — ``kaname report DIR`` against the in-memory report.

It prints one table (measured, reference, ratio, target, met) and, with ``--readme``,
rewrites README's performance table between ``<!-- perf-table:start -->`` and
``<!-- perf-table:end -->`` from these numbers (nothing else in the README changes).

    python benchmarks/run_all.py                 # the sizes the issue names (~25 min, 2 cores)
    python benchmarks/run_all.py --quick         # smaller sizes (~8 min): a smoke run
    python benchmarks/run_all.py --readme --json perf.json
    python benchmarks/run_all.py --from-json perf.json --readme   # the table again, no runs

Not a timed test: the numbers depend on the machine and its load (printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
EXAMPLE = ROOT / "examples" / "taiwan-2028.yaml"
FIVE_POLICIES = ("status-quo", "pac3-coproduction", "sm6-coproduction", "jfhq-in-japan",
                 "alliance-package")
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"
GIB = 2**30
KANAME = shutil.which("kaname") or str(Path(sys.executable).with_name("kaname"))


def _bench(script: str, args: list[str], out: Path) -> dict | None:
    """Run one benchmark script (its own output streams through), read its --json file."""
    print(f"\n$ python benchmarks/{script} {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / script), *args, "--json", str(out)],
                          check=False)
    if done.returncode or not out.is_file():
        print(f"{script} failed (exit {done.returncode})")
        return None
    return json.loads(out.read_text())


def _peak_of(argv: list[str]) -> dict:
    """Wall time and peak RSS (the process and its children) of one command."""
    print(f"\n$ {' '.join(argv)}", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status:
        print(f"failed: {err[-400:]}")
    peak = usage.ru_maxrss * 1024
    print(f"  {wall:,.1f} s, peak RSS {peak / GIB:.2f} GiB")
    return {"ok": status == 0, "seconds": round(wall, 1), "peak_rss_gib": round(peak / GIB, 3)}


def run_memory(futures: int) -> dict:
    argv = [KANAME, "run", str(EXAMPLE), "--futures", str(futures),
            "--format", "json"]
    for p in FIVE_POLICIES:
        argv += ["--policy", p]
    return {"futures": futures, "policies": len(FIVE_POLICIES), **_peak_of(argv)}


def explore_memory(sizes: list[int]) -> dict:
    """The driver's peak RSS of ``kaname explore`` (serial) at each size: flat means the
    driver holds a chunk, never the run."""
    out = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out[str(n)] = _peak_of([KANAME, "explore", str(EXAMPLE),
                                    "--run-dir", f"{tmp}/run", "--futures", str(n),
                                    "--no-progress"])
    return out


def _fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def rows(r: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(what, measured, reference, ratio, target, met) for each target of issue 19."""
    out = []
    ema = r.get("ema") or {}
    k, e3, e2 = ema.get("kaname") or {}, ema.get("ema3") or {}, ema.get("ema2") or {}
    if k:
        ratio = ema.get("ratio_ema3")
        out.append((f"integrated ensemble, `kaname.run`, {k.get('futures', 0):,} futures × "
                    f"{k.get('policies', 0)} policies (`bench_ema.py`)",
                    f"{k.get('samples_per_s', 0):,.0f} samples/s",
                    f"EMA Workbench 3.0: {e3.get('us_per_experiment', 0):,.0f} µs/experiment"
                    f"; 2.5.2: {e2.get('us_per_experiment', 0):,.0f}" if e3 else "EMA 3.0 missing",
                    f"{_fmt(ratio, 0)}× EMA 3.0, {_fmt(ema.get('ratio_ema2'), 0)}× 2.5.2; "
                    f"{'bit-identical' if ema.get('bit_identical') else 'NOT bit-identical'}",
                    "≥ 1,000× EMA 3.0", _met(ratio is not None and ratio >= 1000)))
    sus = (r.get("sustainment") or {}).get("sizes") or {}
    for n, s in sus.items():
        a, b = s["numpy"], s["numba"]
        out.append((f"sustainment, {int(n):,} futures × 3 policies, one core "
                    f"(`bench_sustainment.py`)",
                    f"default kernel ({b['kernel']}): {b['samples_per_s']:,.0f} samples/s, "
                    f"recursion {b['recursion_s']:.2f} s",
                    f"numpy reference: {a['samples_per_s']:,.0f} samples/s, recursion "
                    f"{a['recursion_s']:.2f} s",
                    f"the default is the compiled kernel (1.0×); numpy {s['ratio_recursion']}× "
                    f"slower in the recursion, {s['ratio_model']}× in the model",
                    "within 1.5× of the compiled kernel", _met(b["kernel"] == "numba")))
    ex = r.get("explore") or []
    for x in ex:
        if x.get("executor") == "serial":
            out.append((f"`kaname explore`, {x['futures']:,} futures × {x['policies']} "
                        f"policies, serial (`bench_explore.py`)",
                        f"{x['samples_per_s']:,.0f} samples/s; whole command {x['wall_s']} s; "
                        f"driver peak {x['driver_peak_mib']:,.0f} MiB", "—", "—", "—", "—"))
    for x in ex:
        if x.get("executor") in ("process", "dask"):
            need = 1.6 if x["executor"] == "process" else 1.5
            got = x.get("vs_serial_execute")
            out.append((f"… {x['executor']}, {x['workers']} workers",
                        f"{x['samples_per_s']:,.0f} samples/s; whole command {x['wall_s']} s",
                        "serial, same run",
                        f"{_fmt(got)}× serial executing, {_fmt(x.get('vs_serial_wall'))}× "
                        f"whole command; {'bit-identical' if x.get('bit_identical_to_serial') else 'NOT bit-identical'}",
                        f"≥ {need}× serial, bit-identical",
                        _met(got is not None and got >= need
                             and bool(x.get("bit_identical_to_serial")))))
    mem = r.get("run_memory")
    if mem:
        out.append((f"`kaname run`, {mem['futures']:,} futures × {mem['policies']} policies",
                    f"peak RSS {mem['peak_rss_gib']:.2f} GiB, {mem['seconds']:,.0f} s", "—",
                    "—", "≤ 1.5 GiB", _met(mem["ok"] and mem["peak_rss_gib"] <= 1.5)))
    em = r.get("explore_memory") or {}
    if len(em) >= 2:
        sizes = sorted(em, key=int)
        lo, hi = em[sizes[0]], em[sizes[-1]]
        grow = hi["peak_rss_gib"] / lo["peak_rss_gib"]
        out.append((f"`kaname explore` driver, {int(sizes[0]):,} and {int(sizes[-1]):,} "
                    f"futures × 10 policies",
                    f"peak RSS {lo['peak_rss_gib']:.2f} and {hi['peak_rss_gib']:.2f} GiB",
                    f"{int(sizes[-1]) // int(sizes[0])}× the futures", f"{grow:.2f}× the memory",
                    "flat in memory", _met(grow < 1.25)))
    rep = r.get("report") or {}
    d, m = rep.get("report_dir") or {}, rep.get("report") or {}
    if d:
        out.append((f"`kaname report DIR`, {d['futures']:,} futures × 10 policies "
                    f"(`bench_report.py`)", f"{d['seconds']} s, peak RSS "
                    f"{d['peak_rss_mib']:,.0f} MiB, {d['mb']} MB",
                    f"in-memory report: {m.get('en_s')} s",
                    f"{_fmt(d.get('ratio_to_in_memory'))}×", "≤ 2× the in-memory report",
                    _met((d.get("ratio_to_in_memory") or 99) <= 2)))
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(r: dict) -> str:
    head = ["| what | measured | reference | ratio | target | |", "|---|---|---|---|---|---|"]
    body = ["| " + " | ".join(row) + " |" for row in rows(r)]
    m = r["machine"]
    return "\n".join([
        f"Measured by `python benchmarks/run_all.py{' --quick' if r.get('quick') else ''}` "
        f"on {m['date']} ({m['cpus']} CPUs, load average {m['load_before']} before and "
        f"{m['load_after']} after; Python {m['python']}). Samples are future × policy "
        f"evaluations; every ratio is of two arms measured in the same run."
        + (f" {m['note']}" if m.get("note") else ""), "",
        *head, *body])


def write_readme(text: str) -> None:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    if START not in old or END not in old:
        raise SystemExit(f"README.md has no {START} … {END} markers")
    new = re.sub(re.escape(START) + ".*?" + re.escape(END),
                 lambda _: f"{START}\n{text}\n{END}", old, flags=re.S)
    tmp = path.with_suffix(".md.part")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
    print(f"\nwrote the performance table into {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--readme", action="store_true", help="rewrite README's table")
    parser.add_argument("--json", type=Path, help="also write every number here")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["ema", "sustainment", "explore", "run_memory",
                                 "explore_memory", "report"])
    parser.add_argument("--from-json", type=Path, metavar="FILE",
                        help="print (and with --readme write) the table of an earlier --json")
    args = parser.parse_args()
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        text = table(results)
        print(text)
        if args.readme:
            write_readme(text)
        return
    q = args.quick
    results: dict = {"quick": q, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"), "load_before": round(os.getloadavg()[0], 2)}}
    work = Path(tempfile.mkdtemp(prefix="kaname-run-all-"))
    try:
        if "ema" not in args.skip:
            results["ema"] = _bench("bench_ema.py", ["--quick"] if q else [], work / "ema.json")
        if "sustainment" not in args.skip:
            results["sustainment"] = _bench("bench_sustainment.py",
                                            ["--sizes", "20000" if q else "100000"],
                                            work / "sustainment.json")
        if "explore" not in args.skip:
            results["explore"] = _bench("bench_explore.py", [
                "--futures", "20000" if q else "100000", "--executors", "serial", "process",
                "dask", "--no-ema"], work / "explore.json")
        if "run_memory" not in args.skip:
            results["run_memory"] = run_memory(100_000 if q else 1_000_000)
        if "explore_memory" not in args.skip:
            results["explore_memory"] = explore_memory([5_000, 50_000] if q
                                                       else [20_000, 200_000])
        if "report" not in args.skip:
            results["report"] = _bench("bench_report.py",
                                       ["--futures", "10000" if q else "100000"],
                                       work / "report.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    if args.json:  # before the table: a formatting slip must not lose the measurements
        args.json.write_text(json.dumps(results, indent=1))
    text = table(results)
    print("\n" + text)
    if args.readme:
        write_readme(text)


if __name__ == "__main__":
    main()
