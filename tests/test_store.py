"""The store's behaviour, run against both backends: SQLite in tmp_path, PostgreSQL in a fresh schema.

PostgreSQL is the server at $TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
each test gets a schema of its own (search_path), dropped afterwards. If the server is not
reachable, the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.reading import Source, prepare
from bot.store import (
    AnswerRecord,
    ChatSettings,
    PendingAdd,
    PostgresStore,
    SQLiteStore,
    Store,
    StoreUnavailable,
    open_store,
)
from bot.store import postgres as postgres_backend
from bot.store import sqlite as sqlite_backend
from index import Article

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# 64-bit ids well beyond 32 bits: supergroup ids are negative, user ids grow past 2**32.
CHAT = -1_001_234_567_890_123
OTHER = 2**62 + 7
USER = 2**40 + 1
LATEST = sqlite_backend.LATEST_VERSION
assert postgres_backend.LATEST_VERSION == LATEST


@dataclass
class Backend:
    """One test's database: make stores on it, and look behind the interface with raw SQL."""

    name: str
    make: Callable[..., Any]  # a new, unopened store on this database (keyword options passed on)
    query: Callable[[str], list[tuple[Any, ...]]]
    version_sql: str  # the schema version as the backend records it
    set_version_sql: str  # {} = a version number


def article(n: int, size: int = 100) -> Article:
    return Article(
        title=f"Article {n}",
        text=f"Text {n}: naïve café 日本 😀 " + "x" * size,
        language="en",
        source_name="Example News",
        source_url=f"https://example.com/{n}",
    )


@functools.cache
def postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=2):
            return None
    except psycopg.Error as error:
        where = conninfo_to_dict(POSTGRES_URL)
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return (
            f"PostgreSQL not reachable at {where.get('host')}:{where.get('port')} "
            f"db={where.get('dbname')} ({first_line}); set TEST_POSTGRES_URL or start the server"
        )


def skip_without_postgres() -> None:
    reason = postgres_unreachable()
    if reason:
        pytest.skip(reason)


