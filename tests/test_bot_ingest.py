"""The ingestion lane end to end: heavy or slow /adds never hold up questions, a queued add says
so, an add a stop interrupted is finished at the next start, and what one chat added from
where stays that chat's."""

from __future__ import annotations

import pytest

from bot import delivery, ingest, isolated
from bot.reading import Source, prepare
from tests.botharness import running_bot
from tests.slow_reading import slow_prepare
from tests.test_bot_library import HONEY, HONEY_TITLE, ask, citation_links, in_progress, library, outcome
from tests.websites import LocalSite, pdf_bomb

TOO_LONG = f"I couldn't add that: {isolated.TOO_LONG}"


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def bob(fake_api):
    return fake_api.user(2002, "Bob", "bob")


def status_after(fake_api, sent: dict) -> dict:
    """The bot's progress message for the /add ``sent``."""
    return next(m for m in fake_api.bot_messages(sent["chat"]["id"]) if m["message_id"] > sent["message_id"])


def edits_of(fake_api, message: dict) -> list[str]:
    return [
        call.params["text"]
        for call in fake_api.calls("editMessageText")
        if int(call.params["message_id"]) == message["message_id"]
        and int(call.params["chat_id"]) == message["chat"]["id"]
    ]


async def test_questions_are_answered_while_an_add_is_read_and_a_restart_finishes_it(
    fake_api, tmp_path, alice, chat, bob, monkeypatch
):
    bobs_chat = fake_api.private_chat(bob)
    async with running_bot(fake_api, tmp_path) as app:
        sent = fake_api.send_document(chat, alice, "bomb.pdf", pdf_bomb(), "application/pdf", caption="/add")
        status = await fake_api.wait_for_bot_reply(chat, after=sent)
        answer = await ask(fake_api, bobs_chat, bob, "how many reservists?")
        same_chat = await ask(fake_api, chat, alice, "how many reservists?")
        assert fake_api.message(status)["text"] == "Reading the file…", "still reading (a minute if let run)"
        store = app.bot_data["services"].store
    assert "300,000" in answer["text"] and "300,000" in same_chat["text"]
    monkeypatch.setattr(isolated, "SECONDS", 1.0)
    async with running_bot(fake_api, tmp_path) as app:  # the add was under way: this start finishes it
        done = await fake_api.wait_for(
            lambda: (m := fake_api.message(status)) and not in_progress(m["text"]) and m, what="the add's end"
        )
        await app.bot_data["services"].ingest.join()
        store = app.bot_data["services"].store
        assert await library(app, chat) == []
        assert await store.pending_adds() == []
    assert done["text"] == TOO_LONG, "refused on its progress message, and nothing saved"


async def test_a_queued_add_says_so_and_when_it_starts(fake_api, tmp_path, alice, chat, bob, monkeypatch):
    monkeypatch.setattr(ingest, "READERS", 1)
    monkeypatch.setattr(ingest, "prepare", slow_prepare)
    monkeypatch.setattr(isolated, "SECONDS", 3.0)
    async with running_bot(fake_api, tmp_path) as app:
        slow = fake_api.send_text(chat, alice, "/add Slow read\n\nThis one takes its time.")
        await fake_api.wait_for_bot_reply(chat, after=slow)
        honey = fake_api.send_text(chat, alice, f"/add {HONEY}")
        result = await outcome(fake_api, chat, honey)
        assert await library(app, chat) == [HONEY_TITLE], result
        refused = await outcome(fake_api, chat, slow)
    status = status_after(fake_api, honey)
    waiting, started, done = edits_of(fake_api, status)
    assert waiting == "Waiting my turn: 1 article ahead of yours. I'll start on it as soon as I can."
    assert started == "Reading…"
    assert done.startswith(f"Added <b>{HONEY_TITLE}</b>")
    assert result.startswith(f"Added {HONEY_TITLE} as article 1")
    assert refused == TOO_LONG


