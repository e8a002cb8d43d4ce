"""Webhook mode: the HTTP server itself (in the test's event loop, with a stand-in delivery), then
``python -m bot`` with WEBHOOK_URL against the fake Bot API — one process, or two behind a load
balancer on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot import webhook
from bot.delivery import UpdateRefused
from bot.store import StoreUnavailable
from bot.webhook import WebhookServer
from tests.balancer import Balancer
from tests.fakebotapi import FakeBotAPI
from tests.test_bot_process import free_port
from tests.test_reliability import HELP_MARK, ZORBLAX, BotProcess, cast, process_env

SECRET = "Webhook-Secret_for-tests_0123"


# --- the server ------------------------------------------------------------------------------------------
class StandIn:
    """What the server hands updates to: records them, or fails as told."""

    def __init__(self) -> None:
        self.store_watch = SimpleNamespace(up=True)
        self.received: list[dict] = []
        self.failure: Exception | None = None
        self.events: list[str] = []

    async def receive(self, updates: list) -> None:
        if self.failure is not None:
            raise self.failure
        for _ in range(3):
            await asyncio.sleep(0)  # storing takes a moment: the answer must wait for it
        self.received += updates
        self.events.append("kept")


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[tuple[StandIn, int]]:
    delivery, port = StandIn(), free_port()
    server = WebhookServer(delivery, "hook", SECRET)  # type: ignore[arg-type]
    server.listen("127.0.0.1", port)
    try:
        yield delivery, port
    finally:
        await server.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[StandIn, int]]:
    async with serving() as running:
        yield running


async def request(port: int, head: str, body: bytes = b"") -> int:
    """Send ``head`` (request line and headers) and ``body``; the answer's status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(65536), timeout=10)
        return int(answer.split(b" ", 2)[1])
    finally:
        writer.close()


def post(body: bytes, secret: str | None = SECRET, path: str = "/hook") -> tuple[str, bytes]:
    head = f"POST {path} HTTP/1.1\nHost: bot\nContent-Type: application/json\nContent-Length: {len(body)}\n"
    if secret is not None:
        head += f"X-Telegram-Bot-Api-Secret-Token: {secret}\n"
    return head, body


def post_json(update: object, path: str = "/hook") -> tuple[str, bytes]:
    return post(json.dumps(update).encode(), path=path)


async def test_the_secret_is_checked_before_a_byte_of_the_body_is_read(server) -> None:
    delivery, port = server
    # 100 MB announced, none sent: the answer must come without waiting for it.
    for secret in ("wrong", None):
        head, _ = post(b"", secret)
        assert await request(port, head.replace("Content-Length: 0", "Content-Length: 100000000")) == 403
    assert delivery.received == []


