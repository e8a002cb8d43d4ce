"""BM25 scoring behind one small interface, so a faster engine can replace the reference one.

Variant: rank-bm25's ``BM25L``. Its idf, ``log(N + 1) - log(df + 0.5)``, is positive for every
term even when it occurs in every passage, and a passage that shares no term with the query
scores exactly 0. ``BM25Okapi`` instead gives idf ≤ 0 to any term found in half or more of
the passages (rank_bm25 issues #39, #43): on one article of 20–60 passages that is common
("Zelensky" in the seed article), and a passage matching only such terms would score ≤ 0 or
below one that matches nothing. ``BM25Plus`` also keeps idf positive but adds ``idf·δ`` to
every passage for every query term, matching or not, which blurs "matches" and "does not".
"""

from __future__ import annotations

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
