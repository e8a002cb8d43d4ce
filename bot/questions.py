"""Questions in, answers out: private messages, /ask, mentions, replies, edits, buttons, inline."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, MessageEntityType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from index import Answer, Article, Index

from .conversations import (
    answer_record,
    article_by_id,
    continued,
    history,
    replies_to_bot,
    thread_of,
    turns,
)
from .flood import SLOW_DOWN
from .formatting import Button, Reply, answer_reply, context_reply
from .library import search
from .services import services
from .smalltalk import respond, small_talk
from .store import AnswerRecord

logger = logging.getLogger(__name__)

PAGES = 10  # hits an answer can page through with "More"
INLINE_RESULTS = 5
# A question longer than this is cut before searching: no real question is longer, and
# tokenizing a wall of text for every update would let one user slow down everyone.
MAX_QUESTION_CHARS = 1000
_CALLBACK = re.compile(r"^([pc]):(\d{1,2})$")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
TYPING_DELAY_SECONDS = 0.3  # an answer taking longer to work out shows "typing…" (class Typing)
TYPING_WAIT_SECONDS = 1.0


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat every text message is a question."""
    await answer_message(update, context, update.effective_message.text)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question>, in any chat."""
    question = " ".join(context.args or [])
    if not question.strip():
        await update.effective_message.reply_html(
            "Ask me about the article, e.g. <code>/ask how many reservists?</code>"
        )
        return
    await answer_message(update, context, question)


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups, only messages that mention the bot or reply to it are questions."""
    message = update.effective_message
    if replies_to_bot(message, context.bot.id):
        await answer_message(update, context, message.text)
    elif (question := _without_mention(message, context.bot.username, context.bot.id)) is not None:
        await answer_message(update, context, question)


