"""Adding articles in a lane of their own, so that questions never wait behind an /add.

An /add is answered at once with a progress message, then carried out by a task of this
module rather than by the worker that handled the update: the workers (bot.delivery) are few,
and 140 chats adding links that never answered once held them all and made every other
chat's questions wait 21 s. The task downloads the article (a page, or a file from Telegram;
FETCHES at a time), reads, cleans and indexes it in a child process bounded in time and memory
(READERS at a time, bot.isolated and bot.reading), and saves it only once it read and indexed.
An add that has to wait for its turn says so, and says again when it starts.

Each add is kept in the store until it is done, so that a restart finishes the adds a stop or
a crash interrupted instead of leaving "Reading…" forever. With several bot processes on one
PostgreSQL database, one starting up may redo an add another is still doing: harmless, as
the article is stored once and both edit the same message to the same words.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Bot, Message
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError, TelegramError

from index import Article, ArticleError

from .fetch import FetchError, fetch
from .formatting import escape
from .isolated import run_isolated, start
from .reading import Prepared, Source, prepare
from .settings import Settings
from .store import LibraryEntry, PendingAdd, Store

logger = logging.getLogger(__name__)

FETCHES = 32  # downloads at once: they mostly wait on the network (and hold a body of ≤ 5 MB)
READERS = max(1, min(2, os.cpu_count() or 1))  # children reading at once: a core each, at most two
PER_CHAT = 3  # adds a chat may have under way at once
MAX_UNDER_WAY = 1000  # adds under way in all; more are refused until some are done

PROGRESS = {"page": "Fetching the page…", "file": "Reading the file…", "text": "Reading…"}
NOT_ADDED = "I couldn't add that: "
BUSY = "I'm adding a great many articles right now. Please send that again in a few minutes."
TOO_MANY = f"This chat has {PER_CHAT} articles on their way in already. Send more once they are added."


@dataclass(frozen=True)
class Request:
    """What an /add asked for: all that is needed to do it again after a restart."""

    kind: str  # "page", "file" or "text"
    chat_type: str  # in groups, the example question starts with /ask
    added_by: str  # the adder's display name, for /sources
    added_by_id: int
    url: str | None = None
    text: str | None = None
    source_name: str | None = None  # pasted text: where it was forwarded from
    file_id: str | None = None
    file_name: str = "file.txt"
    file_size: int | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Request:
        return cls(**json.loads(text))


class Ingest:
    """The adds under way: each a task, downloading and reading in lanes of bounded width."""

    def __init__(self, bot: Bot, store: Store, settings: Settings):
        self._bot, self._store, self._settings = bot, store, settings
        self._fetching = Lane(FETCHES)
        self._reading = Lane(READERS)
        self._saving = asyncio.Lock()  # the library's limits are checked and the article saved as one
        self._tasks: dict[tuple[int, int], asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Start the process children are forked from, and finish the adds a stop interrupted."""
        await asyncio.to_thread(start)
        for add in await self._store.pending_adds():
            try:
                request = Request.from_json(add.request)
            except (ValueError, TypeError):  # written by a bot that no longer understands it
                logger.warning("dropping an unreadable add under way in chat %s", add.chat_id)
                await self._store.end_add(add.chat_id, add.message_id)
                continue
            self._start(add, request)

    async def close(self) -> None:
        """Stop the adds under way (their children are killed); the next start finishes them."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def join(self) -> None:
        """Wait until the adds under way now are done."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def submit(self, message: Message, request: Request) -> None:
        """Add what ``message`` asked for, in the background, after a reply that says it started."""
        chat_id = message.chat_id
        if len(self._tasks) >= MAX_UNDER_WAY:
            await message.reply_text(BUSY)
            return
        if sum(1 for chat, _ in self._tasks if chat == chat_id) >= PER_CHAT:
            await message.reply_text(TOO_MANY)
            return
        status = await message.reply_text(PROGRESS[request.kind])
        add = PendingAdd(chat_id, message.message_id, status.message_id, request.to_json())
        if await self._store.begin_add(add):  # else: this /add is under way already (delivered twice)
            self._start(add, request)

    def _start(self, add: PendingAdd, request: Request) -> None:
        key = (add.chat_id, add.message_id)
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._add(add, request), name=f"ingest:{key}")
            self._tasks[key].add_done_callback(lambda _: self._tasks.pop(key, None))

    async def _add(self, add: PendingAdd, request: Request) -> None:
        """Carry out one add and tell the chat how it went (a stop leaves it for the next start)."""
        status = Status(self._bot, add.chat_id, add.status_message_id, PROGRESS[request.kind])
        try:
            outcome = await self._added(add.chat_id, request, status)
        except (ArticleError, FetchError) as error:
            outcome = NOT_ADDED + escape(str(error))
        except Exception:
            logger.exception("adding an article failed")
            outcome = NOT_ADDED + "something went wrong on my side. Please try again."
        await status.show(outcome, final=True)
        try:
            await self._store.end_add(add.chat_id, add.message_id)
        except Exception:  # the store is down: the next start does this add again (harmlessly)
            logger.exception("could not finish an add in chat %s", add.chat_id)

    async def _added(self, chat_id: int, request: Request, status: Status) -> str:
        """Download, read, index and save the article; the confirmation to show."""
        await self._check_room(chat_id)  # before downloading: a full library needs no download
        if request.kind == "text":
            source = Source("text", request.text or "", source_name=request.source_name)
        else:
            async with self._fetching.turn(status):
                source = await self._download(request)
        async with self._reading.turn(status):
            prepared = await run_isolated(prepare, source)
        async with self._saving:
            await self._check_room(chat_id, prepared.article)
            entry = await self._store.add_article(
                chat_id, prepared.article, request.added_by, request.added_by_id
            )
        return confirmation(entry, prepared, request.chat_type)

    async def _download(self, request: Request) -> Source:
        limit, settings = self._settings.max_upload_bytes, self._settings
        if request.kind == "page":
            page = await fetch(request.url or "", max_bytes=limit, allow_private=settings.allow_private_urls)
            host = urlsplit(page.url).hostname or "Untitled"
            return Source("page", page.body, host, page.url, page.kind, page.charset)
        size = request.file_size
        if size is not None and size > limit:
            raise ArticleError(f"That file is too big ({size / 1024 / 1024:.1f} MB; the limit is "
                               f"{limit / 1024 / 1024:.0f} MB).")  # fmt: skip
        try:
            file = await self._bot.get_file(request.file_id or "")
            data = bytes(await file.download_as_bytearray())
        except BadRequest as error:  # e.g. "file is too big" when Telegram did not say its size
            raise ArticleError(f"Telegram wouldn't give me that file ({error.message}).") from None
        except NetworkError:
            raise ArticleError("I couldn't download that file from Telegram. Please try again.") from None
        if len(data) > limit:
            raise ArticleError("That file is too big.")
        return Source("file", data, request.file_name)

    async def _check_room(self, chat_id: int, article: Article | None = None) -> None:
        """Refuse when the chat's library is at its limits (MAX_ARTICLES_PER_CHAT, MAX_LIBRARY_CHARS)."""
        settings = self._settings
        count, chars = await self._store.library_size(chat_id)
        if count >= settings.max_articles_per_chat:
            raise ArticleError(
                f"This chat's library is full ({count} articles). /remove one before adding another."
            )
        if article is not None and chars + len(article.text) > settings.max_library_chars:
            raise ArticleError("This chat's library has no room for an article that long. /remove one first.")


