"""The bot on itself, and the messages that are not questions: /start, /help, greetings and
thanks. Thanks and "ok" get a 👍 reaction, "hi" the bot's greeting, "help" or "what can you do?"
the help, "what articles do you have?" the list of /sources, and a reader's reaction ("lol",
"wow", "interesting", an emoji alone) nothing — never "I found nothing about that", nor the next
passage. None becomes a turn of the conversation, so the next question still follows the last
answer."""

from __future__ import annotations

import logging
import re
from enum import Enum

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from index.examples import example_question

from .articles import sources_command
from .formatting import escape, pack
from .services import services

logger = logging.getLogger(__name__)

THANKS_REACTION = "👍"


class SmallTalk(Enum):
    THANKS = "thanks"  # also "ok", "got it": acknowledged, not answered
    GREETING = "greeting"
    REACTION = "reaction"  # "lol", "wow", "interesting", "😂": said to the chat, left unanswered
    HELP = "help"  # "help", "what can you do?", "how do I add an article?": /help
    SOURCES = "sources"  # "what articles do you have?": /sources


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
    # Questions about the bot itself, which no article answers ("what can Ukraine do?" is not one).
    SmallTalk.HELP: re.compile(
        r"^(?:help(?: me| please)?|commands|how does (?:this|it) work"
        r"|how (?:do i|to|can i) use (?:this|it|you)|what can you do|what do you do|who are you|what are you"
        r"|are you a bot"
        r"|how (?:do i|to|can i) add (?:an? |my )?(?:article|link|file|story|text)s?)(?: bot)?$"
    ),
    SmallTalk.SOURCES: re.compile(
        r"^(?:(?:what|which) (?:articles|sources|stories)"
        r" (?:do you have|do you know|are there|can i ask about)"
        r"|(?:list|show)(?: me)? (?:the |all |your )?(?:articles|sources)|articles|sources)$"
    ),
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
    """React to thanks; answer a greeting, "help" or "what articles do you have?" as the command
    it stands for (/start, /help, /sources); leave a reaction ("lol") unanswered."""
    if kind is SmallTalk.THANKS:
        try:
            await update.effective_message.set_reaction(THANKS_REACTION)
        except TelegramError as error:  # reactions turned off in this chat: thanks need no answer
            logger.debug("no reaction to thanks in chat %s: %s", update.effective_chat.id, error)
        return
    commands = {
        SmallTalk.GREETING: start_command,
        SmallTalk.HELP: help_command,
        SmallTalk.SOURCES: sources_command,
    }
    if (command := commands.get(kind)) is not None:
        await command(update, context)


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


def _example_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> str:
    if update.effective_chat.type == ChatType.PRIVATE:
        return question
    return f"/ask@{context.bot.username} {question}"
