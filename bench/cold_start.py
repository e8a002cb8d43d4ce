"""Cold start: a fresh process answering one question, and the bot until its first getUpdates.

    python bench/cold_start.py

Each is run several times; the medians are reported next to a bare ``python -c pass`` run in
the same loop, the floor any Python command pays.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakebotapi import FakeBotAPI  # noqa: E402

RUNS = 7


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def bot_until_polling() -> float:
    with FakeBotAPI() as server, tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_BASE_URL": server.base_url,
            "DATA_DIR": data,
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env)
        try:
            server.wait_until(lambda: server.in_flight("getUpdates"), timeout=60, what="the first getUpdates")
            return time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    floor = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(RUNS))
    ask = statistics.median(
        timed([sys.executable, "-m", "index", "ask", "how many reservists?"]) for _ in range(RUNS)
    )
    bot = statistics.median(bot_until_polling() for _ in range(3))
    print(f"python -c pass: {floor * 1000:.0f} ms (median of {RUNS})")
    print(f'python -m index ask "how many reservists?": {ask * 1000:.0f} ms (median of {RUNS})')
    print(f"python -m bot until its first getUpdates: {bot * 1000:.0f} ms (median of 3)")
    print(f"ask_s={ask:.3f} bot_first_poll_s={bot:.3f} python_floor_s={floor:.3f}")


if __name__ == "__main__":
    main()
