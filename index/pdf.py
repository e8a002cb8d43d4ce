"""A PDF's paragraphs rebuilt from its layout: where each line of text sits on the page.

pypdf's plain text has a line break at the end of every printed line and no blank line
between paragraphs, so a PDF read as plain text is either one paragraph per line (sentence
fragments quoted as answers) or one giant paragraph. Here each line keeps its page, position
and font size (pypdf's ``visitor_text``), and the lines are put back together the way a
reader sees them:

* a paragraph ends where the vertical gap to the next line is wider than the line spacing,
  where the next line is indented (the first line of an indented paragraph), where a line
  stops well short of the column's width, or where the font size changes; a paragraph that
  runs on into the next column or page stays one paragraph;
* a word hyphenated across two lines is joined again ("differ-" + "ence"), unless the
  article itself writes it with the hyphen ("twenty-" + "six");
* running headers and footers (the same text at the same height on several pages) and page
  numbers are dropped;
* the first page's line(s) in the largest type, when larger than the body text, are the title.

Lines are taken in the order the PDF draws them, which is the reading order for what word
processors, browsers and layout programs write (column by column).
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_PDF_PAGES = 300
PARAGRAPH_GAP = 1.25  # a gap this many times the line spacing separates two paragraphs
SHORT_LINE = 0.7  # a line this much shorter than the column's usual line ends its paragraph
INDENT = 0.5  # a first line indented by more than this many font sizes starts a paragraph
TITLE_SIZE = 1.2  # the title's type is at least this much larger than the body's
MAX_TITLE_LINES = 4  # more lines in the largest type are a pull quote or a poster, not a title
SINGLE_SPACING, WIDE_SPACING = 1.2, 1.5  # the distance between baselines, in font sizes
MIN_GAPS = 3
FURNITURE_LINES = 2  # how many lines at a page's top and bottom may be a header or footer

_PAGE_NUMBER = re.compile(r"[-–—\s]*(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?[-–—\s]*", re.IGNORECASE)
_HYPHENS = "-\u2010\u00ad"  # hyphen-minus, hyphen, and the soft hyphen a typesetter shows at a break
_LETTERS = re.compile(r"[^\W\d_]+")
_SPACED_BREAK = re.compile(r"(?<=\w) (?=[\u2010\u00ad]$)")  # pypdf's space before a typesetter's break
_LIGATURES = re.compile("[\ufb00-\ufb06]")  # ﬁ, ﬂ, ﬀ, … as their letters


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: its text, page, where its baseline starts (PDF units, y upwards)
    and its font size."""

    page: int
    x: float
    y: float
    size: float
    text: str


@dataclass(frozen=True, slots=True)
class Layout:
    """What the layout says: the title in the largest type (if any) and the paragraphs."""

    title: str | None
    paragraphs: list[str]


def read_layout(reader: Any, max_chars: int) -> Layout:  # reader: pypdf.PdfReader, imported lazily
    """The title and paragraphs of a PDF's first MAX_PDF_PAGES pages.

    Reading stops at the first page that makes the text longer than ``max_chars``: a file of a
    few kilobytes can expand to millions of characters, and each page costs pypdf time.
    """
    pages, total = [], 0
    for number, page in enumerate(reader.pages[:MAX_PDF_PAGES]):
        pages.append(page_lines(page, number))
        total += sum(len(line.text) for line in pages[-1])
        if total > max_chars:
            break
    return layout(pages)


