"""A fake Telegram Bot API server that a real ``telegram.ext.Application`` can run against.

::

    with FakeBotAPI() as server:
        app = (ApplicationBuilder().token(server.token)
               .base_url(server.base_url).base_file_url(server.base_file_url).build())
        alice = server.user(1, "Alice")
        chat = server.private_chat(alice)
        server.send_text(chat, alice, "/start")
        ...  # run the app
        reply = server.wait_until_bot_replies(chat)[0]

The HTTP side lives here: routing ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``, checking
the token, decoding parameters, injecting faults and recording every call.  The Bot API methods, the
test-driving actions, updates/webhooks and recording are mixins in the sibling modules; the state they
share is :class:`~tests.fakebotapi.state.FakeState`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import time
import traceback
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from .actions import ActionsMixin
from .faults import Fault, Faults
from .messages import MessagesMixin
from .recording import Call, RecordingMixin
from .wire import ApiError, decode_params, error_payload, ok_payload

__all__ = ["FakeBotAPI"]

DEFAULT_TOKEN = "123456789:AAFakeTokenForTests-0123456789abcdef"
_WELL_FORMED_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class FakeBotAPI(RecordingMixin, ActionsMixin, MessagesMixin):
    """The fake server; starts listening on 127.0.0.1 (ephemeral port) when created.

    Args:
        token: the bot token requests must carry (wrong ones get 401/404 like Telegram).
        bot_username, bot_first_name, bot_id: the bot's User (id defaults to the token's number).
        seed: seed of the fault generator.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "ArticleQABot",
        bot_first_name: str = "Article QA",
        bot_id: int | None = None,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        super().__init__(token, bot_username, bot_first_name, bot_id)
        self._init_updates()
        self._init_recording()
        self.faults = Faults(seed)
        self._in_flight: Counter[str] = Counter()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.api = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fakebotapi", daemon=True
        )
        self._thread.start()

    # -- addresses and life cycle ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``; PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def close(self) -> None:
        """Stop serving: wake long polls and held requests, close every connection."""
        if self._closing.is_set():
            return
        self._closing.set()
        with self._cond:
            self._changed()
        self._httpd.shutdown()
        self._httpd.close_all_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        if self._webhook_thread is not None:
            self._webhook_thread.join(timeout=5)

    def in_flight(self, method: str | None = None) -> int:
        """Requests being served right now, e.g. ``in_flight("getUpdates") == 1`` while the bot
        long-polls (counted from the moment the method started, with its effects visible)."""
        with self._cond:
            return self._in_flight[method] if method else sum(self._in_flight.values())

    def __enter__(self) -> FakeBotAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- serving one API request -----------------------------------------------------------------------

    def _serve_api(self, handler: _Handler, method_name: str, params: dict) -> None:
        """Answer one Bot API request, injecting a fault if one is drawn, and record it."""
        method = _METHODS.get(method_name.lower())
        arrived = time.time()
        if method is None:
            payload = error_payload(404, "Not Found: method not found")
            self._record(Call(method_name, params, arrived, payload, 404))
            handler.send_json(404, payload)
            return
        fault = self.faults.decide(method)
        if fault is not None and fault.kind != "slow":
            self._inject(handler, method, params, arrived, fault)
            return
        if fault is not None:
            self._closing.wait(fault.rule.slow_seconds)
        status, payload = self._execute(method, params)
        self._record(Call(method, params, arrived, payload, status, fault.kind if fault else None))
        handler.send_json(status, payload)

    def _execute(self, method: str, params: dict) -> tuple[int, dict]:
        """Run ``_api_<method>`` under the state lock; (HTTP status, JSON answer)."""
        try:
            with self._cond:
                self._in_flight[method] += 1
                self._changed()
                try:
                    return 200, ok_payload(getattr(self, f"_api_{method}")(params))
                finally:
                    self._in_flight[method] -= 1
                    self._changed()
        except ApiError as exc:
            return exc.code, exc.payload()
        except Exception:  # a bug in the fake: answer 500 and keep the traceback for the report
            self.internal_errors.append(traceback.format_exc())
            return 500, error_payload(500, "Internal Server Error: bug in the fake Bot API")

    def _inject(self, handler: _Handler, method: str, params: dict, arrived: float, fault: Fault) -> None:
        """Fail the request as ``fault`` says; only ``lost_response`` lets the method take effect."""
        rule, status, payload = fault.rule, None, None
        if fault.kind == "error_500":
            status, payload = 500, error_payload(500, "Internal Server Error")
        elif fault.kind == "too_many_requests":
            description = f"Too Many Requests: retry after {rule.retry_after}"
            status, payload = 429, error_payload(429, description, {"retry_after": rule.retry_after})
        elif fault.kind == "error_502":
            status = 502
        elif rule.lost_response and method in _METHODS.values():  # timeout/drop after the effect
            self._execute(method, params)
        self._record(Call(method, params, arrived, payload, status, fault.kind))
        if payload is not None:
            handler.send_json(status, payload)  # type: ignore[arg-type]
        elif status == 502:
            handler.send_body(502, _BAD_GATEWAY_HTML, "text/html")
        else:
            if fault.kind == "timeout":
                self._closing.wait(rule.hold_seconds)
            handler.drop_connection()

    def _serve_file(self, handler: _Handler, file_path: str) -> None:
        """Answer a download from ``/file/bot<token>/<file_path>``."""
        arrived = time.time()
        fault = self.faults.decide("downloadFile")
        if fault is not None and fault.kind != "slow":
            self._inject(handler, "downloadFile", {"file_path": file_path}, arrived, fault)
            return
        if fault is not None:
            self._closing.wait(fault.rule.slow_seconds)
        stored = self._file_by_path(file_path)
        status = 200 if stored else 404
        response = None if stored else error_payload(404, "Not Found")
        kind = fault.kind if fault else None
        self._record(Call("downloadFile", {"file_path": file_path}, arrived, response, status, kind))
        if stored:
            handler.send_body(200, stored.content, "application/octet-stream")
        else:
            handler.send_json(404, response)  # type: ignore[arg-type]


