"""At-least-once handling of Telegram updates, the same whichever way they arrive.

PTB's own polling and webhook server tell Telegram an update arrived (the next getUpdates
offset, the webhook's 200) before it is handled, so a crash loses whatever waited in memory.
Here an update is first kept in the store's inbox, and only then confirmed (``bot.polling``,
``bot.webhook``); it leaves the inbox once handled (its reply sent). A crash can at worst
repeat the reply that was in flight; an update delivered twice — by Telegram after a crash, or
by a load balancer to two processes — is inboxed once.

Updates are handled per *lane* — a chat, or the user for updates without one — in order (a
follow-up must come after its question), while lanes are handled side by side, so a busy or
flooding chat, or a slow /add, never holds up the others. Processes sharing a store (webhooks
behind a load balancer, on PostgreSQL) share the lanes: a process holds a lane while updates
wait in it, under a lease it renews, lets it go once it is empty, and a lane whose holder died
(kill -9) is taken over when the lease runs out. While the store fails, deliveries pause
(``bot.storewatch``) and nothing more is confirmed to Telegram. A handler that fails on the
network or the store is tried again later (``bot.serving.DeliveryApplication``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from typing import Any

from telegram import Update
from telegram.ext import Application

from .owners import is_dead, process_owner
from .store import Finished, InboxRow, Store, StoreUnavailable
from .storewatch import StoreWatch

logger = logging.getLogger(__name__)

BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # between tries of an update whose handling failed
MAX_ATTEMPTS = 8  # tries of one update whose handling keeps failing on the network
MAX_FAILURES = 3  # tries of one update that PTB itself fails on, or the store refuses, before it is set aside
# Updates handled at the same time, across lanes (the workers). More would only queue inside
# the HTTP client, whose pool scans its whole queue for every request (measured: ten thousand
# chats at once slowed answers to a crawl); the rest wait in line here, which costs nothing.
CONCURRENT_UPDATES = 128
LEASE_SECONDS = 10.0  # a lane's lease: how long a dead process's lanes wait to be taken over
UPKEEP_SECONDS = 2.0  # how often leases are renewed and abandoned lanes looked for
CLAIMS_PER_UPKEEP = 1000
_PARSED_KEPT = 10_000  # parsed updates kept for their handling, at most


class UpdateRefused(Exception):
    """The store refused to keep an update (not for want of the store): it stays unconfirmed."""


def lane_of(update: Update) -> int:
    """The chat's id; for updates without a chat (inline queries) the user's; else 0."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