def page_lines(page: Any, number: int) -> list[Line]:
    """The page's lines in drawing order; pieces drawn side by side on one baseline are one line."""
    rows: list[tuple[float, float, list[float], list[str]]] = []  # x, baseline, sizes, pieces

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: float) -> None:
        x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        size = abs(font_size * tm[3] * cm[3]) or abs(font_size) or 1.0
        if not all(map(math.isfinite, (x, y, size))):
            return  # a damaged or hostile file: nowhere on the page
        for offset, piece in enumerate(text.split("\n")):
            if not piece.strip():
                continue
            baseline = y - offset * size
            if rows and offset == 0 and abs(rows[-1][1] - baseline) < 0.2 * size and x > rows[-1][0]:
                rows[-1][2].append(size)
                rows[-1][3].append(piece)
            else:
                rows.append((x, baseline, [size], [piece]))

    page.extract_text(visitor_text=visit)
    lines = []
    for x, y, sizes, pieces in rows:
        text = " ".join("".join(pieces).split())  # justified text has runs of spaces
        text = _SPACED_BREAK.sub("", _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text))
        if text:
            lines.append(Line(number, x, y, max(sizes), text))
    return lines


def layout(pages: list[list[Line]]) -> Layout:
    """Paragraphs (and the title) from the pages' lines."""
    lines = _without_furniture(pages)
    if not lines:
        return Layout(None, [])
    title, lines = _title(lines)
    groups = _paragraph_lines(lines)
    vocabulary = {word.casefold() for line in lines for word in re.findall(r"[^\W\d_][\w-]*", line.text)}
    return Layout(title, [_joined([line.text for line in group], vocabulary) for group in groups])


def _without_furniture(pages: list[list[Line]]) -> list[Line]:
    """The lines less running headers and footers and page numbers.

    Both sit in a page's top or bottom FURNITURE_LINES lines. A header is the same text
    (numbers aside) at the same height on more than one page; a page number is a number alone
    ("3", "Page 3 of 9", "- 3 -").
    """
    edges = [set(_edge_lines(lines)) for lines in pages]
    seen: dict[tuple[str, int], set[int]] = {}
    for lines in edges:
        for line in lines:
            seen.setdefault(_furniture_key(line), set()).add(line.page)
    kept = []
    for lines, edge in zip(pages, edges, strict=True):
        for line in lines:
            furniture = line in edge and (
                len(seen[_furniture_key(line)]) > 1 or _PAGE_NUMBER.fullmatch(line.text) is not None
            )
            if not furniture:
                kept.append(line)
    return kept


def _edge_lines(lines: list[Line]) -> list[Line]:
    heights = sorted({round(line.y) for line in lines})
    edge = set(heights[:FURNITURE_LINES] + heights[-FURNITURE_LINES:])
    return [line for line in lines if round(line.y) in edge]


def _furniture_key(line: Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.casefold()), round(line.y)


def _title(lines: list[Line]) -> tuple[str | None, list[Line]]:
    """The first page's first run of lines in the largest type, if larger than the body's."""
    body_size = _body_size(lines)
    first_page = [line for line in lines if line.page == lines[0].page]
    largest = max(line.size for line in first_page)
    if largest < TITLE_SIZE * body_size:
        return None, lines
    start = next(i for i, line in enumerate(lines) if line.size == largest)
    end = start + 1
    while end < len(lines) and lines[end].size == largest and _flows(lines[end - 1], lines[end]):
        end += 1
    if end - start > MAX_TITLE_LINES:
        return None, lines
    return " ".join(line.text for line in lines[start:end]), lines[:start] + lines[end:]


def _body_size(lines: list[Line]) -> float:
    """The font size most of the text is set in."""
    chars: dict[float, int] = {}
    for line in lines:
        chars[round(line.size, 1)] = chars.get(round(line.size, 1), 0) + len(line.text)
    return max(chars, key=lambda size: chars[size])


def _paragraph_lines(lines: list[Line]) -> list[list[Line]]:
    """The lines grouped into paragraphs."""
    pitch = _line_pitch(lines)
    usual = _usual_length(lines)
    groups = [[lines[0]]]
    for i in range(1, len(lines)):
        previous, line = lines[i - 1], lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else None
        if _starts_paragraph(previous, line, following, pitch, usual):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _starts_paragraph(
    previous: Line, line: Line, following: Line | None, pitch: dict[float, float], usual: dict[float, float]
) -> bool:
    if abs(previous.size - line.size) > 0.1 * max(previous.size, line.size):
        return True  # a heading, a byline, a caption
    short = len(previous.text) < SHORT_LINE * usual[round(previous.size, 1)] and not _hyphenated(previous)
    if short or _indented(previous, line, following):
        return True
    if not _flows(previous, line):
        return False  # the paragraph runs on into the next column or page
    return previous.y - line.y > PARAGRAPH_GAP * pitch[round(line.size, 1)]


