"""The SQLite store's delivery transactions: the inbox, lanes and their leases, handled updates.

Each function runs on the store's thread inside a write transaction (``BEGIN IMMEDIATE``), which
every process writing the file takes in turn: a receipt, a finish, a claim never interleave, so
an update is inboxed once, and a lane that still has updates waiting is never let go.
Lease times are Unix seconds from this host's clock (all processes on one SQLite file share it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from .base import Finished, InboxRow

_RECEIVE = """INSERT INTO inbox (update_id, lane, payload, received_at)
    SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM handled_updates WHERE update_id = ?)
    ON CONFLICT (update_id) DO NOTHING"""
# A lane is claimed when updates wait in it and nobody holds it, or its holder's lease ran out.
_CLAIM = """INSERT INTO lanes (lane, owner, expires_at)
    SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM inbox WHERE lane = ?)
    ON CONFLICT (lane) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE lanes.expires_at < ?"""
_CLAIM_ABANDONED = """INSERT INTO lanes (lane, owner, expires_at)
    SELECT waiting.lane, ?, ? FROM (SELECT DISTINCT lane FROM inbox) AS waiting
    WHERE NOT EXISTS (SELECT 1 FROM lanes WHERE lanes.lane = waiting.lane AND lanes.expires_at >= ?)
    ORDER BY waiting.lane LIMIT ?
    ON CONFLICT (lane) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    RETURNING lane"""
_HEAD = "SELECT update_id, lane, payload FROM inbox WHERE lane = ? ORDER BY update_id LIMIT 1"
_MARK_HANDLED = "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
_RENEW = """UPDATE lanes SET expires_at = ?
    WHERE owner = ? AND lane IN (SELECT value FROM json_each(?)) RETURNING lane"""
_SET_ASIDE = """INSERT INTO set_aside_updates (update_id, payload, reason, set_aside_at)
    VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"""
_SELECT_INBOX = "SELECT update_id, lane, payload FROM inbox ORDER BY update_id LIMIT ?"


def receive_updates(
    conn: sqlite3.Connection, updates: Sequence[InboxRow], owner: str, lease: float, received_at: str
) -> list[InboxRow]:
    now = time.time()
    for update_id, lane, payload in updates:
        conn.execute(_RECEIVE, (update_id, lane, payload, received_at, update_id))
    claimed = []
    for lane in sorted({update.lane for update in updates}):
        if conn.execute(_CLAIM, (lane, owner, now + lease, lane, now)).rowcount:
            claimed.append(InboxRow(*conn.execute(_HEAD, (lane,)).fetchone()))
    return claimed


def finish_update(
    conn: sqlite3.Connection, update_id: int, lane: int, owner: str, lease: float, handled_at: str
) -> Finished:
    marked = conn.execute(_MARK_HANDLED, (update_id, handled_at)).rowcount
    conn.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
    held = conn.execute("SELECT 1 FROM lanes WHERE lane = ? AND owner = ?", (lane, owner)).fetchone()
    head = conn.execute(_HEAD, (lane,)).fetchone() if held else None
    if head is not None:
        conn.execute("UPDATE lanes SET expires_at = ? WHERE lane = ?", (time.time() + lease, lane))
    elif held:
        conn.execute("DELETE FROM lanes WHERE lane = ?", (lane,))
    return Finished(handled_before=not marked, next=InboxRow(*head) if head else None)


def renew_lanes(conn: sqlite3.Connection, owner: str, lanes: Sequence[int], lease: float) -> list[int]:
    rows = conn.execute(_RENEW, (time.time() + lease, owner, f"[{','.join(map(str, lanes))}]"))
    return sorted(row[0] for row in rows)


def claim_lanes(conn: sqlite3.Connection, owner: str, lease: float, limit: int) -> list[InboxRow]:
    now = time.time()
    lanes = [row[0] for row in conn.execute(_CLAIM_ABANDONED, (owner, now + lease, now, limit)).fetchall()]
    return [InboxRow(*conn.execute(_HEAD, (lane,)).fetchone()) for lane in sorted(lanes)]


def release_lanes(conn: sqlite3.Connection, owner: str) -> None:
    conn.execute("DELETE FROM lanes WHERE owner = ?", (owner,))


def set_aside(conn: sqlite3.Connection, update_id: int, payload: str, reason: str, now: str) -> None:
    conn.execute(_SET_ASIDE, (update_id, payload, reason, now))
    conn.execute(_MARK_HANDLED, (update_id, now))
    conn.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))


def inbox(conn: sqlite3.Connection, limit: int) -> list[InboxRow]:
    return [InboxRow(*row) for row in conn.execute(_SELECT_INBOX, (limit,)).fetchall()]
