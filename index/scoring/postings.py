"""Postings: the pieces of text each term occurs in, and how often. A scorer ranks the pieces
themselves, or units made of runs of them (units.py): windows, quotes and paragraphs all read
one set of sentence postings."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, count

import numpy as np

# A term found in one piece in COMMON or more is common: it keeps a count per piece (1 byte)
# instead of postings (5 bytes per piece it is in), so a question reads any piece's count
# directly. That costs room for the rarest of them (up to COMMON/5 × their postings) and saves it
# for the commonest. Measured on bench/search_peers.py's 1M passages: p99 8.7 ms with COMMON = 8,
# 4.2 ms with 32 (questions of mid-frequency terms then take the block path).
COMMON = 32


class Postings:
    """Each term's pieces (ascending) and how often it occurs in each: 4 + 1 bytes a posting.
    A common term keeps a count per piece instead: ``dense`` has a row per piece, a column per
    common term (``rows`` maps a term to its column), so that the counts of a question's common
    terms in one piece sit side by side in memory."""

    def __init__(self, pieces: Sequence[Sequence[str]], dense_from: int):
        """Common terms get their counts per piece only once there are ``dense_from`` pieces."""
        self.size = len(pieces)
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=self.size)
        self.vocabulary, offsets, postings, counts = _invert(pieces, lengths)
        self.lengths = lengths.astype(np.min_scalar_type(int(lengths.max(initial=0))))
        frequency = np.diff(offsets)
        common = [] if self.size < dense_from else np.flatnonzero(frequency * COMMON >= self.size).tolist()
        self.rows = {term: row for row, term in enumerate(common)}
        self.dense = np.zeros((self.size, len(common)), dtype=counts.dtype)
        kept = np.ones(len(postings), dtype=bool)
        for row, term in enumerate(common):
            # A common term's postings are dropped: its row of counts says the same in less room.
            self.dense[postings[offsets[term] : offsets[term + 1]], row] = counts[
                offsets[term] : offsets[term + 1]
            ]
            kept[offsets[term] : offsets[term + 1]] = False
        frequency[common] = 0
        self.offsets = np.concatenate(([0], np.cumsum(frequency))).astype(np.min_scalar_type(len(postings)))
        self.pieces, self.counts = postings[kept], counts[kept]

    def range(self, term: int) -> tuple[int, int]:
        """Where a term that is not common has its postings in ``pieces`` and ``counts``."""
        return int(self.offsets[term]), int(self.offsets[term + 1])

    def of(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The pieces a term that is not common occurs in (ascending), and how often."""
        start, end = self.range(term)
        return self.pieces[start:end], self.counts[start:end]


def expand(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``arange(start, start + length)`` for each pair, concatenated."""
    total = int(lengths.sum())
    before = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)


def _invert(
    corpus: Sequence[Sequence[str]], lengths: np.ndarray
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The vocabulary (term → id, in order of first appearance), each term's range in the
    postings, and the postings: pieces (ascending within a term) and how often the term
    occurs in each. One dict look-up per token, then array sorts, so a million pieces take
    seconds rather than the minutes of a Python loop per piece."""
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
    pairs = np.flatnonzero(new)  # first of each (term, piece)
    del new
    occurrences = np.diff(pairs, append=len(keys))
    terms, pieces = np.divmod(keys[pairs], size)
    del keys, pairs
    term_start = np.flatnonzero(np.diff(terms, prepend=-1))
    offsets = np.append(term_start, len(terms)).astype(np.int64)
    counts = occurrences.astype(np.min_scalar_type(int(occurrences.max(initial=0))))
    vocabulary = dict(zip(first_seen, range(len(first_seen)), strict=True))
    return vocabulary, offsets, pieces.astype(np.int32), counts
