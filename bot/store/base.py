"""What the bot keeps across restarts, behind one interface with two backends.

A chat's *library* is the articles its members added (plus the built-in one unless the chat
turned it off). A *conversation* is what follow-up questions lean on: every bot answer is
recorded as a turn — the question, the passage it quoted and where that stands — with a link
to the answer it followed, so a conversation is a chain of answers read back from its latest
one. A reply to an answer (by anyone in the chat, at any later time) continues that answer's
chain; another question continues the latest answer of its chat or forum topic, until a reset.
Received updates wait in an inbox until handled, then are recorded as handled, so a crash loses
none and one that Telegram delivers again is skipped. Each update belongs to a *lane* (its chat,
or its user when it has no chat): one process at a time holds a lane, for a lease it renews, and
handles the lane's updates in order; a lane whose holder died is taken over when its lease ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from index import Article


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """An article as a chat's library lists it (``/sources``)."""

    number: int  # 1-based position in the chat's list, stable until an earlier entry is removed
    article: Article
    added_at: datetime
    added_by: str  # the adder's display name, for "/sources"
    added_by_id: int


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer message the bot sent: enough to page it, open its context, edit it when its
    question is edited, and be a turn of its conversation."""

    chat_id: int
    message_id: int  # the bot's message
    question: str
    question_message_id: int | None  # the user's message it answered (for edits)
    asked_by_id: int | None
    thread_id: int = 0  # the forum topic (message_thread_id) it was asked in; 0 outside topics
    follows: int | None = None  # the answer (message_id, same chat) whose conversation it continues
    declined: bool = False  # the bot said the library does not answer it
    summary: bool = False  # a /summary: the summary of the article its quote comes from
    # The passage the bot quoted as its top hit (None when it declined): the article, the
    # offsets in its text, and the text itself (cut at TURN_CHARS).
    article_id: str | None = None
    start: int | None = None
    end: int | None = None
    passage: str = ""
    page: int = 0  # which hit the message shows now


@dataclass(frozen=True, slots=True)
class PendingAdd:
    """An /add under way: kept until it is done, so that a restart finishes it."""

    chat_id: int
    message_id: int  # the /add message (one add per message)
    status_message_id: int  # the bot's progress message, edited as the add goes on
    request: str  # what to add, as JSON (bot.ingest.Request)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    include_default: bool = True  # the built-in article stays in the library
    everyone_can_edit: bool = False  # groups: members other than admins may /add and /remove


class StoreUnavailable(Exception):
    """The database cannot be reached or is busy (locked, gone, full): try again later.

    Raised by every store method in place of the backend's own error, which is its ``__cause__``.
    Any other error is about the call itself (a value the database refuses) and will not go
    away by trying again.
    """


class InboxRow(NamedTuple):
    """A received update waiting in the inbox."""

    update_id: int
    lane: int  # the chat's id, or the user's for an update without a chat, or 0
    payload: str  # the update as JSON


class Finished(NamedTuple):
    """What ``finish_update`` found."""

    handled_before: bool  # it was recorded handled already: something else handled it too
    next: InboxRow | None  # the lane's next update, the lane still held; None: the lane was let go


class Store(Protocol):
    """Async persistence. Every method is one transaction: it completes or changes nothing.

    Every method raises :class:`StoreUnavailable` when the database cannot be reached or is busy.
    """

    async def open(self) -> None:
        """Connect and create or migrate the schema (idempotent)."""

    async def close(self) -> None: ...

    # --- libraries -------------------------------------------------------------------------
    async def add_article(
        self, chat_id: int, article: Article, added_by: str, added_by_id: int
    ) -> LibraryEntry:
        """Add to the chat's library (the same article twice is stored once; returns its entry)."""

    async def remove_article(self, chat_id: int, number: int) -> LibraryEntry | None:
        """Remove the chat's entry ``number``; None if the chat has no such entry."""

    async def library(self, chat_id: int) -> list[LibraryEntry]:
        """The chat's own articles, numbered, oldest first (not the built-in one)."""

    async def library_version(self, chat_id: int) -> int:
        """A number that changes whenever the chat's library or settings change (cache key)."""

    async def library_size(self, chat_id: int) -> tuple[int, int]:
        """(articles, total characters) of the chat's own library, for the per-chat limits."""

    async def settings(self, chat_id: int) -> ChatSettings: ...

    async def begin_add(self, add: PendingAdd) -> bool:
        """Record an add under way; False when that /add message has one already."""

    async def pending_adds(self) -> list[PendingAdd]:
        """The adds under way, oldest first (at start-up: those a stop interrupted)."""

    async def end_add(self, chat_id: int, message_id: int) -> None:
        """The add is done (added or refused): forget it."""

    async def save_settings(self, chat_id: int, settings: ChatSettings) -> None: ...

    # --- conversations -----------------------------------------------------------------------
    async def save_answer(self, record: AnswerRecord) -> None:
        """Insert or replace the record of the bot message (chat_id, message_id)."""

    async def answer(self, chat_id: int, message_id: int) -> AnswerRecord | None: ...

    async def answer_to(self, chat_id: int, question_message_id: int) -> AnswerRecord | None:
        """The latest answer the bot gave to the user's message ``question_message_id``."""

    async def conversation(self, chat_id: int, message_id: int, turns: int) -> list[AnswerRecord]:
        """The answer ``message_id`` and those it followed, back to at most ``turns`` records in
        all, oldest first (empty if there is no such answer)."""

    async def latest_conversation(self, chat_id: int, thread_id: int, turns: int) -> list[AnswerRecord]:
        """The :meth:`conversation` that ends at the latest answer in the chat's forum topic
        ``thread_id`` (0: outside topics) since its last ``reset``: the one a new question
        there continues (empty: it starts afresh)."""

    async def reset(self, chat_id: int, thread_id: int = 0) -> None:
        """Forget the conversation of the chat's topic ``thread_id``: the next question there
        starts afresh (replies to earlier answers still continue theirs)."""

    # --- delivery ------------------------------------------------------------------------------
    async def ping(self) -> None:
        """Return once the store takes writes again (raises StoreUnavailable while it does not)."""

    async def receive_updates(self, updates: Sequence[InboxRow], owner: str, lease: float) -> list[InboxRow]:
        """Inbox each update not handled or inboxed yet; claim for ``owner``, for ``lease`` seconds,
        each of their lanes that no live holder has. Returns the first waiting update of each lane
        claimed, by lane."""

    async def finish_update(self, update_id: int, lane: int, owner: str, lease: float) -> Finished:
        """Record the update handled and take it out of the inbox; if ``owner`` holds the lane and
        more updates wait in it, renew the lease and return the next one, else let the lane go.
        Prunes old handled records now and then."""

    async def renew_lanes(self, owner: str, lanes: Sequence[int], lease: float) -> list[int]:
        """Extend ``owner``'s leases of ``lanes`` by ``lease`` seconds; the lanes it still holds."""

    async def claim_lanes(self, owner: str, lease: float, limit: int) -> list[InboxRow]:
        """Claim up to ``limit`` lanes whose updates wait with no live holder (it died, or the
        update was inboxed by an older bot); the first waiting update of each."""

    async def lane_owners(self) -> list[str]:
        """The owners that hold lanes."""

    async def release_lanes(self, owner: str) -> None:
        """Let go of every lane ``owner`` holds (it is stopping): others may take them at once."""

    async def set_aside(self, update_id: int, payload: str, reason: str) -> None:
        """Keep an update that cannot be handled for a person to look at: recorded with the
        reason, counted as handled (a re-delivery is skipped) and out of the inbox."""

    async def inbox(self, limit: int = 10_000) -> list[InboxRow]:
        """The updates received and not handled yet, ascending by update_id."""

    async def is_handled(self, update_id: int) -> bool:
        """Whether the update was handled already (Telegram re-delivers after a crash)."""


