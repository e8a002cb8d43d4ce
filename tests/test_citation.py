"""Citations and URL text-fragment links (URL Fragment Text Directives, WICG)."""

import re
from urllib.parse import unquote

import pytest

from index import Article, cite, split_passages, text_fragment_link
from index.citation import Citation

# Characters a text directive's parts may hold as they are: the URL fragment's characters
# minus the directive's own syntax ("&" separates directives, "," start from end, "-" marks a
# prefix or suffix) and "%" outside a percent-escape.
_PART = re.compile(r"(?:[A-Za-z0-9._~!$'()*+;=:@/?]|%[0-9A-F]{2})+")


def directive_parts(link: str) -> tuple[str, list[str]]:
    base, marker, directive = link.partition("#:~:text=")
    assert marker, link
    parts = directive.split(",")
    assert 1 <= len(parts) <= 2
    for part in parts:
        assert _PART.fullmatch(part), part
    return base, [unquote(part) for part in parts]


@pytest.mark.parametrize(
    ("url", "quote", "expected"),
    [
        ("https://example.org/a", "Hello world", "https://example.org/a#:~:text=Hello%20world"),
        # the directive's own characters are percent-encoded
        ("https://example.org/a", "A-B, C & D", "https://example.org/a#:~:text=A%2DB%2C%20C%20%26%20D"),
        ("https://example.org/a", "50% off", "https://example.org/a#:~:text=50%25%20off"),
        ("https://example.org/a", "café", "https://example.org/a#:~:text=caf%C3%A9"),
        ("https://example.org/a", "obvious—more", "https://example.org/a#:~:text=obvious%E2%80%94more"),
        # whitespace of the quote is collapsed to single spaces
        ("https://example.org/a", "  two\nlines\t ", "https://example.org/a#:~:text=two%20lines"),
        # a fragment the URL had is replaced, its query kept
        ("https://example.org/a#top", "Hello", "https://example.org/a#:~:text=Hello"),
        ("https://example.org/a?x=1&y=2", "Hello", "https://example.org/a?x=1&y=2#:~:text=Hello"),
        # nothing to quote: the plain URL
        ("https://example.org/a#top", "", "https://example.org/a"),
        ("https://example.org/a", " \n ", "https://example.org/a"),
    ],
)
def test_text_fragment_link(url, quote, expected):
    assert text_fragment_link(url, quote) == expected


LONG_QUOTES = [
    "Putin responded by announcing on September 21 that he was calling up 300,000 reservists. "
    "The order was met with protests, Russians fleeing the country and reports of new troops.",
    "Kherson is one of four regions of Russian-occupied Ukraine that the Kremlin is moving forward "
    "with annexing, following referendums widely condemned as illegitimate & more, and more - and done.",
    " ".join(f"w{i}" for i in range(200)),
]


@pytest.mark.parametrize("quote", LONG_QUOTES)
def test_long_quote_uses_start_and_end(quote):
    link = text_fragment_link("https://example.org/a", quote)
    base, parts = directive_parts(link)
    assert base == "https://example.org/a"
    assert len(parts) == 2, "a long quote is named by its first and last words"
    start, end = parts
    normalised = " ".join(quote.split())
    assert normalised.startswith(start + " ")
    assert normalised.endswith(" " + end)
    assert len(start) + len(end) < len(normalised)
    assert len(link) < len(quote) * 3


@pytest.mark.parametrize(
    "quote",
    ["Short quote.", "A-B, C & D", "Zelensky said, “No sham referenda.”", "Ще не вмерла", "#hash %20 &amp;"],
)
def test_short_quote_is_named_whole(quote):
    _, parts = directive_parts(text_fragment_link("https://example.org/a", quote))
    assert parts == [" ".join(quote.split())]


def test_cite_without_url_has_no_link():
    article = Article(title="Plain", text="First sentence here. Second one there.\n\nThird.")
    passage = split_passages(article)[0]
    citation = cite(passage)
    assert citation == Citation(
        title="Plain",
        source_name=None,
        source_url=None,
        paragraph=1,
        first_sentence=1,
        last_sentence=2,
        start=passage.start,
        end=passage.end,
        link=None,
    )


def test_cite_with_url_links_to_the_quote():
    article = Article(
        title="Linked",
        text="Intro line.\n\nThe moon base has 42 residents - and a greenhouse.",
        source_name="Moon Gazette",
        source_url="https://example.org/moon#comments",
    )
    passage = split_passages(article)[1]
    citation = cite(passage)
    assert (citation.title, citation.source_name, citation.paragraph) == ("Linked", "Moon Gazette", 2)
    assert (citation.start, citation.end) == (passage.start, passage.end)
    assert citation.source_url == "https://example.org/moon#comments"
    assert citation.link is not None
    base, parts = directive_parts(citation.link)
    assert base == "https://example.org/moon"
    assert passage.text.startswith(parts[0])
    assert passage.text.endswith(parts[-1])
    assert "-" not in citation.link.partition("#:~:text=")[2], "a raw - would mark a prefix or suffix"


@pytest.mark.parametrize(("first", "last", "expected"), [(1, 1, "1"), (2, 3, "2–3"), (1, 4, "1–4")])
def test_sentence_range(first, last, expected):
    citation = Citation("t", None, None, 1, first, last, 0, 1, None)
    assert citation.sentences == expected
