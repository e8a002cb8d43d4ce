"""A load balancer on 127.0.0.1 in front of webhook processes, for the tests of several of them.

Each POST goes to one backend at random; with probability ``both`` it goes to every backend at
once (a load balancer retrying on another backend while the first still works on it). A
backend that cannot be reached (killed) is skipped for another, as a health check would; if
none answers, the answer is 502 and the sender (the fake Bot API) tries again later.
"""

from __future__ import annotations

import json
import random
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class Balancer:
    def __init__(self, backends: list[str], both: float = 0.0, seed: int = 0):
        self.backends = backends
        self.both = both
        self.sent_to_all: list[int] = []  # update ids delivered to every backend
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8)
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name: self.headers[name] for name in _FORWARDED if self.headers.get(name)}
                status = balancer.forward(self.path, body, headers)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def forward(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            order = self._rng.sample(self.backends, len(self.backends))
            to_all = self._rng.random() < self.both
        if to_all:
            with self._lock:
                self.sent_to_all.append(json.loads(body)["update_id"])
            statuses = list(self._pool.map(lambda url: _post(url + path, body, headers), order))
        else:
            statuses = []
            for url in order:  # the first that answers
                statuses.append(_post(url + path, body, headers))
                if statuses[-1] is not None:
                    break
        answered = [status for status in statuses if status is not None]
        return min(answered) if answered else 502

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._pool.shutdown(wait=False)


def _post(url: str, body: bytes, headers: dict[str, str]) -> int | None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _DIRECT.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None
