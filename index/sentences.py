"""Paragraphs and sentences as character spans of the article text (offsets never move)."""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

# Punkt normally learns abbreviations from a trained model downloaded as nltk_data. We cannot
# download anything, so we hand it the abbreviations news text needs (lower-case, without the
# final period). Single-letter initials ("J. R. Jones") Punkt already handles by itself.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs mme mlle dr prof rev hon fr sr jr st mt ft pres gov sen rep gen lt col maj
    capt cmdr adm sgt cpl pvt brig supt insp det amb sec atty treas
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc ltd co corp bros llc plc dept univ assn est approx vs etc al cf viz ca cca
    no nos vol vols pp fig figs ch sec art para ed eds op
    u.s u.s.a u.k u.n e.u d.c l.a n.y a.m p.m e.g i.e u.s.s.r
    ave blvd rd hwy
    """.split()
)
# After an abbreviation that can end a sentence ("the U.S.", "said no."), a capitalised word
# that usually starts one begins a new sentence ("... in the U.S. He moved"). Titles only
# ever precede a name ("Mr. He", "Gen. These"), so after them the sentence goes on.
SENTENCE_STARTERS = frozenset(
    """
    the he she it they we you this that these those there then but and so yet however
    meanwhile in on at after before when while if as his her their its our also both
    """.split()
)
_BEFORE_NAME = frozenset(
    """
    mr mrs ms messrs mme mlle dr prof rev hon fr pres gov sen rep gen lt col maj capt cmdr adm
    sgt cpl pvt brig supt insp det amb atty vs
    """.split()
)

# Longer "sentences" (a text without punctuation) are cut at spaces, so a passage stays quotable.
MAX_SENTENCE_CHARS = 600

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE_BREAK = re.compile(r"\n")
_SENTENCE_END = ".!?…\"'”’)»"
_CLOSING_QUOTE = ('"', "”", "’", "'", "»")
# A short attribution after a quote that ends in ? or ! ("...his life?" Zelensky said.) is
# part of the quoted sentence; Punkt sees a capital letter after "?" and splits it off.
_ATTRIBUTION = re.compile(
    r"^[\w.'’ -]{0,40}\b(said|says|say|added|adds|asked|asks|told|tells|wrote|writes|declared|"
    r"explained|continued|replied|noted|stated|insisted|according)\b[\w.'’ ,-]{0,40}[.!?]?$",
    re.IGNORECASE,
)


class Span(NamedTuple):
    start: int
    end: int


class Paragraph(NamedTuple):
    number: int  # 1-based, the ¶ of a citation
    span: Span
    sentences: tuple[Span, ...]


@cache
def _punkt() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    params.sent_starters = set(SENTENCE_STARTERS)
    params.collocations = {(title, word) for title in _BEFORE_NAME for word in SENTENCE_STARTERS}
    return PunktSentenceTokenizer(params)


def paragraph_spans(text: str) -> list[Span]:
    """Blocks separated by blank lines; a text without blank lines has one paragraph per line,
    unless its lines are only wrapped to a width (a one-page PDF), which makes it one paragraph.
    """
    if _PARAGRAPH_BREAK.search(text):
        separator = _PARAGRAPH_BREAK
    elif _is_hard_wrapped(text.strip().split("\n")):
        return [trimmed] if (trimmed := _trim(text, Span(0, len(text)))) else []
    else:
        separator = _LINE_BREAK
    spans, start = [], 0
    for match in separator.finditer(text):
        spans.append(Span(start, match.start()))
        start = match.end()
    spans.append(Span(start, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, span))]


def _trim(text: str, span: Span) -> Span | None:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def _is_hard_wrapped(lines: list[str]) -> bool:
    """True for a paragraph broken into lines only to fit a width (e-mail, some plain text).

    Such line breaks are not sentence ends, unlike the short title or credit lines of a photo
    caption, which do end a "sentence" although they carry no period.
    """
    if len(lines) < 3:
        return False
    long_lines = [line for line in lines[:-1] if len(line) >= 40]
    open_ended = [line for line in lines[:-1] if not line.rstrip().endswith(tuple(_SENTENCE_END))]
    return len(long_lines) >= 0.8 * (len(lines) - 1) and len(open_ended) >= 0.5 * (len(lines) - 1)


def _line_spans(text: str, paragraph: Span) -> list[Span]:
    """The paragraph's lines, or the whole paragraph when its line breaks are only wrapping."""
    start, end = paragraph
    block = text[start:end]
    pieces = block.split("\n")
    if len(pieces) == 1 or _is_hard_wrapped(pieces):
        return [paragraph]
    spans, offset = [], start
    for piece in pieces:
        if trimmed := _trim(text, Span(offset, offset + len(piece))):
            spans.append(trimmed)
        offset += len(piece) + 1
    return spans


def sentence_spans(text: str, span: Span) -> list[Span]:
    """Sentences of one line or paragraph, as spans into ``text``."""
    base = span.start
    chunk = text[span.start : span.end]
    sentences: list[Span] = []
    for start, end in _punkt().span_tokenize(chunk):
        if not (sentence := _trim(text, Span(base + start, base + end))):
            continue
        if sentences and _is_attribution(text, sentences[-1], sentence):
            sentences[-1] = Span(sentences[-1].start, sentence.end)
        else:
            sentences.append(sentence)
    return [piece for sentence in sentences for piece in _cut_long(text, sentence)]


def _cut_long(text: str, sentence: Span) -> list[Span]:
    """Pieces of at most MAX_SENTENCE_CHARS, cut at the last space before the limit if any."""
    pieces, start, end = [], sentence.start, sentence.end
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit)
        cut = space if space > start else limit
        if piece := _trim(text, Span(start, cut)):
            pieces.append(piece)
        start = cut
    if piece := _trim(text, Span(start, end)):
        pieces.append(piece)
    return pieces


def _is_attribution(text: str, previous: Span, sentence: Span) -> bool:
    """Whether ``sentence`` goes on the quote that ends ``previous``: a short attribution, or
    any words that start in lower case ('"Go away!" she shouted at him.')."""
    words = text[sentence.start : sentence.end]
    return text[previous.start : previous.end].endswith(_CLOSING_QUOTE) and (
        words[0].islower() or (len(words.split()) <= 6 and _ATTRIBUTION.match(words) is not None)
    )


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split an article into numbered paragraphs, each with its sentences.

    Args:
        text: the article body.

    Returns:
        Paragraphs in order; every span indexes ``text`` directly.
    """
    paragraphs = []
    for number, span in enumerate(paragraph_spans(text), start=1):
        sentences = [s for line in _line_spans(text, span) for s in sentence_spans(text, line)]
        paragraphs.append(Paragraph(number, span, tuple(sentences)))
    return paragraphs