async def answer_message(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer ``question`` asked by the update's message; an edited question edits its answer."""
    question = question.strip()[:MAX_QUESTION_CHARS]
    if not question:
        return
    if (talk := small_talk(question)) is not None:
        if update.edited_message is None:  # an edit into "thanks" leaves its answer as it was
            await respond(update, context, talk)
        return

    async def answer(index: Index, earlier: list[AnswerRecord]) -> Answer:
        return await search(index, question, turns(earlier), PAGES)

    await take_turn(update, context, question, answer)


async def take_turn(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question: str,
    work: Callable[[Index, list[AnswerRecord]], Awaitable[Answer]],
    *,
    summary: bool = False,
) -> None:
    """One turn of the message's conversation: find what it follows, let ``work`` answer from the
    chat's index and the conversation so far, reply (or edit the answer to an edited question),
    and record the answer as the conversation's newest turn."""
    message, chat = update.effective_message, update.effective_chat
    app = services(context)
    edited = update.edited_message is not None
    if not edited and await app.store.answer_to(chat.id, message.message_id) is not None:
        return  # answered before a crash or a failure left the update in the inbox
    user_id = update.effective_user.id if update.effective_user else None
    if not edited and app.quotas.over(chat.id, user_id):
        await message.reply_text(SLOW_DOWN)
    previous_answer = await app.store.answer_to(chat.id, message.message_id) if edited else None
    if previous_answer is not None:  # an edited question keeps the context it was asked in
        follows = previous_answer.follows
        earlier = await history(app.store, chat.id, follows)
    else:
        earlier = await continued(app.store, message, context.bot.id)
        follows = earlier[-1].message_id if earlier else None
    typing = Typing(context, chat.id, thread_of(message))
    try:
        answer = await work(await app.libraries.index_for(chat.id), earlier)
    finally:
        await typing.stop()
    reply = answer_reply(answer)
    if previous_answer is not None and await _edit(context, chat.id, previous_answer.message_id, reply):
        sent_id = previous_answer.message_id
    else:  # a new question, or the answer to edit is gone (deleted, or too old to edit)
        sent = await message.reply_html(
            reply.html, reply_markup=keyboard(reply.buttons), link_preview_options=NO_PREVIEW
        )
        sent_id = sent.message_id
    await app.store.save_answer(answer_record(message, sent_id, question, follows, answer, summary=summary))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """More / Context / Back: page through the answer the pressed message shows."""
    query = update.callback_query
    match = _CALLBACK.match(query.data or "")
    message = query.message
    record = None
    if match and isinstance(message, Message):
        record = await services(context).store.answer(message.chat.id, message.message_id)
    if record is None:
        await _answer_query(query.answer("This button has expired — ask the question again."))
        return
    answer = await _reanswer(context, record)
    if answer is None:
        await _answer_query(query.answer("That article is no longer in the library."))
        return
    page = int(match.group(2))
    if page >= len(answer.hits):
        await _answer_query(query.answer("There is nothing more to show."))
        return
    reply = context_reply(answer, page) if match.group(1) == "c" else answer_reply(answer, page)
    await _answer_query(query.answer())
    await _edit(context, record.chat_id, record.message_id, reply)


async def _reanswer(context: ContextTypes.DEFAULT_TYPE, record: AnswerRecord) -> Answer | None:
    """The recorded answer worked out again, from the history it was given (None: its article
    has left the library)."""
    app = services(context)
    index = await app.libraries.index_for(record.chat_id)
    if record.summary:
        article = article_by_id(index, record.article_id)
        return await summarise(index, article) if article is not None else None
    earlier = await history(app.store, record.chat_id, record.follows)
    return await search(index, record.question, turns(earlier), PAGES)


async def summarise(index: Index, article: Article | None) -> Answer:
    """The article's key sentences (the library's newest article when None), off the event loop:
    a long article's sentences take a while to weigh."""
    return await asyncio.to_thread(index.summary, article)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot question, in any chat: passages from the built-in and the user's own library."""
    query = update.inline_query
    question = query.query.strip()[:MAX_QUESTION_CHARS]
    if not question:
        await _answer_query(query.answer([], cache_time=60, is_personal=True))
        return
    # The user's private chat with the bot has the user's id: that library, never a group's.
    index = await services(context).libraries.index_for(query.from_user.id)
    answer = await search(index, question, k=INLINE_RESULTS)
    results = [
        InlineQueryResultArticle(
            id=str(number),
            title=_one_line(hit.passage.text, 60),
            description=f"¶{hit.citation.paragraph} · {hit.citation.title}",
            input_message_content=InputTextMessageContent(
                answer_reply(answer._replace(hits=[hit])).html,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
            ),
        )
        for number, hit in enumerate(answer.hits if not answer.declined else [])
    ]
    await _answer_query(query.answer(results, cache_time=30, is_personal=True))


async def _answer_query(answering: Awaitable[object]) -> None:
    """Answer a callback or inline query, unless Telegram forgot it already.

    Telegram takes answers to a query for some 10–15 seconds; one handled later — from the
    inbox after a restart, or after network retries — is refused as "too old". Nobody is
    waiting for that answer any more, so it is no error (and no apology in the chat).
    """
    try:
        await answering
    except BadRequest as error:
        if "query is too old" not in error.message.lower():
            raise
        logger.info("a query was answered too late: %s", error.message)


class Typing:
    """Shows "typing…" in a chat once an answer has taken TYPING_DELAY_SECONDS to work out.

    The Bot API recommends the indicator "only when a response from the bot will take a
    noticeable amount of time to arrive": an answer ready in milliseconds (the usual case)
    would only flash it, and its request costs as much CPU as the answer's own (measured with
    bench/bot_load.py). A large library's first index, or a busy bot, is what it is shown for.
    """

    def __init__(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, thread_id: int = 0):
        self._context = context
        self._chat_id = chat_id
        self._thread_id = thread_id or None  # shown in the forum topic the question was asked in
        self._sending: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(TYPING_DELAY_SECONDS, self._start)

    def _start(self) -> None:
        self._sending = asyncio.create_task(self._send())

    async def _send(self) -> None:
        try:
            await self._context.bot.send_chat_action(
                self._chat_id, ChatAction.TYPING, message_thread_id=self._thread_id
            )
        except Exception:  # a typing indicator is never worth failing an answer for
            logger.debug("could not send the typing action", exc_info=True)

    async def stop(self) -> None:
        """The answer is ready: no indicator from now on. One already on its way goes out first
        (a late one would linger after the answer), but a mere indicator is not waited for long."""
        self._timer.cancel()
        if self._sending is not None:
            await asyncio.wait({self._sending}, timeout=TYPING_WAIT_SECONDS)


async def _edit(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, reply: Reply) -> bool:
    """Show ``reply`` in the bot's message; False when that message can't be edited any more."""
    try:
        await context.bot.edit_message_text(
            reply.html,
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=keyboard(reply.buttons),
            link_preview_options=NO_PREVIEW,
        )
    except BadRequest as error:
        description = error.message.lower()
        if "not modified" in description:  # the same answer again: nothing to change
            return True
        if "message to edit not found" in description or "can't be edited" in description:
            return False  # deleted by the user, or older than Telegram lets bots edit
        raise
    return True


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in buttons]])


def _without_mention(message: Message, username: str, bot_id: int) -> str | None:
    """The message's text without its @mention of the bot; None when it does not mention it."""
    text = message.text or ""
    mentions = [
        entity
        for entity, value in message.parse_entities(
            [MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION]
        ).items()
        if value.casefold() == f"@{username}".casefold()
        or (entity.user is not None and entity.user.id == bot_id)
    ]
    if not mentions:
        return None
    # Entity offsets are in UTF-16 code units; cut the mentions out in that space.
    encoded = text.encode("utf-16-le")
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        encoded = encoded[: entity.offset * 2] + encoded[(entity.offset + entity.length) * 2 :]
    return encoded.decode("utf-16-le").strip(" ,:")


def _one_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
