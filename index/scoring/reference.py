"""rank-bm25's own BM25Plus behind the Scorer interface: the reference the fast scorer matches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Plus

from .bm25 import DELTA, K1, B, Scored


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
