"""What a child process of the ingestion lane does: read an article from what was sent, clean
it, and index it once, so that only an article that reads and indexes is ever saved.

Everything here is plain Python over ``index/`` (no Telegram), run by :mod:`bot.isolated` in a
child bounded in time and memory. The lane keeps the result, not the index: the chat's own
index is built from the store when a question needs it (:mod:`bot.library`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from index import Article, Index
from index.examples import example_question
from index.reader import decode_text, parse_document, parse_html, parse_markdown, parse_text

KEY_SENTENCE_CHARS = 300  # the key sentence shown when an article is added, cut past this


@dataclass(frozen=True, slots=True)
class Source:
    """An article as it arrived: a fetched page, a file, or pasted text."""

    kind: str  # "page", "file" or "text"
    data: bytes | str
    name: str = ""  # a file's name; a page's fallback title (its host)
    url: str | None = None
    page_kind: str = ""  # for pages: "html", "text", "markdown" or "pdf" (bot.fetch)
    charset: str | None = None
    source_name: str | None = None  # pasted text: where it was forwarded from


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article that reads and indexes, and what its confirmation shows."""

    article: Article
    paragraphs: int
    key_sentence: str | None  # the first of its key sentences (Index.summary)
    example: str  # a question it answers


def prepare(source: Source) -> Prepared:
    """Read, clean and index ``source`` (in the lane's child process).

    Raises:
        ArticleError: it is not a usable article; the message says why.
    """
    article = clean(read(source))
    index = Index([article])
    summary = index.summary(article, k=1)
    key = summary.hits[0].passage.text if summary.hits else None
    return Prepared(article, len(index.paragraphs), _shortened(key), example_question(article))


def read(source: Source) -> Article:
    """The article in ``source``, chosen by its kind (and a file's name, a page's type)."""
    if source.kind == "text":
        return parse_text(str(source.data), "Pasted text", source_name=source.source_name)
    data = source.data if isinstance(source.data, bytes) else source.data.encode()
    if source.kind == "file":
        return parse_document(data, source.name)
    if source.page_kind == "pdf":
        return parse_document(data, f"{source.name}.pdf", source.url)
    if source.page_kind == "html":  # bytes: trafilatura finds the page's own encoding
        return parse_html(data, source.url, source.name)
    text = decode_text(data, source.charset)
    if source.page_kind == "markdown":
        return parse_markdown(text, source.name, source.url)
    return parse_text(text, source.name, url=source.url)


# NUL is refused by PostgreSQL (and a lone surrogate by any UTF-8 encoder): both backends must
# store the same text, so they are taken out on the way in.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Invisible characters that change how a line is shown: bidi overrides and isolates turn
# "evil.exe" into "exe.live", zero-width characters make two titles look alike. Joiners
# (U+200C, U+200D) stay: Persian words and emoji sequences need them.
_KEPT_FORMAT = frozenset("\u200c\u200d")


def clean(article: Article) -> Article:
    """The article without characters no store keeps, and with names (title, source, author)
    a reader sees as they are: no control or invisible format characters."""
    text = _UNSTORABLE.sub("", article.text)
    title = shown_name(article.title) or "Untitled"
    source_name, author = shown_name(article.source_name), shown_name(article.author)
    url = _UNSTORABLE.sub("", article.source_url) if article.source_url else None
    if (text, title, source_name, author, url) == (
        article.text,
        article.title,
        article.source_name,
        article.author,
        article.source_url,
    ):
        return article
    return dataclasses.replace(
        article, text=text, title=title, source_name=source_name, author=author, source_url=url, id=""
    )


def shown_name(name: str | None) -> str | None:
    """A name as one line of visible characters (None when nothing visible is left)."""
    if name is None:
        return None
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in _UNSTORABLE.sub("", name)
        if unicodedata.category(c) != "Cf" or c in _KEPT_FORMAT
    )
    return " ".join(kept.split()) or None


def _shortened(sentence: str | None) -> str | None:
    if sentence is None or len(sentence) <= KEY_SENTENCE_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, KEY_SENTENCE_CHARS)
    return sentence[: cut if cut > 0 else KEY_SENTENCE_CHARS].rstrip(" ,;:") + "…"