def confirmation(entry: LibraryEntry, prepared: Prepared, chat_type: str) -> str:
    """ "Added …": the title, the article's number and size, its key sentence, a question to try."""
    example = prepared.example if chat_type == ChatType.PRIVATE else f"/ask {prepared.example}"
    paragraphs = prepared.paragraphs
    lines = [
        f"Added <b>{escape(entry.article.title)}</b> as article {entry.number} "
        f"({paragraphs} paragraph{'s' if paragraphs != 1 else ''})."
    ]
    if prepared.key_sentence:
        lines.append(f"<blockquote>{escape(prepared.key_sentence)}</blockquote>")
    lines.append(f"Try: <code>{escape(example)}</code>")
    return "\n".join(lines)


class Lane:
    """At most ``width`` jobs at a time; the others wait their turn, first come first served."""

    def __init__(self, width: int):
        self._width = width
        self._free = asyncio.Semaphore(width)
        self._waiting = 0

    @contextlib.asynccontextmanager
    async def turn(self, status: Status) -> AsyncIterator[None]:
        """The job's turn; one that has to wait says so on its status message, then that it started."""
        if self._free.locked():
            self._waiting += 1
            try:
                await status.show(queued(self._width + self._waiting - 1))
                await self._free.acquire()
            finally:
                self._waiting -= 1
            await status.show(status.progress)
        else:
            await self._free.acquire()
        try:
            yield
        finally:
            self._free.release()


def queued(ahead: int) -> str:
    return (
        f"Waiting my turn: {ahead} article{'s' if ahead != 1 else ''} ahead of yours. "
        "I'll start on it as soon as I can."
    )


class Status:
    """The progress message of an add, edited as it goes (an edit that fails is not the add's failure)."""

    def __init__(self, bot: Bot, chat_id: int, message_id: int, progress: str):
        self._bot, self._chat_id, self._message_id = bot, chat_id, message_id
        self.progress = self._shown = progress

    async def show(self, text: str, *, final: bool = False) -> None:
        if text == self._shown:
            return
        try:
            try:
                await self._bot.edit_message_text(text, chat_id=self._chat_id, message_id=self._message_id)
            except BadRequest as error:
                if "not modified" in error.message.lower():  # resumed: it says this already
                    pass
                elif final:  # the progress message is gone: the outcome still has to be told
                    await self._bot.send_message(self._chat_id, text)
                else:
                    raise
            self._shown = text
        except TelegramError as error:
            logger.warning("could not show an add's progress in chat %s (%s)", self._chat_id, error)
