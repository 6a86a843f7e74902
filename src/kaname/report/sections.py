"""The report's sections, computed from a run into small, renderable blocks.

A section is ``{"id", "title", "blocks"}``; a block is one of ``p`` (paragraph), ``note``
(a highlighted remark, e.g. "this run has no sensitivity results"), ``figure`` (a plotly
spec), ``table`` (header + rows of strings) or ``pre`` (verbatim text). The template knows
nothing of models; everything a reader sees is decided here, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from kaname.report import figures as fg
from kaname.report.load import ReportInput
from kaname.text import fmt_number, t, unit_label
from kaname.text import has as has_text

FAN_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
PRIM_ROWS = 20_000   # rows (policy × future) PRIM sees when the report computes it
PRIM_INPUTS = 20     # uncertainties it searches: those most rank-correlated with the outcome
Block = dict[str, Any]

# The outputs besides the headline ones that the sections below read. A report of a run
# directory reads these and the headline outputs into memory in one pass over its chunk
# files (:func:`kaname.report.load.load_input`); any other output stays on disk and is
# read only if a section uses it (correct, but a second pass over the chunk files: keep
# this list in step with the sections; tests/test_report_speed.py checks it).
READS = (
    "c2.latency_mean_h", "c2.latency_p90_h", "c2.max_utilisation", "c2.latency_transit_h",
    "c2.latency_work_h", "c2.latency_queue_h", "c2.latency_principal_h", "c2.latency_clock_h",
    "autonomy.harm_share_gdp", "autonomy.harm_by_mode_jpy_per_year",
    "autonomy.tail_harm_jpy_per_year", "autonomy.china_risk", "autonomy.us_risk",
    "autonomy.share_after", "posture.availability_factor", "sustainment.p_deny_race",
    "sustainment.launcher_survival", "budget.ledger_jpy", "budget.policy_cost_jpy",
    "budget.gap_to_us_ask",
)


class Context:
    """The run plus lookups every section needs (labels, engine defaults, library)."""

    def __init__(self, inp: ReportInput, lang: str, engine: Any = None, library: Any = None):
        self.inp = inp
        self.ds: xr.Dataset = inp.results.dataset
        self.lang = lang
        self.engine = engine
        self.library = library
        self.policies = [str(p) for p in self.ds["policy"].values]
        self._cache: dict[str, np.ndarray] = {}
        self.cite: Callable[[Any], int] = lambda source: 0  # the report's bibliography

    def has(self, name: str) -> bool:
        return name in self.ds.data_vars

    def values(self, name: str) -> np.ndarray:
        """The variable as a numpy array (computed once; runs may be lazily loaded)."""
        if name not in self._cache:
            self._cache[name] = np.asarray(self.ds[name].values)
        return self._cache[name]

    def label(self, name: str) -> str:
        attrs = self.ds[name].attrs
        return str(attrs.get(f"label_{self.lang}") or attrs.get("label_en") or name)

    def input_label(self, path: str) -> str:
        """The input's label with its group's where that tells it apart ("PAC-3 MSE:
        Sustained demand"), as every front end shows it."""
        from kaname.presentation import input_label

        if self.engine is not None and path in self.engine.inputs:
            return input_label(self.engine, path, self.lang)
        if self.library is not None and path in self.library:
            label = self.library.get(path).label
            if label:
                return label.get(self.lang) or label.get("en") or path
        return path

    def coord_labels(self, dim: str) -> list[str]:
        key = f"{dim}_label_{self.lang}"
        source = self.ds[key] if key in self.ds.coords else self.ds[dim]
        return [str(v) for v in source.values]

    def t(self, key: str, **kw: Any) -> str:
        """The catalogue's text for `key` (see :mod:`kaname.text`) in the reader's language."""
        return t(key, self.lang, **kw)

    def fmt(self, x: float, unit: str = "") -> str:
        return fmt_number(x, unit, self.lang)


def section(ctx: Context, sid: str, blocks: list[Block]) -> dict[str, Any]:
    return {"id": sid, "title": ctx.t(f"report.sec_{sid}"), "blocks": blocks}


def p(text: str) -> Block:
    return {"kind": "p", "text": text}


def note(text: str) -> Block:
    return {"kind": "note", "text": text}


def figure(spec: dict[str, Any]) -> Block:
    return {"kind": "figure", "spec": spec}


def table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> Block:
    return {"kind": "table", "header": list(header), "rows": [list(r) for r in rows],
            "cls": cls}


def missing(ctx: Context, sid: str, what: str) -> dict[str, Any]:
    return section(ctx, sid, [note(ctx.t("report.not_in_run", what=what))])


def band_text(ctx: Context, v: np.ndarray, unit: str, kind: str = "real") -> str:
    """"median (p10 – p90)" across futures; for a yes/no outcome (`kind` "bool") the share
    of futures in which it holds, as in the headline table."""
    v = np.asarray(v, dtype=float).ravel()
    if kind == "bool":
        return ctx.fmt(float(np.mean(v)), "share")
    med, lo, hi = np.quantile(v, (0.5, 0.1, 0.9))
    return f"{ctx.fmt(med, unit)} ({ctx.fmt(lo, unit)} – {ctx.fmt(hi, unit)})"


# --------------------------------------------------------------------------- scenario

def scenario_section(ctx: Context) -> dict[str, Any]:
    ds, a = ctx.ds, ctx.ds.attrs
    blocks: list[Block] = [p(f"{ctx.t('common.scenario')}: {a.get('scenario', '')}")]
    desc = ctx.inp.description
    if isinstance(desc, dict):
        desc = desc.get(ctx.lang) or desc.get("en") or ""
    if desc:
        blocks.append(p(str(desc)))
    blocks.append(p(ctx.t("report.run_line", futures=int(ds.sizes["future"]),
                          policies=len(ctx.policies), design=a.get("design", "?"),
                          seed=a.get("seed", "?"), base_year=a.get("base_year", "?"),
                          horizon=a.get("horizon_days", "?"))))
    levers = [str(c) for c, v in ds.coords.items() if v.dims == ("policy",) and c != "policy"]
    blocks.append({"kind": "h3", "text": ctx.t("report.policies")})
    if levers:
        rows = []
        for path in levers:
            vals = ds[path].values
            unit = ctx.engine.inputs[path].unit if ctx.engine is not None and \
                path in ctx.engine.inputs else ""
            shown = [str(v) if isinstance(v, str) else ctx.fmt(float(v), unit) for v in vals]
            rows.append([f"{ctx.input_label(path)}\n{path}", *shown])
        blocks.append(table([ctx.t("report.lever"), *ctx.policies], rows, "levers"))
    else:
        blocks.append(p(ctx.t("report.no_levers")))
    blocks.append({"kind": "h3", "text": ctx.t("report.uncertainties")})
    unc = [str(c) for c, v in ds.coords.items() if v.dims == ("future",) and c != "future"]
    if unc:
        rows = []
        for path in unc:
            vals = np.asarray(ds[path].values)
            if vals.dtype.kind in "OUS":
                sampled = ", ".join(sorted({str(v) for v in vals}))
            else:
                unit = ctx.engine.inputs[path].unit if ctx.engine is not None and \
                    path in ctx.engine.inputs else ""
                sampled = (f"{ctx.fmt(float(np.min(vals)), unit)} – "
                           f"{ctx.fmt(float(np.max(vals)), unit)}")
            rows.append([f"{ctx.input_label(path)}\n{path}",
                         ctx.inp.uncertainty_specs.get(path, ""), sampled])
        blocks.append(table([ctx.t("common.parameter"), ctx.t("report.distribution"),
                             ctx.t("report.sampled_range")], rows))
    else:
        blocks.append(p(ctx.t("report.no_uncertainties")))
    if ctx.inp.scenario_text:
        blocks.append({"kind": "details", "summary": ctx.t("report.scenario_file"),
                       "text": ctx.inp.scenario_text})
    return section(ctx, "scenario", blocks)


# --------------------------------------------------------------------------- headline

FINDINGS_PER_POLICY = 6  # sentences the report shows per policy (all: `kaname findings`)


def findings_section(ctx: Context) -> dict[str, Any]:
    """Key findings first (issue #17): per policy against the baseline, one sentence per
    headline outcome it moves beyond the noise (:mod:`kaname.analysis.findings`)."""
    from kaname.analysis.findings import (
        key_findings,
        noise_by_policy,
        order,
        sampled_inputs,
        sentence,
    )

    baseline = ctx.policies[0]
    if len(ctx.policies) < 2:
        return section(ctx, "findings", [note(ctx.t("report.findings_one_policy"))])
    paths = list(sampled_inputs(ctx.ds).columns)
    labels = {path: {ctx.lang: ctx.input_label(path)} for path in paths}
    sourced = ({path: ctx.library.get(path).sourced for path in paths if path in ctx.library}
               if ctx.library is not None else {})
    found, noise = key_findings(ctx.ds, ctx.lang, labels=labels, sourced=sourced)
    blocks: list[Block] = [p(ctx.t("findings.title", baseline=baseline,
                                   n=int(ctx.ds.sizes["future"])))]
    shown: dict[str, int] = {}
    for f in order(found, ctx.policies):
        shown[f.policy] = shown.get(f.policy, 0) + 1
        if shown[f.policy] <= FINDINGS_PER_POLICY:
            blocks.append(p(sentence(f, baseline, ctx.lang)))
    more = sum(max(k - FINDINGS_PER_POLICY, 0) for k in shown.values())
    if more:
        blocks.append(note(ctx.t("report.findings_more", n=more)))
    for policy, outcomes in noise_by_policy(noise).items():
        blocks.append(note(ctx.t("findings.noise", policy=policy, outcomes="; ".join(outcomes))))
    if sourced:
        blocks.append(note(ctx.t("report.findings_assumed", sampled=len(sourced),
                                 assumed=sum(not s for s in sourced.values()))))
    return section(ctx, "findings", blocks)


BY_OUTCOMES = 4   # outcomes the --by section shows: those with findings, in headline order
BY_POLICIES = 3   # policies per outcome in its figure


def by_section(ctx: Context, path: str) -> dict[str, Any]:
    """The headline differences group by group of one uncertainty (``--by``): for each
    outcome some policy moves beyond the noise, a table of the paired difference and its
    interval per group and policy, and a figure of the paired differences' spread."""
    from kaname.analysis.slicing import by, subset
    from kaname.presentation import dataset_columns, headline_rows

    pieces = by(ctx.ds, path)
    light = ctx.ds.drop_vars([c for c in ctx.ds.coords if ctx.ds[c].dims == ("future",)
                              and c not in ("future", path)])
    moved: dict[str, list[str]] = {}
    for r in headline_rows(light, ctx.lang):
        if r.diff_low is not None and r.diff_high is not None and \
                not (r.diff_low <= 0.0 <= r.diff_high):
            moved.setdefault(r.outcome, []).append(r.policy)
    outcomes = list(moved)[:BY_OUTCOMES]
    label = ctx.input_label(path)
    blocks: list[Block] = [p(ctx.t("report.by_intro", input=label, path=path,
                                   groups=len(pieces)))]
    if not outcomes:
        return {"id": "by", "title": ctx.t("report.by_title", input=label),
                "blocks": [*blocks, note(ctx.t("report.by_nothing"))]}
    rows_by_piece = [{(r.outcome, r.policy): r for r in headline_rows(subset(light, piece),
                                                                       ctx.lang)}
                     for piece in pieces]
    columns = {c.outcome: c for c in dataset_columns(light, ctx.lang)}
    panels: dict[str, dict[str, np.ndarray]] = {}
    for outcome in outcomes:
        policies = moved[outcome]
        first = rows_by_piece[0][(outcome, ctx.policies[0])]
        blocks.append({"kind": "h3", "text": first.label_with_unit(ctx.lang)})
        rows = [[f"{piece.label} ({piece.futures:,})",
                 *[rows[(outcome, pol)].diff_text(ctx.lang) for pol in policies]]
                for piece, rows in zip(pieces, rows_by_piece, strict=True)]
        blocks.append(table([label, *policies], rows))
        col = columns[outcome]
        base = np.asarray(col.values[0], dtype=float)
        group: dict[str, np.ndarray] = {}
        for pol in policies[:BY_POLICIES]:
            d = np.asarray(col.values[ctx.policies.index(pol)], dtype=float) - base
            for piece in pieces:
                group[f"{piece.label} · {pol}"] = d[piece.mask]
        panels[first.label] = group
    blocks.append(figure(fg.intervals(panels, ctx.t("report.by_figure", input=label),
                                      ctx.t("report.by_axis"), vlines=[(0.0, "0")],
                                      columns=1)))
    blocks.append(note(ctx.t("report.intervals_note")))
    return {"id": "by", "title": ctx.t("report.by_title", input=label), "blocks": blocks}


def cite_section(ctx: Context) -> dict[str, Any]:
    """What a footnote quoting this report needs: version, data-library and scenario hashes
    (recorded with the results), seed, design and futures."""
    a = ctx.ds.attrs
    short = {k: str(a.get(k) or "?")[:12] for k in ("data_library_sha256", "scenario_sha256")}
    seed = f"{a.get('seed', '?')}, {a.get('design', '?')}, {int(ctx.ds.sizes['future']):,}"
    rows = [[ctx.t("report.cite_version"), str(a.get("kaname_version", "?"))],
            [ctx.t("report.cite_data"), str(a.get("data_library_sha256") or "?")],
            [ctx.t("report.cite_scenario"), str(a.get("scenario_sha256") or "?")],
            [ctx.t("report.cite_seed"), seed]]
    text = ctx.t("report.cite_text", version=a.get("kaname_version", "?"),
                 scenario=a.get("scenario", "?"), scenario_hash=short["scenario_sha256"],
                 data_hash=short["data_library_sha256"], seed=a.get("seed", "?"),
                 design=a.get("design", "?"), futures=int(ctx.ds.sizes["future"]))
    return {"id": "cite", "title": ctx.t("report.cite_heading"),
            "blocks": [p(ctx.t("report.cite_intro")), table(["", ""], rows, "cite"),
                       {"kind": "pre", "text": text}]}


def headline_section(ctx: Context) -> dict[str, Any]:
    """The headline table: the rows of :func:`kaname.presentation.headline_rows`, shown as
    the CLI shows them (yes/no outcomes as a share of futures)."""
    from kaname.presentation import headline_header, headline_rows

    first = ctx.policies[0]
    rows, last = [], None
    for r in headline_rows(ctx.inp.results, ctx.lang):
        label = r.label_with_unit(ctx.lang)
        if r.better:
            label += f"\n({ctx.t(f'headline.better_{r.better}')})"
        rows.append([label if r.label != last else "", r.policy, *r.texts(ctx.lang)])
        last = r.label
    return section(ctx, "headline", [p(ctx.t("headline.intro", first=first)),
                                     table(headline_header(ctx.lang, first), rows, "headline")])


# --------------------------------------------------------------------------- sustainment


def sustainment_section(ctx: Context) -> dict[str, Any]:
    if not ctx.has("sustainment.days_to_depletion"):
        return missing(ctx, "sustainment", ctx.t("report.sec_sustainment"))
    ds = ctx.ds
    names = ctx.coord_labels("munition")
    horizon = float(ds.attrs.get("horizon_days") or ds.sizes.get("day", 120))
    days = ctx.values("sustainment.days_to_depletion")  # (policy, future, munition)
    # the answer first: how long each munition lasts under each policy, every policy visible
    blocks: list[Block] = [p(ctx.t("report.depletion_intro")), figure(fg.intervals(
        {name: {pol: days[i, :, j] for i, pol in enumerate(ctx.policies)}
         for j, name in enumerate(names)},
        ctx.t("report.depletion_all"), ctx.t("report.day"), columns=2))]
    blocks.append({"kind": "h3", "text": ctx.t("report.depletion_by_munition")})
    blocks.append(table(["", *ctx.policies], [
        [name, *[band_text(ctx, days[i, :, j], "day") for i in range(len(ctx.policies))]]
        for j, name in enumerate(names)]))
    blocks.append({"kind": "h3", "text": ctx.t("report.never_depleted")})
    blocks.append(table(["", *ctx.policies], [
        [name, *[ctx.fmt(float(np.mean(days[i, :, j] >= horizon)), "share")
                 for i in range(len(ctx.policies))]] for j, name in enumerate(names)]))
    if ctx.has("sustainment.p_deny_race"):
        blocks.append({"kind": "h3", "text": ctx.t("report.denial_race")})
        blocks.append(p(ctx.t("report.denial_race_note")))
        race_outputs = [k for k in ("sustainment.p_deny_race", "sustainment.lift_sunk_share",
                                    "sustainment.launcher_survival") if ctx.has(k)]
        blocks.append(table(["", *ctx.policies], [
            [ctx.label(k), *[band_text(ctx, ctx.values(k)[i], str(ds[k].attrs.get("unit", "")))
                             for i in range(len(ctx.policies))]]
            for k in race_outputs]))
    blocks.append({"kind": "h3", "text": ctx.t("report.fan_heading")})
    if ctx.has("sustainment.stock"):
        stock = ctx.values("sustainment.stock")  # (policy, series_future, munition, day)
        series_days = ds["day"].values
        blocks.append(p(ctx.t("report.fan_note", n=int(stock.shape[1]))))
        for j, name in enumerate(names):
            bands = {pol: np.quantile(stock[i, :, j, :], FAN_QUANTILES, axis=0)
                     for i, pol in enumerate(ctx.policies)}
            blocks.append(figure(fg.fan(series_days, bands,
                                        ctx.t("report.fan_title", munition=name),
                                        ctx.t("report.day"), ctx.t("report.stock"),
                                        ("10–90 %", "25–75 %", ctx.t("common.median")))))
    else:
        blocks.append(note(ctx.t("report.no_series")))
    return section(ctx, "sustainment", blocks)


# --------------------------------------------------------------------------- c2

C2_SHOWN = ("c2.latency_p90_h", "c2.share_within_6h", "c2.max_utilisation")
C2_FUTURES = 20_000  # futures per structure when the report evaluates the c2 model itself


def c2_section(ctx: Context) -> dict[str, Any]:
    main = "c2.latency_median_h"
    if not ctx.has(main):
        return missing(ctx, "c2", ctx.t("report.sec_c2"))
    ds = ctx.ds
    P, N = ctx.values(main).shape
    path = "c2.structure"
    if path in ds.coords and ds[path].dims == ("policy",):
        structure = np.repeat(np.asarray(ds[path].values, dtype=str)[:, None], N, axis=1)
    elif path in ds.coords and ds[path].dims == ("future",):
        structure = np.tile(np.asarray(ds[path].values, dtype=str), (P, 1))
    else:
        default = "?"
        if ctx.engine is not None and path in ctx.engine.inputs:
            spec = ctx.engine.inputs[path]
            default = spec.categories[int(ctx.engine.default(path))]
        structure = np.full((P, N), default)
    kinds = list(dict.fromkeys(structure.ravel().tolist()))

    def structure_name(code: str) -> str:  # the reader's words for a structure code
        key = f"c2.structure_{code}"
        return ctx.t(key) if has_text(key) else code

    names = [main, *[n for n in C2_SHOWN if ctx.has(n)]]
    blocks: list[Block] = [p(ctx.t("report.c2_intro"))]
    groups: dict[str, dict[str, np.ndarray]] = {
        k: {n: ctx.values(n)[structure == k] for n in names} for k in kinds}
    counter = None
    if len(kinds) == 1:
        # once, with the parts the decomposition table below reads too
        counter = c2_by_structure(ctx, [*names, *(n for n in C2_PARTS if ctx.has(n))])
        if counter is None:
            blocks.append(note(ctx.t("report.c2_one_structure", structure=kinds[0])))
        else:
            groups = counter
            blocks.append(note(ctx.t("report.c2_counterfactual", structure=kinds[0],
                                     n=min(N, C2_FUTURES), policy=ctx.policies[0])))
    blocks.append(figure(fg.histograms({structure_name(k): g[main] for k, g in groups.items()},
                                       ctx.label(main), ctx.t("report.hours"),
                                       ctx.t("report.share_futures"))))
    rows = [[structure_name(k), *[band_text(ctx, g[n], str(ds[n].attrs.get("unit", "")))
                                  for n in names]] for k, g in groups.items()]
    blocks.append(table([ctx.t("report.structure"), *[ctx.label(n) for n in names]], rows))
    parts = [n for n in C2_PARTS if ctx.has(n)]
    if parts:
        blocks.append({"kind": "h3", "text": ctx.t("report.c2_parts")})
        blocks.append(note(ctx.t("report.c2_parts_note")))
        if len(kinds) == 1 and counter is not None:
            part_groups = {k: {n: g[n] for n in parts} for k, g in counter.items()}
        else:
            part_groups = {k: {n: ctx.values(n)[structure == k] for n in parts} for k in kinds}
        blocks.append(table([ctx.t("report.structure"), *[ctx.label(n) for n in parts]],
                            [[structure_name(k), *[band_text(ctx, g[n], "hour") for n in parts]]
                             for k, g in part_groups.items()]))
        saving = c2_saving(ctx, structure, part_groups if len(kinds) == 1 else None)
        if saving is not None:
            blocks += saving
    return section(ctx, "c2", blocks)


C2_PARTS = ("c2.latency_mean_h", "c2.latency_transit_h", "c2.latency_work_h",
            "c2.latency_queue_h", "c2.latency_principal_h", "c2.latency_clock_h")


def c2_saving(ctx: Context, structure: np.ndarray,
              counter: dict[str, dict[str, np.ndarray]] | None) -> list[Block] | None:
    """The JFHQ saving in mean latency and the time difference's part of it, paired on the
    same futures: the first Hawaii-centric policy against the first JFHQ policy, or (one
    structure in the run) the c2 model's own run of both structures on the run's futures.
    Medians with their 95 % intervals (order statistics) and the share of the mean saving
    that the clock explains. None when the two structures cannot be paired."""
    from kaname.presentation import paired_interval

    mean, clock = "c2.latency_mean_h", "c2.latency_clock_h"
    if counter is not None and {"hawaii_centric", "jfhq_in_japan"} <= counter.keys():
        h, j = counter["hawaii_centric"], counter["jfhq_in_japan"]
        pair = ctx.t("report.c2_saving_both")
    else:
        per_policy = structure[:, 0]
        if not (np.all(structure == per_policy[:, None]) and "hawaii_centric" in per_policy
                and "jfhq_in_japan" in per_policy):
            return None
        a = int(np.flatnonzero(per_policy == "hawaii_centric")[0])
        b = int(np.flatnonzero(per_policy == "jfhq_in_japan")[0])
        h = {n: ctx.values(n)[a] for n in (mean, clock)}
        j = {n: ctx.values(n)[b] for n in (mean, clock)}
        pair = ctx.t("report.c2_saving_policies", a=ctx.policies[a], b=ctx.policies[b])
    saving = np.asarray(h[mean] - j[mean], dtype=float)
    by_clock = np.asarray(h[clock] - j[clock], dtype=float)
    rows = []
    for label, d in ((ctx.t("report.c2_saving_row"), saving),
                     (ctx.t("report.c2_saving_clock_row"), by_clock)):
        lo, hi = paired_interval(d, "median")
        rows.append([label, ctx.fmt(float(np.median(d)), "hour"),
                     f"{ctx.fmt(lo, 'hour')} – {ctx.fmt(hi, 'hour')}"])
    total = float(saving.mean())
    share = float(by_clock.mean()) / total if total else float("nan")
    return [{"kind": "h3", "text": ctx.t("report.c2_saving")},
            note(ctx.t("report.c2_saving_note", pair=pair,
                       share=ctx.fmt(share, "share") if np.isfinite(share) else "—")),
            table(["", ctx.t("common.median"), ctx.t("report.c2_interval")], rows)]


def c2_by_structure(ctx: Context, names: Sequence[str]) -> dict[str, dict[str, np.ndarray]] | None:
    """The c2 model alone under every structure, through the engine, on the run's own sampled
    c2 inputs and settings (first policy's levers, defaults elsewhere). None when that is
    not possible (no c2 model, or a c2 input computed by another model)."""
    from kaname.engine import Engine

    engine = ctx.engine
    model = next((m for m in getattr(engine, "models", []) if m.name == "c2"), None)
    if model is None or "c2.structure" not in model.inputs:
        return None
    if any(engine.computed_by(path) is not None for path in model.inputs):
        return None
    ds, n = ctx.ds, min(ctx.ds.sizes["future"], C2_FUTURES)
    values: dict[str, Any] = {}
    for path in model.inputs:
        if path != "c2.structure" and path in ds.coords and ds[path].dims == ("future",):
            values[path] = np.asarray(ds[path].values)[:n]
        elif path != "c2.structure" and path in ds.coords and ds[path].dims == ("policy",):
            values[path] = np.asarray(ds[path].values)[0]
    c2 = Engine([model], engine.library)
    out: dict[str, dict[str, np.ndarray]] = {}
    try:
        columns = c2.columns_from(values, n)
        for code, kind in enumerate(model.inputs["c2.structure"].categories):
            result = c2.evaluate({**columns, "c2.structure": np.full(n, float(code))}, n)
            out[kind] = {name: np.asarray(result[name]) for name in names}
    except Exception:  # noqa: BLE001 - fall back to the run's single structure
        return None
    return out


def generic_section(ctx: Context, model: Any) -> dict[str, Any]:
    """The section of a model that declares none: its scalar outputs per policy."""
    names = [path for path, spec in model.outputs.items()
             if not spec.series and not spec.dims and ctx.has(path)]
    title = ctx.library.label(model.name, ctx.lang) if ctx.library is not None else model.name
    if not names:
        return {"id": model.name, "title": title,
                "blocks": [note(ctx.t("report.not_in_run", what=title))]}
    rows = [[ctx.label(n), pol, band_text(ctx, ctx.values(n)[i],
                                          str(ctx.ds[n].attrs.get("unit", "")),
                                          str(ctx.ds[n].attrs.get("kind", "real")))]
            for n in names for i, pol in enumerate(ctx.policies)]
    return {"id": model.name, "title": title,
            "blocks": [table([ctx.t("common.outcome"), ctx.t("common.policy"),
                              ctx.t("common.median")], rows)]}


# --------------------------------------------------------------------------- homeland

def headline_figures(ctx: Context) -> list[tuple[str, float, list[Any], str | None]]:
    """(label, USD, sources, note) of the public Golden Dome totals in the data library."""
    lib = ctx.library
    if lib is None:
        return []
    out = []
    for entry in lib:
        if entry.path.startswith("homeland.headline.") and entry.table is None:
            try:
                usd = float(entry.value("USD"))
            except Exception:  # noqa: BLE001 - a figure in another unit is skipped
                continue
            label = entry.label.get(ctx.lang) or entry.label.get("en") or entry.path
            out.append((label, usd, list(entry.sources), entry.text("note", ctx.lang)))
    return out


def homeland_section(ctx: Context) -> dict[str, Any]:
    cost_name, leak_name = "homeland.cost_20y_usd", "homeland.expected_leakers_total"
    if not ctx.has(cost_name) or not ctx.has(leak_name):
        return missing(ctx, "homeland", ctx.t("report.sec_homeland"))
    cost, leak = ctx.values(cost_name), ctx.values(leak_name)
    figs = headline_figures(ctx)
    levels = [(usd, f"{label}: {fmt_number(usd, 'USD', ctx.lang)}")
              for label, usd, _, _ in figs if usd > 0]
    # Japan's levers do not move Golden Dome: its spread is across architectures
    arch = "homeland.architecture"
    blocks: list[Block] = [p(ctx.t("report.homeland_intro"))]
    if arch in ctx.ds.coords and ctx.ds[arch].dims == ("future",):
        kinds = np.asarray(ctx.ds[arch].values).astype(str)
        groups = {k: cost[0][kinds == k] for k in dict.fromkeys(kinds.tolist())}
        title = ctx.t("report.gd_by_architecture")
    else:
        groups = {pol: cost[i] for i, pol in enumerate(ctx.policies)}
        title = ctx.t("report.gd_by_policy")
    blocks.append(figure(fg.intervals({ctx.label(cost_name): groups}, title,
                                      ctx.t("report.cost_usd_log"), vlines=levels,
                                      log_x=True)))
    blocks.append(note(ctx.t("report.intervals_note")))
    rows = [[pol, band_text(ctx, cost[i], "USD"), band_text(ctx, leak[i], "missile")]
            for i, pol in enumerate(ctx.policies)]
    blocks.append(table([ctx.t("common.policy"), ctx.t("report.modelled_cost"),
                         ctx.label(leak_name)], rows))
    if figs:
        blocks.append({"kind": "h3", "text": ctx.t("report.headline_figures")})
        rows = []
        for label, usd, sources, extra in figs:
            refs = " ".join(f"[{ctx.cite(s)}]" for s in sources)
            rows.append([label, fmt_number(usd, "USD", ctx.lang),
                         refs + (f" — {extra}" if extra else "")])
        blocks.append(table([ctx.t("report.figure"), ctx.t("common.value"),
                             ctx.t("report.basis")], rows))
    return section(ctx, "homeland", blocks)


# --------------------------------------------------------------------------- posture

def posture_section(ctx: Context) -> dict[str, Any]:
    name = "posture.indo_pacific_index"
    if not ctx.has(name):
        return missing(ctx, "posture", ctx.t("report.sec_posture"))
    idx = ctx.values(name)
    groups = {pol: idx[i] for i, pol in enumerate(ctx.policies)}
    blocks: list[Block] = [p(ctx.t("report.posture_intro")),
                           figure(fg.intervals({ctx.label(name): groups}, ctx.label(name),
                                               ctx.t("report.index"),
                                               vlines=[(1.0, "FY2026")])),
                           note(ctx.t("report.intervals_note"))]
    extra = [n for n in ("posture.us_commitment", "posture.japan_burden_gap_jpy",
                         "posture.availability_factor") if ctx.has(n)]
    rows = [[pol, band_text(ctx, idx[i], ""),
             *[band_text(ctx, ctx.values(n)[i], str(ctx.ds[n].attrs.get("unit", "")))
               for n in extra]] for i, pol in enumerate(ctx.policies)]
    blocks.append(table([ctx.t("common.policy"), ctx.label(name), *[ctx.label(n) for n in extra]],
                        rows))
    return section(ctx, "posture", blocks)


# --------------------------------------------------------------------------- deterrence

def wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927)."""
    if n == 0:
        return 0.0, 1.0
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * np.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def deterrence_section(ctx: Context) -> dict[str, Any]:
    if not ctx.has("deterrence.margin") or not ctx.has("deterrence.holds"):
        return missing(ctx, "deterrence", ctx.t("report.sec_deterrence"))
    margin, holds = ctx.values("deterrence.margin"), ctx.values("deterrence.holds")
    groups = {pol: margin[i] for i, pol in enumerate(ctx.policies)}
    blocks: list[Block] = [p(ctx.t("report.deter_intro")),
                           figure(fg.intervals({ctx.label("deterrence.margin"): groups},
                                               ctx.label("deterrence.margin"),
                                               ctx.t("report.margin"), vlines=[(0.0, "0")])),
                           note(ctx.t("report.intervals_note"))]
    ps, lo, hi, rows = [], [], [], []
    for i, pol in enumerate(ctx.policies):
        n = holds.shape[1]
        k = float(np.sum(holds[i] > 0.5))
        a, b = wilson(k, n)
        ps.append(k / n)
        lo.append(k / n - a)
        hi.append(b - k / n)
        rows.append([pol, ctx.t("report.p_holds_ci", p=k / n, lo=a, hi=b),
                     band_text(ctx, margin[i], "")])
    blocks.append(figure(fg.bars(ctx.policies, ps, ctx.t("report.p_holds"), ctx.t("report.p_holds"),
                                 errors=(lo, hi))))
    blocks.append(table([ctx.t("common.policy"), ctx.t("report.p_holds"),
                         ctx.label("deterrence.margin")], rows))
    return section(ctx, "deterrence", blocks)


# --------------------------------------------------------------------------- budget

BUDGET_SHOWN = ("budget.policy_share_of_budget", "budget.exceeds_headroom",
                "budget.gap_to_us_ask")


def budget_section(ctx: Context) -> dict[str, Any]:
    """At what cost in yen: each policy's cost to the defence budget and its cost plus the
    expected coercion harm (one line, issue #16), every policy visible; the ledger by item."""
    cost, total = "budget.policy_cost_jpy", "budget.cost_and_harm_jpy"
    if not ctx.has(cost):
        return missing(ctx, "budget", ctx.t("report.sec_budget"))
    names = [n for n in (cost, total) if ctx.has(n)]
    panels = {ctx.label(n): {pol: ctx.values(n)[i] for i, pol in enumerate(ctx.policies)}
              for n in names}
    blocks: list[Block] = [p(ctx.t("report.budget_intro")),
                           figure(fg.intervals(panels, ctx.t("report.budget_figure"),
                                               ctx.t("report.yen"), columns=2)),
                           note(ctx.t("report.intervals_note"))]
    shown = [n for n in (*names, *BUDGET_SHOWN) if ctx.has(n)]
    blocks.append(table([ctx.t("common.policy"), *[ctx.label(n) for n in shown]], [
        [pol, *[band_text(ctx, ctx.values(n)[i], str(ctx.ds[n].attrs.get("unit", "")),
                          str(ctx.ds[n].attrs.get("kind", "real"))) for n in shown]]
        for i, pol in enumerate(ctx.policies)]))
    ledger = "budget.ledger_jpy"
    if ctx.has(ledger):
        items = ctx.coord_labels("ledger_item")
        mean = ctx.values(ledger).mean(axis=1)  # (policy, item)
        rows = [[item, *[ctx.fmt(float(mean[i, j]), "JPY") for i in range(len(ctx.policies))]]
                for j, item in enumerate(items) if mean[:, j].any()]
        blocks.append({"kind": "h3", "text": ctx.label(ledger)})
        blocks.append(table(["", *ctx.policies], rows))
    return section(ctx, "budget", blocks)


# --------------------------------------------------------------------------- autonomy

def autonomy_section(ctx: Context) -> dict[str, Any]:
    name = "autonomy.share_after"
    if not ctx.has(name):
        return missing(ctx, "autonomy", ctx.t("report.sec_autonomy"))
    ds = ctx.ds
    domains, origins = [str(d) for d in ds["domain"].values], [str(o) for o in ds["origin"].values]
    dnames, onames = ctx.coord_labels("domain"), ctx.coord_labels("origin")
    after = ctx.values(name)  # (policy, future, domain, origin)
    blocks: list[Block] = [p(ctx.t("report.autonomy_intro"))]
    before = baseline_shares(ctx, domains, origins)
    if before is not None:
        blocks.append(figure(fg.heatmap(before, onames, dnames, ctx.t("report.before"),
                                        ctx.t("report.origin"), ctx.t("common.domain"),
                                        ctx.t("report.share"))))
    for i, pol in enumerate(ctx.policies):
        blocks.append(figure(fg.heatmap(after[i].mean(axis=0), onames, dnames,
                                        ctx.t("report.after", policy=pol), ctx.t("report.origin"),
                                        ctx.t("common.domain"), ctx.t("report.share"))))
    # the risks in yen first (issue #16), then the indices, which stay secondary
    for names in (("autonomy.expected_harm_jpy_per_year", "autonomy.china_harm_jpy_per_year",
                   "autonomy.us_harm_jpy_per_year", "autonomy.harm_share_gdp",
                   "autonomy.investment_cost_jpy"),
                  ("autonomy.china_risk", "autonomy.us_risk", "autonomy.autonomy_index",
                   "autonomy.complementarity_gain")):
        extra = [n for n in names if ctx.has(n)]
        if extra:
            rows = [[pol, *[band_text(ctx, ctx.values(n)[i], str(ds[n].attrs.get("unit", "")))
                            for n in extra]] for i, pol in enumerate(ctx.policies)]
            blocks.append(table([ctx.t("common.policy"), *[ctx.label(n) for n in extra]], rows))
    blocks.extend(harm_by_mode_blocks(ctx))
    return section(ctx, "autonomy", blocks)


def harm_by_mode_blocks(ctx: Context) -> list[Block]:
    """What the first policy's expected harm a year is made of: mean over futures by origin
    (rows) and mode (columns), each origin's worst-5 %-of-years harm beside it."""
    name, tail = "autonomy.harm_by_mode_jpy_per_year", "autonomy.tail_harm_jpy_per_year"
    if not ctx.has(name):
        return []
    harm = ctx.values(name)[0].mean(axis=0)                       # (origin, mode)
    origins, modes = ctx.coord_labels("origin"), ctx.coord_labels("mode")
    worst = ctx.values(tail)[0].mean(axis=0) if ctx.has(tail) else None
    rows = [[origins[o], *[ctx.fmt(float(v), "JPY/year") for v in harm[o]],
             *([ctx.fmt(float(worst[o]), "JPY/year")] if worst is not None else [])]
            for o in range(harm.shape[0]) if harm[o].sum() > 0]
    header = [ctx.t("report.origin"), *modes,
              *([ctx.label(tail)] if worst is not None else [])]
    return [p(ctx.t("report.autonomy_harm", policy=ctx.policies[0])), table(header, rows)]


def baseline_shares(ctx: Context, domains: list[str], origins: list[str]) -> np.ndarray | None:
    """Shares before investment: the run's sampled mean where a share is an uncertainty,
    else the data library's base value; each row renormalised as the model does."""
    if ctx.library is None:
        return None
    z = np.zeros((len(domains), len(origins)))
    for a, d in enumerate(domains):
        for b, o in enumerate(origins):
            path = f"autonomy.{d}.share.{o}"
            if path in ctx.ds.coords:
                z[a, b] = float(np.mean(np.asarray(ctx.ds[path].values, dtype=float)))
            elif path in ctx.library:
                z[a, b] = float(ctx.library.get(path).value())
            else:
                return None
    total = z.sum(axis=1, keepdims=True)
    return z / np.where(total > 0, total, 1.0)


# --------------------------------------------------------------------------- analysis

def sensitivity_section(ctx: Context) -> dict[str, Any]:
    saved = [(f, d) for f, d in ctx.inp.analyses if d.get("method") in ("sobol", "morris")]
    if not saved:
        return section(ctx, "sensitivity", [note(ctx.t("report.no_sensitivity"))])
    blocks: list[Block] = []
    for file, data in saved:
        outcome = str(data.get("outcome", "?"))
        shown = ctx.label(outcome) if outcome in ctx.ds.data_vars else outcome
        rows = data.get("indices") or []
        names = [ctx.input_label(str(r.get("input"))) for r in rows]
        if data["method"] == "sobol":
            order = np.argsort([-float(r.get("ST", 0)) for r in rows], kind="stable")
            cats = [names[i] for i in order]
            series = {"S1": ([rows[i]["S1"] for i in order], [rows[i]["S1_conf"] for i in order]),
                      "ST": ([rows[i]["ST"] for i in order], [rows[i]["ST_conf"] for i in order])}
            title = ctx.t("report.sobol_title", outcome=shown)
            blocks.append(figure(fg.bars(cats, [], title, "", series=series, horizontal=True)))
            if rows:
                top = rows[int(order[0])]
                blocks.append(p(ctx.t("report.sens_words", outcome=shown, first=cats[0],
                                      value=f"ST = {float(top['ST']):.2f}")))
        else:
            order = np.argsort([-float(r.get("mu_star", 0)) for r in rows], kind="stable")
            cats = [names[i] for i in order]
            title = ctx.t("report.morris_title", outcome=shown)
            blocks.append(figure(fg.bars(cats, [rows[i]["mu_star"] for i in order], title,
                                         "μ*", horizontal=True)))
            if rows:
                top = rows[int(order[0])]
                blocks.append(p(ctx.t("report.sens_words", outcome=shown, first=cats[0],
                                      value=f"μ* = {fmt_number(float(top['mu_star']))}")))
        blocks.append(p(ctx.t("report.prim_saved", file=file)))
    return section(ctx, "sensitivity", blocks)


def discovery_section(ctx: Context) -> dict[str, Any]:
    saved = [(f, d) for f, d in ctx.inp.analyses if "boxes" in d]
    blocks: list[Block] = []
    for file, data in saved:
        n, k = int(data.get("n", 0)), int(data.get("cases", 0))
        blocks.append(p(ctx.t("report.prim_where", where=str(data.get("where", "")), k=k, n=n,
                              share=k / n if n else 0.0)))
        items = [ctx.t("report.prim_box", i=i, text=str(b.get("description", "")))
                 for i, b in enumerate(data["boxes"], start=1)]
        blocks.append({"kind": "list", "items": items})
        blocks.append(p(ctx.t("report.prim_saved", file=file)))
    if saved:
        return section(ctx, "discovery", blocks)
    return section(ctx, "discovery", computed_prim(ctx))


def computed_prim(ctx: Context) -> list[Block]:
    """PRIM on "deterrence fails" over the run's uncertainties (and the policy)."""
    import pandas as pd

    from kaname.analysis.prim import Prim

    ds = ctx.ds
    unc = [str(c) for c, v in ds.coords.items() if v.dims == ("future",) and c != "future"]
    if not unc:
        return [note(ctx.t("report.no_discovery", why=ctx.t("report.why_no_uncertainty")))]
    if not ctx.has("deterrence.holds"):
        return [note(ctx.t("report.no_discovery", why=ctx.t("report.why_no_deterrence")))]
    holds = ctx.values("deterrence.holds") > 0.5   # (policy, future)
    fails = ~holds
    if not fails.any() or fails.all():
        state = ctx.t("report.state_holds") if not fails.any() else ctx.t("report.state_fails")
        return [note(ctx.t("report.no_discovery", why=ctx.t("report.why_constant", state=state)))]
    P, N = fails.shape
    y = fails.reshape(-1)  # rows policy-major: row r is policy r // N, future r % N
    rows = np.arange(len(y))
    if len(y) > PRIM_ROWS:  # the sampled rows only: the whole (P·N, inputs) table of a
        rows = np.sort(np.random.default_rng(0).choice(len(y), PRIM_ROWS, replace=False))
        y = y[rows]         # 10^5-future run would be gigabytes
    cols: dict[str, Any] = {}
    if P > 1:
        cols["policy"] = np.asarray(ctx.policies, dtype=object)[rows // N]
    for path in unc:
        cols[path] = np.asarray(ds[path].values)[rows % N]
    X = pd.DataFrame(cols)
    screened = len(unc) > PRIM_INPUTS
    if screened:  # PRIM's peeling costs grow with the inputs: search the likeliest ones
        X = X[[c for c in X.columns if c == "policy"] + strongest(X[unc], y, PRIM_INPUTS)]
    threshold = 0.8
    model = Prim(threshold=threshold, max_boxes=2, prune_p=0.05).fit(X, y)
    labels: Mapping[str, Any] = {c: ctx.input_label(c) for c in X.columns if c != "policy"}
    labels = {**labels, "policy": ctx.t("prim.policy")}
    blocks = [p(ctx.t("report.prim_where", where=ctx.t("report.prim_fails"), k=int(y.sum()),
                      n=len(y), share=float(y.mean())))]
    if model.boxes_:
        blocks.append({"kind": "list", "items": [
            ctx.t("report.prim_box", i=i, text=b.describe(ctx.lang, labels))
            for i, b in enumerate(model.boxes_, start=1)]})
    else:
        blocks.append(p(ctx.t("report.prim_no_box", threshold=threshold)))
    blocks.append(p(ctx.t("report.prim_computed", n=PRIM_ROWS)))
    if screened:
        blocks.append(p(ctx.t("report.prim_screened", k=PRIM_INPUTS, n=len(unc))))
    return blocks


def strongest(X: Any, y: np.ndarray, k: int) -> list[str]:
    """The `k` columns of `X` with the largest |Spearman ρ| with `y` (ties: column order);
    a category column is ranked by its labels' order, a constant column counts as 0."""
    from scipy.stats import rankdata

    ranks_y = rankdata(y.astype(float))
    ranks_y = (ranks_y - ranks_y.mean()) / (ranks_y.std() or 1.0)
    scores = []
    for column in X.columns:
        values = X[column].to_numpy()
        if values.dtype == object:
            values = np.unique(values.astype(str), return_inverse=True)[1]
        r = rankdata(values.astype(float))
        sd = r.std()
        scores.append(0.0 if sd == 0 else abs(float(np.mean((r - r.mean()) / sd * ranks_y))))
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return [str(X.columns[i]) for i in sorted(order)]


# --------------------------------------------------------------------------- assumptions

class Bibliography:
    """Numbers each distinct source once, in order of first citation."""

    def __init__(self) -> None:
        self.sources: list[Any] = []
        self._index: dict[tuple[str, str], int] = {}

    def cite(self, source: Any) -> int:
        key = (source.title, source.link)
        if key not in self._index:
            self.sources.append(source)
            self._index[key] = len(self.sources)
        return self._index[key]


def assumptions_section(ctx: Context, bib: Bibliography) -> dict[str, Any]:
    lib = ctx.library
    if lib is None:
        return section(ctx, "assumptions", [note(ctx.t("report.no_library", error="?"))])
    sampled = {str(c) for c, v in ctx.ds.coords.items() if v.dims == ("future",)}
    rows = []
    for entry in sorted(lib, key=lambda e: e.path):
        unit = unit_label(entry.unit, ctx.lang) if entry.unit else ""
        if entry.table is not None:
            years = sorted(entry.table)
            value = ctx.t("report.table_years", first=years[0], last=years[-1]) + ": " + ", ".join(
                f"{y}: {fmt_number(entry.table[y])}" for y in years[:8]) + (
                " …" if len(years) > 8 else "")
            rng = ""
        else:
            base = entry.base
            year = "calendar_year" if entry.unit == "calendar_year" else ""  # 2027, not 2,027
            value = fmt_number(base, year) if isinstance(base, (int, float)) and \
                not isinstance(base, bool) else str(base)
            rng = "" if entry.low is None and entry.high is None else \
                f"{fmt_number(entry.low, year)} – {fmt_number(entry.high, year)}"
        if entry.sources:
            basis = " ".join(f"[{bib.cite(s)}]" for s in entry.sources)
            levels = sorted({s.confidence for s in entry.sources})
            basis += " (" + ctx.t("report.confidence", level="/".join(levels)) + ")"
            if entry.assumption:
                basis += " " + ctx.t("report.assumption_text",
                                     text=entry.text("assumption", ctx.lang))
        else:
            basis = ctx.t("report.assumption_text", text=entry.text("assumption", ctx.lang) or "")
        if entry.note:
            basis += f" — {entry.text('note', ctx.lang)}"
        label = ctx.input_label(entry.path)
        mark = "◆ " if entry.path in sampled else ""
        name = f"{mark}{label}\n{entry.path}" if label != entry.path else f"{mark}{entry.path}"
        rows.append([name, value, rng, unit, basis])
    entries = list(lib)
    in_run = [e for e in entries if e.path in sampled]
    mix = p(ctx.t("report.assumption_mix", total=len(entries),
                  sourced=sum(e.sourced for e in entries),
                  assumed=sum(not e.sourced for e in entries), sampled=len(in_run),
                  sampled_assumed=sum(not e.sourced for e in in_run)))
    return section(ctx, "assumptions", [
        p(ctx.t("report.assumptions_intro")), mix,
        {"kind": "search", "target": "assumptions-table",
         "placeholder": ctx.t("report.search_placeholder"), "count": ctx.t("report.search_count")},
        {**table([ctx.t("common.parameter"), ctx.t("common.value"), ctx.t("report.range"),
                  ctx.t("common.unit"), ctx.t("report.basis")], rows, "assumptions"),
         "id": "assumptions-table"}])


def bibliography_section(ctx: Context, bib: Bibliography) -> dict[str, Any]:
    items = []
    for i, s in enumerate(bib.sources, start=1):
        items.append({"n": i, "text": f"{s.publisher}, “{s.title}” ({s.date}).",
                      "url": s.url or ctx.t("report.copy_only", url=s.copy),
                      "confidence": ctx.t("report.confidence", level=s.confidence)})
    return section(ctx, "bibliography", [{"kind": "bibliography", "items": items}])
