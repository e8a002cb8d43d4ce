"""The bot under load: the real ``python -m bot`` against the fake Bot API over loopback.

    python bench/bot_load.py --chats 100 --questions 20

Each of ``--chats`` users asks ``--questions`` questions about the built-in article, one after
the other, the next as soon as the previous answer arrives — as people in 100 chats at once
would. The same load is then played against a minimal PTB echo bot (bench/echo_bot.py), so the
CPU the bot spends per answer can be read as a ratio to what PTB itself needs. Telegram's
flood limits are lifted for both (they would pace the run, not measure the bot).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakebotapi import FakeBotAPI  # noqa: E402

QUESTIONS = [
    "how many reservists?",
    "who is Andriy Yusov?",
    "how much territory has Ukraine retaken?",
    "when did Putin announce the mobilization?",
    "where is Petropavl?",
    "what did Zelensky say about the occupiers?",
    "which regions is the Kremlin annexing?",
    "what happened along the Dnieper River?",
    "who won the world cup in 2018?",
    "why are Russians fleeing?",
]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait_for_answers(server: FakeBotAPI, count: int, since: int) -> None:
    """Wait for ``count`` answers sent after call number ``since``, looking at new calls only:
    the driver shares a process (and the GIL) with the fake server, so it must stay cheap."""
    seen, answers = since, 0
    while answers < count:
        server.wait_until(lambda seen=seen: server.call_count() > seen, timeout=600, what="answers")
        new_calls = server.calls(start=seen)
        seen += len(new_calls)
        answers += sum(1 for call in new_calls if call.method == "sendMessage" and call.ok)


def play(command: list[str], chats: int, questions: int, extra_env: dict[str, str]) -> dict[str, float]:
    """Start ``command`` against a fresh fake server, play the load, stop it; the figures."""
    rng = random.Random(1)
    with FakeBotAPI() as server, tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_BASE_URL": server.base_url,
            "TELEGRAM_BASE_FILE_URL": server.base_file_url,
            "DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
            "MESSAGES_PER_SECOND": "1000000",
            "PRIVATE_CHAT_MESSAGES_PER_SECOND": "1000000",
            "QUESTIONS_PER_MINUTE_PER_USER": "1000000",
            "QUESTIONS_PER_MINUTE_PER_CHAT": "1000000",
            **extra_env,
        }
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            server.wait_until(lambda: server.in_flight("getUpdates"), timeout=60, what="the bot to poll")
            rss_start = rss_mb(process.pid)  # started, no chat seen yet
            users = [server.user(10_000 + i, f"User {i}") for i in range(chats)]
            rooms = [server.private_chat(u) for u in users]
            by_id = {room["id"]: (room, user) for room, user in zip(rooms, users, strict=True)}
            # One question per chat to warm up (imports, first index, connections), not measured.
            for user, room in zip(users, rooms, strict=True):
                server.send_text(room, user, "hello")
            _wait_for_answers(server, chats, since=0)
            cpu_before = cpu_seconds(process.pid)
            asked = {room["id"]: 0 for room in rooms}
            sent_at: dict[int, float] = {}
            latencies: list[float] = []
            started = time.perf_counter()
            # Counted from before the first question: the first answers may come while the
            # last questions are still being sent.
            seen = server.call_count()
            for user, room in zip(users, rooms, strict=True):
                sent_at[room["id"]] = time.perf_counter()
                server.send_text(room, user, rng.choice(QUESTIONS))
                asked[room["id"]] += 1
            pending = set(asked)
            while pending:
                # Only the calls made since the last look, as in _wait_for_answers.
                server.wait_until(lambda seen=seen: server.call_count() > seen, timeout=60, what="an answer")
                new_calls = server.calls(start=seen)
                seen += len(new_calls)
                now = time.perf_counter()
                for call in new_calls:
                    if call.method != "sendMessage" or not call.ok:
                        continue
                    chat_id = int(call.params["chat_id"])
                    if chat_id not in pending:
                        continue
                    latencies.append(now - sent_at[chat_id])
                    if asked[chat_id] < questions:
                        room, user = by_id[chat_id]
                        sent_at[chat_id] = time.perf_counter()
                        server.send_text(room, user, rng.choice(QUESTIONS))
                        asked[chat_id] += 1
                    else:
                        pending.discard(chat_id)
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(process.pid) - cpu_before
            rss_after = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    total = chats * questions
    return {
        "answered": len(latencies),
        "sent": total,
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": sorted(latencies)[int(0.99 * (len(latencies) - 1))] * 1000,
        "cpu_per_answer_ms": cpu / max(len(latencies), 1) * 1000,
        "rss_mb": rss_after,
        "rss_growth_mb": rss_after - rss_start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--no-echo", action="store_true", help="skip the echo bot (memory runs)")
    args = parser.parse_args()
    bot = play([sys.executable, "-m", "bot"], args.chats, args.questions, {})
    if args.no_echo:
        print(f"chats={args.chats} questions={args.questions} answered={bot['answered']}/{bot['sent']} "
              f"rss_mb={bot['rss_mb']:.0f} rss_growth_mb={bot['rss_growth_mb']:.1f}")  # fmt: skip
        return
    echo = play([sys.executable, "bench/echo_bot.py"], args.chats, args.questions, {})
    for name, figures in (("bot", bot), ("echo bot", echo)):
        print(
            f"{name:9} answered {figures['answered']}/{figures['sent']}, {figures['per_second']:.0f}/s, "
            f"latency p50 {figures['p50_ms']:.1f} ms p99 {figures['p99_ms']:.1f} ms, "
            f"CPU {figures['cpu_per_answer_ms']:.2f} ms per answer, RSS {figures['rss_mb']:.0f} MB "
            f"(+{figures['rss_growth_mb']:.1f} MB since start-up)"
        )
    print(
        f"chats={args.chats} questions={args.questions} answered={bot['answered']}/{bot['sent']} "
        f"per_second={bot['per_second']:.0f} p50_ms={bot['p50_ms']:.1f} p99_ms={bot['p99_ms']:.1f} "
        f"cpu_ms_per_answer={bot['cpu_per_answer_ms']:.2f} "
        f"echo_cpu_ms_per_answer={echo['cpu_per_answer_ms']:.2f} "
        f"cpu_ratio={bot['cpu_per_answer_ms'] / echo['cpu_per_answer_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
