"""Search: one index over a library's articles, answering a question with ranked, cited hits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .article import Article
from .citation import Citation, cite
from .derived import derived
from .highlight import DATE, NAME, NUMBER, highlights, mentions
from .passages import Passage, paragraph_passages, quoted, widen
from .question import AnswerType, Question, analyse, opposed
from .scoring import Scorer, SparseBM25Scorer, sentence_scorers
from .sentences import Paragraph, split_paragraphs
from .summary import SUMMARY_SENTENCES, key_sentences
from .tokens import stemmer, tokenize
from .vectors import Sentences
from .vectors import joined as joined_sentences
from .vectors import mean as mean_vector
from .vectors import sentences as sentence_vectors
from .vectors import units as unit_vectors
from .vectors import words as vector_words

CANDIDATES = 30  # BM25's best windows that the finer ranking looks at
# The finer ranking adds, for each candidate window, the BM25 scores of its paragraph (the
# window sits where the article talks about the question's subject) and of its quote (the
# window widened as it will be shown, where the answer often is), and a bonus when it holds
# what the question asks for (a number for "how many", a date for "when", a name for
# "who/where"). Light question words count LIGHT_WEIGHT of their score, and library words
# sharing a question word's first RELATED_PREFIX letters ("sculptor"/"sculpture",
# "describe"/"description") count RELATED_WEIGHT of theirs, and the English words WordNet
# derives from a question word or it from them, which share no prefix ("inventor"/"invent",
# "French"/"France", see derived.py), count DERIVED_WEIGHT of theirs. Weights measured on the
# eval's dev split, each kept only if it helped in both halves of an article-level 2-fold
# split (README, "Quality").
PARAGRAPH_WEIGHT = 1.5
QUOTE_WEIGHT = 1.0
ANSWER_TYPE_BONUS = 1.0
LIGHT_WEIGHT = 0.5
RELATED_WEIGHT = 0.25
RELATED_PREFIX = 6
DERIVED_WEIGHT = 0.05
# Meaning beyond shared words, from English word vectors (vectors.py): among the sentences of
# a window's quote, the best cosine between a sentence's mean vector and the question's, and
# the best alignment — each question word's closest word in the sentence, weighted by the
# word's idf — count these weights. They find the sentence that says "price" when the
# question says "cost". Measured on the eval's dev split like the weights above.
SENTENCE_MEANING_WEIGHT = 14.0
WORD_MEANING_WEIGHT = 6.0
# A library of at most LIBRARY_VECTORS sentences (~3 KB each; ~35 articles like the built-in
# one) has its sentences' vectors worked out when it is built, so that a question costs a
# few array operations over all of them; a bigger library's are worked out a paragraph at a
# time as questions reach them, and the last PARAGRAPH_VECTORS_CACHED paragraphs' kept.
LIBRARY_VECTORS = 1000
PARAGRAPH_VECTORS_CACHED = 512
# A window from a paragraph that an earlier hit already quotes counts this share of its
# score, so the next hits offer other paragraphs unless that one is far ahead.
SAME_PARAGRAPH = 0.8
# Words that frame a question more than they name its subject: "what is the name of", "what
# kind of", "what is X called", "one of the"; they rarely sit beside the answer.
LIGHT_TERMS = frozenset(
    stemmer("en")(word)
    for word in "name called type kind sort term example refer known considered mean one".split()
)

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
    """An earlier exchange of the conversation: the question and its answer — the answer's
    text and, when known, where it stands in the library (the passage the bot quoted)."""

    question: str
    answer: str = ""
    article_id: str | None = None  # the quoted passage's article…
    start: int | None = None  # …and its offsets in that article's text
    end: int | None = None


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
    about: Article | None = None  # set when the question is about this article itself (a summary,
    # its author, date or source): the hits are then its key sentences


class Index:
    """Passages of every article in a library, tokenized once and ranked with BM25."""

    def __init__(
        self,
        articles: Sequence[Article],
        scorer: Callable[[Sequence[Sequence[str]]], Scorer] = SparseBM25Scorer,
    ):
        self.articles = tuple(articles)
        self.languages = tuple(dict.fromkeys(a.language for a in self.articles)) or ("en",)
        self.paragraphs: list[tuple[Article, Paragraph]] = []
        self.passages: list[Passage] = []
        self.paragraph_index: list[int] = []  # passage → its position in self.paragraphs
        passage_terms: list[list[str]] = []
        paragraph_terms: list[list[str]] = []
        quote_terms: list[list[str]] = []  # each window widened as it would be quoted
        self.sentence_terms: list[list[list[str]]] = []  # paragraph → its sentences' terms
        quotes: list[tuple[int, int]] = []  # passage → its quote's first and last sentence, 0-based
        for article in self.articles:
            for paragraph in split_paragraphs(article.text):
                sentence_terms = [
                    tokenize(article.text[s.start : s.end], article.language) for s in paragraph.sentences
                ]
                for passage in paragraph_passages(article, paragraph):
                    self.passages.append(passage)
                    self.paragraph_index.append(len(self.paragraphs))
                    passage_terms.append(_joined(sentence_terms, passage))
                    quote = widen(passage, paragraph)
                    quote_terms.append(_joined(sentence_terms, quote))
                    quotes.append((quote.first_sentence - 1, quote.last_sentence))
                self.paragraphs.append((article, paragraph))
                self.sentence_terms.append(sentence_terms)
                paragraph_terms.append([term for terms in sentence_terms for term in terms])
        self.passage_terms = passage_terms
        # Windows, paragraphs and quotes are runs of a paragraph's sentences: their three scorers
        # read one set of sentence postings.
        self.scorer, self.paragraph_scorer, self.quote_scorer = sentence_scorers(
            self.sentence_terms,
            self.paragraph_index,
            [(p.first_sentence - 1, p.last_sentence) for p in self.passages],
            quotes,
        )
        self.vocabulary = frozenset(term for terms in paragraph_terms for term in terms)
        self._by_prefix: dict[str, list[str]] = {}  # first RELATED_PREFIX letters → library terms
        for term in sorted(self.vocabulary):
            if len(term) >= RELATED_PREFIX and not term[0].isdigit():
                self._by_prefix.setdefault(term[:RELATED_PREFIX], []).append(term)
        self._english = "en" in self.languages  # the WordNet derivations and word vectors are English
        self._paragraph_of = np.array(self.paragraph_index, dtype=np.intp)
        self._quotes = np.array(quotes, dtype=np.int32).reshape(-1, 2)
        self._quote_widths = np.arange(max((last - first for first, last in quotes), default=1))
        sentences = [len(paragraph.sentences) for _, paragraph in self.paragraphs]
        self._first_sentence = np.cumsum([0, *sentences[:-1]], dtype=np.intp)
        # A small library's sentence vectors, and each window's quote as positions among them.
        self._library_sentences: Sentences | None = None
        self._library_quotes = np.empty((0, 0), dtype=np.intp)
        if self._english and sum(sentences) <= LIBRARY_VECTORS:
            self._library_sentences = self._sentence_vectors(range(len(self.paragraphs)))
            self._library_quotes = self._quote_sentences(
                slice(None), self._first_sentence[self._paragraph_of]
            )
        self._paragraph_sentences = lru_cache(maxsize=PARAGRAPH_VECTORS_CACHED)(
            lambda paragraph: self._sentence_vectors([paragraph])
        )
        self._paragraph_at = {(a, paragraph.number): i for i, (a, paragraph) in enumerate(self.paragraphs)}

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
        # The confidence judges the best window's quote, as the ranking did; the first hit shows
        # it, perhaps run on into one more sentence (passages.quoted).
        confidence = self._confidence(parsed, self._quote(ranked[0][0])) if ranked else 0.0
        declined = not hits or confidence < DECLINE_BELOW
        return Answer(question, hits, declined, confidence)

    def summary(self, article: Article | None = None, k: int = SUMMARY_SENTENCES) -> Answer:
        """What an article is about: its key sentences, each a cited hit.

        Args:
            article: one of the library's articles; by default the one added last.
            k: how many sentences at most.

        Returns:
            An :class:`Answer` whose ``about`` is the article; no hits for an empty library.
        """
        if article is None:
            if not self.articles:
                return Answer("", [], True, 0.0)
            article = self.articles[-1]
        numbers = [i for i, (a, _) in enumerate(self.paragraphs) if a == article]
        passages = key_sentences(
            article,
            [self.paragraphs[i][1] for i in numbers],
            [self.sentence_terms[i] for i in numbers],
            lambda term: self.scorer.idf(term) or 0.0,
            k,
        )
        hits = [Hit(passage, 1.0, (), cite(passage)) for passage in passages]
        return Answer("", hits, not hits, 1.0 if hits else 0.0, about=article)

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
                remaining,
                key=lambda r: r[1] * (SAME_PARAGRAPH if self.paragraph_index[r[0]] in shown else 1.0),
            )
            remaining.remove((index, score))
            paragraph_number = self.paragraph_index[index]
            article, paragraph = self.paragraphs[paragraph_number]
            seen = shown.get(paragraph_number, set())
            passage = quoted(self.passages[index], paragraph, seen)
            if passage is None:
                continue
            shown[paragraph_number] = seen | set(range(passage.first_sentence - 1, passage.last_sentence))
            spans = highlights(passage.text, passage.start, question, article.language)
            hits.append(Hit(passage, score, tuple(spans), cite(passage)))
        return hits

    def _quote(self, window: int) -> Passage:
        """The window's quote as the ranking scored it (worked out when the index was built;
        without the sentence that a shown passage runs on into)."""
        article, paragraph = self.paragraphs[self.paragraph_index[window]]
        first, last = self._quotes[window].tolist()  # 0-based, last excluded
        start, end = paragraph.sentences[first].start, paragraph.sentences[last - 1].end
        return Passage(article, paragraph.number, first + 1, last, start, end)

    def _analyse(self, question: str) -> Question:
        parsed = analyse(question, self.languages[0])
        extra = [t for lang in self.languages[1:] for t in analyse(question, lang).terms]
        if extra:
            terms = tuple(dict.fromkeys(parsed.terms + tuple(extra)))
            parsed = Question(parsed.text, terms, parsed.answer_type, parsed.tokens)
        # A question's typo is corrected against the library, not a dictionary (see _spelled).
        terms = tuple(self._spelled(t) for t in parsed.terms)
        tokens = tuple(t._replace(term=self._spelled(t.term)) for t in parsed.tokens)
        return Question(parsed.text, terms, parsed.answer_type, tokens)

    def _spelled(self, term: str) -> str:
        """A question term the library lacks, replaced by the one library term a typo away
        ("undestand" → "understand", "goovern" → "govern"). Short terms (under 6 letters) are
        left alone: one edit turns them into too many other words; so are terms longer than
        any word (the edits of a 100,000-letter "word" would not fit in memory).
        """
        if term in self.vocabulary or not 6 <= len(term) <= 30 or not term.isalpha():
            return term
        near = {t for t in _one_edit(term) if t in self.vocabulary}
        return near.pop() if len(near) == 1 else term

    def _rank(self, question: Question, terms: list[str]) -> list[tuple[int, float]]:
        candidates = self.scorer.top(terms, CANDIDATES)
        if not candidates:
            return []
        indices = [c.index for c in candidates]
        light = [t for t in terms if t in LIGHT_TERMS]
        scores = (
            self._evidence(terms, indices, [c.score for c in candidates])
            - (1 - LIGHT_WEIGHT) * self._evidence(light, indices)
            + RELATED_WEIGHT * self._evidence(self._related(terms), indices)
            + DERIVED_WEIGHT * self._evidence(self._derived(terms), indices)
        )
        if self._english:
            scores += self._meaning(question.text, indices)
        pattern = _ANSWER_PATTERNS.get(question.answer_type) if question.answer_type else None
        ranked = []
        for index, score in zip(indices, scores.tolist(), strict=True):
            if pattern is not None and mentions(pattern, self.passages[index].text):
                score += ANSWER_TYPE_BONUS
            ranked.append((index, score))
        ranked.sort(key=lambda item: (-item[1], item[0]))
        return ranked

    def _evidence(
        self, query: list[str], indices: list[int], window: list[float] | None = None
    ) -> np.ndarray:
        """BM25 of each window (``window`` when already known) plus the weighted BM25 of its
        paragraph and of its quote."""
        if not query:
            return np.zeros(len(indices))
        paragraphs = [self.paragraph_index[i] for i in indices]
        return (
            np.array(window if window is not None else self.scorer.score(query, indices))
            + PARAGRAPH_WEIGHT * np.array(self.paragraph_scorer.score(query, paragraphs))
            + QUOTE_WEIGHT * np.array(self.quote_scorer.score(query, indices))
        )

    def _meaning(self, text: str, indices: list[int]) -> np.ndarray:
        """For each window, SENTENCE_MEANING_WEIGHT × the best cosine between the question's
        mean word vector and a quote sentence's, plus WORD_MEANING_WEIGHT × the best alignment
        of a quote sentence with the question: the idf-weighted mean, over the question's
        words, of each one's best cosine with a word of the sentence. 0 when the question has
        no words with vectors. It runs for every question, so it takes a few array operations
        over all the sentences of the windows' paragraphs — or of the library, when small."""
        found = vector_words(text)
        content = dict(zip(found.content, found.content_rows, strict=True))  # each word once
        if not content:
            return np.zeros(len(indices))
        stem = stemmer("en")
        unseen = math.log(len(self.passages) + 1)
        weights = np.array([self.scorer.idf(stem(word)) or unseen for word in content])
        if self._library_sentences is not None:
            sentences, quotes = self._library_sentences, self._library_quotes[indices]
        else:
            paragraphs, position = np.unique(self._paragraph_of[indices], return_inverse=True)
            parts = [self._paragraph_sentences(p) for p in paragraphs.tolist()]
            sentences = joined_sentences(parts)
            quotes = self._quote_sentences(indices, np.cumsum([0] + [len(p.means) for p in parts])[position])
        # sentence × (its cosine with the question, its alignment with the question's words)
        evidence = np.zeros((len(sentences.means), 2))
        evidence[:, 0] = sentences.means @ mean_vector(found.every)
        if len(sentences.words):
            # question word × sentence word; each question word's best per sentence, weighted
            similarity = unit_vectors(list(content.values())) @ sentences.words.T
            best = np.maximum.reduceat(similarity, sentences.starts, axis=1)
            evidence[sentences.counts > 0, 1] = weights @ best / weights.sum()
        return evidence[quotes].max(axis=1) @ (SENTENCE_MEANING_WEIGHT, WORD_MEANING_WEIGHT)

    def _quote_sentences(self, windows: list[int] | slice, first_sentence: np.ndarray) -> np.ndarray:
        """Each window's quote as the positions of its sentences in a run of sentences where its
        paragraph's first is at ``first_sentence``; a row each, the last sentence repeated to
        fill it, so that the best of each quote's sentences is one maximum."""
        first, last = (self._quotes[windows] + first_sentence[:, None]).T
        return np.minimum(first[:, None] + self._quote_widths, last[:, None] - 1)

    def _sentence_vectors(self, paragraphs: Sequence[int]) -> Sentences:
        """What the word vectors say about the sentences of ``paragraphs``, in order."""
        texts = []
        for number in paragraphs:
            article, paragraph = self.paragraphs[number]
            texts += [article.text[s.start : s.end] for s in paragraph.sentences]
        return sentence_vectors(texts)

    def _related(self, terms: list[str]) -> list[str]:
        """Library terms sharing a question term's first letters, other than the question's own:
        the derivations a stemmer keeps apart ("sculptor" and "sculptur", "descript" and "describ")."""
        related = [
            other
            for term in dict.fromkeys(terms)
            if len(term) >= RELATED_PREFIX
            for other in self._by_prefix.get(term[:RELATED_PREFIX], ())
            if other not in terms
        ]
        return list(dict.fromkeys(related))

    def _derived(self, terms: list[str]) -> list[str]:
        """Library terms WordNet relates to a question term by derivation, other than the
        question's own ("inventor" for "invent", "franc" for "french")."""
        if not self._english:
            return []
        found = [
            other
            for term in dict.fromkeys(terms)
            for other in derived(term)
            if other not in terms and other in self.vocabulary
        ]
        return list(dict.fromkeys(found))

    def _kin(self, term: str) -> frozenset[str]:
        """The library terms that stand in for ``term`` when it is missing: its related and
        derived terms."""
        return frozenset(self._related([term]) + self._derived([term]))

    def _confidence(self, question: Question, top: Passage) -> float:
        """How likely the top hit answers the question, from 0 to 1, judged on ``top``, the
        best window's quote.

        Two things separate answerable questions from the rest in the eval's dev split
        (README, "Quality"). First, how much of the question the top passage covers: the share
        of its terms found there, and the idf-weighted share found in its best single sentence
        (a term the library never uses gets the highest idf — a question about another article
        is mostly such terms — and an answer is usually stated in one sentence); a term counts
        as found where one of its related or derived terms is ("invention" for "inventor").
        Second, contradictions between question and passage that BM25 cannot see: a negated question
        ("when wasn't …", less so when the passage negates too), a number or a name the question
        has and the passage lacks ("in 1745" where the passage says 1754), or a question word
        whose opposite the passage has instead ("the smallest" where it says "the largest").
        """
        terms = set(question.terms)
        if not terms:
            return 0.0
        sentences = self.sentence_terms[self._paragraph_at[top.article, top.paragraph]]
        sentences = [set(s) for s in sentences[top.first_sentence - 1 : top.last_sentence]]
        found = set().union(*sentences)
        unseen = math.log(len(self.passages) + 1)  # BM25Plus idf of a term in no passage
        weights = {t: self.scorer.idf(t) or unseen for t in terms}
        kin = {t: self._kin(t) for t in terms}

        def covered(s: set[str]) -> set[str]:
            return {t for t in terms if t in s or not kin[t].isdisjoint(s)}

        best = max(sum(weights[t] for t in covered(s)) for s in sentences) / sum(weights.values())
        confidence = (best + len(covered(found)) / len(terms)) / 2
        if NEGATION.search(question.text):
            confidence *= 0.8 if NEGATION.search(top.text) else 0.6
        missing = terms - found
        numbers = {t for t in missing if t[:1].isdigit()}
        names = {t.term for t in question.tokens if t.start > 0 and question.text[t.start].isupper()} - found
        opposites = {t for t in missing if opposed(t, found)}
        confidence *= 0.6 ** min(len(numbers), 2) * 0.85 ** min(len(names), 2)
        return confidence * 0.6 ** min(len(opposites), 2)


# Decline below this confidence: at this threshold the dev split's answerable questions are
# declined 4.6 % of the time and questions about other articles 96.6 % (README, "Quality").
DECLINE_BELOW = 0.29
NEGATION = re.compile(r"\b(?:not|never|no|none|nor|neither|nothing|nobody|without)\b|n't\b", re.IGNORECASE)


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from ``word``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )


def _joined(sentence_terms: list[list[str]], passage: Passage) -> list[str]:
    """The terms of the passage's sentences, from its paragraph's ``sentence_terms``."""
    window = sentence_terms[passage.first_sentence - 1 : passage.last_sentence]
    return [term for terms in window for term in terms]


def is_follow_up(question: str, parsed: Question) -> bool:
    """Whether a question leans on the one before: a pronoun, a leading "and", or no terms at all ("why?")."""
    return bool(_CONTINUATION.search(question)) or not parsed.terms


def _overlaps(a: Passage, b: Passage) -> bool:
    return a.article == b.article and a.start < b.end and b.start < a.end
