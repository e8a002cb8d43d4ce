"""What the bot did, and waiting for it without sleeping.

``wait_until`` blocks the calling thread on the state's Condition; use it from tests whose bot runs in
another thread.  ``wait_for`` is its asyncio twin for tests that run PTB in their own event loop: it
registers a listener that sets an ``asyncio.Event`` via ``loop.call_soon_threadsafe`` on every change,
so the loop keeps serving the bot while the test waits.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .state import FakeState, chat_id_of, message_key

REPORT_CALLS = 30  # how many recent calls a timeout report lists


@dataclass(frozen=True)
class Call:
    """One HTTP request the bot made to the fake, as answered."""

    method: str  # canonical Bot API name, e.g. "sendMessage"; "downloadFile" for file downloads
    params: dict  # JSON-decoded parameters
    time: float  # time.time() when the request arrived
    response: dict | None  # the JSON answer; None when no JSON answer was sent (fault, download)
    status: int | None = None  # HTTP status; None when the connection was dropped
    fault: str | None = None  # the injected fault kind, if any
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.response is not None and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        assert self.response is not None and self.ok, f"{self.method} failed: {self.response}"
        return self.response["result"]

    def summary(self) -> str:
        params = {k: v for k, v in self.params.items() if k not in ("reply_markup", "entities")}
        outcome = self.fault or (self.response or {}).get("description") or self.status
        return f"{self.method}({_short(params)}) -> {outcome}"


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _collapse_repeats(lines: list[str]) -> list[str]:
    """["a", "a", "a", "b"] -> ["a  (x3)", "b"]: idle long polls would fill the report otherwise."""
    collapsed: list[str] = []
    for line, group in itertools.groupby(lines):
        count = len(list(group))
        collapsed.append(f"{line}  (x{count})" if count > 1 else line)
    return collapsed


class RecordingMixin(FakeState):
    """Recorded calls, views of the bot's messages, and waiting helpers."""

    def _init_recording(self) -> None:
        self._calls: list[Call] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake itself

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._changed()

    def calls(self, method: str | None = None, start: int = 0) -> list[Call]:
        """Recorded calls, oldest first, optionally only those of ``method``; ``start`` skips the first
        ``start`` calls of all (with :meth:`call_count`, a predicate can look at new calls only)."""
        with self._cond:
            return [c for c in self._calls[start:] if method is None or c.method == method]

    def call_count(self) -> int:
        """How many calls were recorded so far (of every method)."""
        with self._cond:
            return len(self._calls)

    def bot_messages(self, chat: dict | int) -> list[dict]:
        """Current state (edits applied, deleted ones gone) of the bot's messages in ``chat``."""
        with self._cond:
            mine = [m for m in self._chat_messages(chat) if self._sent_by_bot(m)]
            return self._snapshot(mine)

    def last_bot_message(self, chat: dict | int) -> dict | None:
        messages = self.bot_messages(chat)
        return messages[-1] if messages else None

    def message(self, message: dict | int, chat: dict | int | None = None) -> dict | None:
        """Current state of a stored message (None if deleted)."""
        with self._cond:
            return self._snapshot(self._message(*message_key(message, chat)))

    # -- waiting ---------------------------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Block until ``predicate()`` is truthy and return its value; AssertionError on timeout.

        The predicate runs with the state lock held, so it sees a consistent state.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(predicate, timeout, what))
                self._cond.wait(remaining)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Await until ``predicate()`` is truthy and return its value, without blocking the loop."""
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def listener() -> None:
            loop.call_soon_threadsafe(changed.set)

        with self._cond:
            self._listeners.append(listener)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed.clear()
                    with self._cond:
                        value = predicate()
                    if value:
                        return value
                    await changed.wait()
        except TimeoutError:
            raise AssertionError(self._timeout_report(predicate, timeout, what)) from None
        finally:
            with self._cond:
                if listener in self._listeners:
                    self._listeners.remove(listener)

    def _replies_after(self, chat: dict | int, after: dict | int | None) -> Callable[[], list[dict]]:
        """A predicate for the bot's messages in ``chat`` newer than ``after``.

        ``after`` defaults to the newest message from somebody else than the bot at the time of the call.
        """
        with self._cond:
            if after is None:
                others = [m for m in self._chat_messages(chat) if not self._sent_by_bot(m)]
                after_id = others[-1]["message_id"] if others else 0
            else:
                after_id = message_key(after, chat)[1]
        return lambda: [m for m in self.bot_messages(chat) if m["message_id"] > after_id]

    async def wait_for_bot_replies(
        self, chat: dict | int, count: int = 1, *, after: dict | int | None = None, timeout: float = 10.0
    ) -> list[dict]:
        """Await ``count`` bot messages in ``chat`` after ``after`` (see ``_replies_after``)."""
        replies = self._replies_after(chat, after)
        what = f"{count} bot message(s) in chat {chat_id_of(chat)}"
        found = await self.wait_for(lambda: len(replies()) >= count, timeout, what)
        assert found
        return replies()[:count]

    async def wait_for_bot_reply(
        self, chat: dict | int, *, after: dict | int | None = None, timeout: float = 10.0
    ) -> dict:
        """Await the bot's next message in ``chat``; returns it."""
        return (await self.wait_for_bot_replies(chat, 1, after=after, timeout=timeout))[0]

    def wait_until_bot_replies(
        self, chat: dict | int, count: int = 1, *, after: dict | int | None = None, timeout: float = 10.0
    ) -> list[dict]:
        """Blocking twin of :meth:`wait_for_bot_replies`."""
        replies = self._replies_after(chat, after)
        what = f"{count} bot message(s) in chat {chat_id_of(chat)}"
        self.wait_until(lambda: len(replies()) >= count, timeout, what)
        return replies()[:count]

    def _timeout_report(self, predicate: Callable, timeout: float, what: str) -> str:
        with self._cond:
            recent = self._calls[-REPORT_CALLS:]
            lines = [f"timed out after {timeout}s waiting for {what or getattr(predicate, '__name__', '?')}"]
            lines.append(f"last {len(recent)} of {len(self._calls)} calls to the fake Bot API:")
            lines.extend(f"  {line}" for line in _collapse_repeats([call.summary() for call in recent]))
            if self.internal_errors:
                lines.append(f"bugs in the fake itself: {self.internal_errors[-1]}")
            return "\n".join(lines)
