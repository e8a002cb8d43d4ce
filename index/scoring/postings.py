"""Postings: the pieces of text each term occurs in, and how often. A scorer ranks the pieces
themselves, or units made of runs of them (units.py): windows, quotes and paragraphs all read
one set of sentence postings."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, pairwise

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


# Past the dict look-ups, the whole-corpus arrays are made a slice of about _SLICE tokens at a
# time: at a million pieces each fresh corpus-sized temporary cost 0.1–0.8 s (mostly the first
# touch of its memory), while slices reuse the same few megabytes.
_SLICE = 1 << 18


class _Ids(dict):
    """Term → id, each new term taking the next id as it is first looked up: ids follow first
    appearance, and a term seen again costs one dict look-up, returning an int that already
    exists (``setdefault`` with ``count()`` made a new int per token: measured ~15% slower)."""

    def __missing__(self, term: str) -> int:
        self[term] = value = len(self)
        return value


def _invert(
    corpus: Sequence[Sequence[str]], lengths: np.ndarray
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The vocabulary (term → id, in order of first appearance), each term's range in the
    postings, and the postings: pieces (ascending within a term) and how often the term
    occurs in each. One dict look-up per token, then array sorts, so a million pieces take
    seconds rather than the minutes of a Python loop per piece."""
    ids = _Ids()
    size, total = len(lengths), int(lengths.sum())
    # Each token as one int64 key, its term in the high bits and its piece in the low ones:
    # sorted, the keys group a term's tokens, pieces ascending. Bits rather than term × size +
    # piece, as splitting 20M keys by divmod took a second.
    tokens = chain.from_iterable(corpus)
    keys = np.fromiter(map(ids.__getitem__, tokens), dtype=np.int64, count=total)
    bits = max(size - 1, 1).bit_length()
    keys <<= bits
    before = np.concatenate(([0], np.cumsum(lengths)))  # where each piece's tokens start
    cuts = np.unique(np.append(np.searchsorted(before, np.arange(0, total, _SLICE)), size))
    for first, end in pairwise(cuts):  # each token's piece, a slice of pieces at a time
        keys[before[first] : before[end]] |= np.repeat(
            np.arange(first, end, dtype=np.int32), lengths[first:end]
        )
    keys.sort()
    new = np.empty(total, dtype=bool)  # the first token of each (term, piece)
    new[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    pairs = int(np.count_nonzero(new))
    pieces = np.empty(pairs, dtype=np.int32)
    counts = np.empty(pairs, dtype=np.min_scalar_type(int(lengths.max(initial=0))))  # ≤ a piece's length
    frequency = np.zeros(len(ids), dtype=np.int64)  # pieces per term
    start = done = 0
    while start < total:
        # A slice ends with a run of equal keys, so that no (term, piece) is split.
        end = total if start + _SLICE >= total else int(np.searchsorted(keys, keys[start + _SLICE], "right"))
        at = np.flatnonzero(new[start:end])
        found = keys[start:end][at]
        counts[done : done + len(at)] = np.diff(at, append=end - start)
        pieces[done : done + len(at)] = found & ((1 << bits) - 1)
        terms = found >> bits  # ascending: a run of ids
        frequency[terms[0] : terms[-1] + 1] += np.bincount(terms - terms[0])
        start, done = end, done + len(at)
    offsets = np.concatenate(([0], np.cumsum(frequency)))
    counts = counts.astype(np.min_scalar_type(int(counts.max(initial=0))), copy=False)
    return dict(ids), offsets, pieces, counts
