"""Shared fixtures."""

from collections.abc import Iterator

import pytest

from tests.fakebotapi import FakeBotAPI
from tests.test_store import backend, store  # noqa: F401 - both backends, for every test file of the store


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
