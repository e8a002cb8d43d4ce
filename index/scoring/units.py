"""The units a scorer ranks, read from postings: the pieces themselves (a corpus of passages),
or runs of consecutive pieces (windows, quotes and paragraphs over one set of sentences)."""

from __future__ import annotations

import numpy as np

from .postings import Postings, expand

# Past one unit in _DENSE of the library, library-sized arrays beat sorting and searching;
# a term's counts for fewer than one unit in _SEARCH of its postings are looked up.
_DENSE = 32
_SEARCH = 8


class Pieces:
    """Each piece is a unit: a scorer over a plain corpus."""

    def __init__(self, postings: Postings):
        self.postings = postings
        self.size = postings.size

    def lengths(self) -> np.ndarray:
        return self.postings.lengths

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every term that is not common: where its postings start and end (``offsets``), the
        units it occurs in and how often."""
        postings = self.postings
        return postings.offsets.astype(np.int64), postings.pieces, postings.counts

    def postings_of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The units a term that is not common occurs in (ascending), and how often."""
        return self.postings.of(term)

    def common_counts(self, start: int, end: int) -> np.ndarray:
        """How often each common term occurs in units ``start`` to ``end`` (excluded): a row per
        unit, a column per common term (in the order of ``postings.rows``)."""
        return self.postings.dense[start:end]

    def every_count(self, term: int) -> np.ndarray:
        """How often the term occurs in each unit."""
        row = self.postings.rows.get(term)
        if row is not None:
            return self.postings.dense[:, row]
        counts = np.zeros(self.size, dtype=np.int32)
        units, found = self.postings.of(term)
        counts[units] = found
        return counts

    def counts(self, terms: list[int], units: np.ndarray) -> np.ndarray:
        """How often each term occurs in each of ``units`` (ascending): a row per term."""
        postings = self.postings
        counts = np.zeros((len(terms), len(units)), dtype=np.int32)
        common = [i for i, term in enumerate(terms) if term in postings.rows]
        if common:  # a count per piece: read them
            columns = np.array([postings.rows[terms[i]] for i in common])
            # One flat take: numpy's two-array indexing is several times slower. Positions in
            # intp, as units may be int32 and pieces × common terms pass 2**31 in a big library.
            at = units.astype(np.intp)[None, :] * postings.dense.shape[1] + columns[:, None]
            counts[common] = postings.dense.ravel().take(at)
        place = None
        for i, term in enumerate(terms):
            if term in postings.rows:
                continue
            pieces, found = postings.of(term)
            if len(units) * _DENSE < self.size or len(units) * _SEARCH < len(pieces):
                # few units: look each one up
                at = np.searchsorted(pieces, units)
                hit = np.flatnonzero(pieces[np.minimum(at, len(pieces) - 1)] == units)
                counts[i, hit] = found[at[hit]]
                continue
            if place is None:  # many: one pass over the postings through a library-sized map
                place = np.full(self.size, -1, dtype=np.int64)
                place[units] = np.arange(len(units))
            where = place[pieces]
            hit = np.flatnonzero(where >= 0)
            counts[i, where[hit]] = found[hit]
        return counts


