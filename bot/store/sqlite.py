"""SQLite backend: one local file, for a bot that runs as a single process (polling or one webhook).

Durability: WAL journal with ``synchronous=NORMAL``. Every committed transaction survives the bot
process being killed (kill -9, OOM); a power loss may drop the last few commits but never leaves
the file corrupt or a transaction half-applied.

Threading: the connection is created and used only by one dedicated worker thread, and every
method hands its whole transaction to that thread. Compared with running the calls on the event
loop under an ``asyncio.Lock``, this keeps the loop responsive while SQLite waits on a busy file
(another process, a checkpoint's fsync), serializes the calls without any lock, and means a
cancelled caller can never interrupt a transaction halfway: the thread finishes (commit or
rollback) whatever happens to the awaiting task. Calls that queue up while the thread is busy
run as one batch, their writes in one commit (``batches``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from index import Article

from . import sqlite_delivery as delivery
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
from .batches import ALONE, READ, WRITE, BatchingThread

T = TypeVar("T")

# Numbered migrations, applied in order, all pending ones in one transaction. Append new ones;
# never edit one that has shipped (files in the wild are at its version already).
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
                created_at TEXT NOT NULL
            )""",
            # seq orders a chat's entries (their numbers); timestamps may tie, seq never does.
            """CREATE TABLE chat_articles (
                seq INTEGER PRIMARY KEY,
                chat_id INTEGER NOT NULL,
                article_id TEXT NOT NULL REFERENCES articles (id),
                added_at TEXT NOT NULL,
                added_by TEXT NOT NULL,
                added_by_id INTEGER NOT NULL,
                UNIQUE (chat_id, article_id)
            )""",
            "CREATE INDEX chat_articles_article ON chat_articles (article_id)",  # the orphan check
            """CREATE TABLE chat_settings (
                chat_id INTEGER PRIMARY KEY,
                include_default INTEGER NOT NULL DEFAULT 1,
                everyone_can_edit INTEGER NOT NULL DEFAULT 0,
                version INTEGER NOT NULL DEFAULT 0  -- library_version: bumped on every change
            )""",
            """CREATE TABLE handled_updates (
                update_id INTEGER PRIMARY KEY,
                handled_at TEXT NOT NULL
            )""",
            "CREATE INDEX handled_updates_at ON handled_updates (handled_at)",
        ),
    ),
    (
        2,  # conversations: answers to reply to, follow-ups, resets
        (
            """CREATE TABLE answers (
                chat_id INTEGER NOT NULL,
                message_id INTEGER NOT NULL,
                question TEXT NOT NULL,
                previous_question TEXT,
                question_message_id INTEGER,
                asked_by_id INTEGER,
                page INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )""",
            "CREATE INDEX answers_question ON answers (chat_id, question_message_id)",
            # A reset forgets every answer up to reset_after (Telegram message ids grow within a
            # chat), so re-saving an old answer (paging it) cannot bring it back as the last one.
            """CREATE TABLE conversations (
                chat_id INTEGER PRIMARY KEY,
                reset_after INTEGER NOT NULL,
                reset_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        3,  # the inbox: updates received from Telegram and not handled yet (never pruned)
        (
            """CREATE TABLE inbox (
                update_id INTEGER PRIMARY KEY,
                chat_id INTEGER,
                payload TEXT NOT NULL,  -- the update as JSON
                received_at TEXT NOT NULL
            )""",
        ),
    ),
    (
        4,  # conversations as chains of turns: each answer's quote, topic and the answer it followed
        (
            "ALTER TABLE answers ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE answers ADD COLUMN follows INTEGER",  # message_id of an answer in the same chat
            "ALTER TABLE answers ADD COLUMN declined INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE answers ADD COLUMN summary INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE answers ADD COLUMN article_id TEXT",
            "ALTER TABLE answers ADD COLUMN passage_start INTEGER",
            "ALTER TABLE answers ADD COLUMN passage_end INTEGER",
            "ALTER TABLE answers ADD COLUMN passage TEXT",
            # Superseded by the chain of turns (follows); old answers become one-turn conversations.
            "ALTER TABLE answers DROP COLUMN previous_question",
            "CREATE INDEX answers_latest ON answers (chat_id, thread_id, message_id)",
            # Resets per forum topic: the table is rebuilt with (chat_id, thread_id) as its key.
            """CREATE TABLE conversations_by_topic (
                chat_id INTEGER NOT NULL,
                thread_id INTEGER NOT NULL,
                reset_after INTEGER NOT NULL,
                reset_at TEXT NOT NULL,
                PRIMARY KEY (chat_id, thread_id)
            )""",
            """INSERT INTO conversations_by_topic (chat_id, thread_id, reset_after, reset_at)
                SELECT chat_id, 0, reset_after, reset_at FROM conversations""",
            "DROP TABLE conversations",
            "ALTER TABLE conversations_by_topic RENAME TO conversations",
        ),
    ),
    (
        5,  # where an article came from belongs to the chat that added it; adds under way
        (
            "ALTER TABLE chat_articles ADD COLUMN source_name TEXT",
            "ALTER TABLE chat_articles ADD COLUMN source_url TEXT",
            "ALTER TABLE chat_articles ADD COLUMN author TEXT",
            "ALTER TABLE chat_articles ADD COLUMN published TEXT",  # an ISO date
            # The entry that first stored the article (same timestamp) is the one whose link the
            # article row kept; other chats' entries get none rather than that chat's link.
            """UPDATE chat_articles SET (source_name, source_url) = (
                SELECT a.source_name, a.source_url FROM articles a
                WHERE a.id = chat_articles.article_id AND a.created_at = chat_articles.added_at)""",
            "ALTER TABLE articles DROP COLUMN source_name",
            "ALTER TABLE articles DROP COLUMN source_url",
            """CREATE TABLE pending_adds (
                chat_id INTEGER NOT NULL,
                message_id INTEGER NOT NULL,  -- the /add message
                status_message_id INTEGER NOT NULL,  -- the bot's progress message, edited as it goes
                request TEXT NOT NULL,  -- what to add, as JSON (bot.ingest.Request)
                created_at TEXT NOT NULL,
                PRIMARY KEY (chat_id, message_id)
            )""",
        ),
    ),
    (
        6,  # lanes: a chat's updates handled in order by one process at a time; updates set aside
        (
            "ALTER TABLE inbox RENAME COLUMN chat_id TO lane",
            "UPDATE inbox SET lane = 0 WHERE lane IS NULL",  # kept by an older bot: no chat
            "CREATE INDEX inbox_lane ON inbox (lane, update_id)",
            """CREATE TABLE lanes (
                lane INTEGER PRIMARY KEY,
                owner TEXT NOT NULL,  -- the process holding it
                expires_at REAL NOT NULL  -- Unix time: anyone may take the lane over after it
            )""",
            "CREATE INDEX lanes_owner ON lanes (owner)",
            """CREATE TABLE set_aside_updates (
                update_id INTEGER PRIMARY KEY,
                payload TEXT NOT NULL,
                reason TEXT NOT NULL,
                set_aside_at TEXT NOT NULL
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
PRUNE_EVERY = 1000  # finish_update calls between prunes
BUSY_TIMEOUT_SECONDS = 10.0  # a call waits this long for another process's write lock, then fails
# Failures of the file, not of the call: waiting (for a lock, for space, for a remount) can mend them.
_UNAVAILABLE_CODES = {
    getattr(sqlite3, name)
    for name in (
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
        "SQLITE_IOERR",
        "SQLITE_FULL",
        "SQLITE_CANTOPEN",
        "SQLITE_PROTOCOL",
        "SQLITE_READONLY",
        "SQLITE_NOMEM",
    )
}
_MAX_INT = 2**63 - 1  # SQLite integers are 64-bit; a larger /remove number simply has no entry

_ENTRY_COLUMNS = """ca.seq, ca.added_at, ca.added_by, ca.added_by_id,
    ca.source_name, ca.source_url, ca.author, ca.published, a.id, a.title, a.text, a.language"""

_INSERT_ARTICLE = """INSERT INTO articles (id, title, text, text_length, language, created_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO NOTHING"""
_INSERT_ENTRY = """INSERT INTO chat_articles
    (chat_id, article_id, added_at, added_by, added_by_id, source_name, source_url, author, published)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (chat_id, article_id) DO NOTHING"""
_SELECT_ENTRY = f"""SELECT {_ENTRY_COLUMNS},
    (SELECT count(*) FROM chat_articles c2 WHERE c2.chat_id = ca.chat_id AND c2.seq <= ca.seq) AS number
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id
    WHERE ca.chat_id = ? AND ca.article_id = ?"""
_SELECT_LIBRARY = f"""SELECT {_ENTRY_COLUMNS}
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id
    WHERE ca.chat_id = ? ORDER BY ca.seq"""
_SELECT_NTH = _SELECT_LIBRARY + " LIMIT 1 OFFSET ?"
_DELETE_IF_ORPHAN = """DELETE FROM articles
    WHERE id = ? AND NOT EXISTS (SELECT 1 FROM chat_articles WHERE article_id = ?)"""
_ENSURE_CHAT = "INSERT INTO chat_settings (chat_id) VALUES (?) ON CONFLICT (chat_id) DO NOTHING"
_BUMP_VERSION = "UPDATE chat_settings SET version = version + 1 WHERE chat_id = ?"
_SAVE_SETTINGS = """INSERT INTO chat_settings (chat_id, include_default, everyone_can_edit, version)
    VALUES (?, ?, ?, 1)
    ON CONFLICT (chat_id) DO UPDATE SET
        include_default = excluded.include_default,
        everyone_can_edit = excluded.everyone_can_edit,
        version = chat_settings.version + 1"""
_LIBRARY_SIZE = """SELECT count(*), coalesce(sum(a.text_length), 0)
    FROM chat_articles ca JOIN articles a ON a.id = ca.article_id WHERE ca.chat_id = ?"""
_BEGIN_ADD = """INSERT INTO pending_adds (chat_id, message_id, status_message_id, request, created_at)
    VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"""
_SELECT_PENDING_ADDS = """SELECT chat_id, message_id, status_message_id, request FROM pending_adds
    ORDER BY created_at, chat_id, message_id"""
_END_ADD = "DELETE FROM pending_adds WHERE chat_id = ? AND message_id = ?"
_SAVE_ANSWER = f"""INSERT INTO answers ({ANSWER_COLUMNS}, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (chat_id, message_id) DO UPDATE SET
        question = excluded.question,
        question_message_id = excluded.question_message_id,
        asked_by_id = excluded.asked_by_id,
        thread_id = excluded.thread_id,
        follows = excluded.follows,
        declined = excluded.declined,
        summary = excluded.summary,
        article_id = excluded.article_id,
        passage_start = excluded.passage_start,
        passage_end = excluded.passage_end,
        passage = excluded.passage,
        page = excluded.page"""
_SELECT_ANSWER = f"SELECT {ANSWER_COLUMNS} FROM answers WHERE chat_id = ? AND message_id = ?"
_SELECT_ANSWER_TO = f"""SELECT {ANSWER_COLUMNS} FROM answers
    WHERE chat_id = ? AND question_message_id = ? ORDER BY message_id DESC LIMIT 1"""
_SELECT_CONVERSATION = conversation_sql("?", "?")
_SELECT_LATEST_CONVERSATION = conversation_sql(f"({last_answer_sql('?')})", "?")
# A reset forgets every answer of the topic up to reset_after (Telegram message ids grow within
# a chat), so re-saving an old answer (paging it) cannot bring it back as the last one.
_RESET = """INSERT INTO conversations (chat_id, thread_id, reset_after, reset_at)
    SELECT ?, ?, coalesce(max(message_id), 0), ? FROM answers WHERE chat_id = ? AND thread_id = ?
    ON CONFLICT (chat_id, thread_id) DO UPDATE SET
        reset_after = max(conversations.reset_after, excluded.reset_after),
        reset_at = excluded.reset_at"""
_PRUNE_HANDLED = (
    """DELETE FROM handled_updates WHERE update_id < (
        SELECT update_id FROM handled_updates ORDER BY update_id DESC LIMIT 1 OFFSET ?)""",
    "DELETE FROM handled_updates WHERE handled_at < ?",
)
_PRUNE_SET_ASIDE = "DELETE FROM set_aside_updates WHERE set_aside_at < ?"
_SET_ASIDE_VERSION = 4  # the schema version that added set_aside_updates


class SQLiteStore:
    """The ``Store`` on a local SQLite file (created with its parent directories on first open)."""

    def __init__(
        self,
        path: str | Path,
        *,
        keep_handled: int = HANDLED_KEEP,
        handled_max_age: timedelta = HANDLED_MAX_AGE,
        prune_every: int = PRUNE_EVERY,
    ) -> None:
        self.path = Path(path)
        self._keep_handled = keep_handled
        self._handled_max_age = handled_max_age
        self._prune_every = prune_every
        self._finishes = 0
        self._thread: BatchingThread | None = None
        self._conn: sqlite3.Connection | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    async def open(self, *, schema_version: int | None = None) -> None:
        """Open the file and create or migrate the schema (``schema_version`` < latest: tests only)."""
        if self._thread is None:
            self._thread = BatchingThread("sqlite-store", self._connection)
        try:
            await self._run(ALONE, self._connect_sync)
            await self._write(_migrate, LATEST_VERSION if schema_version is None else schema_version)
            await self._write(self._prune)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the file (idempotent)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        try:
            await thread.submit(ALONE, self._close_sync)
        finally:
            thread.stop()

    def _connect_sync(self) -> None:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode (isolation_level=None): transactions are the explicit BEGINs of batches.
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
            conn.row_factory = sqlite3.Row
            _use_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn

    def _close_sync(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def _run(self, kind: str, fn: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            raise RuntimeError("the store is not open: await store.open() first")
        try:
            return await self._thread.submit(kind, fn, *args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF in _UNAVAILABLE_CODES:  # the primary code of an extended one
                raise StoreUnavailable(f"SQLite: {error}") from error
            raise

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(conn, *args)`` as a transaction of its own: all of it is committed or none."""
        return await self._run(WRITE, fn, *args)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._run(READ, fn, *args)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the store is not open: await store.open() first")
        return self._conn

    # --- libraries -------------------------------------------------------------------------------
    async def add_article(
        self, chat_id: int, article: Article, added_by: str, added_by_id: int
    ) -> LibraryEntry:
        """Add to the chat's library (the same article twice is stored once; returns its entry)."""
        return await self._write(_add_article, chat_id, article, added_by, added_by_id)

    async def remove_article(self, chat_id: int, number: int) -> LibraryEntry | None:
        """Remove the chat's entry ``number``; None if the chat has no such entry."""
        return await self._write(_remove_article, chat_id, number)

    async def library(self, chat_id: int) -> list[LibraryEntry]:
        """The chat's own articles, numbered, oldest first (not the built-in one)."""
        return await self._read(_library, chat_id)

    async def library_version(self, chat_id: int) -> int:
        """A number that changes whenever the chat's library or settings change (cache key)."""
        row = await self._read(_fetchone, "SELECT version FROM chat_settings WHERE chat_id = ?", (chat_id,))
        return row[0] if row else 0

    async def library_size(self, chat_id: int) -> tuple[int, int]:
        """(articles, total characters) of the chat's own library, for the per-chat limits."""
        row = await self._read(_fetchone, _LIBRARY_SIZE, (chat_id,))
        return row[0], row[1]

    async def settings(self, chat_id: int) -> ChatSettings:
        """The chat's settings (the defaults until it saves some)."""
        row = await self._read(
            _fetchone,
            "SELECT include_default, everyone_can_edit FROM chat_settings WHERE chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return ChatSettings()
        return ChatSettings(include_default=bool(row[0]), everyone_can_edit=bool(row[1]))

    async def save_settings(self, chat_id: int, settings: ChatSettings) -> None:
        """Replace the chat's settings (changes its library_version)."""
        await self._write(
            _execute, _SAVE_SETTINGS, (chat_id, settings.include_default, settings.everyone_can_edit)
        )

    # --- adds under way -----------------------------------------------------------------------------
    async def begin_add(self, add: PendingAdd) -> bool:
        """Record an add under way; False when that /add message has one already."""
        params = (add.chat_id, add.message_id, add.status_message_id, add.request, _timestamp(_now()))
        return await self._write(_inserted, _BEGIN_ADD, params)

    async def pending_adds(self) -> list[PendingAdd]:
        """The adds under way, oldest first (at start-up: those a stop interrupted)."""
        rows = await self._read(_fetchall, _SELECT_PENDING_ADDS, ())
        return [PendingAdd(*row) for row in rows]

    async def end_add(self, chat_id: int, message_id: int) -> None:
        """The add is done (added or refused): forget it."""
        await self._write(_execute, _END_ADD, (chat_id, message_id))

    # --- conversations -----------------------------------------------------------------------------
    async def save_answer(self, record: AnswerRecord) -> None:
        """Insert or replace the record of the bot message (chat_id, message_id)."""
        await self._write(_execute, _SAVE_ANSWER, (*answer_params(record), _timestamp(_now())))

    async def answer(self, chat_id: int, message_id: int) -> AnswerRecord | None:
        """The record of the bot message (chat_id, message_id), if it is one of its answers."""
        return answer_from_row(await self._read(_fetchone, _SELECT_ANSWER, (chat_id, message_id)))

    async def answer_to(self, chat_id: int, question_message_id: int) -> AnswerRecord | None:
        """The latest answer the bot gave to the user's message ``question_message_id``."""
        return answer_from_row(await self._read(_fetchone, _SELECT_ANSWER_TO, (chat_id, question_message_id)))

    async def conversation(self, chat_id: int, message_id: int, turns: int) -> list[AnswerRecord]:
        """The answer ``message_id`` and those it followed, back to at most ``turns`` records in
        all, oldest first (empty if there is no such answer)."""
        params = (chat_id, message_id, chat_id, turns, chat_id)
        rows = await self._read(_fetchall, _SELECT_CONVERSATION, params)
        return [record_from_row(row) for row in rows]

    async def latest_conversation(self, chat_id: int, thread_id: int, turns: int) -> list[AnswerRecord]:
        """The :meth:`conversation` that ends at the latest answer in the chat's forum topic
        ``thread_id`` (0: outside topics) since its last ``reset``: the one a new question
        there continues (empty: it starts afresh)."""
        params = (chat_id, chat_id, thread_id, chat_id, thread_id, chat_id, turns, chat_id)
        rows = await self._read(_fetchall, _SELECT_LATEST_CONVERSATION, params)
        return [record_from_row(row) for row in rows]

    async def reset(self, chat_id: int, thread_id: int = 0) -> None:
        """Forget the conversation of the chat's topic ``thread_id``: the next question there
        starts afresh (replies to earlier answers still continue theirs)."""
        await self._write(_execute, _RESET, (chat_id, thread_id, _timestamp(_now()), chat_id, thread_id))

    # --- delivery ------------------------------------------------------------------------------------
    async def ping(self) -> None:
        """Return once the store takes writes again (raises StoreUnavailable while it does not)."""
        await self._write(_nothing)

    async def receive_updates(self, updates: Sequence[InboxRow], owner: str, lease: float) -> list[InboxRow]:
        """Inbox each update not handled or inboxed yet; claim for ``owner``, for ``lease`` seconds,
        each of their lanes that no live holder has. Returns the first waiting update of each lane
        claimed, by lane."""
        if not updates:
            return []
        now = _timestamp(_now())
        return await self._write(delivery.receive_updates, _unique(updates), owner, lease, now)

    async def finish_update(self, update_id: int, lane: int, owner: str, lease: float) -> Finished:
        """Record the update handled and take it out of the inbox; if ``owner`` holds the lane and
        more updates wait in it, renew the lease and return the next one, else let the lane go.
        Every ``prune_every`` calls, prune old handled records (never the inbox)."""
        self._finishes += 1
        prune = self._finishes % self._prune_every == 0
        return await self._write(self._finish_update, update_id, lane, owner, lease, prune)

    def _finish_update(
        self, conn: sqlite3.Connection, update_id: int, lane: int, owner: str, lease: float, prune: bool
    ) -> Finished:
        finished = delivery.finish_update(conn, update_id, lane, owner, lease, _timestamp(_now()))
        if prune:
            self._prune(conn)
        return finished

    async def renew_lanes(self, owner: str, lanes: Sequence[int], lease: float) -> list[int]:
        """Extend ``owner``'s leases of ``lanes`` by ``lease`` seconds; the lanes it still holds."""
        if not lanes:
            return []
        return await self._write(delivery.renew_lanes, owner, lanes, lease)

    async def claim_lanes(self, owner: str, lease: float, limit: int) -> list[InboxRow]:
        """Claim up to ``limit`` lanes whose updates wait with no live holder; the first waiting
        update of each."""
        return await self._write(delivery.claim_lanes, owner, lease, limit)

    async def lane_owners(self) -> list[str]:
        """The owners that hold lanes."""
        return [row[0] for row in await self._read(_fetchall, "SELECT DISTINCT owner FROM lanes", ())]

    async def release_lanes(self, owner: str) -> None:
        """Let go of every lane ``owner`` holds (it is stopping): others may take them at once."""
        await self._write(delivery.release_lanes, owner)

    async def set_aside(self, update_id: int, payload: str, reason: str) -> None:
        """Keep an update that cannot be handled for a person to look at: recorded with the
        reason, counted as handled and out of the inbox."""
        await self._write(delivery.set_aside, update_id, payload, reason, _timestamp(_now()))

    async def inbox(self, limit: int = 10_000) -> list[InboxRow]:
        """The updates received and not handled yet, ascending by update_id."""
        if limit <= 0:
            return []
        return await self._read(delivery.inbox, limit)

    async def is_handled(self, update_id: int) -> bool:
        """Whether the update was handled already (Telegram re-delivers after a crash)."""
        row = await self._read(_fetchone, "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,))
        return row is not None

    def _prune(self, conn: sqlite3.Connection) -> None:
        version = _current_version(conn)
        if version < 1:  # opened at version 0 (tests): nothing to prune
            return
        conn.execute(_PRUNE_HANDLED[0], (self._keep_handled - 1,))
        conn.execute(_PRUNE_HANDLED[1], (_timestamp(_now() - self._handled_max_age),))
        if version >= _SET_ASIDE_VERSION:
            conn.execute(_PRUNE_SET_ASIDE, (_timestamp(_now() - SET_ASIDE_MAX_AGE),))


# --- transactions (run on the worker thread, inside a write transaction) -------------------------------
def _migrate(conn: sqlite3.Connection, target: int) -> None:
    """Apply the pending migrations up to ``target``; refuse a file from a newer bot."""
    current = _current_version(conn)
    if current > LATEST_VERSION:
        raise RuntimeError(
            f"the database is at schema version {current}, newer than this bot's {LATEST_VERSION}: "
            "upgrade the bot (downgrading the schema is not supported)"
        )
    for version, statements in MIGRATIONS:
        if current < version <= target:
            for statement in statements:
                conn.execute(statement)
            # user_version lives in the file header and is written by this same transaction.
            conn.execute(f"PRAGMA user_version = {int(version)}")


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (a no-op once it is: the mode is stored in the file)."""
    # Switching needs an exclusive lock, and when another connection is opening the new file at
    # the same moment SQLite answers "locked" at once instead of waiting busy_timeout: retry.
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.01)


def _current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _add_article(
    conn: sqlite3.Connection, chat_id: int, article: Article, added_by: str, added_by_id: int
) -> LibraryEntry:
    now = _timestamp(_now())
    conn.execute(_ENSURE_CHAT, (chat_id,))
    row = (article.id, article.title, article.text, len(article.text), article.language, now)
    conn.execute(_INSERT_ARTICLE, row)
    entry = (chat_id, article.id, now, added_by, added_by_id, *entry_metadata(article))
    if conn.execute(_INSERT_ENTRY, entry).rowcount:
        conn.execute(_BUMP_VERSION, (chat_id,))  # adding it again changes nothing, not even the version
    row = conn.execute(_SELECT_ENTRY, (chat_id, article.id)).fetchone()
    return _entry(row, row["number"])


def _remove_article(conn: sqlite3.Connection, chat_id: int, number: int) -> LibraryEntry | None:
    if not 1 <= number <= _MAX_INT:
        return None
    row = conn.execute(_SELECT_NTH, (chat_id, number - 1)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM chat_articles WHERE seq = ?", (row["seq"],))
    conn.execute(_DELETE_IF_ORPHAN, (row["id"], row["id"]))
    conn.execute(_BUMP_VERSION, (chat_id,))
    return _entry(row, number)


def _library(conn: sqlite3.Connection, chat_id: int) -> list[LibraryEntry]:
    rows = conn.execute(_SELECT_LIBRARY, (chat_id,)).fetchall()
    return [_entry(row, number) for number, row in enumerate(rows, start=1)]


def _unique(updates: Sequence[InboxRow]) -> list[InboxRow]:
    """The updates by ascending update_id, each id once (its first occurrence)."""
    first: dict[int, InboxRow] = {}
    for update in updates:
        first.setdefault(update[0], update)
    return [first[update_id] for update_id in sorted(first)]


def _nothing(conn: sqlite3.Connection) -> None:
    """An empty write transaction: taking the write lock is the test."""


def _execute(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> None:
    conn.execute(sql, params)


def _inserted(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> bool:
    return conn.execute(sql, params).rowcount > 0


def _fetchone(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
    return conn.execute(sql, params).fetchone()


def _fetchall(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


# --- rows → values ------------------------------------------------------------------------------------
def _entry(row: sqlite3.Row, number: int) -> LibraryEntry:
    return entry_from_row(row, number, _datetime(row["added_at"]))


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime) -> str:
    # Fixed-width ISO 8601 in UTC, so text order is time order (the age prune compares strings).
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _datetime(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
