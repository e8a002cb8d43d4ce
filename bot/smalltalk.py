"""Greetings and thanks: /start, and the messages that are not questions. Thanks and "ok" get a
👍 reaction, "hi" the bot's greeting, and a reader's reaction ("lol", "wow", "interesting", an
emoji alone) nothing — never "I found nothing about that", nor the next passage. None becomes a
turn of the conversation, so the next question still follows the last answer."""

from __future__ import annotations

import logging
import re
from enum import Enum

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from index.examples import example_question

from .formatting import escape
from .services import services

logger = logging.getLogger(__name__)

THANKS_REACTION = "👍"


class SmallTalk(Enum):
    THANKS = "thanks"  # also "ok", "got it": acknowledged, not answered
    GREETING = "greeting"
    REACTION = "reaction"  # "lol", "wow", "interesting", "😂": said to the chat, left unanswered


_OK = r"(?:ok(?:ay)?|k|kk|got it|cool|nice|great|perfect|awesome|good bot|i see|understood|alright|👍|👌)"
_THANKS = (
    r"(?:thanks?(?: you)?|thank u|thx|ty|cheers|much appreciated|appreciate it)"
    r"(?: (?:a lot|so much|very much|again|bot|mate))*"
)
# Alone, "interesting" would ask for anything interesting, and an emoji for the next passage.
_REACT = (
    r"(?:lol|lmao|rofl|ha(?:ha)+h?|he(?:he)+|wow|whoa|woah|omg|oh|ah+|aha|hm+|huh|"
    r"(?:(?:that s|thats|that is|how|so|very|really) )?(?:interesting|fascinating|sad|crazy|wild)|"
    r"makes sense|good to know|no way|damn|yikes|oof|(?:good)?bye|bye bye|see (?:you|ya)|"
    r"good night|nvm|never ?mind)"
)
_TALK = {
    SmallTalk.THANKS: re.compile(rf"^(?:(?:{_OK}|{_REACT}) )*(?:{_OK}|{_THANKS})$"),
    SmallTalk.REACTION: re.compile(rf"^(?:(?:{_OK}|{_REACT}) )*{_REACT}$"),
    SmallTalk.GREETING: re.compile(
        r"^(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening))(?: there| bot| all| everyone)?$"
    ),
}
# What may surround the words: mentions, punctuation, spaces and the odd emoji ("thanks @bot!! 🙏").
_NOISE = re.compile(r"@\w+|[^\w\s👍👌]+")
# Pictographs and symbols (not punctuation): what an emoji-only message holds.
_EMOJI = re.compile(r"[\u2190-\u2bff\U0001f000-\U0001faff]")


def small_talk(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, or None for a question (or anything else)."""
    words = " ".join(_NOISE.sub(" ", text.lower()).split())
    if not words and _EMOJI.search(text):  # "😂", "🔥🔥" (but "?" or "..." asks to go on)
        return SmallTalk.REACTION
    return next((kind for kind, pattern in _TALK.items() if pattern.match(words)), None)


async def respond(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: SmallTalk) -> None:
    """React to thanks; greet back with what the bot knows (as /start does)."""
    if kind is SmallTalk.GREETING:
        await start_command(update, context)
        return
    if kind is SmallTalk.REACTION:
        return
    try:
        await update.effective_message.set_reaction(THANKS_REACTION)
    except TelegramError as error:  # reactions turned off in this chat: thanks need no answer
        logger.debug("no reaction to thanks in chat %s: %s", update.effective_chat.id, error)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with what the bot knows and an example question."""
    articles = await services(context).libraries.articles(update.effective_chat.id)
    if not articles:
        known = "The library is empty: /add an article to ask about."
        example = ""
    else:
        titles = "\n".join(f"• {escape(a.title)}" for a in articles[:10])
        more = f"\n… and {len(articles) - 10} more (/sources)" if len(articles) > 10 else ""
        known = f"I answer questions from:\n{titles}{more}"
        prompt = _example_prompt(update, context, example_question(articles[-1]))
        example = f"\n\nTry: <code>{escape(prompt)}</code>"
    greeting = "Hi! I answer questions about news articles with their own words, and cite them."
    summary = "\n/summary tells what an article is about." if articles else ""
    await update.effective_message.reply_html(
        f"{greeting}\n\n{known}{example}{summary}\n\n/help lists everything I do."
    )


def _example_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> str:
    if update.effective_chat.type == ChatType.PRIVATE:
        return question
    return f"/ask@{context.bot.username} {question}"
