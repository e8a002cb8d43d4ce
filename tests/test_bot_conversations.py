"""Conversations, end to end: follow-ups in private chats, groups, reply chains and forum topics,
edits, buttons, /reset and restarts — on SQLite and on PostgreSQL (the store holds them all).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from bot import formatting, questions
from bot.library import search
from index import Index, Turn, default_article
from tests.botharness import running_bot
from tests.fakebotapi import parse_html
from tests.test_store import POSTGRES_URL, skip_without_postgres

pytestmark = pytest.mark.asyncio

YUSOV = "who is Andriy Yusov?"
CALLING = "what did he say people were calling?"  # "he": Yusov after YUSOV, Putin after RESERVISTS
RESERVISTS = "how many reservists?"
DECLINED = "doesn't seem to say"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[dict]:
    """running_bot's settings for a store of its own: SQLite in the data dir, or a fresh
    PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield {}
        return
    skip_without_postgres()
    schema = f"test_bot_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options={quote(f'-c search_path={schema}')}"
    try:
        yield {"database_url": url}
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def histories(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Turn, ...]]]:
    """Every (question, history) the bot gives the index, in order."""
    given: list[tuple[str, tuple[Turn, ...]]] = []

    async def recording_search(index, question, history=(), k=5):
        given.append((question, tuple(history)))
        return await search(index, question, history, k)

    monkeypatch.setattr(questions, "search", recording_search)
    return given


@pytest.fixture
def members(fake_api):
    return fake_api.user(2001, "Ann", "ann"), fake_api.user(2002, "Bob", "bob"), fake_api.user(2003, "Cy")


async def ask(fake_api, chat: dict, user: dict, text: str, **where: object) -> dict:
    """``user`` sends ``text`` (in a topic, or as a reply: ``where``); the bot's reply to it."""
    question = fake_api.send_text(chat, user, text, **where)
    return await fake_api.wait_for_bot_reply(chat, after=question)


def alone(question: str) -> str:
    """The passage the index quotes first for ``question`` asked with no history."""
    return Index([default_article()]).search(question).hits[0].passage.text


