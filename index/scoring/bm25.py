"""The BM25 parameters and the interface every scorer offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

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

    def __len__(self) -> int: ...
