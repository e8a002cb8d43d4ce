"""Picking units out of arrays: the union of ascending arrays, the largest values, the k-th best."""

from __future__ import annotations

import numpy as np


def union(arrays: list[np.ndarray]) -> np.ndarray:
    """The values of ascending arrays, ascending, each once."""
    arrays = [array for array in arrays if len(array)] or arrays[:1]
    if len(arrays) == 1:
        return arrays[0]
    # Sorted runs: a stable sort merges them in one pass (np.unique would sort from scratch).
    merged = np.concatenate(arrays)
    merged.sort(kind="stable")
    new = np.empty(len(merged), dtype=bool)
    new[:1] = True
    np.not_equal(merged[1:], merged[:-1], out=new[1:])
    return merged[new]


# Past this many values per one wanted, a sample of one value in _SAMPLE finds the line first.
_SAMPLED = 32
_SAMPLE = 8


def top(values: np.ndarray, m: int) -> np.ndarray:
    """The positions of the ``m`` largest values, ascending (all positions when there are fewer)."""
    if m <= 0:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.argpartition(-values, m - 1)[:m]) if len(values) > m else np.arange(len(values))


def about_top(values: np.ndarray, m: int) -> np.ndarray:
    """The positions of at least ``m`` (or all) and about ``m`` of the largest values, ascending:
    where any of the best will do (units to score first, to learn a k-th best score), without
    the cost of ranking every value exactly."""
    if m <= 0 or len(values) < _SAMPLED * m:
        return top(values, m)
    # The 2m/_SAMPLE-th best of one value in _SAMPLE lies near the 2m-th best of all: about 2m,
    # and nearly always m or more, reach it.
    sample = values[::_SAMPLE]
    rank = max(2 * m // _SAMPLE, 1)
    line = np.partition(sample, len(sample) - rank)[len(sample) - rank]
    reaching = np.flatnonzero(values >= line)
    if len(reaching) < m:  # the sample misled
        return top(values, m)
    if len(reaching) <= 4 * m:
        return reaching
    # Many reach it: the m best of them (as all the m best reach it), found among those only.
    above = reaching[values[reaching] > line]
    if len(above) > m:
        return above[top(values[above], m)]
    # Many tie at the line (bounds are sums of a few levels): those above it, then ties.
    tied = reaching[values[reaching] == line][: m - len(above)]
    return union([above, tied])


def kth(scores: np.ndarray, k: int) -> float:
    """The k-th best of ``scores`` (at least k of them)."""
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])
