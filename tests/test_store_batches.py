"""bot.store.batches: store calls that queue up run as one batch, and each still stands alone."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.batches import ALONE, READ, WRITE, BatchingThread

pytestmark = pytest.mark.asyncio


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "batches.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    yield path


class Worker:
    """A BatchingThread over its own connection, with a gate to hold the thread while calls queue."""

    def __init__(self, path: Path):
        self.conn: sqlite3.Connection | None = None
        self.path = path
        self.gate = threading.Event()
        self.batches: list[int] = []
        self.thread = BatchingThread("test-store", self.connection)

    def connection(self) -> sqlite3.Connection:
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        return self.conn

    def hold(self, conn: sqlite3.Connection | None = None) -> None:
        self.gate.wait(10)


def insert(conn: sqlite3.Connection, note_id: int, text: str) -> int:
    conn.execute("INSERT INTO notes (id, text) VALUES (?, ?)", (note_id, text))
    return note_id


def insert_then_fail(conn: sqlite3.Connection, note_id: int) -> None:
    conn.execute("INSERT INTO notes (id, text) VALUES (?, ?)", (note_id, "half done"))
    raise ValueError("the second statement failed")


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM notes").fetchone()[0]


def committed(path: Path) -> list[int]:
    """What another connection sees: only what was committed."""
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM notes ORDER BY id")]


async def queued(worker: Worker, *calls: tuple) -> list:
    """Submit ``calls`` while the thread is held, so they make one batch; their outcomes."""
    held = worker.thread.submit(ALONE, worker.hold)
    futures = [worker.thread.submit(kind, fn, *args) for kind, fn, *args in calls]
    worker.gate.set()
    await held
    return await asyncio.gather(*futures, return_exceptions=True)


async def test_a_failed_write_is_undone_alone_and_the_rest_of_its_batch_commits(database):
    worker = Worker(database)
    outcomes = await queued(
        worker,
        (WRITE, insert, 1, "one"),
        (WRITE, insert_then_fail, 2),
        (WRITE, insert, 3, "three"),
        (WRITE, insert, 1, "one again"),  # a constraint error
        (READ, count),
    )
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[3], sqlite3.IntegrityError)
    assert outcomes[4] == 2  # a read in the batch sees the writes before it, not the undone ones
    assert committed(database) == [1, 3]
    worker.thread.stop()


async def test_a_write_whose_caller_gave_up_still_runs_to_its_commit(database):
    worker = Worker(database)
    held = worker.thread.submit(ALONE, worker.hold)
    abandoned = worker.thread.submit(WRITE, insert, 7, "seven")
    abandoned.cancel()
    worker.gate.set()
    await held
    assert await worker.thread.submit(READ, count) == 1
    assert committed(database) == [7]
    worker.thread.stop()


async def test_results_come_back_in_order_and_only_after_the_commit(database):
    worker = Worker(database)
    outcomes = await queued(worker, *[(WRITE, insert, n, str(n)) for n in range(50)])
    assert outcomes == list(range(50))
    assert committed(database) == list(range(50))
    worker.thread.stop()


async def test_a_batch_that_cannot_take_the_write_lock_fails_every_write_in_it(database):
    worker = Worker(database)
    worker.connection().execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        outcomes = await queued(worker, (WRITE, insert, 1, "one"), (WRITE, insert, 2, "two"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
    assert await worker.thread.submit(WRITE, insert, 3, "three") == 3  # and the next batch works
    assert committed(database) == [3]
    worker.thread.stop()
