"""Slicing finished results by an uncertainty, without editing a scenario.

Two questions an analyst asks of a run after it is done: "what if the war comes in 2028?"
(keep only the futures where an uncertainty took that value: :func:`where`) and "does the
answer change with the year of the war?" (group the futures by an uncertainty: :func:`by`).
A discrete uncertainty (a category, an integer, a year) gives one group per value; a
continuous one gives equal-count bins, so each group has about the same number of futures
and the same statistical weight. Futures keep their pairing across policies, so a paired
difference inside a group is still paired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from kaname.errors import InputError

BINS = 4          # groups of a continuous uncertainty (quartiles)
MAX_VALUES = 12   # a numeric uncertainty with at most this many values is grouped by value


@dataclass(frozen=True)
class Slice:
    """One group of futures: its label in the reader's terms and which futures it holds."""

    label: str
    mask: np.ndarray  # bool over the run's futures

    @property
    def futures(self) -> int:
        return int(self.mask.sum())


def sampled(ds: xr.Dataset) -> list[str]:
    """The uncertainties sampled in `ds` (coordinates along ``future`` only)."""
    return [str(c) for c, v in ds.coords.items() if v.dims == ("future",) and c != "future"]


def values_of(ds: xr.Dataset, path: str, option: str) -> np.ndarray:
    """The per-future values of uncertainty `path`, or a one-line error naming `option`."""
    import difflib

    if path in ds.coords and ds[path].dims == ("future",):
        return np.asarray(ds[path].values)
    if path in ds.coords and ds[path].dims == ("policy",):
        raise InputError(f"{path} is a lever (set by each policy), not an uncertainty; "
                         f"compare policies instead", key=option)
    names = sampled(ds)
    near = difflib.get_close_matches(path, names, n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]}?" if near else \
        f"; sampled here: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
    raise InputError(f"{path} is not sampled in this run{hint}", key=option)


def _discrete(values: np.ndarray) -> bool:
    return values.dtype.kind in "OUSb" or np.unique(values).size <= MAX_VALUES


def _text(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.3g}"
    return str(v)


def by(ds: xr.Dataset, path: str, bins: int = BINS, option: str = "--by") -> list[Slice]:
    """The run's futures grouped by uncertainty `path`: one group per value of a discrete
    one, `bins` equal-count bins by rank ("low – high": the smallest and largest value in the
    bin) of a continuous one."""
    values = values_of(ds, path, option)
    if _discrete(values):
        return [Slice(_text(v), values == v) for v in np.unique(values)]
    x = values.astype(float)
    # by rank, so the groups' sizes differ by at most one future (quantile edges do not
    # promise that); a group is labelled by the smallest and largest value it holds
    rank = np.empty(x.size, dtype=np.int64)
    rank[np.argsort(x, kind="stable")] = np.arange(x.size)
    group = rank * bins // x.size
    out = []
    for g in range(bins):
        mask = group == g
        if mask.any():
            out.append(Slice(f"{_text(x[mask].min())} – {_text(x[mask].max())}", mask))
    return out


def where(ds: xr.Dataset, path: str, value: Any, option: str = "--set") -> Slice:
    """The futures where discrete uncertainty `path` took `value` (a continuous one has no
    futures at exactly one value: group it with ``--by`` instead)."""
    values = values_of(ds, path, option)
    if not _discrete(values):
        raise InputError(f"{path} is continuous in this run, so no future has exactly "
                         f"{value!r}; use --by {path} to group it into bins, or set it before "
                         f"the run (kaname run/explore --set)", key=option)
    if values.dtype.kind in "OUS":
        mask = values.astype(str) == str(value)
    else:
        try:
            mask = values.astype(float) == float(value)
        except (TypeError, ValueError):
            mask = np.zeros(values.shape, dtype=bool)
    if not mask.any():
        seen = ", ".join(_text(v) for v in np.unique(values)[:MAX_VALUES])
        raise InputError(f"no future has {path} = {value!r}; sampled values: {seen}",
                         key=option)
    return Slice(f"{path} = {_text(value)}", mask)


def subset(ds: xr.Dataset, piece: Slice) -> xr.Dataset:
    """`ds` restricted to the futures of `piece` (every policy, pairing kept)."""
    out = ds.isel(future=np.flatnonzero(piece.mask))
    out.attrs = {**ds.attrs, "futures": piece.futures}
    return out


def restrict(ds: xr.Dataset, sets: dict[str, Any]) -> tuple[xr.Dataset, list[str]]:
    """`ds` restricted to the futures matching every ``--set PATH=VALUE`` of finished
    results, and the labels of the conditions applied."""
    labels: list[str] = []
    for path, value in sets.items():
        piece = where(ds, path, value, option=f"--set {path}")
        ds = subset(ds, piece)
        labels.append(piece.label)
    return ds, labels
