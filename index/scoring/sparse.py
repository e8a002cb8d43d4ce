"""rank-bm25's BM25Plus scores from an inverted index with numpy, pruned so that a question
touches few units even when all its terms are common."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
from collections.abc import Sequence
from types import ModuleType

import numpy as np

from . import select
from .blocks import COARSE, FINE, LEVELS, MARGIN, Blocks, block_levels, levels, levels_of_postings
from .bm25 import DELTA, K1, B, Scored
from .postings import Postings
from .units import Pieces, Runs

_NO_PIECES = np.zeros(0, dtype=np.int32)  # the runs of pieces of units that are pieces: none
# With numba installed (the ``fast`` extra), a big library's question is searched by one compiled
# call (compiled.py), up to _COMPILED_BELOW units: at a million, its reads of units one by one
# cost more than numpy's gathers once the caches are cold (docs/performance.md). COMPILED =
# False keeps to numpy (the tests run both).
COMPILED = importlib.util.find_spec("numba") is not None
_COMPILED_BELOW = 1 << 19


def _compiled() -> ModuleType | None:
    """compiled.py, imported on first use (numba costs 0.3 s and 120 MB), or None."""
    global COMPILED, _compiled_module
    if COMPILED and _compiled_module is None:
        try:
            _compiled_module = importlib.import_module(".compiled", __package__)
        except (ImportError, RuntimeError) as error:  # a broken numba, or no room for its cache
            logging.getLogger(__name__).warning("numba unusable, searching with numpy: %s", error)
            COMPILED = False
    return _compiled_module if COMPILED else None


_compiled_module: ModuleType | None = None

# A library under this many units (an article is 20–200) is scored a whole query term at a
# time: a vector of the term's share of every unit's score, kept once made (up to
# _TERM_VECTOR_BYTES of them per scorer). At that size the cost is numpy's per-call overhead,
# not the postings, and a question then takes a few vector additions.
SMALL_LIBRARY = 1024
_TERM_VECTOR_BYTES = 256 * 1024
# Up to _EXACT (or _FEW·k) candidates are all scored exactly; past that, the _FEW·k best on the
# terms read so far are, to learn a k-th best score that prunes the others.
_EXACT = 512
_FEW = 4
# Once a common term must be read, a term found in one unit in _HEAVY or more is bounded block by
# block like the common ones; the units of rarer terms are bounded one by one.
_HEAVY = 256
# MaxScore reads at most this many terms one at a time: each round merges the units of every
# term read so far again, so a question of 300 words took 0.5–1.2 s at 20,000–100,000 passages.
# Past them, the block search takes the other terms at once (10 ms; docs/performance.md).
_MAXSCORE_ROUNDS = 8
# The common terms' bounds are made from blocks of about this many counts at a time.
_BLOCK_VALUES = 1 << 18


class SparseBM25Scorer:
    """rank-bm25's ``BM25Plus`` scores, computed from an inverted index with numpy.

    rank-bm25 visits every passage for every query term (a Python loop over one dict per
    passage): over a second per question at a million passages. Here each term keeps the
    units it occurs in and how often (postings.py), and a question touches only the units that
    can still make its top k, so its cost grows with those rather than with the library. The
    formula, parameters and arithmetic are rank-bm25's (tests compare the two on random
    corpora); a unit that matches no term scores the same ``Σ idf·δ`` as every other such
    unit and is never ranked.
    """

    def __init__(
        self,
        corpus: Sequence[Sequence[str]] | Pieces | Runs,
        k1: float = K1,
        b: float = B,
        delta: float = DELTA,
        small_library: int = SMALL_LIBRARY,
    ):
        """``corpus``: the units' token lists, or units over postings that other scorers share
        (:func:`sentence_scorers`)."""
        units = corpus if isinstance(corpus, Pieces | Runs) else Pieces(Postings(corpus, small_library))
        self._units = units
        self._vocabulary = units.postings.vocabulary
        self._units_count = units.size  # what len() says, even when none has a term to rank
        self._size = units.size
        self._delta = delta
        self._k1_plus_1 = k1 + 1
        self._small = self._size < small_library
        self._term_vectors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        lengths = units.lengths()
        if not int(lengths.sum()):
            self._size = 0  # nothing to rank (rank-bm25 itself cannot even be built on it)
            return
        # The same expressions as rank_bm25.BM25 and BM25Plus, evaluated in the same order.
        average_length = int(lengths.sum()) / self._size
        # Padded to whole coarse blocks (with 1: a padding unit has no terms, tf-part 0).
        self._norm = np.ones(-(-self._size // COARSE) * COARSE)
        self._norm[: self._size] = k1 * (1 - b + b * lengths / average_length)
        offsets, holding, counts = units.pairs()
        df = np.diff(offsets)
        common = units.postings.rows
        step = self._k1_plus_1 / LEVELS
        fine = np.zeros((0 if self._small else len(common), len(self._norm) // FINE), dtype=np.uint8)
        # The common terms' counts are read a run of units at a time, all terms at once: a term's
        # column over the whole library strides across every row of ``dense``, and reading one
        # per common term took ~0.5 s at a million units (0.25 s this way).
        found = np.zeros(len(common), dtype=np.int64)
        run = max(COARSE, _BLOCK_VALUES // max(len(common), 1) // COARSE * COARSE)
        for start in range(0, self._size if common else 0, run):
            end = min(start + run, self._size)
            every = np.ascontiguousarray(units.common_counts(start, end).T)
            found += np.count_nonzero(every, axis=1)
            if not self._small:
                part = np.zeros((len(common), -(-(end - start) // FINE) * FINE))  # padding units: 0
                part[:, : end - start] = self._tf_part(every, slice(start, end))
                fine[:, start // FINE : start // FINE + part.shape[1] // FINE] = block_levels(part, step)
        df[list(common)] = found
        self._df = df.astype(np.min_scalar_type(self._size))  # idf = log((N + 1) / df), as rank-bm25's
        if self._small:
            return
        # Each term's best tf-part bounds what it adds (as a level, rounded up).
        best = np.zeros(len(df))
        some = np.flatnonzero(np.diff(offsets))
        best[some] = np.maximum.reduceat(self._tf_part(counts, holding), offsets[some])
        self._max_level = levels(best, step)
        self._blocks = Blocks(common, fine, step)
        self._max_level[list(common)] = self._blocks.coarse.max(axis=1, initial=0)
        self._step = step
        compiled = _compiled() if self._size < _COMPILED_BELOW else None
        if compiled is not None:
            # numba compiles the search for these arrays' types (about 10 s, once per install:
            # then 0.2 s from its cache) while the library is built, not at its first question.
            term = int(np.flatnonzero(self._df)[0])  # a term some unit holds
            self._top_compiled(compiled, _Question([term], {term: self._idf(term)}, delta), 1)

    def top(self, query: Sequence[str], k: int) -> list[Scored]:
        """The ``k`` best matching units, found MaxScore-style, then block by block.

        A term can add at most ``bound[t]`` to a unit's score. Terms are taken from the
        highest bound down; the units holding the terms taken so far are the candidates,
        and once the terms left could not together lift any other unit to the k-th best
        score, they need not be read: the candidates whose score on the terms taken, plus the
        bounds of the others, still reaches the k-th best are scored exactly, and ranked.
        Common terms have small bounds, so a question mixing rare and common words touches
        a few units instead of most of the library. When a common term must be read
        after all, the question is finished block by block (:meth:`Blocks.top`). With numba, a
        library of up to _COMPILED_BELOW units is searched by one compiled call instead
        (:meth:`_top_compiled`).
        """
        ids = self._term_ids(query) if k > 0 else []
        if not ids:
            return []
        idf = {term: self._idf(term) for term in ids}
        if self._small:
            vectors = {term: self._term_vector(term, value) for term, value in idf.items()}
            candidates = select.union([holding for _, holding in vectors.values()])
            return _best(
                candidates, _sum(ids, {t: vector for t, (vector, _) in vectors.items()}, candidates), k
            )
        asked = _Question(ids, idf, self._delta)
        compiled = _compiled() if self._size < _COMPILED_BELOW else None
        if compiled is not None:
            return self._top_compiled(compiled, asked, k)
        bound = {t: w * (int(self._max_level[t]) * self._step) for t, w in asked.weight.items()}
        by_impact = sorted(bound, key=lambda t: -bound[t])
        kth = -math.inf  # a score k units are known to reach: never above the k-th best
        postings: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # term read → its units, tf-parts
        for taken in range(1, len(by_impact) + 1):
            read, unread = by_impact[:taken], sum(bound[t] for t in by_impact[taken:])
            if read[-1] in self._blocks.rows or taken > _MAXSCORE_ROUNDS:
                return self._top_by_blocks(asked, kth, k, postings)
            postings[read[-1]] = self._postings_of(read[-1])
            if taken == 1:
                candidates, parts = postings[read[0]][0], {read[0]: postings[read[0]][1]}
            else:
                candidates = select.union([postings[t][0] for t in read])
                parts = {t: _placed(candidates, *postings[t]) for t in read}
            if len(candidates) < k and taken < len(by_impact):
                continue  # too few to learn a k-th best, or to stop at
            chosen, known = candidates, parts
            if len(candidates) > max(_FEW * k, _EXACT):  # many: keep those that can still reach
                partial = asked.floor + sum(asked.weight[t] * part for t, part in parts.items())
                likely = select.about_top(partial, _FEW * k)
                kth = max(kth, select.kth(self._exact(asked, candidates[likely], _at(parts, likely)), k))
                if (asked.floor + unread) * MARGIN >= kth and taken < len(by_impact):
                    continue
                reaching = np.flatnonzero((partial + unread) * MARGIN >= kth)
                chosen, known = candidates[reaching], _at(parts, reaching)
            scores = self._exact(asked, chosen, known)
            if len(chosen) >= k:
                kth = max(kth, select.kth(scores, k))
            if (asked.floor + unread) * MARGIN < kth or taken == len(by_impact):
                return _best(chosen, scores, k)
        raise AssertionError("the last term read always ends the search")

    def _top_by_blocks(
        self, asked: _Question, kth: float, k: int, postings: dict[int, tuple[np.ndarray, np.ndarray]]
    ) -> list[Scored]:
        """The ``k`` best, once a common term must be read: the units holding the rarest terms
        are bounded one by one, the others block by block (:meth:`Blocks.top`), with the terms
        found in one unit in _HEAVY or more bounded in blocks too."""
        rare = [term for term in asked.weight if term not in self._blocks.rows]
        for term in rare:
            if term not in postings:
                postings[term] = self._postings_of(term)
        heavy = [term for term in rare if len(postings[term][0]) * _HEAVY >= self._size]
        light = [term for term in rare if term not in heavy]
        units = select.union([postings[term][0] for term in light]) if light else np.zeros(0, dtype=np.int64)
        added = sum(
            (asked.weight[term] * _placed(units, *postings[term]) for term in light), np.zeros(len(units))
        )
        fine_blocks = len(self._norm) // FINE
        more = [
            (asked.weight[term], levels_of_postings(*postings[term], fine_blocks, self._step))
            for term in heavy
        ]
        found, scores = self._blocks.top(
            self._size,
            asked.weight,
            asked.floor,
            (units, added),
            kth,
            k,
            lambda units: self._matching(asked, units),
            more,
        )
        return _best(found, scores, k)

    def _top_compiled(self, compiled: ModuleType, asked: _Question, k: int) -> list[Scored]:
        """The ``k`` best by one compiled call (compiled.py): MaxScore's first step, then the
        blocks, every rarer term bounded block by block from its postings. Few numpy calls are
        made here: with the caches cold, each costs microseconds."""
        terms = list(asked.idf)
        common = self._blocks.rows
        rarer = [term for term in terms if term not in common]
        runs = isinstance(self._units, Runs)
        if runs:  # the units of each rarer term, read here
            first, end = self._units.first, self._units.end
            read = [self._units.postings_of(term) for term in rarer]
            units = np.concatenate([np.zeros(0, dtype=np.int64), *(found for found, _ in read)])
            counts = np.concatenate([np.zeros(0, dtype=np.int64), *(count for _, count in read)])
            ends = np.cumsum([len(found) for found, _ in read], dtype=np.int64).tolist()
            spans = dict(zip(rarer, zip([0, *ends][: len(ends)], ends, strict=True), strict=True))
        else:  # the pieces' own postings
            first = end = _NO_PIECES
            units, counts = self._units.postings.pieces, self._units.postings.counts
            spans = {term: self._units.postings.range(term) for term in rarer}
        starts, ends = zip(*(spans.get(term, (0, 0)) for term in terms), strict=True)
        library = (self._norm, self._k1_plus_1, self._delta, self._units.postings.dense, runs, first, end)
        question = (
            np.array(list(asked.idf.values())),
            np.array(asked.rows, dtype=np.int64),
            np.array([asked.weight[term] * self._step for term in terms]),
            asked.floor,
            np.array([common.get(term, -1) for term in terms], dtype=np.int64),
            np.array([self._max_level[term] for term in terms], dtype=np.int64),
            np.array(starts, dtype=np.int64),
            np.array(ends, dtype=np.int64),
            units,
            counts,
        )
        blocks = (self._blocks.fine, self._blocks.coarse, self._step)
        found, scores = compiled.top(k, self._size, library, blocks, question, compiled.TUNING)
        return [Scored(unit, score) for unit, score in zip(found.tolist(), scores.tolist(), strict=True)]

    def score(self, query: Sequence[str], indices: Sequence[int]) -> list[float]:
        ids = self._term_ids(query)
        if not ids or not len(indices):
            return [0.0] * len(indices)
        idf = {term: self._idf(term) for term in ids}
        if self._small:
            vectors = {term: self._term_vector(term, value)[0] for term, value in idf.items()}
            return _sum(ids, vectors, np.asarray(indices, dtype=np.int64)).tolist()
        asked = _Question(ids, idf, self._delta)
        # _exact takes each unit once, sorted; the indices asked may repeat, in any order.
        units, order = np.unique(np.asarray(indices, dtype=np.int64), return_inverse=True)
        return self._exact(asked, units)[order].tolist()

    def idf(self, term: str) -> float:
        index = self._vocabulary.get(term) if self._size else None
        return self._idf(index) if index is not None and self._df[index] else 0.0

    def _idf(self, term: int) -> float:
        return math.log((self._size + 1) / int(self._df[term]))

    def _term_ids(self, query: Sequence[str]) -> list[int]:
        # Terms no unit holds have idf 0 in rank-bm25: they add exactly 0.0 to every score.
        if not self._size:
            return []
        known = (self._vocabulary.get(term) for term in query)
        return [index for index in known if index is not None and self._df[index]]

    def _tf_part(self, counts: np.ndarray, units: np.ndarray | slice) -> np.ndarray:
        """rank-bm25's ``q_freq·(k1+1) / (k1·(1-b+b·len/avgdl) + q_freq)`` for a term occurring
        ``counts`` times in ``units`` (or a row of counts per term), as rank-bm25 evaluates it."""
        # Integer counts meet float64 operands: numpy computes in float64, as on floats.
        return (counts * self._k1_plus_1) / (self._norm[units] + counts)

    def _postings_of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        units, counts = self._units.postings_of(term)
        return units, self._tf_part(counts, units)

    def _exact(
        self, asked: _Question, units: np.ndarray, known: dict[int, np.ndarray] | None = None
    ) -> np.ndarray:
        """rank-bm25's score of each unit (sorted) — the same floats to the last bit.
        ``known`` holds tf-parts already read for some terms."""
        known = known or {}
        terms = list(asked.idf)
        missing = [i for i, term in enumerate(terms) if term not in known]
        counts = self._units.counts([terms[i] for i in missing], units) if missing else None
        if not known:
            return asked.summed(self._tf_part(counts, units), self._delta)
        parts = np.empty((len(terms), len(units)))
        for i, term in enumerate(terms):
            if term in known:
                parts[i] = known[term]
        if missing:
            parts[missing] = self._tf_part(counts, units)
        return asked.summed(parts, self._delta)

    def _matching(self, asked: _Question, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The units (sorted) that hold a term of the question, with their exact scores."""
        counts = self._units.counts(list(asked.idf), units)
        matched = np.flatnonzero(counts.any(axis=0))
        units = units[matched]
        return units, asked.summed(self._tf_part(counts[:, matched], units), self._delta)

    def _term_vector(self, term: int, idf: float) -> tuple[np.ndarray, np.ndarray]:
        """``idf · (δ + tf-part)`` of the term for every unit — _exact's expression, element
        by element, so the same floats — and the units holding it."""
        kept = self._term_vectors.get(term)
        if kept is None:
            if term in self._units.postings.rows:
                counts = self._units.every_count(term)
                part, holding = self._tf_part(counts, slice(0, self._size)), np.flatnonzero(counts)
            else:
                holding, counts = self._units.postings_of(term)
                part = np.zeros(self._size)
                part[holding] = self._tf_part(counts, holding)
            kept = idf * (self._delta + part), holding
            if (len(self._term_vectors) + 1) * kept[0].nbytes > _TERM_VECTOR_BYTES:
                self._term_vectors.clear()  # start again: the terms asked now are kept
            self._term_vectors[term] = kept
        return kept

    def __len__(self) -> int:
        return self._units_count


