"""Summaries: an article's key sentences, chosen extractively, each one a citable passage.

A news article states its point first (the "inverted pyramid"), and a sentence that shares
many of the article's recurring words is about its main subject. A sentence's weight is its
cosine with the whole article (idf-weighted term counts) times a lead bonus that fades with
its place; the key sentences are taken best first, each skipped when it mostly repeats one
already taken, and shown in reading order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

from .article import Article
from .passages import Passage
from .sentences import Paragraph

SUMMARY_SENTENCES = 3
MIN_TERMS = 6  # shorter sentences are captions, credits and datelines, not statements
LEAD_DECAY = 0.08  # the lead bonus: 1 / (1 + LEAD_DECAY × the sentence's place in the article)
REDUNDANT = 0.5  # a sentence whose cosine with one already taken reaches this repeats it


def key_sentences(
    article: Article,
    paragraphs: Sequence[Paragraph],
    sentence_terms: Sequence[Sequence[Sequence[str]]],
    idf: Callable[[str], float],
    k: int = SUMMARY_SENTENCES,
) -> list[Passage]:
    """The article's ``k`` key sentences, in reading order.

    Args:
        article: the article summarised.
        paragraphs: its paragraphs (``split_paragraphs``).
        sentence_terms: for each paragraph, its sentences' terms (``tokenize``).
        idf: a term's weight (the library's BM25 idf).
        k: how many sentences at most.

    Returns:
        One single-sentence :class:`Passage` per key sentence; none for an empty article.
    """
    sentences = [
        (paragraph, number, Counter(terms))
        for paragraph, terms_of in zip(paragraphs, sentence_terms, strict=True)
        for number, terms in enumerate(terms_of, start=1)
    ]
    if not sentences:
        return []
    whole = _weighted(sum((counts for _, _, counts in sentences), Counter()), idf)
    scored = []
    for place, (paragraph, number, counts) in enumerate(sentences):
        vector = _weighted(counts, idf)
        short = sum(counts.values()) < MIN_TERMS
        weight = _cosine(vector, whole) / (1 + LEAD_DECAY * place) * (0.1 if short else 1.0)
        scored.append((weight, place, paragraph, number, vector))
    chosen: list[tuple[int, Paragraph, int, dict[str, float]]] = []
    for _, place, paragraph, number, vector in sorted(scored, key=lambda s: (-s[0], s[1])):
        if len(chosen) == k:
            break
        if all(_cosine(vector, other) < REDUNDANT for *_, other in chosen):
            chosen.append((place, paragraph, number, vector))
    passages = []
    for _, paragraph, number, _ in sorted(chosen, key=lambda c: c[0]):
        span = paragraph.sentences[number - 1]
        passages.append(Passage(article, paragraph.number, number, number, span.start, span.end))
    return passages


def _weighted(counts: Counter[str], idf: Callable[[str], float]) -> dict[str, float]:
    return {term: count * idf(term) for term, count in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norms = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norms if norms else 0.0
