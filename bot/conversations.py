"""Conversations: which earlier answer a question follows, and the turns the index is given.

A conversation is a chain of the bot's answers in the store, each recorded with the answer it
followed (bot/store/base.py), so it lives in the database: it survives restarts and is shared
by every bot process. A new question follows
- the bot's answer it replies to, whoever replies (in the same forum topic);
- otherwise the latest answer of its forum topic — of the whole chat outside topics and in
  private chats — since the last /reset there.
An edited question keeps the answer it first followed; More and Context re-run an answer with
the history it was given. Inline queries have no conversation. Whether a question leans on
its history is the index's call: the last HISTORY_TURNS turns are always passed.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message

from index import Answer, Article, Index, Turn

from .store import AnswerRecord, Store

HISTORY_TURNS = 5


def thread_of(message: Message) -> int:
    """The forum topic a message is in; 0 outside topics (in an ordinary group a reply chain
    has a message_thread_id too, but it is no topic: the chat's conversation goes on there)."""
    return (message.message_thread_id or 0) if message.is_topic_message else 0


async def continued(store: Store, message: Message, bot_id: int) -> list[AnswerRecord]:
    """The last HISTORY_TURNS turns of the conversation that a new question, asked by
    ``message``, continues, oldest first: the last is the answer it follows. Empty when it
    starts afresh. One store call in the usual case (no reply, or a reply in the same topic)."""
    thread = thread_of(message)
    if replies_to_bot(message, bot_id):
        replied = message.reply_to_message.message_id
        records = await store.conversation(message.chat_id, replied, HISTORY_TURNS)
        if records and records[-1].thread_id == thread:
            return records
    return await store.latest_conversation(message.chat_id, thread, HISTORY_TURNS)


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


async def history(store: Store, chat_id: int, follows: int | None) -> list[AnswerRecord]:
    """The last HISTORY_TURNS turns of the conversation ending at the answer ``follows``, oldest first."""
    if follows is None:
        return []
    return await store.conversation(chat_id, follows, HISTORY_TURNS)


def turns(records: Sequence[AnswerRecord]) -> list[Turn]:
    """Recorded answers as the index's turns: each question with the passage it was answered with."""
    return [Turn(r.question, r.passage, r.article_id, r.start, r.end) for r in records]


def subject(index: Index, records: Sequence[AnswerRecord]) -> Article | None:
    """The article a conversation is about: the one its latest quoted passage comes from, if the
    library still has it."""
    for record in reversed(records):
        if record.article_id is not None:
            return article_by_id(index, record.article_id)
    return None


def article_by_id(index: Index, article_id: str | None) -> Article | None:
    return next((article for article in index.articles if article.id == article_id), None)


def answer_record(
    message: Message,
    sent_id: int,
    question: str,
    follows: int | None,
    answer: Answer,
    *,
    summary: bool = False,
) -> AnswerRecord:
    """The record of the bot's answer ``sent_id`` to ``message``: a turn of its conversation."""
    # The turn's answer is where it stands: the quoted passage's sentence that answered.
    top = answer.hits[0].focus if answer.hits and not answer.declined else None
    return AnswerRecord(
        chat_id=message.chat_id,
        message_id=sent_id,
        question=question,
        question_message_id=message.message_id,
        asked_by_id=message.from_user.id if message.from_user else None,
        thread_id=thread_of(message),
        follows=follows,
        declined=answer.declined,
        summary=summary,
        article_id=top.article.id if top else None,
        start=top.start if top else None,
        end=top.end if top else None,
        passage=top.text if top else "",
    )
