"""How an ensemble is cut into vectorised calls, and how each call is seeded — one rule for
:func:`kaname.run` (in memory) and ``kaname explore`` (on disk), so the same scenario and seed
give bit-identical numbers either way.

A run of ``n`` futures × ``P`` policies is cut into chunks of ``K`` futures (``K·P`` samples
per call, never one sample per call). Chunk ``k`` covers futures ``[k·K, min(n, (k+1)·K))``,
except that the futures whose daily series are kept (the first ``keep_series``) end a chunk
of their own, so the memory-hungry series are computed only for them. Model randomness for
chunk ``k`` comes from ``SeedSequence(root, spawn_key=(MODEL_STREAM, k))``.
"""

from __future__ import annotations

import numpy as np

from kaname.errors import InputError
from kaname.sampling import MODEL_STREAM, seed_sequence

SAMPLES_PER_CHUNK = 50_000  # future × policy samples per vectorised call


def futures_per_chunk(policies: int, samples_per_chunk: int = SAMPLES_PER_CHUNK) -> int:
    """K: futures per chunk so that a chunk holds about `samples_per_chunk` samples."""
    if policies < 1:
        raise InputError(f"{policies} not allowed; needs at least one policy", key="policies")
    if samples_per_chunk < 1:
        raise InputError(f"{samples_per_chunk} not allowed; must be at least 1",
                         key="chunk_size")
    return max(1, samples_per_chunk // policies)


def plan_chunks(n: int, per_chunk: int, keep_series: int = 0) -> list[tuple[int, int]]:
    """Future ranges ``(start, stop)`` evaluated in one call each (see the module text)."""
    if per_chunk < 1:
        raise InputError(f"{per_chunk} not allowed; must be at least 1", key="chunk_size")
    cuts = set(range(0, n, per_chunk)) | {n}
    if 0 < keep_series < n:
        cuts.add(keep_series)
    edges = sorted(cuts)
    return list(zip(edges[:-1], edges[1:], strict=True))


def chunk_rng(seed: int, chunk_index: int) -> np.random.Generator:
    """The model random stream of chunk `chunk_index` of a run with root `seed`."""
    return np.random.default_rng(seed_sequence(seed, MODEL_STREAM, chunk_index))
