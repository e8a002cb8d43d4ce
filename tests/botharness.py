"""Run the real bot (bot.app.build_application) in the test's event loop against the fake Bot API."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

from telegram.ext import Application

from bot.app import build_application, post_init, post_shutdown
from bot.settings import Settings
from tests.fakebotapi import FakeBotAPI


def settings_for(server: FakeBotAPI, data_dir: Path, **overrides: object) -> Settings:
    settings = Settings(
        token=server.token, base_url=server.base_url, base_file_url=server.base_file_url, data_dir=data_dir
    )
    return dataclasses.replace(settings, **overrides)


@contextlib.asynccontextmanager
async def running_bot(server: FakeBotAPI, data_dir: Path, **overrides: object) -> AsyncIterator[Application]:
    """The bot, long polling ``server``, for the duration of the block — as ``python -m bot``
    runs it, except that it shares the test's event loop (run_polling would own the loop)."""
    application = build_application(settings_for(server, data_dir, **overrides))
    await application.initialize()
    await post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await post_shutdown(application)
        await application.shutdown()
