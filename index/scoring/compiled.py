"""A big library's search as one compiled call, when numba is installed (the ``fast`` extra).

With numpy, a question made only of common terms needs the bounds of most of the blocks and
several rounds of exact scores: some 400 numpy calls, each cheap, together the tail of the
latency; with the caches cold, each costs microseconds (docs/performance.md). Here the same
search runs as one loop: MaxScore's first step over the rarest terms' postings, then the block
bounds, the blocks that can still hold a top unit, and each of their units scored exactly. The
scores are rank-bm25's floats, computed by the same operations in the same order (numba keeps
IEEE arithmetic unless asked for fast math), so the rankings stay identical.

numba is optional: ``import numba`` costs about 0.3 s and 120 MB of RSS, worth it for a big
library, not for a bot whose libraries are a few articles. This module is imported, and the
search compiled (cached on disk after the first time), when a big library is first built.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .blocks import COARSE, FINE, FINE_PER_COARSE, MARGIN

# The search's tuning, passed to it (so tests can force each path): the rarer terms that can add
# most are scored first while their postings are at most one per LEAD_SHARE coarse blocks; then
# the SEEDS coarse blocks with the highest bounds, to learn a k-th best score (past SAMPLED
# blocks per one wanted, picked from a sample of one in _SAMPLE, select.about_top's way); then
# the fine blocks still reaching it, sorted into _BUCKETS buckets of bounds, best first.
LEAD_SHARE = 64
SEEDS = 64
SAMPLED = 32
TUNING = (LEAD_SHARE, SEEDS, SAMPLED)
_SAMPLE = 8
_BUCKETS = 1024


@numba.njit(cache=True, nogil=True)
def top(
    k: int, size: int, library: tuple, blocks: tuple, question: tuple, tuning: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best units, best first (ties: lower unit first), and their scores.

    Args:
        k: how many are wanted, of ``size`` units.
        library: ``(norm, k1_plus_1, delta, dense, runs, first, end)``: each unit's
            ``k1·(1-b+b·len/avgdl)`` (padded to whole coarse blocks) and rank-bm25's parameters;
            each piece's count of each common term; whether units are runs of pieces
            ``[first, end)`` (else each unit is its piece).
        blocks: ``(fine, coarse, step)``: the common terms' levels per fine and coarse block (a
            row per common term), and a level's share of a tf-part.
        question: ``(idf, rows, weight_step, floor, common, max_level, rare_start, rare_end,
            rare_units, rare_counts)``: each distinct term's idf; the question's terms in order,
            as positions among them (a term asked twice is there twice); each one's weight (idf
            × times asked) × ``step``; what every unit scores, ``Σ idf·δ``; each one's row in
            ``fine`` and column in ``dense`` (-1 for a rarer term, whose levels are made here
            from its postings); each one's best level anywhere; and the rarer terms' postings,
            term ``j``'s from ``rare_start[j]`` to ``rare_end[j]`` in ``rare_units`` (ascending)
            and ``rare_counts`` (how often it occurs there).
        tuning: ``TUNING``.

    Returns:
        The units, and their scores: the same floats as rank-bm25's.
    """
    norm, k1_plus_1 = library[0], library[1]
    fine, coarse, step = blocks
    idf, _, weight_step, floor, common, max_level, rare_start, rare_end, rare_units, rare_counts = question
    lead_share, seeds, sampled = tuning
    k = min(k, size)  # the heaps below hold k scores: never more than there are units
    coarse_blocks = fine.shape[1] // FINE_PER_COARSE  # whole ones: ``norm`` is padded to them
    at = np.empty(len(idf), dtype=np.int64)
    # MaxScore's first steps (SparseBM25Scorer.top): the terms that can add most, while they are
    # rarer terms with few postings, have their units scored first; if the other terms together
    # cannot lift any other unit to the k-th best of those, they are the answer. Else what they
    # reach is a k-th best to start from.
    bounds = weight_step * max_level
    by_bound = np.argsort(-bounds)
    taken, postings = 0, 0
    while taken < len(by_bound) and common[by_bound[taken]] < 0:
        postings += rare_end[by_bound[taken]] - rare_start[by_bound[taken]]
        if postings * lead_share > coarse_blocks:
            break
        taken += 1
    kth = -np.inf  # a score k units are known to reach
    if taken:
        held, line = 0, kth
        found = (np.empty(k), [0], [0.0])  # the k best scores (a min-heap); the units kept, their scores
        for lead in by_bound[:taken]:
            at[:] = rare_start  # the units come in order: each term's place only moves on
            for i in range(rare_start[lead], rare_end[lead]):
                unit = rare_units[i]
                if not _held_before(unit, by_bound[:taken], lead, rare_start, rare_end, rare_units):
                    held, line = _score_unit(unit, k, library, question, at, found, held, line)
        if held == k and (floor + bounds[by_bound[taken:]].sum()) * MARGIN < line:
            return _best(found, line, k)
        kth = line
    # The rarer terms' levels in each fine and coarse block, from their postings, as
    # blocks.levels_of_postings makes them: a row of ``own`` and ``own_coarse`` per rarer term.
    own_row = np.full(len(idf), -1)
    rarer = 0
    for j in range(len(idf)):
        if common[j] < 0:
            own_row[j] = rarer
            rarer += 1
    own = np.zeros((rarer, fine.shape[1]), dtype=np.uint8)
    own_coarse = np.zeros((rarer, coarse_blocks), dtype=np.uint8)
    own_levels = (own, own_row)
    for j in range(len(idf)):
        for i in range(rare_start[j], rare_end[j]):
            level = _level(_part(rare_counts[i], norm[rare_units[i]], k1_plus_1), step)
            block = rare_units[i] // FINE
            own[own_row[j], block] = max(own[own_row[j], block], level)
            block = rare_units[i] // COARSE
            own_coarse[own_row[j], block] = max(own_coarse[own_row[j], block], level)
    # What the terms can add to a score in each coarse block (0: the block holds none of them).
    added = np.zeros(coarse_blocks)
    for j in range(len(idf)):
        levels = coarse[common[j]] if common[j] >= 0 else own_coarse[own_row[j]]
        for block in range(coarse_blocks):
            added[block] += weight_step[j] * levels[block]
    # A k-th best score is learnt from the units of the coarse blocks with the highest bounds;
    # then the fine blocks still reaching it are scored, best first. (Blocks.top's way, without
    # its hundreds of numpy calls.)
    held, line = 0, kth
    found = (np.empty(k), [0], [0.0])  # the k best scores (a min-heap); the units kept, their scores
    seen = np.zeros(coarse_blocks, dtype=np.bool_)
    for block in _about_best(added, seeds, sampled):
        seen[block] = True
        for fine_block in range(block * FINE_PER_COARSE, (block + 1) * FINE_PER_COARSE):
            can_add = _can_add(fine_block, weight_step, fine, common, own, own_row)
            if can_add > 0 and (floor + can_add) * MARGIN >= line:
                held, line = _score_block(
                    fine_block, k, size, library, question, own_levels, at, found, held, line
                )
    reaching = _reaching(added, floor, line, seen)
    # The fine blocks of the coarse blocks left, and what the terms can add in each: summed a term
    # at a time, each term's levels read in order.
    adds = np.zeros(len(reaching) * FINE_PER_COARSE)
    for j in range(len(idf)):
        levels = fine[common[j]] if common[j] >= 0 else own[own_row[j]]
        for i, block in enumerate(reaching):
            for f in range(FINE_PER_COARSE):
                adds[i * FINE_PER_COARSE + f] += weight_step[j] * levels[block * FINE_PER_COARSE + f]
    # Then those fine blocks, about best first (a counting sort into buckets of what they can
    # add), until the best of a bucket can no longer reach the k-th best score.
    order, starts, best_in = _by_bucket(adds, floor, line)
    for bucket in range(len(best_in)):
        if starts[bucket] == starts[bucket + 1]:
            continue
        if (floor + best_in[bucket]) * MARGIN < line:
            break
        for i in order[starts[bucket] : starts[bucket + 1]]:
            if (floor + adds[i]) * MARGIN >= line:
                fine_block = reaching[i // FINE_PER_COARSE] * FINE_PER_COARSE + i % FINE_PER_COARSE
                held, line = _score_block(
                    fine_block, k, size, library, question, own_levels, at, found, held, line
                )
    return _best(found, line, k)


@numba.njit(cache=True, nogil=True)
def _best(found, line, k):
    """The ``k`` best of the units found (ties: the lower unit first), and their scores."""
    units, scores = np.array(found[1][1:]), np.array(found[2][1:])
    keep = scores >= line
    units, scores = units[keep], scores[keep]
    by_unit = np.argsort(units)  # then best first, stable: ties keep the lower unit first
    best = by_unit[np.argsort(-scores[by_unit], kind="mergesort")][:k]
    return units[best], scores[best]


@numba.njit(cache=True, nogil=True, inline="always")
def _can_add(fine_block, weight_step, fine, common, own, own_row):
    """At most what the terms add to a score in the fine block (0: it holds none of them)."""
    can_add = 0.0
    for j in range(len(weight_step)):
        level = fine[common[j], fine_block] if common[j] >= 0 else own[own_row[j], fine_block]
        can_add += weight_step[j] * level
    return can_add


@numba.njit(cache=True, nogil=True, inline="always")
def _score_block(fine_block, k, size, library, question, own_levels, at, found, held, line):
    """Scores the fine block's units, keeping those that reach ``line``; returns how many
    scores the heap holds, and the line raised. ``at``: room for a place in each term's postings."""
    own, own_row = own_levels
    common, rare_start, rare_end, rare_units = question[4], question[6], question[7], question[8]
    for j in range(len(common)):  # each rarer term's first posting in the block, if it has any
        at[j] = rare_end[j]
        if common[j] < 0 and own[own_row[j], fine_block] > 0:
            at[j] = _bisect(rare_units, rare_start[j], rare_end[j], fine_block * FINE)
    for unit in range(fine_block * FINE, min(fine_block * FINE + FINE, size)):
        held, line = _score_unit(unit, k, library, question, at, found, held, line)
    return held, line


@numba.njit(cache=True, nogil=True)
def _by_bucket(values, floor, line):
    """The positions of the positive values whose bound (``floor`` + value) reaches ``line``,
    sorted into _BUCKETS buckets of values, the best bucket first: the positions, where each
    bucket starts among them, and each bucket's best value."""
    low, high, count = np.inf, 0.0, 0
    for value in values:
        if value > 0 and (floor + value) * MARGIN >= line:
            low, high, count = min(low, value), max(high, value), count + 1
    scale = (_BUCKETS - 1) / (high - low) if high > low else 0.0
    starts = np.zeros(_BUCKETS + 1, dtype=np.int64)
    best_in = np.zeros(_BUCKETS)
    for value in values:
        if value > 0 and (floor + value) * MARGIN >= line:
            bucket = _BUCKETS - 1 - int((value - low) * scale)
            starts[bucket + 1] += 1
            best_in[bucket] = max(best_in[bucket], value)
    for bucket in range(_BUCKETS):
        starts[bucket + 1] += starts[bucket]
    order = np.empty(count, dtype=np.int64)
    filled = starts[:-1].copy()
    for i in range(len(values)):
        if values[i] > 0 and (floor + values[i]) * MARGIN >= line:
            bucket = _BUCKETS - 1 - int((values[i] - low) * scale)
            order[filled[bucket]] = i
            filled[bucket] += 1
    return order, starts, best_in


@numba.njit(cache=True, nogil=True)
def _reaching(added, floor, line, seen):
    """The coarse blocks not ``seen`` whose bound reaches ``line``, ascending."""
    count = 0
    for block in range(len(added)):
        count += not seen[block] and added[block] > 0 and (floor + added[block]) * MARGIN >= line
    blocks = np.empty(count, dtype=np.int64)
    count = 0
    for block in range(len(added)):
        if not seen[block] and added[block] > 0 and (floor + added[block]) * MARGIN >= line:
            blocks[count] = block
            count += 1
    return blocks


@numba.njit(cache=True, nogil=True)
def _about_best(values, count, sampled):
    """The positions of about ``count`` of the largest positive values (at least ``count``, or
    all positive ones), ascending: past ``sampled`` values per one wanted, a line is found first
    from one value in _SAMPLE (select.about_top's way)."""
    line = 0.0
    if len(values) >= sampled * count:
        wanted = max(2 * count // _SAMPLE, 1)
        sample = np.empty(wanted)  # a min-heap of the sample's best
        held = 0
        for i in range(0, len(values), _SAMPLE):
            if values[i] > 0 and (held < wanted or values[i] > sample[0]):
                held = _keep_best(sample, held, values[i])
        line = sample[0] if held == wanted else 0.0
    chosen = np.flatnonzero((values > 0) & (values >= line))
    if len(chosen) < count and line > 0:  # the sample misled: every positive value
        chosen = np.flatnonzero(values > 0)
    if len(chosen) <= 4 * count:
        return chosen
    best = np.empty(count)  # many: the ``count`` best of them
    at = np.empty(count, dtype=np.int64)
    held = 0
    for i in chosen:
        if held < count or values[i] > best[0]:
            held = _keep_best(best, held, values[i], at, i)
    return np.sort(at[:held])


@numba.njit(cache=True, nogil=True, inline="always")
def _score_unit(unit, k, library, question, at, found, held, line):
    """Scores the unit, keeping it if it reaches ``line``; returns how many scores the heap
    holds, and the line raised."""
    score = _score(unit, library, question, at)
    if score >= line and score > -np.inf:  # (a unit holding none of the terms scores -inf)
        heap, units, scores = found
        units.append(unit)
        scores.append(score)
        held = _keep_best(heap, held, score)
        if held == k:
            line = max(line, heap[0])
    return held, line


@numba.njit(cache=True, nogil=True, inline="always")
def _held_before(unit, terms, term, rare_start, rare_end, rare_units):
    """Whether one of ``terms`` before ``term`` occurs in the unit (its postings hold it)."""
    for other in terms:
        if other == term:
            return False
        at = _bisect(rare_units, rare_start[other], rare_end[other], unit)
        if at < rare_end[other] and rare_units[at] == unit:
            return True
    return False


@numba.njit(cache=True, nogil=True, inline="always")
def _bisect(units, start, end, unit):
    """The first place from ``start`` to ``end`` of the ascending ``units`` holding ``unit`` or
    a later one (``end`` if none)."""
    while start < end:
        middle = (start + end) // 2
        if units[middle] < unit:
            start = middle + 1
        else:
            end = middle
    return start


@numba.njit(cache=True, nogil=True, inline="always")
def _part(count, norm, k1_plus_1):
    """rank-bm25's tf-part of a term occurring ``count`` times, as SparseBM25Scorer._tf_part
    computes it (the count made a float64 by its first operation, as in numpy)."""
    return (count * k1_plus_1) / (norm + count)


@numba.njit(cache=True, nogil=True, inline="always")
def _level(part, step):
    """A tf-part as a level of ``step``, rounded up: blocks.levels, for one positive part."""
    return min(math.floor(part / step) + 1, 255)


@numba.njit(cache=True, nogil=True, inline="always")
def _score(unit, library, question, at):
    """rank-bm25's score of the unit: Σ idf·(δ + tf-part), term by term in the question's order,
    from 0.0 (0.0 + x is x); -inf when it holds none of the terms. ``at``: where to look for
    the unit in each rarer term's postings (moved on past the units before it)."""
    norm, k1_plus_1, delta, dense, runs, first, end = library
    idf, rows, common, rare_end, rare_units, rare_counts = (
        question[0],
        question[1],
        question[4],
        question[7],
        question[8],
        question[9],
    )
    score = 0.0
    matched = False
    for r in range(len(rows)):
        j = rows[r]
        if common[j] >= 0:
            count = 0
            if runs:
                for piece in range(first[unit], end[unit]):
                    count += dense[piece, common[j]]
            else:
                count = dense[unit, common[j]]
            part = _part(count, norm[unit], k1_plus_1) if count else 0.0  # 0.0 either way
        else:
            while at[j] < rare_end[j] and rare_units[at[j]] < unit:
                at[j] += 1
            found = at[j] < rare_end[j] and rare_units[at[j]] == unit
            part = _part(rare_counts[at[j]], norm[unit], k1_plus_1) if found else 0.0
        matched = matched or part > 0
        score += (delta + part) * idf[j]
    return score if matched else -np.inf


@numba.njit(cache=True, nogil=True, inline="always")
def _keep_best(heap, held, value, ids=None, id_=0):
    """Puts the value among the best ``len(heap)`` (a min-heap of ``held``, with ``ids`` beside
    it if given); returns how many it holds."""
    if held < len(heap):  # room: the value rises to its place
        at = held
        held += 1
    elif value > heap[0]:  # the lowest makes way, and the value sinks to its place
        at = 0
    else:
        return held
    heap[at] = value
    if ids is not None:
        ids[at] = id_
    while at > 0 and heap[(at - 1) // 2] > heap[at]:
        _swap(heap, ids, at, (at - 1) // 2)
        at = (at - 1) // 2
    while 2 * at + 1 < held:
        child = 2 * at + 1
        if child + 1 < held and heap[child + 1] < heap[child]:
            child += 1
        if heap[at] <= heap[child]:
            break
        _swap(heap, ids, at, child)
        at = child
    return held


@numba.njit(cache=True, nogil=True, inline="always")
def _swap(heap, ids, a, b):
    heap[a], heap[b] = heap[b], heap[a]
    if ids is not None:
        ids[a], ids[b] = ids[b], ids[a]
