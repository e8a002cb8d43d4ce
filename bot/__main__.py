"""``python -m bot``: run the bot — long polling, or a webhook server when WEBHOOK_URL is set.

Every way out ends with an exit status — 0 stopped (Ctrl-C, SIGTERM), 1 failed, 2 misconfigured —
and a failure with one line on stderr saying what failed and what to check. A traceback is
shown only at LOG_LEVEL=DEBUG, or for a bug, and always through the logging's redaction.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError, TelegramError

from .app import build_application
from .logs import RedactSecrets, setup_logging
from .polling import run_polling
from .settings import Settings, SettingsError, load_settings
from .store import StoreUnavailable
from .webhook import StartupError, run_webhook

logger = logging.getLogger("bot")


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    redactor = setup_logging(settings.log_level, settings.secrets)
    try:
        asyncio.run(_run(settings))
    except InvalidToken:
        return _fail(redactor, "Telegram rejected TELEGRAM_BOT_TOKEN (revoked? for another server?).", 2)
    except NetworkError as error:  # only at start-up: once running, the network is retried forever
        host = urlsplit(settings.base_url).netloc
        return _fail(
            redactor,
            f"cannot reach the Telegram Bot API at {host} ({error}): check the network connection, "
            "a proxy (HTTPS_PROXY, ALL_PROXY) and TELEGRAM_BASE_URL.",
        )
    except TelegramError as error:
        return _fail(redactor, f"the Bot API refused to start the bot: {error}")
    except StoreUnavailable as error:
        return _fail(
            redactor,
            f"cannot open the store ({error}): check DATABASE_URL (or DATA_DIR) and that the database runs.",
        )
    except StartupError as error:
        return _fail(redactor, str(error))
    except KeyboardInterrupt:  # before the signal handlers were set
        return 0
    except Exception:
        logger.critical("the bot stopped on an unexpected error", exc_info=True)
        return 1
    return 0


def _fail(redactor: RedactSecrets, message: str, status: int = 1) -> int:
    logger.debug("what failed:", exc_info=True)
    print(f"error: {redactor.redact(message)}", file=sys.stderr)
    return status


async def _run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    run = run_webhook if settings.webhook_url else run_polling
    await run(build_application(settings), stop)


if __name__ == "__main__":
    sys.exit(main())