def sqlite_backend_at(path: Path) -> Backend:
    def query(statement: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            return conn.execute(statement).fetchall()
        finally:
            conn.close()

    return Backend(
        "sqlite",
        lambda **options: SQLiteStore(path, **options),
        query,
        "PRAGMA user_version",
        "PRAGMA user_version = {}",
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield sqlite_backend_at(tmp_path / "not" / "yet" / "there" / "bot.sqlite3")  # open() creates dirs
        return
    skip_without_postgres()
    schema = f"test_store_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    dsn = make_conninfo(POSTGRES_URL, options=f"-c search_path={schema}")

    def query(statement: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            cursor = conn.execute(statement.encode())  # raw: no placeholders
            return cursor.fetchall() if cursor.description else []

    try:
        yield Backend(
            "postgres",
            lambda **options: PostgresStore(dsn, **options),
            query,
            "SELECT max(version) FROM schema_version",
            "INSERT INTO schema_version (version) VALUES ({})",
        )
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@asynccontextmanager
async def opened(store: Any, **options: Any) -> AsyncIterator[Any]:
    await store.open(**options)
    try:
        yield store
    finally:
        await store.close()


async def last_answer(store: Store, chat_id: int, thread_id: int = 0) -> AnswerRecord | None:
    """The answer a new question in the chat's topic follows (the last of its conversation)."""
    records = await store.latest_conversation(chat_id, thread_id, 1)
    return records[-1] if records else None


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    async with opened(backend.make()) as store:
        yield store


def count(backend: Backend, table: str) -> int:
    return backend.query(f"SELECT count(*) FROM {table}")[0][0]


def handle(backend: Backend, update_id: int) -> None:
    """Record an update handled behind the store's back (as a bot of that schema version did)."""
    later = "2099-01-01T00:00:00+00:00"  # never pruned for its age
    backend.query(f"INSERT INTO handled_updates (update_id, handled_at) VALUES ({update_id}, '{later}')")


# --- libraries ---------------------------------------------------------------------------------------
async def test_add_list_remove_and_numbering(store: Store) -> None:
    a, b, c = article(1), article(2), article(3)
    first = await store.add_article(CHAT, a, "Ann", USER)
    assert first.number == 1
    assert first.article == a and first.article.text == a.text
    assert (first.article.title, first.article.language) == (a.title, a.language)
    assert (first.article.source_name, first.article.source_url) == (a.source_name, a.source_url)
    assert (first.added_by, first.added_by_id) == ("Ann", USER)
    assert (await store.add_article(CHAT, b, "Bob", USER + 1)).number == 2
    assert (await store.add_article(CHAT, c, "Ann", USER)).number == 3
    assert [(e.number, e.article) for e in await store.library(CHAT)] == [(1, a), (2, b), (3, c)]

    removed = await store.remove_article(CHAT, 2)
    assert removed is not None
    assert (removed.number, removed.article, removed.added_by) == (2, b, "Bob")
    assert [(e.number, e.article) for e in await store.library(CHAT)] == [(1, a), (2, c)]

    again = await store.add_article(CHAT, b, "Cid", 5)  # back at the end of the list
    assert (again.number, again.added_by) == (3, "Cid")
    duplicate = await store.add_article(CHAT, a, "Dan", 6)  # already there: its existing entry
    assert (duplicate.number, duplicate.added_by, duplicate.added_at) == (1, "Ann", first.added_at)
    assert [e.article for e in await store.library(CHAT)] == [a, c, b]


async def test_same_article_in_two_chats_is_stored_once_and_chats_are_isolated(
    backend: Backend, store: Store
) -> None:
    a, b = article(1), article(2)
    await store.add_article(CHAT, a, "Ann", USER)
    await store.add_article(OTHER, b, "Bob", 2)
    on_other = await store.add_article(OTHER, a, "Bob", 2)
    assert on_other.number == 2 and on_other.added_by == "Bob"
    assert count(backend, "articles") == 2
    assert [e.article for e in await store.library(CHAT)] == [a]
    assert [e.article for e in await store.library(OTHER)] == [b, a]
    assert await store.library(12345) == []

    assert (await store.remove_article(CHAT, 1)).article == a  # type: ignore[union-attr]
    assert count(backend, "articles") == 2  # still in OTHER
    assert [e.article for e in await store.library(OTHER)] == [b, a]
    assert await store.remove_article(CHAT, 1) is None  # CHAT's list is empty; OTHER's untouched
    assert len(await store.library(OTHER)) == 2

    await store.remove_article(OTHER, 2)
    assert backend.query("SELECT id FROM articles") == [(b.id,)]  # a was in no chat any more
    await store.remove_article(OTHER, 1)
    assert count(backend, "articles") == 0


async def test_each_chat_keeps_the_source_of_its_own_add(store: Store) -> None:
    linked = replace(
        article(1),
        source_name="Example News",
        source_url="https://example.com/1?token=SECRET",
        author="Ann Writer",
        published="2024-05-01",
    )
    pasted = replace(linked, source_name="Forwarded from Bob", source_url=None, author=None, published=None)
    await store.add_article(CHAT, linked, "Ann", USER)
    await store.add_article(OTHER, pasted, "Bob", 2)
    again = await store.add_article(CHAT, pasted, "Ann", USER)  # already there: its own entry stays
    [mine], [theirs] = await store.library(CHAT), await store.library(OTHER)
    for entry, expected in ((mine, linked), (theirs, pasted), (again, linked)):
        got = entry.article
        assert (got.source_name, got.source_url, got.author, got.published) == (
            expected.source_name,
            expected.source_url,
            expected.author,
            expected.published,
        )
    assert (await store.remove_article(OTHER, 1)).article.source_name == "Forwarded from Bob"  # type: ignore[union-attr]


async def test_an_article_read_with_nul_bytes_is_stored_alike(store: Store) -> None:
    # PostgreSQL refuses NUL in text, SQLite keeps it: the lane takes it out on the way in.
    prepared = prepare(Source("file", b"Nul\n\n" + b"Some words. " * 1000 + b"\x00The end.", "nul.txt"))
    entry = await store.add_article(CHAT, prepared.article, "Ann", USER)
    assert [e.article.text for e in await store.library(CHAT)] == [entry.article.text]
    assert entry.article.text.endswith("Some words. The end.")


async def test_adds_under_way_are_kept_until_ended(backend: Backend) -> None:
    first, second = PendingAdd(CHAT, 5, 6, '{"kind": "page"}'), PendingAdd(OTHER, 5, 9, '{"kind": "text"}')
    async with opened(backend.make()) as store:
        assert await store.begin_add(first)
        assert await store.begin_add(second)
        assert not await store.begin_add(replace(first, status_message_id=7)), "one add per /add message"
    async with opened(backend.make()) as store:  # a restart keeps them
        assert await store.pending_adds() == [first, second]
        await store.end_add(CHAT, 5)
        await store.end_add(CHAT, 5)  # ending twice is fine
        assert await store.pending_adds() == [second]


@pytest.mark.parametrize("number", [0, -1, 3, 10**30])
async def test_removing_an_out_of_range_number_changes_nothing(
    backend: Backend, store: Store, number: int
) -> None:
    await store.add_article(CHAT, article(1), "Ann", USER)
    await store.add_article(CHAT, article(2), "Ann", USER)
    before, version = await store.library(CHAT), await store.library_version(CHAT)
    assert await store.remove_article(CHAT, number) is None
    assert await store.library(CHAT) == before
    assert await store.library_version(CHAT) == version
    assert await store.remove_article(OTHER, 1) is None  # a chat that never added anything
    assert count(backend, "articles") == 2


async def test_library_version_changes_with_every_change_of_that_chat(store: Store) -> None:
    seen = [await store.library_version(CHAT)]

    async def changed() -> None:
        version = await store.library_version(CHAT)
        assert version not in seen
        seen.append(version)

    await store.add_article(CHAT, article(1), "Ann", USER)
    await changed()
    await store.add_article(CHAT, article(2), "Ann", USER)
    await changed()
    await store.add_article(CHAT, article(1), "Ann", USER)  # already there: nothing changed
    assert await store.library_version(CHAT) == seen[-1]
    await store.remove_article(CHAT, 1)
    await changed()
    await store.save_settings(CHAT, ChatSettings(include_default=False))
    await changed()
    await store.add_article(OTHER, article(3), "Bob", 2)  # another chat's change
    await store.save_settings(OTHER, ChatSettings(everyone_can_edit=True))
    assert await store.library_version(CHAT) == seen[-1]


async def test_library_size_counts_articles_and_characters(store: Store) -> None:
    assert await store.library_size(CHAT) == (0, 0)
    a, b = article(1, size=1000), article(2, size=50)
    await store.add_article(CHAT, a, "Ann", USER)
    await store.add_article(CHAT, b, "Ann", USER)
    await store.add_article(OTHER, article(3, size=5000), "Bob", 2)
    assert await store.library_size(CHAT) == (2, len(a.text) + len(b.text))  # characters, not bytes
    await store.remove_article(CHAT, 1)
    assert await store.library_size(CHAT) == (1, len(b.text))


async def test_settings_round_trip(store: Store) -> None:
    assert await store.settings(CHAT) == ChatSettings()
    await store.save_settings(CHAT, ChatSettings(include_default=False, everyone_can_edit=True))
    assert await store.settings(CHAT) == ChatSettings(include_default=False, everyone_can_edit=True)
    await store.save_settings(CHAT, ChatSettings(include_default=True, everyone_can_edit=False))
    assert await store.settings(CHAT) == ChatSettings(include_default=True, everyone_can_edit=False)
    assert await store.settings(OTHER) == ChatSettings()
    await store.add_article(CHAT, article(1), "Ann", USER)  # adding keeps the settings
    assert await store.settings(CHAT) == ChatSettings(include_default=True, everyone_can_edit=False)


async def test_datetimes_are_timezone_aware_utc(store: Store) -> None:
    entry = await store.add_article(CHAT, article(1), "Ann", USER)
    listed = (await store.library(CHAT))[0]
    for moment in (entry.added_at, listed.added_at):
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
    assert listed.added_at == entry.added_at


# --- conversations --------------------------------------------------------------------------------------
async def test_answers_round_trip_and_answer_to_after_an_edit(store: Store) -> None:
    first = AnswerRecord(CHAT, 2**40 + 10, "who called up reservists?", 2**40 + 9, USER)
    await store.save_answer(first)
    assert await store.answer(CHAT, first.message_id) == first
    assert await store.answer(CHAT, first.message_id + 1) is None
    assert await store.answer(OTHER, first.message_id) is None
    assert await store.answer_to(CHAT, first.question_message_id) == first  # type: ignore[arg-type]

    paged = replace(first, page=3)  # the same message, now showing another hit
    await store.save_answer(paged)
    assert await store.answer(CHAT, first.message_id) == paged

    edited = replace(first, question="how many reservists?", page=0)  # the user edited the question
    await store.save_answer(edited)
    assert await store.answer_to(CHAT, first.question_message_id) == edited  # type: ignore[arg-type]

    anew = AnswerRecord(CHAT, first.message_id + 5, "how many exactly?", first.question_message_id, USER)
    await store.save_answer(anew)  # answered the edit with a new message: the latest wins
    assert await store.answer_to(CHAT, first.question_message_id) == anew  # type: ignore[arg-type]
    assert await store.answer_to(OTHER, first.question_message_id) is None  # type: ignore[arg-type]

    follow_up = AnswerRecord(
        CHAT, first.message_id + 7, "and when?", None, None, follows=anew.message_id, page=1
    )
    await store.save_answer(follow_up)
    assert await store.answer(CHAT, follow_up.message_id) == follow_up


async def test_last_answer_and_reset(store: Store) -> None:
    assert await last_answer(store, CHAT) is None
    await store.reset(CHAT)  # nothing to forget: fine
    one = AnswerRecord(CHAT, 10, "q1", 9, USER)
    two = AnswerRecord(CHAT, 12, "q2", 11, USER, follows=10)
    other = AnswerRecord(OTHER, 5, "elsewhere", 4, 2)
    for record in (one, two, other):
        await store.save_answer(record)
    assert await last_answer(store, CHAT) == two
    await store.save_answer(replace(one, page=1))  # paging an older answer does not make it the last
    assert await last_answer(store, CHAT) == two

    await store.reset(CHAT)
    assert await last_answer(store, CHAT) is None
    assert await last_answer(store, OTHER) == other
    await store.save_answer(replace(two, page=2))  # an answer from before the reset stays forgotten
    assert await last_answer(store, CHAT) is None
    assert await store.answer(CHAT, 12) == replace(two, page=2)  # …but replies to it still resolve

    three = AnswerRecord(CHAT, 14, "q3", 13, USER)
    await store.save_answer(three)
    assert await last_answer(store, CHAT) == three
    await store.reset(CHAT)
    await store.reset(CHAT)
    assert await last_answer(store, CHAT) is None


# --- schema -----------------------------------------------------------------------------------------------
async def test_opening_twice_and_concurrently_is_idempotent(backend: Backend) -> None:
    first, second = backend.make(), backend.make()
    await asyncio.gather(first.open(), second.open())  # two processes starting together
    try:
        await first.add_article(CHAT, article(1), "Ann", USER)
        await first.open()  # again, on an open store
        third = backend.make()
        async with opened(third):
            assert [e.article for e in await third.library(CHAT)] == [article(1)]
        assert backend.query(backend.version_sql)[0][0] == LATEST
    finally:
        await first.close()
        await second.close()
        await second.close()  # closing twice is fine


def add_as_version_3_did(
    backend: Backend, chat_id: int, added: Article, by: str, by_id: int, at: str, *, stored: bool = True
) -> None:
    """Add ``added`` to a chat's library as bots up to schema version 3 did: the article row
    (written by the chat that added it first, with that chat's source) and the chat's entry."""

    def literal(value: str | None) -> str:
        return "NULL" if value is None else "'" + value.replace("'", "''") + "'"

    if stored:
        backend.query(
            "INSERT INTO articles (id, title, text, text_length, language, source_name, source_url, "
            f"created_at) VALUES ({literal(added.id)}, {literal(added.title)}, {literal(added.text)}, "
            f"{len(added.text)}, 'en', {literal(added.source_name)}, {literal(added.source_url)}, '{at}')"
        )
    backend.query(
        "INSERT INTO chat_articles (chat_id, article_id, added_at, added_by, added_by_id) "
        f"VALUES ({chat_id}, {literal(added.id)}, '{at}', {literal(by)}, {by_id})"
    )
    backend.query(
        f"INSERT INTO chat_settings (chat_id, version) VALUES ({chat_id}, 1) ON CONFLICT DO NOTHING"
    )


async def test_a_version_1_database_is_migrated_keeping_its_data(backend: Backend) -> None:
    async with opened(backend.make(), schema_version=1):
        pass
    handle(backend, 7)
    add_as_version_3_did(backend, CHAT, article(1), "Ann", USER, "2024-05-01T10:00:00.000000+00:00")
    assert backend.query(backend.version_sql)[0][0] == 1
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        backend.query("SELECT count(*) FROM answers")  # not there yet at version 1

    async with opened(backend.make()) as store:
        assert backend.query(backend.version_sql)[0][0] == LATEST
        assert [e.article for e in await store.library(CHAT)] == [article(1)]
        assert await store.is_handled(7)
        record = AnswerRecord(CHAT, 3, "q", 2, USER)
        await store.save_answer(record)
        assert await last_answer(store, CHAT) == record


async def test_a_version_2_database_is_migrated_to_one_with_an_inbox(backend: Backend) -> None:
    async with opened(backend.make(), schema_version=2):
        # As a version-2 bot wrote it (today's save_answer writes columns version 2 lacks).
        backend.query(
            "INSERT INTO answers (chat_id, message_id, question, previous_question, question_message_id,"
            f" asked_by_id, page, created_at) VALUES ({CHAT}, 3, 'q', 'q0', 2, {USER}, 0,"
            " '2024-01-01 00:00:00+00')"
        )
    handle(backend, 7)  # a version-2 bot has no inbox to take it out of
    add_as_version_3_did(backend, CHAT, article(1), "Ann", USER, "2024-05-01T10:00:00.000000+00:00")
    assert backend.query(backend.version_sql)[0][0] == 2
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        backend.query("SELECT count(*) FROM inbox")  # not there yet at version 2

    async with opened(backend.make()) as store:
        assert backend.query(backend.version_sql)[0][0] == LATEST
        assert count(backend, "inbox") == 0
        assert [e.article for e in await store.library(CHAT)] == [article(1)]
        assert await store.answer(CHAT, 3) == AnswerRecord(CHAT, 3, "q", 2, USER)  # a turn alone now
        assert await store.is_handled(7)


async def test_a_version_3_database_moves_each_source_to_the_entry_of_the_chat_that_gave_it(
    backend: Backend,
) -> None:
    secret = replace(article(1), source_url="https://example.com/1?token=SECRET")
    async with opened(backend.make(), schema_version=3):
        pass
    # CHAT added it by link first; OTHER pasted the same text later, and used to see CHAT's link.
    add_as_version_3_did(backend, CHAT, secret, "Ann", USER, "2024-05-01T10:00:00.000000+00:00")
    add_as_version_3_did(backend, OTHER, secret, "Bob", 2, "2024-05-02T10:00:00.000000+00:00", stored=False)

    async with opened(backend.make()) as store:
        [mine] = await store.library(CHAT)
        [theirs] = await store.library(OTHER)
        assert (mine.article.source_name, mine.article.source_url) == (secret.source_name, secret.source_url)
        assert (theirs.article.source_name, theirs.article.source_url) == (None, None)
        assert theirs.article.text == secret.text and theirs.added_by == "Bob"
    columns = backend.query("SELECT * FROM articles")
    assert len(columns[0]) == 6, "the article row keeps no chat's source (id, title, text, …)"
    assert "SECRET" not in repr(columns)


async def test_a_database_from_a_newer_bot_is_refused(backend: Backend) -> None:
    async with opened(backend.make()):
        pass
    backend.query(backend.set_version_sql.format(LATEST + 1))
    with pytest.raises(RuntimeError, match="newer"):
        await backend.make().open()


async def test_reopening_keeps_everything(backend: Backend) -> None:
    async with opened(backend.make()) as store:
        await store.add_article(CHAT, article(1), "Ann", USER)
        await store.add_article(CHAT, article(2), "Bob", 2)
        await store.add_article(OTHER, article(1), "Cid", 3)
        await store.remove_article(CHAT, 1)
        await store.save_settings(CHAT, ChatSettings(include_default=False, everyone_can_edit=True))
        await store.save_answer(AnswerRecord(CHAT, 10, "q1", 9, USER, page=2))
        await store.reset(CHAT)
        await store.save_answer(AnswerRecord(OTHER, 20, "q2", 19, USER, follows=18))
        await store.finish_update(99, CHAT, "owner", 60)
        before = (
            await store.library(CHAT),
            await store.library(OTHER),
            await store.library_version(CHAT),
            await store.library_size(CHAT),
        )

    async with opened(backend.make()) as store:
        after = (
            await store.library(CHAT),
            await store.library(OTHER),
            await store.library_version(CHAT),
            await store.library_size(CHAT),
        )
        assert after == before
        assert [e.article.text for e in after[0]] == [article(2).text]
        assert await store.settings(CHAT) == ChatSettings(include_default=False, everyone_can_edit=True)
        assert await store.answer(CHAT, 10) == AnswerRecord(CHAT, 10, "q1", 9, USER, page=2)
        assert await last_answer(store, CHAT) is None  # the reset persists
        assert await last_answer(store, OTHER) == AnswerRecord(OTHER, 20, "q2", 19, USER, follows=18)
        assert await store.is_handled(99)


# --- atomicity and concurrency ------------------------------------------------------------------------
async def test_a_write_failing_inside_its_transaction_leaves_nothing_behind(
    backend: Backend, store: Store
) -> None:
    await store.add_article(CHAT, article(1), "Ann", USER)
    before, version = await store.library(CHAT), await store.library_version(CHAT)
    # The adder's name cannot be stored: that insert fails after the article row was written.
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        await store.add_article(CHAT, article(2), object(), USER)  # type: ignore[arg-type]
    assert backend.query("SELECT id FROM articles") == [(article(1).id,)]
    assert await store.library(CHAT) == before
    assert await store.library_version(CHAT) == version
    assert (await store.add_article(CHAT, article(2), "Ann", USER)).number == 2  # still usable


async def test_two_stores_used_concurrently_keep_consistent_data(backend: Backend) -> None:
    articles = [article(n) for n in range(15)]
    async with opened(backend.make()) as one, opened(backend.make()) as two:
        await asyncio.gather(
            *(store.add_article(CHAT, a, "Ann", USER) for a in articles for store in (one, two)),
            *(store.add_article(chat, a, "Bob", 2) for a in articles for chat, store in ((1, one), (2, two))),
            *(store.finish_update(u, CHAT, "owner", 60) for u in range(40) for store in (one, two)),
        )
        for store in (one, two):
            entries = await store.library(CHAT)
            assert [e.number for e in entries] == list(range(1, 16))
            assert {e.article.id for e in entries} == {a.id for a in articles}
            assert await store.library_version(CHAT) == 15  # one change per article, not per add
            assert (
                await store.library_size(1) == await store.library_size(2) == await store.library_size(CHAT)
            )
            assert all(await asyncio.gather(*(store.is_handled(u) for u in range(40))))
    assert count(backend, "articles") == 15
    assert count(backend, "chat_articles") == 45
    assert count(backend, "handled_updates") == 40


async def test_concurrent_removes_and_adds_of_a_shared_article_leave_no_orphans(backend: Backend) -> None:
    articles = [article(n) for n in range(20)]
    async with opened(backend.make()) as one, opened(backend.make()) as two:
        for a in articles:
            await one.add_article(CHAT, a, "Ann", USER)
        # One chat removes each article while the other adds it: whoever goes first, the article
        # must survive (and the add must not fail). Then the other way round, a few times.
        holder, taker = (one, CHAT), (two, OTHER)
        for _ in range(4):
            removed = await asyncio.gather(
                *(holder[0].remove_article(holder[1], 1) for _ in articles),
                *(taker[0].add_article(taker[1], a, "Bob", 2) for a in articles),
            )
            assert all(r is not None for r in removed)
            assert await one.library(holder[1]) == []
            assert {e.article.id for e in await two.library(taker[1])} == {a.id for a in articles}
            assert count(backend, "articles") == len(articles)
            holder, taker = taker, holder


# --- crash safety (SQLite: the file is this process's own) -------------------------------------------
_WRITER = """
import asyncio, sys
from bot.store import SQLiteStore
from index import Article

async def main(path):
    store = SQLiteStore(path)
    await store.open()
    n = 0
    while True:
        article = Article(title=f"Article {n}", text=f"Body {n} " + "x" * 20_000)
        await store.add_article(42, article, "writer", 1)
        print(article.id, flush=True)  # after the commit
        n += 1

asyncio.run(main(sys.argv[1]))
"""


async def test_sqlite_survives_kill_9_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    committed: list[str] = []
    try:
        while len(committed) < 30:
            line = writer.stdout.readline()
            assert line, f"the writer stopped: {writer.communicate()[1]}"
            committed.append(line.strip())
        time.sleep(random.uniform(0, 0.01))  # land the kill at an arbitrary point of a write
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        # Read through the same buffered stream: readline may already hold lines that the pipe
        # no longer does, which communicate() (reading the pipe itself) would skip.
        rest = writer.stdout.read()
        writer.communicate(timeout=10)
    assert writer.returncode == -signal.SIGKILL
    committed += [line for line in rest.split("\n")[:-1]]  # a last line without "\n" is unfinished

    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    async with opened(SQLiteStore(path)) as store:
        entries = await store.library(42)
        ids = [e.article.id for e in entries]
        assert ids[: len(committed)] == committed  # every reported commit, in order
        assert len(ids) <= len(committed) + 1  # at most one committed but not yet reported
        assert [e.number for e in entries] == list(range(1, len(ids) + 1))
        assert await store.library_version(42) == len(ids)


# --- open_store ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [None, ""])
async def test_open_store_defaults_to_sqlite_in_the_data_dir(tmp_path: Path, url: str | None) -> None:
    store = open_store(url, tmp_path / "data")
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "data" / "bot.sqlite3"
    async with opened(store):
        await store.add_article(CHAT, article(1), "Ann", USER)
    assert store.path.is_file()


def test_open_store_reads_sqlite_urls(tmp_path: Path) -> None:
    relative = open_store("sqlite:///state/bot.db", tmp_path)
    absolute = open_store(f"sqlite:///{tmp_path}/bot.db", tmp_path)  # sqlite:////tmp/…
    assert isinstance(relative, SQLiteStore) and relative.path == Path("state/bot.db")
    assert isinstance(absolute, SQLiteStore) and absolute.path == tmp_path / "bot.db"


@pytest.mark.parametrize(
    "url", ["postgresql://bot:s3cret@db.example:5432/bot", "postgres://bot:s3cret@db.example/bot"]
)
def test_open_store_reads_postgres_urls(url: str) -> None:
    assert isinstance(open_store(url, Path(".")), PostgresStore)  # not connected until open()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://bot:s3cret@db.example/bot",
        "bot:s3cret@db.example/bot",
        "sqlite://bot:s3cret@host/bot.db",
        "sqlite:///",
        "s3cret",
    ],
)
def test_open_store_rejects_other_urls_without_echoing_them(url: str) -> None:
    with pytest.raises(ValueError) as error:
        open_store(url, Path("."))
    assert "s3cret" not in str(error.value)
    assert "sqlite:///" in str(error.value)  # says what would work


async def test_postgres_open_fails_clearly_without_the_password(tmp_path: Path) -> None:
    skip_without_postgres()
    where = conninfo_to_dict(POSTGRES_URL)
    url = f"postgresql://nobody_{uuid.uuid4().hex[:6]}:s3cret@{where.get('host')}:{where.get('port')}/none"
    store = open_store(url, tmp_path)
    with pytest.raises(StoreUnavailable) as error:
        await store.open()
    assert "s3cret" not in str(error.value) and isinstance(error.value.__cause__, psycopg.OperationalError)
