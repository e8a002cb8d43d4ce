"""Run the real bot (bot.app.build_application) in the test's event loop against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application
from bot.polling import run_polling
from bot.settings import Settings
from tests.fakebotapi import FakeBotAPI


def settings_for(server: FakeBotAPI, data_dir: Path, **overrides: object) -> Settings:
    """The bot's settings aimed at ``server``. Private chats are not paced at one message a
    second here unless a test asks for it: only the flood tests are about pacing."""
    settings = Settings(
        token=server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        data_dir=data_dir,
        private_chat_messages_per_second=1000,
    )
    return dataclasses.replace(settings, **overrides)


@contextlib.asynccontextmanager
async def running_bot(server: FakeBotAPI, data_dir: Path, **overrides: object) -> AsyncIterator[Application]:
    """The bot, long polling ``server``, for the duration of the block — run as ``python -m bot``
    runs it (bot.polling.run_polling), in the test's event loop."""
    application = build_application(settings_for(server, data_dir, **overrides))
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(application, stop, poll_timeout=1))
    await server.wait_for(
        lambda: server.calls("getUpdates") or polling.done(), what="the bot to start polling"
    )
    if polling.done():
        await polling  # start-up failed: show why
    try:
        yield application
    finally:
        stop.set()
        await polling