# --- values → rows → values (both backends' rows are read by column name) -----------------------------
def entry_metadata(article: Article) -> tuple[str | None, ...]:
    """What the chat's entry keeps of an article it added: where it came from, who wrote it
    and when. Per entry, not per article: chats that add the same text from different places
    each keep their own (and never see another chat's link)."""
    return article.source_name, article.source_url, article.author, article.published


def entry_from_row(row: Any, number: int, added_at: datetime) -> LibraryEntry:
    """A library entry from a row of chat_articles joined with articles."""
    article = Article(
        title=row["title"],
        text=row["text"],
        language=row["language"],
        source_name=row["source_name"],
        source_url=row["source_url"],
        author=row["author"],
        published=row["published"],
        id=row["id"],
    )
    return LibraryEntry(number, article, added_at, row["added_by"], row["added_by_id"])


def answer_from_row(row: Any) -> AnswerRecord | None:
    """An answer record from a row of answers (None for no row)."""
    return None if row is None else record_from_row(row)


def record_from_row(row: Any) -> AnswerRecord:
    """An answer record from a row of answers (ANSWER_COLUMNS)."""
    return AnswerRecord(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        question=row["question"],
        question_message_id=row["question_message_id"],
        asked_by_id=row["asked_by_id"],
        thread_id=row["thread_id"],
        follows=row["follows"],
        declined=bool(row["declined"]),
        summary=bool(row["summary"]),
        article_id=row["article_id"],
        start=row["passage_start"],
        end=row["passage_end"],
        passage=row["passage"] or "",
        page=row["page"],
    )


