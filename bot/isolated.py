"""Running heavy work in a child process, bounded in time and memory, at low CPU priority.

Reading and indexing an article is pure Python that can take as long as its input makes it:
pypdf spends minutes on a 10 KB PDF whose pages repeat a text operator, trafilatura 45 s and
450 MB on 200,000 ``<p>``, Punkt seconds on a 450 KB run of ``a. a. a.``. In a thread of the
bot that would hold the GIL and every other chat with it; in a child the bot kills it at the
deadline, the kernel caps its memory, and its lower priority leaves the bot's own process the
CPU first.

Children are forked from a server process that has imported ``bot.reading`` (and with it
``index``, trafilatura and pypdf) once, so a job starts in milliseconds instead of the half a
second a fresh interpreter needs to import them.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from index import ArticleError

T = TypeVar("T")

SECONDS = 30.0  # a 300-page PDF takes pypdf about 10 s, a 2-million-character article 15 s
MEMORY_BYTES = 1024**3  # address space a child may add: trafilatura needs ~450 MB on 5 MB of HTML
NICENESS = 10  # CFS then gives the bot's process ~9 parts of a shared core to a child's 1
TOO_LONG = "That took too long to read: it is far too long or too complex for me."
FAILED = "That is too big or too complex for me to read."

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["bot.reading", "trafilatura", "pypdf"])


def start() -> None:
    """Start the server children are forked from (else the first job starts it, ~1 s)."""
    from multiprocessing import forkserver

    forkserver.ensure_running()


async def run_isolated(function: Callable[..., T], *args: Any, seconds: float | None = None) -> T:
    """``function(*args)`` in a child process killed after ``seconds`` (default: SECONDS) or when
    the caller is cancelled, with at most MEMORY_BYTES more address space than it starts with.

    Raises:
        ArticleError: the function's own, or that it took too long or too much memory.
        RuntimeError: the function failed otherwise (its traceback is the message).
    """
    child = _Child(function, args, SECONDS if seconds is None else seconds)
    try:
        outcome, value = await asyncio.to_thread(child.run)
    except BaseException:
        child.kill()  # cancelled: the thread then sees the pipe close and returns
        raise
    if outcome == "done":
        return value
    if outcome == "refused":
        raise ArticleError(value)
    raise RuntimeError(f"the child process failed:\n{value}")


class _Child:
    """One child process, started and awaited from a worker thread."""

    def __init__(self, function: Callable[..., Any], args: tuple, seconds: float):
        self._function, self._args, self._seconds = function, args, seconds
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._killed = False

    def run(self) -> tuple[str, Any]:
        receiver, sender = _context.Pipe(duplex=False)
        process = _context.Process(
            target=_main, args=(sender, self._function, self._args, self._seconds), daemon=True
        )
        with self._lock:
            if self._killed:
                return "refused", TOO_LONG
            self._process = process
            process.start()
        sender.close()
        try:
            if not receiver.poll(self._seconds):
                return "refused", TOO_LONG
            return receiver.recv()
        except (EOFError, OSError):  # died without a word: killed for its memory, or by kill()
            return "refused", FAILED
        finally:
            self.kill()
            process.join()
            receiver.close()

    def kill(self) -> None:
        with self._lock:
            self._killed = True
            if self._process is not None and self._process.exitcode is None:
                self._process.kill()


def _main(sender, function: Callable[..., Any], args: tuple, seconds: float) -> None:
    """The child: limits first, then the work; its outcome goes back through ``sender``."""
    _limit(seconds)
    try:
        result: tuple[str, Any] = ("done", function(*args))
    except ArticleError as error:
        result = ("refused", str(error))
    except MemoryError:
        result = ("refused", FAILED)
    except Exception:
        result = ("failed", traceback.format_exc())
    try:
        sender.send(result)
    except MemoryError:
        sender.send(("refused", FAILED))


def _limit(seconds: float) -> None:
    os.nice(NICENESS)
    try:
        import resource
    except ImportError:  # not on Windows: the deadline still holds
        return
    # CPU time too, in case the parent is gone and nobody enforces the deadline.
    resource.setrlimit(resource.RLIMIT_CPU, (int(seconds) + 5, int(seconds) + 10))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + MEMORY_BYTES
    resource.setrlimit(
        resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard)
    )


def _address_space() -> int:
    """The child's address space as it starts (what it shares with the server it was forked from)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0
