"""rank-bm25's BM25Plus scores from an inverted index with numpy, pruned so that a question
touches few passages even when all its terms are common."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain, count

import numpy as np

from .bm25 import DELTA, K1, B, Scored
from .common import (
    COARSE,
    COMMON,
    FINE,
    FINE_PER_COARSE,
    CommonTerms,
    block_maxima,
    coarse_of,
    fine_of,
    fine_slots,
    in_coarse,
)

# Past one passage in _DENSE of the library, library-sized arrays beat sorting and searching;
# a term's tf-parts for fewer than one passage in _SEARCH of its postings are looked up.
_DENSE = 32
_SEARCH = 8
# A library under this many passages (an article is 20–200) is scored a whole query term at a
# time: a vector of the term's share of every passage's score, kept once made (up to
# _TERM_VECTOR_BYTES of them per scorer). At that size the cost is numpy's per-call overhead,
# not the postings, and a question then takes a few vector additions.
SMALL_LIBRARY = 1024
_TERM_VECTOR_BYTES = 256 * 1024
# Bounds are summed in another order than scores: a relative margin keeps float rounding from
# ever pruning a passage that ties with the k-th best.
_MARGIN = 1 + 1e-9
_MARGIN_32 = 1 + 1e-5
# Up to _EXACT (or _FEW·k) candidates are all scored exactly; past that, the _FEW·k best on the
# terms read so far are, to learn a k-th best score that prunes the others.
_EXACT = 512
_FEW = 4
# How many coarse blocks, then fine blocks per passage wanted, are scored to learn a first k-th
# best score when a question is made of common terms only.
_SEED_COARSE = 8
_SEED_FINE = 16


class SparseBM25Scorer:
    """rank-bm25's ``BM25Plus`` scores, computed from an inverted index with numpy.

    rank-bm25 visits every passage for every query term (a Python loop over one dict per
    passage): over a second per question at a million passages. Here each term keeps the
    passages it occurs in and how often (its postings: 4 + 1 bytes each; a common term keeps a
    count per passage instead, 1 byte), and a question touches only the passages that can
    still make its top k, so its cost grows with those rather than with the library. The
    formula, parameters and arithmetic are rank-bm25's (tests compare the two on random
    corpora); a passage that matches no term scores the same ``Σ idf·δ`` as every other such
    passage and is never ranked.
    """

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float = K1,
        b: float = B,
        delta: float = DELTA,
        small_library: int = SMALL_LIBRARY,
    ):
        self._size = len(corpus)
        self._delta = delta
        self._k1_plus_1 = k1 + 1
        self._small = self._size < small_library
        self._term_vectors: dict[int, np.ndarray] = {}
        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=self._size)
        self._vocabulary, offsets, postings, counts = _invert(corpus, lengths)
        if not self._vocabulary:
            self._size = 0  # nothing to rank (rank-bm25 itself cannot even be built on it)
            return
        # The same expressions as rank_bm25.BM25 and BM25Plus, evaluated in the same order.
        average_length = int(lengths.sum()) / self._size
        # Padded to whole coarse blocks (with 1: a padding passage has no terms, tf-part 0).
        self._norm = np.ones(-(-self._size // COARSE) * COARSE)
        self._norm[: self._size] = k1 * (1 - b + b * lengths / average_length)
        frequency = np.diff(offsets)
        self._idf = np.array([math.log((self._size + 1) / df) for df in frequency.tolist()])
        self._offsets, self._postings, self._counts = offsets, postings, counts
        # Each term's best tf-part bounds what it adds: float32, rounded up, is still a bound.
        self._max_part = _rounded_up(np.maximum.reduceat(self._tf_part(0, len(postings)), offsets[:-1]))
        common = [] if self._small else np.flatnonzero(frequency * COMMON >= self._size).tolist()
        dense = np.zeros((len(common), len(self._norm)), dtype=counts.dtype)
        for row, term in enumerate(common):
            dense[row, self._postings_of(term)] = self._counts[offsets[term] : offsets[term + 1]]
        self._common = CommonTerms(common, dense, self._norm, k1)
        # A common term's postings are dropped: its row of counts says the same in less room.
        kept = np.ones(len(postings), dtype=bool)
        for term in common:
            kept[offsets[term] : offsets[term + 1]] = False
        frequency[common] = 0
        self._offsets = np.concatenate(([0], np.cumsum(frequency))).astype(np.min_scalar_type(len(postings)))
        self._postings, self._counts = postings[kept], counts[kept]

    def top(self, query: Sequence[str], k: int) -> list[Scored]:
        """The ``k`` best matching passages, found MaxScore-style, then block by block.

        A term can add at most ``bound[t]`` to a passage's score. Terms are taken from the
        highest bound down; the passages holding the terms taken so far are the candidates,
        and once the terms left could not together lift any other passage to the k-th best
        score, they need not be read: the candidates whose score on the terms taken, plus the
        bounds of the others, still reaches the k-th best are scored exactly, and ranked.
        Common terms have small bounds, so a question mixing rare and common words touches
        a few passages instead of most of the library. When a common term must be read
        after all, the question is finished block by block (:meth:`_top_by_blocks`).
        """
        ids = self._term_ids(query) if k > 0 else []
        if not ids:
            return []
        if self._small:
            candidates = self._union([self._postings_of(t) for t in dict.fromkeys(ids)])
            return _best(candidates, self._all_scores(ids)[candidates], k)
        repeats = Counter(ids)
        bound = {t: repeats[t] * self._idf[t] * self._max_part[t] for t in repeats}
        by_impact = sorted(bound, key=lambda t: -bound[t])
        floor = sum(self._idf[t] * self._delta for t in ids)  # what every passage gets
        kth = -math.inf  # a score k passages are known to reach: never above the k-th best
        for taken in range(1, len(by_impact) + 1):
            read, unread = by_impact[:taken], sum(bound[t] for t in by_impact[taken:])
            if read[-1] in self._common.rows:
                return self._top_by_blocks(ids, repeats, floor, kth, k)
            candidates = self._union([self._postings_of(t) for t in read])
            # The candidates of one term are its postings: its tf-parts are read as they are.
            parts = (
                {read[0]: self._tf_part(*self._range(read[0]))}
                if taken == 1
                else self._parts_of(read, candidates)
            )
            if len(candidates) > max(_FEW * k, _EXACT):  # many: keep those that can still reach
                partial = floor + sum(repeats[t] * self._idf[t] * part for t, part in parts.items())
                likely = _top(partial, _FEW * k)
                kth = max(kth, _kth(self._exact(ids, candidates[likely], _at(parts, likely)), k))
                if (floor + unread) * _MARGIN >= kth and taken < len(by_impact):
                    continue
                reaching = np.flatnonzero((partial + unread) * _MARGIN >= kth)
                candidates, parts = candidates[reaching], _at(parts, reaching)
            scores = self._exact(ids, candidates, parts)
            if len(candidates) >= k:
                kth = max(kth, _kth(scores, k))
            if (floor + unread) * _MARGIN < kth or taken == len(by_impact):
                return _best(candidates, scores, k)
        raise AssertionError("the last term read always ends the search")

    def _top_by_blocks(
        self, ids: list[int], repeats: Counter[int], floor: float, kth: float, k: int
    ) -> list[Scored]:
        """The ``k`` best, scoring only the fine blocks whose bound reaches the k-th best score.

        A block's bound adds up, for each query term, its best tf-part in the block. Every
        passage whose score reaches the k-th best lies in a block whose bound does, so scoring
        those blocks finds the same top k. Bounds are summed over coarse blocks, then over the
        fine blocks of the coarse ones that reach ``kth``; ``kth`` is first raised by scoring
        the fine blocks with the highest bounds.
        """
        weight = {term: float(times * self._idf[term]) for term, times in repeats.items()}
        fine_blocks = len(self._norm) // FINE
        rarer = {  # the best tf-part of each rarer term in each fine block, found now
            term: block_maxima(self._postings_of(term), self._tf_part(*self._range(term)), fine_blocks)
            for term in weight
            if term not in self._common.rows
        }
        coarse = np.full(len(self._norm) // COARSE, floor)
        for term, w in weight.items():
            row = self._common.rows.get(term)
            coarse += w * (self._common.coarse_bound(row) if row is not None else coarse_of(rarer[term]))
        coarse *= _MARGIN
        seeds = _SEED_COARSE
        while kth == -math.inf or (reaching := np.count_nonzero(coarse >= kth)) > 4 * seeds:
            # A (better) k-th best from the fine blocks with the highest bounds, in a share of
            # the coarse blocks with the highest bounds.
            seeds = seeds if kth == -math.inf else max(2 * seeds, reaching // 4)
            blocks, bounds = self._fine_bounds(weight, rarer, _top(coarse, seeds), floor)
            kth = max(kth, self._kth_of(ids, blocks[_top(bounds, _SEED_FINE * k)], k))
            if kth == -math.inf:  # fewer than k matches there: every block is scored
                break
        blocks, bounds = self._fine_bounds(weight, rarer, np.flatnonzero(coarse >= kth), floor)
        seeds = _SEED_FINE * k
        while (reaching := np.count_nonzero(bounds >= kth)) > 4 * seeds:
            # Many blocks still reach it: a better k-th best from a share of the best of them.
            seeds = max(2 * seeds, reaching // 4)
            kth = max(kth, self._kth_of(ids, blocks[_top(bounds, seeds)], k))
        passages, scores = self._score_fine(ids, blocks[bounds >= kth])
        return _best(passages, scores, k)

    def _fine_bounds(
        self, weight: dict[int, float], rarer: dict[int, np.ndarray], coarse: np.ndarray, floor: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The fine blocks of the given coarse blocks, and each one's bound (float32: a wider
        margin covers its rounding)."""
        bounds = np.full((len(coarse), FINE_PER_COARSE), floor, dtype=np.float32)
        for term, w in weight.items():
            row = self._common.rows.get(term)
            bounds += w * (
                self._common.fine_bound(row, coarse) if row is not None else in_coarse(rarer[term], coarse)
            )
        bounds *= _MARGIN_32
        return fine_of(coarse), bounds.ravel()

    def _kth_of(self, ids: list[int], fine: np.ndarray, k: int) -> float:
        """The k-th best score in the given fine blocks; -inf when they hold fewer than k matches."""
        _, scores = self._score_fine(ids, fine)
        return _kth(scores, k) if len(scores) >= k else -math.inf

    def _score_fine(self, ids: list[int], fine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The matching passages of the given fine blocks (ascending), with their exact scores."""
        passages = fine_slots(fine)
        parts = self._parts_of(dict.fromkeys(ids), passages)
        matched = np.flatnonzero(np.logical_or.reduce([part > 0 for part in parts.values()]))
        return passages[matched], _sum(ids, self._idf, self._delta, {t: p[matched] for t, p in parts.items()})

    def score(self, query: Sequence[str], indices: Sequence[int]) -> list[float]:
        ids = self._term_ids(query)
        if not ids or not len(indices):
            return [0.0] * len(indices)
        if self._small:
            return self._all_scores(ids)[np.asarray(indices, dtype=np.int64)].tolist()
        # _exact takes each passage once, sorted; the indices asked may repeat, in any order.
        passages, order = np.unique(np.asarray(indices, dtype=np.int64), return_inverse=True)
        return self._exact(ids, passages)[order].tolist()

    def idf(self, term: str) -> float:
        index = self._vocabulary.get(term)
        return float(self._idf[index]) if index is not None else 0.0

    def _term_ids(self, query: Sequence[str]) -> list[int]:
        # Terms the corpus lacks have idf 0 in rank-bm25: they add exactly 0.0 to every score.
        return [self._vocabulary[t] for t in query if t in self._vocabulary] if self._size else []

    def _range(self, term: int) -> tuple[int, int]:
        return int(self._offsets[term]), int(self._offsets[term + 1])

    def _postings_of(self, term: int) -> np.ndarray:
        return self._postings[self._offsets[term] : self._offsets[term + 1]]

    def _tf_part(self, start: int, end: int) -> np.ndarray:
        return self._tf_part_of(self._counts[start:end], self._postings[start:end])

    def _tf_part_of(self, counts: np.ndarray, passages: np.ndarray) -> np.ndarray:
        """rank-bm25's ``q_freq·(k1+1) / (k1·(1-b+b·len/avgdl) + q_freq)`` for a term occurring
        ``counts`` times in ``passages``, evaluated as rank-bm25 evaluates it."""
        # Integer counts meet float64 operands: numpy computes in float64, as on floats.
        return (counts * self._k1_plus_1) / (self._norm[passages] + counts)

    def _exact(
        self, ids: list[int], passages: np.ndarray, known: dict[int, np.ndarray] | None = None
    ) -> np.ndarray:
        """rank-bm25's score of each passage (sorted) — the same floats to the last bit.
        ``known`` holds tf-parts already read for some terms."""
        return _sum(ids, self._idf, self._delta, self._parts_of(dict.fromkeys(ids), passages, known))

    def _parts_of(
        self, terms: Iterable[int], passages: np.ndarray, known: dict[int, np.ndarray] | None = None
    ) -> dict[int, np.ndarray]:
        """Each term's tf-part for each of ``passages`` (sorted), 0 where it does not occur."""
        parts, place = dict(known or {}), None
        for term in terms:
            if term in parts:
                continue
            part = parts[term] = np.zeros(len(passages))
            row = self._common.rows.get(term)
            if row is not None:  # a count per passage: read them
                counts = self._common.counts[row][passages]
                found = np.flatnonzero(counts)
                part[found] = self._tf_part_of(counts[found], passages[found])
                continue
            start, end = self._range(term)
            postings = self._postings[start:end]
            if len(passages) * _DENSE < self._size or len(passages) * _SEARCH < len(postings):
                # few passages: look each one up
                at = np.searchsorted(postings, passages)
                found = np.flatnonzero(postings[np.minimum(at, len(postings) - 1)] == passages)
                part[found] = self._tf_part_of(self._counts[start + at[found]], passages[found])
                continue
            if place is None:  # many: one pass over the postings through a library-sized map
                place = np.full(self._size, -1, dtype=np.int64)
                place[passages[passages < self._size]] = np.flatnonzero(passages < self._size)
            where = place[postings]
            hit = np.flatnonzero(where >= 0)
            part[where[hit]] = self._tf_part_of(self._counts[start + hit], postings[hit])
        return parts

    def _all_scores(self, ids: list[int]) -> np.ndarray:
        """Every passage's score, summed term by term in query order as _exact sums them."""
        scores = np.zeros(self._size)
        for term in ids:
            scores += self._term_vector(term)
        return scores

    def _term_vector(self, term: int) -> np.ndarray:
        """``idf · (δ + tf-part)`` of the term for every passage: _exact's expression, element
        by element, so the same floats."""
        vector = self._term_vectors.get(term)
        if vector is None:
            part = np.zeros(self._size)
            part[self._postings_of(term)] = self._tf_part(*self._range(term))
            vector = self._idf[term] * (self._delta + part)
            if (len(self._term_vectors) + 1) * vector.nbytes > _TERM_VECTOR_BYTES:
                self._term_vectors.clear()  # start again: the terms asked now are kept
            self._term_vectors[term] = vector
        return vector

    @staticmethod
    def _union(postings: list[np.ndarray]) -> np.ndarray:
        """The passages of all the given postings, ascending, each once."""
        if len(postings) == 1:
            return postings[0]
        # Sorted runs: a stable sort merges them in one pass (np.unique would sort from scratch).
        passages = np.concatenate(postings)
        passages.sort(kind="stable")
        new = np.empty(len(passages), dtype=bool)
        new[:1] = True
        np.not_equal(passages[1:], passages[:-1], out=new[1:])
        return passages[new]

    def __len__(self) -> int:
        return self._size


def _sum(ids: list[int], idf: np.ndarray, delta: float, parts: dict[int, np.ndarray]) -> np.ndarray:
    """``Σ idf · (δ + tf-part)`` term by term in query order, as rank-bm25 sums it (a repeated
    query term counts again)."""
    scores = np.zeros(len(next(iter(parts.values()))))
    for term in ids:
        scores += idf[term] * (delta + parts[term])
    return scores


def _rounded_up(values: np.ndarray) -> np.ndarray:
    """``values`` as float32, none of them below the float64 value."""
    rounded = values.astype(np.float32)
    return np.where(rounded < values, np.nextafter(rounded, np.float32(np.inf)), rounded)


def _at(parts: dict[int, np.ndarray], positions: np.ndarray) -> dict[int, np.ndarray]:
    return {term: part[positions] for term, part in parts.items()}


def _top(values: np.ndarray, m: int) -> np.ndarray:
    """The positions of the ``m`` largest values, ascending (all positions when there are fewer)."""
    return np.sort(np.argpartition(-values, m - 1)[:m]) if len(values) > m else np.arange(len(values))


def _invert(
    corpus: Sequence[Sequence[str]], lengths: np.ndarray
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The vocabulary (term → id, in order of first appearance), each term's range in the
    postings, and the postings: passages (ascending within a term) and how often the term
    occurs in each. One dict look-up per token, then array sorts, so a million passages take
    seconds rather than the minutes of a Python loop per passage."""
    first_seen: dict[str, int] = {}
    tokens = chain.from_iterable(corpus)
    # Each term is known by the position of its first occurrence, so ids follow first appearance.
    first = np.fromiter(map(first_seen.setdefault, tokens, count()), dtype=np.int64, count=int(lengths.sum()))
    size = len(lengths)
    keys = first * size + np.repeat(np.arange(size, dtype=np.int64), lengths)
    del first
    keys.sort()
    new = np.empty(len(keys), dtype=bool)
    new[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    pairs = np.flatnonzero(new)  # first of each (term, passage)
    del new
    occurrences = np.diff(pairs, append=len(keys))
    terms, passages = np.divmod(keys[pairs], size)
    del keys, pairs
    term_start = np.flatnonzero(np.diff(terms, prepend=-1))
    offsets = np.append(term_start, len(terms)).astype(np.int64)
    counts = occurrences.astype(np.min_scalar_type(int(occurrences.max(initial=0))))
    vocabulary = dict(zip(first_seen, range(len(first_seen)), strict=True))
    return vocabulary, offsets, passages.astype(np.int32), counts


def _kth(scores: np.ndarray, k: int) -> float:
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def _best(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[Scored]:
    """The ``k`` best of ``candidates`` (ascending), best first, ties by position."""
    if len(candidates) > k:  # keep all that score at least the k-th best, ties included
        keep = scores >= _kth(scores, k)
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))[:k]
    return [Scored(int(candidates[i]), float(scores[i])) for i in order]
