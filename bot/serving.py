"""Running the bot: the Application's life around a :class:`~bot.delivery.Delivery`, whichever
source feeds it (``bot.polling``, ``bot.webhook``), and the failures a delivery retries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application

from .delivery import Delivery
from .store import StoreUnavailable

Source = Callable[[Delivery, asyncio.Event], Awaitable[None]]


class DeliveryApplication(Application):
    """An Application that tells :class:`Delivery` when handling an update failed for a reason
    that is not the user's problem and not a bug — the network, the store — so that it is
    handled again later instead of being reported as an error and dropped."""

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
    """A failure worth retrying: the store or the network, not a request Telegram refused (400)."""
    if isinstance(error, StoreUnavailable | RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def serve(application: Application, stop: asyncio.Event, source: Source) -> None:
    """Run the bot until ``stop`` is set, updates coming from ``source`` (a poller, a webhook
    server), which is given the :class:`Delivery` to hand them to."""
    async with application:  # initialize() … shutdown()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        delivery = Delivery(application, application.bot_data["services"].store)
        await delivery.start()
        try:
            await source(delivery, stop)
        finally:
            await delivery.stop()
            await application.stop()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
