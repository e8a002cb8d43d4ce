"""Conversations in the store, on both backends: chains of turns, topics, resets, migration.

The fixtures (a fresh SQLite file or PostgreSQL schema per test) are test_store's.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace

from bot.store import AnswerRecord, Store
from bot.store.base import TURN_CHARS
from bot.store.sqlite import _SELECT_ANSWER_TO, SQLiteStore
from tests import test_store
from tests.test_store import CHAT, OTHER, USER, Backend, last_answer, opened

backend, store = test_store.backend, test_store.store  # the fixtures, used by name

TOPIC, OTHER_TOPIC = 77, 91


def turn(message_id: int, follows: int | None = None, thread_id: int = 0, **fields: object) -> AnswerRecord:
    """An answer of CHAT to the question message just before it."""
    return AnswerRecord(
        CHAT,
        message_id,
        f"q{message_id}",
        message_id - 1,
        USER,
        thread_id=thread_id,
        follows=follows,
        **fields,
    )


async def test_a_turn_keeps_its_quote_its_topic_and_what_it_followed(store: Store) -> None:
    record = turn(
        10,
        follows=8,
        thread_id=TOPIC,
        article_id="0123456789abcdef",
        start=2**31 + 5,  # offsets past 32 bits: a long library
        end=2**31 + 90,
        passage="Putin responded by announcing on September 21 … naïve 😀",
    )
    await store.save_answer(record)
    assert await store.answer(CHAT, 10) == record
    declined = turn(12, follows=10, declined=True)
    summary = turn(14, summary=True, article_id="a", start=0, end=5, passage="Hello")
    for other in (declined, summary):
        await store.save_answer(other)
        assert await store.answer(CHAT, other.message_id) == other


async def test_a_turn_keeps_at_most_turn_chars_of_its_passage(store: Store) -> None:
    await store.save_answer(turn(10, article_id="a", start=0, end=10_000, passage="x" * 10_000))
    saved = await store.answer(CHAT, 10)
    assert saved is not None and saved.passage == "x" * TURN_CHARS
    assert (saved.start, saved.end) == (0, 10_000), "the place stays exact"


async def test_a_conversation_is_read_back_oldest_first_and_at_most_so_many_turns(store: Store) -> None:
    previous = None
    for message_id in range(2, 16, 2):  # 2 ← 4 ← 6 … ← 14: seven turns
        await store.save_answer(turn(message_id, follows=previous))
        previous = message_id
    assert [r.message_id for r in await store.conversation(CHAT, 14, 5)] == [6, 8, 10, 12, 14]
    assert [r.message_id for r in await store.conversation(CHAT, 6, 5)] == [2, 4, 6]
    assert [r.message_id for r in await store.conversation(CHAT, 2, 5)] == [2]
    assert [r.message_id for r in await store.conversation(CHAT, 14, 1)] == [14]
    assert await store.conversation(CHAT, 15, 5) == [], "no such answer"
    assert await store.conversation(OTHER, 14, 5) == [], "another chat's message 14"


async def test_the_latest_conversation_of_a_topic_is_read_in_one_call(store: Store) -> None:
    for record in (turn(2), turn(4, follows=2), turn(6, thread_id=TOPIC), turn(8, follows=4)):
        await store.save_answer(record)
    assert [r.message_id for r in await store.latest_conversation(CHAT, 0, 5)] == [2, 4, 8]
    assert [r.message_id for r in await store.latest_conversation(CHAT, 0, 2)] == [4, 8]
    assert [r.message_id for r in await store.latest_conversation(CHAT, TOPIC, 5)] == [6]
    assert await store.latest_conversation(OTHER, 0, 5) == []
    await store.reset(CHAT)
    assert await store.latest_conversation(CHAT, 0, 5) == [], "a reset starts afresh"


async def test_a_reply_to_an_old_answer_forks_its_conversation(store: Store) -> None:
    for record in (turn(2), turn(4, follows=2), turn(6, follows=4), turn(8, follows=2)):
        await store.save_answer(record)
    assert [r.message_id for r in await store.conversation(CHAT, 8, 5)] == [2, 8]
    assert [r.message_id for r in await store.conversation(CHAT, 6, 5)] == [2, 4, 6]


async def test_the_walk_stays_in_its_chat_and_never_loops(store: Store) -> None:
    await store.save_answer(turn(2))
    await store.save_answer(replace(turn(4, follows=2), chat_id=OTHER))  # 2 is CHAT's, not OTHER's
    assert [r.message_id for r in await store.conversation(OTHER, 4, 5)] == [4]
    # A link forward (never written by the bot, but a walk must end whatever the rows say).
    await store.save_answer(turn(10, follows=12))
    await store.save_answer(turn(12, follows=10))
    assert [r.message_id for r in await store.conversation(CHAT, 12, 5)] == [10, 12]


async def test_each_forum_topic_has_its_own_latest_answer_and_reset(store: Store) -> None:
    for record in (turn(2), turn(4, thread_id=TOPIC), turn(6, thread_id=OTHER_TOPIC), turn(8)):
        await store.save_answer(record)
    assert (await last_answer(store, CHAT)).message_id == 8  # type: ignore[union-attr]
    assert (await last_answer(store, CHAT, TOPIC)).message_id == 4  # type: ignore[union-attr]
    assert (await last_answer(store, CHAT, OTHER_TOPIC)).message_id == 6  # type: ignore[union-attr]
    assert await last_answer(store, CHAT, 12345) is None

    await store.reset(CHAT, TOPIC)
    assert await last_answer(store, CHAT, TOPIC) is None
    assert (await last_answer(store, CHAT, OTHER_TOPIC)).message_id == 6  # type: ignore[union-attr]
    assert (await last_answer(store, CHAT)).message_id == 8  # type: ignore[union-attr]
    await store.save_answer(turn(10, thread_id=TOPIC))
    assert (await last_answer(store, CHAT, TOPIC)).message_id == 10  # type: ignore[union-attr]

    await store.reset(CHAT)
    assert await last_answer(store, CHAT) is None
    assert (await last_answer(store, CHAT, TOPIC)).message_id == 10  # type: ignore[union-attr]
    assert [r.message_id for r in await store.conversation(CHAT, 8, 5)] == [8], "replies still resolve"


async def test_another_process_reads_the_conversation_at_once(backend: Backend) -> None:
    async with opened(backend.make()) as first, opened(backend.make()) as second:
        await first.save_answer(turn(2))
        await second.save_answer(turn(4, follows=2))
        assert [r.message_id for r in await first.conversation(CHAT, 4, 5)] == [2, 4]
        assert (await last_answer(first, CHAT)).message_id == 4  # type: ignore[union-attr]
        await first.reset(CHAT)
        assert await last_answer(second, CHAT) is None


async def test_a_version_3_database_keeps_its_answers_and_resets(backend: Backend) -> None:
    async with opened(backend.make(), schema_version=3):
        pass
    columns = "chat_id, message_id, question, previous_question, question_message_id, asked_by_id, page"
    for chat, message_id, previous in ((CHAT, 3, "NULL"), (CHAT, 5, "'q3'"), (OTHER, 7, "NULL")):
        backend.query(
            f"INSERT INTO answers ({columns}, created_at) VALUES ({chat}, {message_id}, 'q{message_id}',"
            f" {previous}, {message_id - 1}, {USER}, 1, '2024-01-01 00:00:00+00')"
        )
    backend.query(f"INSERT INTO conversations VALUES ({CHAT}, 5, '2024-01-01 00:00:00+00')")  # a /reset

    async with opened(backend.make()) as migrated:
        assert await migrated.answer(CHAT, 5) == AnswerRecord(CHAT, 5, "q5", 4, USER, page=1)
        assert await last_answer(migrated, CHAT) is None, "the reset is kept"
        assert (await last_answer(migrated, OTHER)).message_id == 7  # type: ignore[union-attr]
        await migrated.save_answer(turn(9, follows=5))
        assert [r.message_id for r in await migrated.conversation(CHAT, 9, 5)] == [5, 9]
        await migrated.reset(OTHER)
        assert await last_answer(migrated, OTHER) is None


async def test_sqlite_finds_the_answer_to_a_question_without_reading_the_chats_other_answers(
    tmp_path,
) -> None:
    # answer_to runs before every answer: read through the chat's answers in message order, it
    # took 2 ms in a chat with 5,000 of them (the index once lacked message_id).
    store = SQLiteStore(tmp_path / "plan.db")
    await store.open()
    await store.close()
    with closing(sqlite3.connect(tmp_path / "plan.db")) as conn:
        plan = " ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + _SELECT_ANSWER_TO, (CHAT, 9)))
    assert "USING INDEX answers_question (chat_id=? AND question_message_id=?)" in plan
    assert "TEMP B-TREE" not in plan, "no sort: the index gives the order"
