"""Confidence: how likely the top passage answers the question (0–1), and when to decline.

Two things separate answerable questions from the rest in the eval's dev splits
(docs/quality.md). First, how much of the question the passage covers: the share of its terms
found there — or anywhere in its paragraph, which a passage answering the question talks about
—, and the idf-weighted share found in its best single sentence (a term the library never uses
gets the highest idf: a question about another article is mostly such terms, and an answer is
usually stated in one sentence). A term counts as found where one of its related or derived
terms is ("invention" for "inventor"), and partly where a word close in meaning is ("awards"
for "recognitions"). Second, contradictions that BM25 cannot see: a negated question ("when
wasn't …", less so when the passage negates too), a number or a name the question has and the
passage lacks ("in 1745" where the passage says 1754), or a question word whose opposite the
passage has instead ("the smallest" where it says "the largest").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from typing import NamedTuple

from .question import Question, opposed

# Decline below this confidence: at this threshold the dev split's answerable SQuAD questions
# are declined 2.4 % of the time and questions about other articles 94 % (docs/quality.md)…
DECLINE_BELOW = 0.29
# …and a follow-up below this one: the conversation has already found the article about its
# subject, and a short, elliptical question covers fewer of a passage's words (QuAC dialogs:
# 9.7 % of answerable questions declined).
DECLINE_FOLLOW_UP_BELOW = 0.17
# A question word missing from the passage counts as found in part from this cosine with one
# of its words on (linearly up to 1).
MEANING_FOUND_FROM = 0.3
NEGATION = re.compile(r"\b(?:not|never|no|none|nor|neither|nothing|nobody|without)\b|n't\b", re.IGNORECASE)


class Evidence(NamedTuple):
    """What the confidence weighs: the question's terms, each with its share of the question
    (a term borrowed from the previous question counts less), and what the passage holds."""

    shares: Mapping[str, float]  # term → its share of the question
    weights: Mapping[str, float]  # term → its idf × share
    kin: Mapping[str, Set[str]]  # term → the library terms that stand in for it
    sentences: Sequence[Set[str]]  # the passage's sentences' terms
    paragraph: Set[str]  # the terms of the passage's paragraph
    near: Mapping[str, float]  # term missing from the passage → its best cosine with a passage word


def confidence(question: Question, evidence: Evidence, passage_text: str) -> float:
    """How likely the passage answers the question, from 0 to 1.

    Args:
        question: the question as analysed.
        evidence: the terms to judge and what the passage holds (see :class:`Evidence`).
        passage_text: the passage, for the negation it may hold.

    Returns:
        0 when there is nothing to judge.
    """
    shares, weights, kin = evidence.shares, evidence.weights, evidence.kin
    if not shares:
        return 0.0

    def covered(terms: Set[str]) -> set[str]:
        return {t for t in shares if t in terms or not kin[t].isdisjoint(terms)}

    found = set().union(*evidence.sentences)
    in_paragraph = covered(evidence.paragraph | found)
    partly = {t: _partly(evidence.near.get(t, 0.0)) for t in set(shares) - covered(found)}
    best = max(sum(weights[t] for t in covered(s)) for s in evidence.sentences)
    best += sum(weights[t] * v for t, v in partly.items())
    share = sum(shares[t] for t in in_paragraph)
    share += sum(shares[t] * v for t, v in partly.items() if t not in in_paragraph)
    total = sum(shares.values())
    result = (min(best / sum(weights.values()), 1.0) + min(share / total, 1.0)) / 2
    if NEGATION.search(question.text):
        result *= 0.8 if NEGATION.search(passage_text) else 0.6
    missing = set(shares) - found
    numbers = {t for t in missing if t[:1].isdigit()}
    names = {t.term for t in question.tokens if t.start > 0 and question.text[t.start].isupper()} - found
    opposites = {t for t in missing if opposed(t, found)}
    result *= 0.6 ** min(len(numbers), 2) * 0.85 ** min(len(names), 2)
    return result * 0.6 ** min(len(opposites), 2)


def _partly(cosine: float) -> float:
    return max(0.0, (cosine - MEANING_FOUND_FROM) / (1 - MEANING_FOUND_FROM))