# Canonical method names by lower-case name: Telegram matches method names case-insensitively.
_METHODS = {name[5:].lower(): name[5:] for name in dir(FakeBotAPI) if name.startswith("_api_")}


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that can close its keep-alive connections when the fake is closed."""

    daemon_threads = True
    request_queue_size = 128
    api: FakeBotAPI

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        """A client hanging up mid-connection is what clients do (and what fault tests cause)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler; every answer has a Content-Length."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls between header and body writes
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log lines."""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        api = self.server.api
        path, _, query = self.path.partition("?")
        path = unquote(path)  # PTB quotes file paths, turning the token's ":" into "%3A"
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = re.fullmatch(r"/(file/)?bot([^/]*)/(.*)", path)
        if match is None:
            self.send_json(404, error_payload(404, "Not Found"))
            return
        is_file, token, rest = match.groups()
        if token != api.token:
            # Telegram: 401 for a well-formed but wrong token, 404 for anything else.
            if _WELL_FORMED_TOKEN.fullmatch(token):
                self.send_json(401, error_payload(401, "Unauthorized"))
            else:
                self.send_json(404, error_payload(404, "Not Found"))
            return
        if is_file:
            api._serve_file(self, rest)
            return
        try:
            params = decode_params(self.headers.get("Content-Type"), body, query)
        except ApiError as exc:
            self.send_json(exc.code, exc.payload())
            return
        api._serve_api(self, rest, params)

    def send_json(self, status: int, payload: dict) -> None:
        self.send_body(status, json.dumps(payload).encode(), "application/json")

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (e.g. a cancelled long poll)
            self.close_connection = True

    def drop_connection(self) -> None:
        """Close the socket without answering (what a broken network looks like)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
