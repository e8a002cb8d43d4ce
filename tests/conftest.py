"""Shared fixtures."""

import uuid
from collections.abc import Iterator
from unittest.mock import patch

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from index.scoring import sparse
from tests.fakebotapi import FakeBotAPI

# backend and store: both backends, for every test file of the store.
from tests.test_store import POSTGRES_URL, backend, skip_without_postgres, store  # noqa: F401


@pytest.fixture(scope="module", params=["numpy", "compiled"])
def search_way(request) -> Iterator[str]:
    """Both ways a big library is searched: numpy calls, and one compiled call (numba, which the
    test extra installs). Module-scoped, as hypothesis wants of what its tests use."""
    if request.param == "compiled" and not sparse.COMPILED:
        pytest.skip("numba is not installed")
    with patch.object(sparse, "COMPILED", request.param == "compiled"):
        yield request.param


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API server on 127.0.0.1, closed after the test."""
    with FakeBotAPI() as server:
        yield server


@pytest.fixture
def alice(fake_api: FakeBotAPI) -> dict:
    """A user of the fake Bot API."""
    return fake_api.user(1001, "Alice", "alice")


@pytest.fixture
def chat(fake_api: FakeBotAPI, alice: dict) -> dict:
    """Alice's private chat with the bot."""
    return fake_api.private_chat(alice)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A DATABASE_URL for the bot: a fresh schema of the test PostgreSQL server, dropped afterwards."""
    skip_without_postgres()
    schema = f"test_bot_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    where = conninfo_to_dict(POSTGRES_URL)
    user = f"{where['user']}@" if where.get("user") else ""
    yield (
        f"postgresql://{user}{where.get('host', '127.0.0.1')}:{where.get('port', 5432)}/{where['dbname']}"
        f"?options=-csearch_path%3D{schema}"
    )
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
