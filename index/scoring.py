"""BM25 scoring behind one small interface, so a faster engine can replace the reference one.

Variant: rank-bm25's ``BM25Plus``. Its idf, ``log((N + 1) / df)``, is positive for every term
even when it occurs in every passage, and every matching term adds at least ``idf·δ``.
``BM25Okapi`` instead gives idf ≤ 0 to any term found in half or more of the passages
(rank_bm25 issues #39, #43): on one article of 20–60 passages that is common ("Zelensky" in
the seed article), and a passage matching only such terms would score ≤ 0 or below one that
matches nothing. BM25Plus also adds ``idf·δ`` to passages that do not match, so only passages
sharing a term with the query are ranked (:meth:`RankBM25Scorer.top`).
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np
from rank_bm25 import BM25Plus

K1 = 1.2
B = 0.75
DELTA = 1.0


class Scored(NamedTuple):
    index: int  # position of the passage in the corpus
    score: float


class Scorer(Protocol):
    """Ranks a fixed corpus of token lists against a query."""

    def top(self, query: Sequence[str], k: int) -> list[Scored]:
        """The ``k`` best passages with a positive score, best first (ties: lower index first)."""
        ...

    def score(self, query: Sequence[str], indices: Sequence[int]) -> list[float]:
        """The scores of the given passages, in the order given."""
        ...

    def idf(self, term: str) -> float:
        """The term's idf; 0 for a term the corpus does not contain."""
        ...


