"""Long polling that loses no question: at-least-once handling of Telegram updates.

PTB's own polling tells Telegram an update arrived (by asking for the next offset) as soon as
it is fetched, before it is handled, so a crash loses whatever was waiting in memory. Here a
batch is first kept in the store's inbox, then confirmed; each update leaves the inbox only
once it has been handled (its reply sent), and at start-up the inbox is handled first. A crash
can at worst repeat the reply that was in flight; an update Telegram delivers twice is
recognised and skipped.

Updates are handled per chat, in order (a follow-up must come after its question), while
different chats are handled side by side, so a busy or flooding chat never holds up others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Hashable

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from .sending import retry_after_seconds
from .store import Store

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30  # long polling: Telegram answers as soon as there is an update
BACKOFF_SECONDS = (0.5, 1, 2, 4, 8, 15, 30)  # between failed polls, and between retries of an update
MAX_ATTEMPTS = 8  # tries of one update whose handling keeps failing on the network
# Updates handled at the same time, across chats (the workers). More would only queue inside
# the HTTP client, whose pool scans its whole queue for every request (measured: ten thousand
# chats at once slowed answers to a crawl); the rest wait in line here, which costs nothing.
CONCURRENT_UPDATES = 128


class DeliveryApplication(Application):
    """An Application that tells :class:`Delivery` when handling an update failed on the network.

    Such a failure (Telegram unreachable even after the request layer's own retries) is not
    the user's problem and not a bug: the update is handled again later instead of being
    reported as an error and dropped.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transient_failures: dict[int, Exception] = {}
        self.retries_updates = False  # set while a Delivery hands it the updates

    async def process_error(self, update: object, error: Exception, job=None, coroutine=None) -> bool:
        if self.retries_updates and isinstance(update, Update) and is_transient(error):
            self.transient_failures[update.update_id] = error
            return True
        return await super().process_error(update, error, job, coroutine)


def is_transient(error: BaseException) -> bool:
    """A network failure worth retrying: not a request Telegram refused (400), nor a bug."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class Delivery:
    """Fetches updates from Telegram and hands them to the application, chat by chat.

    A fixed set of workers takes chats in turn from a ready line: a worker handles the next
    update of one chat, then puts the chat back at the end of the line if it has more. A chat
    is never with two workers at once (its order holds), a flooding chat gets one turn like
    everyone else, and ten thousand chats cost ten thousand small queues, not ten thousand tasks.
    """

    def __init__(self, application: Application, store: Store, poll_timeout: float = POLL_TIMEOUT_SECONDS):
        self._application = application
        self._store = store
        self._poll_timeout = poll_timeout
        self._queues: dict[Hashable, deque[Update]] = {}  # chats with updates not yet handled
        self._ready: asyncio.Queue[Hashable] = asyncio.Queue()  # chats waiting for a worker
        self._workers: list[asyncio.Task[None]] = []
        self._handling = 0
        self._idle = asyncio.Event()  # no update is being handled
        self._idle.set()
        self._attempts: dict[int, int] = {}
        self._offset: int | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Handle what the inbox kept from before, then poll until :meth:`stop`."""
        self._application.retries_updates = True  # type: ignore[attr-defined]
        self._workers = [
            asyncio.create_task(self._work(), name=f"delivery:worker{n}") for n in range(CONCURRENT_UPDATES)
        ]
        for _update_id, payload in await self._store.inbox():
            self._dispatch(Update.de_json(json.loads(payload), self._application.bot))
        failures, webhook_deleted = 0, False
        while not self._stopping.is_set():
            try:
                # Polling and a webhook exclude each other. Retried like a poll: Telegram being
                # unreachable at start-up is no reason to stop.
                webhook_deleted = webhook_deleted or await self._application.bot.delete_webhook()
                updates = await self._application.bot.get_updates(
                    offset=self._offset, timeout=self._poll_timeout, allowed_updates=Update.ALL_TYPES
                )
                await self._receive(updates)
                failures = 0
            except InvalidToken:
                raise
            except RetryAfter as error:
                await self._pause(retry_after_seconds(error))
            except (TelegramError, OSError) as error:
                logger.warning("getUpdates failed (%s); retrying", error)
                await self._pause(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)])
                failures += 1

    async def stop(self) -> None:
        """Stop polling, let the updates being handled finish; the rest stay in the inbox."""
        self._stopping.set()
        await self._idle.wait()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)

    async def _receive(self, updates: list[Update]) -> None:
        if not updates:
            return
        kept = set(
            await self._store.receive_updates(
                [(u.update_id, _chat_id(u), json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
            )
        )
        # Safe in the inbox now: the next getUpdates, with this offset, confirms them.
        self._offset = updates[-1].update_id + 1
        for update in updates:
            if update.update_id in kept:  # the rest were handled before (a re-delivery)
                self._dispatch(update)

    def _dispatch(self, update: Update) -> None:
        key = _chat_key(update)
        if (queue := self._queues.get(key)) is None:
            queue = self._queues[key] = deque()
            self._ready.put_nowait(key)  # a chat with a queue is in line, with a worker, or pausing
        queue.append(update)

    async def _work(self) -> None:
        """Take a chat from the line, handle its next update, put it back if it has more."""
        while not self._stopping.is_set():
            key = await self._ready.get()
            if self._stopping.is_set():
                break
            queue = self._queues[key]
            self._handling += 1
            self._idle.clear()
            try:
                handled = await self._handle(queue[0])
            except Exception:  # the store failed, say: keep the update, try it again later
                logger.exception("handling update %s failed", queue[0].update_id)
                self._attempts[queue[0].update_id] = self._attempts.get(queue[0].update_id, 0) + 1
                handled = False
            finally:
                self._handling -= 1
                if not self._handling:
                    self._idle.set()
            if not handled:  # failed on the network: this chat waits, the others go on
                pause = BACKOFF_SECONDS[min(self._attempts[queue[0].update_id], len(BACKOFF_SECONDS)) - 1]
                asyncio.get_running_loop().call_later(pause, self._ready.put_nowait, key)
                continue
            queue.popleft()
            if queue:
                self._ready.put_nowait(key)  # back of the line: one update per turn
            else:
                del self._queues[key]

    async def _handle(self, update: Update) -> bool:
        """Handle an update; False when it failed on the network and should be tried again."""
        failures: dict[int, Exception] = self._application.transient_failures  # type: ignore[attr-defined]
        await self._application.process_update(update)
        if (error := failures.pop(update.update_id, None)) is not None:
            attempts = self._attempts[update.update_id] = self._attempts.get(update.update_id, 0) + 1
            if self._stopping.is_set():
                return False
            if attempts < MAX_ATTEMPTS:
                logger.warning("update %s failed on the network (%s); trying again", update.update_id, error)
                return False
            logger.error("update %s failed %d times on the network; giving up", update.update_id, attempts)
        self._attempts.pop(update.update_id, None)
        await self._store.mark_handled(update.update_id)
        return True

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def _chat_key(update: Update) -> Hashable:
    """Updates of one chat share a queue; those without a chat (inline queries) share the user's."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return ("update", update.update_id)


def _chat_id(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat is not None else None


async def run_polling(
    application: Application, stop: asyncio.Event, poll_timeout: float = POLL_TIMEOUT_SECONDS
) -> None:
    """Run the bot with :class:`Delivery` until ``stop`` is set (the polling main loop)."""
    from .app import post_init, post_shutdown  # the app module builds on this one

    async with application:  # initialize() … shutdown()
        await post_init(application)
        await application.start()
        delivery = Delivery(application, application.bot_data["services"].store, poll_timeout)
        polling = asyncio.create_task(delivery.run(), name="delivery:poll")
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await delivery.stop()
            polling.cancel()
            stopped.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling  # re-raises what ended it early (an invalid token, say)
            await application.stop()
            await post_shutdown(application)
