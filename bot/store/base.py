"""What the bot keeps across restarts, behind one interface with two backends.

A chat's *library* is the articles its members added (plus the built-in one unless the chat
turned it off); its *conversation* is what follow-up questions lean on. Every bot answer is
recorded with the question it answered, so a reply to it — by anyone in the chat, at any later
time — can be resolved against that question, and an edited question can edit its answer.
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
    """One answer message the bot sent: enough to page it, open its context, or follow it up."""

    chat_id: int
    message_id: int  # the bot's message
    question: str
    previous_question: str | None  # the question it followed up, if it was a follow-up
    question_message_id: int | None  # the user's message it answered (for edits)
    asked_by_id: int | None
    page: int = 0  # which hit the message shows now


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

    async def save_settings(self, chat_id: int, settings: ChatSettings) -> None: ...

    # --- conversations -----------------------------------------------------------------------
    async def save_answer(self, record: AnswerRecord) -> None:
        """Insert or replace the record of the bot message (chat_id, message_id)."""

    async def answer(self, chat_id: int, message_id: int) -> AnswerRecord | None: ...

    async def answer_to(self, chat_id: int, question_message_id: int) -> AnswerRecord | None:
        """The latest answer the bot gave to the user's message ``question_message_id``."""

    async def last_answer(self, chat_id: int) -> AnswerRecord | None:
        """The chat's latest answer since the last ``reset`` (for private-chat follow-ups)."""

    async def reset(self, chat_id: int) -> None:
        """Forget the chat's conversation: the next question starts afresh."""

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


# --- rows → values (both backends' rows are read by column name) --------------------------------------
def entry_from_row(row: Any, number: int, added_at: datetime) -> LibraryEntry:
    """A library entry from a row of chat_articles joined with articles."""
    article = Article(
        title=row["title"],
        text=row["text"],
        language=row["language"],
        source_name=row["source_name"],
        source_url=row["source_url"],
        id=row["id"],
    )
    return LibraryEntry(number, article, added_at, row["added_by"], row["added_by_id"])


def answer_from_row(row: Any) -> AnswerRecord | None:
    """An answer record from a row of answers (None for no row)."""
    if row is None:
        return None
    return AnswerRecord(
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        question=row["question"],
        previous_question=row["previous_question"],
        question_message_id=row["question_message_id"],
        asked_by_id=row["asked_by_id"],
        page=row["page"],
    )
