"""/summary and /reset."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from index import Answer, Index

from .conversations import subject, thread_of
from .questions import summarise, take_turn
from .services import services
from .store import AnswerRecord

# The question a /summary stands for, recorded as its turn's question.
SUMMARY_QUESTION = "What is this article about?"
_ENTRY_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits: "²".isdigit() holds, int("²") fails


async def summary_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/summary: the key sentences of the article being discussed; /summary N: of article N."""
    argument = " ".join(context.args or [])
    chosen = None
    if argument:
        if not _ENTRY_NUMBER.fullmatch(argument):
            await update.effective_message.reply_html(
                "Use <code>/summary</code> for the article we are talking about, or "
                "<code>/summary N</code> with N from /sources."
            )
            return
        entries = await services(context).store.library(update.effective_chat.id)
        if not 1 <= int(argument) <= len(entries):
            await update.effective_message.reply_html(f"There is no article {argument} here — see /sources.")
            return
        chosen = entries[int(argument) - 1].article

    async def summary(index: Index, earlier: list[AnswerRecord]) -> Answer:
        return await summarise(index, chosen or subject(index, earlier))

    await take_turn(update, context, SUMMARY_QUESTION, summary, summary=True)


async def reset_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget the conversation of the chat, or of the forum topic it is sent in."""
    message = update.effective_message
    thread = thread_of(message)
    await services(context).store.reset(update.effective_chat.id, thread)
    where = "in this topic " if thread else ""
    await message.reply_text(f"Done — the next question {where}starts a new conversation.")
