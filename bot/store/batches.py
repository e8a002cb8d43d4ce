"""The SQLite store's worker thread: calls queue up and run in batches, writes in one commit.

Under load many handlers reach the store at once (a question is a few reads and writes). One
thread wake-up, one commit and one hand-back to the event loop per batch, instead of per call,
is what makes the durable inbox cheap (measured with bench/bot_load.py). Each write still
succeeds or fails alone — it runs inside its own savepoint — and its caller hears back only
after the commit that holds it, so nothing is reported saved before it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_BATCH = 256  # calls per batch, so one batch never holds the write lock for long

READ, WRITE, ALONE = "read", "write", "alone"


@dataclass
class _Call:
    kind: str  # READ or WRITE: fn(conn, *args) in a batch; ALONE: fn(*args) by itself (open, close)
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: tuple[bool, Any] = field(default=(False, None))  # (ok, result or exception)


class BatchingThread:
    """Runs store calls on one thread that owns the connection (``connection()`` gives it)."""

    def __init__(self, name: str, connection: Callable[[], sqlite3.Connection]):
        self._connection = connection
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._calls.put(_Call(kind, fn, args, loop, future))
        return future

    def stop(self) -> None:
        """Finish the calls queued so far, then end the thread (without waiting for it)."""
        self._calls.put(None)

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            batch = [call]
            while len(batch) < MAX_BATCH:
                try:
                    call = self._calls.get_nowait()
                except queue.Empty:
                    break
                if call is None:
                    self._calls.put(None)  # stop after this batch
                    break
                batch.append(call)
            self._run(batch)
            _hand_back(batch)

    def _run(self, batch: list[_Call]) -> None:
        group: list[_Call] = []
        for call in batch:
            if call.kind != ALONE:
                group.append(call)
                continue
            self._run_group(group)
            group = []
            call.outcome = _attempt(call.fn, *call.args)
        self._run_group(group)

    def _run_group(self, group: list[_Call]) -> None:
        if not group:
            return
        if all(call.kind == READ for call in group):
            conn = self._connection()
            for call in group:
                call.outcome = _attempt(call.fn, conn, *call.args)
            return
        conn = self._connection()
        try:
            # IMMEDIATE takes the write lock up front, so two writers never deadlock upgrading
            # a read lock (another process, a second bot).
            conn.execute("BEGIN IMMEDIATE")
            for call in group:
                conn.execute("SAVEPOINT call")
                call.outcome = _attempt(call.fn, conn, *call.args)
                if not call.outcome[0]:
                    conn.execute("ROLLBACK TO call")  # this call's changes only
                conn.execute("RELEASE call")
            conn.execute("COMMIT")
        except Exception as error:  # the lock, the commit (disk full): the whole batch fails
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for call in group:
                call.outcome = (False, error)


def _attempt(fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    try:
        return True, fn(*args)
    except Exception as error:
        return False, error


def _hand_back(batch: list[_Call]) -> None:
    """Settle the callers' futures, with one wake-up of each event loop per batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Call]] = {}
    for call in batch:
        by_loop.setdefault(call.loop, []).append(call)
    for loop, calls in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, calls)


def _settle(calls: list[_Call]) -> None:
    for call in calls:
        if call.future.cancelled():  # the caller gave up; the call itself ran to its end
            continue
        ok, value = call.outcome
        if ok:
            call.future.set_result(value)
        else:
            call.future.set_exception(value)
