"""Persistence: the ``Store`` interface and its SQLite and PostgreSQL backends.

Pick one with ``open_store(DATABASE_URL, data_dir)``, then ``await store.open()`` before use and
``await store.close()`` at shutdown.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import (
    AnswerRecord,
    ChatSettings,
    Finished,
    InboxRow,
    LibraryEntry,
    PendingAdd,
    Store,
    StoreUnavailable,
)
from .postgres import PostgresStore
from .sqlite import SQLiteStore

__all__ = [
    "AnswerRecord",
    "ChatSettings",
    "Finished",
    "InboxRow",
    "LibraryEntry",
    "PendingAdd",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "StoreUnavailable",
    "open_store",
]

DEFAULT_FILE_NAME = "bot.sqlite3"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def open_store(database_url: str | None, data_dir: Path) -> Store:
    """The store a database URL names (not yet opened: ``await store.open()``).

    None or "" → SQLite at ``data_dir / "bot.sqlite3"``; ``sqlite:///relative/path`` or
    ``sqlite:////absolute/path`` → SQLite there; ``postgresql://…`` or ``postgres://…`` → PostgreSQL.
    Anything else raises ValueError. Messages never quote the URL: it may hold a password.
    """
    if not database_url:
        return SQLiteStore(Path(data_dir) / DEFAULT_FILE_NAME)
    match = _SCHEME.match(database_url)
    scheme = match.group(1).lower() if match else None
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(database_url)
    if scheme == "sqlite":
        rest = database_url[match.end() :] if match else ""
        # sqlite:///path: the host part between "//" and the third "/" must be empty.
        if not rest.startswith("/") or not rest[1:]:
            raise ValueError(
                "a SQLite database URL needs three slashes and a path: "
                "sqlite:///relative/path or sqlite:////absolute/path"
            )
        return SQLiteStore(Path(rest[1:]))
    shown = f"scheme {scheme!r}" if scheme else "no recognisable scheme"
    raise ValueError(
        f"unsupported database URL ({shown}): use sqlite:///path/to/file.sqlite3 or "
        "postgresql://user@host/dbname, or leave it unset for SQLite in the data directory"
    )