class Runs:
    """Units that are runs of consecutive pieces, ``[first, end)`` each, in an order where
    neither end ever goes back: windows, quotes and paragraphs over sentences.

    A unit's count of a term is the sum of its pieces' counts, and its length the sum of theirs:
    the same integers as counting over the unit's own tokens, so the same scores.
    """

    def __init__(self, postings: Postings, first: np.ndarray, end: np.ndarray):
        first, end = np.asarray(first, dtype=np.int64), np.asarray(end, dtype=np.int64)
        if len(first) and not (
            np.all(first <= end) and first[0] >= 0 and end[-1] <= postings.size
            and np.all(np.diff(first) >= 0) and np.all(np.diff(end) >= 0)
        ):  # fmt: skip
            raise ValueError("units must be runs of pieces [first, end), in order")
        self.postings = postings
        self.size = len(first)
        self.first, self.end = first.astype(np.int32), end.astype(np.int32)
        # The units holding piece p are [lo[p], hi[p]): those ending after it and starting at or before it.
        every = np.arange(postings.size)
        self.lo = np.searchsorted(end, every, side="right").astype(np.int32)
        self.hi = np.searchsorted(first, every, side="right").astype(np.int32)

    def lengths(self) -> np.ndarray:
        before = np.concatenate(([0], np.cumsum(self.postings.lengths)))
        return before[self.end] - before[self.first]

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every term that is not common: where its units start and end (``offsets``), the
        units it occurs in and how often."""
        postings = self.postings
        term_offsets = postings.offsets.astype(np.int64)
        term = np.repeat(np.arange(len(term_offsets) - 1), np.diff(term_offsets))
        starts, runs = self._runs(postings.pieces, first_of_term=term_offsets[:-1])
        units = expand(starts, runs)
        term_of_unit = np.repeat(term, runs)
        # A unit's count: the term's counts summed over the unit's pieces, found in the
        # postings of all terms at once by searching (term, piece) keys.
        keys = term * postings.size + postings.pieces
        running = np.concatenate(([0], np.cumsum(postings.counts, dtype=np.int64)))
        base = term_of_unit * postings.size
        counts = running[np.searchsorted(keys, base + self.end[units])]
        counts -= running[np.searchsorted(keys, base + self.first[units])]
        offsets = np.concatenate(([0], np.cumsum(runs)))[term_offsets]
        return offsets, units, counts

    def postings_of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The units a term that is not common occurs in (ascending), and how often."""
        pieces, counts = self.postings.of(term)
        units = expand(*self._runs(pieces))
        return units, self._sums(pieces, counts, units)

    def common_counts(self, start: int, end: int) -> np.ndarray:
        """How often each common term occurs in units ``start`` to ``end`` (excluded): a row per
        unit, a column per common term (in the order of ``postings.rows``)."""
        first, last = self.first[start:end], self.end[start:end]
        # Counted from the running sum of the pieces the units span (a quote may end before the
        # one ahead of it does, so the span is taken from the extremes, not the ends).
        low, high = int(first.min()), int(last.max())
        running = np.zeros((high - low + 1, self.postings.dense.shape[1]), dtype=np.int64)
        np.cumsum(self.postings.dense[low:high], axis=0, dtype=np.int64, out=running[1:])
        return running[last - low] - running[first - low]

    def every_count(self, term: int) -> np.ndarray:
        """How often the term occurs in each unit."""
        row = self.postings.rows.get(term)
        if row is not None:
            running = np.concatenate(([0], np.cumsum(self.postings.dense[:, row], dtype=np.int64)))
            return running[self.end] - running[self.first]
        counts = np.zeros(self.size, dtype=np.int64)
        units, found = self.postings_of(term)
        counts[units] = found
        return counts

    def counts(self, terms: list[int], units: np.ndarray) -> np.ndarray:
        """How often each term occurs in each of ``units`` (ascending): a row per term."""
        counts = np.zeros((len(terms), len(units)), dtype=np.int64)
        common = [i for i, term in enumerate(terms) if term in self.postings.rows]
        if common and len(units):
            first, runs = self.first[units], self.end[units] - self.first[units]
            columns = [self.postings.rows[terms[i]] for i in common]
            every = np.take(self.postings.dense, expand(first, runs), axis=0)[:, columns]
            some = np.flatnonzero(runs)  # an empty run has no count to sum (reduceat would give one)
            sums = np.add.reduceat(every, (np.cumsum(runs) - runs)[some], axis=0, dtype=np.int64)
            counts[np.ix_(common, some)] = sums.T
        for i, term in enumerate(terms):
            if term not in self.postings.rows:
                counts[i] = self._sums(*self.postings.of(term), units)
        return counts

    def _runs(
        self, pieces: np.ndarray, first_of_term: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """For ascending pieces: the units holding each piece that the pieces before it do not
        (a start and a count), so that the units come out ascending and each once. With
        ``first_of_term``, ``pieces`` are several terms' postings, each term starting afresh."""
        lo, hi = self.lo[pieces], self.hi[pieces]
        starts = lo.copy()
        if len(pieces) > 1:
            np.maximum(lo[1:], hi[:-1], out=starts[1:])
        if first_of_term is not None:
            starts[first_of_term[first_of_term < len(pieces)]] = lo[
                first_of_term[first_of_term < len(pieces)]
            ]
        return starts, np.maximum(hi - starts, 0)

    def _sums(self, pieces: np.ndarray, counts: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Each unit's sum of the term's counts over its pieces (``pieces`` ascending)."""
        running = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
        return (
            running[np.searchsorted(pieces, self.end[units])]
            - running[np.searchsorted(pieces, self.first[units])]
        )
