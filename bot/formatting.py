"""Replies as Telegram HTML: pure functions, every piece of article or user text escaped.

Telegram refuses a message longer than 4096 characters (after the markup is parsed) and keeps
at most 100 entities; answers are built to fit, and lists are packed into as many messages
as they need, split between lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from index import Answer, Article, Citation, Hit
from index.passages import Context, Passage, context

MAX_CHARS = 4096
MAX_ENTITIES = 100
# Bold spans in one quote; past this, bold stops helping the eye (and entities are limited).
MAX_HIGHLIGHTS = 20
CONTEXT_CHARS = 3000
CARD_FIELD_CHARS = 200  # an author or source name longer than this is cut (titles are already)
MONTHS = "January February March April May June July August September October November December".split()

_TAG = re.compile(r"<[^>]*>")
_OPENING_TAG = re.compile(r"<[a-z][^>]*>")


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # callback data, ≤ 64 bytes


@dataclass(frozen=True, slots=True)
class Reply:
    html: str
    buttons: tuple[Button, ...] = ()


def escape(text: str) -> str:
    """Text for Telegram's HTML mode: only <, > and & are special there."""
    return html.escape(text, quote=False)


def measure(markup: str) -> tuple[int, int]:
    """(characters Telegram counts, entities) of HTML this module produced."""
    visible = html.unescape(_TAG.sub("", markup))
    return len(visible.encode("utf-16-le")) // 2, len(_OPENING_TAG.findall(markup))


def fits(markup: str) -> bool:
    chars, entities = measure(markup)
    return 0 < chars <= MAX_CHARS and entities <= MAX_ENTITIES


def quote(passage: Passage, highlights: Sequence[tuple[int, int]] = ()) -> str:
    """The passage's text, escaped, with the highlighted spans in bold."""
    text = passage.article.text
    parts, cursor = [], passage.start
    spans = [(max(s, passage.start), min(e, passage.end)) for s, e in highlights]
    for start, end in [(s, e) for s, e in spans if s < e][:MAX_HIGHLIGHTS]:
        parts += [escape(text[cursor:start]), "<b>", escape(text[start:end]), "</b>"]
        cursor = end
    parts.append(escape(text[cursor : passage.end]))
    return "".join(parts)


def citation_line(number: int, citation: Citation) -> str:
    """ "[1] ¶7 · Title — Source", the title linking to the exact quote when there is a URL."""
    title = escape(citation.title)
    if citation.link:
        title = f'<a href="{html.escape(citation.link, quote=True)}">{title}</a>'
    elif citation.source_url:
        title = f'<a href="{html.escape(citation.source_url, quote=True)}">{title}</a>'
    source = f" — {escape(citation.source_name)}" if citation.source_name else ""
    return f"[{number}] ¶{citation.paragraph} · {title}{source}"


def answer_reply(answer: Answer, page: int = 0) -> Reply:
    """The message for hit number ``page`` of an answer, with its buttons (an answer about an
    article itself is its summary, whatever the page)."""
    if answer.about is not None:
        return summary_reply(answer)
    if not answer.hits:
        return Reply(PAST.get(answer.past, NOT_FOUND))
    page = min(max(page, 0), len(answer.hits) - 1)
    hit = answer.hits[page]
    lead = DECLINED_LEAD + "\n" if answer.declined else ""
    return Reply(lead + _cited(page + 1, hit), _buttons(answer, page, showing_context=False))


def _cited(number: int, hit: Hit) -> str:
    """The hit's passage as a quote, and its citation line below."""
    passage = f"<blockquote>{quote(hit.passage, hit.highlights)}</blockquote>"
    return f"{passage}\n{citation_line(number, hit.citation)}"


def summary_reply(answer: Answer) -> Reply:
    """An answer about an article itself: the article's card, then its key sentences (the
    hits), each quoted and cited; as many as fit in one message, the first always."""
    assert answer.about is not None
    body = article_card(answer.about)
    if not answer.hits:
        return Reply(f"{body}\n{NO_KEY_SENTENCES}")
    for number, hit in enumerate(answer.hits, start=1):
        block = _cited(number, hit)
        if number > 1 and not fits(f"{body}\n{block}"):
            break
        body = f"{body}\n{block}"
    return Reply(body, _buttons(answer, 0, showing_context=False))


