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

from .store import Store

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30  # long polling: Telegram answers as soon as there is an update
BACKOFF_SECONDS = (0.5, 1, 2, 4, 8, 15, 30)  # between failed polls, and between retries of an update
MAX_ATTEMPTS = 8  # tries of one update whose handling keeps failing on the network


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
    """Fetches updates from Telegram and hands them to the application, chat by chat."""

    def __init__(self, application: Application, store: Store, poll_timeout: float = POLL_TIMEOUT_SECONDS):
        self._application = application
        self._store = store
        self._poll_timeout = poll_timeout
        self._queues: dict[Hashable, deque[Update]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}
        self._attempts: dict[int, int] = {}
        self._offset: int | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Handle what the inbox kept from before, then poll until :meth:`stop`."""
        await self._application.bot.delete_webhook()  # polling and a webhook exclude each other
        self._application.retries_updates = True  # type: ignore[attr-defined]
        for _update_id, payload in await self._store.inbox():
            self._dispatch(Update.de_json(json.loads(payload), self._application.bot))
        failures = 0
        while not self._stopping.is_set():
            try:
                updates = await self._application.bot.get_updates(
                    offset=self._offset, timeout=self._poll_timeout, allowed_updates=Update.ALL_TYPES
                )
                await self._receive(updates)
                failures = 0
            except InvalidToken:
                raise
            except RetryAfter as error:
                await self._pause(_seconds(error.retry_after))
            except (TelegramError, OSError) as error:
                logger.warning("getUpdates failed (%s); retrying", error)
                await self._pause(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)])
                failures += 1

    async def stop(self) -> None:
        """Stop polling and let the chats finish what they are handling."""
        self._stopping.set()
        if self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

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
        self._queues.setdefault(key, deque()).append(update)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name=f"delivery:{key}")

    async def _work(self, key: Hashable) -> None:
        """Handle one chat's updates in order; the task ends when the chat has nothing left."""
        queue = self._queues[key]
        try:
            # On stop, what is left stays in the inbox and is handled at the next start.
            while queue and not self._stopping.is_set():
                update = queue[0]
                if await self._handle(update):
                    queue.popleft()
                else:
                    attempts = self._attempts[update.update_id]
                    await self._pause(BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])
        finally:
            del self._queues[key], self._workers[key]

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


def _seconds(retry_after: object) -> float:
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)  # type: ignore[arg-type]


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
