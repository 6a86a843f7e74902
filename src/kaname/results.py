"""Ensemble results as a labelled ``xarray.Dataset`` (dims ``policy``, ``future`` and each
model's own, e.g. ``munition``), with tidy tables and per-policy summaries."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from kaname.text import t

if TYPE_CHECKING:
    import pyarrow as pa

    from kaname.ensemble import Chunk
    from kaname.spec import Spec

SAMPLE_SUFFIXES = (".csv", ".parquet")
"""The files :class:`SampleWriter` streams (a ``.nc`` file needs the whole Dataset:
``Results.dataset.to_netcdf``)."""


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
                 ) -> Iterator[tuple[str, str, xr.Variable]]:
    """(column name, label key, (policy, future) array) for every scalar outcome, with
    extra dims spread into one column per label, e.g. ``days_to_depletion[pac3_mse]``.
    The arrays are bare variables (dims and values, no coordinates): a DataArray would
    carry every per-future coordinate — hundreds of uncertainties — through each
    selection, which took most of ``kaname demo``'s minute."""
    for name in names or [str(v) for v in ds.data_vars]:
        var = ds.variables[name]
        if "future" not in var.dims:
            continue
        extra = [d for d in var.dims if d not in ("policy", "future")]
        if not extra:
            yield name, "", var
        elif len(extra) == 1:
            dim = extra[0]
            names_ = ds[f"{dim}_label_{lang}"].values if f"{dim}_label_{lang}" in ds.coords \
                else ds[dim].values
            for j, (label, text) in enumerate(zip(ds[dim].values, names_, strict=True)):
                yield f"{name}[{label}]", str(text), var.isel({dim: j})
        else:  # one column per cell, C order over the extra dims (as ``stack`` would)
            codes = [ds[d].values for d in extra]
            for idx in np.ndindex(*(len(c) for c in codes)):
                tag = ",".join(str(codes[k][i]) for k, i in enumerate(idx))
                yield f"{name}[{tag}]", tag, var.isel(dict(zip(extra, idx, strict=True)))


def frame_layout(ds: xr.Dataset) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The columns of :meth:`Results.to_frame`, in order, as ``(column, kind, name, cell)``:
    kind ``"policy"``, ``"future"``, ``"future_coord"`` (an uncertainty), ``"policy_coord"``
    (a lever) or ``"output"``; `cell` the labels of an output's extra dims (``{}``: none)."""
    out: list[tuple[str, str, str, dict[str, Any]]] = [
        ("policy", "policy", "policy", {}), ("future", "future", "future", {})]
    for name, coord in ds.coords.items():
        if name in ("policy", "future") or coord.ndim != 1:
            continue
        if coord.dims == ("future",):
            out.append((str(name), "future_coord", str(name), {}))
        elif coord.dims == ("policy",):
            out.append((str(name), "policy_coord", str(name), {}))
    for name in [str(v) for v in ds.data_vars]:
        var = ds[name]
        if "future" not in var.dims:
            continue
        extra = [str(d) for d in var.dims if d not in ("policy", "future")]
        if not extra:
            out.append((name, "output", name, {}))
        elif len(extra) == 1:
            for label in var[extra[0]].values:
                out.append((f"{name}[{label}]", "output", name, {extra[0]: label}))
        else:  # the order of var.stack(_cell=extra), as flat_columns spreads it
            for cell in itertools.product(*(var[d].values for d in extra)):
                tag = ",".join(str(c) for c in cell)
                out.append((f"{name}[{tag}]", "output", name, dict(zip(extra, cell,
                                                                        strict=True))))
    return out


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


