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


def top(values: np.ndarray, m: int) -> np.ndarray:
    """The positions of the ``m`` largest values, ascending (all positions when there are fewer)."""
    if m <= 0:
        return np.zeros(0, dtype=np.intp)
    return np.sort(np.argpartition(-values, m - 1)[:m]) if len(values) > m else np.arange(len(values))


def kth(scores: np.ndarray, k: int) -> float:
    """The k-th best of ``scores`` (at least k of them)."""
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])
