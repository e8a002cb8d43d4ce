"""/help, /summary and /reset."""

from __future__ import annotations

import re

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from index import Answer, Index

from .conversations import subject, thread_of
from .formatting import escape, pack
from .questions import summarise, take_turn
from .services import services
from .store import AnswerRecord

# The question a /summary stands for, recorded as its turn's question.
SUMMARY_QUESTION = "What is this article about?"
_ENTRY_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits: "²".isdigit() holds, int("²") fails

# Telegram keeps line breaks, so paragraphs are single lines (joined strings), commands one a line.
PRIVATE_HELP = "\n\n".join(
    [
        "<b>Ask me about an article.</b> Send any question as a message; I answer with the article's own "
        "words — the best passage, the answering words in bold — and cite where it comes from. If the "
        "article doesn't say, I tell you.",
        "Under an answer, <b>More</b> shows the next passages and <b>Context</b> the whole paragraph.",
        'Ask follow-ups ("when?", "what did he say?", "and Kherson?"): I keep the conversation going '
        "until you /reset it. Reply to an older answer of mine to go back to that subject.",
        "/summary — what the article we are talking about says, in its key sentences, with its title, "
        "author, date and source (/summary N for article N of /sources)\n"
        "/sources — the articles I answer from\n"
        "/add — add an article: <code>/add https://…</code> (or just send the link), /add with pasted "
        "text, a .txt, .md, .html or .pdf file (sent here it needs no caption), or /add in reply to such "
        "a message or file\n"
        "/remove N — remove article N of /sources\n"
        "/default off|on — leave out or bring back the built-in article\n"
        "/reset — forget the conversation (the next question starts afresh)\n"
        "/ask QUESTION — the same as sending the question\n"
        "/help — this message",
        "In any chat, type <code>@{username} question</code> to share a cited passage there.",
    ]
)

GROUP_HELP = "\n\n".join(
    [
        "<b>Ask me about the group's articles.</b> Everyone here shares one library.",
        "/ask QUESTION — ask (works even with my privacy mode on)\n"
        "Or mention me: <code>@{username} question</code>. I stay quiet about everything else said here.",
        "Follow-ups: a question after one of my answers continues that conversation, whoever asks it "
        '("/ask when?"); a reply to any of my answers continues that one. Each forum topic has its '
        "own conversation.",
        "/summary — what the article being discussed says, in its key sentences (/summary N for "
        "article N of /sources)\n"
        "/sources — the group's articles\n"
        "/add — add an article (a link, pasted text, or a file)\n"
        "/remove N — remove article N of /sources\n"
        "/default off|on — leave out or bring back the built-in article\n"
        "/reset — forget the conversation (of this topic, in a forum)\n"
        "/help — this message",
        "Only administrators may /add, /remove and change /default, unless the bot is set up otherwise.",
    ]
)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain every command."""
    private = update.effective_chat.type == ChatType.PRIVATE
    text = (PRIVATE_HELP if private else GROUP_HELP).format(username=escape(context.bot.username or "bot"))
    for part in pack(text.split("\n\n"), separator="\n\n"):
        await update.effective_message.reply_html(part)


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
