"""Passages: the units we rank and quote, each tied to its article by character offsets."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .article import Article
from .sentences import Paragraph, Span, split_paragraphs

# Passages are ranked as windows of up to WINDOW consecutive sentences of one paragraph, one
# window starting at every sentence, then quoted with their neighbouring sentences up to
# QUOTE_WORDS words — about what a reader takes in at a glance, and what the eval scores.
# Measured on the eval's dev split (README, "Quality"): ranking windows of 2 beats single
# sentences and windows of 3 (longer windows dilute BM25), and quoting the surrounding
# sentences catches answers that sit next to the words the question shares — more often just
# before them than after, so the quote grows backwards first. A quote that stops short of
# QUOTE_WORDS is shown with the next sentence too (quoted). A window stays within QUOTE_WORDS
# as well (a single sentence may not): the rest of a longer one would go unread.
WINDOW = 2
QUOTE_WORDS = 80
# A window is not allowed to grow past this many characters, so a pasted wall of text
# without periods still gives quotable passages.
MAX_PASSAGE_CHARS = 1200


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of sentences of one paragraph; ``text`` is always ``article.text[start:end]``."""

    article: Article
    paragraph: int  # ¶, 1-based
    first_sentence: int  # 1-based, within the paragraph
    last_sentence: int
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


def split_passages(article: Article, window: int = WINDOW) -> list[Passage]:
    """Cut an article into overlapping sentence windows.

    Args:
        article: the article to split.
        window: the most sentences a passage holds.

    Returns:
        Passages in reading order; an empty or blank article gives none.
    """
    return [
        passage
        for paragraph in split_paragraphs(article.text)
        for passage in paragraph_passages(article, paragraph, window)
    ]


def paragraph_passages(article: Article, paragraph: Paragraph, window: int = WINDOW) -> list[Passage]:
    """The windows of one paragraph: every sentence starts one, none crosses the paragraph,
    and a window inside the one before it (the tail of the paragraph) is left out. A window
    of several sentences stays within QUOTE_WORDS words and MAX_PASSAGE_CHARS characters."""
    sentences = paragraph.sentences
    text = article.text
    passages: list[Passage] = []
    covered = -1
    for first in range(len(sentences)):
        last = min(first + window, len(sentences)) - 1
        while last > first and (
            sentences[last].end - sentences[first].start > MAX_PASSAGE_CHARS
            or _words(text, (sentences[first].start, sentences[last].end)) > QUOTE_WORDS
        ):
            last -= 1
        if last > covered:
            start, end = sentences[first].start, sentences[last].end
            passages.append(Passage(article, paragraph.number, first + 1, last + 1, start, end))
            covered = last
    return passages


def widen(
    passage: Passage, paragraph: Paragraph, shown: Collection[int] = (), max_words: int = QUOTE_WORDS
) -> Passage | None:
    """The passage with the paragraph's previous, then next, sentences added while the quote
    stays within ``max_words`` words (the answer often sits beside the sentence that matched).

    ``shown`` holds the paragraph's sentences (0-based) that an earlier hit already quotes:
    the quote leaves them out and does not grow across them, so every hit shows new text.
    Returns None when all of the passage's sentences have been shown.
    """
    sentences = paragraph.sentences
    text = passage.article.text
    new = [i for i in range(passage.first_sentence - 1, passage.last_sentence) if i not in shown]
    if not new:
        return None
    first = last = new[0]
    while last + 1 in new:
        last += 1
    words = len(text[sentences[first].start : sentences[last].end].split())
    while True:
        if _fits(first - 1, sentences, shown, text, words, max_words):
            first -= 1
            words += _words(text, sentences[first])
        elif _fits(last + 1, sentences, shown, text, words, max_words):
            last += 1
            words += _words(text, sentences[last])
        else:
            break
    return Passage(
        passage.article, passage.paragraph, first + 1, last + 1, sentences[first].start, sentences[last].end
    )


def _fits(
    index: int, sentences: Sequence[Span], shown: Collection[int], text: str, words: int, limit: int
) -> bool:
    """Whether sentence ``index`` exists, is not shown yet, and keeps the quote within ``limit``."""
    if not 0 <= index < len(sentences) or index in shown:
        return False
    return words + _words(text, sentences[index]) <= limit


def _words(text: str, span: tuple[int, int]) -> int:
    return len(text[span[0] : span[1]].split())


def quoted(
    passage: Passage, paragraph: Paragraph, shown: Collection[int] = (), max_words: int = QUOTE_WORDS
) -> Passage | None:
    """The passage as it is shown: :func:`widen`-ed, then — when that stops short of
    ``max_words`` words — with the paragraph's next sentence as well, so that a reader's first
    ``max_words`` words run on into it instead of stopping early. The ranking scores the
    widened passage alone: the words past ``max_words`` are mostly not read.

    Returns None when all of the passage's sentences have been shown.
    """
    wide = widen(passage, paragraph, shown, max_words)
    if wide is None:
        return None
    following = wide.last_sentence  # the next sentence, 0-based
    if following >= len(paragraph.sentences) or following in shown or len(wide.text.split()) >= max_words:
        return wide
    end = paragraph.sentences[following].end
    return Passage(wide.article, wide.paragraph, wide.first_sentence, following + 1, wide.start, end)


class Context(NamedTuple):
    passage: Passage  # the paragraph, or the part of it around the passage that fits
    cut_before: bool  # sentences of the paragraph were left out before it
    cut_after: bool  # … and after it


def context(passage: Passage, max_chars: int = 3000) -> Context:
    """The passage's whole paragraph — or, for a very long one, the sentences around the
    passage that fit in ``max_chars`` (the "Context" view).
    """
    paragraph = next(p for p in split_paragraphs(passage.article.text) if p.number == passage.paragraph)
    sentences = paragraph.sentences
    first, last = passage.first_sentence - 1, passage.last_sentence - 1
    while True:
        grown = False
        for candidate in (last + 1, first - 1):
            if 0 <= candidate < len(sentences):
                lo, hi = min(first, candidate), max(last, candidate)
                if sentences[hi].end - sentences[lo].start <= max_chars:
                    first, last, grown = lo, hi, True
        if not grown:
            break
    around = Passage(
        passage.article, passage.paragraph, first + 1, last + 1, sentences[first].start, sentences[last].end
    )
    return Context(around, first > 0, last < len(sentences) - 1)