class RankBM25Scorer:
    """The reference: rank-bm25's own ``BM25Plus`` over the whole corpus."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B, delta: float = DELTA):
        self._size = len(corpus)
        # rank-bm25 divides by the corpus size and by the mean length: an empty corpus, or one
        # whose passages have no terms, has nothing to rank, so it gets no model at all.
        self._bm25 = BM25Plus(list(corpus), k1=k1, b=b, delta=delta) if any(corpus) else None

    def top(self, query: Sequence[str], k: int) -> list[Scored]:
        if self._bm25 is None or not query or k <= 0:
            return []
        known = [t for t in query if t in self._bm25.idf]
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        # BM25Plus gives every passage idf·δ per query term; only passages sharing a term
        # with the query are hits, so those are the ones ranked.
        matching = np.flatnonzero([any(t in freqs for t in known) for freqs in self._bm25.doc_freqs])
        order = matching[np.lexsort((matching, -scores[matching]))][:k]
        return [Scored(int(i), float(scores[i])) for i in order]

    def score(self, query: Sequence[str], indices: Sequence[int]) -> list[float]:
        if self._bm25 is None or not query or not indices:
            return [0.0] * len(indices)
        return self._bm25.get_batch_scores(list(query), list(indices))

    def idf(self, term: str) -> float:
        return self._bm25.idf.get(term, 0.0) if self._bm25 is not None else 0.0

    def __len__(self) -> int:
        return self._size


# Past one passage in _DENSE of the library, library-sized arrays beat sorting and searching.
_DENSE = 32
# A library under this many passages (an article is 20–200) is scored a whole query term at a
# time: a vector of the term's share of every passage's score, kept once made (up to
# _TERM_VECTOR_BYTES of them per scorer). At that size the cost is numpy's per-call overhead,
# not the postings, and a question then takes a few vector additions.
SMALL_LIBRARY = 1024
_TERM_VECTOR_BYTES = 256 * 1024


class SparseBM25Scorer:
    """rank-bm25's ``BM25Plus`` scores, computed from an inverted index with numpy.

    rank-bm25 visits every passage for every query term (a Python loop over one dict per
    passage): over a second per question at a million passages. Here each term keeps the
    passages it occurs in (its postings, as arrays), and a question touches only those, so
    its cost grows with the postings of its terms rather than with the library. The formula,
    parameters and arithmetic are rank-bm25's (tests compare the two on random corpora); a
    passage that matches no term scores the same ``Σ idf·δ`` as every other such passage and
    is never ranked.
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
        self._small = self._size < small_library
        self._term_vectors: dict[int, np.ndarray] = {}
        self._vocabulary: dict[str, int] = {}
        # Compact arrays, not lists: a million passages make tens of millions of postings.
        term_ids, doc_ids, counts = array("q"), array("q"), array("q")
        for doc, terms in enumerate(corpus):
            for term, count in Counter(terms).items():
                term_ids.append(self._vocabulary.setdefault(term, len(self._vocabulary)))
                doc_ids.append(doc)
                counts.append(count)
        if not self._vocabulary:
            self._size = 0  # nothing to rank (rank-bm25 itself cannot even be built on it)
            return
        terms_array = np.frombuffer(term_ids, dtype=np.int64)
        order = np.argsort(terms_array, kind="stable")  # group by term; passages stay ascending
        self._postings = np.frombuffer(doc_ids, dtype=np.int64)[order].astype(np.int32)  # 4 bytes each
        frequencies = np.frombuffer(counts, dtype=np.int64)[order]
        del doc_ids, counts
        document_frequency = np.bincount(terms_array, minlength=len(self._vocabulary))
        self._offsets = np.concatenate(([0], np.cumsum(document_frequency)))
        # The same expressions as rank_bm25.BM25 and BM25Plus, evaluated in the same order.
        lengths = np.fromiter((len(terms) for terms in corpus), dtype=np.int64, count=self._size)
        average_length = int(lengths.sum()) / self._size
        self._idf = [math.log((self._size + 1) / int(df)) for df in document_frequency]
        norm = k1 * (1 - b + b * lengths / average_length)
        self._tf_part = (frequencies * (k1 + 1)) / (norm[self._postings] + frequencies)
        self._max_part = np.maximum.reduceat(self._tf_part, self._offsets[:-1]).tolist()

    def top(self, query: Sequence[str], k: int) -> list[Scored]:
        """The ``k`` best matching passages, found MaxScore-style.

        A term can add at most ``bound[t]`` to a passage's score. Passages are scored exactly,
        starting with those holding the highest-impact term; once the terms not yet looked at
        could not together lift any other passage to the k-th best score, the rest need not be
        visited. Common terms are long postings with small bounds, so a question mixing rare
        and common words touches a few passages instead of most of the library.
        """
        ids = self._term_ids(query) if k > 0 else []
        if not ids:
            return []
        if self._small:
            candidates = self._union([self._postings_of(t) for t in dict.fromkeys(ids)])
            return self._best(candidates, self._all_scores(ids)[candidates], k)
        repeats = Counter(ids)
        bound = {t: repeats[t] * self._idf[t] * self._max_part[t] for t in repeats}
        by_impact = sorted(bound, key=lambda t: -bound[t])
        floor = sum(self._idf[t] * self._delta for t in ids)  # what every passage gets
        for visited in range(1, len(by_impact) + 1):
            candidates = self._union([self._postings_of(t) for t in by_impact[:visited]])
            scores = self._exact(ids, candidates)
            unvisited = sum(bound[t] for t in by_impact[visited:])
            if not unvisited:
                break
            if len(candidates) >= k:
                kth = np.partition(scores, len(scores) - k)[len(scores) - k]
                if (floor + unvisited) * (1 + 1e-9) < kth:  # a margin for rounding in the bound
                    break
        return self._best(candidates, scores, k)

    @staticmethod
    def _best(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[Scored]:
        """The ``k`` best of ``candidates`` (ascending), best first, ties by position."""
        if len(candidates) > k:  # keep all that score at least the k-th best, ties included
            keep = scores >= np.partition(scores, len(scores) - k)[len(scores) - k]
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))[:k]
        return [Scored(int(candidates[i]), float(scores[i])) for i in order]

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
        return self._idf[index] if index is not None else 0.0

    def _term_ids(self, query: Sequence[str]) -> list[int]:
        # Terms the corpus lacks have idf 0 in rank-bm25: they add exactly 0.0 to every score.
        return [self._vocabulary[t] for t in query if t in self._vocabulary] if self._size else []

    def _postings_of(self, term: int) -> np.ndarray:
        return self._postings[self._offsets[term] : self._offsets[term + 1]]

    def _exact(self, ids: list[int], passages: np.ndarray) -> np.ndarray:
        """rank-bm25's score of each passage, summed term by term in query order as
        ``idf · (δ + tf-part)`` — the same floats to the last bit, so the same rankings."""
        place = None
        if len(passages) * _DENSE >= self._size:  # many passages: a library-sized map, built once
            place = np.full(self._size, -1, dtype=np.int64)
            place[passages] = np.arange(len(passages))
        parts = {term: self._parts(term, passages, place) for term in dict.fromkeys(ids)}
        scores = np.zeros(len(passages))
        for term in ids:  # a repeated query term counts again, as in rank-bm25
            scores += self._idf[term] * (self._delta + parts[term])
        return scores

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
            start, end = self._offsets[term], self._offsets[term + 1]
            part = np.zeros(self._size)
            part[self._postings[start:end]] = self._tf_part[start:end]
            vector = self._idf[term] * (self._delta + part)
            if (len(self._term_vectors) + 1) * vector.nbytes > _TERM_VECTOR_BYTES:
                self._term_vectors.clear()  # start again: the terms asked now are kept
            self._term_vectors[term] = vector
        return vector

    def _parts(self, term: int, passages: np.ndarray, place: np.ndarray | None) -> np.ndarray:
        """The term's tf-part for each of ``passages`` (sorted), 0 where it does not occur."""
        start, end = self._offsets[term], self._offsets[term + 1]
        postings = self._postings[start:end]
        part = np.zeros(len(passages))
        if place is None:  # few passages: look each one up in the postings
            at = np.searchsorted(postings, passages)
            inside = at < len(postings)
            found = np.zeros(len(passages), dtype=bool)
            found[inside] = postings[at[inside]] == passages[inside]
            part[found] = self._tf_part[start + at[found]]
        else:  # many: one pass over the postings through the map
            where = place[postings]
            hit = where >= 0
            part[where[hit]] = self._tf_part[start:end][hit]
        return part

    def _union(self, postings: list[np.ndarray]) -> np.ndarray:
        if len(postings) == 1:
            return postings[0]
        if sum(len(p) for p in postings) * _DENSE < self._size:
            return np.unique(np.concatenate(postings))
        marked = np.zeros(self._size, dtype=bool)
        for passages in postings:
            marked[passages] = True
        return np.flatnonzero(marked)

    def __len__(self) -> int:
        return self._size
