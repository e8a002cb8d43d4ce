"""Scale-out, measured: two webhook processes behind a load balancer on one PostgreSQL database.

1,000 questions over 50 chats (25 private, 25 groups); the load balancer sends each update to
one process at random and one in twenty to both at once; each process is killed with kill -9
once and restarted; the fake Bot API injects the faults of the polling chaos test
(tests/test_reliability.py). Counted as there: nothing lost, at most two answers repeated (the
ones in flight at the kills), no update handled twice, answers in order within every chat.
``python -m pytest -q -s tests/test_scale_out.py`` prints the figures.
"""

from __future__ import annotations

import time
from collections import Counter

import psycopg

from tests.balancer import Balancer
from tests.test_reliability import Tally, cast, finish, pending_at_kills, play, tally
from tests.test_webhook import start, webhook_bot


def postgres_records(url: str) -> tuple[dict[tuple[int, int], int], int]:
    with psycopg.connect(url) as db:
        rows = db.execute("SELECT chat_id, message_id, question_message_id FROM answers").fetchall()
        inbox_left = db.execute("SELECT count(*) FROM inbox").fetchone()[0]
    return {(chat, message): question for chat, message, question in rows}, inbox_left


def test_two_webhook_processes_on_one_database_1000_questions_faults_and_two_kills(
    tmp_path, fake_api, postgres_database
):
    started = time.monotonic()
    askers = cast(fake_api, 25, 25, first_id=13000)
    balancer = Balancer([], both=0.05, seed=1)
    url = f"http://127.0.0.1:{balancer.port}/telegram"
    limits = {  # as in the polling chaos test: the point is faults, not pacing
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_REQUEST_TIMEOUT": "1",
        "MESSAGES_PER_SECOND": "50",
        "GROUP_MESSAGES_PER_MINUTE": "60000",
        "QUESTIONS_PER_MINUTE_PER_USER": "100000",
        "QUESTIONS_PER_MINUTE_PER_CHAT": "100000",
        "DATABASE_URL": postgres_database,
    }
    bots = [webhook_bot(fake_api, tmp_path, name, url, **limits) for name in ("one", "two")]
    balancer.backends = [f"http://127.0.0.1:{bot.port}" for bot in bots]  # type: ignore[attr-defined]
    start(fake_api, *bots)
    fake_api.faults.set(
        "*",
        error_500=0.05,
        error_502=0.05,
        too_many_requests=0.05,
        timeout=0.05,
        retry_after=1,
        hold_seconds=1.5,
    )
    try:
        asked = play(fake_api, bots, askers, per_chat=20, kill_at=[300, 650], window=150, timeout=240)
        finish(fake_api, bots, askers, timeout=90)
    finally:
        for bot in bots:
            bot.close()
        balancer.close()
    wall = time.monotonic() - started
    counts = tally(fake_api, askers, asked, postgres_records(postgres_database))
    logs = "".join(bot.output() for bot in bots)
    handled_twice = logs.count("was handled twice")
    faults = Counter({kind: fake_api.faults.count(kind) for kind in ("error_500", "error_502")})
    faults.update({kind: fake_api.faults.count(kind) for kind in ("too_many_requests", "timeout")})
    print(
        f"\nscale-out: {counts.questions} questions in {len(askers)} chats, 2 webhook processes, "
        f"{len(balancer.sent_to_all)} of {len(fake_api.updates)} updates delivered to both, "
        f"2 kill -9 restarts (with {' and '.join(map(str, pending_at_kills))} questions pending), "
        f"{sum(1 for c in fake_api.calls() if c.fault)} faults injected "
        f"({', '.join(f'{kind} {n}' for kind, n in faults.items())}); "
        f"lost {counts.lost}, duplicated {counts.duplicated}, handled twice {handled_twice}, "
        f"out of order {counts.out_of_order}, apologies {counts.apologies}; wall time {wall:.1f} s"
    )
    assert [bot.starts for bot in bots] == [2, 2] and all(pending_at_kills)
    assert counts == Tally(
        1000, lost=0, duplicated=counts.duplicated, apologies=0, inbox_left=0, out_of_order=0
    )
    assert counts.duplicated <= 2 and handled_twice == 0, counts
    assert balancer.sent_to_all and all(faults.values()), faults