class _Question:
    """A question's terms as a scorer reads them."""

    def __init__(self, ids: list[int], idf: dict[int, float], delta: float):
        """``idf``: the idf of each distinct term of ``ids``, in order of first appearance."""
        self.idf = idf
        row = {term: i for i, term in enumerate(self.idf)}
        self.rows = [row[term] for term in ids]
        self.weight = dict.fromkeys(self.idf, 0.0)  # a term asked twice counts twice
        for term in ids:
            self.weight[term] += self.idf[term]
        self.floor = sum(self.idf[term] * delta for term in ids)  # what every unit gets
        self._idf_column = np.array(list(self.idf.values()))[:, None]

    def summed(self, parts: np.ndarray, delta: float) -> np.ndarray:
        """``Σ idf · (δ + tf-part)`` (``parts``: a row per distinct term) term by term in the
        question's order, as rank-bm25 sums it (a repeated term counts again)."""
        values = (delta + parts) * self._idf_column
        # Row by row, in order: rank-bm25's sum from 0.0, as 0.0 + x is x.
        total = values[self.rows[0]].copy()
        for row in self.rows[1:]:
            total += values[row]
        return total


def _sum(ids: list[int], values: dict[int, np.ndarray], at: np.ndarray | None = None) -> np.ndarray:
    """``Σ idf · (δ + tf-part)`` (``values``: one array per term) term by term in query order,
    as rank-bm25 sums it (a repeated query term counts again)."""
    scores = np.zeros(len(values[ids[0]]) if at is None else len(at))
    for term in ids:
        scores += values[term] if at is None else values[term][at]
    return scores


def _placed(candidates: np.ndarray, units: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """A term's tf-parts (``parts`` of ``units``, all among ``candidates``) for each candidate."""
    placed = np.zeros(len(candidates))
    placed[np.searchsorted(candidates, units)] = parts
    return placed


def _at(parts: dict[int, np.ndarray], positions: np.ndarray) -> dict[int, np.ndarray]:
    return {term: part[positions] for term, part in parts.items()}


def _best(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[Scored]:
    """The ``k`` best of ``candidates`` (ascending), best first, ties by position."""
    if len(candidates) > k:  # keep all that score at least the k-th best, ties included
        keep = scores >= select.kth(scores, k)
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))[:k]
    return [Scored(int(candidates[i]), float(scores[i])) for i in order]
