"""bot.transport: Bot API requests straight through httpcore, sent and failing as PTB's own."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.transport import BotAPIRequest

pytestmark = pytest.mark.asyncio


def request(read_timeout: float = 2.0) -> BotAPIRequest:
    return BotAPIRequest(
        connection_pool_size=4,
        connect_timeout=2.0,
        read_timeout=read_timeout,
        write_timeout=2.0,
        pool_timeout=2.0,
    )


def bot_for(base_url: str, token: str = "123:ABC", read_timeout: float = 2.0) -> Bot:
    return Bot(token, base_url=base_url, request=request(read_timeout), get_updates_request=request())


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One HTTP request off the connection, as a test server reads it; its head."""
    head = await reader.readuntil(b"\r\n\r\n")
    await reader.readexactly(int(re.search(rb"(?i)content-length: *(\d+)", head).group(1)))
    return head


async def answer(writer: asyncio.StreamWriter, head: bytes) -> None:
    """The Bot API's answer to the request with that head: a bot for getMe, true otherwise."""
    user = b'{"id":1,"is_bot":true,"first_name":"Bot","username":"bot"}'
    body = b'{"ok":true,"result":%s}' % (user if b"/getMe" in head else b"true")
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body)
    )
    await writer.drain()


@contextlib.asynccontextmanager
async def serving(serve: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]):
    """A server on 127.0.0.1 running ``serve`` for each connection, then closing it; yields its
    port, and on leaving waits until every connection it took is closed (no socket outlives the
    test, so it also passes with ``-W error``)."""
    taken, closed = 0, asyncio.Semaphore(0)

    async def each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal taken
        taken += 1
        try:
            await serve(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            closed.release()

    server = await asyncio.start_server(each, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]
        for _ in range(taken):
            await asyncio.wait_for(closed.acquire(), timeout=5)


async def test_a_message_goes_out_with_every_parameter_and_comes_back_parsed(fake_api, chat):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="p:1")]])
    async with bot_for(fake_api.base_url, fake_api.token) as bot:
        sent = await bot.send_message(
            chat["id"], "<b>300,000</b> &amp; ünïcode", parse_mode="HTML", reply_markup=keyboard
        )
    assert sent.text == "300,000 & ünïcode"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 7)]
    params = fake_api.calls("sendMessage")[-1].params
    assert params["parse_mode"] == "HTML"
    assert "p:1" in str(params["reply_markup"])


async def test_an_unanswered_request_times_out_as_ptbs_would(fake_api, chat):
    fake_api.faults.once("sendMessage", "timeout", hold_seconds=1.0)
    async with bot_for(fake_api.base_url, fake_api.token, read_timeout=0.3) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(chat["id"], "hello")
        assert (await bot.send_message(chat["id"], "hello again")).text == "hello again"


async def test_a_dropped_connection_is_a_network_error(fake_api, chat):
    fake_api.faults.once("sendMessage", "drop")
    async with bot_for(fake_api.base_url, fake_api.token) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(chat["id"], "hello")
        assert (await bot.send_message(chat["id"], "hello again")).text == "hello again"


async def test_a_keep_alive_connection_the_server_closed_is_not_used_again():
    """A server that answers, keeps the connection a moment (no "Connection: close"), then
    closes it: the next request must see that and open a new connection instead of failing."""
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await answer(writer, await read_request(reader))
        await asyncio.sleep(0.05)  # then the connection is closed

    async with serving(serve) as port, bot_for(f"http://127.0.0.1:{port}/bot") as bot:
        for _ in range(3):
            await asyncio.sleep(0.2)  # the server has closed the idle connection by now
            assert await bot.delete_webhook() is True
    assert connections == 4  # getMe's, and one for each request


async def test_requests_at_once_share_at_most_the_pools_connections_and_keep_them():
    """Twenty requests at once through a pool of four: four connections, each kept alive and
    used again, and every request answered."""
    connections = 0
    in_flight = most_in_flight = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections, in_flight, most_in_flight
        connections += 1
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await read_request(reader)
                in_flight += 1
                most_in_flight = max(most_in_flight, in_flight)
                await asyncio.sleep(0.02)  # long enough for the other requests to queue up
                in_flight -= 1
                await answer(writer, head)

    async with serving(serve) as port, bot_for(f"http://127.0.0.1:{port}/bot") as bot:
        answers = await asyncio.gather(*(bot.delete_webhook() for _ in range(20)))
        assert answers == [True] * 20
        assert await bot.delete_webhook() is True  # later, on a connection kept alive
    assert most_in_flight == 4
    assert connections == 4


def sockets_closed_by(port: int) -> int:
    """This machine's TCP connections to 127.0.0.1:``port`` that the server closed and the
    client has not (CLOSE_WAIT), from /proc/net/tcp."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[2] == f"0100007F:{port:04X}" and row.split()[3] == "08")


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
async def test_connections_the_server_closed_while_idle_are_closed_in_turn():
    """After a burst, the server closes the idle connections: the bot's next requests close
    them too, one each, rather than keeping dead sockets for as long as it runs."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await read_request(reader)
                await asyncio.sleep(0.02)  # long enough for the other requests to queue up
                await answer(writer, head)

    async with serving(serve) as port, bot_for(f"http://127.0.0.1:{port}/bot") as bot:
        assert await asyncio.gather(*(bot.delete_webhook() for _ in range(4))) == [True] * 4
        for writer in writers:  # the server's keep-alive time-out, say
            writer.close()
            await writer.wait_closed()
        await asyncio.sleep(0.1)
        assert sockets_closed_by(port) == 4
        for _ in range(3):
            assert await bot.delete_webhook() is True
        assert sockets_closed_by(port) == 0


async def test_waiting_longer_than_the_pool_time_out_for_a_connection_is_ptbs_timed_out(fake_api, chat):
    fake_api.faults.once("sendMessage", "timeout", hold_seconds=1.0)
    one_connection = BotAPIRequest(connection_pool_size=1, read_timeout=2.0, pool_timeout=0.2)
    async with Bot(fake_api.token, base_url=fake_api.base_url, request=one_connection) as bot:
        held = asyncio.create_task(bot.send_message(chat["id"], "held by the server"))
        await asyncio.sleep(0.1)  # the only connection is taken
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(chat["id"], "waits for a connection")
        with pytest.raises(NetworkError):  # the server hangs up on the held request
            await held
        assert (await bot.send_message(chat["id"], "hello again")).text == "hello again"


async def test_behind_a_proxy_requests_take_httpxs_way_which_honours_it(fake_api, monkeypatch):
    with socket.socket() as closed:  # a port nothing listens on: the "proxy" is down
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("http_proxy", proxy)
    bot = bot_for(fake_api.base_url, fake_api.token)
    with pytest.raises(NetworkError):
        async with bot:  # getMe, sent to the proxy, which is not there
            pass
    assert not fake_api.calls(), "nothing went around the proxy"


async def test_https_as_the_real_bot_api_is_reached(tmp_path, monkeypatch):
    """TLS through the same pool and backend (Telegram is https://api.telegram.org), with a
    certificate made for the test and trusted through SSL_CERT_FILE."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert]
    make += ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(make, check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    requests = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await read_request(reader)
                requests += 1
                await answer(writer, head)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server, bot_for(f"https://127.0.0.1:{port}/bot") as bot:
        assert await bot.delete_webhook() is True
        assert await bot.delete_webhook() is True
    assert requests == 3  # getMe and two more, over one kept-alive TLS connection
