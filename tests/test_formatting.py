"""The article card and summaries as Telegram HTML: escaped, and within a message's limits."""

from __future__ import annotations

import pytest

from bot.formatting import (
    MAX_CHARS,
    MAX_ENTITIES,
    NO_KEY_SENTENCES,
    answer_reply,
    article_card,
    context_reply,
    fits,
    measure,
    summary_reply,
)
from index import Answer, Article, Index, default_article
from tests.fakebotapi import parse_html

BODY = "The council approved the new bridge on Monday. Building starts in spring. " * 3


def card_text(article: Article) -> str:
    text, _ = parse_html(article_card(article))
    return text


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({}, None),
        ({"source_name": "Newsweek"}, "Newsweek"),
        ({"author": "Jane Doe", "published": "2022-10-03"}, "By Jane Doe · 3 October 2022"),
        (
            {"author": "Jane Doe", "published": "2022-10-03T08:15:00+00:00", "source_name": "Gazette"},
            "By Jane Doe · 3 October 2022 · Gazette",
        ),
        ({"published": "2022"}, "2022"),  # not a full date: shown as it is
        ({"source_url": "https://news.example.com/a?b=1"}, "news.example.com"),  # no name: the host
        ({"source_url": "http://[::1/broken", "source_name": None}, None),  # no host to show
        ({"author": "  Jane\n Doe  "}, "By Jane Doe"),
    ],
)
def test_the_card_shows_what_is_known(fields: dict, details: str | None) -> None:
    lines = card_text(Article("Bridge approved", BODY, **fields)).split("\n")
    assert lines[0] == "Bridge approved"
    assert lines[1:] == ([details] if details else [])


def test_the_card_escapes_everything_and_links_the_title() -> None:
    article = Article(
        "<b>Tom & Jerry</b>",
        BODY,
        author="<script>alert(1)</script>",
        source_name="A&B <News>",
        source_url='https://example.com/?q="x"&y=<1>',
    )
    html = article_card(article)
    text, entities = parse_html(html)
    assert text == "<b>Tom & Jerry</b>\nBy <script>alert(1)</script> · A&B <News>"
    [link] = [e for e in entities if e["type"] == "text_link"]
    assert link["url"] == 'https://example.com/?q="x"&y=<1>' and link["offset"] == 0
    assert any(e["type"] == "bold" and e["offset"] == 0 for e in entities)


def test_long_card_fields_are_cut() -> None:
    text = card_text(Article("T", BODY, author="A" * 5000, source_name="S" * 5000))
    assert len(text) < 500 and "…" in text


def test_a_summary_quotes_every_key_sentence_that_fits_and_always_the_first() -> None:
    paragraphs = [f"Bridge {n} opens: " + " ".join(f"w{n}x{i}" for i in range(90)) + "." for n in range(12)]
    article = Article("T" * 200, "\n\n".join(paragraphs))
    answer = Index([article]).summary(article, k=12)
    assert len(answer.hits) == 12
    reply = summary_reply(answer)
    chars, entities = measure(reply.html)
    assert fits(reply.html) and chars <= MAX_CHARS and entities <= MAX_ENTITIES
    text, _ = parse_html(reply.html)
    assert answer.hits[0].passage.text in text and "[1] ¶1" in text
    assert answer.hits[-1].passage.text not in text, "the rest did not fit"


def test_a_summary_without_sentences_still_shows_the_card() -> None:
    article = Article("Empty", "", source_name="Gazette")
    reply = summary_reply(Answer("", [], True, 0.0, about=article))
    assert parse_html(reply.html)[0] == f"Empty\nGazette\n{NO_KEY_SENTENCES}"
    assert reply.buttons == ()


def test_an_answer_about_the_article_is_its_summary_on_every_page() -> None:
    index = Index([default_article()])
    answer = index.summary()
    assert answer_reply(answer, page=2) == answer_reply(answer) == summary_reply(answer)
    assert [b.data for b in summary_reply(answer).buttons] == ["c:0"]
    assert [b.data for b in context_reply(answer, 0).buttons] == ["p:0", "c:1"]
    assert [b.data for b in context_reply(answer, 2).buttons] == ["p:0"]
    plain = index.search("how many reservists?")
    assert answer_reply(plain).html != summary_reply(answer).html, "other answers are unchanged"
