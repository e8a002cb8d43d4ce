"""How requests reach the Bot API: Telegram's flood limits kept, failed requests retried.

PTB's AIORateLimiter queues requests within the overall limit (30 messages a second) and each
group's (20 a minute), and waits out a 429's retry_after. On top of it:

* private chats are paced too (Telegram asks for about one message a second per chat), each
  on its own, so a flooding user waits for their own answers without slowing anyone else;
* a request that fails on the network (time-out, dropped connection, 5xx) is tried again
  with growing pauses — a sent message is all that counts, not the first attempt;
* "typing…" bypasses the limits: it posts nothing, and queueing it behind a group's budget
  would delay (and spend) real answers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

logger = logging.getLogger(__name__)

RETRY_PAUSES_SECONDS = (0.5, 1, 2, 4, 8)  # after each failed attempt; then the error goes up
_MAX_IDLE_LIMITERS = 512


class RateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        overall_max_rate: float,
        group_max_rate: float,
        private_chat_max_rate: float,
        max_retries: int = 5,
    ):
        super().__init__(
            overall_max_rate=overall_max_rate, group_max_rate=group_max_rate, max_retries=max_retries
        )
        self._private_rate = private_chat_max_rate
        self._private: dict[int, AsyncLimiter] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data)
        limited = super().process_request
        for attempt, pause in enumerate((*RETRY_PAUSES_SECONDS, None), start=1):
            try:
                if chat_id is not None and chat_id > 0:  # a private chat: its own pace
                    async with self._private_limiter(chat_id):
                        return await limited(callback, args, kwargs, endpoint, data, rate_limit_args)
                return await limited(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise  # Telegram refused the request itself: sending it again changes nothing
            except NetworkError as error:
                if pause is None:
                    raise
                logger.info("%s failed (%s), attempt %d; retrying in %s s", endpoint, error, attempt, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > _MAX_IDLE_LIMITERS:  # forget chats whose budget is full again
            for idle in [c for c, limiter in self._private.items() if limiter.has_capacity(limiter.max_rate)]:
                del self._private[idle]
        if (limiter := self._private.get(chat_id)) is None:
            limiter = self._private[chat_id] = AsyncLimiter(self._private_rate, 1)
        return limiter


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None  # no chat, or a channel's @username
