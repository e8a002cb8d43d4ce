"""Logging set up once, with the bot token and webhook secret kept out of every record."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Iterable
from types import TracebackType

REDACTED = "[REDACTED]"
# Anything shaped like a bot token, even one we were not told about (a second bot, a typo).
_TOKEN_SHAPE = re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,}\b")


class RedactSecrets(logging.Filter):
    """Replaces secrets in a record's message (and traceback) before any handler formats it.

    httpx logs every request URL at INFO, and Bot API URLs contain the token; exceptions from
    the HTTP layer can carry it too. Redacting at the handler, rather than trusting every
    logger to stay quiet, is what keeps it out of the logs whatever logs it.
    """

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        # A token's secret is the part after the colon, and URLs may carry it with the colon
        # quoted ("%3A", as in file download URLs): redact that part wherever it appears.
        parts = {part for secret in secrets if secret for part in (secret, secret.partition(":")[2])}
        self._secrets = sorted((p for p in parts if p), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.redact(message), None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            record.exc_info = None  # the redacted text is what gets printed
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(level: str, secrets: Iterable[str]) -> RedactSecrets:
    """Log to stderr at ``level``, secrets redacted; quiet the libraries that log every request.

    Uncaught exceptions (in the main thread or any other) and warnings go through the same
    handler, so no traceback printed by Python itself can carry a secret. Returns the filter,
    for the few lines printed without logging.
    """
    redactor = RedactSecrets(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in ("httpx", "httpcore", "tornado.access", "tornado.general", "psycopg.pool"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
    return redactor


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    logging.getLogger("bot").critical("uncaught exception", exc_info=(kind, error, traceback))


class Occasional:
    """A problem that may recur thousands of times a second (a full file-descriptor table, say),
    logged the first time and then at most once per ``every`` seconds, with how often it
    recurred in between: one line says as much as a thousand, and does not bury the others."""

    def __init__(self, logger: logging.Logger, every: float = 60.0):
        self._logger = logger
        self._every = every
        self._next = 0.0
        self._since = 0

    def warning(self, message: str, *args: object) -> None:
        self._since += 1
        now = time.monotonic()
        if now < self._next:
            return
        if self._since > 1:
            message = f"{message} ({self._since} times since the last report)"
        self._logger.warning(message, *args)
        self._since, self._next = 0, now + self._every
