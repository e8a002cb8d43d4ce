"""Search: one index over a library's articles, answering a question with ranked, cited hits."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache, partial
from typing import NamedTuple

import numpy as np

from .article import Article
from .citation import Citation, cite
from .confidence import DECLINE_BELOW, DECLINE_FOLLOW_UP_BELOW, Evidence, confidence
from .conversation import (
    ATTRIBUTION_TERMS,
    OPEN_TERMS,
    Turn,
    asks_about_article,
    asks_again,
    asks_for_more,
    asks_to_go_on,
    asks_what_came_before,
    asks_what_comes_next,
    asks_what_it_means,
    asks_who_said,
    closeness,
    continues_turn,
    locate,
    moves_on,
    names_nothing,
    refers_back,
)
from .derived import derived
from .highlight import ANSWER_PATTERNS, highlights, mentions, names_in, proper_nouns, states
from .passages import Passage, paragraph_passages, quoted, widen
from .question import PLAIN_TYPES, Question, analyse
from .scoring import sentence_scorers
from .sentences import Paragraph, split_paragraphs
from .summary import SUMMARY_SENTENCES, key_sentences
from .tokens import stemmer, tokenize, tokens
from .vectors import Sentences, closest
from .vectors import joined as joined_sentences
from .vectors import mean as mean_vector
from .vectors import sentences as sentence_vectors
from .vectors import units as unit_vectors
from .vectors import words as vector_words

__all__ = ["Answer", "Hit", "Index", "Turn"]

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
# split (docs/quality.md).
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
# What a question term is spelled as and stands in for depends on the library only: the
# latest terms' are kept, as questions in a chat repeat their words.
TERMS_CACHED = 1024
# A window from a paragraph that an earlier hit already quotes counts this share of its
# score, so the next hits offer other paragraphs unless that one is far ahead.
SAME_PARAGRAPH = 0.8
# Words that frame a question more than they name its subject: "what is the name of", "what
# kind of", "one of the"; they rarely sit beside the answer. ("Called" is not one of them:
# "how many soldiers were called up?" is answered by "calling up 300,000 reservists", and
# counting it light changed no question's hit on the eval's dev split.)
LIGHT_TERMS = frozenset(
    stemmer("en")(word) for word in "name type kind sort term example refer known considered mean one".split()
)
# "When did the mobilization start?" asks for the date of an event: the words saying that it
# started or happened rarely stand by that date ("Putin announced a partial mobilization last
# month", not "Russia made a mistake by starting a war"). In a question asking for a date, a
# number or another plain type they count as light words.
EVENT_TERMS = frozenset(stemmer("en")(word) for word in "start begin happen occur".split())
# A first question asking for a plain type (a number, a date…: question.PLAIN_TYPES) ranks the
# windows whose quote has none this share of the best score lower, when some window has one:
# "how many men did Putin draft?" is "calling up 300,000 reservists", not the paragraph of
# "drafted" and "Putin announced a partial mobilization" without a number; twice that for a
# question whose own words hardly say where to look (their idf adds up to less than
# SPECIFIC_IDF). (On QuAC dev, follow-ups lose by it: their answers lie by the last one,
# whatever its type.)
LACKS_TYPE_PENALTY = 0.2

# Conversations (conversation.py). A question that leans on the previous one borrows its
# terms at BORROWED_WEIGHT, in the ranking and in the confidence. The windows from NEAR_BEFORE
# sentences before the previous answer to NEAR_AFTER after it are candidates whatever their
# words, and every window of its article gains POSITION_WEIGHT × its closeness to that answer
# × the best candidate's score (so that position counts alike for questions of few and of
# many words). With nothing said before — or nothing answered yet — the article's opening stands
# for the previous answer, counting LEAD_WEIGHT — news states its point first —, VAGUE_LEAD_WEIGHT
# for a question whose own words hardly say where to look (their idf adds up to less than
# SPECIFIC_IDF: words the article uses all through, like its subject's name, or none it has:
# "what did he do in WWI?", "what happened in 1983?"), or POSITION_WEIGHT for a question made
# only of words that ask for more ("anything interesting?"). A question with no words of its
# own is answered from the passage that continues the conversation, with OPEN_CONFIDENCE
# (× LACKS_ANSWER_TYPE when it asks for a number, date or name the passage lacks; so is any
# question asking for a plain type, question.PLAIN_TYPES). Measured on the eval's QuAC
# dialogs, checked on article-level halves (docs/quality.md).
BORROWED_WEIGHT = 0.5
POSITION_WEIGHT = 0.3
LEAD_WEIGHT = 0.05
VAGUE_LEAD_WEIGHT = 0.3
SPECIFIC_IDF = 2.0
ARTICLE_TERMS_KEPT = 32  # articles whose terms are kept at hand (Index.article_terms)
NEAR_BEFORE = 1
NEAR_AFTER = 5
BORROW_BACK = 3  # how many turns back a question may lean past questions with no words ("where?")
OPEN_CONFIDENCE = 1.0
LACKS_ANSWER_TYPE = 0.4
# When none of the TYPE_LOOKED_FOR_IN best windows (the first page of what the bot offers)
# has the plain type asked for either, the article most likely does not say it: the confidence
# counts LACKS_ANSWER_TYPE once more ("how old is Putin?" of a report giving no age). In QuAC
# dev this declines 14 more unanswerable questions and 6 answerable ones, and gains in each
# article-level half; looked for among the 3 or 10 best, or among all candidates, it gains less.
TYPE_LOOKED_FOR_IN = 5
# A question sharing no word with the library is offered the windows closest to it in meaning
# (small libraries, whose sentence vectors are at hand), those whose best sentence's mean
# vector has at least this cosine with the question's; a question asking for a plain type,
# the windows stating one from RELATED_TYPED_IN_MEANING, first: "how many people watched?"
# of a match report is offered "in front of a crowd of 84,000" (cosine 0.32), as closest.
RELATED_IN_MEANING = 0.5
RELATED_TYPED_IN_MEANING = 0.25


class Place(NamedTuple):
    """Sentences of an article, numbered through the library (Index._first_sentence)."""

    article: Article
    first: int
    last: int


class Context(NamedTuple):
    """What a question takes from the conversation before it."""

    terms: list[str]  # what to rank with: the question's terms (none for a bare "how many?" that follows up)
    own: list[str]  # the question's terms but those that only ask for more (OPEN_TERMS)
    borrowed: list[str]  # the previous question's terms, when this one leans on it
    place: Place | None  # where the previous answer stands (the opening, at first or with none answered)
    weight: float  # how much closeness to it counts (POSITION_WEIGHT, LEAD_WEIGHT, VAGUE_LEAD_WEIGHT)
    follow_up: bool  # earlier turns came before
    open: bool  # it names nothing but asks to go on: "what happened next?", "anything interesting?"
    related: bool  # it asks for more or refers to something said (at first: the article's subject)
    besides: bool  # it asks for something besides what was said: "anything else?"
    goes_on: bool = False  # a follow-up asking only to go on ("what next?"): nothing said is shown again
    leans: bool = False  # a follow-up naming nothing of its own, or referring back, to an answer found
    names: tuple[str, ...] = ()  # what an elliptical follow-up names ("and Kherson?"): its answer holds it
    alone: tuple[str, ...] = ()  # what a follow-up standing alone names ("how many reservists?")
    back: bool = False  # it asks what came just before the last answer ("and before that?")
    elsewhere: bool = False  # standing alone, it names what the last answer's article lacks
    of_answer: bool = False  # all it names is what the last answer says ("for which ministry?")
    said_by: Place | None = None  # "who said that?": the sentence attributing the last answer
    onward: bool = False  # it asks only what comes after the last answer ("what happened next?")


class Hit:
    """A passage ranked for a question, and its citation. What to emphasise in it, and the
    focus that follows from that, are worked out when first read: a chat is shown one hit of
    the ten it can page through."""

    def __init__(
        self,
        passage: Passage,
        score: float,
        citation: Citation,
        spans: Callable[[], Sequence[tuple[int, int]]] = tuple,
        paragraph: Paragraph | None = None,
        leaned: Callable[[], Sequence[tuple[int, int]]] = tuple,
    ):
        """``spans`` finds the highlights; ``paragraph`` (the passage's) lets a sentence be the
        focus; ``leaned`` finds the words a follow-up leant on, which choose among sentences
        the highlights tie on."""
        self.passage, self.score, self.citation = passage, score, citation
        self._spans, self._paragraph, self._leaned = spans, paragraph, leaned

    @cached_property
    def highlights(self) -> tuple[tuple[int, int], ...]:
        """Spans of passage.article.text to emphasise, in order."""
        return tuple(self._spans())

    @cached_property
    def focus(self) -> Passage:
        """Where the answer stands: the sentence with most of the highlights (else the passage);
        of equals, the one with most of the words leant on: "what did she say?" after "who is
        the mayor?" is the sentence naming the mayor, of two that say "said"."""
        if self._paragraph is None:
            return self.passage
        return _focus(self.passage, self._paragraph, self.highlights, tuple(self._leaned()))

    def __repr__(self) -> str:
        return f"Hit({self.passage!r}, score={self.score!r})"


class Answer(NamedTuple):
    question: str
    hits: list[Hit]  # best first; present even when declined (the closest passages)
    declined: bool  # the library does not answer the question
    confidence: float  # 0..1, higher = more likely the top hit answers it
    about: Article | None = None  # set when the question is about this article itself (a summary,
    # its author, date or source): the hits are then its key sentences
    past: str = ""  # "end" ("start"): it asked to go on (back) from the article's last (first) words


class Index:
    """Passages of every article in a library, tokenized once and ranked with BM25."""

    def __init__(self, articles: Sequence[Article]):
        self.articles = tuple(articles)
        self.languages = tuple(dict.fromkeys(a.language for a in self.articles)) or ("en",)
        self.paragraphs: list[tuple[Article, Paragraph]] = []
        self.passages: list[Passage] = []
        self.paragraph_index: list[int] = []  # passage → its position in self.paragraphs
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
                    quote = widen(passage, paragraph)
                    quotes.append((quote.first_sentence - 1, quote.last_sentence))
                self.paragraphs.append((article, paragraph))
                self.sentence_terms.append(sentence_terms)
        # Windows, paragraphs and quotes are runs of a paragraph's sentences: their three scorers
        # read one set of sentence postings.
        self.scorer, self.paragraph_scorer, self.quote_scorer = sentence_scorers(
            self.sentence_terms,
            self.paragraph_index,
            [(p.first_sentence - 1, p.last_sentence) for p in self.passages],
            quotes,
        )
        self.vocabulary = frozenset(
            t for paragraph in self.sentence_terms for terms in paragraph for t in terms
        )
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
        # Each window's first sentence, counted through the library (for closeness to an answer).
        self._window_first = np.array(
            [
                self._first_sentence[p] + w.first_sentence - 1
                for p, w in zip(self.paragraph_index, self.passages, strict=True)
            ],
            dtype=np.intp,
        )
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
        self._spelled = lru_cache(maxsize=TERMS_CACHED)(self._spelled)  # type: ignore[method-assign]
        self._kin = lru_cache(maxsize=TERMS_CACHED)(self._kin)  # type: ignore[method-assign]
        self._paragraph_at = {(a, paragraph.number): i for i, (a, paragraph) in enumerate(self.paragraphs)}
        self._paragraphs_of: dict[Article, range] = {}  # an article → its paragraphs' positions
        self._article_terms: dict[Article, frozenset[str]] = {}
        self._proper_nouns: dict[Article, frozenset[str]] = {}  # the names each article shown writes
        for i, (a, _) in enumerate(self.paragraphs):
            self._paragraphs_of[a] = range(self._paragraphs_of.get(a, range(i, i)).start, i + 1)

    def article_terms(self, article: Article) -> frozenset[str]:
        """The terms of an article of the library (worked out when first asked for)."""
        if (terms := self._article_terms.get(article)) is None:
            paragraphs = self._paragraphs_of.get(article, range(0))
            terms = frozenset(t for p in paragraphs for sentence in self.sentence_terms[p] for t in sentence)
            if len(self._article_terms) >= ARTICLE_TERMS_KEPT:  # a big library's conversations roam
                del self._article_terms[next(iter(self._article_terms))]
            self._article_terms[article] = terms
        return terms

    def window_terms(self, window: int) -> list[str]:
        """The terms of a window (a passage of ``passages``), from its sentences'."""
        return _joined(self.sentence_terms[self.paragraph_index[window]], self.passages[window])

    def search(self, question: str, history: Sequence[Turn] = (), k: int = 5) -> Answer:
        """Rank the library's passages for a question.

        Args:
            question: what the user asked.
            history: earlier turns of the conversation, oldest first, each with the passage
                that answered it. A question that leans on the last one borrows its words
                ("what did he say?" after "who is Yusov?"), and every follow-up's answer is
                looked for around and after the previous answer ("what happened next?").
            k: how many hits to return at most.

        Returns:
            An :class:`Answer`; ``hits`` is empty when nothing relates to the question. A
            question about an article itself ("what is this article about?", "who wrote
            it?") is answered with its summary, ``about`` set.
        """
        if history and asks_again(question):
            # "Are you sure?", "where does it say that?": the last answer again, with its citation
            # (the last turn that was not a doubt itself).
            doubted = len(history)
            while doubted and asks_again(history[doubted - 1].question):
                doubted -= 1
            if doubted:
                last = history[doubted - 1]
                return self.search(last.question, history[: doubted - 1], k)._replace(question=question)
        parsed = self._analyse(question)
        if history and parsed.answer_type is not None and _ASKS_OF_IT.issuperset(parsed.terms):
            # "When did that happen?", "when did he say that?" after an answer ask "when?" of it,
            # not what happened next, nor where else something was said.
            parsed = replace(parsed, bare=True)
        context = self._context(question, parsed, history)
        if asks_about_article(question, not _it_is_the_article(history)) and self.articles:
            about = context.place.article if context.place and context.follow_up else self.articles[-1]
            return self.summary(about)._replace(question=question)
        if context.onward and self._ends_article(context.place):
            return Answer(question, [], True, 0.0, past="end")  # nothing comes after it to quote
        line = DECLINE_FOLLOW_UP_BELOW if context.follow_up else DECLINE_BELOW
        ranked = self._rank(parsed, context)
        confidence = self._judged(parsed, context, ranked)
        if confidence < line and context.alone and ranked:
            # A follow-up naming something of its own ("how many reservists?" after another
            # question): nearness to the last answer may outvote its words, but not into a
            # decline while a window holding them answers it.
            alone = self._rank(parsed, context, words_first=True)
            alone_confidence = self._judged(parsed, context, alone)
            if alone_confidence >= line:
                ranked, confidence = alone, alone_confidence
        # "What happened next?", "anything else?" (not "why?"): what answered is not shown again.
        hits = self._hits(
            parsed,
            ranked,
            k,
            self._said(context.place) if context.goes_on else {},
            context.borrowed,
            # "When?", "who?" ask of the last answer: theirs is the date or name nearest it.
            context.place if parsed.bare and context.follow_up else None,
        )
        # Going on leaves out only what was just said: with nothing left, the article ends there.
        past = ("start" if context.back else "end") if context.goes_on and not hits else ""
        return Answer(question, hits, not hits or confidence < line, confidence, past=past)

    def _context(self, question: str, parsed: Question, history: Sequence[Turn]) -> Context:
        """What the question takes from the conversation: the previous question's terms when it
        leans on it — it names no subject the library has, or refers back to one — and where
        the last answer found in the library stands."""
        own = [t for t in parsed.terms if t not in OPEN_TERMS]
        besides = asks_for_more(question)
        if not history:
            open_ = not own and bool(parsed.terms)
            weight = POSITION_WEIGHT if open_ else LEAD_WEIGHT if self._specific(own) else VAGUE_LEAD_WEIGHT
            related = open_ or refers_back(question)
            return Context(
                list(parsed.terms), own, [], self._opening(), weight, False, open_, related, besides
            )
        back = asks_what_came_before(question)  # "and before that?": what was said just before
        onward = asks_what_comes_next(question)  # "what happened next?": what is said just after
        go_on = back or asks_to_go_on(question)  # "and?", "continue": its words name nothing
        stays = asks_what_it_means(question)  # "what does that mean?": nor do its words
        if go_on or stays:
            own = []
        specific = [t for t in own if t in self.vocabulary and t not in LIGHT_TERMS]
        borrowed: list[str] = []
        leans = not specific or refers_back(question) or parsed.bare
        if leans and not (back or onward):  # found by its place, not the words of what led there
            # From the last question that had words: "how big is that?" after "where?" after
            # "how much territory was retaken?" is still about the territory.
            for turn in reversed(history[-BORROW_BACK:]):
                if moves_on(turn.question):  # "go on" twice is not back to what came before the first
                    break
                # "Are you sure?", "who said that?", a bare "how many?": their words name nothing
                # to borrow.
                asked = self._analyse(turn.question)
                earlier = () if names_nothing(turn.question) or asked.bare else asked.terms
                borrowed += [t for t in earlier if t not in parsed.terms and t not in OPEN_TERMS]
                if earlier:
                    break
            if _PERSONAL.search(question) and asks_who_said(history[-1].question):
                # "What did he say?" after "who said that?" is about who said it: the names
                # its answer gives ("…, Interior Minister Suleyman Soylu told reporters").
                borrowed = [t.term for name in names_in(history[-1].answer) for t in tokens(name)] + borrowed
            borrowed = list(dict.fromkeys(borrowed))
        anchors = (locate(turn, self.articles) for turn in reversed(history))
        anchor = next((a for a in anchors if a is not None), None)
        # No earlier answer found in the library (every turn so far unanswered): go from the opening.
        place = self._place(anchor.article, anchor.start, anchor.end) if anchor else self._opening()
        terms, own = ([], []) if parsed.bare or go_on or stays else (list(parsed.terms), own)
        open_ = not own and not (parsed.bare and borrowed)
        # Going on shows what comes next; "why?" alone may be answered by what was just said.
        # ("How strong was it?" asks about what was said: it is shown again.)
        goes_on = open_ and not stays and not parsed.bare and (bool(parsed.terms) or go_on)
        leans = leans and anchor is not None  # not on the opening, which only stands in for one
        # Words the last answer's article lacks name something another article has: "what did NASA
        # announce?" after Putin's announcement, "and Zelensky?" after the NASA chief's words.
        # (With one article, or nothing specific, there is nothing foreign: the article's terms,
        # a pass over all its tokens, are not worked out for it.)
        foreign = (
            len(self.articles) > 1
            and bool(specific)
            and anchor is not None
            and place is not None
            and not set(specific) <= self.article_terms(place.article)
        )
        named = foreign or self._specific(specific)
        names = tuple(specific) if leans and continues_turn(question) and named else ()
        alone = tuple(specific) if not leans and named else ()
        # "For which ministry?" after "…spokesman for the Ukrainian Defense Ministry's…": all it
        # names is in the last answer, so it asks about that answer, not the next ministry along.
        # So does "what did he say?" after "Coach Zlatko Dalic said his players were tired", when
        # it leans and asks for no type ("when was it sold?" may be told elsewhere).
        asked = tuple(specific) if leans and parsed.answer_type is None else alone
        of_answer = bool(asked) and not besides and anchor is not None and set(asked) <= self._terms_of(place)
        return Context(
            terms,
            own,
            borrowed,
            place,
            POSITION_WEIGHT,
            True,
            open_,
            True,
            besides,
            goes_on,
            leans,
            names,
            alone=alone,
            back=back,
            elsewhere=bool(alone) and foreign,
            of_answer=of_answer,
            said_by=self._attribution(place) if place is not None and asks_who_said(question) else None,
            onward=goes_on and onward,
        )

    def _judged(self, question: Question, context: Context, ranked: list[tuple[int, float]]) -> float:
        """The confidence in a ranking: its best window's quote judged as the ranking did it (the
        first hit shows that quote, perhaps run on into one more sentence: passages.quoted),
        counting LACKS_ANSWER_TYPE once more when the type asked for is said nowhere near."""
        if not ranked:
            return 0.0
        confidence = self._confidence(question, context, self._quote(ranked[0][0]))
        return confidence * LACKS_ANSWER_TYPE if self._said_nowhere(question, ranked) else confidence

    def _said_nowhere(self, question: Question, ranked: list[tuple[int, float]]) -> bool:
        """Whether a question asking for a plain type (a number, an age, a date…) finds one in
        none of the TYPE_LOOKED_FOR_IN best windows' quotes: then the article most likely does
        not say it ("how old is Putin?" of a report giving no age; "was it a success?" of a
        section saying nothing of how it was received), however well its best passage matches
        the words."""
        if question.answer_type not in PLAIN_TYPES or not ranked:
            return False
        best = ranked[:TYPE_LOOKED_FOR_IN]
        return not any(states(question.answer_type, self._quote(i).text) for i, _ in best)

    def _specific(self, terms: list[str]) -> bool:
        """Whether ``terms`` say where to look: the idf of those the library has (but light
        ones, "name", "kind"), or of the best term standing in for one it lacks ("France" for
        "French"), adds up to SPECIFIC_IDF or more."""
        total = 0.0
        for term in dict.fromkeys(terms):
            if term in LIGHT_TERMS:
                continue
            kin = (term,) if term in self.vocabulary else self._kin(term)
            total += max((self.scorer.idf(t) or 0.0 for t in kin), default=0.0)
        return total >= SPECIFIC_IDF

    def _place(self, article: Article, start: int, end: int) -> Place | None:
        """The sentences of ``article`` that the span from ``start`` to ``end`` touches."""
        inside = [
            int(self._first_sentence[number]) + n
            for number in self._paragraphs_of.get(article, ())
            for n, sentence in enumerate(self.paragraphs[number][1].sentences)
            if sentence.start < end and start < sentence.end
        ]
        return Place(article, inside[0], inside[-1]) if inside else None

    def _ends_article(self, place: Place | None) -> bool:
        """Whether ``place`` reaches its article's last sentence."""
        if place is None or not (paragraphs := self._paragraphs_of.get(place.article)):
            return False
        last = paragraphs[-1]
        return place.last >= int(self._first_sentence[last]) + len(self.paragraphs[last][1].sentences) - 1

    def _in_paragraph_of(self, place: Place | None, passage: Passage) -> bool:
        """Whether ``passage`` is in the paragraph where ``place`` starts."""
        if place is None or place.article != passage.article:
            return False
        number = self._paragraph_at[passage.article, passage.paragraph]
        first = int(self._first_sentence[number])
        return first <= place.first < first + len(self.paragraphs[number][1].sentences)

    def _by_answer(self, place: Place | None, passage: Passage) -> bool:
        """Whether ``passage`` holds a sentence from NEAR_BEFORE before ``place`` to NEAR_AFTER
        after it: where what a bare "when?" asks of that answer is told."""
        if place is None or place.article != passage.article:
            return False
        first, last = self._sentence_span(passage)
        return first <= place.last + NEAR_AFTER and place.first - NEAR_BEFORE <= last

    def _goes_past(self, place: Place | None, passage: Passage) -> bool:
        """Whether ``passage`` runs past ``place``, in its article: it tells more than that."""
        if place is None or place.article != passage.article:
            return False
        return self._sentence_span(passage)[1] > place.last

    def _sentence_span(self, passage: Passage) -> tuple[int, int]:
        """The passage's first and last sentences, counted through the library."""
        first = int(self._first_sentence[self._paragraph_at[passage.article, passage.paragraph]])
        return first + passage.first_sentence - 1, first + passage.last_sentence - 1

    def _terms_of(self, place: Place) -> set[str]:
        """The terms of ``place``'s sentences (a few: found by their numbers, not by a pass over
        the article's paragraphs)."""
        paragraphs = self._paragraphs_of.get(place.article, range(0))
        terms: set[str] = set()
        for n in range(place.first, place.last + 1):
            paragraph = int(np.searchsorted(self._first_sentence, n, side="right")) - 1
            sentence = n - int(self._first_sentence[paragraph])
            if paragraph in paragraphs and sentence < len(self.sentence_terms[paragraph]):
                terms.update(self.sentence_terms[paragraph][sentence])
        return terms

    def _text_of(self, place: Place) -> str:
        """The text of ``place``'s sentences, from the first to the last."""
        span = self._span_of(place)
        return place.article.text[span[0] : span[1]] if span else ""

    def _span_of(self, place: Place) -> tuple[int, int] | None:
        """Where ``place``'s sentences stand in its article's text, from the first to the last."""
        spans = [
            self.paragraphs[number][1].sentences[i]
            for number, inside in sorted(self._said(place).items())
            for i in sorted(inside)
        ]
        return (spans[0].start, spans[-1].end) if spans else None

    def _said(self, place: Place | None) -> dict[int, set[int]]:
        """``place``'s sentences as paragraph → its sentences, 0-based."""
        if place is None:
            return {}
        said: dict[int, set[int]] = {}
        for number in self._paragraphs_of.get(place.article, ()):
            first = int(self._first_sentence[number])
            count = len(self.paragraphs[number][1].sentences)
            if inside := set(range(max(place.first - first, 0), min(place.last - first + 1, count))):
                said[number] = inside
        return said

    def _opening(self) -> Place | None:
        """Where the article added last begins: as if an answer stood just before it."""
        if not self.articles:
            return None
        article = self.articles[-1]
        if not (paragraphs := self._paragraphs_of.get(article)):
            return None
        before = int(self._first_sentence[paragraphs.start]) - 1
        return Place(article, before, before)

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
        hits = [Hit(passage, 1.0, cite(passage)) for passage in passages]
        return Answer("", hits, not hits, 1.0 if hits else 0.0, about=article)

    def _hits(
        self,
        question: Question,
        ranked: list[tuple[int, float]],
        k: int,
        said: dict[int, set[int]],
        borrowed: Sequence[str] = (),
        asked_of: Place | None = None,
    ) -> list[Hit]:
        """The best windows quoted as hits, each showing sentences no earlier hit shows, nor
        ``said`` (paragraph → its sentences, 0-based, that the conversation has shown). The
        words a follow-up ``borrowed`` place its answer among sentences its own words tie on;
        a question asking of the last answer (``asked_of``: "when?") is answered nearest it.

        A window from a paragraph already quoted counts SAME_PARAGRAPH of its score: the next
        hits then come from other paragraphs unless the quoted one is far ahead, which gives
        a reader (and hit@3) a second opinion rather than more of the same paragraph.
        """
        hits: list[Hit] = []
        leant_on = Question("", tuple(borrowed), None, ())
        answered = self._span_of(asked_of) if asked_of is not None else None
        # The words derived from the question's that the ranking counted are shown too, and an
        # answer is looked for beside them: "Ukrainian forces have retaken 2,316 square miles"
        # for "how much land has Ukraine taken back?", not "three times" beside "Ukraine".
        question = replace(question, terms=question.terms + tuple(self._derived(list(question.terms))))
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
            passage = quoted(self.passages[index], paragraph, seen | said.get(paragraph_number, set()))
            if passage is None:
                continue
            shown[paragraph_number] = seen | set(range(passage.first_sentence - 1, passage.last_sentence))
            if (proper := self._proper_nouns.get(article)) is None:  # once per article shown
                proper = self._proper_nouns[article] = proper_nouns(article.text)
            near = answered if asked_of is not None and asked_of.article == article else None
            spans = partial(highlights, passage.text, passage.start, question, article.language, proper, near)
            leaned = partial(highlights, passage.text, passage.start, leant_on, article.language)
            hits.append(Hit(passage, score, cite(passage), spans, paragraph, leaned if borrowed else tuple))
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
            parsed = Question(parsed.text, terms, parsed.answer_type, parsed.tokens, parsed.bare)
        # A question's typo is corrected against the library, not a dictionary (see _spelled),
        # and an abbreviation the library spells out stands for its words ("cpsc").
        words = {t.term: parsed.text[t.start : t.end] for t in parsed.tokens}

        def read(term: str) -> tuple[str, ...]:
            spelled = self._spelled(term)
            return self._spelled_out(spelled, words.get(term, term)) or (spelled,)

        terms = tuple(each for t in parsed.terms for each in read(t))
        tokens = tuple(t._replace(term=each) for t in parsed.tokens for each in read(t.term))
        return Question(parsed.text, terms, parsed.answer_type, tokens, parsed.bare)

    def _spelled_out(self, term: str, word: str) -> tuple[str, ...]:
        """The terms of the name a small library abbreviates as ``term`` ("cpsc": "Consumer
        Product Safety Commission"), when it lacks the abbreviation itself; lower case, three
        letters at least ("un" is a word, "UN" an abbreviation)."""
        if term in self.vocabulary or not term.isalpha() or len(term) < (2 if word.isupper() else 3):
            return ()
        return self._abbreviations.get(term, ())

    @cached_property
    def _abbreviations(self) -> dict[str, tuple[str, ...]]:
        """Initials → the terms of the run of capitalised words they abbreviate, for every run
        of two to six such words in a sentence ("of", "the", "and", "for" may join them) — in a
        library of up to LIBRARY_VECTORS sentences: a bigger one is not read for them."""
        found: dict[str, tuple[str, ...]] = {}
        if sum(len(paragraph.sentences) for _, paragraph in self.paragraphs) > LIBRARY_VECTORS:
            return found
        terms_of: dict[str, list[str]] = {}  # a capitalised word → its terms, tokenized once
        for article, paragraph in self.paragraphs:
            for sentence in paragraph.sentences:
                for run in _CAPITALISED_RUN.finditer(article.text, sentence.start, sentence.end):
                    for name in _name_stretches(run.group()):
                        initials = "".join(word[0] for word in name).lower()
                        for word in name:
                            if word not in terms_of:
                                terms_of[word] = tokenize(word, article.language)
                        terms = tuple(term for word in name for term in terms_of[word])
                        if initials.isalpha() and terms:
                            found.setdefault(initials, terms)
        return found

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

    def _rank(
        self, question: Question, context: Context, words_first: bool = False
    ) -> list[tuple[int, float]]:
        """Candidate windows, best first, with their scores (step 6 of docs/architecture.md, and
        the conversation's part, step 9); with ``words_first``, those holding what a follow-up
        standing alone names come before the last answer's neighbours that do not."""
        terms = context.terms
        indices = [c.index for c in self.scorer.top(terms + context.borrowed, CANDIDATES)]
        # Around the previous answer, candidates whatever their words; around the opening, only
        # for a question that asks for more ("anything interesting?") or names the article's
        # subject by a pronoun ("when was he born?").
        if context.place is not None and (context.follow_up or context.related):
            indices += [i for i in self._near(context.place, context.back) if i not in indices]
        if not indices:
            return self._related_in_meaning(question)
        plain = question.answer_type in PLAIN_TYPES
        light = [t for t in terms if t in LIGHT_TERMS or (plain and t in EVENT_TERMS)]
        words = (
            self._evidence(terms, indices)
            - (1 - LIGHT_WEIGHT) * self._evidence(light, indices)
            + RELATED_WEIGHT * self._evidence(self._related(terms), indices)
            + DERIVED_WEIGHT * self._evidence(self._derived(terms), indices)
            + BORROWED_WEIGHT * self._evidence(context.borrowed, indices)
        )
        pattern = ANSWER_PATTERNS.get(question.answer_type) if question.answer_type else None
        typed = [
            pattern is not None and self._answers_type(pattern, i, [*terms, *context.borrowed])
            for i in indices
        ]
        scores = words + ANSWER_TYPE_BONUS * np.array(typed, dtype=float)
        if self._english and not context.open:  # "what happened next?" means nothing to look for
            scores += self._meaning(question.text, indices)
        if plain and pattern is not None and not context.follow_up:
            stated = np.array([mentions(pattern, self._quote(i).text) for i in indices], dtype=bool)
            if stated.any():
                # Twice that when the question's words are in every paragraph ("how old is
                # McAuliffe?" of a report about him): the type is then what tells the windows apart.
                share = LACKS_TYPE_PENALTY * (1 if self._specific(context.own) else 2)
                scores -= share * max(float(scores.max()), 1.0) * ~stated
        # Meaning must not outvote words: a window sharing no word with the question (or the
        # one it leans on) stays below every window that shares one, whatever its word vectors,
        # answer type or nearness to the article's opening say. Nearness to the previous answer
        # may: "what did he do then?" is answered by what comes next more often than by words.
        if context.follow_up:
            self._keep_words_first(scores, terms + context.borrowed, indices)
        if context.place is not None and not context.elsewhere:
            scale = max(float(scores.max()), 1.0)
            closeness = self._closeness(context.place, indices, context.goes_on, context.back)
            scores += context.weight * scale * closeness
        if not context.follow_up:
            self._keep_words_first(scores, terms, indices)
        if words_first or context.elsewhere:
            self._keep_words_first(scores, list(context.alone), indices)
        if context.names:
            # "And Kherson?" asks the last question about Kherson: the borrowed words and the
            # nearness to the last answer choose among the windows that name it, not over them.
            self._keep_words_first(scores, list(context.names), indices)
        if question.bare and context.follow_up:
            # "When?", "how many?" after an answer ask for nothing but a date or a number: a
            # window with one beside the words they lean on (or holding the last answer, when
            # that has one) comes first, and of those one by the answer, and of those one
            # holding it; if none is by it, one by it with a date anywhere. "When?" after
            # "Zelensky says that Russians… are increasingly opting to flee" is the next
            # sentence's speech "on Monday", not Yusov's "said last week" paragraphs on; "how
            # strong was it?" after "Ian made landfall… as a Category 4 storm" is that, not the
            # next sentence's "2.5 million homes"; "where is he from?" after "The driver,
            # 47-year-old Dale Morrow of Lexington, Kentucky, was arrested" is that too.
            chosen = np.array(typed, dtype=bool)
            if context.place is not None:
                holding = self._holding(context.place, indices)
                if pattern is not None and mentions(pattern, self._text_of(context.place)):
                    chosen |= holding
                by_answer = np.array([self._by_answer(context.place, self.passages[i]) for i in indices])
                if pattern is not None and not (chosen & by_answer).any():
                    chosen |= by_answer & np.array([mentions(pattern, self._quote(i).text) for i in indices])
                for nearer in (by_answer, holding):
                    if (chosen & nearer).any():
                        chosen &= nearer
            _keep_first(scores, chosen)
        if context.onward and context.place is not None:
            # "What happened next?" is after the last answer: windows running past it come first,
            # whatever the words borrowed from before say of the ones before it.
            last = context.place.last
            onward = [
                self.passages[i].article == context.place.article and self._window_span(i)[1] > last
                for i in indices
            ]
            _keep_first(scores, np.array(onward, dtype=bool))
        if context.leans and context.place is not None:
            self._keep_to_the_article(scores, context, indices)
        if context.said_by is not None:
            _keep_first(scores, self._holding(context.said_by, indices))
        if context.of_answer or (
            context.follow_up and context.place is not None and asks_what_it_means(question.text)
        ):
            _keep_first(scores, self._holding(context.place, indices))  # what was just said
        return sorted(zip(indices, scores.tolist(), strict=True), key=lambda item: (-item[1], item[0]))

    def _keep_to_the_article(self, scores: np.ndarray, context: Context, indices: list[int]) -> None:
        """A question leaning on the last answer is about that answer's article: its windows
        that share a word with the question (its own, or those it borrows) stay above every
        other article's, in place. "Who said that?" is not answered from another article that
        says "said" more often, nor "how much will it cost?" after the stadium's vote from
        another article's "costs less than $5". "And Zelensky?" asks the last question of what
        it names: only windows naming that are kept, and if the article has none, it goes."""
        article = context.place.article
        elsewhere = np.array([self.passages[i].article != article for i in indices], dtype=bool)
        if not elsewhere.any():
            return
        words = list(context.names) if context.names else context.own + context.borrowed
        chosen = ~elsewhere & self._sharing(words, indices) if words else ~elsewhere
        if chosen.any():
            scores[elsewhere] = np.minimum(scores[elsewhere], scores[chosen].min() - 1e-6)

    def _attribution(self, place: Place) -> Place | None:
        """The sentence that attributes what ``place`` says: one of its own with a word that
        attributes ("said", "according"), else the one just before or after it. "Who said
        that?" is answered by "…, according to PowerOutage.us" or "…," Zelensky said — not by
        another paragraph's "said" beside it."""
        for n in [*range(place.first, place.last + 1), place.first - 1, place.last + 1]:
            sentence = place._replace(first=n, last=n)
            if not ATTRIBUTION_TERMS.isdisjoint(self._terms_of(sentence)):
                return sentence
        return None

    def _holding(self, place: Place, indices: list[int]) -> np.ndarray:
        """Whether each window holds a sentence of ``place``."""
        held = [
            self.passages[i].article == place.article and _touches(self._window_span(i), place)
            for i in indices
        ]
        return np.array(held, dtype=bool)

    def _holds(self, passage: Passage, place: Place) -> bool:
        """Whether ``passage`` holds a sentence of ``place``."""
        return passage.article == place.article and _touches(self._sentence_span(passage), place)

    def _answers_type(self, pattern: re.Pattern[str], window: int, terms: list[str]) -> bool:
        """Whether a sentence of the window holding one of ``terms`` (any, for none) mentions
        what the question asks for: a date beside "announced", not one a sentence away."""
        passage = self.passages[window]
        paragraph = self.paragraph_index[window]
        article, spans = passage.article, self.paragraphs[paragraph][1].sentences
        wanted = set(terms)
        for n in range(passage.first_sentence - 1, passage.last_sentence):
            if wanted and wanted.isdisjoint(self.sentence_terms[paragraph][n]):
                continue
            if mentions(pattern, article.text[spans[n].start : spans[n].end]):
                return True
        return False

    def _keep_words_first(self, scores: np.ndarray, terms: list[str], indices: list[int]) -> None:
        """Lower the score of every window that does not hold one of ``terms`` (or a term related
        to one) below those of the windows that do, in place."""
        _keep_first(scores, self._sharing(terms, indices))

    def _sharing(self, terms: list[str], indices: list[int]) -> np.ndarray:
        """Whether each window itself holds one of ``terms`` (or a term related to one)."""
        wanted = set(terms) | set(self._related(terms)) | set(self._derived(terms))
        return np.array([not wanted.isdisjoint(self.window_terms(i)) for i in indices], dtype=bool)

    def _related_in_meaning(self, question: Question) -> list[tuple[int, float]]:
        """When no window shares a word with the question: the windows closest to it in meaning,
        if the library is small enough to hold its sentence vectors and any is close at all; for
        a question asking for a plain type, first those stating one, from a looser line."""
        if self._library_sentences is None or not (found := vector_words(question.text)).content:
            return []
        cosine = self._library_sentences.means @ mean_vector(found.every)
        best = cosine[self._library_quotes].max(axis=1)
        related = best >= RELATED_IN_MEANING
        first = np.zeros_like(related)
        if question.answer_type in PLAIN_TYPES:
            pattern = ANSWER_PATTERNS[question.answer_type]
            close = np.flatnonzero(best >= RELATED_TYPED_IN_MEANING).tolist()
            first[close] = [mentions(pattern, self._quote(i).text) for i in close]
        ranked = [(i, float(best[i])) for i in np.flatnonzero(related | first).tolist()]
        return sorted(ranked, key=lambda item: (not first[item[0]], -item[1], item[0]))[:CANDIDATES]

    def _near(self, place: Place, backwards: bool = False) -> list[int]:
        """The windows of ``place``'s article from NEAR_BEFORE sentences before it to NEAR_AFTER
        after; ``backwards``, those ending from NEAR_AFTER sentences before it to inside it."""
        if backwards:  # a window runs over a few sentences, so look for starts further back
            low, high = place.first - 2 * NEAR_AFTER, place.first - 1
        else:
            low, high = place.first - NEAR_BEFORE, place.last + NEAR_AFTER
        starts = np.flatnonzero((self._window_first >= low) & (self._window_first <= high)).tolist()
        return [
            i
            for i in starts
            if self.passages[i].article == place.article
            and (not backwards or self._window_span(i)[1] >= place.first - NEAR_AFTER)
        ]

    def _closeness(
        self, place: Place, indices: list[int], unsaid: bool = False, backwards: bool = False
    ) -> np.ndarray:
        """How close each window starts to ``place`` (conversation.closeness); 0 in other articles.
        With ``unsaid``, a window is taken to start where it goes past ``place``, as it is then
        shown without the sentences already said. ``backwards``, how close it ends before
        ``place``, read the other way round ("and before that?")."""
        weights = np.zeros(len(indices))
        for n, i in enumerate(indices):
            if self.passages[i].article != place.article:
                continue
            if backwards:
                weights[n] = closeness(-self._shown_until(i, place), -place.last, -place.first)
            else:
                first = self._shown_from(i, place) if unsaid else int(self._window_first[i])
                weights[n] = closeness(first, place.first, place.last)
        return weights

    def _shown_from(self, window: int, place: Place) -> int:
        """The window's first sentence not in ``place``, for a window that starts in it and
        goes past it (else its first sentence), counted through the library."""
        first, last = self._window_span(window)
        if place.first <= first <= place.last < last:
            return place.last + 1
        return first

    def _shown_until(self, window: int, place: Place) -> int:
        """The window's last sentence before ``place``, for a window that starts before it and
        runs into it (else its last sentence), counted through the library."""
        first, last = self._window_span(window)
        if first < place.first <= last:
            return place.first - 1
        return last

    def _window_span(self, window: int) -> tuple[int, int]:
        """The window's first and last sentences, counted through the library."""
        first = int(self._window_first[window])
        return first, first + self.passages[window].last_sentence - self.passages[window].first_sentence

    def _evidence(self, query: list[str], indices: list[int]) -> np.ndarray:
        """BM25 of each window plus the weighted BM25 of its paragraph and of its quote."""
        if not query:
            return np.zeros(len(indices))
        paragraphs = [self.paragraph_index[i] for i in indices]
        return (
            np.array(self.scorer.score(query, indices))
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

    def _confidence(self, question: Question, context: Context, top: Passage) -> float:
        """How likely the top hit answers the question (confidence.py), judged on ``top``, the
        best window's quote, with the terms the question borrowed counting BORROWED_WEIGHT —
        except in a question asking for something besides them. A question of no words of its
        own that continues the conversation is answered by the passage that continues it, and
        a bare "when?" by one of the last answer's paragraph that has a date."""
        asked = question.answer_type
        lacks = LACKS_ANSWER_TYPE if asked is not None and not states(asked, top.text) else 1.0
        if context.open and context.place is not None:
            return OPEN_CONFIDENCE * lacks
        # "When?" after an answer asks what that answer talks about: a passage of its paragraph,
        # or just after it, holding a date is not declined, whether or not it repeats the words
        # leant on.
        at_answer = (
            question.bare
            and context.leans
            and (self._in_paragraph_of(context.place, top) or self._by_answer(context.place, top))
        )
        paragraph = self._paragraph_at[top.article, top.paragraph]
        quote = self.sentence_terms[paragraph][top.first_sentence - 1 : top.last_sentence]
        sentences = [set(terms) for terms in quote]
        found = set().union(*sentences)
        # "Who said that?" is as sure of a passage holding what attributes the last answer.
        attributed = context.said_by is not None and self._holds(top, context.said_by)
        # "Who else did she work with?", "any other shows?" ask for more of what the last answer
        # tells: a passage by it that runs on past it, holding every word of the question that
        # the library has, is not declined for the words the library lacks ("work": such
        # questions are put in words of their own). In QuAC 92 % of such follow-ups are
        # answered, and the section goes on by the last answer.
        more = (
            context.besides
            and context.follow_up
            and self._by_answer(context.place, top)
            and self._goes_past(context.place, top)
            and all(
                t in found or not self._kin(t).isdisjoint(found)
                for t in context.own
                if t in self.vocabulary and t not in LIGHT_TERMS
            )
        )
        floor = DECLINE_FOLLOW_UP_BELOW if (at_answer and lacks == 1.0) or attributed or more else 0.0
        shares = dict.fromkeys(context.own, 1.0)
        if not context.besides:
            shares.update({t: BORROWED_WEIGHT for t in context.borrowed if t not in shares})
        unseen = math.log(len(self.passages) + 1)  # BM25Plus idf of a term in no passage
        missing = {t.term: question.text[t.start : t.end] for t in question.tokens if t.term not in found}
        near = {}
        if self._english and missing:
            cosines = closest(list(missing.values()), top.text)
            near = {term: cosines.get(word.lower(), 0.0) for term, word in missing.items()}
        evidence = Evidence(
            shares=shares,
            weights={t: (self.scorer.idf(t) or unseen) * share for t, share in shares.items()},
            kin={t: self._kin(t) for t in shares},
            sentences=sentences,
            paragraph={t for terms in self.sentence_terms[paragraph] for t in terms},
            near=near,
        )
        # A passage without the answer's type is less likely to answer (× LACKS_ANSWER_TYPE): a bare
        # "when?" whatever the type, and a question asking for a plain type ("when was he
        # born?" of "Zorn was born in New York City").
        checked = question.bare or question.answer_type in PLAIN_TYPES
        return max(confidence(question, evidence, top.text) * (lacks if checked else 1.0), floor)


def _focus(
    passage: Passage,
    paragraph: Paragraph,
    highlights: Sequence[tuple[int, int]],
    leaned: Sequence[tuple[int, int]] = (),
) -> Passage:
    """The passage's sentence holding most of the highlighted characters (of equals, most of
    the ``leaned`` ones, then the first), or the passage when nothing is highlighted: what a
    later "when?" or "what happened next?" takes as the place of the answer."""
    if not highlights:
        return passage
    numbers = range(passage.first_sentence, passage.last_sentence + 1)
    spans = paragraph.sentences

    def lit(n: int, marked: Sequence[tuple[int, int]]) -> int:
        start, end = spans[n - 1]
        return sum(max(0, min(end, b) - max(start, a)) for a, b in marked)

    best = max(numbers, key=lambda n: (lit(n, highlights), lit(n, leaned), -n))
    start, end = spans[best - 1]
    return Passage(passage.article, passage.paragraph, best, best, start, end)


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


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|the|and|for|on)\s+)*[A-Z][\w'’.-]*)+")

# The words of "when did that happen?", "when did he say it?", "how long did that take?" or "who
# took it?": they name nothing but the last answer.
_ASKS_OF_IT = OPEN_TERMS | ATTRIBUTION_TERMS | {stemmer("en")("take")}
# The pronouns that stand for a person ("what did he say?"), not for a thing ("it", "this").
_PERSONAL = re.compile(r"\b(?:he|she|him|his|her|hers|they|them|their)\b", re.IGNORECASE)


def _it_is_the_article(history: Sequence[Turn]) -> bool:
    """Whether "it" stands for the article: with nothing said yet, or when the last question was
    about the article itself ("what is this article about?", then "who wrote it?")."""
    if not history:
        return True
    last = history[-1].question
    if not asks_about_article(last, in_conversation=False):  # the wider reading: most questions stop here
        return False
    # "What is this article about?" always is; "who wrote it?" only where "it" was the article.
    return asks_about_article(last, in_conversation=True) or _it_is_the_article(history[:-1])


def _name_stretches(run: str) -> Iterator[list[str]]:
    """Every stretch of two to six capitalised words of ``run`` ("U.S. Consumer Product Safety
    Commission" holds "Consumer Product Safety Commission"), skipping the words that join them."""
    words = [word for word in run.split() if word[:1].isupper()]
    for first in range(len(words) - 1):
        for last in range(first + 2, min(first + 6, len(words)) + 1):
            yield words[first:last]


def _touches(span: tuple[int, int], place: Place) -> bool:
    """Whether sentences ``span`` (first, last, counted through the library) meet ``place``'s."""
    return span[0] <= place.last and place.first <= span[1]


def _keep_first(scores: np.ndarray, chosen: np.ndarray) -> None:
    """Lower the score of every window not ``chosen`` below those of the chosen ones, in place."""
    if chosen.any() and not chosen.all():
        scores[~chosen] = np.minimum(scores[~chosen], scores[chosen].min() - 1e-6)
