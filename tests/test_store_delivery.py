"""The store's delivery part — inbox, lanes and their leases, handled and set-aside updates — on
both backends (the fixtures of tests/test_store.py). Two stores on one database play two bot
processes."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.store import InboxRow, SQLiteStore, Store, StoreUnavailable
from bot.store import sqlite as sqlite_backend
from tests.test_store import CHAT, OTHER, Backend, count, opened

LEASE = 60.0
GONE = -1.0  # a lease that ran out already: its holder died


def row(update_id: int, lane: int = CHAT) -> InboxRow:
    """A received update as receive_updates takes it."""
    payload = {
        "update_id": update_id,
        "message": {"chat": {"id": lane}, "text": f"naïve café 日本 😀 #{update_id}"},
    }
    return InboxRow(update_id, lane, json.dumps(payload, ensure_ascii=False))


def lanes_held(backend: Backend) -> dict[int, str]:
    return dict(backend.query("SELECT lane, owner FROM lanes"))


# --- one process ------------------------------------------------------------------------------------
async def test_received_updates_wait_in_the_inbox_and_each_lane_is_claimed_with_its_first(
    store: Store,
) -> None:
    assert await store.inbox() == [] and await store.receive_updates([], "one", LEASE) == []
    big = 2**40 + 3
    batch = [row(12), row(big, OTHER), row(10), row(11, 0)]  # not in order; lane 0: no chat
    assert await store.receive_updates(batch, "one", LEASE) == [row(10), row(11, 0), row(big, OTHER)]
    assert await store.inbox() == [row(10), row(11, 0), row(12), row(big, OTHER)]
    assert await store.inbox(limit=2) == [row(10), row(11, 0)] and await store.inbox(limit=0) == []
    assert not await store.is_handled(10)  # received is not handled
    # Again, and with a new one in a held lane: inboxed, but its lane is held already.
    assert await store.receive_updates([*batch, row(13), row(13)], "one", LEASE) == []
    assert [update.update_id for update in await store.inbox()] == [10, 11, 12, 13, big]
    assert (await store.inbox())[2] == row(12)  # the first receipt's payload is kept


async def test_finishing_hands_over_the_lanes_next_update_then_lets_the_lane_go(
    backend: Backend, store: Store
) -> None:
    assert await store.receive_updates([row(1), row(2)], "one", LEASE) == [row(1)]
    finished = await store.finish_update(1, CHAT, "one", LEASE)
    assert finished.next == row(2) and not finished.handled_before
    assert await store.is_handled(1) and await store.inbox() == [row(2)]
    assert lanes_held(backend) == {CHAT: "one"}
    finished = await store.finish_update(2, CHAT, "one", LEASE)
    assert finished.next is None and lanes_held(backend) == {} and await store.inbox() == []
    # Handled: never received again; the lane is free for the next update, by anyone.
    assert await store.receive_updates([row(1), row(2)], "two", LEASE) == []
    assert await store.receive_updates([row(3)], "two", LEASE) == [row(3)]
    assert lanes_held(backend) == {CHAT: "two"}
    assert (await store.finish_update(3, CHAT, "two", LEASE)).next is None
    assert (await store.finish_update(3, CHAT, "two", LEASE)).handled_before  # twice: told so
    assert count(backend, "inbox") == 0 and lanes_held(backend) == {}


async def test_an_update_for_a_lane_held_elsewhere_waits_for_its_holder(backend: Backend) -> None:
    async with opened(backend.make()) as one, opened(backend.make()) as two:
        assert await one.receive_updates([row(1)], "one", LEASE) == [row(1)]
        assert await two.receive_updates([row(2), row(5, OTHER)], "two", LEASE) == [row(5, OTHER)]
        assert (await one.finish_update(1, CHAT, "one", LEASE)).next == row(2)
        assert await two.claim_lanes("two", LEASE, 10) == []  # held: nothing to take over
        assert (await one.finish_update(2, CHAT, "one", LEASE)).next is None
        assert lanes_held(backend) == {OTHER: "two"}


async def test_a_dead_holders_lanes_are_taken_over_once_its_lease_runs_out(backend: Backend) -> None:
    async with opened(backend.make()) as one, opened(backend.make()) as two:
        claimed = await one.receive_updates([row(1), row(3), row(2, OTHER)], "dead", GONE)
        assert claimed == [row(1), row(2, OTHER)]
        assert await two.claim_lanes("two", LEASE, limit=1) == [row(1)]  # the limit holds
        assert await two.claim_lanes("two", LEASE, limit=10) == [row(2, OTHER)]
        assert await two.claim_lanes("two", LEASE, limit=10) == []  # now held, live
        assert lanes_held(backend) == {CHAT: "two", OTHER: "two"}
        # The dead one was only slow: it finds its lane gone and leaves it alone.
        finished = await one.finish_update(1, CHAT, "dead", LEASE)
        assert finished.next is None and lanes_held(backend) == {CHAT: "two", OTHER: "two"}
        assert await one.renew_lanes("dead", [CHAT, OTHER], LEASE) == []
        finished = await two.finish_update(1, CHAT, "two", LEASE)  # handled both times
        assert finished.handled_before and finished.next == row(3)


async def test_a_receipt_takes_over_an_expired_lane(backend: Backend, store: Store) -> None:
    assert await store.receive_updates([row(1)], "dead", GONE) == [row(1)]
    assert await store.receive_updates([row(2)], "two", LEASE) == [row(1)]  # its first waiting update
    assert lanes_held(backend) == {CHAT: "two"}


async def test_renewing_keeps_the_lanes_still_held_and_releasing_frees_them_at_once(backend: Backend) -> None:
    async with opened(backend.make()) as one, opened(backend.make()) as two:
        await one.receive_updates([row(1), row(2, OTHER), row(3, 7)], "one", GONE)
        assert await one.renew_lanes("one", [CHAT, 7], LEASE) == [CHAT, 7]  # OTHER was not renewed
        assert await two.claim_lanes("two", LEASE, 10) == [row(2, OTHER)]
        assert await one.renew_lanes("one", [CHAT, OTHER, 7, 12345], LEASE) == [CHAT, 7]
        assert await one.renew_lanes("one", [], LEASE) == []
        await one.release_lanes("one")
        assert await two.claim_lanes("two", LEASE, 10) == [row(1), row(3, 7)]
        assert lanes_held(backend) == {CHAT: "two", OTHER: "two", 7: "two"}


async def test_an_update_set_aside_is_kept_apart_counted_handled_and_never_received_again(
    backend: Backend, store: Store
) -> None:
    await store.receive_updates([row(1), row(2)], "one", LEASE)
    await store.set_aside(1, row(1).payload, "PTB cannot read it")
    await store.set_aside(99, '{"update_id": 99}', "never inboxed")
    await store.set_aside(99, '{"update_id": 99}', "twice is fine")
    assert await store.inbox() == [row(2)]
    assert await store.is_handled(1) and await store.is_handled(99)
    assert await store.receive_updates([row(1), row(99)], "one", LEASE) == []
    kept = backend.query("SELECT update_id, reason FROM set_aside_updates ORDER BY update_id")
    assert kept == [(1, "PTB cannot read it"), (99, "never inboxed")]


async def test_handled_and_set_aside_records_are_pruned_never_the_inbox(backend: Backend) -> None:
    async with opened(backend.make(keep_handled=5, prune_every=2)) as store:
        await store.receive_updates([row(100), row(101, OTHER)], "one", LEASE)
        for update_id in range(1, 21):
            await store.finish_update(update_id, 5, "one", LEASE)
        assert count(backend, "handled_updates") == 5
        assert [await store.is_handled(u) for u in (1, 15, 16, 20)] == [False, False, True, True]
        await store.set_aside(200, "{}", "unreadable")
    backend.query("UPDATE set_aside_updates SET set_aside_at = '2000-01-01T00:00:00+00:00'")
    # Reopened with a zero age limit: opening prunes everything older than now.
    async with opened(backend.make(handled_max_age=timedelta(0))) as store:
        assert not await store.is_handled(20) and count(backend, "handled_updates") == 0
        assert count(backend, "set_aside_updates") == 0
        assert await store.inbox() == [row(100), row(101, OTHER)]


async def test_the_inbox_and_the_lanes_survive_a_restart(backend: Backend) -> None:
    async with opened(backend.make()) as store:
        await store.receive_updates([row(u, CHAT + u % 2) for u in range(100, 110)], "killed", GONE)
        await store.finish_update(100, CHAT, "killed", GONE)
    # As after kill -9: every committed call is in the file or database.
    async with opened(backend.make()) as store:
        assert [u.update_id for u in await store.inbox()] == list(range(101, 110))
        assert await store.claim_lanes("restarted", LEASE, 10) == [row(102, CHAT), row(101, CHAT + 1)]
        assert await store.is_handled(100)


async def test_a_version_3_inbox_is_migrated_into_lanes(backend: Backend) -> None:
    async with opened(backend.make(), schema_version=3):
        pass
    old = "INSERT INTO inbox (update_id, chat_id, payload, received_at) VALUES ({}, {}, '{{}}', '{}')"
    backend.query(old.format(7, CHAT, "2026-01-01T00:00:00+00:00"))
    backend.query(old.format(8, "NULL", "2026-01-01T00:00:00+00:00"))  # an inline query: no chat
    async with opened(backend.make()) as store:
        assert await store.claim_lanes("one", LEASE, 10) == [InboxRow(7, CHAT, "{}"), InboxRow(8, 0, "{}")]


# --- failures -------------------------------------------------------------------------------------------
async def test_a_value_the_store_refuses_fails_the_call_not_the_store(backend: Backend, store: Store) -> None:
    with pytest.raises((OverflowError, psycopg.DataError)) as error:
        await store.receive_updates([row(1), row(2, 2**64)], "one", LEASE)  # a chat id beyond 64 bits
    assert not isinstance(error.value, StoreUnavailable)
    assert await store.inbox() == [] and lanes_held(backend) == {}  # all or nothing
    await store.ping()
    assert await store.receive_updates([row(1)], "one", LEASE) == [row(1)]


async def test_a_locked_sqlite_file_is_unavailable_until_it_is_released(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_backend, "BUSY_TIMEOUT_SECONDS", 0.1)
    path = tmp_path / "bot.sqlite3"
    async with opened(SQLiteStore(path)) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing, and not letting go
        for call in (store.ping(), store.receive_updates([row(1)], "one", LEASE)):
            with pytest.raises(StoreUnavailable, match="locked") as error:
                await call
            assert isinstance(error.value.__cause__, sqlite3.OperationalError)
        assert await store.inbox() == []  # reading still works in WAL mode
        other.execute("ROLLBACK")
        other.close()
        await store.ping()
        assert await store.receive_updates([row(1)], "one", LEASE) == [row(1)]


# --- several processes ----------------------------------------------------------------------------------
async def test_two_processes_receiving_the_same_updates_handle_each_once_in_lane_order(
    backend: Backend,
) -> None:
    """What a load balancer does to two webhook processes: each update reaches one of them at
    random, one in ten both at once; chats are delivered side by side, a chat's updates one
    after another (as Telegram sends them). Each process drains the lanes it claims. Every
    update must be handled exactly once, a lane's in ascending order, by one process at a time."""
    rng = random.Random(7)
    lanes = [CHAT - n for n in range(12)]
    updates = [row(update_id, rng.choice(lanes)) for update_id in range(1, 401)]
    handled: list[tuple[str, InboxRow]] = []
    holding: dict[int, str] = {}
    drains: list[asyncio.Task[None]] = []

    async def drain(owner: str, store: Any, update: InboxRow | None) -> None:
        while update is not None:
            assert update.lane not in holding, "a lane in two hands at once"
            holding[update.lane] = owner
            handled.append((owner, update))
            await asyncio.sleep(0)  # others run meanwhile, as in a handler
            del holding[update.lane]
            update = (await store.finish_update(update.update_id, update.lane, owner, LEASE)).next

    async def deliver(owner: str, store: Any, update: InboxRow) -> None:
        for first in await store.receive_updates([update], owner, LEASE):
            drains.append(asyncio.create_task(drain(owner, store, first)))

    async def deliver_lane(lane: int, processes: dict[str, Any]) -> None:
        for update in (u for u in updates if u.lane == lane):
            to = list(processes) if rng.random() < 0.1 else [rng.choice(list(processes))]
            await asyncio.gather(*(deliver(owner, processes[owner], update) for owner in to))

    async with opened(backend.make()) as one, opened(backend.make()) as two:
        await asyncio.gather(*(deliver_lane(lane, {"one": one, "two": two}) for lane in lanes))
        while drains:
            await drains.pop()
        # A lane let go just as an update came in elsewhere would leave it behind: none may be.
        assert await one.claim_lanes("sweeper", LEASE, 100) == []
    ids = [update.update_id for _, update in handled]
    assert sorted(ids) == list(range(1, 401)), "lost or handled twice"
    by_lane: dict[int, list[int]] = defaultdict(list)
    for _, update in handled:
        by_lane[update.lane].append(update.update_id)
    assert all(ids == sorted(ids) for ids in by_lane.values()), "out of order within a lane"
    assert {owner for owner, _ in handled} == {"one", "two"}
    assert count(backend, "inbox") == 0 and lanes_held(backend) == {}
