"""Ensemble results as a labelled ``xarray.Dataset`` (dims ``policy``, ``future`` and each
model's own, e.g. ``munition``), with tidy tables and per-policy summaries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from kaname.text import t

if TYPE_CHECKING:
    from kaname.spec import Spec


def variable_attrs(spec: Spec) -> dict[str, object]:
    """The attributes of an outcome variable in a results Dataset, from its spec: CF's
    ``units`` and ``long_name`` (so xarray plots label themselves), the Japanese label
    beside them, and kaname's own (unit as declared, headline flag, kind, better)."""
    attrs: dict[str, object] = {"long_name": spec.label_en, "units": cf_units(spec.unit),
                                "label_en": spec.label_en, "label_ja": spec.label_ja,
                                "unit": spec.unit, "headline": int(spec.headline),
                                "kind": spec.kind}
    if spec.better:
        attrs["better"] = spec.better
    return attrs


def cf_units(unit: str) -> str:
    """The unit as CF conventions write it: ``1`` for a pure number, else the pint string."""
    return "1" if unit in ("", "dimensionless") else unit


def flat_columns(ds: xr.Dataset, names: Sequence[str] | None = None, lang: str = "en"
                 ) -> Iterator[tuple[str, str, xr.DataArray]]:
    """(column name, label key, (policy, future) array) for every scalar outcome, with
    extra dims spread into one column per label, e.g. ``days_to_depletion[pac3_mse]``."""
    for name in names or [str(v) for v in ds.data_vars]:
        var = ds[name]
        if "future" not in var.dims:
            continue
        extra = [d for d in var.dims if d not in ("policy", "future")]
        if not extra:
            yield name, "", var
        elif len(extra) == 1:
            dim = extra[0]
            names_ = ds[f"{dim}_label_{lang}"].values if f"{dim}_label_{lang}" in ds.coords \
                else var[dim].values
            for label, text in zip(var[dim].values, names_, strict=True):
                yield f"{name}[{label}]", str(text), var.sel({dim: label})
        else:
            stacked = var.stack(_cell=extra)
            for cell in stacked["_cell"].values:
                tag = ",".join(str(c) for c in cell)
                yield f"{name}[{tag}]", tag, stacked.sel(_cell=cell)


@dataclass
class Results:
    """The outcome of running a scenario: a Dataset plus convenience views."""

    dataset: xr.Dataset

    @classmethod
    def open(cls, path: str | Path, *, allow_partial: bool = False) -> Results:
        """The results of a run directory (``kaname explore``, loaded lazily) or of a
        ``.nc`` file (see :func:`kaname.store.reader.open_results`)."""
        from kaname.store.reader import open_results

        return open_results(path, allow_partial=allow_partial)

    @property
    def policies(self) -> list[str]:
        return [str(p) for p in self.dataset["policy"].values]

    def to_frame(self) -> pd.DataFrame:
        """One row per (policy, future): uncertainties, levers and every scalar outcome."""
        ds = self.dataset
        P, N = ds.sizes["policy"], ds.sizes["future"]
        frame: dict[str, np.ndarray] = {
            "policy": np.repeat(np.asarray(self.policies, dtype=object), N),
            "future": np.tile(ds["future"].values, P),
        }
        for name, coord in ds.coords.items():
            if name in ("policy", "future") or coord.ndim != 1:
                continue
            if coord.dims == ("future",):
                frame[str(name)] = np.tile(coord.values, P)
            elif coord.dims == ("policy",):
                frame[str(name)] = np.repeat(coord.values, N)
        for column, _, var in flat_columns(ds):
            frame[column] = var.transpose("policy", "future").values.reshape(-1)
        return pd.DataFrame(frame)

    def summary(self, lang: str = "en", quantiles: tuple[float, float] = (0.1, 0.9)
                ) -> list[dict[str, Any]]:
        """Per headline outcome and policy: median, band, and the median paired difference
        from the first policy (the same futures under each policy). Yes/no outcomes give the
        share of futures where they hold, and the difference in shares. The rows of
        :func:`kaname.presentation.headline_rows`, as plain dicts."""
        from kaname.presentation import headline_rows

        return [row.as_dict() for row in headline_rows(self, lang, quantiles=quantiles)]

    def summary_frame(self, lang: str = "en") -> pd.DataFrame:
        return pd.DataFrame(self.summary(lang))

    def describe(self, lang: str = "en") -> str:
        a = self.dataset.attrs
        return t("run.title", lang, name=a.get("scenario", ""), n=self.dataset.sizes["future"],
                 p=self.dataset.sizes["policy"], seed=a.get("seed"), design=a.get("design"))


@xr.register_dataset_accessor("kaname")
class KanameAccessor:
    """``ds.kaname``: kaname's views of any results Dataset (one opened with xarray too)."""

    def __init__(self, dataset: xr.Dataset):
        self._results = Results(dataset)

    def summary(self, lang: str = "en") -> pd.DataFrame:
        """Per headline outcome and policy: median or share, band, paired difference."""
        return self._results.summary_frame(lang)

    def frame(self) -> pd.DataFrame:
        """One row per (policy, future): uncertainties, levers and every scalar outcome."""
        return self._results.to_frame()
