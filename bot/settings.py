"""Settings from the environment, read once into a frozen object (see README, "Configuration")."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message never contains a secret's value."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    listen: str = "0.0.0.0"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str | None = field(default=None, repr=False)  # may hold a password
    allow_private_urls: bool = False
    max_articles_per_chat: int = 50
    max_library_chars: int = 10_000_000
    max_upload_bytes: int = 5 * 1024 * 1024
    group_editors: str = "admins"  # "admins" or "everyone": who may /add and /remove in groups
    index_cache_bytes: int = 256 * 1024**2  # chat indexes kept in memory (a 10M-character library: ~200 MB)
    messages_per_second: float = 30  # Telegram's overall limit for a bot
    group_messages_per_minute: float = 20  # Telegram's limit per group
    private_chat_messages_per_second: float = 1  # Telegram's advice per private chat
    questions_per_minute_per_user: int = 20
    questions_per_minute_per_chat: int = 60
    # Connect, read and write time-outs of a Bot API request (PTB's default); a long poll waits
    # this long on top of its poll time-out. A request that times out is retried.
    request_timeout_seconds: float = 5.0

    @property
    def secrets(self) -> list[str]:
        """What must never be logged: the token, the webhook secret, the database password."""
        password = urlsplit(self.database_url or "").password or ""  # DATABASE_URL is a URL (bot.store)
        secrets = (self.token, self.webhook_secret, password, unquote(password))  # as written, and meant
        return [secret for secret in secrets if secret]

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, which the webhook server listens on."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment).

    Raises:
        SettingsError: a required setting is missing or a value is malformed.
    """
    env = os.environ if environ is None else environ
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it.")
    if not _TOKEN.match(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is malformed: it should look like 123456789:AAE… (from @BotFather)."
        )
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
    base_url = env.get("TELEGRAM_BASE_URL", "").strip() or Settings.base_url
    if webhook_url:
        scheme = urlsplit(webhook_url).scheme.lower()
        # A local Bot API server (telegram-bot-api) also delivers to http:// webhooks.
        if scheme != "https" and not (scheme == "http" and base_url != Settings.base_url):
            raise SettingsError(
                "WEBHOOK_URL must be an https:// URL: Telegram delivers updates only over HTTPS "
                "(http:// is accepted only with a local Bot API server, set in TELEGRAM_BASE_URL)."
            )
        if not webhook_secret or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
            raise SettingsError(
                "WEBHOOK_SECRET is required with WEBHOOK_URL: 1–256 characters of A–Z, a–z, 0–9, _ and -."
            )
    group_editors = env.get("GROUP_EDITORS", "admins").strip().lower()
    if group_editors not in ("admins", "everyone"):
        raise SettingsError("GROUP_EDITORS must be 'admins' or 'everyone'.")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
    return Settings(
        token=token,
        base_url=base_url,
        base_file_url=env.get("TELEGRAM_BASE_FILE_URL", "").strip() or Settings.base_file_url,
        log_level=log_level,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        listen=env.get("LISTEN", "").strip() or Settings.listen,
        port=_number(env, "PORT", Settings.port),
        data_dir=Path(env.get("DATA_DIR", "").strip() or Settings.data_dir),
        database_url=env.get("DATABASE_URL", "").strip() or None,
        allow_private_urls=env.get("ALLOW_PRIVATE_URLS", "").strip().lower() in ("1", "true", "yes"),
        max_articles_per_chat=_number(env, "MAX_ARTICLES_PER_CHAT", Settings.max_articles_per_chat),
        max_library_chars=_number(env, "MAX_LIBRARY_CHARS", Settings.max_library_chars),
        max_upload_bytes=_number(env, "MAX_UPLOAD_BYTES", Settings.max_upload_bytes),
        group_editors=group_editors,
        index_cache_bytes=_number(env, "INDEX_CACHE_BYTES", Settings.index_cache_bytes),
        messages_per_second=_number(env, "MESSAGES_PER_SECOND", Settings.messages_per_second, float),
        group_messages_per_minute=_number(
            env, "GROUP_MESSAGES_PER_MINUTE", Settings.group_messages_per_minute, float
        ),
        private_chat_messages_per_second=_number(
            env, "PRIVATE_CHAT_MESSAGES_PER_SECOND", Settings.private_chat_messages_per_second, float
        ),
        questions_per_minute_per_user=_number(
            env, "QUESTIONS_PER_MINUTE_PER_USER", Settings.questions_per_minute_per_user
        ),
        questions_per_minute_per_chat=_number(
            env, "QUESTIONS_PER_MINUTE_PER_CHAT", Settings.questions_per_minute_per_chat
        ),
        request_timeout_seconds=_number(
            env, "TELEGRAM_REQUEST_TIMEOUT", Settings.request_timeout_seconds, float
        ),
    )


def _number(env: Mapping[str, str], name: str, default: float, kind: type = int):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}.") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw!r}.")
    return value
