"""The PostgreSQL store's delivery transactions: the inbox, lanes and their leases, handled updates.

Several processes share these tables. What keeps them consistent:

* A receipt and a finish lock the lanes they touch (an advisory lock per lane, in ascending
  order, before any row lock): a finish that finds its lane empty and lets it go, and a receipt
  that inboxes an update in that lane and fails to claim it because it is still held, never
  interleave — the update is either seen by the finish or claimed by the receipt. The same
  locks serialize two receipts of one update (a load balancer's retry) and a receipt with its
  update's finish, so an update is inboxed once, and never after it was handled.
* A claim is an upsert on the lane's row that only succeeds if nobody holds the lane or its
  holder's lease has run out; two claimants of one lane wait for each other's row lock and
  only one wins. Lease times are the database's clock, the same for every process.
* Taking over abandoned lanes only *tries* each lane's lock and skips those in use: it never
  waits, so it cannot deadlock with the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from .base import Finished, InboxRow

Connection = psycopg.AsyncConnection[dict[str, Any]]

_LANE_LOCK_CLASS = 0x5143  # advisory locks (class, key): keys are lanes folded to 32 bits

_LOCK_LANES = "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::integer[]) AS key"
_TRY_LOCK_LANES = """SELECT lane FROM unnest(%s::bigint[], %s::integer[]) AS t (lane, key)
    WHERE pg_try_advisory_xact_lock(%s, key)"""
_RECEIVE = """INSERT INTO inbox (update_id, lane, payload, received_at)
    SELECT u.update_id, u.lane, u.payload, now()
    FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS u (update_id, lane, payload)
    WHERE NOT EXISTS (SELECT 1 FROM handled_updates h WHERE h.update_id = u.update_id)
    ON CONFLICT (update_id) DO NOTHING"""
# Lanes in ascending order, so that row locks are taken in the same order by everyone.
_CLAIM = """INSERT INTO lanes (lane, owner, expires_at)
    SELECT l.lane, %s, now() + make_interval(secs => %s) FROM unnest(%s::bigint[]) AS l (lane)
    WHERE EXISTS (SELECT 1 FROM inbox WHERE inbox.lane = l.lane)
    ORDER BY l.lane
    ON CONFLICT (lane) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
    WHERE lanes.expires_at < now()
    RETURNING lane"""
_ABANDONED = """SELECT waiting.lane FROM (SELECT DISTINCT lane FROM inbox) AS waiting
    LEFT JOIN lanes ON lanes.lane = waiting.lane
    WHERE lanes.lane IS NULL OR lanes.expires_at < now()
    ORDER BY waiting.lane LIMIT %s"""
_HEADS = """SELECT DISTINCT ON (lane) update_id, lane, payload FROM inbox
    WHERE lane = ANY(%s::bigint[]) ORDER BY lane, update_id"""
_MARK_HANDLED = """INSERT INTO handled_updates (update_id, handled_at) VALUES (%s, now())
    ON CONFLICT (update_id) DO NOTHING RETURNING update_id"""
_HELD = "SELECT 1 AS held FROM lanes WHERE lane = %s AND owner = %s"
_HEAD = "SELECT update_id, lane, payload FROM inbox WHERE lane = %s ORDER BY update_id LIMIT 1"
_EXTEND = "UPDATE lanes SET expires_at = now() + make_interval(secs => %s) WHERE lane = %s"
_RENEW = """UPDATE lanes SET expires_at = now() + make_interval(secs => %s)
    WHERE owner = %s AND lane IN (
        SELECT lane FROM lanes WHERE owner = %s AND lane = ANY(%s::bigint[]) ORDER BY lane FOR UPDATE)
    RETURNING lane"""
_SET_ASIDE = """INSERT INTO set_aside_updates (update_id, payload, reason, set_aside_at)
    VALUES (%s, %s, %s, now()) ON CONFLICT (update_id) DO NOTHING"""
_SELECT_INBOX = "SELECT update_id, lane, payload FROM inbox ORDER BY update_id LIMIT %s"


async def receive_updates(
    conn: Connection, updates: Sequence[InboxRow], owner: str, lease: float
) -> list[InboxRow]:
    lanes = sorted({update.lane for update in updates})
    await _lock(conn, lanes)
    columns = ([u.update_id for u in updates], [u.lane for u in updates], [u.payload for u in updates])
    await conn.execute(_RECEIVE, columns)
    claimed = await (await conn.execute(_CLAIM, (owner, lease, lanes))).fetchall()
    return await _heads(conn, [row["lane"] for row in claimed])


async def finish_update(conn: Connection, update_id: int, lane: int, owner: str, lease: float) -> Finished:
    await _lock(conn, [lane])
    marked = await (await conn.execute(_MARK_HANDLED, (update_id,))).fetchone()
    await conn.execute("DELETE FROM inbox WHERE update_id = %s", (update_id,))
    held = await (await conn.execute(_HELD, (lane, owner))).fetchone()
    head = await (await conn.execute(_HEAD, (lane,))).fetchone() if held else None
    if head is not None:
        await conn.execute(_EXTEND, (lease, lane))
    elif held:
        await conn.execute("DELETE FROM lanes WHERE lane = %s", (lane,))
    return Finished(handled_before=marked is None, next=_row(head) if head else None)


async def renew_lanes(conn: Connection, owner: str, lanes: Sequence[int], lease: float) -> list[int]:
    rows = await (await conn.execute(_RENEW, (lease, owner, owner, list(lanes)))).fetchall()
    return sorted(row["lane"] for row in rows)


async def claim_lanes(conn: Connection, owner: str, lease: float, limit: int) -> list[InboxRow]:
    abandoned = [row["lane"] for row in await (await conn.execute(_ABANDONED, (limit,))).fetchall()]
    if not abandoned:
        return []
    keys = [lock_key(lane) for lane in abandoned]
    cursor = await conn.execute(_TRY_LOCK_LANES, (abandoned, keys, _LANE_LOCK_CLASS))
    free = [row["lane"] for row in await cursor.fetchall()]
    claimed = await (await conn.execute(_CLAIM, (owner, lease, free))).fetchall()
    return await _heads(conn, [row["lane"] for row in claimed])


async def set_aside(conn: Connection, update_id: int, payload: str, reason: str) -> None:
    await conn.execute(_SET_ASIDE, (update_id, payload, reason))
    await conn.execute(_MARK_HANDLED, (update_id,))
    await conn.execute("DELETE FROM inbox WHERE update_id = %s", (update_id,))


async def inbox(conn: Connection, limit: int) -> list[InboxRow]:
    return [_row(row) for row in await (await conn.execute(_SELECT_INBOX, (limit,))).fetchall()]


def lock_key(value: int) -> int:
    """An advisory lock key: ``value`` folded into a signed 32-bit integer (a rare collision
    only makes two lanes wait for each other)."""
    return (value + 2**31) % 2**32 - 2**31


async def _lock(conn: Connection, lanes: Sequence[int]) -> None:
    await conn.execute(_LOCK_LANES, (_LANE_LOCK_CLASS, sorted({lock_key(lane) for lane in lanes})))


async def _heads(conn: Connection, lanes: list[int]) -> list[InboxRow]:
    if not lanes:
        return []
    return [_row(row) for row in await (await conn.execute(_HEADS, (lanes,))).fetchall()]


def _row(row: dict[str, Any]) -> InboxRow:
    return InboxRow(row["update_id"], row["lane"], row["payload"])
