"""Managing a chat's library: /add (link, pasted text, file, reply), /sources, /remove, /default."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from telegram import Document, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes, filters

from index import default_article

from .formatting import escape, pack
from .ingest import Request
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
    if argument:
        await _add(update, context, _page_or_text(argument, message))
    elif replied is not None and replied.document is not None:
        await _add(update, context, _file(replied.document))
    elif replied is not None and (replied.text or replied.caption):
        await _add(update, context, _page_or_text(replied.text or replied.caption or "", replied))
    else:
        await message.reply_html(ADD_USAGE)


def pasted_link(text: str) -> str | None:
    """The link a message consists of, if it is unmistakably one: with its scheme, or a host name
    with a path or "www." ("bbc.co.uk/news/…"); "nasa.gov" alone may be a question about it."""
    if (url := _URL.match(text)) and url.group(1).lower().startswith(("http://", "https://")):
        return url.group(1)
    bare = _BARE_LINK.match(text)
    if bare and ("/" in bare.group(1) or bare.group(1).lower().startswith("www.")):
        return f"https://{bare.group(1)}"
    return None


class _PastedLink(filters.MessageFilter):
    """Messages that are a link alone (:func:`pasted_link`)."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and pasted_link(message.text) is not None


PASTED_LINK = _PastedLink(name="PASTED_LINK")


async def pasted_link_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A link sent alone in a private chat: its article is added, as ``/add`` with it would."""
    url = pasted_link(update.effective_message.text or "")
    if url is not None:
        await _add(update, context, {"kind": "page", "url": url})


async def private_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent to the bot in a private chat, with no caption: added as with ``/add``."""
    await _add(update, context, _file(update.effective_message.document))


async def document_with_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent with the caption /add."""
    caption = _CAPTION_ADD.match(update.effective_message.caption or "")
    addressed_to = caption.group(1) if caption else None
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return  # "/add@OtherBot": another bot's command (CommandHandler checks this for text)
    if not await _may_edit(update, context):
        return
    await _add(update, context, _file(update.effective_message.document))


async def _add(update: Update, context: ContextTypes.DEFAULT_TYPE, asked: dict[str, Any]) -> None:
    """Hand the add to the ingestion lane, which replies with its progress and outcome."""
    request = Request(
        chat_type=update.effective_chat.type,
        added_by=_display_name(update),
        added_by_id=update.effective_user.id if update.effective_user else 0,
        **asked,
    )
    await services(context).ingest.submit(update.effective_message, request)


def _page_or_text(text: str, message: Message) -> dict[str, Any]:
    """A link to fetch, if ``text`` is one; else the text itself, with where it was forwarded from."""
    if url := _link(text):
        return {"kind": "page", "url": url}
    return {"kind": "text", "text": text, "source_name": _forwarded_from(message)}


def _link(text: str) -> str | None:
    """The link ``text`` consists of, if it is one (a scheme is added to a bare host name)."""
    if url := _URL.match(text):
        return url.group(1)
    if bare := _BARE_LINK.match(text):
        return f"https://{bare.group(1)}"
    return None


def _forwarded_from(message: Message) -> str | None:
    origin = message.forward_origin
    if origin is None:
        return None
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    user = getattr(origin, "sender_user", None)
    source = (chat.title if chat else None) or (user.full_name if user else None)
    return source or getattr(origin, "sender_user_name", None)


def _file(document: Document) -> dict[str, Any]:
    name = document.file_name or _name_for(document.mime_type)
    return {"kind": "file", "file_id": document.file_id, "file_name": name, "file_size": document.file_size}


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