async def test_a_body_is_capped_announced_or_chunked(server) -> None:
    delivery, port = server
    big = webhook.MAX_BODY_BYTES + 1
    head, _ = post(b"")
    assert await request(port, head.replace("Content-Length: 0", f"Content-Length: {big}")) == 413
    chunk = b"x" * 65536
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(big // len(chunk) + 1))
    head = head.replace("Content-Length: 0", "Transfer-Encoding: chunked")
    assert await request(port, head, chunked + b"0\r\n\r\n") == 400
    assert delivery.received == []


async def test_an_update_is_answered_200_once_kept_and_otherwise_so_that_telegram_tries_again(server) -> None:
    delivery, port = server
    update = {"update_id": 7, "message": {"text": "hi"}}
    assert await request(port, *post_json(update)) == 200
    delivery.events.append("answered")
    assert delivery.received == [update] and delivery.events == ["kept", "answered"]
    delivery.failure = StoreUnavailable("PostgreSQL: gone")
    assert await request(port, *post_json(update)) == 503
    delivery.failure = UpdateRefused("the store refused update 7")
    assert await request(port, *post_json(update)) == 500
    delivery.failure, delivery.store_watch.up = None, False  # paused: not even tried
    assert await request(port, *post_json({"update_id": 8})) == 503
    delivery.store_watch.up = True
    for not_an_update in ([], {"update_id": "7"}, {"message": {}}, "x"):
        assert await request(port, *post_json(not_an_update)) == 400
    assert await request(port, *post(b"{not json")) == 400
    assert await request(port, *post_json(update, path="/other")) == 404
    assert await request(port, "GET /hook HTTP/1.1\nHost: bot\n") == 405
    assert delivery.received == [update]


async def test_idle_connections_are_closed(monkeypatch) -> None:
    monkeypatch.setattr(webhook, "IDLE_SECONDS", 0.2)
    async with serving() as (_, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /hook HTTP/1.1\r\n")  # and then nothing more
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b""
        writer.close()


# --- python -m bot with WEBHOOK_URL --------------------------------------------------------------------
def webhook_bot(fake: FakeBotAPI, tmp_path: Path, name: str, url: str, **extra: str) -> BotProcess:
    """A webhook process; ``url`` is where Telegram is told to deliver (itself, or a balancer)."""
    port = free_port()
    env = process_env(
        fake,
        tmp_path,
        WEBHOOK_URL=url or f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
        LISTEN="127.0.0.1",
        PORT=str(port),
        PRIVATE_CHAT_MESSAGES_PER_SECOND="1000",
        **extra,
    )
    bot = BotProcess(env, tmp_path / f"{name}.log")
    bot.port = port  # type: ignore[attr-defined]
    return bot


def start(fake: FakeBotAPI, *bots: BotProcess) -> None:
    """Start the bots and wait until each has set its webhook (and so listens)."""
    hooks = len([c for c in fake.calls("setWebhook") if c.ok])
    for bot in bots:
        bot.start()
    fake.wait_until(
        lambda: len([c for c in fake.calls("setWebhook") if c.ok]) >= hooks + len(bots),
        timeout=30,
        what="webhooks",
    )


class SilentSite:
    """A web page that never answers, until released: an /add that takes as long as the test wants."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/silent"
        self.connections: list[socket.socket] = []
        self.asked = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                self.connections.append(connection)
                self.asked.set()

    def release(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_a_slow_add_in_one_chat_holds_up_no_other_chat(fake_api, tmp_path) -> None:
    adder, bystander = cast(fake_api, 2, 0, first_id=11000)
    site = SilentSite()
    bot = webhook_bot(fake_api, tmp_path, "bot", "", ALLOW_PRIVATE_URLS="1")
    start(fake_api, bot)
    try:
        fake_api.send_text(adder.chat, adder.user, f"/add {site.url}")
        assert site.asked.wait(30), "the page was never asked for"
        question = bystander.ask(fake_api, "how many reservists?")
        [answer] = fake_api.wait_until_bot_replies(bystander.chat, after=question, timeout=10)
        assert not site.listener._closed and site.connections  # type: ignore[attr-defined]
        site.release()  # only now does the /add end (with a reply saying the page failed)
        fake_api.wait_until(
            lambda: any("Fetching" not in m["text"] for m in fake_api.bot_messages(adder.chat)), timeout=30
        )
    finally:
        site.release()
        assert bot.stop() == 0, bot.output()[-3000:]
    assert "300,000" in answer["text"]


def test_updates_acknowledged_before_a_kill_9_are_answered_after_the_restart(fake_api, tmp_path) -> None:
    askers = cast(fake_api, 10, 10, first_id=11100)
    bot = webhook_bot(fake_api, tmp_path, "bot", "")
    start(fake_api, bot)
    try:
        # Nothing can be answered: every answer is held by the "network" until the bot gives up.
        fake_api.faults.set("sendMessage", timeout=1.0, hold_seconds=60)
        for asker in askers:
            asker.ask(fake_api, "how many reservists?")
        fake_api.wait_until(
            lambda: len([s for _, s in fake_api.webhook_deliveries if s == 200]) >= len(askers),
            timeout=30,
            what="every update acknowledged",
        )
        bot.kill()
        bot.reap()
        fake_api.faults.set("sendMessage")  # the network is back
        bot.start()
        fake_api.wait_until(
            lambda: all(fake_api.bot_messages(a.chat) for a in askers), timeout=60, what="every answer"
        )
        assert bot.stop() == 0
    finally:
        bot.close()
    assert all(len(fake_api.bot_messages(a.chat)) == 1 for a in askers)
    assert fake_api.pending_updates() == []


def test_an_update_delivered_to_two_processes_is_handled_once(fake_api, tmp_path, postgres_database) -> None:
    admin, *askers = cast(fake_api, 3, 3, first_id=11200)
    balancer = Balancer([], both=1.0)  # every update to both processes, at the same moment
    url = f"http://127.0.0.1:{balancer.port}/telegram"
    bots = [webhook_bot(fake_api, tmp_path, name, url, DATABASE_URL=postgres_database) for name in ("a", "b")]
    balancer.backends = [f"http://127.0.0.1:{bot.port}" for bot in bots]  # type: ignore[attr-defined]
    start(fake_api, *bots)
    try:
        for title in ("First", "Second"):
            added = fake_api.send_text(admin.chat, admin.user, ZORBLAX.replace("The Zorblax Gazette", title))
            [status] = fake_api.wait_until_bot_replies(admin.chat, after=added, timeout=30)
            fake_api.wait_until(  # an /add answers at once, then edits its reply when the article is in
                lambda status=status: "Added" in fake_api.message(status)["text"], timeout=60, what="added"
            )
        removing = fake_api.send_text(admin.chat, admin.user, "/remove 1")
        fake_api.wait_until_bot_replies(admin.chat, after=removing, timeout=30)
        for number in range(3):
            for asker in askers:
                asker.ask(fake_api, f"how many reservists? #{number}")
        for asker in [admin, *askers]:
            fake_api.send_text(asker.chat, asker.user, "/help")
        fake_api.wait_until(
            lambda: all(
                any(HELP_MARK in m["text"] for m in fake_api.bot_messages(a.chat)) for a in [admin, *askers]
            ),
            timeout=60,
        )
        listing = fake_api.send_text(admin.chat, admin.user, "/sources")
        [sources] = fake_api.wait_until_bot_replies(admin.chat, after=listing, timeout=30)
    finally:
        statuses = [bot.stop() for bot in bots]
        balancer.close()
    logs = "".join(bot.output() for bot in bots)
    assert statuses == [0, 0], logs[-3000:]
    assert len(balancer.sent_to_all) == len(fake_api.updates)
    assert "Second" in sources["text"] and "First" not in sources["text"]  # one removed, not two
    for asker in askers:
        answers = [m["text"] for m in fake_api.bot_messages(asker.chat) if HELP_MARK not in m["text"]]
        assert len(answers) == 3, answers  # each question answered once
    assert "handled twice" not in logs


def test_out_of_file_descriptors_the_server_pauses_and_says_so_once(fake_api, tmp_path) -> None:
    """With its file descriptors used up by idle connections, the server stops accepting for a
    moment at a time (rather than spinning) and logs it once; freed, it serves Telegram again."""
    limit = 96

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    alice = fake_api.user(11300, "Alice")
    chat = fake_api.private_chat(alice)
    bot = webhook_bot(fake_api, tmp_path, "bot", "")
    bot.popen = {"preexec_fn": low_limit}
    start(fake_api, bot)
    hogs: list[socket.socket] = []
    try:
        for _ in range(limit + 20):  # more than it may open: the last wait in the backlog
            hogs.append(socket.create_connection(("127.0.0.1", bot.port)))  # type: ignore[attr-defined]
        bot.wait_for_output("cannot accept connections")
        fake_api.send_text(chat, alice, "how many reservists?")  # Telegram cannot get through now
    finally:
        for hog in hogs:
            hog.close()
    try:
        [answer] = fake_api.wait_until_bot_replies(chat, timeout=60)
    finally:
        assert bot.stop() == 0
    assert "300,000" in answer["text"]
    logs = bot.output()
    assert logs.count("cannot accept connections") <= 2, logs[-3000:]
    assert len([line for line in logs.splitlines() if " ERROR " in line]) <= 2, logs[-3000:]
