"""Whether the store answers: deliveries pause while it does not, and resume by themselves.

A locked SQLite file or a PostgreSQL server that went away is not a reason to stop the bot, nor
to drop what it was doing: the first failure closes the watch, one task tries the store again
with growing waits (one log line per try), and the watch opens again once it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from .store import Store, StoreUnavailable

logger = logging.getLogger(__name__)

WAITS_SECONDS = (0.5, 1, 2, 4, 8, 15, 30)  # between tries of a store that failed; then every 30 s


class StoreWatch:
    """Open while the store answers; closed from a failure until a try of it succeeds."""

    def __init__(self, store: Store):
        self._store = store
        self._up = asyncio.Event()
        self._up.set()
        self._trying: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    def failed(self, error: StoreUnavailable) -> None:
        """A store call failed for want of the store: pause deliveries until it answers again."""
        if not self._up.is_set():
            return
        self._up.clear()
        logger.warning("the store is unavailable (%s); deliveries pause until it answers", error)
        self._trying = asyncio.create_task(self._try_until_up(), name="delivery:store-watch")

    async def wait_up(self, stopping: asyncio.Event) -> bool:
        """Wait until the store answers (True) or ``stopping`` is set (False)."""
        if self._up.is_set():
            return True
        waits = [asyncio.ensure_future(self._up.wait()), asyncio.ensure_future(stopping.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return self._up.is_set()

    async def close(self) -> None:
        if self._trying is not None:
            self._trying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._trying

    async def _try_until_up(self) -> None:
        started = asyncio.get_running_loop().time()
        for tries in itertools.count(1):
            await asyncio.sleep(WAITS_SECONDS[min(tries - 1, len(WAITS_SECONDS) - 1)])
            try:
                await self._store.ping()
            except StoreUnavailable as error:
                wait = WAITS_SECONDS[min(tries, len(WAITS_SECONDS) - 1)]
                logger.warning("the store is still unavailable (%s); trying again in %s s", error, wait)
                continue
            down_for = asyncio.get_running_loop().time() - started
            logger.warning("the store answers again after %.1f s; deliveries resume", down_for)
            self._up.set()
            return
