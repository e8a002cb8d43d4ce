"""Windows, paragraphs and quotes over one set of sentence postings: each a run of sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .postings import Postings
from .sparse import SMALL_LIBRARY, SparseBM25Scorer
from .units import Runs


def sentence_scorers(
    paragraphs: Sequence[Sequence[Sequence[str]]],
    paragraph_of: Sequence[int],
    windows: Sequence[tuple[int, int]],
    quotes: Sequence[tuple[int, int]],
    small_library: int = SMALL_LIBRARY,
) -> tuple[SparseBM25Scorer, SparseBM25Scorer, SparseBM25Scorer]:
    """Scorers of windows, whole paragraphs and quotes, all reading one set of sentence postings.

    Args:
        paragraphs: each paragraph's sentences, each a list of terms.
        paragraph_of: the paragraph of each window, and of its quote.
        windows: each window's sentences as ``(first, end)`` within its paragraph (0-based, end
            excluded), in reading order.
        quotes: each window's quote, likewise.
        small_library: below this many units, a scorer keeps vectors of the terms asked.

    Returns:
        The scorers of the windows, the paragraphs and the quotes: each gives rank-bm25's
        scores over its units' own tokens (a unit's tokens are its sentences' tokens).
    """
    postings = Postings([sentence for paragraph in paragraphs for sentence in paragraph], small_library)
    first_sentence = np.cumsum([0, *map(len, paragraphs)])
    at = first_sentence[np.asarray(paragraph_of, dtype=np.int64)]

    def scorer(first: np.ndarray, end: np.ndarray) -> SparseBM25Scorer:
        return SparseBM25Scorer(Runs(postings, first, end), small_library=small_library)

    def runs(spans: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        first, end = np.asarray(spans, dtype=np.int64).reshape(-1, 2).T
        return at + first, at + end

    return scorer(*runs(windows)), scorer(first_sentence[:-1], first_sentence[1:]), scorer(*runs(quotes))
