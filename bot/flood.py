"""Question quotas per user and per chat: past them, one polite "slow down", then answers in turn."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

WINDOW_SECONDS = 60.0


class Quotas:
    """Counts questions per user and per chat in one-minute windows. Nothing is dropped: the
    answers still come, at the pace Telegram allows in that chat; the notice tells the asker
    why they come slowly. Two numbers per active user and chat, forgotten a minute later."""

    def __init__(self, per_user: int, per_chat: int, clock: Callable[[], float] = time.monotonic):
        self._limits = {"user": per_user, "chat": per_chat}
        self._clock = clock
        self._windows: dict[Hashable, tuple[float, int, bool]] = {}  # key → start, count, warned
        self._prune_at = 10_000

    def over(self, chat_id: int, user_id: int | None) -> bool:
        """Count a question; True the first time in a window that it passes a quota."""
        now = self._clock()
        if len(self._windows) > self._prune_at:  # forget finished minutes, so memory stays flat
            self._windows = {k: w for k, w in self._windows.items() if now - w[0] < WINDOW_SECONDS}
            self._prune_at = max(10_000, 2 * len(self._windows))  # amortised: rarely, however busy
        counted = {}
        for key in [("chat", chat_id)] + ([("user", user_id)] if user_id is not None else []):
            start, count, warned = self._windows.get(key, (now, 0, False))
            if now - start >= WINDOW_SECONDS:
                start, count, warned = now, 0, False
            counted[key] = (start, count + 1, warned)
        passed = [key for key, (_, count, _) in counted.items() if count > self._limits[key[0]]]
        # One notice, not one per quota: a private chat's user passing 20 and then the chat
        # passing 60 is the same flood, told about once.
        warn = bool(passed) and not any(counted[key][2] for key in passed)
        for key, (start, count, warned) in counted.items():
            self._windows[key] = (start, count, warned or (warn and key in passed))
        return warn


SLOW_DOWN = (
    "You're asking faster than I may answer in this chat. I'll answer every question, in turn — "
    "the answers just come a little more slowly."
)
