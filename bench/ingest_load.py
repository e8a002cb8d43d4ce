"""Heavy /adds beside questions: the real ``python -m bot`` against the fake Bot API over loopback.

    python bench/ingest_load.py --adds 20 --kind text [--mode polling|webhook] [--bot-root DIR]

``--bystanders`` chats ask questions about the built-in article one after the other, first for
``--seconds`` alone (the baseline), then for as long again right after ``--adds`` other chats
each sent a heavy /add (``--kind``): ``text`` a 450 KB file of "a. a. a. …", ``html`` a 5.2 MB
page of 200,000 ``<p>``, ``pdf`` a 10 KB PDF that takes pypdf a minute, ``silent`` a link to a
page that never answers. Printed: the bystanders' answer times in both phases, how many adds
ended (added or refused) and how long they took, and the peak memory of the bot with its
children. ``--bot-root`` runs another checkout of the bot (a baseline commit) the same way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bot_load import QUESTIONS, cpu_seconds  # noqa: E402
from tests.fakebotapi import FakeBotAPI  # noqa: E402
from tests.websites import LocalSite, free_port, pdf_bomb  # noqa: E402

END = ("Added ", "I couldn't add that")  # an add's last word


def heavy(kind: str, site: LocalSite) -> tuple[str, bytes | str, str]:
    """(file name, content, MIME type) of a heavy upload, or ("", link, "") for a link."""
    if kind == "text":
        return "a.txt", b"a. " * 150_000, "text/plain"
    if kind == "html":
        return "p.html", b"<html><body>" + b"<p>word</p>" * 200_000 + b"</body></html>", "text/html"
    if kind == "pdf":
        return "bomb.pdf", pdf_bomb(), "application/pdf"
    return "", site.url("/silent"), ""


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (the lane's children, their fork server)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def ask_in_turn(server: FakeBotAPI, rooms: list[tuple[dict, dict]], seconds: float) -> list[float]:
    """Each room asks, and asks again as soon as it is answered, for ``seconds``; the answer times."""
    latencies: list[float] = []
    sent_at, asked = {}, 0
    seen = server.call_count()
    for room, user in rooms:
        sent_at[room["id"]] = time.perf_counter()
        server.send_text(room, user, QUESTIONS[asked % len(QUESTIONS)])
        asked += 1
    by_id = {room["id"]: (room, user) for room, user in rooms}
    end = time.perf_counter() + seconds
    while sent_at:
        server.wait_until(lambda seen=seen: server.call_count() > seen, timeout=120, what="an answer")
        new_calls = server.calls(start=seen)
        seen += len(new_calls)
        for call in new_calls:
            chat_id = int(call.params.get("chat_id", 0)) if call.method == "sendMessage" else 0
            if chat_id not in sent_at or not call.ok:
                continue
            latencies.append(time.perf_counter() - sent_at.pop(chat_id))
            if time.perf_counter() < end:
                room, user = by_id[chat_id]
                sent_at[chat_id] = time.perf_counter()
                server.send_text(room, user, QUESTIONS[asked % len(QUESTIONS)])
                asked += 1
    return latencies


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    return f"{len(ordered)} answers, p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


def run(args: argparse.Namespace) -> None:
    with FakeBotAPI() as server, LocalSite() as site, tempfile.TemporaryDirectory() as data:
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
            "QUESTIONS_PER_MINUTE_PER_USER": "1000000",
            "QUESTIONS_PER_MINUTE_PER_CHAT": "1000000",
        }
        if args.mode == "webhook":
            port = free_port()
            env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET="bench-secret",
                       LISTEN="127.0.0.1", PORT=str(port))  # fmt: skip
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=args.bot_root, env=env)
        peak = [0.0]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.2):
                peak[0] = max(peak[0], tree_rss_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        try:
            ready = (lambda: server.calls("setWebhook")) if args.mode == "webhook" else (
                lambda: server.in_flight("getUpdates"))  # fmt: skip
            server.wait_until(ready, timeout=60, what="the bot to start")
            users = [server.user(10_000 + i, f"User {i}") for i in range(args.bystanders + args.adds)]
            rooms = [(server.private_chat(user), user) for user in users]
            bystanders, adders = rooms[: args.bystanders], rooms[args.bystanders :]
            ask_in_turn(server, bystanders, 1.0)  # warm-up
            sampler.start()
            cpu = cpu_seconds(process.pid)
            alone = ask_in_turn(server, bystanders, args.seconds)
            cpu_alone = cpu_seconds(process.pid) - cpu
            name, content, mime = heavy(args.kind, site)
            started = time.perf_counter()
            for room, user in adders:
                if name:
                    server.send_document(room, user, name, content, mime, caption="/add")
                else:
                    server.send_text(room, user, f"/add {content}")
            beside = ask_in_turn(server, bystanders, args.seconds)
            ended = [m for room, _ in adders for m in server.bot_messages(room) if m["text"].startswith(END)]
            print(f"mode={args.mode} kind={args.kind} adds={args.adds} bystanders={args.bystanders}")
            print(f"  alone:        {summary(alone)} (bot CPU {cpu_alone:.1f} s)")
            print(f"  beside adds:  {summary(beside)}")
            print(f"  adds ended within {time.perf_counter() - started:.0f} s: {len(ended)}/{args.adds}")
            print(f"  peak RSS, bot and children: {peak[0]:.0f} MB")
        finally:
            sampling.set()
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("polling", "webhook"), default="polling")
    parser.add_argument("--kind", choices=("text", "html", "pdf", "silent"), default="text")
    parser.add_argument("--adds", type=int, default=20)
    parser.add_argument("--bystanders", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0, help="of questions, alone and beside the adds")
    parser.add_argument("--bot-root", type=Path, default=ROOT, help="the checkout whose bot to run")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
