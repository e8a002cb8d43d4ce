"""Logging set up once, with the bot token and webhook secret kept out of every record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

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


def setup_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at ``level``; quiet httpx, whose INFO lines are one per request."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
