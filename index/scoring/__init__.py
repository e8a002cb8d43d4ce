"""BM25 scoring behind one small interface, so a faster engine can replace the reference one.

Variant: rank-bm25's ``BM25Plus``. Its idf, ``log((N + 1) / df)``, is positive for every term
even when it occurs in every passage, and every matching term adds at least ``idf·δ``.
``BM25Okapi`` instead gives idf ≤ 0 to any term found in half or more of the passages
(rank_bm25 issues #39, #43): on one article of 20–60 passages that is common ("Zelensky" in
the seed article), and a passage matching only such terms would score ≤ 0 or below one that
matches nothing. BM25Plus also adds ``idf·δ`` to passages that do not match, so only passages
sharing a term with the query are ranked (:meth:`RankBM25Scorer.top`).
"""

from .bm25 import DELTA, K1, B, Scored, Scorer
from .reference import RankBM25Scorer
from .shared import sentence_scorers
from .sparse import SMALL_LIBRARY, SparseBM25Scorer

__all__ = [
    "DELTA",
    "K1",
    "SMALL_LIBRARY",
    "B",
    "RankBM25Scorer",
    "Scored",
    "Scorer",
    "SparseBM25Scorer",
    "sentence_scorers",
]
