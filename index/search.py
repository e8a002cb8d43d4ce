"""Search: one index over a library's articles, answering a question with ranked, cited hits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .article import Article
from .citation import Citation, cite
from .highlight import DATE, NAME, NUMBER, highlights
from .passages import Passage, paragraph_passages, widen
from .question import AnswerType, Question, analyse
from .scoring import RankBM25Scorer, Scorer
from .sentences import Paragraph, split_paragraphs
from .tokens import tokenize

CANDIDATES = 30  # BM25's best windows that the finer ranking looks at
# Weights of the finer ranking, measured on the eval's dev split (README, "Quality"). The
# paragraph's own BM25 score says the window sits where the article talks about the
# question's subject; the answer-type bonus favours a window holding a number for "how
# many", a date for "when", a name for "who/where".
PARAGRAPH_WEIGHT = 1.5
ANSWER_TYPE_BONUS = 1.0
SAME_PARAGRAPH = float(__import__("os").environ.get("SP", "1.0"))

_ANSWER_PATTERNS = {
    AnswerType.NUMBER: NUMBER,
    AnswerType.DATE: DATE,
    AnswerType.PERSON: NAME,
    AnswerType.PLACE: NAME,
}
# Words that make a question lean on the previous one: "what did he say?", "and Kherson?".
_CONTINUATION = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about)\b|\b(he|she|it|they|him|her|them|his|hers|its|"
    r"their|theirs|this|that|these|those|there|then|the same)\b",
    re.IGNORECASE,
)


class Turn(NamedTuple):
    """An earlier exchange of the conversation: the question and the answer's text."""

    question: str
    answer: str = ""


class Hit(NamedTuple):
    passage: Passage
    score: float
    highlights: tuple[tuple[int, int], ...]  # spans of passage.article.text to emphasise
    citation: Citation


class Answer(NamedTuple):
    question: str
    hits: list[Hit]  # best first; present even when declined (the closest passages)
    declined: bool  # the library does not answer the question
    confidence: float  # 0..1, higher = more likely the top hit answers it


