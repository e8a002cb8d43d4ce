"""Common terms: the few found in a large share of a big library, kept as one count per passage
with block-max bounds, so that a question made only of them still reads few passages."""

from __future__ import annotations

import numpy as np

# A term found in one passage in COMMON or more is common: it keeps a count per passage (1 byte)
# instead of postings (5 bytes per passage it is in), so a question reads any passage's count
# directly. That costs room for the rarest of them (up to COMMON/5 × their postings) and saves it
# for the commonest. Measured on bench/search_peers.py's 1M passages: p99 8.7 ms with COMMON = 8,
# 4.2 ms with 32 (questions of mid-frequency terms then take the block path).
COMMON = 32
# Passages per fine block and per coarse block. A question's bound is summed over the coarse
# blocks first, then over the fine blocks of the coarse ones that can still hold a top passage.
FINE = 4
COARSE = 64
FINE_PER_COARSE = COARSE // FINE
# The bounds are kept in 256 levels of (k1+1)/254, rounded up: a level is never below the
# best tf-part it stands for, and at most one step above it.
_LEVELS = 254


class CommonTerms:
    """For each common term: how often it occurs in each passage, and its best tf-part (as a
    level) in each fine and each coarse block of passages."""

    def __init__(self, terms: list[int], counts: np.ndarray, norm: np.ndarray, k1: float):
        """``counts`` holds one row per term of ``terms``, one column per passage (padded
        with zeros to whole coarse blocks); ``norm`` is each passage's length norm."""
        self.rows = {term: row for row, term in enumerate(terms)}
        self.counts = counts
        self.step = (k1 + 1) / _LEVELS
        padded = counts.shape[1] if len(terms) else len(norm)
        self.fine = np.zeros((len(terms), padded // FINE), dtype=np.uint8)
        for row in range(len(terms)):
            frequency = counts[row].astype(np.float64)
            part = (frequency * (k1 + 1)) / (norm + frequency)
            best = part.reshape(-1, FINE).max(axis=1)
            self.fine[row] = np.minimum(np.floor(best / self.step) + 1, 255) * (best > 0)
        self.coarse = self.fine.reshape(len(terms), padded // COARSE, FINE_PER_COARSE).max(axis=2)

    def fine_bound(self, row: int, coarse_blocks: np.ndarray) -> np.ndarray:
        """The term's best tf-part (a bound: never below it) in each fine block of the given
        coarse blocks, one row of fine blocks per coarse block."""
        return np.float32(self.step) * in_coarse(self.fine[row], coarse_blocks)

    def coarse_bound(self, row: int) -> np.ndarray:
        """The term's best tf-part (a bound) in each coarse block."""
        return self.step * self.coarse[row]


def block_maxima(passages: np.ndarray, part: np.ndarray, fine_blocks: int) -> np.ndarray:
    """The best of ``part`` in each fine block, for a term's postings (``passages``
    ascending, ``part`` their tf-parts); 0 where the term is absent."""
    block = passages // FINE
    first = np.flatnonzero(np.diff(block, prepend=-1))
    best = np.zeros(fine_blocks)
    best[block[first]] = np.maximum.reduceat(part, first)
    return best


def in_coarse(fine: np.ndarray, coarse_blocks: np.ndarray) -> np.ndarray:
    """A fine-block array's values in the given coarse blocks, one row per coarse block."""
    return fine.reshape(-1, FINE_PER_COARSE)[coarse_blocks]


def fine_slots(fine_blocks: np.ndarray) -> np.ndarray:
    """The passages of the given fine blocks (ascending), padding included."""
    return (fine_blocks[:, None] * FINE + np.arange(FINE)).ravel()


def fine_of(coarse_blocks: np.ndarray) -> np.ndarray:
    """The fine blocks of the given coarse blocks, in order."""
    return (coarse_blocks[:, None] * FINE_PER_COARSE + np.arange(FINE_PER_COARSE)).ravel()


def coarse_of(fine: np.ndarray) -> np.ndarray:
    """A fine-block array reduced to the best of each coarse block."""
    return fine.reshape(-1, FINE_PER_COARSE).max(axis=1)
