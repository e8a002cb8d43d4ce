"""The webhook: an HTTP server Telegram POSTs updates to, each answered 200 only once it is kept.

A small server on tornado (what PTB's own webhook runs on) rather than PTB's, for what PTB's
does not do: it reads the whole body — up to 100 MB — before it looks at the secret, answers
200 before the update is stored (a crash then loses it, and Telegram never sends it again), and
hands updates to one queue handled one at a time. Here:

* the secret header is checked as soon as the headers are in, before any of the body is read,
  and a body is at most ``MAX_BODY_BYTES`` (an update is a few kilobytes);
* the update goes to :class:`bot.delivery.Delivery` — the same inbox, lanes and workers as long
  polling — and the answer is 200 once it is in the store, 503 while the store is unavailable
  (Telegram tries again later), 500 if the store refused it;
* idle connections and slow requests are timed out;
* connections are accepted by a loop of its own that, when the process is out of file
  descriptors, pauses accepting for a moment and says so once a minute (tornado's accept loop
  logs an error for every wake-up, tens of thousands a second, and keeps spinning).

TLS is left to what stands in front (a load balancer, a reverse proxy), as on most platforms.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import re
import socket

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream
from tornado.netutil import bind_sockets

from .delivery import Delivery, UpdateRefused
from .logs import Occasional
from .serving import serve
from .settings import Settings
from .store import StoreUnavailable

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # a message of 4,096 characters with entities and a quoted reply is ~50 kB
IDLE_SECONDS = 30.0  # a connection waiting for its next request (or its headers) is closed after this
BODY_SECONDS = 10.0  # a body that takes longer to arrive is given up on
ACCEPT_PAUSE_SECONDS = 0.5  # no file descriptor left: stop accepting for this long
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class StartupError(Exception):
    """The webhook could not be set up (the port is taken, say): a message for the operator."""


@tornado.web.stream_request_body  # so that prepare() runs before the body is read
class UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, delivery: Delivery, secret: str) -> None:
        self._delivery = delivery
        self._secret = secret.encode()
        self._body = bytearray()

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            raise tornado.web.HTTPError(403)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:  # a chunked body: max_body_size
            raise tornado.web.HTTPError(413)

    def data_received(self, chunk: bytes) -> None:
        self._body += chunk

    async def post(self) -> None:
        """Keep the update, then say so."""
        if not self._delivery.store_watch.up:
            raise tornado.web.HTTPError(503)
        try:
            update = json.loads(self._body)
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(update, dict) or type(update.get("update_id")) is not int:
            raise tornado.web.HTTPError(400)
        try:
            await self._delivery.receive([update])
        except StoreUnavailable:
            raise tornado.web.HTTPError(503) from None
        except UpdateRefused:
            raise tornado.web.HTTPError(500) from None

    def write_error(self, status_code: int, **kwargs: object) -> None:
        self.finish()  # the status says it all; no HTML page


class WebhookServer:
    """The HTTP server for one path, on sockets accepted by :meth:`_accept`."""

    def __init__(self, delivery: Delivery, path: str, secret: str):
        route = "/" + re.escape(path.lstrip("/"))
        application = tornado.web.Application(
            [(route, UpdateHandler, {"delivery": delivery, "secret": secret})], log_function=_log_request
        )
        self._http = HTTPServer(
            application,
            max_body_size=MAX_BODY_BYTES,  # for every path, and for chunked bodies
            idle_connection_timeout=IDLE_SECONDS,
            body_timeout=BODY_SECONDS,
            max_header_size=64 * 1024,
        )
        self._sockets: list[socket.socket] = []
        self._out_of_resources = Occasional(logger)

    def listen(self, address: str, port: int) -> None:
        try:
            self._sockets = bind_sockets(port, address)
        except OSError as error:
            raise StartupError(
                f"cannot listen on {address}:{port} ({error.strerror}): check LISTEN and PORT"
            ) from None
        for sock in self._sockets:
            asyncio.get_running_loop().add_reader(sock, self._accept, sock)

    async def close(self) -> None:
        """Stop accepting, and close every connection (a request cut short is sent again)."""
        loop = asyncio.get_running_loop()
        for sock in self._sockets:
            loop.remove_reader(sock)
            sock.close()
        await self._http.close_all_connections()

    def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(128):  # then let the loop serve the connections already in
            try:
                connection, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                # Out of file descriptors (or memory): the pending connection stays in the
                # backlog and the socket stays readable, so accepting again at once would spin.
                if error.errno in _OUT_OF_RESOURCES:
                    self._out_of_resources.warning(
                        "the webhook cannot accept connections: %s", error.strerror
                    )
                else:
                    logger.exception("accepting a webhook connection failed")
                loop.remove_reader(sock)
                loop.call_later(ACCEPT_PAUSE_SECONDS, self._resume, sock)
                return
            self._http.handle_stream(IOStream(connection, max_buffer_size=2 * MAX_BODY_BYTES), address)

    def _resume(self, sock: socket.socket) -> None:
        if sock.fileno() >= 0:  # not closed meanwhile
            asyncio.get_running_loop().add_reader(sock, self._accept, sock)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    # One line per update, and per stranger's request, is noise: only at DEBUG.
    request = handler.request
    logger.debug(
        "%s %s %s %.1f ms", handler.get_status(), request.method, request.path, request.request_time() * 1000
    )


async def run_webhook(application: Application, stop: asyncio.Event) -> None:
    """Run the bot as a webhook server until ``stop`` is set (``python -m bot`` with WEBHOOK_URL)."""
    settings: Settings = application.bot_data["settings"]
    assert settings.webhook_url and settings.webhook_secret  # load_settings requires both

    async def receive(delivery: Delivery, stop: asyncio.Event) -> None:
        server = WebhookServer(delivery, settings.webhook_path, settings.webhook_secret or "")
        server.listen(settings.listen, settings.port)  # before Telegram is told where to send
        try:
            await application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
            logger.info("webhook server listening on %s:%s", settings.listen, settings.port)
            await stop.wait()
        finally:
            await server.close()

    await serve(application, stop, receive)
