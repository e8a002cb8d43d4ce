"""PDFs keep their paragraphs and titles: real writers' files, and the layout rules one by one.

The fixtures in tests/fixtures/pdf/ were written by Chromium (print to PDF, as a reader saves
a news page) and LibreOffice Writer from the sources beside them (make.sh says how).
"""

from pathlib import Path

import pytest

from index import Index, parse_document
from index.pdf import Line, layout
from index.sentences import split_paragraphs

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"


def paragraphs(name: str) -> tuple[str, list[str]]:
    article = parse_document((FIXTURES / name).read_bytes(), name)
    return article.title, [article.text[p.span.start : p.span.end] for p in split_paragraphs(article.text)]


# --- Chromium: two columns, three pages ------------------------------------------------------


@pytest.fixture(scope="module")
def solar() -> tuple[str, list[str]]:
    return paragraphs("solar-farm.pdf")


def test_two_columns_title_is_the_headline_not_the_metadata(solar):
    title, _ = solar  # the PDF's metadata says "Solar farm opens in desert | The Desert Courier"
    assert title == "Solar Farm Opens in Desert"


def test_two_columns_every_paragraph_whole_and_in_order(solar):
    _, found = solar
    starts = [
        "By Maria Lopez",
        "The largest solar farm",
        "Its 1.2 million panels",
        "The farm cost $620 million.",  # runs on from column 1 into column 2
        "At the peak of construction",
        "The site was chosen",
        "Environmental groups",  # runs on from page 1 into page 2, across the footer and header
        "Maintenance will be handled",
        "Local officials expect",
        "The cooperative plans",  # runs on into the next column
        "Electricity from the farm",
        "The opening ceremony",
        "Not everyone at the ceremony",  # runs on into page 3
        "The cooperative will publish",
    ]
    assert len(found) == len(starts)
    for paragraph, start in zip(found, starts, strict=True):
        assert paragraph.startswith(start)
        assert "\n" not in paragraph
    assert found[3].endswith('"We built it on time and under budget."')
    assert "Some residents still object to the loss of open land." in found[6]


def test_two_columns_without_running_header_and_page_numbers(solar):
    _, found = solar
    text = "\n".join(found)
    assert "Desert Courier" not in text and "Monday" not in text
    assert not any(paragraph.strip().isdigit() for paragraph in found)


def test_two_columns_words_broken_at_line_ends_are_whole(solar):
    _, found = solar
    text = " ".join(found)
    for word in (
        "cooperative's chief executive",
        "the cooperative ran buses",
        "Biologists moved",
        "commission",
    ):
        assert word in text
    assert "twenty-six months" in text  # a hyphenated word stays hyphenated
    assert "\u00ad" not in text and "\u2010" not in text


def test_a_question_is_answered_from_the_body_not_the_title():
    article = parse_document((FIXTURES / "solar-farm.pdf").read_bytes(), "solar-farm.pdf")
    answer = Index([article]).search("who built the solar farm?")
    assert not answer.declined
    top = answer.hits[0].passage.text
    assert "Helios Energy Cooperative" in top
    assert answer.hits[0].citation.paragraph == 2  # ¶1 is the byline
    assert top.endswith(".")  # a sentence, not a fragment of a printed line


# --- LibreOffice Writer: indented paragraphs, automatic hyphenation ---------------------------


@pytest.fixture(scope="module")
def bridge() -> tuple[str, list[str]]:
    return paragraphs("harbor-bridge.pdf")


def test_indented_paragraphs_with_a_two_line_title(bridge):
    title, found = bridge
    assert title == "Harbor Bridge Reopens After Two-Year Repair"
    assert found[0] == "By Thomas Reed, Harbor Weekly, April 14, 2024"
    assert len(found) == 12
    assert found[1].startswith("The Harbor Bridge reopened") and found[1].endswith("before the closure.")
    quote = "“We used to find out about cracks by looking for them,” Natarajan said."
    assert found[5] == f"{quote} “Now the bridge tells us.”"  # two lines, no gap, no indent after
    assert found[-1].endswith("came to see the bridge for themselves.")


def test_a_paragraph_runs_on_across_the_page_break(bridge):
    _, found = bridge
    assert found[4].endswith("which can warn inspectors of a problem long before it is visible.")


def test_automatic_hyphenation_is_undone(bridge):
    _, found = bridge
    text = " ".join(found)
    for word in (
        "the difference went",
        "engineers decided",
        "corroded",
        "western end",
        "temperature",
        "minutes",
    ):
        assert word in text
    assert "Harbor Weekly · Local News" not in text and "Page 1" not in text


