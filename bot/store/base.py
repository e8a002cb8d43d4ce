"""What the bot keeps across restarts, behind one interface with two backends.

A chat's *library* is the articles its members added (plus the built-in one unless the chat
turned it off); its *conversation* is what follow-up questions lean on. Every bot answer is
recorded with the question it answered, so a reply to it — by anyone in the chat, at any later
time — can be resolved against that question, and an edited question can edit its answer.
Received updates wait in an inbox until handled, then are recorded as handled, so a crash loses
none and one that Telegram delivers again is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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


class Store(Protocol):
    """Async persistence. Every method is one transaction: it completes or changes nothing."""

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

    async def last_answer(self, chat_id: int) -> AnswerRecord | None:
        """The chat's latest answer since the last ``reset`` (for private-chat follow-ups)."""

    async def reset(self, chat_id: int) -> None:
        """Forget the chat's conversation: the next question starts afresh."""

    # --- delivery ------------------------------------------------------------------------------
    async def receive_updates(self, updates: Sequence[tuple[int, int | None, str]]) -> list[int]:
        """Inbox each (update_id, chat_id, payload JSON) not handled or inboxed yet; new ids, ascending."""

    async def inbox(self, limit: int = 10_000) -> list[tuple[int, str]]:
        """(update_id, payload) of the updates received and not handled yet, ascending by update_id."""

    async def is_handled(self, update_id: int) -> bool:
        """Whether the update was handled already (Telegram re-delivers after a crash)."""

    async def mark_handled(self, update_id: int) -> None:
        """Record the update handled and take it out of the inbox, atomically; prunes old records."""


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