def article_card(article: Article) -> str:
    """The article's title in bold (linked to its page when known), and on a line below what is
    known of its author, publication date and source: "By Jane Doe · 3 October 2022 · Newsweek"."""
    title = f"<b>{escape(article.title)}</b>"
    if article.source_url:
        title = f'<a href="{html.escape(article.source_url, quote=True)}">{title}</a>'
    source = article.source_name or _host(article.source_url)
    details = [
        f"By {_field(article.author)}" if article.author else "",
        escape(_day(article.published)) if article.published else "",
        _field(source) if source else "",
    ]
    line = " · ".join(detail for detail in details if detail)
    return f"{title}\n{line}" if line else title


def _host(url: str | None) -> str | None:
    try:
        return urlsplit(url).hostname if url else None
    except ValueError:  # e.g. a malformed IPv6 host: no source name is better than no answer
        return None


def _field(text: str) -> str:
    line = " ".join(text.split())
    return escape(line if len(line) <= CARD_FIELD_CHARS else line[: CARD_FIELD_CHARS - 1] + "…")


def _day(published: str) -> str:
    """ "2022-10-03" → "3 October 2022"; anything else (a year, a partial date) as it is."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return " ".join(published.split())[:CARD_FIELD_CHARS]
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def context_reply(answer: Answer, page: int = 0) -> Reply:
    """The whole paragraph around hit ``page``, as an expandable quote, the passage in bold."""
    if not answer.hits:
        return Reply(PAST.get(answer.past, NOT_FOUND))
    page = min(max(page, 0), len(answer.hits) - 1)
    hit = answer.hits[page]
    inner = _context_html(context(hit.passage, CONTEXT_CHARS), hit)
    body = (
        f"Context of [{page + 1}], ¶{hit.citation.paragraph}:\n"
        f"<blockquote expandable>{inner}</blockquote>\n{citation_line(page + 1, hit.citation)}"
    )
    return Reply(body, _buttons(answer, page, showing_context=True))


def _context_html(around: Context, hit: Hit) -> str:
    text = around.passage.article.text
    before = text[around.passage.start : hit.passage.start]
    after = text[hit.passage.end : around.passage.end]
    prefix = "… " if around.cut_before else ""
    suffix = " …" if around.cut_after else ""
    return f"{prefix}{escape(before)}<b>{escape(hit.passage.text)}</b>{escape(after)}{suffix}"


def _buttons(answer: Answer, page: int, showing_context: bool) -> tuple[Button, ...]:
    if answer.about is not None:  # a summary shows every sentence; its Context pages through them
        if not showing_context:
            return (Button("Context", "c:0"),) if answer.hits else ()
        more = (Button(f"More ({page + 2}/{len(answer.hits)}) ›", f"c:{page + 1}"),)
        return (Button("‹ Summary", "p:0"), *(more if page + 1 < len(answer.hits) else ()))
    buttons = []
    if showing_context:
        buttons.append(Button("‹ Passage", f"p:{page}"))
    else:
        if page > 0:
            buttons.append(Button("‹ Back", f"p:{page - 1}"))
        buttons.append(Button("Context", f"c:{page}"))
    if page + 1 < len(answer.hits):
        buttons.append(Button(f"More ({page + 2}/{len(answer.hits)}) ›", f"p:{page + 1}"))
    return tuple(buttons)


def pack(blocks: Iterable[str], separator: str = "\n") -> list[str]:
    """Join HTML blocks (lines, paragraphs) into as few messages as the limits allow.

    A block that cannot fit even alone is cut between its words (blocks given here carry no
    markup that spans such a cut).
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut(block):
            candidate = f"{current}{separator}{piece}" if current else piece
            if fits(candidate):
                current = candidate
            else:
                if current:
                    messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _cut(block: str) -> list[str]:
    if fits(block):
        return [block]
    pieces, current = [], ""
    for word in block.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            pieces.append(current)
            candidate = word
        current = candidate
    return [*pieces, current] if current else pieces


NOT_FOUND = (
    "I found nothing about that in the library. Try other words, or /sources to see what I can answer from."
)
NO_KEY_SENTENCES = "It has no sentences I could quote."
# "What happened next?" after the article's last words ("and before that?" after its first).
PAST = {
    "end": "That was the end of the article: it says nothing after that.",
    "start": "That was the start of the article: nothing comes before it.",
}
DECLINED_LEAD = "The article doesn't seem to say. The closest passage, which may not answer it:"
