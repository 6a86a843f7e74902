"""The headline summary, decided once for every front end.

:func:`headline_rows` turns results into one :class:`HeadlineRow` per headline outcome (one
per label of an extra dimension, e.g. per munition) and policy. It decides here, and only
here, how an outcome is summarised:

- a yes/no outcome (``kind="bool"``, e.g. "Deterrence holds") by the **share of futures**
  in which it holds, and the difference in shares from the first (baseline) policy;
- any other outcome by its **median**, its **10–90 % band** across futures and the
  **median of the paired differences** from the first policy (each policy meets exactly
  the same futures, so the difference is taken future by future).

``kaname run`` (table, JSON, CSV via :meth:`Results.summary`), the HTML report's headline
section and the dashboard's headline metrics all call it, and show its cells with
:meth:`HeadlineRow.texts`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kaname.text import fmt_number, t, unit_label

if TYPE_CHECKING:
    import xarray as xr

    from kaname.results import Results

__all__ = ["HeadlineRow", "headline_header", "headline_rows"]

SHARE = "share"    # the statistic (and display unit) of a yes/no outcome
MEDIAN = "median"  # the statistic of every other outcome
FIELDS = ("outcome", "label", "unit", "better", "policy", "statistic", "median", "p10", "p90",
          "mean", "diff_median", "diff_low", "diff_high")  # `kaname run --format json|csv`
Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile


@dataclass(frozen=True)
class HeadlineRow:
    """One headline outcome (or one label of it) under one policy.

    For a yes/no outcome ``statistic`` is ``"share"``, ``unit`` is ``"share"`` and
    ``median``, ``p10``, ``p90`` and ``mean`` all hold the share of futures (there is no
    band); ``diff_median`` is the difference in shares. Otherwise ``median``/``p10``/``p90``
    /``mean`` summarise the futures and ``diff_median`` is the median paired difference.
    ``diff_median`` is None for the first (baseline) policy."""

    outcome: str  # column name, e.g. "sustainment.days_to_depletion[pac3_mse]"
    path: str     # the outcome variable, e.g. "sustainment.days_to_depletion"
    label: str
    unit: str
    better: str | None
    policy: str
    statistic: str
    median: float
    p10: float
    p90: float
    mean: float
    diff_median: float | None
    diff_low: float | None = None   # 95 % interval of the difference (None: the baseline)
    diff_high: float | None = None

    @property
    def is_share(self) -> bool:
        return self.statistic == SHARE

    def as_dict(self) -> dict[str, Any]:
        """The row as ``kaname run --format json|csv`` writes it (stable field names)."""
        return {name: getattr(self, name) for name in FIELDS}

    def label_with_unit(self, lang: str = "en") -> str:
        """The label followed by the unit as a reader sees it, e.g. "… [days]"."""
        shown = unit_label(self.unit, lang)
        return f"{self.label} [{shown}]" if shown else self.label

    def texts(self, lang: str = "en") -> tuple[str, str, str]:
        """(value, band, difference) as shown: "95.4%", "", "+0.6%" for a share;
        "43.21", "20.95 – 84.58", "+4.36" otherwise ("" for the baseline's difference)."""
        value = fmt_number(self.median, self.unit, lang)
        band = "" if self.is_share else \
            f"{fmt_number(self.p10, self.unit, lang)} – {fmt_number(self.p90, self.unit, lang)}"
        return value, band, self.diff_text(lang)

    def diff_text(self, lang: str = "en") -> str:
        """The difference and its 95 % interval, "+4.36 (+3.90 to +4.80)"."""
        d = self.diff_median
        if d is None:
            return ""
        text = _signed(d, self.unit, lang)
        if self.diff_low is None or self.diff_high is None or self.diff_low == self.diff_high:
            return text  # the baseline, or a difference that is the same in every future
        return t("headline.interval", lang, diff=text, low=_signed(self.diff_low, self.unit, lang),
                 high=_signed(self.diff_high, self.unit, lang))


def _signed(x: float, unit: str, lang: str) -> str:
    return ("+" if x > 0 else "") + fmt_number(x, unit, lang)


def paired_interval(d: np.ndarray, statistic: str) -> tuple[float, float]:
    """95 % interval of the paired differences `d` (one per future) of two policies.

    A share (a yes/no outcome): the mean difference ± z·sd/√n (differences of paired
    proportions; Agresti & Min 2005 give the same normal interval). Otherwise the
    distribution-free interval for the median from order statistics (Conover 1999, §3.2):
    ranks ⌊n/2 − z√n/2⌋ and n + 1 minus it of the sorted differences."""
    d = np.asarray(d, dtype=float)
    n = d.size
    if n == 0:
        return float("nan"), float("nan")
    if statistic == SHARE:
        mean = float(d.mean())
        half = Z95 * float(d.std(ddof=1)) / np.sqrt(n) if n > 1 else 0.0
        return mean - half, mean + half
    k = int(np.floor(n / 2 - Z95 * np.sqrt(n) / 2))
    if k < 1:  # too few futures for a 95 % order-statistic interval: the whole range
        return float(d.min()), float(d.max())
    part = np.partition(d, (k - 1, n - k))
    return float(part[k - 1]), float(part[n - k])


def input_label(engine: Any, path: str, lang: str) -> str:
    """An input's label, prefixed by its group's (e.g. "PAC-3 MSE: Demand at conflict start")
    when the path sits in a group below the model and the label does not already name it."""
    spec = engine.inputs.get(path)
    if spec is None:
        return path
    label = spec.label(lang)
    group = path.rsplit(".", 1)[0]
    if group.count(".") >= 1 and group in engine.library.labels:
        prefix = engine.library.label(group, lang)
        # no prefix when the label names the group already, or opens with the group's own
        # words ("Share of the exposed value lost in a year of licence denial")
        opening = " ".join(prefix.lower().split()[:3])
        if prefix.lower() not in label.lower() and not label.lower().startswith(opening):
            return f"{prefix}: {label}"
    return label


def headline_header(lang: str, first: str) -> list[str]:
    """Column headers of the headline table: outcome, policy, median, band, Δ vs `first`."""
    return [t("common.outcome", lang), t("common.policy", lang), t("common.median", lang),
            t("common.band", lang), t("headline.diff", lang, first=first)]


@dataclass(frozen=True)
class Column:
    outcome: str
    path: str
    label: str
    unit: str
    kind: str
    better: str | None
    values: np.ndarray  # (policy, future)


def headline_rows(source: Results | xr.Dataset | Mapping[str, Mapping[str, np.ndarray]],
                  lang: str = "en", *, engine: Any = None,
                  quantiles: tuple[float, float] = (0.1, 0.9)) -> list[HeadlineRow]:
    """The headline summary of `source`, one row per headline outcome (per label of extra
    dims) and policy, outcomes in display order, policies in the order given; the first
    policy is the baseline of the differences.

    `source` is :class:`~kaname.results.Results`, its Dataset, or — as the dashboard has
    it — a mapping policy name -> engine outputs (path -> array over futures, extra dims
    last, every policy over the same futures) together with the `engine` whose output
    specs, coords and coordinate labels describe them."""
    import xarray as xr

    from kaname.results import Results

    columns: Iterator[Column]
    if isinstance(source, (Results, xr.Dataset)):  # (a Dataset is a Mapping too)
        ds = source.dataset if isinstance(source, Results) else source
        policies = [str(p) for p in ds["policy"].values]
        columns = dataset_columns(ds, lang)
    else:
        if engine is None:
            raise TypeError("headline_rows: engine outputs need the engine (specs)")
        policies = [str(p) for p in source]
        columns = _output_columns(source, engine, lang)
    rows: list[HeadlineRow] = []
    for col in columns:
        v = np.asarray(col.values, dtype=float)
        if col.kind == "bool":
            shares = v.mean(axis=1)
            stats = {"median": shares, "p10": shares, "p90": shares, "mean": shares}
            diffs = shares - shares[0]
            statistic, unit = SHARE, SHARE
        else:
            lo, hi = np.quantile(v, quantiles, axis=1)
            stats = {"median": np.median(v, axis=1), "p10": lo, "p90": hi,
                     "mean": v.mean(axis=1)}
            diffs = np.median(v - v[0], axis=1)
            statistic, unit = MEDIAN, col.unit
        for i, policy in enumerate(policies):
            low, high = (None, None) if i == 0 else paired_interval(v[i] - v[0], statistic)
            rows.append(HeadlineRow(
                outcome=col.outcome, path=col.path, label=col.label, unit=unit,
                better=col.better, policy=policy, statistic=statistic,
                **{k: float(s[i]) for k, s in stats.items()},
                diff_median=None if i == 0 else float(diffs[i]), diff_low=low, diff_high=high))
    return rows


def dataset_columns(ds: xr.Dataset, lang: str) -> Iterator[Column]:
    from kaname.results import flat_columns

    headline = [str(n) for n in ds.data_vars if ds.variables[n].attrs.get("headline")]
    for column, cell, var in flat_columns(ds, headline, lang):
        path = column.split("[")[0]
        attrs = ds.variables[path].attrs  # (ds[path] would build every coordinate)
        label = str(attrs.get(f"label_{lang}") or attrs.get("label_en") or path)
        yield Column(column, path, f"{label} — {cell}" if cell else label,
                      str(attrs.get("unit", "")), str(attrs.get("kind", "real")),
                      attrs.get("better"), var.transpose("policy", "future").values)


def _output_columns(runs: Mapping[str, Mapping[str, np.ndarray]], engine: Any,
                    lang: str) -> Iterator[Column]:
    from kaname.ensemble import display_order

    for path in display_order(engine.outputs):
        spec = engine.outputs[path]
        if not spec.headline or spec.series or any(path not in out for out in runs.values()):
            continue
        arr = np.stack([np.asarray(out[path]) for out in runs.values()])  # (P, N, *dims)
        cells: list[tuple[str, str, Any]] = [("", "", ())]
        if arr.ndim == 3 and len(spec.dims) == 1:
            dim = spec.dims[0]
            names = engine.coord_labels.get(dim, {}).get(lang, {})
            cells = [(str(code), names.get(code, str(code)), (j,))
                     for j, code in enumerate(engine.coords[dim])]
        elif arr.ndim > 3 and len(spec.dims) == arr.ndim - 2:
            codes = [engine.coords[d] for d in spec.dims]
            cells = []
            for idx in np.ndindex(*arr.shape[2:]):
                tag = ",".join(str(codes[k][i]) for k, i in enumerate(idx))
                cells.append((tag, tag, idx))
        elif arr.ndim != 2:
            continue
        label = spec.label(lang)
        for code, name, idx in cells:
            yield Column(f"{path}[{code}]" if code else path, path,
                          f"{label} — {name}" if name else label, spec.unit, spec.kind,
                          spec.better, arr[(slice(None), slice(None), *idx)])
