"""Property-based tests: the offset invariant and "never raises" for arbitrary Unicode text."""

from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import (
    Article,
    ArticleError,
    Index,
    default_article,
    parse_document,
    split_passages,
    text_fragment_link,
)
from index.batch import answer_article
from index.sentences import split_paragraphs
from index.tokens import tokens
from tests.test_search import assert_well_formed
from tests.test_sentences import assert_spans_are_offsets

# Moderate example counts keep the whole suite fast (a few seconds for this file).
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOWER = settings(FAST, max_examples=60)

# Pieces that trouble splitters: zero-width and bidi controls, RTL scripts, emoji (with joiners),
# every kind of line break, sentence punctuation and abbreviations.
PIECES = st.sampled_from(
    [
        "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff",
        "שלום", "مرحبا", "Київ", "東京", "🎉", "👩‍👩‍👧", "🇺🇦", "e\u0301",
        "\r\n", "\n", "\n\n", "\r", "\r\n\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c",
        " ", "\t", "\u00a0", "\u3000",
        ".", "?", "!", "…", "。", '"', "“", "”", "'", "’", "(", ")", "»",
        "Mr.", "U.S.", "Sept.", "J. R. R.", "No.", "300,000", "3m", "Zelensky", "word", "Word",
    ]
)  # fmt: skip
UNICODE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
TEXT = st.lists(st.one_of(PIECES, UNICODE), max_size=80).map("".join)
# Very long lines without punctuation, with or without spaces.
LONG_LINES = st.builds(
    lambda word, count, separator: separator.join([word] * count),
    st.sampled_from(["a", "word", "Слово", "🎉", "x" * 90]),
    st.integers(min_value=100, max_value=1500),
    st.sampled_from([" ", "", "\u00a0", " \n", "\u200b"]),
)
ARTICLE_TEXT = st.one_of(TEXT, LONG_LINES, st.builds(lambda a, b: a + "\n\n" + b, LONG_LINES, TEXT))

SEED_INDEX = Index([default_article()])


@FAST
@given(ARTICLE_TEXT)
def test_paragraphs_and_sentences_are_offsets(text):
    assert_spans_are_offsets(text, split_paragraphs(text))


@FAST
@given(ARTICLE_TEXT)
def test_passages_are_offsets_within_their_paragraph(text):
    article = Article(title="t", text=text)
    paragraphs = {p.number: p for p in split_paragraphs(text)}
    previous = None
    for passage in split_passages(article):
        assert article.text[passage.start : passage.end] == passage.text
        assert passage.text and passage.text == passage.text.strip()
        span = paragraphs[passage.paragraph].span
        assert span.start <= passage.start < passage.end <= span.end
        if previous is not None:
            assert (previous.start, previous.end) < (passage.start, passage.end)
        previous = passage


@FAST
@given(ARTICLE_TEXT)
def test_every_non_blank_text_gives_passages(text):
    passages = split_passages(Article(title="t", text=text))
    assert bool(passages) == bool(text.strip())


@FAST
@given(TEXT)
def test_token_spans_are_ordered_and_inside_the_text(text):
    end = 0
    for token in tokens(text):
        assert end <= token.start < token.end <= len(text)
        assert token.term
        end = token.end


@FAST
@given(TEXT)
def test_search_never_raises_for_any_question(question):
    answer = SEED_INDEX.search(question)
    assert_well_formed(answer)


@SLOWER
@given(ARTICLE_TEXT, TEXT)
def test_search_never_raises_for_any_article(text, question):
    answer = Index([Article(title="t", text=text)]).search(question)
    assert_well_formed(answer)
    if not text.strip():
        assert answer.hits == [] and answer.declined


@SLOWER
@given(ARTICLE_TEXT, st.lists(TEXT, max_size=3))
def test_batch_output_slices_the_article(text, questions):
    record = {
        "article_id": "a",
        "article_text": text,
        "questions": [{"qid": str(i), "question": q, "history": []} for i, q in enumerate(questions)],
    }
    outputs = answer_article(record)
    assert [o["qid"] for o in outputs] == [str(i) for i in range(len(questions))]
    for output in outputs:
        assert isinstance(output["declined"], bool) and isinstance(output["confidence"], float)
        for passage in output["passages"]:
            assert text[passage["start"] : passage["end"]] == passage["text"]


@FAST
@given(TEXT)
def test_text_fragment_decodes_to_the_quote(quote):
    link = text_fragment_link("https://example.org/a", quote)
    words = " ".join(quote.split())
    if not words:
        assert link == "https://example.org/a"
        return
    directive = link.partition("#:~:text=")[2]
    assert not set(directive) & set(" &-#\n"), directive
    parts = [unquote(part) for part in directive.split(",")]
    assert words.startswith(parts[0]) and words.endswith(parts[-1])


@pytest.mark.parametrize("suffix", [".txt", ".md", ".pdf"])
@SLOWER
@given(data=st.binary(max_size=2000))
def test_any_bytes_give_an_article_or_a_clear_error(suffix, data):
    try:
        article = parse_document(data, "upload" + suffix)
    except ArticleError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert article.text.strip() and article.title
        assert_spans_are_offsets(article.text, split_paragraphs(article.text))
