"""A bystander's answer times while other chats add heavy articles, in polling and webhook mode.

    python bench/bystander.py --adds 20 --questions 200 --rate 10

The real ``python -m bot`` against the fake Bot API. A local web server serves large article
pages (``--page-mb`` each). A bystander in a group asks ``--questions`` questions at ``--rate``
a second whether or not the earlier ones were answered (so that a stall delays every question
asked during it), first alone (the baseline), then right after ``--adds`` other chats each
``/add`` a page; printed are p50, p99 and the longest answer time of both phases, per mode. In
webhook mode the fake delivers to the bot's own server over loopback.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakebotapi import FakeBotAPI  # noqa: E402

QUESTIONS = ["how many reservists?", "who is Andriy Yusov?", "when did Putin announce the mobilization?"]
WORDS = "the council said on tuesday that its plan for the river valley would cost more than expected".split()


def page(megabytes: float, seed: int) -> bytes:
    """An article page: a title and paragraphs of plain sentences, about ``megabytes`` long."""
    paragraphs, size, n = [], 0, seed
    while size < megabytes * 1_000_000:
        sentences = []
        for _ in range(5):
            n = (n * 1103515245 + 12345) % 2**31
            sentences.append(" ".join(WORDS[(n >> k) % len(WORDS)] for k in range(14)).capitalize() + ".")
        paragraphs.append(f"<p>{' '.join(sentences)}</p>")
        size += len(paragraphs[-1])
    head, body = f"<head><title>Report {seed}</title></head>", "".join(paragraphs)
    return f"<html>{head}<body><article><h1>Report {seed}</h1>{body}</article></body></html>".encode()


class Pages:
    """The pages, each sent in 20 parts spread over ``slow_seconds`` (a slow website)."""

    def __init__(self, megabytes: float, count: int, slow_seconds: float):
        pages = [page(megabytes, seed) for seed in range(count)]

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = pages[int(self.path.rsplit("/", 1)[1]) % len(pages)]
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for part in range(20):
                    self.wfile.write(data[part * len(data) // 20 : (part + 1) * len(data) // 20])
                    time.sleep(slow_seconds / 20)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_steadily(server: FakeBotAPI, group: dict, user: dict, count: int, rate: float) -> list[float]:
    """Ask ``count`` questions at ``rate`` a second; once all are answered, each one's answer time."""
    asked: dict[int, float] = {}
    start = time.time()
    for n in range(count):
        time.sleep(max(0.0, start + n / rate - time.time()))  # the pace of the questions, not a wait
        question = server.send_text(group, user, f"/ask {QUESTIONS[n % len(QUESTIONS)]}")
        asked[question["message_id"]] = time.time()
    answered: dict[int, float] = {}

    def all_answered() -> bool:
        for call in server.calls("sendMessage"):
            if call.ok and call.params.get("chat_id") == group["id"] and "reply_parameters" in call.params:
                answered.setdefault(call.params["reply_parameters"]["message_id"], call.time)
        return asked.keys() <= answered.keys()

    server.wait_until(all_answered, timeout=600, what="every answer")
    return [answered[message_id] - asked_at for message_id, asked_at in asked.items()]


def run(mode: str, adds: int, questions: int, rate: float, pages: Pages) -> dict[str, float]:
    with FakeBotAPI() as server, tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_BASE_URL": server.base_url,
            "TELEGRAM_BASE_FILE_URL": server.base_file_url,
            "DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
            "ALLOW_PRIVATE_URLS": "1",
            "MESSAGES_PER_SECOND": "1000000",
            "PRIVATE_CHAT_MESSAGES_PER_SECOND": "1000000",
            "GROUP_MESSAGES_PER_MINUTE": "1000000",
            "QUESTIONS_PER_MINUTE_PER_USER": "1000000",
            "QUESTIONS_PER_MINUTE_PER_CHAT": "1000000",
        }
        if mode == "webhook":
            port = free_port()
            env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
                WEBHOOK_SECRET="bench",
                LISTEN="127.0.0.1",
                PORT=str(port),
            )
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env)
        try:
            started = (
                (lambda: server.in_flight("getUpdates"))
                if mode == "polling"
                else (lambda: [c for c in server.calls("setWebhook") if c.ok])
            )
            server.wait_until(started, timeout=60, what="the bot to start")
            user = server.user(1, "Bystander")
            group = server.group_chat("Bystanders")
            ask_steadily(server, group, user, 3, rate)  # warm up
            alone = ask_steadily(server, group, user, questions, rate)
            rooms = []
            for n in range(adds):
                adder = server.user(100 + n, f"Adder {n}")
                rooms.append(server.private_chat(adder))
                server.send_text(rooms[-1], adder, f"/add {pages.url}/{n}")
            busy = ask_steadily(server, group, user, questions, rate)
            added_meanwhile = sum(
                any("Added" in m["text"] for m in server.bot_messages(room)) for room in rooms
            )
            server.wait_until(  # its progress message edited into "Added …" or "I couldn't add that …"
                lambda: all(
                    (ms := server.bot_messages(r)) and all(m["text"] != "Fetching the page…" for m in ms)
                    for r in rooms
                ),
                timeout=600,
                what="every /add to end",
            )
            added = sum(any("Added" in m["text"] for m in server.bot_messages(room)) for room in rooms)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "alone_p50": statistics.median(alone) * 1000,
        "alone_p99": percentile(alone, 0.99) * 1000,
        "busy_p50": statistics.median(busy) * 1000,
        "busy_p99": percentile(busy, 0.99) * 1000,
        "busy_max": max(busy) * 1000,
        "adds_done_meanwhile": added_meanwhile,
        "added": added,
    }


def percentile(values: list[float], q: float) -> float:
    return sorted(values)[round(q * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adds", type=int, default=20)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="bystander questions a second")
    parser.add_argument("--page-mb", type=float, default=2.0)
    parser.add_argument("--slow-seconds", type=float, default=0.0, help="each page takes this long to arrive")
    parser.add_argument("--mode", choices=["polling", "webhook", "both"], default="both")
    args = parser.parse_args()
    pages = Pages(args.page_mb, args.adds, args.slow_seconds)
    for mode in ["polling", "webhook"] if args.mode == "both" else [args.mode]:
        f = run(mode, args.adds, args.questions, args.rate, pages)
        print(
            f"{mode:8} bystander alone p50 {f['alone_p50']:.0f} ms p99 {f['alone_p99']:.0f} ms; "
            f"with {args.adds} heavy /adds p50 {f['busy_p50']:.0f} ms p99 {f['busy_p99']:.0f} ms "
            f"max {f['busy_max']:.0f} ms "
            f"({f['adds_done_meanwhile']} adds done by the last answer, {f['added']}/{args.adds} in the end)",
            flush=True,
        )


if __name__ == "__main__":
    main()
