"""Question quotas per user and per chat: past them, one polite "slow down", then answers in turn."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

WINDOW_SECONDS = 60.0


class Quotas:
    """Counts questions in a sliding minute. Nothing is dropped: the answers still come, at
    the pace Telegram allows in that chat; the notice tells the asker why they come slowly."""

    def __init__(self, per_user: int, per_chat: int, clock: Callable[[], float] = time.monotonic):
        self._limits = {"user": per_user, "chat": per_chat}
        self._clock = clock
        self._asked: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}

    def over(self, chat_id: int, user_id: int | None) -> bool:
        """Count a question; True the first time in a minute that it passes a quota."""
        now = self._clock()
        keys = [("chat", chat_id)] + ([("user", user_id)] if user_id is not None else [])
        passed = [key for key in keys if self._count(key, now) > self._limits[key[0]]]
        if not passed or any(now - self._warned.get(key, -WINDOW_SECONDS) < WINDOW_SECONDS for key in passed):
            return False
        for key in passed:
            self._warned[key] = now
        return True

    def _count(self, key: Hashable, now: float) -> int:
        asked = self._asked.setdefault(key, deque())
        asked.append(now)
        while asked and now - asked[0] > WINDOW_SECONDS:
            asked.popleft()
        if len(self._asked) > 10_000:  # forget the quiet ones now and then, so memory stays flat
            for quiet in [k for k, q in self._asked.items() if now - q[-1] > WINDOW_SECONDS]:
                del self._asked[quiet]
                self._warned.pop(quiet, None)
        return len(asked)


SLOW_DOWN = (
    "You're asking faster than I may answer in this chat. I'll answer every question, in turn — "
    "the answers just come a little more slowly."
)