def answer_params(record: AnswerRecord) -> tuple[Any, ...]:
    """The record's values in the order of ANSWER_COLUMNS (the passage cut at TURN_CHARS)."""
    return (
        record.chat_id,
        record.message_id,
        record.question,
        record.question_message_id,
        record.asked_by_id,
        record.thread_id,
        record.follows,
        record.declined,
        record.summary,
        record.article_id,
        record.start,
        record.end,
        record.passage[:TURN_CHARS],
        record.page,
    )


# The columns of an answer row that make an AnswerRecord, in answer_params' order.
ANSWER_COLUMNS = (
    "chat_id, message_id, question, question_message_id, asked_by_id, thread_id, follows, declined, "
    "summary, article_id, passage_start, passage_end, passage, page"
)
# A turn's passage is kept to this many characters: a quote is at most ~1,800 (index.passages),
# and what a follow-up needs from it is its words and its place, not an unbounded copy.
TURN_CHARS = 2000


def conversation_sql(answer: str, placeholder: str) -> str:
    """SQL for the chain of answers that ends at ``answer`` (SQL for its message id), walked
    back through `follows` (always an earlier message: the walk cannot loop) for at most the
    number of turns asked for; oldest first. Parameters, in the driver's ``placeholder`` (SQLite's
    ?, psycopg's %s): the chat, ``answer``'s own, the chat, the turns, the chat."""
    p = placeholder
    return f"""WITH RECURSIVE chain (depth, message_id, follows) AS (
        SELECT 1, message_id, follows FROM answers WHERE chat_id = {p} AND message_id = {answer}
        UNION ALL
        SELECT chain.depth + 1, a.message_id, a.follows
        FROM chain JOIN answers a ON a.chat_id = {p} AND a.message_id = chain.follows
        WHERE chain.depth < {p} AND a.message_id < chain.message_id
    )
    SELECT {", ".join(f"a.{column}" for column in ANSWER_COLUMNS.split(", "))}
    FROM chain JOIN answers a ON a.chat_id = {p} AND a.message_id = chain.message_id
    ORDER BY chain.depth DESC"""


def last_answer_sql(placeholder: str) -> str:
    """SQL for the message id of the latest answer of a chat's topic since its last reset.
    Parameters: chat, thread, chat, thread."""
    p = placeholder
    return f"""SELECT message_id FROM answers
    WHERE chat_id = {p} AND thread_id = {p} AND message_id > coalesce(
        (SELECT reset_after FROM conversations WHERE chat_id = {p} AND thread_id = {p}), 0)
    ORDER BY message_id DESC LIMIT 1"""