class Delivery:
    """Keeps received updates in the store's inbox and hands them to the application, by lane.

    A fixed set of workers takes lanes in turn from a ready line: a worker handles the lane's
    next update, then puts the lane back at the end of the line if it has more. A lane is never
    with two workers at once (its order holds), a flooding chat gets one turn like everyone
    else, and ten thousand chats cost ten thousand entries, not ten thousand tasks.
    """

    def __init__(self, application: Application, store: Store):
        self._application = application
        self._store = store
        self.owner = process_owner()
        self.store_watch = StoreWatch(store)
        self._lanes: dict[int, InboxRow] = {}  # lanes held → the update to handle next
        self._held_until: dict[int, float] = {}  # → when their lease ends, at the latest (loop time)
        self._claimed_meanwhile: dict[int, InboxRow] = {}  # claimed again while their turn finished
        self._ready: asyncio.Queue[int] = asyncio.Queue()
        self._parsed: dict[int, Update] = {}  # updates received here, so they are not parsed again
        self._failures: Counter[int] = Counter()  # by update id
        self._tasks: list[asyncio.Task[None]] = []
        self._busy = 0
        self._idle = asyncio.Event()  # no update is being handled
        self._idle.set()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Start the workers and the lease upkeep; take over what an earlier run left waiting."""
        self._application.retries_updates = True  # type: ignore[attr-defined]
        self._tasks = [
            asyncio.create_task(self._work(), name=f"delivery:worker{n}") for n in range(CONCURRENT_UPDATES)
        ]
        self._tasks.append(asyncio.create_task(self._upkeep(), name="delivery:upkeep"))

    async def stop(self) -> None:
        """Let the updates being handled finish, then let go of the lanes (the rest stay inboxed)."""
        self._stopping.set()
        await self._idle.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.store_watch.close()
        with contextlib.suppress(StoreUnavailable):  # then their leases run out on their own
            await self._store.release_lanes(self.owner)

    async def receive(self, raw_updates: list[Any]) -> None:
        """Keep Telegram's updates (as decoded from JSON) in the inbox: only once this returns may
        the caller confirm them to Telegram (the next offset, the webhook's 200).

        Raises:
            StoreUnavailable: the store failed (deliveries pause until it answers again).
            UpdateRefused: the store refused an update; it has not been tried often enough to
                be set aside yet.
        """
        rows = [row for raw in raw_updates if (row := await self._read(raw)) is not None]
        if not rows:
            return
        try:
            self._take(await self._store.receive_updates(rows, self.owner, LEASE_SECONDS))
        except StoreUnavailable as error:
            self.store_watch.failed(error)
            raise
        except Exception:  # the store refuses one of them: keep the others
            await self._keep_one_by_one(rows)

    async def _read(self, raw: Any) -> InboxRow | None:
        """The update as the inbox keeps it; None if it has no id, or PTB cannot read it."""
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if type(update_id) is not int:
            logger.error("an update without an update_id was ignored")
            return None
        payload = json.dumps(raw)  # ASCII: no lone surrogate can make the store refuse it
        try:
            update = Update.de_json(raw, self._application.bot)
            lane = lane_of(update)
        except Exception as error:  # trying again cannot change how PTB reads it
            await self._set_aside(update_id, payload, f"PTB cannot read it: {error!r}")
            return None
        if len(self._parsed) >= _PARSED_KEPT:  # those another process handles are never taken out
            del self._parsed[next(iter(self._parsed))]
        self._parsed[update_id] = update
        return InboxRow(update_id, lane, payload)

    async def _keep_one_by_one(self, rows: list[InboxRow]) -> None:
        refused = []
        for row in rows:
            try:
                self._take(await self._store.receive_updates([row], self.owner, LEASE_SECONDS))
            except StoreUnavailable as error:
                self.store_watch.failed(error)
                raise
            except Exception:
                self._failures[row.update_id] += 1
                if self._failures[row.update_id] < MAX_FAILURES:
                    logger.warning("the store refused update %s", row.update_id, exc_info=True)
                    refused.append(row.update_id)
                    continue
                logger.exception("the store refused update %s %d times", row.update_id, MAX_FAILURES)
                await self._set_aside(
                    row.update_id, row.payload, f"the store refused it {MAX_FAILURES} times"
                )
        if refused:
            raise UpdateRefused(
                f"the store refused update {', '.join(map(str, refused))}; it stays unconfirmed"
            )

    async def _set_aside(self, update_id: int, payload: str, reason: str) -> None:
        logger.error("update %s set aside: %s", update_id, reason)
        self._failures.pop(update_id, None)
        self._parsed.pop(update_id, None)
        try:
            await self._store.set_aside(update_id, payload, reason)
        except StoreUnavailable as error:
            self.store_watch.failed(error)
            raise
        except Exception:
            logger.exception("update %s could not be kept aside either; it is dropped", update_id)

    def _take(self, rows: list[InboxRow]) -> None:
        """Lanes claimed: put them in line for a worker."""
        now = asyncio.get_running_loop().time()
        for row in rows:
            if row.lane in self._lanes:  # held here already: its turn is finishing (see _turn)
                self._claimed_meanwhile[row.lane] = row
                continue
            self._lanes[row.lane] = row
            self._held_until[row.lane] = now + LEASE_SECONDS
            self._ready.put_nowait(row.lane)

    def _drop(self, lane: int) -> None:
        self._lanes.pop(lane, None)
        self._held_until.pop(lane, None)
        self._claimed_meanwhile.pop(lane, None)

    async def _work(self) -> None:
        """Take a lane from the line and give it a turn: its next update."""
        while True:
            lane = await self._ready.get()
            if self._stopping.is_set() or lane not in self._lanes:
                continue
            self._busy += 1
            self._idle.clear()
            try:
                await self._turn(lane)
            except StoreUnavailable as error:
                self.store_watch.failed(error)
                self._ready.put_nowait(lane)  # its next turn waits for the store
            except Exception:  # a bug: the lane goes; its lease runs out and it is taken over again
                logger.exception("delivery failed on lane %s", lane)
                self._drop(lane)
            finally:
                self._busy -= 1
                if not self._busy:
                    self._idle.set()

    async def _turn(self, lane: int) -> None:
        if not await self.store_watch.wait_up(self._stopping) or not await self._still_held(lane):
            return
        row = self._lanes[lane]
        update = self._parsed.pop(row.update_id, None) or await self._parse(row)
        handled = update is not None
        if update is not None:
            outcome = await self._handle(update)
            if not isinstance(outcome, bool):  # failed for now: this lane waits, the others go on
                self._parsed[row.update_id] = update
                if not self._stopping.is_set():
                    asyncio.get_running_loop().call_later(outcome, self._ready.put_nowait, lane)
                return
            handled = outcome
        finished = await self._finish(row)
        if finished is None:  # stopping
            return
        if finished.handled_before and handled:
            logger.warning("update %s was handled twice (by another process too)", row.update_id)
        # Claimed again by a receipt here after this finish let the lane go? (Not the update
        # just finished: that is a claim of the lane while its lease had run out.)
        meanwhile = self._claimed_meanwhile.pop(lane, None)
        if meanwhile is not None and meanwhile.update_id == row.update_id:
            meanwhile = None
        following = finished.next or meanwhile
        if following is None:
            self._drop(lane)
            return
        self._lanes[lane] = following
        self._ready.put_nowait(lane)  # back of the line: one update per turn

    async def _still_held(self, lane: int) -> bool:
        """Whether this process still holds the lane: only in doubt (the lease may have run out
        while the store failed) is the store asked."""
        now = asyncio.get_running_loop().time()
        if now < self._held_until.get(lane, now):
            return True
        if lane in await self._renew([lane]):
            return True
        logger.warning("lane %s was taken over by another process", lane)
        self._drop(lane)
        return False

    async def _parse(self, row: InboxRow) -> Update | None:
        try:
            return Update.de_json(json.loads(row.payload), self._application.bot)
        except Exception as error:  # kept by an older bot, say
            await self._set_aside(row.update_id, row.payload, f"PTB cannot read it: {error!r}")
            return None

    async def _handle(self, update: Update) -> bool | float:
        """Handle the update: True once done, False once set aside, else how many seconds to
        wait before trying it again."""
        failures: dict[int, Exception] = self._application.transient_failures  # type: ignore[attr-defined]
        update_id = update.update_id
        try:
            await self._application.process_update(update)
        except Exception:  # not a handler's error (PTB gives those to the error handler): PTB's own
            self._failures[update_id] += 1
            if self._failures[update_id] < MAX_FAILURES:
                logger.exception("handling update %s failed; trying again", update_id)
                return BACKOFF_SECONDS[self._failures[update_id] - 1]
            logger.exception("handling update %s failed %d times", update_id, MAX_FAILURES)
            await self._set_aside(update_id, json.dumps(update.to_dict()), "handling it failed every time")
            return False
        error = failures.pop(update_id, None)
        if isinstance(error, StoreUnavailable):
            self.store_watch.failed(error)
            return 0.0  # its next turn waits for the store
        if error is not None:
            self._failures[update_id] += 1
            attempts = self._failures[update_id]
            if attempts < MAX_ATTEMPTS:
                logger.warning("update %s failed on the network (%s); trying again", update_id, error)
                return BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
            logger.error("update %s failed %d times on the network; giving up", update_id, attempts)
        self._failures.pop(update_id, None)
        return True

    async def _finish(self, row: InboxRow) -> Finished | None:
        """Record the update handled, whatever it takes; None if stopping first."""
        while True:
            started = asyncio.get_running_loop().time()
            try:
                finished = await self._store.finish_update(row.update_id, row.lane, self.owner, LEASE_SECONDS)
            except StoreUnavailable as error:
                self.store_watch.failed(error)
                if not await self.store_watch.wait_up(self._stopping):
                    return None
                continue
            self._held_until[row.lane] = started + LEASE_SECONDS
            return finished

    async def _upkeep(self) -> None:
        """Renew the leases of the lanes held; claim lanes whose holder died."""
        while not self._stopping.is_set():
            if await self.store_watch.wait_up(self._stopping):
                try:
                    await self._renew(list(self._lanes))
                    for owner in await self._store.lane_owners():
                        if is_dead(owner, self.owner):  # no need to wait for its leases to run out
                            logger.info("taking over the lanes of %s, which is gone", owner)
                            await self._store.release_lanes(owner)
                    self._take(await self._store.claim_lanes(self.owner, LEASE_SECONDS, CLAIMS_PER_UPKEEP))
                except StoreUnavailable as error:
                    self.store_watch.failed(error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), UPKEEP_SECONDS)

    async def _renew(self, lanes: list[int]) -> list[int]:
        started = asyncio.get_running_loop().time()
        held = await self._store.renew_lanes(self.owner, lanes, LEASE_SECONDS)
        for lane in held:
            if lane in self._held_until:
                self._held_until[lane] = started + LEASE_SECONDS
        return held
