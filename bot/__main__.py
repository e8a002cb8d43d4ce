"""``python -m bot``: run the bot — long polling, or a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import signal
import sys

from telegram import Update
from telegram.error import InvalidToken

from .app import build_application
from .logs import setup_logging
from .polling import run_polling
from .settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.token, settings.webhook_secret or ""])
    application = build_application(settings)
    if settings.webhook_url:
        application.run_webhook(
            listen=settings.listen,
            port=settings.port,
            url_path=settings.webhook_path,
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        return 0
    try:
        asyncio.run(_poll(application))
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN (revoked? for another server?).", file=sys.stderr)
        return 2
    return 0


async def _poll(application) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await run_polling(application, stop)


if __name__ == "__main__":
    sys.exit(main())