class SampleWriter:
    """Every sample of a run streamed to a ``.csv`` or ``.parquet`` file chunk by chunk, as
    :func:`kaname.run` computes it (pass :meth:`write` as its ``on_chunk``): the rows and
    columns of :meth:`Results.to_frame` of the whole run — policy by policy, futures in
    order — without the run's Results in memory. `outputs` selects the outcome columns
    (:func:`kaname.ensemble.select_outputs`; uncertainties and levers are always written).

    A regular file (or a symbolic link to one: its target) is written to a temporary file
    beside it and renamed onto it by :meth:`close`, fsynced; on an error (or
    :meth:`abort`) the temporary file is removed and nothing is replaced. A character
    device or FIFO (``/dev/null``) is written through. The first policy's rows go straight
    into the file; the others' (and the futures' columns, once) wait in unnamed Arrow
    temporary files (regular reads and writes, no memory map) until :meth:`close` appends
    them in order. Parquet gets a row group per policy and chunk."""

    def __init__(self, path: str | Path, outputs: str | Sequence[str] = "all", *,
                 key: str = "samples"):
        from kaname.clikit import check_output_path
        from kaname.errors import InputError

        suffix = Path(path).suffix.lower()
        if suffix not in SAMPLE_SUFFIXES:
            raise InputError(f"unknown sample format {suffix!r}; allowed: "
                             f"{', '.join(SAMPLE_SUFFIXES)} (.nc: Results.dataset.to_netcdf)",
                             key=key)
        self.path, self.outputs, self.key, self.suffix = Path(path), outputs, key, suffix
        kind, self._target = check_output_path(path, key)
        self._tmp: Path | None = None
        self._fh: IO[bytes] | None = None
        self._open(kind)
        self._layout: list[tuple[str, str, str, dict[str, Any]]] = []
        self._index: dict[str, dict[str, tuple[int, ...]]] = {}
        self._policy_values: dict[str, np.ndarray] = {}
        self._schema: pa.Schema | None = None
        self._policies: list[str] = []
        self._spill_futures: Any = None     # (file, ipc writer) of the futures' columns
        self._spill_policy: list[Any] = []  # per later policy: (file, ipc writer)
        self._chunks = 0
        self._csv: Any = None
        self._parquet: Any = None

    # ------------------------------------------------------------------ the file
    def _open(self, kind: str) -> None:
        import tempfile

        from kaname.clikit import _fd_named

        try:
            if kind == "stream":
                fd = _fd_named(str(self._target))
                fd = os.dup(fd) if fd is not None else \
                    os.open(self._target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
                self._fh = open(fd, "wb")  # noqa: SIM115 - closed by close()/abort()
            else:
                fd, tmp = tempfile.mkstemp(prefix=f".{self._target.name}.", suffix=".part",
                                           dir=self._target.parent)
                self._tmp = Path(tmp)
                self._fh = open(fd, "wb")  # noqa: SIM115 - closed by close()/abort()
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        from kaname.errors import InputError

        self.abort()
        raise InputError(f"cannot be written ({exc.strerror or exc})", file=str(self.path),
                         key=self.key) from None

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # ------------------------------------------------------------------ the rows
    def _start(self, chunk: Chunk) -> None:
        from kaname.ensemble import _dataset, select_outputs

        outputs = [p for p in select_outputs(chunk.engine, self.outputs, key="outputs")
                   if p in chunk.outputs]
        template = _dataset(chunk.scenario, chunk.engine, chunk.policies, 1,
                            {p: v[:1] for p, v in chunk.futures.items()}, chunk.levers,
                            {p: chunk.outputs[p][:, :1] for p in outputs}, {}, chunk.seed,
                            chunk.design)
        self._layout = frame_layout(template)
        self._policies = list(chunk.policies)
        for _, kind, name, cell in self._layout:
            if kind == "policy_coord":
                self._policy_values[name] = np.asarray(template[name].values)
            elif kind == "output" and cell:
                var = template[name]
                labels = {d: [str(x) for x in var[d].values] for d in cell}
                self._index.setdefault(name, {})[",".join(str(c) for c in cell.values())] = \
                    tuple(labels[d].index(str(c)) for d, c in cell.items())

    def _frame(self, chunk: Chunk, p: int, kinds: tuple[str, ...]) -> pd.DataFrame:
        from kaname.ensemble import coordinate_values

        m = chunk.stop - chunk.start
        frame: dict[str, np.ndarray] = {}
        for column, kind, name, cell in self._layout:
            if kind not in kinds:
                continue
            if kind == "policy":
                frame[column] = np.full(m, self._policies[p], dtype=object)
            elif kind == "future":
                frame[column] = np.arange(chunk.start, chunk.stop)
            elif kind == "future_coord":
                frame[column] = coordinate_values(chunk.engine, name, chunk.futures[name])
            elif kind == "policy_coord":
                frame[column] = np.repeat(self._policy_values[name][p:p + 1], m)
            else:
                arr = chunk.outputs[name][p]
                if cell:
                    idx = self._index[name][",".join(str(c) for c in cell.values())]
                    arr = arr[(slice(None), *idx)]
                frame[column] = arr
        return pd.DataFrame(frame)

    def write(self, chunk: Chunk) -> None:
        """Add one chunk's rows (every policy)."""
        import pyarrow as pa

        if self._fh is None:
            raise ValueError("the sample file is closed")
        try:
            if not self._layout:
                self._start(chunk)
            every = ("policy", "future", "future_coord", "policy_coord", "output")
            first = self._frame(chunk, 0, every)
            table = pa.Table.from_pandas(first, preserve_index=False)
            if self._schema is None:
                self._schema = table.schema
            self._append(first, table)
            if len(self._policies) > 1:
                shared = [c for c, kind, _, _ in self._layout if kind in ("future",
                                                                        "future_coord")]
                self._spill(-1, table.select(shared))
                for p in range(1, len(self._policies)):
                    own = self._frame(chunk, p, ("policy", "policy_coord", "output"))
                    self._spill(p, pa.Table.from_pandas(own, preserve_index=False))
            self._chunks += 1
        except OSError as exc:
            self._fail(exc)
        except BaseException:
            self.abort()
            raise

    def _append(self, frame: pd.DataFrame | None, table: pa.Table) -> None:
        assert self._fh is not None
        if self.suffix == ".csv":
            import io

            if self._csv is None:
                self._csv = io.TextIOWrapper(self._fh, encoding="utf-8", newline="")
                header = True
            else:
                header = False
            (table.to_pandas() if frame is None else frame).to_csv(
                self._csv, index=False, header=header)
        else:
            import pyarrow.parquet as pq

            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._fh, table.schema)
            self._parquet.write_table(table)

    def _spill(self, p: int, table: pa.Table) -> None:
        import tempfile

        import pyarrow as pa

        if p == -1:
            if self._spill_futures is None:
                fh = tempfile.TemporaryFile(prefix="kaname-samples-")  # noqa: SIM115 - closed by close()/abort()
                self._spill_futures = (fh, pa.ipc.new_file(fh, table.schema))
            self._spill_futures[1].write_table(table)
            return
        while len(self._spill_policy) < p:
            fh = tempfile.TemporaryFile(prefix="kaname-samples-")  # noqa: SIM115 - closed by close()/abort()
            self._spill_policy.append((fh, pa.ipc.new_stream(fh, table.schema)))
        self._spill_policy[p - 1][1].write_table(table)

    # ------------------------------------------------------------------ the end
    def close(self) -> Path:
        """Append the later policies' rows, finish the file and put it in place."""
        import pyarrow as pa

        if self._fh is None:
            return self.path
        try:
            if self._spill_futures is not None:
                fh, writer = self._spill_futures
                writer.close()
                fh.seek(0)
                futures = pa.ipc.open_file(fh)
                assert self._schema is not None
                for sfh, swriter in self._spill_policy:
                    swriter.close()
                    sfh.seek(0)
                    own = pa.ipc.open_stream(sfh)
                    for k in range(self._chunks):
                        shared = futures.get_batch(k)
                        mine = own.read_next_batch()
                        cols = [shared.column(c) if kind in ("future", "future_coord")
                                else mine.column(c) for c, kind, _, _ in self._layout]
                        self._append(None, pa.Table.from_arrays(cols, schema=self._schema))
                    sfh.close()
            if self._csv is not None:
                self._csv.flush()
                self._csv.detach()
                self._csv = None
            if self._parquet is not None:
                self._parquet.close()
                self._parquet = None
            self._fh.flush()
            if self._tmp is not None:
                os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
            if self._tmp is not None:
                from kaname.files import UMASK

                os.chmod(self._tmp, 0o666 & ~UMASK)  # mkstemp makes 0600
                os.replace(self._tmp, self._target)
                self._tmp = None
        except OSError as exc:
            self._fail(exc)
        except BaseException:
            self.abort()
            raise
        finally:
            self._drop_spills()
        return self.path

    def abort(self) -> None:
        """Stop and remove the temporary file: nothing is replaced."""
        from contextlib import suppress

        for holder in ("_csv", "_parquet"):
            obj = getattr(self, holder, None)
            setattr(self, holder, None)
            if obj is not None:
                with suppress(Exception):
                    obj.detach() if holder == "_csv" else obj.close()
        if self._fh is not None:
            with suppress(OSError):
                self._fh.close()
            self._fh = None
        if self._tmp is not None:
            with suppress(OSError):
                self._tmp.unlink()
            self._tmp = None
        self._drop_spills()

    def _drop_spills(self) -> None:
        from contextlib import suppress

        for fh, _ in ([self._spill_futures] if self._spill_futures else []) + \
                self._spill_policy:
            with suppress(Exception):
                fh.close()
        self._spill_futures, self._spill_policy = None, []