class Index:
    """Passages of every article in a library, tokenized once and ranked with BM25."""

    def __init__(
        self,
        articles: Sequence[Article],
        scorer: Callable[[Sequence[Sequence[str]]], Scorer] = RankBM25Scorer,
    ):
        self.articles = tuple(articles)
        self.languages = tuple(dict.fromkeys(a.language for a in self.articles)) or ("en",)
        self.paragraphs: list[tuple[Article, Paragraph]] = []
        self.passages: list[Passage] = []
        self.paragraph_index: list[int] = []  # passage → its position in self.paragraphs
        passage_terms: list[list[str]] = []
        paragraph_terms: list[list[str]] = []
        for article in self.articles:
            for paragraph in split_paragraphs(article.text):
                sentence_terms = [
                    tokenize(article.text[s.start : s.end], article.language) for s in paragraph.sentences
                ]
                for passage in paragraph_passages(article, paragraph):
                    self.passages.append(passage)
                    self.paragraph_index.append(len(self.paragraphs))
                    window = sentence_terms[passage.first_sentence - 1 : passage.last_sentence]
                    passage_terms.append([term for terms in window for term in terms])
                self.paragraphs.append((article, paragraph))
                paragraph_terms.append([term for terms in sentence_terms for term in terms])
        self.passage_terms = passage_terms
        self.scorer = scorer(passage_terms)
        self.paragraph_scorer = scorer(paragraph_terms)

    def search(self, question: str, history: Sequence[Turn] = (), k: int = 5) -> Answer:
        """Rank the library's passages for a question.

        Args:
            question: what the user asked.
            history: earlier turns of the conversation, oldest first. The last one is used
                when the question leans on it ("what did he say?" after "who is Yusov?").
            k: how many hits to return at most.

        Returns:
            An :class:`Answer`; ``hits`` is empty when nothing matches at all.
        """
        parsed = self._analyse(question)
        terms = list(parsed.terms)
        if history and is_follow_up(question, parsed):
            previous = self._analyse(history[-1].question)
            terms += [t for t in previous.terms if t not in terms]
        ranked = self._rank(parsed, terms)
        hits = self._hits(parsed, ranked, k)
        confidence = self._confidence(parsed, hits)
        declined = not hits or confidence < DECLINE_BELOW
        return Answer(question, hits, declined, confidence)

    def _hits(self, question: Question, ranked: list[tuple[int, float]], k: int) -> list[Hit]:
        """The best windows quoted as hits, each showing sentences no earlier hit shows.

        A window from a paragraph already quoted counts SAME_PARAGRAPH of its score: the next
        hits then come from other paragraphs unless the quoted one is far ahead, which gives
        a reader (and hit@3) a second opinion rather than more of the same paragraph.
        """
        hits: list[Hit] = []
        shown: dict[int, set[int]] = {}  # paragraph → its sentences (0-based) quoted so far
        remaining = list(ranked)
        while remaining and len(hits) < k:
            index, score = max(
                remaining, key=lambda r: r[1] * (SAME_PARAGRAPH if self.paragraph_index[r[0]] in shown else 1.0)
            )
            remaining.remove((index, score))
            paragraph_number = self.paragraph_index[index]
            article, paragraph = self.paragraphs[paragraph_number]
            seen = shown.get(paragraph_number, set())
            passage = widen(self.passages[index], paragraph, seen)
            if passage is None:
                continue
            shown[paragraph_number] = seen | set(range(passage.first_sentence - 1, passage.last_sentence))
            spans = highlights(passage.text, passage.start, question, article.language)
            hits.append(Hit(passage, score, tuple(spans), cite(passage)))
        return hits

    def _analyse(self, question: str) -> Question:
        parsed = analyse(question, self.languages[0])
        extra = [t for lang in self.languages[1:] for t in analyse(question, lang).terms]
        if extra:
            terms = tuple(dict.fromkeys(parsed.terms + tuple(extra)))
            parsed = Question(parsed.text, terms, parsed.answer_type, parsed.tokens)
        return parsed

    def _rank(self, question: Question, terms: list[str]) -> list[tuple[int, float]]:
        candidates = self.scorer.top(terms, CANDIDATES)
        if not candidates:
            return []
        paragraphs = [self.paragraph_index[c.index] for c in candidates]
        paragraph_scores = self.paragraph_scorer.score(terms, paragraphs)
        pattern = _ANSWER_PATTERNS.get(question.answer_type) if question.answer_type else None
        ranked = []
        for candidate, paragraph_score in zip(candidates, paragraph_scores, strict=True):
            score = candidate.score + PARAGRAPH_WEIGHT * paragraph_score
            if pattern is not None and pattern.search(self.passages[candidate.index].text):
                score += ANSWER_TYPE_BONUS
            ranked.append((candidate.index, score))
        ranked.sort(key=lambda item: (-item[1], item[0]))
        return ranked

    def _confidence(self, question: Question, hits: list[Hit]) -> float:
        """How likely the top hit answers the question, from 0 to 1.

        Two things separate answerable questions from the rest in the eval's dev split
        (README, "Quality"). First, how much of the question the passage covers: the share of
        its terms found there, counted plainly and weighted by idf (a term the library never
        uses gets the highest idf — a question about another article is mostly such terms).
        Second, contradictions between question and passage that BM25 cannot see: a negated
        question ("when wasn't …") against a passage with no negation, or a number or a name
        the question has and the passage lacks ("in 1745" where the passage says 1754).
        """
        terms = set(question.terms)
        if not hits or not terms:
            return 0.0
        top = hits[0].passage
        found = set(tokenize(top.text, top.article.language))
        unseen = math.log(len(self.passages) + 1)  # BM25Plus idf of a term in no passage
        weights = {t: self.scorer.idf(t) or unseen for t in terms}
        covered = sum(weights[t] for t in terms & found) / sum(weights.values())
        share = len(terms & found) / len(terms)
        confidence = (covered + share) / 2
        if NEGATION.search(question.text) and not NEGATION.search(top.text):
            confidence *= 0.6
        numbers = {t for t in terms - found if t[:1].isdigit()}
        names = {t.term for t in question.tokens if t.start > 0 and question.text[t.start].isupper()} - found
        return confidence * 0.6 ** min(len(numbers), 2) * 0.85 ** min(len(names), 2)


# Decline below this confidence: at this threshold the dev split's answerable questions are
# declined 4.3 % of the time and questions about other articles 96.6 % (README, "Quality").
DECLINE_BELOW = 0.29
NEGATION = re.compile(r"\b(?:not|never|no|none|nor|neither|nothing|nobody|without)\b|n't\b", re.IGNORECASE)


def is_follow_up(question: str, parsed: Question) -> bool:
    """Whether a question leans on the one before: a pronoun, a leading "and", or no terms at all ("why?")."""
    return bool(_CONTINUATION.search(question)) or not parsed.terms


def _overlaps(a: Passage, b: Passage) -> bool:
    return a.article == b.article and a.start < b.end and b.start < a.end
