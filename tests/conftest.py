"""Shared fixtures."""

from collections.abc import Iterator

import pytest

from tests.fakebotapi import FakeBotAPI


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    """A fake Telegram Bot API server on 127.0.0.1, closed after the test."""
    with FakeBotAPI() as server:
        yield server