def _flows(previous: Line, line: Line) -> bool:
    """True when ``line`` sits below ``previous`` in the same column of the same page."""
    return (
        line.page == previous.page
        and 0 < previous.y - line.y < 3 * line.size
        and abs(line.x - previous.x) < 4 * line.size
    )


def _indented(previous: Line, line: Line, following: Line | None) -> bool:
    """True for a first line set further right than the lines around it in its column."""
    neighbours = [previous] if _flows(previous, line) else []
    if following is not None and _flows(line, following):
        neighbours.append(following)
    return bool(neighbours) and all(line.x - other.x > INDENT * line.size for other in neighbours)


def _hyphenated(line: Line) -> bool:
    return line.text[-1] in _HYPHENS


def _line_pitch(lines: list[Line]) -> dict[float, float]:
    """The usual distance between the baselines of a paragraph's lines, for each font size."""
    gaps: dict[float, list[float]] = {}
    for previous, line in itertools.pairwise(lines):
        if _flows(previous, line) and previous.size == line.size:
            gaps.setdefault(round(line.size, 1), []).append(previous.y - line.y)
    pitch = {}
    for size in {round(line.size, 1) for line in lines}:
        measured = gaps.get(size, [])
        usual = statistics.median(measured or [SINGLE_SPACING * size])
        # A few gaps may all be paragraph gaps (two lines with a blank line between them):
        # until there are MIN_GAPS of them they count only up to a generous line spacing.
        pitch[size] = usual if len(measured) >= MIN_GAPS else min(usual, WIDE_SPACING * size)
    return pitch


def _usual_length(lines: list[Line]) -> dict[float, float]:
    """The usual number of characters in a full line, for each font size."""
    lengths: dict[float, list[int]] = {}
    for line in lines:
        lengths.setdefault(round(line.size, 1), []).append(len(line.text))
    return {size: statistics.median(values) for size, values in lengths.items()}


def _joined(lines: list[str], vocabulary: set[str]) -> str:
    """A paragraph's lines as one line; a word hyphenated at a line's end is joined again."""
    text = lines[0]
    for line in lines[1:]:
        head = text.rsplit(" ", 1)[-1][:-1]  # the last word, less the hyphen if it has one
        tail = _LETTERS.match(line)
        if text[-1] not in _HYPHENS or not head or not line[0].isalnum():
            text = f"{text} {line}"  # no hyphen, or a dash: "the bridge -" + "which"
        elif _LETTERS.fullmatch(head) and tail and _one_word(head, tail.group(), vocabulary):
            text = f"{text[:-1]}{line}"  # "differ-" + "ence"
        else:
            text = f"{text[:-1]}-{line}"  # "twenty-" + "six", "Franco-" + "German", "2023-" + "24"
    return text.replace("\u00ad", "")


def _one_word(head: str, tail: str, vocabulary: set[str]) -> bool:
    """Whether a word broken at a line's end after ``head`` is one word (the hyphen only marks
    the break) rather than two joined by a hyphen. The article's own spelling decides, then
    English words (the word vectors' list)."""
    from .vectors import table  # loaded only for a hyphen at a line's end

    joined, hyphenated = f"{head}{tail}".casefold(), f"{head}-{tail}".casefold()
    if tail[0].isupper() or (hyphenated in vocabulary and joined not in vocabulary):
        return False
    english = table().rows
    if joined in vocabulary or joined in english:
        return True
    return not (head.casefold() in english and tail.casefold() in english)
