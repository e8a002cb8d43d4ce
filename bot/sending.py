"""How requests reach the Bot API: Telegram's flood limits kept, failed requests retried.

A rate limiter behind PTB's own interface (``telegram.ext.BaseRateLimiter``) rather than PTB's
AIORateLimiter, for three measured reasons, listed with the design below: AIORateLimiter's
buckets allow twice a limit within its period, one 429 freezes every chat, and the requests
queued during a 429's pause all leave together when it ends — in the reliability tests that
burst put up to six answers in flight at a crash (six duplicates at one kill -9 where the
requirement is at most one); with the pacing here, one.

* Every limit is a sliding window — at most N messages in any period — and each message takes
  its turn right before it leaves: one message every 1/30 s overall, at most 20 in any minute
  per group, about one a second per private chat. A chat's messages count from when Telegram
  answered them, so a slow network never brings two closer together than the limit. A bucket
  of N instead (aiolimiter's ``AsyncLimiter(N, period)``, which PTB's AIORateLimiter uses)
  lets N go at once and N more while it drains: twice the limit.
* A 429 pauses its chat for retry_after (every request, when it had no chat). Within the
  overall pace a 429 is about one chat — a group's 20 a minute, a private chat's pace — and
  pausing everything, as PTB's AIORateLimiter does, would let one group's minute-long flood
  wait freeze every other chat. Requests that waited then leave at the overall pace, not all
  at once (PTB's limiter takes the turn before waiting out the pause, so they would burst and
  meet another 429).
* The even pace also keeps the answers that are sent but not yet recorded down to about one
  at a time, which is what a crash can repeat (bot.delivery).
* Private chats and groups are paced each on its own, so a flooding chat waits for its own
  answers without slowing anyone else.
* A request that fails on the network (time-out, dropped connection, 5xx) is tried again with
  growing pauses — a sent message is all that counts, not the first attempt.
* "typing…" bypasses the limits: it posts nothing, and queueing it behind a group's budget
  would delay (and spend) real answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

RETRY_PAUSES_SECONDS = (0.5, 1, 2, 4, 8)  # after each failed attempt; then the error goes up
GROUP_WINDOW_SECONDS = 60.0  # GROUP_MESSAGES_PER_MINUTE counts messages in any such window
RETRY_AFTER_MARGIN_SECONDS = 0.1  # Telegram counts whole seconds; resume just after, not at
_MAX_IDLE_WINDOWS = 512  # chat windows kept before the idle ones are forgotten


class SlidingWindow:
    """At most ``count`` entries in any ``period`` seconds, in the order they arrive."""

    def __init__(self, count: int, period: float):
        self._count = count
        self._period = period
        self._times: deque[float] = deque(maxlen=count)
        self._turn = asyncio.Lock()  # waiters queue up in order (asyncio.Lock is FIFO)
        self.paused_until = 0.0  # loop time before which a 429 lets nothing through

    async def enter(self) -> None:
        """Wait until one more entry keeps the window within its count, and enter."""
        async with self._turn:
            if len(self._times) == self._count:
                await asyncio.sleep(self._times[0] + self._period - _now())
            self._times.append(_now())  # the oldest drops out (maxlen)

    def restamp(self) -> None:
        """Count the latest entry from now (its request is done only now)."""
        if self._times:
            self._times[-1] = max(self._times[-1], _now())

    def idle(self) -> bool:
        now = _now()
        return (not self._times or now - self._times[-1] >= self._period) and now >= self.paused_until


class RateLimiter(BaseRateLimiter[int]):
    """PTB's rate-limiter interface; ``rate_limit_args`` is how many 429s a request may take."""

    def __init__(
        self,
        *,
        overall_max_rate: float,
        group_max_rate: float,
        private_chat_max_rate: float,
        max_retries: int = 5,
    ):
        """Rates per second overall and per private chat, per minute per group."""
        self._overall = SlidingWindow(1, 1 / overall_max_rate)
        self._private_period = 1 / private_chat_max_rate
        self._group_messages = max(1, int(group_max_rate))
        self._windows: dict[int, SlidingWindow] = {}
        self._prune_at = _MAX_IDLE_WINDOWS
        self._max_retries = max_retries
        self.paused_until = 0.0  # loop time until which a 429 without a chat stops every request

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        window = self._chat_window(_chat_id(data))
        network_failures = too_many_requests = 0
        while True:
            try:
                await self._take_turn(window)
                try:
                    return await callback(*args, **kwargs)
                finally:
                    # Counted from its answer: however long the request took to get there, the
                    # chat's next one arrives a whole period after it.
                    if window is not None:
                        window.restamp()
            except RetryAfter as error:
                too_many_requests += 1
                if too_many_requests > (rate_limit_args or self._max_retries):
                    raise
                seconds = retry_after_seconds(error) + RETRY_AFTER_MARGIN_SECONDS
                logger.info("%s: Telegram asks to wait %.1f s", endpoint, seconds)
                paused = window if window is not None else self
                paused.paused_until = max(paused.paused_until, _now() + seconds)
            except BadRequest:
                raise  # Telegram refused the request itself: sending it again changes nothing
            except NetworkError as error:
                if network_failures == len(RETRY_PAUSES_SECONDS):
                    raise
                pause = RETRY_PAUSES_SECONDS[network_failures]
                network_failures += 1
                logger.info("%s failed (%s), try %d; again in %s s", endpoint, error, network_failures, pause)
                await asyncio.sleep(pause)

    async def _take_turn(self, window: SlidingWindow | None) -> None:
        """Wait for the chat's pace, for any 429 pause, and for the overall pace — in that
        order, so that the request leaves the moment its overall turn comes."""
        if window is not None:
            await window.enter()
        while True:
            if (pause := self._resume_at(window) - _now()) > 0:
                await asyncio.sleep(pause)
            await self._overall.enter()
            if _now() >= self._resume_at(window):  # no 429 came while it waited for its turn
                break

    def _resume_at(self, window: SlidingWindow | None) -> float:
        return max(self.paused_until, window.paused_until if window is not None else 0.0)

    def _chat_window(self, chat_id: int | None) -> SlidingWindow | None:
        """The chat's own pace: private chats (positive ids) and groups (negative ids)."""
        if chat_id is None:
            return None
        if len(self._windows) > self._prune_at:  # forget chats that sent nothing for a while
            self._windows = {chat: window for chat, window in self._windows.items() if not window.idle()}
            self._prune_at = max(_MAX_IDLE_WINDOWS, 2 * len(self._windows))  # amortised, however busy
        if (window := self._windows.get(chat_id)) is None:
            if chat_id > 0:
                window = SlidingWindow(1, self._private_period)
            else:
                window = SlidingWindow(self._group_messages, GROUP_WINDOW_SECONDS)
            self._windows[chat_id] = window
        return window


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # no chat, or a channel's @username


def retry_after_seconds(error: RetryAfter) -> float:
    """The pause a 429 asks for. Read as PTB's own limiter reads it: the public attribute warns
    that it will turn from seconds into a timedelta."""
    with contextlib.suppress(AttributeError):
        return error._retry_after.total_seconds()
    retry_after = error.retry_after
    return retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)


def _now() -> float:
    return asyncio.get_running_loop().time()
