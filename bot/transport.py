"""The HTTP layer under the Bot API calls: PTB's HTTPXRequest, with a shorter path for requests.

PTB sends every request through an ``httpx.AsyncClient``, whose redirect, cookie, auth and
event-hook layers do nothing for the Bot API (one host, no redirects, no cookies) yet cost a
good share of the CPU of a request. Here a request goes straight to httpcore's connection pool
(what httpx itself is built on; public API), with the same time-outs and errors as PTB's
HTTPXRequest and a JSON body, which the Bot API takes as it takes a form: form-encoding runs a
Python loop over every byte urllib has to quote, which for an answer's kilobyte of HTML cost
more than all the rest of the request's encoding (JSON is one C call). File uploads, rare, and
a bot behind a proxy keep PTB's own path.

Measured with bench/bot_load.py and py-spy: the httpx client layers and the readability check
httpcore's pool makes on every pooled connection for every request (through anyio, which
builds a dictionary of socket attributes and asks the kernel for the peer's address each
time) were a third of the CPU of a request. The connections are kept as one-connection
httpcore pools, lent out last-used first (class _Connections): httpcore's own pool scans all
its connections, polling every idle one, whenever it hands one out, and with a hundred chats
answered at once (about as many connections) that scan alone took a third of a request's CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import socket
from collections import deque
from typing import Any
from urllib.request import getproxies

import httpcore
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

_UNSET = HTTPXRequest.DEFAULT_NONE  # "not given": use the time-out set when it was made
_Unset = type(_UNSET)
_JSON = b"application/json"
_FAILURES = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, httpcore.ProxyError)


class BotAPIRequest(HTTPXRequest):
    """``HTTPXRequest`` (same arguments, same behaviour) sending through httpcore directly."""

    def __init__(self, *, connection_pool_size: int = 1, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self._pool_size = connection_pool_size
        self._pool: _Connections | None = None
        self._timeouts = self._client.timeout  # what the arguments set, as HTTPXRequest keeps them
        self._user_agent = self.USER_AGENT.encode()
        # httpx's client honours HTTPS_PROXY and the like (and PTB's proxy argument): behind a
        # proxy every request takes the client's way.
        self._use_client = bool(getproxies()) or kwargs.get("proxy") is not None

    async def initialize(self) -> None:
        await super().initialize()
        if self._pool is None:
            self._pool = _Connections(self._pool_size)

    async def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()
        await super().shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _UNSET,
        write_timeout: Any = _UNSET,
        connect_timeout: Any = _UNSET,
        pool_timeout: Any = _UNSET,
    ) -> tuple[int, bytes]:
        if self._use_client or (request_data is not None and request_data.contains_files):
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        if self._pool is None:
            raise RuntimeError("This BotAPIRequest is not initialized!")
        default = self._timeouts
        timeouts = {
            "connect": default.connect if isinstance(connect_timeout, _Unset) else connect_timeout,
            "read": default.read if isinstance(read_timeout, _Unset) else read_timeout,
            "write": default.write if isinstance(write_timeout, _Unset) else write_timeout,
            "pool": default.pool if isinstance(pool_timeout, _Unset) else pool_timeout,
        }
        headers = [(b"User-Agent", self._user_agent)]
        body = None  # httpcore adds Host and Content-Length
        if request_data is not None:
            body = json.dumps(request_data.parameters).encode()
            headers.append((b"Content-Type", _JSON))
        try:
            response = await self._pool.request(method, url, headers, body, timeouts)
        except httpcore.TimeoutException as error:
            if isinstance(error, httpcore.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: all connections in the pool are busy; the request was not sent."
                ) from error
            raise TimedOut from error
        except _FAILURES as error:
            raise NetworkError(f"httpcore.{error.__class__.__name__}: {error}") from error
        return response.status, response.content


class _Connections:
    """Up to ``size`` kept-alive connections, each a one-connection httpcore pool (which opens,
    checks and reopens it), lent out last-used first: taking one costs the same with one
    connection open or a hundred. Each request also looks at the connection idle longest and
    closes it if the server has (httpcore's pool does that for all of them at every request)."""

    def __init__(self, size: int) -> None:
        self._idle: deque[httpcore.AsyncConnectionPool] = deque()  # least recently used first
        self._opened: set[httpcore.AsyncConnectionPool] = set()
        self._free = asyncio.Semaphore(size)

    async def request(
        self,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
        timeouts: dict[str, Any],
    ) -> httpcore.Response:
        """The whole response (read, its connection back in the pool); waiting for a free
        connection is bounded by the pool time-out, as in httpcore's own pool."""
        await self._close_if_stale()
        try:
            async with asyncio.timeout(timeouts["pool"]):
                await self._free.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout("no connection came free within the pool time-out") from None
        try:
            pool = self._idle.pop() if self._idle else self._open()
            try:
                return await pool.request(
                    method, url, headers=headers, content=body, extensions={"timeout": timeouts}
                )
            finally:
                self._idle.append(pool)  # a broken connection is closed by its pool, reopened on use
        finally:
            self._free.release()

    async def _close_if_stale(self) -> None:
        """Close the connection idle longest if the server closed it: the last-used-first order
        could otherwise keep the sockets of a busy moment open long after it."""
        if len(self._idle) < 2:
            return  # the one idle connection is checked by its pool when next used
        oldest = self._idle[0]
        if any(connection.has_expired() for connection in oldest.connections):
            self._idle.popleft()
            self._opened.discard(oldest)
            with contextlib.suppress(Exception):  # a dead socket's close failing fails no request
                await oldest.aclose()

    def _open(self) -> httpcore.AsyncConnectionPool:
        pool = httpcore.AsyncConnectionPool(max_connections=1, network_backend=_Backend())
        self._opened.add(pool)
        return pool

    async def aclose(self) -> None:
        opened, self._opened, self._idle = self._opened, set(), deque()
        for pool in opened:
            await pool.aclose()


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, with streams that tell cheaply whether the server spoke."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        sock: socket.socket | None = inner.get_extra_info("socket")
        self._poll: select.poll | None = None
        if sock is not None and sock.fileno() >= 0:
            self._poll = select.poll()
            self._poll.register(sock, select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._poll is not None:
            # An idle keep-alive connection with something to read was closed by the server
            # (or is broken): the pool drops it instead of sending on it. (A closed socket
            # polls as POLLNVAL: readable, as httpcore's own check has it.)
            return bool(self._poll.poll(0))
        return self._inner.get_extra_info(info)
