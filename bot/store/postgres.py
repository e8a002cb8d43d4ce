"""PostgreSQL backend: shared state for several bot processes (webhooks behind a load balancer).

Every method is one transaction (a single statement, or BEGIN … COMMIT) on a connection from an
async pool (psycopg 3), so concurrent handlers of one process run in parallel, and calls from
several processes are made safe by the database itself: conflict-safe inserts (``ON CONFLICT``),
a row lock on the chat's settings row serializing changes to one chat's library, a row lock
on an article before it is deleted as an orphan (see ``remove_article``), and for delivery an
advisory lock per lane (see ``postgres_delivery``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from index import Article

from . import postgres_delivery as delivery
from .base import (
    ANSWER_COLUMNS,
    AnswerRecord,
    ChatSettings,
    Finished,
    InboxRow,
    LibraryEntry,
    PendingAdd,
    StoreUnavailable,
    answer_from_row,
    answer_params,
    conversation_sql,
    entry_from_row,
    entry_metadata,
    last_answer_sql,
    record_from_row,
)

# Numbered migrations, applied in order, all pending ones in one transaction under an advisory
# lock. Append new ones; never edit one that has shipped.
MIGRATIONS: Sequence[tuple[int, Sequence[str]]] = (
    (
        1,  # libraries and delivery
        (
            """CREATE TABLE articles (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                text TEXT NOT NULL,
                text_length INTEGER NOT NULL,  -- len(text), so library_size never reads the texts
                language TEXT NOT NULL,
                source_name TEXT,
                source_url TEXT,
                created_at TIMESTAMPTZ NOT NULL
            )""",
            # seq orders a chat's entries (their numbers); timestamps may tie, seq never does.
            """CREATE TABLE chat_articles (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                chat_id BIGINT NOT NULL,
                article_id TEXT NOT NULL REFERENCES articles (id),
                added_at TIMESTAMPTZ NOT NULL,
                added_by TEXT NOT NULL,
                added_by_id BIGINT NOT NULL,
                UNIQUE (chat_id, article_id)
            )""",
            "CREATE INDEX chat_articles_article ON chat_articles (article_id)",  # the orphan check
            """CREATE TABLE chat_settings (
                chat_id BIGINT PRIMARY KEY,
                include_default BOOLEAN NOT NULL DEFAULT TRUE,
                everyone_can_edit BOOLEAN NOT NULL DEFAULT FALSE,
                version BIGINT NOT NULL DEFAULT 0  -- library_version: bumped on every change
            )""",
            """CREATE TABLE handled_updates (
                update_id BIGINT PRIMARY KEY,
                handled_at TIMESTAMPTZ NOT NULL
            )""",
            "CREATE INDEX handled_updates_at ON handled_updates (handled_at)",
        ),
    ),
    (
        2,  # conversations: answers to reply to, follow-ups, resets
        (
            """CREATE TABLE answers (
                chat_id BIGINT NOT NULL,
                message_id BIGINT NOT NULL,
                question TEXT NOT NULL,
                previous_question TEXT,
                question_message_id BIGINT,
                asked_by_id BIGINT,
                page INTEGER NOT NULL DEFAULT 0,
                created_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )""",
            "CREATE INDEX answers_question ON answers (chat_id, question_message_id)",
            # A reset forgets every answer up to reset_after (Telegram message ids grow within a
            # chat), so re-saving an old answer (paging it) cannot bring it back as the last one.
            """CREATE TABLE conversations (
                chat_id BIGINT PRIMARY KEY,
                reset_after BIGINT NOT NULL,
                reset_at TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    (
        3,  # the inbox: updates received from Telegram and not handled yet (never pruned)
        (
            """CREATE TABLE inbox (
                update_id BIGINT PRIMARY KEY,
                chat_id BIGINT,
                payload TEXT NOT NULL,  -- the update as JSON
                received_at TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    (
        4,  # conversations as chains of turns: each answer's quote, topic and the answer it followed
        (
            """ALTER TABLE answers
                ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN follows BIGINT,  -- message_id of an answer in the same chat
                ADD COLUMN declined BOOLEAN NOT NULL DEFAULT FALSE,
                ADD COLUMN summary BOOLEAN NOT NULL DEFAULT FALSE,
                ADD COLUMN article_id TEXT,
                ADD COLUMN passage_start BIGINT,
                ADD COLUMN passage_end BIGINT,
                ADD COLUMN passage TEXT,
                -- superseded by the chain of turns: old answers become one-turn conversations
                DROP COLUMN previous_question""",
            "CREATE INDEX answers_latest ON answers (chat_id, thread_id, message_id)",
            # Resets per forum topic.
            "ALTER TABLE conversations ADD COLUMN thread_id BIGINT NOT NULL DEFAULT 0",
            """ALTER TABLE conversations
                DROP CONSTRAINT conversations_pkey, ADD PRIMARY KEY (chat_id, thread_id)""",
        ),
    ),
    (
        5,  # where an article came from belongs to the chat that added it; adds under way
        (
            """ALTER TABLE chat_articles ADD COLUMN source_name TEXT, ADD COLUMN source_url TEXT,
                ADD COLUMN author TEXT, ADD COLUMN published TEXT""",  # published: an ISO date
            # The entry that first stored the article (same timestamp) is the one whose link the
            # article row kept; other chats' entries get none rather than that chat's link.
            """UPDATE chat_articles ca SET source_name = a.source_name, source_url = a.source_url
                FROM articles a WHERE a.id = ca.article_id AND a.created_at = ca.added_at""",
            "ALTER TABLE articles DROP COLUMN source_name, DROP COLUMN source_url",
            """CREATE TABLE pending_adds (
                chat_id BIGINT NOT NULL,
                message_id BIGINT NOT NULL,  -- the /add message
                status_message_id BIGINT NOT NULL,  -- the bot's progress message, edited as it goes
                request TEXT NOT NULL,  -- what to add, as JSON (bot.ingest.Request)
                created_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )""",
        ),
    ),
    (
        6,  # lanes: a chat's updates handled in order by one process at a time; updates set aside
        (
            "ALTER TABLE inbox RENAME COLUMN chat_id TO lane",
            "UPDATE inbox SET lane = 0 WHERE lane IS NULL",  # kept by an older bot: no chat
            "ALTER TABLE inbox ALTER COLUMN lane SET NOT NULL",
            "CREATE INDEX inbox_lane ON inbox (lane, update_id)",
            """CREATE TABLE lanes (
                lane BIGINT PRIMARY KEY,
                owner TEXT NOT NULL,  -- the process holding it
                expires_at TIMESTAMPTZ NOT NULL  -- anyone may take the lane over after it
            )""",
            "CREATE INDEX lanes_owner ON lanes (owner)",
            """CREATE TABLE set_aside_updates (
                update_id BIGINT PRIMARY KEY,
                payload TEXT NOT NULL,
                reason TEXT NOT NULL,
                set_aside_at TIMESTAMPTZ NOT NULL
            )""",
        ),
    ),
    (
        7,  # a question's answer found from an index that holds its order too: without it, the
        # check made before every answer read all of a busy chat's answers (2 ms at 5,000)
        (
            "DROP INDEX answers_question",
            "CREATE INDEX answers_question ON answers (chat_id, question_message_id, message_id)",
        ),
    ),
)
LATEST_VERSION = MIGRATIONS[-1][0]

HANDLED_KEEP = 100_000  # handled update ids kept at most…
HANDLED_MAX_AGE = timedelta(days=2)  # …and for this long: Telegram drops undelivered updates after 24 h
SET_ASIDE_MAX_AGE = timedelta(days=30)  # set-aside updates are kept this long, for a person to look at
PRUNE_EVERY = 1000  # finish_update calls (per process) between prunes
# A call waits this long for a connection of the pool (they are all busy, or the server is gone
# and the pool reconnecting) before it fails with StoreUnavailable.
POOL_TIMEOUT_SECONDS = 5.0
_MAX_INT = 2**63 - 1  # BIGINT; a larger /remove number simply has no entry

# Advisory locks (class, key): migrations are locked per schema (key = hash of its name).
_LOCK_CLASS = 0x5141  # "QA"
_PRUNE_LOCK = 1

_CREATE_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""
_LOCK_MIGRATIONS = "SELECT pg_advisory_xact_lock(%s, hashtext(coalesce(current_schema(), '')))"
_TRY_LOCK_PRUNE = "SELECT pg_try_advisory_xact_lock(%s, %s) AS locked"

_ENTRY_COLUMNS = """ca.seq, ca.added_at, ca.added_by, ca.added_by_id,
    ca.source_name, ca.source_url, ca.author, ca.published, a.id, a.title, a.text, a.language"""

_ENSURE_CHAT = "INSERT INTO chat_settings (chat_id) VALUES (%s) ON CONFLICT (chat_id) DO NOTHING"
_LOCK_CHAT = "SELECT 1 FROM chat_settings WHERE chat_id = %s FOR UPDATE"
_BUMP_VERSION = "UPDATE chat_settings SET version = version + 1 WHERE chat_id = %s"
# DO UPDATE (not DO NOTHING) so the article row stays locked until this transaction commits: a
# concurrent remove in another chat then waits before deciding the article is an orphan, and if
# that remove deleted it first, ON CONFLICT retries and inserts it afresh.
_UPSERT_ARTICLE = """INSERT INTO articles (id, title, text, text_length, language, created_at)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET title = articles.title"""
_INSERT_ENTRY = """INSERT INTO chat_articles
    (chat_id, article_id, added_at, added_by, added_by_id, source_name, source_url, author, published)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (chat_id, article_id) DO NOTHING
    RETURNING seq"""
_SELECT_ENTRY = f"""SELECT {_ENTRY_COLUMNS},
    (SELECT count(*) FROM chat_articles c2 WHERE c2.chat_id = ca.chat_id AND c2.seq <= ca.seq) AS number
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id
    WHERE ca.chat_id = %s AND ca.article_id = %s"""
_SELECT_LIBRARY = f"""SELECT {_ENTRY_COLUMNS}
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id
    WHERE ca.chat_id = %s ORDER BY ca.seq"""
_SELECT_NTH = _SELECT_LIBRARY + " LIMIT 1 OFFSET %s"
_LOCK_ARTICLE = "SELECT 1 FROM articles WHERE id = %s FOR UPDATE"
_DELETE_IF_ORPHAN = """DELETE FROM articles
    WHERE id = %s AND NOT EXISTS (SELECT 1 FROM chat_articles WHERE article_id = %s)"""
_LIBRARY_SIZE = """SELECT count(*) AS articles, coalesce(sum(a.text_length), 0) AS characters
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id WHERE ca.chat_id = %s"""
_SAVE_SETTINGS = """INSERT INTO chat_settings (chat_id, include_default, everyone_can_edit, version)
    VALUES (%s, %s, %s, 1)
    ON CONFLICT (chat_id) DO UPDATE SET
        include_default = EXCLUDED.include_default,
        everyone_can_edit = EXCLUDED.everyone_can_edit,
        version = chat_settings.version + 1"""
_BEGIN_ADD = """INSERT INTO pending_adds (chat_id, message_id, status_message_id, request, created_at)
    VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"""
_SELECT_PENDING_ADDS = """SELECT chat_id, message_id, status_message_id, request FROM pending_adds
    ORDER BY created_at, chat_id, message_id"""
_END_ADD = "DELETE FROM pending_adds WHERE chat_id = %s AND message_id = %s"
_SAVE_ANSWER = f"""INSERT INTO answers ({ANSWER_COLUMNS}, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (chat_id, message_id) DO UPDATE SET
        question = EXCLUDED.question,
        question_message_id = EXCLUDED.question_message_id,
        asked_by_id = EXCLUDED.asked_by_id,
        thread_id = EXCLUDED.thread_id,
        follows = EXCLUDED.follows,
        declined = EXCLUDED.declined,
        summary = EXCLUDED.summary,
        article_id = EXCLUDED.article_id,
        passage_start = EXCLUDED.passage_start,
        passage_end = EXCLUDED.passage_end,
        passage = EXCLUDED.passage,
        page = EXCLUDED.page"""
_SELECT_ANSWER = f"SELECT {ANSWER_COLUMNS} FROM answers WHERE chat_id = %s AND message_id = %s"
_SELECT_ANSWER_TO = f"""SELECT {ANSWER_COLUMNS} FROM answers
    WHERE chat_id = %s AND question_message_id = %s ORDER BY message_id DESC LIMIT 1"""
_SELECT_CONVERSATION = conversation_sql("%s", "%s")
_SELECT_LATEST_CONVERSATION = conversation_sql(f"({last_answer_sql('%s')})", "%s")
# A reset forgets every answer of the topic up to reset_after (Telegram message ids grow within
# a chat), so re-saving an old answer (paging it) cannot bring it back as the last one.
_RESET = """INSERT INTO conversations (chat_id, thread_id, reset_after, reset_at)
    SELECT %s, %s, coalesce(max(message_id), 0), %s FROM answers WHERE chat_id = %s AND thread_id = %s
    ON CONFLICT (chat_id, thread_id) DO UPDATE SET
        reset_after = GREATEST(conversations.reset_after, EXCLUDED.reset_after),
        reset_at = EXCLUDED.reset_at"""
_PRUNE_HANDLED = (
    """DELETE FROM handled_updates WHERE update_id < (
        SELECT update_id FROM handled_updates ORDER BY update_id DESC LIMIT 1 OFFSET %s)""",
    "DELETE FROM handled_updates WHERE handled_at < %s",
)
_PRUNE_SET_ASIDE = "DELETE FROM set_aside_updates WHERE set_aside_at < %s"
_SET_ASIDE_VERSION = 4  # the schema version that added set_aside_updates

# autocommit: a connection is idle between calls, never "idle in transaction"; conn.transaction()
# issues the BEGIN/COMMIT. No server-side prepared statements: they break behind PgBouncer in
# transaction mode, a common setup for many bot processes, and these queries are cheap to plan.
_CONNECTION_OPTIONS: dict[str, Any] = {"autocommit": True, "row_factory": dict_row, "prepare_threshold": None}


class PostgresStore:
    """The ``Store`` on a PostgreSQL database given by a libpq DSN or URL."""

    def __init__(
        self,
        dsn: str,
        *,
        pool_size: int = 4,
        connect_timeout: float = 10.0,
        keep_handled: int = HANDLED_KEEP,
        handled_max_age: timedelta = HANDLED_MAX_AGE,
        prune_every: int = PRUNE_EVERY,
    ) -> None:
        self._dsn = dsn  # may hold a password: never put it in a message or a log line
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        # A server that does not answer (a dropped network) fails a connection attempt in time.
        self._connection_options = {**_CONNECTION_OPTIONS, "connect_timeout": max(1, round(connect_timeout))}
        self._keep_handled = keep_handled
        self._handled_max_age = handled_max_age
        self._prune_every = prune_every
        self._finishes = 0
        self._pool: AsyncConnectionPool | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    async def open(self, *, schema_version: int | None = None) -> None:
        """Connect and create or migrate the schema (``schema_version`` < latest: tests only)."""
        # Migrate over a connection of its own first: a wrong DSN or a down server then fails
        # here with libpq's own message, not as a pool timeout.
        target = LATEST_VERSION if schema_version is None else schema_version
        try:
            async with await psycopg.AsyncConnection.connect(self._dsn, **self._connection_options) as conn:
                async with conn.transaction():
                    await _migrate(conn, target)
                async with conn.transaction():
                    await self._prune(conn)
        except psycopg.OperationalError as error:
            raise _unavailable(error) from error
        if self._pool is None:
            pool = AsyncConnectionPool(
                self._dsn,
                min_size=1,
                max_size=self._pool_size,
                kwargs=self._connection_options,
                timeout=POOL_TIMEOUT_SECONDS,
                check=AsyncConnectionPool.check_connection,  # survive a server restart
                open=False,
                name="bot-store",
            )
            try:
                await pool.open(wait=True, timeout=self._connect_timeout)
            except BaseException as error:
                await pool.close()
                if isinstance(error, psycopg.OperationalError):
                    raise _unavailable(error) from error
                raise
            self._pool = pool

    async def close(self) -> None:
        """Close the pool's connections (idempotent)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[dict[str, Any]]]:
        if self._pool is None:
            raise RuntimeError("the store is not open: await store.open() first")
        try:
            async with self._pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as error:  # the server, not the call (a pool timeout too)
            raise _unavailable(error) from error

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection[dict[str, Any]]]:
        async with self._connection() as conn, conn.transaction():
            yield conn

    async def _fetchone(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        # A single statement sees one snapshot on its own: no BEGIN/COMMIT round trips needed.
        async with self._connection() as conn:
            return await (await conn.execute(sql, params)).fetchone()

    async def _execute(self, sql: str, params: Sequence[Any]) -> None:
        async with self._transaction() as conn:
            await conn.execute(sql, params)

    # --- libraries -------------------------------------------------------------------------------
    async def add_article(
        self, chat_id: int, article: Article, added_by: str, added_by_id: int
    ) -> LibraryEntry:
        """Add to the chat's library (the same article twice is stored once; returns its entry)."""
        now = _now()
        async with self._transaction() as conn:
            await _lock_chat(conn, chat_id, create=True)
            row = (article.id, article.title, article.text, len(article.text), article.language, now)
            await conn.execute(_UPSERT_ARTICLE, row)
            entry = (chat_id, article.id, now, added_by, added_by_id, *entry_metadata(article))
            inserted = await (await conn.execute(_INSERT_ENTRY, entry)).fetchone()
            if inserted is not None:  # adding it again changes nothing, not even the version
                await conn.execute(_BUMP_VERSION, (chat_id,))
            row = await (await conn.execute(_SELECT_ENTRY, (chat_id, article.id))).fetchone()
        assert row is not None  # inserted or already there, in this transaction
        return _entry(row, row["number"])

    async def remove_article(self, chat_id: int, number: int) -> LibraryEntry | None:
        """Remove the chat's entry ``number``; None if the chat has no such entry."""
        if not 1 <= number <= _MAX_INT:
            return None
        async with self._transaction() as conn:
            if not await _lock_chat(conn, chat_id, create=False):
                return None  # a chat without a settings row never added anything
            row = await (await conn.execute(_SELECT_NTH, (chat_id, number - 1))).fetchone()
            if row is None:
                return None
            await conn.execute("DELETE FROM chat_articles WHERE seq = %s", (row["seq"],))
            # Lock the article, then look for other references in a new statement: under READ
            # COMMITTED that statement sees any add that committed while we waited for the lock.
            await conn.execute(_LOCK_ARTICLE, (row["id"],))
            await conn.execute(_DELETE_IF_ORPHAN, (row["id"], row["id"]))
            await conn.execute(_BUMP_VERSION, (chat_id,))
        return _entry(row, number)

    async def library(self, chat_id: int) -> list[LibraryEntry]:
        """The chat's own articles, numbered, oldest first (not the built-in one)."""
        async with self._connection() as conn:
            rows = await (await conn.execute(_SELECT_LIBRARY, (chat_id,))).fetchall()
        return [_entry(row, number) for number, row in enumerate(rows, start=1)]

    async def library_version(self, chat_id: int) -> int:
        """A number that changes whenever the chat's library or settings change (cache key)."""
        row = await self._fetchone("SELECT version FROM chat_settings WHERE chat_id = %s", (chat_id,))
        return row["version"] if row else 0

    async def library_size(self, chat_id: int) -> tuple[int, int]:
        """(articles, total characters) of the chat's own library, for the per-chat limits."""
        row = await self._fetchone(_LIBRARY_SIZE, (chat_id,))
        assert row is not None  # an aggregate always returns a row
        return int(row["articles"]), int(row["characters"])

    async def settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (the defaults until it saves some)."""
        row = await self._fetchone(
            "SELECT include_default, everyone_can_edit FROM chat_settings WHERE chat_id = %s", (chat_id,)
        )
        if row is None:
            return ChatSettings()
        return ChatSettings(
            include_default=row["include_default"], everyone_can_edit=row["everyone_can_edit"]
        )

    async def save_settings(self, chat_id: int, settings: ChatSettings) -> None:
        """Replace the chat's settings (changes its library_version)."""
        await self._execute(_SAVE_SETTINGS, (chat_id, settings.include_default, settings.everyone_can_edit))

    # --- adds under way -----------------------------------------------------------------------------
    async def begin_add(self, add: PendingAdd) -> bool:
        """Record an add under way; False when that /add message has one already."""
        params = (add.chat_id, add.message_id, add.status_message_id, add.request, _now())
        async with self._connection() as conn:
            return (await conn.execute(_BEGIN_ADD, params)).rowcount > 0

    async def pending_adds(self) -> list[PendingAdd]:
        """The adds under way, oldest first (at start-up: those a stop interrupted)."""
        async with self._connection() as conn:
            rows = await (await conn.execute(_SELECT_PENDING_ADDS)).fetchall()
        return [
            PendingAdd(row["chat_id"], row["message_id"], row["status_message_id"], row["request"])
            for row in rows
        ]

    async def end_add(self, chat_id: int, message_id: int) -> None:
        """The add is done (added or refused): forget it."""
        await self._execute(_END_ADD, (chat_id, message_id))

    # --- conversations -----------------------------------------------------------------------------
    async def save_answer(self, record: AnswerRecord) -> None:
        """Insert or replace the record of the bot message (chat_id, message_id)."""
        await self._execute(_SAVE_ANSWER, (*answer_params(record), _now()))

    async def answer(self, chat_id: int, message_id: int) -> AnswerRecord | None:
        """The record of the bot message (chat_id, message_id), if it is one of its answers."""
        return answer_from_row(await self._fetchone(_SELECT_ANSWER, (chat_id, message_id)))

    async def answer_to(self, chat_id: int, question_message_id: int) -> AnswerRecord | None:
        """The latest answer the bot gave to the user's message ``question_message_id``."""
        return answer_from_row(await self._fetchone(_SELECT_ANSWER_TO, (chat_id, question_message_id)))

    async def conversation(self, chat_id: int, message_id: int, turns: int) -> list[AnswerRecord]:
        """The answer ``message_id`` and those it followed, back to at most ``turns`` records in
        all, oldest first (empty if there is no such answer)."""
        return await self._records(_SELECT_CONVERSATION, (chat_id, message_id, chat_id, turns, chat_id))

    async def latest_conversation(self, chat_id: int, thread_id: int, turns: int) -> list[AnswerRecord]:
        """The :meth:`conversation` that ends at the latest answer in the chat's forum topic
        ``thread_id`` (0: outside topics) since its last ``reset``: the one a new question
        there continues (empty: it starts afresh)."""
        params = (chat_id, chat_id, thread_id, chat_id, thread_id, chat_id, turns, chat_id)
        return await self._records(_SELECT_LATEST_CONVERSATION, params)

    async def _records(self, sql: str, params: Sequence[Any]) -> list[AnswerRecord]:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params)
            rows = await cursor.fetchall()
        return [record_from_row(row) for row in rows]

    async def reset(self, chat_id: int, thread_id: int = 0) -> None:
        """Forget the conversation of the chat's topic ``thread_id``: the next question there
        starts afresh (replies to earlier answers still continue theirs)."""
        await self._execute(_RESET, (chat_id, thread_id, _now(), chat_id, thread_id))

    # --- delivery ------------------------------------------------------------------------------------
    async def ping(self) -> None:
        """Return once the store answers again (raises StoreUnavailable while it does not)."""
        await self._fetchone("SELECT 1 AS up", ())

    async def receive_updates(self, updates: Sequence[InboxRow], owner: str, lease: float) -> list[InboxRow]:
        """Inbox each update not handled or inboxed yet; claim for ``owner``, for ``lease`` seconds,
        each of their lanes that no live holder has. Returns the first waiting update of each lane
        claimed, by lane."""
        first: dict[int, InboxRow] = {}
        for update in updates:
            first.setdefault(update.update_id, update)  # an id twice in one batch: its first occurrence
        if not first:
            return []
        async with self._transaction() as conn:
            return await delivery.receive_updates(conn, [first[u] for u in sorted(first)], owner, lease)

    async def finish_update(self, update_id: int, lane: int, owner: str, lease: float) -> Finished:
        """Record the update handled and take it out of the inbox; if ``owner`` holds the lane and
        more updates wait in it, renew the lease and return the next one, else let the lane go.
        Every ``prune_every`` calls, prune old handled records (never the inbox)."""
        self._finishes += 1
        async with self._transaction() as conn:
            finished = await delivery.finish_update(conn, update_id, lane, owner, lease)
            if self._finishes % self._prune_every == 0:
                await self._prune(conn)
        return finished

    async def renew_lanes(self, owner: str, lanes: Sequence[int], lease: float) -> list[int]:
        """Extend ``owner``'s leases of ``lanes`` by ``lease`` seconds; the lanes it still holds."""
        if not lanes:
            return []
        async with self._transaction() as conn:
            return await delivery.renew_lanes(conn, owner, lanes, lease)

    async def claim_lanes(self, owner: str, lease: float, limit: int) -> list[InboxRow]:
        """Claim up to ``limit`` lanes whose updates wait with no live holder; the first waiting
        update of each."""
        async with self._transaction() as conn:
            return await delivery.claim_lanes(conn, owner, lease, limit)

    async def lane_owners(self) -> list[str]:
        """The owners that hold lanes."""
        async with self._connection() as conn:
            rows = await (await conn.execute("SELECT DISTINCT owner FROM lanes")).fetchall()
        return [row["owner"] for row in rows]

    async def release_lanes(self, owner: str) -> None:
        """Let go of every lane ``owner`` holds (it is stopping): others may take them at once."""
        await self._execute("DELETE FROM lanes WHERE owner = %s", (owner,))

    async def set_aside(self, update_id: int, payload: str, reason: str) -> None:
        """Keep an update that cannot be handled for a person to look at: recorded with the
        reason, counted as handled and out of the inbox."""
        async with self._transaction() as conn:
            await delivery.set_aside(conn, update_id, payload, reason)

    async def inbox(self, limit: int = 10_000) -> list[InboxRow]:
        """The updates received and not handled yet, ascending by update_id."""
        if limit <= 0:
            return []
        async with self._connection() as conn:
            return await delivery.inbox(conn, limit)

    async def is_handled(self, update_id: int) -> bool:
        """Whether the update was handled already (Telegram re-delivers after a crash)."""
        row = await self._fetchone(
            "SELECT 1 AS found FROM handled_updates WHERE update_id = %s", (update_id,)
        )
        return row is not None

    async def _prune(self, conn: psycopg.AsyncConnection[dict[str, Any]]) -> None:
        # One pruner at a time across processes (the others skip): two concurrent range deletes
        # could deadlock, and one is enough.
        cursor = await conn.execute(_TRY_LOCK_PRUNE, (_LOCK_CLASS, _PRUNE_LOCK))
        locked = await cursor.fetchone()
        version = await _current_version(conn)
        if not (locked and locked["locked"]) or version < 1:
            return
        await conn.execute(_PRUNE_HANDLED[0], (self._keep_handled - 1,))
        await conn.execute(_PRUNE_HANDLED[1], (_now() - self._handled_max_age,))
        if version >= _SET_ASIDE_VERSION:
            await conn.execute(_PRUNE_SET_ASIDE, (_now() - SET_ASIDE_MAX_AGE,))


# --- transactions -----------------------------------------------------------------------------------
async def _migrate(conn: psycopg.AsyncConnection[dict[str, Any]], target: int) -> None:
    """Apply the pending migrations up to ``target``; refuse a database from a newer bot."""
    # Two processes starting together: the second waits here, then finds nothing left to do.
    await conn.execute(_LOCK_MIGRATIONS, (_LOCK_CLASS,))
    await conn.execute(_CREATE_VERSION_TABLE)
    current = await _current_version(conn)
    if current > LATEST_VERSION:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this bot's {LATEST_VERSION}: "
            "upgrade the bot (downgrading the schema is not supported)"
        )
    for version, statements in MIGRATIONS:
        if current < version <= target:
            for statement in statements:
                await conn.execute(statement)
            await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))


async def _current_version(conn: psycopg.AsyncConnection[dict[str, Any]]) -> int:
    cursor = await conn.execute("SELECT coalesce(max(version), 0) AS version FROM schema_version")
    row = await cursor.fetchone()
    return row["version"] if row else 0


async def _lock_chat(conn: psycopg.AsyncConnection[dict[str, Any]], chat_id: int, *, create: bool) -> bool:
    """Lock the chat's settings row (creating it if asked): one library change per chat at a time."""
    if create:
        await conn.execute(_ENSURE_CHAT, (chat_id,))
    return await (await conn.execute(_LOCK_CHAT, (chat_id,))).fetchone() is not None


# --- rows → values ------------------------------------------------------------------------------------
def _entry(row: dict[str, Any], number: int) -> LibraryEntry:
    return entry_from_row(row, number, row["added_at"].astimezone(UTC))


def _now() -> datetime:
    return datetime.now(UTC)


def _unavailable(error: psycopg.OperationalError) -> StoreUnavailable:
    first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return StoreUnavailable(f"PostgreSQL: {first_line}")
