"""Helpers to run a python-telegram-bot ``Application`` against the fake (the one module that imports
``telegram``; the server itself is stdlib only).

::

    app = builder_for(server).build()
    app.add_handler(...)
    async with polling(app):
        server.send_text(chat, alice, "hello")
        reply = await server.wait_for_bot_reply(chat)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from telegram.ext import Application, ApplicationBuilder

from .server import FakeBotAPI


def builder_for(server: FakeBotAPI, *, timeouts: float = 2.0) -> ApplicationBuilder:
    """An ApplicationBuilder aimed at ``server`` with short timeouts (the fake answers at once)."""
    return (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .connect_timeout(timeouts)
        .read_timeout(timeouts)
        .write_timeout(timeouts)
        .pool_timeout(timeouts)
        .get_updates_read_timeout(timeouts)
    )


@contextlib.asynccontextmanager
async def polling(app: Application, *, poll_timeout: float = 1.0) -> AsyncIterator[Application]:
    """Run ``app`` with long polling in the current event loop for the duration of the block."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
