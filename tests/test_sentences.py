"""Paragraph and sentence splitting: where sentences end, and that every span is an offset."""

import pytest

from index import default_article
from index.sentences import MAX_SENTENCE_CHARS, Paragraph, split_paragraphs


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for p in split_paragraphs(text) for s in p.sentences]


def assert_spans_are_offsets(text: str, paragraphs: list[Paragraph]) -> None:
    """Paragraphs in order, sentences inside their paragraph, in order, trimmed, non-empty."""
    previous_end = 0
    for number, paragraph in enumerate(paragraphs, start=1):
        assert paragraph.number == number
        start, end = paragraph.span
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
        cursor = start
        for sentence in paragraph.sentences:
            assert cursor <= sentence.start < sentence.end <= end
            piece = text[sentence.start : sentence.end]
            assert piece == piece.strip()
            cursor = sentence.end


SPLITS = [
    # abbreviations stay inside their sentence
    ("The U.S. military said it would help. Russia disagreed.",
     ["The U.S. military said it would help.", "Russia disagreed."]),
    ("Officials in the U.S. and the U.K. agreed. Others did not.",
     ["Officials in the U.S. and the U.K. agreed.", "Others did not."]),
    ("On Sept. 21 Putin spoke. Then he left.", ["On Sept. 21 Putin spoke.", "Then he left."]),
    ("Mr. Smith met Dr. Jones at St. Paul's. They talked.",
     ["Mr. Smith met Dr. Jones at St. Paul's.", "They talked."]),
    ("Ms. Lee and Mrs. Park left at 5 p.m. on Friday. It rained.",
     ["Ms. Lee and Mrs. Park left at 5 p.m. on Friday.", "It rained."]),
    ("Prof. Smith and Gov. Newsom met on Jan. 5. They agreed.",
     ["Prof. Smith and Gov. Newsom met on Jan. 5.", "They agreed."]),
    ("He lives on Main St. in Springfield. It is nice.",
     ["He lives on Main St. in Springfield.", "It is nice."]),
    ("Look at No. 5 on the list. It is red.", ["Look at No. 5 on the list.", "It is red."]),
    ("It cost $2.5 billion. That is a lot.", ["It cost $2.5 billion.", "That is a lot."]),
    # initials
    ("J. R. R. Tolkien wrote books. He died in 1973.", ["J. R. R. Tolkien wrote books.", "He died in 1973."]),
    ("George W. Bush spoke. He left.", ["George W. Bush spoke.", "He left."]),
    ("Dr. A. Smith spoke. He left.", ["Dr. A. Smith spoke.", "He left."]),
    # a title before a name that is also a common word
    ("Mr. He said yes. Then he left.", ["Mr. He said yes.", "Then he left."]),
    # an abbreviation that ends a sentence
    ("He was born in the U.S. He moved later.", ["He was born in the U.S.", "He moved later."]),
    ("She said no. Then she left.", ["She said no.", "Then she left."]),
    # quotes keep their attribution
    ('"Why should he risk his life?" Zelensky said.', ['"Why should he risk his life?" Zelensky said.']),
    ('"Why should he risk his life?" Zelensky said. "Why?"',
     ['"Why should he risk his life?" Zelensky said.', '"Why?"']),
    ("“Why?” he asked. Nobody answered.", ["“Why?” he asked.", "Nobody answered."]),
    ('"Go away!" she shouted at him. He left.', ['"Go away!" she shouted at him.', "He left."]),
    # plain punctuation
    ("What? No! Yes.", ["What?", "No!", "Yes."]),
    ("One sentence without a final period", ["One sentence without a final period"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), SPLITS, ids=[case[0][:40] for case in SPLITS])
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected
    assert_spans_are_offsets(text, split_paragraphs(text))


PARAGRAPHS = [
    ("", []),
    ("   \n\n \t \n", []),
    ("One.", ["One."]),
    ("One. Two.\n\nThree.", ["One. Two.", "Three."]),
    ("  One.  \n\n\n\n  Two.  ", ["One.", "Two."]),
    ("One.\r\n\r\nTwo.", ["One.", "Two."]),
    ("One.\n \t \nTwo.", ["One.", "Two."]),
    # without blank lines, every line is a paragraph
    ("One.\nTwo.\nThree.", ["One.", "Two.", "Three."]),
    ("One.\r\nTwo.", ["One.", "Two."]),
]


@pytest.mark.parametrize(("text", "expected"), PARAGRAPHS)
def test_paragraphs(text, expected):
    paragraphs = split_paragraphs(text)
    assert [text[p.span.start : p.span.end] for p in paragraphs] == expected
    assert_spans_are_offsets(text, paragraphs)


def test_lines_of_a_block_are_sentences_of_one_paragraph():
    text = "Title Line\nThe body sentence. Another one.\nCredit Line\n\nNext paragraph."
    paragraphs = split_paragraphs(text)
    assert len(paragraphs) == 2
    assert [text[s.start : s.end] for s in paragraphs[0].sentences] == [
        "Title Line",
        "The body sentence.",
        "Another one.",
        "Credit Line",
    ]


def test_seed_photo_caption_title_and_credit_are_their_own_sentences():
    text = default_article().text
    caption = next(p for p in split_paragraphs(text) if "Kazakhstan" in text[p.span.start : p.span.end])
    parts = [text[s.start : s.end] for s in caption.sentences]
    assert parts[0] == "Fleeing Russian Citizens in Kazakhstan"
    assert parts[-1] == "Vadim Blazhevich/Getty Images"
    assert parts[1].startswith("Russian citizens visit a public service center")
    assert parts[1].endswith("on September 28, 2022.")


def test_seed_article_quote_keeps_its_attribution():
    text = default_article().text
    all_sentences = sentences(text)
    assert '"Fierce fighting continues in many areas of the front," Zelensky said.' in all_sentences
    assert any(s.endswith('him personally?" Zelensky said.') for s in all_sentences)
    assert '"Why should he risk his life?"' in all_sentences


def test_seed_article_offsets():
    text = default_article().text
    paragraphs = split_paragraphs(text)
    assert len(paragraphs) > 10
    assert_spans_are_offsets(text, paragraphs)


WRAPPED = (
    "This long sentence has been wrapped by an old mail client at\n"
    "roughly sixty characters, so each of its line breaks falls in\n"
    "the middle of a sentence and does not end anything at all. The\n"
    "next sentence is here."
)


@pytest.mark.parametrize(
    "text",
    [WRAPPED, WRAPPED + "\n\nAnother paragraph.", WRAPPED.replace("\n", "\r\n")],
    ids=["alone", "with a blank line", "CRLF"],
)
def test_hard_wrapped_lines_are_not_sentence_ends(text):
    first_paragraph = split_paragraphs(text)[0]
    parts = [text[s.start : s.end] for s in first_paragraph.sentences]
    assert len(parts) == 2
    assert parts[0].startswith("This long sentence") and parts[0].endswith("anything at all.")
    assert parts[1].startswith("The") and parts[1].endswith("next sentence is here.")
    assert_spans_are_offsets(text, split_paragraphs(text))


@pytest.mark.parametrize(
    "text",
    [
        "word " * 600,
        "x" * 3 * MAX_SENTENCE_CHARS,
        "Mots sans ponctuation " * 200 + "\n" + "y" * 2000,
    ],
    ids=["spaces", "no spaces", "mixed lines"],
)
def test_text_without_punctuation_is_cut_into_quotable_pieces(text):
    paragraphs = split_paragraphs(text)
    pieces = [s for p in paragraphs for s in p.sentences]
    assert len(pieces) > 1
    assert all(0 < s.end - s.start <= MAX_SENTENCE_CHARS for s in pieces)
    assert_spans_are_offsets(text, paragraphs)
    # nothing but whitespace is lost between the pieces
    covered = "".join("".join(text[s.start : s.end].split()) for s in pieces)
    assert covered == "".join(text.split())


def test_words_are_not_cut_when_a_long_sentence_has_spaces():
    text = " ".join(f"w{i:03d}" for i in range(500))
    for piece in sentences(text):
        assert all(word.startswith("w") and len(word) == 4 for word in piece.split())
