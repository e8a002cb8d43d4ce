"""Managing a chat's library: /add (link, pasted text, file, reply), /sources, /remove, /default."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import Document, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, NetworkError
from telegram.ext import ContextTypes

from index import Article, ArticleError, default_article, parse_document
from index.examples import example_question
from index.reader import PDF_SUFFIXES, decode_text, parse_html, parse_markdown, parse_text
from index.sentences import split_paragraphs

from .fetch import FetchError, fetch
from .formatting import escape, pack
from .isolated import read_isolated
from .services import services
from .store import ChatSettings

logger = logging.getLogger(__name__)

_URL = re.compile(r"^\s*(\S+://\S+)\s*$")
# A link pasted without its scheme, as address bars show it ("bbc.co.uk/news/…"): one word, a
# dotted host name ending in letters, maybe a path. Pasted text is never a single such word.
_BARE_LINK = re.compile(r"^\s*((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?)\s*$", re.IGNORECASE)
_CAPTION_ADD = re.compile(r"^/add(?:@(\w+))?(?:\s|$)", re.IGNORECASE)
_ENTRY_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits: "²".isdigit() holds, int("²") fails

ADD_USAGE = (
    "To add an article, send one of:\n"
    "• <code>/add https://…</code> — a link to the article\n"
    "• <code>/add</code> followed by the pasted text (first line: the title)\n"
    "• a .txt, .md, .html or .pdf file with the caption <code>/add</code>\n"
    "• <code>/add</code> as a reply to a message or file"
)


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/add <url | text>, or /add in reply to a message or a file."""
    message = update.effective_message
    if not await _may_edit(update, context):
        return
    argument = _command_argument(message.text or "")
    replied = message.reply_to_message
    if argument and (url := _link(argument)):
        await _add(update, context, "Fetching the page…", _from_url(context, url))
    elif argument:
        await _add(update, context, "Reading…", _from_text(argument, message))
    elif replied is not None and replied.document is not None:
        await _add(update, context, "Reading the file…", _from_document(context, replied.document))
    elif replied is not None and (replied.text or replied.caption):
        text = replied.text or replied.caption or ""
        if url := _link(text):
            await _add(update, context, "Fetching the page…", _from_url(context, url))
        else:
            await _add(update, context, "Reading…", _from_text(text, replied))
    else:
        await message.reply_html(ADD_USAGE)


def _link(text: str) -> str | None:
    """The link ``text`` consists of, if it is one (a scheme is added to a bare host name)."""
    if url := _URL.match(text):
        return url.group(1)
    if bare := _BARE_LINK.match(text):
        return f"https://{bare.group(1)}"
    return None


async def document_with_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent with the caption /add."""
    caption = _CAPTION_ADD.match(update.effective_message.caption or "")
    addressed_to = caption.group(1) if caption else None
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return  # "/add@OtherBot": another bot's command (CommandHandler checks this for text)
    if not await _may_edit(update, context):
        return
    await _add(
        update, context, "Reading the file…", _from_document(context, update.effective_message.document)
    )


async def _add(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    progress: str,
    reading: Coroutine[Any, Any, Article],
) -> None:
    """Show progress, read the article, check the limits, store it, confirm — or say why not."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    app = services(context)
    status = await message.reply_text(progress)
    try:
        await _check_room(context, chat.id)  # before reading: a full library needs no download
        article = await reading
        await _check_room(context, chat.id, article)
    except (ArticleError, FetchError) as error:
        await status.edit_text(f"I couldn't add that: {escape(str(error))}")
        return
    except Exception:
        # Logged here rather than re-raised: the error handler would add a second apology.
        logger.exception("adding an article failed")
        await status.edit_text("I couldn't add that: something went wrong on my side. Please try again.")
        return
    finally:
        reading.close()  # never started when the library was full: no "never awaited" warning
    entry = await app.store.add_article(chat.id, article, _display_name(update), user.id if user else 0)
    paragraphs = len(split_paragraphs(article.text))
    example = example_question(article)
    prompt = example if chat.type == ChatType.PRIVATE else f"/ask {example}"
    await status.edit_text(
        f"Added <b>{escape(article.title)}</b> as article {entry.number} "
        f"({paragraphs} paragraph{'s' if paragraphs != 1 else ''}).\n"
        f"Try: <code>{escape(prompt)}</code>"
    )


async def _check_room(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, article: Article | None = None
) -> None:
    """Refuse when the chat's library is at its limits (MAX_ARTICLES_PER_CHAT, MAX_LIBRARY_CHARS)."""
    settings = services(context).settings
    count, chars = await services(context).store.library_size(chat_id)
    if count >= settings.max_articles_per_chat:
        raise ArticleError(
            f"This chat's library is full ({count} articles). /remove one before adding another."
        )
    if article is not None and chars + len(article.text) > settings.max_library_chars:
        raise ArticleError("This chat's library has no room for an article that long. /remove one first.")