def test_the_document_author_is_kept():
    article = parse_document((FIXTURES / "harbor-bridge.pdf").read_bytes(), "harbor-bridge.pdf")
    assert article.author == "Thomas Reed"


# --- the rules, line by line ------------------------------------------------------------------


def lines(*rows: tuple[float, float, str], page: int = 0, size: float = 10.0) -> list[Line]:
    """Lines at (x, y) on one page, all in one font size."""
    return [Line(page, x, y, size, text) for x, y, text in rows]


WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november".split()


def full(n: int) -> str:
    """A line that fills the column, different for each ``n`` (a header is what repeats)."""
    return " ".join(WORDS[n % len(WORDS) :] + WORDS[: n % len(WORDS)])


def test_a_wider_gap_separates_paragraphs():
    page = lines((50, 700, full(0)), (50, 688, full(1) + "."), (50, 670, full(2)), (50, 658, full(3) + "."))
    assert layout([page]).paragraphs == [f"{full(0)} {full(1)}.", f"{full(2)} {full(3)}."]


def test_an_indented_first_line_starts_a_paragraph():
    page = lines((50, 700, full(0)), (50, 688, full(1) + "."), (62, 676, full(2)), (50, 664, full(3) + "."))
    assert layout([page]).paragraphs == [f"{full(0)} {full(1)}.", f"{full(2)} {full(3)}."]


def test_a_short_last_line_ends_its_paragraph():
    page = lines((50, 700, full(0)), (50, 688, "the end."), (50, 676, full(1)), (50, 664, full(2)))
    assert layout([page]).paragraphs == [f"{full(0)} the end.", f"{full(1)} {full(2)}"]


def test_a_paragraph_runs_on_into_the_next_column_and_page():
    first = lines((50, 700, full(0)), (50, 688, full(1)), (300, 700, full(2)), (300, 688, full(3)))
    second = lines((50, 700, full(4)), (50, 688, "the end."), page=1)
    assert layout([first, second]).paragraphs == [" ".join([full(n) for n in range(5)] + ["the end."])]


def test_a_change_of_type_size_is_a_new_paragraph():
    page = lines((50, 700, full(0)), (50, 688, full(1))) + lines(
        (50, 676, "Photograph: the base at night"), size=8
    )
    assert layout([page]).paragraphs == [f"{full(0)} {full(1)}", "Photograph: the base at night"]


def test_running_headers_and_page_numbers_are_dropped():
    pages = [
        lines(
            (50, 780, "The Daily Planet · Page 1"), (50, 700, full(0)), (50, 688, "the end."), (300, 40, "1")
        ),
        lines(
            (50, 780, "The Daily Planet · Page 2"),
            (50, 700, full(1)),
            (50, 688, "more."),
            (300, 40, "2"),
            page=1,
        ),
    ]
    assert layout(pages).paragraphs == [f"{full(0)} the end.", f"{full(1)} more."]


def test_a_lone_number_at_the_bottom_of_a_single_page_is_its_page_number():
    page = lines((50, 700, full(0)), (50, 688, "the end."), (300, 40, "- 7 -"))
    assert layout([page]).paragraphs == [f"{full(0)} the end."]


def test_the_title_is_the_largest_type_on_the_first_page():
    page = lines((50, 740, "Moon Base"), (50, 716, "Opens"), size=20) + lines(
        (50, 690, full(0)), (50, 678, "end.")
    )
    result = layout([page])
    assert result.title == "Moon Base Opens"
    assert result.paragraphs == [f"{full(0)} end."]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("Most of the differ-", "ence went", "Most of the difference went"),  # English word
        ("the co\u2010", "operative's", "the cooperative's"),  # a typesetter's hyphen (U+2010)
        ("the engi\u00ad", "neers", "the engineers"),  # a soft hyphen shown at the break
        ("after twenty-", "six months", "after twenty-six months"),  # two words
        ("a long-", "term plan", "a long-term plan"),
        ("the Franco-", "German border", "the Franco-German border"),
        ("the 2023-", "24 season", "the 2023-24 season"),
        ("the bridge -", "which", "the bridge - which"),  # a dash
        ("the wrenfold-", "keeper", "the wrenfold-keeper"),  # written so elsewhere in the article
    ],
)
def test_words_broken_at_a_line_end(first, second, joined):
    page = lines((50, 700, first), (50, 688, second), (50, 660, "Elsewhere the wrenfold-keeper said so."))
    assert layout([page]).paragraphs[0] == joined