# --- private chats ------------------------------------------------------------------------------------------
async def test_when_after_what_did_putin_announce_is_september_21(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        first = await ask(fake_api, chat, alice, "what did putin announce?")
        when = await ask(fake_api, chat, alice, "when?")
    assert "300,000 reservists" in first["text"]
    assert "September 21" in when["text"]
    assert DECLINED not in when["text"]


async def test_are_you_sure_shows_the_last_answer_again_and_the_chat_goes_on_from_it(
    fake_api, tmp_path, alice, chat
):
    async with running_bot(fake_api, tmp_path):
        first = await ask(fake_api, chat, alice, "what did putin announce?")
        sure = await ask(fake_api, chat, alice, "are you sure?")
        before = await ask(fake_api, chat, alice, "what happened before that?")
    assert sure["text"] == first["text"], "the same passage and citation"
    assert "2,316 square miles" in before["text"], "the paragraph before the announcement's"


async def test_going_on_past_the_last_paragraph_says_the_article_ends_there(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        last = await ask(fake_api, chat, alice, "what does newsweek say?")
        after = await ask(fake_api, chat, alice, "what happened next?")
    assert "reached out to the Russian Defense Ministry" in last["text"]
    assert after["text"] == formatting.PAST["end"], "not another paragraph, nor 'found nothing'"


async def test_the_index_gets_every_earlier_turn_with_the_quoted_passage_and_its_place(
    fake_api, tmp_path, alice, chat, histories
):
    async with running_bot(fake_api, tmp_path):
        first = await ask(fake_api, chat, alice, "what did putin announce?")
        await ask(fake_api, chat, alice, "when?")
        await ask(fake_api, chat, alice, "who won the world cup in 2018?")  # declined: a turn all the same
        await ask(fake_api, chat, alice, RESERVISTS)
        await ask(fake_api, chat, alice, "/reset")
        await ask(fake_api, chat, alice, "and how did people react?")
    article = default_article()
    [(_, none), (_, [announce]), (_, [_, when]), (_, [_, _, world_cup]), (_, after_reset)] = histories
    assert none == () and after_reset == ()
    assert announce.question == "what did putin announce?" and announce.article_id == article.id
    assert "September 21" in announce.answer and announce.answer in first["text"]
    assert article.text[announce.start : announce.end] == announce.answer, "its place in the article"
    assert when.question == "when?"
    assert world_cup == Turn("who won the world cup in 2018?"), "declined: no answer, no place"


async def test_an_edited_question_keeps_the_context_it_was_asked_in(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, chat, alice, YUSOV)
        follow_up = fake_api.send_text(chat, alice, "how much territory has Ukraine retaken?")
        answer = await fake_api.wait_for_bot_reply(chat, after=follow_up)
        await ask(fake_api, chat, alice, RESERVISTS)  # the latest turn is now about Putin
        fake_api.edit_text(follow_up, CALLING)
        edited = await fake_api.wait_for(
            lambda: (m := fake_api.message(answer)) and m["text"] != answer["text"] and m,
            what="the edited answer",
        )
    assert "2,316 square miles" in answer["text"]
    assert "hotline" in edited["text"], "re-answered after YUSOV, not after RESERVISTS"
    assert len(fake_api.bot_messages(chat)) == 3


async def test_paging_an_answer_reruns_it_with_its_own_history(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, chat, alice, YUSOV)
        answer = await ask(fake_api, chat, alice, CALLING)
        await ask(fake_api, chat, alice, RESERVISTS)
        fake_api.press_button(answer, alice, "p:1")
        second = await fake_api.wait_for(
            lambda: (m := fake_api.message(answer)) and "[2]" in m["text"] and m, what="page 2"
        )
        fake_api.press_button(second, alice, "p:0")
        back = await fake_api.wait_for(
            lambda: (m := fake_api.message(answer)) and "[1]" in m["text"] and m, what="page 1 again"
        )
    assert "hotline" in answer["text"]
    assert back["text"] == answer["text"], "the same ranking: the history it was answered with"


async def test_inline_queries_have_no_history(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, chat, alice, YUSOV)
        query = fake_api.inline_query(alice, CALLING)
        results = await fake_api.wait_for(lambda: fake_api.inline_results(query), what="inline results")
    first, _ = parse_html(results[0]["input_message_content"]["message_text"])
    assert alone(CALLING) in first and "hotline" not in first


async def test_a_restart_keeps_the_conversation(fake_api, tmp_path, alice, chat, database):
    async with running_bot(fake_api, tmp_path, **database):
        first = await ask(fake_api, chat, alice, YUSOV)
    async with running_bot(fake_api, tmp_path, **database):
        follow_up = await ask(fake_api, chat, alice, CALLING)
        fake_api.press_button(first, alice, "c:0")  # the old answer's buttons still work
        await fake_api.wait_for(
            lambda: fake_api.message(first)["text"].startswith("Context of [1]"), what="the context view"
        )
    assert "hotline" in follow_up["text"]


# --- groups -------------------------------------------------------------------------------------------------
async def test_a_member_follows_up_another_members_answer_without_replying(
    fake_api, tmp_path, members, database
):
    ann, bob, cy = members
    group = fake_api.group_chat("News club")
    async with running_bot(fake_api, tmp_path, **database):
        await ask(fake_api, group, ann, f"/ask {YUSOV}")
        follow_up = await ask(fake_api, group, bob, f"/ask {CALLING}")
        await ask(fake_api, group, cy, f"/ask {RESERVISTS}")
        mention = await ask(fake_api, group, ann, f"@ArticleQABot {CALLING}")
    assert "hotline" in follow_up["text"], "Bob's question continues Ann's"
    assert "Putin" in mention["text"] and "hotline" not in mention["text"], "a mention continues the latest"


async def test_a_members_own_question_is_not_declined_for_following_another(fake_api, tmp_path, members):
    ann, bob, _ = members
    group = fake_api.group_chat("News club")
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, group, ann, "/ask how many soldiers were called up?")
        reservists = await ask(fake_api, group, bob, f"/ask {RESERVISTS}")
    assert "300,000 reservists" in reservists["text"] and DECLINED not in reservists["text"]


async def test_the_issues_group_conversation(fake_api, tmp_path, members):
    ann, bob, _ = members
    group = fake_api.group_chat("News club")
    async with running_bot(fake_api, tmp_path):
        announce = await ask(fake_api, group, ann, "/ask what did Putin announce?")
        when = await ask(fake_api, group, ann, "/ask when?")
        reaction = await ask(fake_api, group, bob, "/ask and how did people react?")
    assert "300,000 reservists" in announce["text"]
    assert "September 21" in when["text"] and DECLINED not in when["text"]
    # How something was received is what the article says of its reception: the announcement's
    # own passage, "The order was met with protests".
    assert "met with protests" in reaction["text"] and DECLINED not in reaction["text"]


async def test_a_reply_to_an_older_answer_continues_that_one_not_the_latest(
    fake_api, tmp_path, members, histories
):
    ann, bob, cy = members
    group = fake_api.group_chat("News club")
    async with running_bot(fake_api, tmp_path):
        yusov = await ask(fake_api, group, ann, f"/ask {YUSOV}")
        await ask(fake_api, group, bob, f"/ask {RESERVISTS}")  # the chat's latest answer: about Putin
        reply = await ask(fake_api, group, cy, CALLING, reply_to=yusov)
        await ask(fake_api, group, bob, "and what did he say about calls?", reply_to=reply)
        await ask(fake_api, group, ann, f"/ask {RESERVISTS}")
    assert "hotline" in reply["text"], "Cy's reply continues Ann's answer about Yusov"
    asked = [[turn.question for turn in history] for _, history in histories]
    assert asked[2] == [YUSOV]
    assert asked[3] == [YUSOV, CALLING], "a reply to the reply goes on with the same chain"
    assert asked[4] == [YUSOV, CALLING, "and what did he say about calls?"], "then the chat goes on from it"


# --- forum topics ------------------------------------------------------------------------------------------
@pytest.fixture
def forum(fake_api, members):
    """A forum with two topics: (the chat, topic "Yusov", topic "Mobilisation")."""
    ann, bob, _ = members
    chat = fake_api.forum_chat("Readers' forum")
    return chat, fake_api.create_topic(chat, ann, "Yusov"), fake_api.create_topic(chat, bob, "Mobilisation")


async def test_forum_topics_do_not_share_context(fake_api, tmp_path, members, forum, database):
    ann, bob, _ = members
    chat, yusov, mobilisation = forum
    async with running_bot(fake_api, tmp_path, **database):
        await ask(fake_api, chat, ann, f"/ask {YUSOV}", topic=yusov)
        await ask(fake_api, chat, bob, f"/ask {RESERVISTS}", topic=mobilisation)
        in_yusov = await ask(fake_api, chat, bob, f"/ask {CALLING}", topic=yusov)
        in_mobilisation = await ask(fake_api, chat, ann, f"@ArticleQABot {CALLING}", topic=mobilisation)
        in_general = await ask(fake_api, chat, ann, f"/ask {CALLING}")
    assert "hotline" in in_yusov["text"]
    assert "Putin" in in_mobilisation["text"] and "hotline" not in in_mobilisation["text"]
    assert alone(CALLING) in in_general["text"], "the General topic has a conversation of its own"
    assert in_yusov["message_thread_id"] == yusov["message_thread_id"], "answered in its topic"
    assert in_mobilisation["message_thread_id"] == mobilisation["message_thread_id"]
    assert "message_thread_id" not in in_general


async def test_reset_in_a_topic_forgets_that_topics_conversation_only(fake_api, tmp_path, members, forum):
    ann, bob, _ = members
    chat, yusov, mobilisation = forum
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, chat, ann, f"/ask {YUSOV}", topic=yusov)
        await ask(fake_api, chat, bob, f"/ask {RESERVISTS}", topic=mobilisation)
        reset = await ask(fake_api, chat, ann, "/reset", topic=yusov)
        in_yusov = await ask(fake_api, chat, ann, f"/ask {CALLING}", topic=yusov)
        in_mobilisation = await ask(fake_api, chat, bob, f"/ask {CALLING}", topic=mobilisation)
    assert "in this topic" in reset["text"] and reset["message_thread_id"] == yusov["message_thread_id"]
    assert alone(CALLING) in in_yusov["text"], "/reset forgot the topic's conversation"
    assert "Putin" in in_mobilisation["text"], "…and only that topic's"