async def test_links_that_never_answer_hold_up_no_question(
    fake_api, tmp_path, alice, chat, bob, site, monkeypatch
):
    # Fewer update workers than silent links: an /add that held one while fetching would
    # leave none for the question.
    monkeypatch.setattr(delivery, "CONCURRENT_UPDATES", 2)
    monkeypatch.setattr(ingest, "FETCHES", 2)
    users = [fake_api.user(3000 + n, f"User {n}") for n in range(3)]
    rooms = [fake_api.private_chat(user) for user in users]
    async with running_bot(fake_api, tmp_path, allow_private_urls=True):
        adds = [
            fake_api.send_text(room, user, f"/add {site.url('/silent')}")
            for room, user in zip(rooms, users, strict=True)
        ]
        statuses = [
            await fake_api.wait_for_bot_reply(room, after=add) for room, add in zip(rooms, adds, strict=True)
        ]
        answer = await ask(fake_api, fake_api.private_chat(bob), bob, "how many reservists?")
        third = await fake_api.wait_for(
            lambda: (m := fake_api.message(statuses[2])) and m["text"].startswith("Waiting") and m,
            what="the third add to be queued",
        )
        assert [fake_api.message(s)["text"] for s in statuses[:2]] == ["Fetching the page…"] * 2
    assert "300,000" in answer["text"]
    assert third["text"] == "Waiting my turn: 2 articles ahead of yours. I'll start on it as soon as I can."


async def test_a_chat_sees_only_the_source_it_added_the_article_from(
    fake_api, tmp_path, alice, chat, bob, site
):
    site.pages["/honey.txt"] = (HONEY.encode(), "text/plain; charset=utf-8")
    secret_link = site.url("/honey.txt?token=SECRET")
    bobs_chat = fake_api.private_chat(bob)
    async with running_bot(fake_api, tmp_path, allow_private_urls=True) as app:
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {secret_link}"))
        await outcome(fake_api, bobs_chat, fake_api.send_text(bobs_chat, bob, f"/add {HONEY}"))
        [mine], [theirs] = [await app.bot_data["services"].store.library(c["id"]) for c in (chat, bobs_chat)]
        assert mine.article == theirs.article, "the same article (stored once)"
        sources = [await ask(fake_api, c, u, "/sources") for c, u in ((chat, alice), (bobs_chat, bob))]
        answers = [await ask(fake_api, c, u, "how much honey?") for c, u in ((chat, alice), (bobs_chat, bob))]
    assert secret_link in citation_links(sources[0]) and secret_link in str(citation_links(answers[0]))
    for reply in (sources[1], answers[1]):
        assert "SECRET" not in str(reply), "the other chat's link is not shown"


async def test_a_page_keeps_its_author_and_date_across_a_restart(fake_api, tmp_path, alice, chat, site):
    site.pages["/authored"] = (
        b"<html><head><title>Tide tables</title><meta name='author' content='Jane Doe'>"
        b"<meta property='article:published_time' content='2024-03-05T08:00:00Z'></head><body><article>"
        + b"<p>The harbour master published new tide tables for the spring, with the highest tide "
        b"expected on the fourth of April at six in the morning.</p>" * 3 + b"</article></body></html>",
        "text/html; charset=utf-8",
    )
    async with running_bot(fake_api, tmp_path, allow_private_urls=True):
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {site.url('/authored')}"))
    async with running_bot(fake_api, tmp_path) as app:
        await ask(fake_api, chat, alice, "/sources")  # started
        [article] = [a for a in await app.bot_data["services"].libraries.articles(chat["id"]) if a.author]
    assert (article.author, article.published) == ("Jane Doe", "2024-03-05")


async def test_titles_lose_what_could_spoof_them_and_texts_their_nul_bytes(fake_api, tmp_path, alice, chat):
    document = (
        "\u202eTide\u200b tables\u202c\n\n" + "The tide is high today. " * 400 + "\x00 And low tonight."
    )
    async with running_bot(fake_api, tmp_path) as app:
        sent = fake_api.send_document(
            chat, alice, "tide.txt", document.encode(), "text/plain", caption="/add"
        )
        result = await outcome(fake_api, chat, sent)
        [entry] = await app.bot_data["services"].store.library(chat["id"])
    assert result.startswith("Added Tide tables as article 1")
    assert entry.article.title == "Tide tables"
    assert "\x00" not in entry.article.text and entry.article.text.endswith(" And low tonight.")


def test_reading_cleans_names_and_text():
    prepared = prepare(
        Source("text", "\u2066Moon\u2069 landing\u200d\x1b\n\nThe moon\x00 landing was in 1969.")
    )
    assert prepared.article.title == "Moon landing\u200d"
    assert prepared.article.text == "The moon landing was in 1969."
    assert (prepared.paragraphs, prepared.key_sentence) == (1, "The moon landing was in 1969.")