async def _from_url(context: ContextTypes.DEFAULT_TYPE, url: str) -> Article:
    settings = services(context).settings
    page = await fetch(url, max_bytes=settings.max_upload_bytes, allow_private=settings.allow_private_urls)
    fallback_title = urlsplit(page.url).hostname or "Untitled"
    if page.kind == "pdf":
        return await read_isolated(page.body, f"{fallback_title}.pdf", page.url)
    if page.kind == "html":  # bytes: trafilatura finds the page's own encoding
        return await asyncio.to_thread(parse_html, page.body, page.url, fallback_title)
    text = decode_text(page.body, page.charset)
    if page.kind == "markdown":
        return await asyncio.to_thread(parse_markdown, text, fallback_title, page.url)
    return await asyncio.to_thread(parse_text, text, fallback_title, url=page.url)


async def _from_text(text: str, message: Message) -> Article:
    origin = message.forward_origin
    source = None
    if origin is not None:
        chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
        user = getattr(origin, "sender_user", None)
        source = (chat.title if chat else None) or (user.full_name if user else None)
        source = source or getattr(origin, "sender_user_name", None)
    return parse_text(text, "Pasted text", source_name=source)


async def _from_document(context: ContextTypes.DEFAULT_TYPE, document: Document) -> Article:
    limit = services(context).settings.max_upload_bytes
    if document.file_size is not None and document.file_size > limit:
        raise ArticleError(f"That file is too big ({document.file_size / 1024 / 1024:.1f} MB; the limit is "
                           f"{limit / 1024 / 1024:.0f} MB).")  # fmt: skip
    name = document.file_name or _name_for(document.mime_type)
    try:
        file = await context.bot.get_file(document.file_id)
        data = bytes(await file.download_as_bytearray())
    except BadRequest as error:  # e.g. "file is too big" when Telegram did not say its size
        raise ArticleError(f"Telegram wouldn't give me that file ({error.message}).") from None
    except NetworkError:
        raise ArticleError("I couldn't download that file from Telegram. Please try again.") from None
    if len(data) > limit:
        raise ArticleError("That file is too big.")
    if Path(name).suffix.lower() in PDF_SUFFIXES:
        return await read_isolated(data, name)  # pypdf's time and memory have no useful bound
    return await asyncio.to_thread(parse_document, data, name)


def _name_for(mime_type: str | None) -> str:
    return {"application/pdf": "file.pdf", "text/html": "file.html", "text/markdown": "file.md"}.get(
        mime_type or "", "file.txt"
    )


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the chat's articles, numbered."""
    app = services(context)
    chat_id = update.effective_chat.id
    settings = await app.store.settings(chat_id)
    entries = await app.store.library(chat_id)
    lines = ["<b>Articles I answer from here</b>"]
    for entry in entries:
        article = entry.article
        source = f" — {escape(article.source_name)}" if article.source_name else ""
        link = f' (<a href="{html.escape(article.source_url)}">link</a>)' if article.source_url else ""
        added = entry.added_at.strftime("%Y-%m-%d")
        by = escape(entry.added_by)
        lines.append(f"{entry.number}. {escape(article.title)}{source}{link} · added {added} by {by}")
    builtin = default_article()
    state = "on" if settings.include_default else "off — /default on to use it again"
    lines.append(f"Built-in: {escape(builtin.title)} — {escape(builtin.source_name or '')} ({state})")
    if not entries:
        lines.append("Add your own with /add (a link, pasted text or a file).")
    for part in pack(lines):
        await update.effective_message.reply_html(part)


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remove N: remove article N of /sources."""
    message = update.effective_message
    argument = _command_argument(message.text or "")
    if not _ENTRY_NUMBER.fullmatch(argument):
        await message.reply_html("Say which one: <code>/remove N</code>, with N from /sources.")
        return
    if not await _may_edit(update, context):
        return
    removed = await services(context).store.remove_article(update.effective_chat.id, int(argument))
    if removed is None:
        await message.reply_html(f"There is no article {escape(argument)} here — see /sources.")
        return
    await message.reply_html(f"Removed <b>{escape(removed.article.title)}</b>.")


async def default_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/default on|off: keep the built-in article in this chat's library, or not."""
    message = update.effective_message
    choice = _command_argument(message.text or "").lower()
    if choice not in ("on", "off"):
        await message.reply_html(
            "Use <code>/default off</code> to leave out the built-in article, "
            "<code>/default on</code> to bring it back."
        )
        return
    if not await _may_edit(update, context):
        return
    store = services(context).store
    settings = await store.settings(update.effective_chat.id)
    await store.save_settings(
        update.effective_chat.id, ChatSettings(choice == "on", settings.everyone_can_edit)
    )
    await message.reply_text(f"The built-in article is now {choice} here.")


async def _may_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Anyone in a private chat; in groups administrators only, unless the bot is set up (or
    the chat chose) to let everyone. Checked with the Bot API, never taken from the message."""
    chat, message = update.effective_chat, update.effective_message
    if chat.type == ChatType.PRIVATE:
        return True
    app = services(context)
    if app.settings.group_editors == "everyone" or (await app.store.settings(chat.id)).everyone_can_edit:
        return True
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator posting as the group
    user = update.effective_user
    if user is not None:
        member = await context.bot.get_chat_member(chat.id, user.id)
        if member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR):
            return True
    await message.reply_text("Only the group's administrators can change its library.")
    return False


def _command_argument(text: str) -> str:
    """What follows "/command" or "/command@bot" (the rest of the message, newlines kept)."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _display_name(update: Update) -> str:
    user = update.effective_user
    if user is None:
        return update.effective_chat.title or "someone"
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))
