"""Block-max bounds for common terms, and the search that uses them: a question whose common
terms must be read still scores few units, in a few array operations per term."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import select

# Units per fine block and per coarse block. A question's bound is summed over the coarse
# blocks first, then over the fine blocks of the coarse ones that can still hold a top unit.
FINE = 4
COARSE = 16
FINE_PER_COARSE = COARSE // FINE
_AS_ONE = {2: np.uint16, 4: np.uint32, 8: np.uint64}[FINE_PER_COARSE]
# The bounds are kept in 256 levels of (k1+1)/254, rounded up: a level is never below the
# best tf-part it stands for, and at most one step above it.
LEVELS = 254
# Bounds are summed in another order than scores: a relative margin keeps float rounding from
# ever pruning a unit that ties with the k-th best.
MARGIN = 1 + 1e-9
MARGIN_32 = 1 + 1e-5
# How many coarse blocks, then fine blocks per unit wanted, are scored to learn a first k-th
# best score; and how many of the rarer terms' units per unit wanted.
_SEED_COARSE = 64
_SEED_FINE = 16
_SEED_RARE = 4

# The exact scores of some units (ascending): those that match the question, and their scores.
Scored = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def levels(parts: np.ndarray, step: float) -> np.ndarray:
    """Tf-parts as levels of ``step``, rounded up (0 stays 0)."""
    return (np.minimum(np.floor(parts / step) + 1, 255) * (parts > 0)).astype(np.uint8)


def levels_of_postings(units: np.ndarray, parts: np.ndarray, fine_blocks: int, step: float) -> np.ndarray:
    """A term's best tf-part in each fine block, as levels, from its postings (``units``
    ascending, ``parts`` their tf-parts): the work grows with the postings, not the library."""
    fine = np.zeros(fine_blocks, dtype=np.uint8)
    # Levels grow with tf-parts, so a block's best level is the level of its best tf-part.
    np.maximum.at(fine, units // FINE, levels(parts, step))
    return fine


def block_levels(parts: np.ndarray, step: float) -> np.ndarray:
    """A term's best tf-part in each fine block (``parts``: padded to whole coarse blocks), as levels."""
    return levels(group_max(parts, FINE), step)


class Blocks:
    """For each common term, its best tf-part (as a level) in each fine and coarse block."""

    def __init__(self, rows: dict[int, int], fine: np.ndarray, step: float):
        """``fine`` holds the levels of the term of each row (:func:`block_levels`)."""
        self.rows = rows
        self.step = step
        self.fine = fine
        self.coarse = group_max(fine, FINE_PER_COARSE)

    def top(
        self,
        size: int,
        weight: dict[int, float],
        floor: float,
        rare: tuple[np.ndarray, np.ndarray],
        kth: float,
        k: int,
        scored: Scored,
        more: list[tuple[float, np.ndarray]] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """The units that may hold the ``k`` best, exactly scored: those of the fine blocks whose
        bound reaches the k-th best score, and the units of the rarer terms that may reach it.

        A block's bound adds up, for each common term (``weight``: the question's terms and
        their weights; ``more``: other terms' weights and fine levels), its weight times its
        best tf-part in the block: a unit holding none of the rarer terms (``rare``: their
        units, ascending, and what those terms add to each) scores no more. Bounds are summed
        over coarse blocks, then over the fine blocks of the coarse ones that reach ``kth``;
        ``kth`` is first raised by scoring the units with the highest bounds.
        """
        rows = ((term, self.rows.get(term)) for term in weight)  # the question's few, not every common term
        terms = [(weight[term], self.fine[row], self.coarse[row]) for term, row in rows if row is not None]
        terms += [(w, fine, group_max(fine, FINE_PER_COARSE)) for w, fine in more]
        coarse = np.full(
            self.coarse.shape[1], np.float32(floor)
        )  # float32: a wider margin covers its rounding
        for w, _, levels_of in terms:
            coarse += np.float32(w * self.step) * levels_of
        coarse *= np.float32(MARGIN_32)
        fines = [(np.float32(w * self.step), fine) for w, fine, _ in terms]
        units, added = rare
        reach = added * MARGIN  # the rarer terms' units: what those add, plus their fine blocks' bounds
        if len(units):
            at = units // FINE
            best = np.full(len(units), np.float32(floor))
            for w, fine in fines:
                best += w * fine.take(at)
            reach += best * np.float32(MARGIN_32)

        def fine_bounds(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """The fine blocks of the given coarse blocks (ascending), and their bounds (float32:
            a wider margin covers its rounding)."""
            every = 2 * len(blocks) > len(coarse)  # most of them: reading every one is quicker
            fine = np.arange(self.fine.shape[1]) if every else _fine_of(blocks)
            bounds = np.full(len(fine), np.float32(floor))
            for w, levels_of in fines:
                # A coarse block's fine levels lie side by side: read as one integer each.
                bounds += w * (levels_of if every else levels_of.view(_AS_ONE)[blocks].view(np.uint8))
            return fine, bounds * np.float32(MARGIN_32)

        def learn(fine: np.ndarray, best_rare: int) -> float:
            """The k-th best score among the units of the given fine blocks and the rarer
            terms' best ``best_rare`` units; -inf when they hold fewer than k matches."""
            _, scores = scored(select.union([_slots(fine, size), units[select.about_top(reach, best_rare)]]))
            return select.kth(scores, k) if len(scores) >= k else -math.inf

        seeds = _SEED_COARSE
        while True:  # a first k-th best: the best fine blocks of the coarse blocks with the highest bounds
            fine, bounds = fine_bounds(select.about_top(coarse, seeds))
            kth = max(kth, learn(fine[select.about_top(bounds, _SEED_FINE * k)], _SEED_RARE * k))
            if kth > -math.inf or seeds >= len(coarse):
                break
            seeds *= 4  # fewer than k matches there: look further
        fine, bounds = fine_bounds(np.flatnonzero(coarse >= kth))
        seeds = _SEED_FINE * k
        while np.count_nonzero(bounds >= kth) > 4 * seeds:
            # Many blocks still reach it: a better k-th best from the best of them.
            seeds *= 2
            kth = max(kth, learn(fine[select.about_top(bounds, seeds)], 0))
        return scored(select.union([_slots(fine[bounds >= kth], size), units[reach >= kth]]))


def group_max(values: np.ndarray, size: int) -> np.ndarray:
    """The largest of each run of ``size`` values along the last axis (its length a multiple of
    ``size``): ``size`` strided maxima, many times quicker than numpy's max over a short axis."""
    best = values[..., ::size].copy()
    for offset in range(1, size):
        np.maximum(best, values[..., offset::size], out=best)
    return best


def _fine_of(coarse: np.ndarray) -> np.ndarray:
    """The fine blocks of the given coarse blocks, in order."""
    return (coarse[:, None] * FINE_PER_COARSE + np.arange(FINE_PER_COARSE)).ravel()


def _slots(fine: np.ndarray, size: int) -> np.ndarray:
    """The units of the given fine blocks (ascending) that exist."""
    slots = (fine[:, None] * FINE + np.arange(FINE)).ravel()
    return slots[: np.searchsorted(slots, size)]
