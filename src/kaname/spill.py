"""Arrays of a run kept in an unnamed temporary file instead of memory, read back piece by
piece as they are used.

A run of 10⁶ futures × 5 policies keeps 32 headline columns: 1.3 GB of float64 in memory,
though the summary reads one outcome at a time. With ``kaname.run(..., spill=True)`` each
kept outcome is a region of one temporary file, written chunk by chunk as the chunks are
computed (regular ``pwrite``s; no memory map, so a full disk is an ``OSError`` at the write,
not a crash at a later page fault) and wrapped for xarray as a lazily indexed array: the
Dataset looks as usual, and ``ds[name].values`` (or any selection) reads just those bytes.
Nothing is cached, so memory stays at what is being used at that moment. The file has no
name (``tempfile.TemporaryFile``): it disappears when the Results are garbage-collected or
the process ends, however it ends.
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

import numpy as np
from xarray.backends import BackendArray
from xarray.core import indexing


class SpillFile:
    """One temporary file holding any number of :class:`SpilledArray` regions."""

    def __init__(self, directory: str | None = None):
        self._fh = tempfile.TemporaryFile(prefix="kaname-outputs-", dir=directory)  # noqa: SIM115 - closed with the file object
        self.bytes = 0

    def allocate(self, shape: tuple[int, ...], dtype: Any) -> SpilledArray:
        """A region for an array of `shape` (first two dims: policy, future); unwritten
        bytes read as zeros."""
        array = SpilledArray(self, self.bytes, tuple(int(s) for s in shape), np.dtype(dtype))
        self.bytes += array.nbytes
        return array

    def fileno(self) -> int:
        return self._fh.fileno()

    def close(self) -> None:
        self._fh.close()


class SpilledArray(BackendArray):
    """An array of shape (policies, futures, ...) in a :class:`SpillFile`: written a policy's
    range of futures at a time, read (through xarray) a selection at a time."""

    def __init__(self, spill: SpillFile, offset: int, shape: tuple[int, ...], dtype: np.dtype):
        self.spill, self.offset, self.shape, self.dtype = spill, offset, shape, dtype
        self._row = math.prod(shape[2:]) * dtype.itemsize  # bytes of one future of a policy
        self.nbytes = math.prod(shape) * dtype.itemsize

    def _at(self, policy: int, future: int) -> int:
        return self.offset + (policy * self.shape[1] + future) * self._row

    def write(self, policy: int, start: int, values: np.ndarray) -> None:
        """Futures ``start .. start+len(values)-1`` of `policy`."""
        data = memoryview(np.ascontiguousarray(values, dtype=self.dtype).data).cast("B")
        where, fd = self._at(policy, start), self.spill.fileno()
        while data:
            done = os.pwrite(fd, data, where)
            data, where = data[done:], where + done

    def _read(self, policy: int, start: int, stop: int) -> np.ndarray:
        size = (stop - start) * self._row
        buf = bytearray(size)
        view, where, fd = memoryview(buf), self._at(policy, start), self.spill.fileno()
        while view:
            done = os.preadv(fd, [view], where)
            if done == 0:  # past the end: never written (zeros, as allocated)
                break
            view, where = view[done:], where + done
        return np.frombuffer(buf, dtype=self.dtype).reshape(stop - start, *self.shape[2:])

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(key, self.shape,
                                                  indexing.IndexingSupport.BASIC, self._basic)

    def _basic(self, key: tuple[Any, ...]) -> np.ndarray:
        """Integers and slices: read the futures' range of each policy selected, then
        index within it."""
        policy_key, future_key, rest = key[0], key[1], key[2:]
        policies = range(self.shape[0])[policy_key]
        futures = range(self.shape[1])[future_key]
        within: Any
        if isinstance(futures, int):
            lo, hi, within = futures, futures + 1, 0
        elif not len(futures):
            lo = hi = 0
            within = slice(None)
        else:
            lo, hi = min(futures[0], futures[-1]), max(futures[0], futures[-1]) + 1
            within = slice(None) if futures.step == 1 else np.asarray(futures) - lo
        if isinstance(policies, int):
            return self._read(policies, lo, hi)[(within, *rest)]
        if not len(policies):
            shape = np.empty((hi - lo, *self.shape[2:]))[(within, *rest)].shape
            return np.empty((0, *shape), dtype=self.dtype)
        return np.stack([self._read(p, lo, hi)[(within, *rest)] for p in policies])


def lazy(array: SpilledArray) -> indexing.LazilyIndexedArray:
    """`array` as the data of an xarray Variable, read on use."""
    return indexing.LazilyIndexedArray(array)
