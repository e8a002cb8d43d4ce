"""Citations: where a quoted passage comes from, down to a link to the exact words."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urldefrag

from .passages import Passage

# A text fragment names the quote by its first and last words when it is long; a handful of
# words on each side is unique within an article and short enough to survive re-wrapping.
_FRAGMENT_EDGE_WORDS = 4


@dataclass(frozen=True, slots=True)
class Citation:
    title: str
    source_name: str | None
    source_url: str | None
    paragraph: int
    first_sentence: int
    last_sentence: int
    start: int
    end: int
    link: str | None  # the source URL with a text fragment that highlights the quote

    @property
    def sentences(self) -> str:
        """ "1" or "1–2": the sentence range within the paragraph."""
        if self.first_sentence == self.last_sentence:
            return str(self.first_sentence)
        return f"{self.first_sentence}–{self.last_sentence}"


def cite(passage: Passage) -> Citation:
    """The citation of a passage.

    Args:
        passage: a passage of an article.

    Returns:
        A :class:`Citation`; ``link`` is None when the article has no URL.
    """
    article = passage.article
    link = text_fragment_link(article.source_url, passage.text) if article.source_url else None
    return Citation(
        title=article.title,
        source_name=article.source_name,
        source_url=article.source_url,
        paragraph=passage.paragraph,
        first_sentence=passage.first_sentence,
        last_sentence=passage.last_sentence,
        start=passage.start,
        end=passage.end,
        link=link,
    )


def text_fragment_link(url: str, quote_text: str) -> str:
    """``url#:~:text=start,end`` – a URL text fragment that scrolls to and highlights the quote.

    Per the URL Fragment Text Directives spec, the quote's parts are percent-encoded, including
    the characters the directive itself uses ("&", ",", "-"); any fragment the URL already
    had is dropped (a text directive replaces the scroll target anyway).
    """
    base, _ = urldefrag(url)
    words = quote_text.split()
    if not words:
        return base
    if len(words) <= 2 * _FRAGMENT_EDGE_WORDS:
        directive = _encode(" ".join(words))
    else:
        start = " ".join(words[:_FRAGMENT_EDGE_WORDS])
        end = " ".join(words[-_FRAGMENT_EDGE_WORDS:])
        directive = f"{_encode(start)},{_encode(end)}"
    return f"{base}#:~:text={directive}"


def _encode(text: str) -> str:
    # quote() leaves "-" alone as an unreserved character, but the directive uses it to mark
    # a prefix or suffix, so it has to be encoded too.
    return quote(text, safe="").replace("-", "%2D")
