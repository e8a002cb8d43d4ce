"""Passages: sentence windows of one paragraph, tied to the article by offsets."""

import pytest

from index import Article, default_article, split_passages
from index.passages import MAX_PASSAGE_CHARS, QUOTE_WORDS, quoted, widen
from index.sentences import split_paragraphs


def article(text: str) -> Article:
    return Article(title="Test", text=text)


def windows(text: str, window: int = 2) -> list[tuple[int, int, int]]:
    """(¶, first sentence, last sentence) of every passage."""
    return [(p.paragraph, p.first_sentence, p.last_sentence) for p in split_passages(article(text), window)]


@pytest.mark.parametrize(
    ("text", "window", "expected"),
    [
        ("", 2, []),
        (" \n\n\t ", 2, []),
        ("One.", 2, [(1, 1, 1)]),
        ("One. Two.", 2, [(1, 1, 2)]),
        # every sentence starts a window; the last one, inside the window before it, is left out
        ("One. Two. Three.", 2, [(1, 1, 2), (1, 2, 3)]),
        ("One. Two. Three.", 1, [(1, 1, 1), (1, 2, 2), (1, 3, 3)]),
        ("One. Two. Three.", 3, [(1, 1, 3)]),
        # windows never cross a paragraph
        ("One. Two.\n\nThree. Four.", 2, [(1, 1, 2), (2, 1, 2)]),
        ("One.\n\nTwo.\n\nThree.", 2, [(1, 1, 1), (2, 1, 1), (3, 1, 1)]),
    ],
)
def test_windows(text, window, expected):
    assert windows(text, window) == expected


def assert_passages_are_offsets(passages, source: Article) -> None:
    paragraphs = {p.number: p for p in split_paragraphs(source.text)}
    for passage in passages:
        assert passage.article == source
        assert source.text[passage.start : passage.end] == passage.text
        assert passage.text and passage.text == passage.text.strip()
        paragraph = paragraphs[passage.paragraph]
        assert paragraph.span.start <= passage.start < passage.end <= paragraph.span.end
        assert 1 <= passage.first_sentence <= passage.last_sentence <= len(paragraph.sentences)
        assert passage.start == paragraph.sentences[passage.first_sentence - 1].start
        assert passage.end == paragraph.sentences[passage.last_sentence - 1].end


def test_seed_article_passages_are_offsets():
    seed = default_article()
    passages = split_passages(seed)
    assert len(passages) > 10
    assert_passages_are_offsets(passages, seed)
    # every sentence of the article is in some passage
    starts = {p.start for p in passages}
    for paragraph in split_paragraphs(seed.text):
        for sentence in paragraph.sentences:
            assert any(p.start <= sentence.start and sentence.end <= p.end for p in passages)
        assert paragraph.sentences[0].start in starts


def test_passage_numbers_are_a_citation():
    text = "First one. Second one.\n\nThird one. Fourth one. Fifth one."
    last = split_passages(article(text))[-1]
    assert (last.paragraph, last.first_sentence, last.last_sentence) == (2, 2, 3)
    assert last.text == "Fourth one. Fifth one."


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["word"] * 3000),
        ". ".join(["x" * 500] * 10),
        "a" * 5000,
    ],
    ids=["no punctuation", "long sentences", "no spaces"],
)
def test_passages_of_a_wall_of_text_stay_quotable(text):
    source = article(text)
    passages = split_passages(source)
    assert len(passages) > 1
    assert all(p.end - p.start <= MAX_PASSAGE_CHARS for p in passages)
    assert_passages_are_offsets(passages, source)


def test_a_window_of_several_sentences_stays_within_the_quote_s_words():
    long = " ".join(["word"] * (QUOTE_WORDS - 1)) + "."
    short = "Short one here."
    text = f"{short} {long} {short} {short}"
    source = article(text)
    # the long sentence cannot share a window with the one before it, nor after it
    assert windows(text) == [(1, 1, 1), (1, 2, 2), (1, 3, 4)]
    assert all(len(p.text.split()) <= QUOTE_WORDS for p in split_passages(source))
    # a single sentence longer than a quote is still a window of its own
    assert windows(" ".join(["word"] * (QUOTE_WORDS + 20)) + ".") == [(1, 1, 1)]


def test_widen_adds_neighbouring_sentences_of_the_paragraph():
    text = "Alpha one. Beta two. Gamma three. Delta four.\n\nOther paragraph here."
    source = article(text)
    paragraph = split_paragraphs(text)[0]
    middle = next(p for p in split_passages(source, window=1) if p.text == "Beta two.")
    wide = widen(middle, paragraph, max_words=100)
    assert wide.text == "Alpha one. Beta two. Gamma three. Delta four."
    assert (wide.first_sentence, wide.last_sentence) == (1, 4)
    assert_passages_are_offsets([wide], source)


@pytest.mark.parametrize("max_words", [0, 1, 2])
def test_widen_never_shrinks_and_respects_the_word_limit(max_words):
    text = "Alpha one. Beta two. Gamma three."
    source = article(text)
    paragraph = split_paragraphs(text)[0]
    middle = next(p for p in split_passages(source, window=1) if p.text == "Beta two.")
    assert widen(middle, paragraph, max_words=max_words) == middle


def test_widen_grows_within_the_word_limit():
    text = "Alpha one. Beta two. Gamma three. Delta four."
    source = article(text)
    paragraph = split_paragraphs(text)[0]
    middle = next(p for p in split_passages(source, window=1) if p.text == "Beta two.")
    wide = widen(middle, paragraph, max_words=5)
    assert wide.start <= middle.start and middle.end <= wide.end
    assert len(wide.text.split()) <= 5
    assert wide != middle


def test_quoted_runs_on_into_the_sentence_a_reader_s_words_end_in():
    text = "Alpha one. Beta two. Gamma three is a longer sentence. Delta four.\n\nOther paragraph here."
    source = article(text)
    paragraph = split_paragraphs(text)[0]
    beta = next(p for p in split_passages(source, window=1) if p.text == "Beta two.")
    # widen stops within 6 words ("Alpha one. Beta two."); the 6 words run into "Gamma …"
    assert widen(beta, paragraph, max_words=6).text == "Alpha one. Beta two."
    shown = quoted(beta, paragraph, max_words=6)
    assert shown.text == "Alpha one. Beta two. Gamma three is a longer sentence."
    assert (shown.first_sentence, shown.last_sentence) == (1, 3)
    assert_passages_are_offsets([shown], source)


@pytest.mark.parametrize(
    ("max_words", "shown", "expected"),
    [
        (4, (), "Alpha one. Beta two."),  # the widened passage fills the words: nothing runs on
        (6, (2,), "Alpha one. Beta two."),  # the next sentence is another hit's
        (100, (), "Alpha one. Beta two. Gamma three is a longer sentence. Delta four."),  # nothing after
    ],
)
def test_quoted_adds_no_sentence_it_should_not(max_words, shown, expected):
    text = "Alpha one. Beta two. Gamma three is a longer sentence. Delta four.\n\nOther paragraph here."
    paragraph = split_paragraphs(text)[0]
    beta = next(p for p in split_passages(article(text), window=1) if p.text == "Beta two.")
    assert quoted(beta, paragraph, shown, max_words).text == expected


def test_quoted_is_none_once_all_of_the_passage_is_shown():
    text = "Alpha one. Beta two. Gamma three."
    paragraph = split_paragraphs(text)[0]
    beta = next(p for p in split_passages(article(text), window=1) if p.text == "Beta two.")
    assert quoted(beta, paragraph, shown={1}) is None
