"""Long polling: getUpdates, each batch kept in the inbox before the next offset confirms it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from .delivery import BACKOFF_SECONDS, Delivery, UpdateRefused
from .sending import retry_after_seconds
from .serving import serve
from .store import StoreUnavailable

logger = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30  # long polling: Telegram answers as soon as there is an update

# getUpdates is asked for through do_api_request to get the updates as JSON, each one read on
# its own (bot.delivery): PTB's get_updates reads the whole batch, and one update it cannot read
# would fail every poll. PTB warns that get_updates exists; that is known.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")


class Poller:
    """Asks Telegram for updates and hands them to a :class:`Delivery` until ``stop`` is set."""

    def __init__(self, application: Application, poll_timeout: float, request_timeout: float):
        self._bot = application.bot
        self._poll_timeout = poll_timeout
        self._read_timeout = request_timeout + poll_timeout  # as PTB's get_updates counts it
        self._offset: int | None = None

    async def run(self, delivery: Delivery, stop: asyncio.Event) -> None:
        # A long poll is cut short by stop: what it fetched was not confirmed, and comes again.
        polling = asyncio.create_task(self._poll(delivery, stop), name="polling")
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            polling.cancel()
            stopped.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await polling  # re-raises what ended it early (an invalid token, say)

    async def _poll(self, delivery: Delivery, stop: asyncio.Event) -> None:
        failures, webhook_deleted = 0, False
        while await delivery.store_watch.wait_up(stop) and not stop.is_set():
            try:
                # Polling and a webhook exclude each other. Retried like a poll: Telegram being
                # unreachable for a while is no reason to stop.
                webhook_deleted = webhook_deleted or await self._bot.delete_webhook()
                updates = await self._get_updates()
                await delivery.receive(updates)
                # Safe in the inbox now: the next getUpdates, with this offset, confirms them.
                ids = [
                    u["update_id"] for u in updates if isinstance(u, dict) and type(u.get("update_id")) is int
                ]
                if ids:
                    self._offset = max(ids) + 1
                failures = 0
            except InvalidToken:
                raise
            except StoreUnavailable:
                continue  # the loop waits for the store; the batch comes again
            except RetryAfter as error:
                await _pause(stop, retry_after_seconds(error))
            except (TelegramError, OSError, UpdateRefused) as error:
                logger.warning("getUpdates failed (%s); retrying", error)
                await _pause(stop, BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS) - 1)])
                failures += 1

    async def _get_updates(self) -> list:
        return await self._bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self._offset,
                "timeout": self._poll_timeout,
                "allowed_updates": Update.ALL_TYPES,
            },
            read_timeout=self._read_timeout,
        )


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def run_polling(
    application: Application, stop: asyncio.Event, poll_timeout: float = POLL_TIMEOUT_SECONDS
) -> None:
    """Run the bot, long polling, until ``stop`` is set (``python -m bot`` without WEBHOOK_URL)."""
    settings = application.bot_data["settings"]
    poller = Poller(application, poll_timeout, settings.request_timeout_seconds)
    await serve(application, stop, poller.run)
