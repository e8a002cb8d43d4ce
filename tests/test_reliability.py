"""Reliability: faults, kill -9 restarts, floods, isolation between chats, and secrets in logs.

The bot runs against the fake Bot API (tests/fakebotapi), in the test's event loop
(``running_bot``) or as ``python -m bot`` in a subprocess when it has to be killed or its real
logging captured. Nothing here sleeps to synchronise: tests wait on the fake's state
(``wait_for`` / ``wait_until``), and kill moments are chosen by counts of answers seen.

How answers are matched to questions (in private chats the bot does not quote the question):
in groups the answer replies to the question it answers, which the fake records; in private
chats the bot's own ``answers`` table maps each answer message it sent to the question message
it answered, and every such record is checked against the fake (the message exists and is the
bot's). An answer the bot sent but had not yet recorded when it was killed has no record: it
counts as a duplicate, since the restarted bot answers that question again. To know that a
chat's questions are all handled, each chat finally gets ``/help``: chats are handled in
order, so once its help arrives every earlier question of the chat has been handled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import itertools
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot import sending
from bot.app import build_application
from bot.flood import SLOW_DOWN
from bot.settings import SettingsError, load_settings
from bot.store import DEFAULT_FILE_NAME
from tests.botharness import running_bot
from tests.fakebotapi import DEFAULT_TOKEN, Call, FakeBotAPI
from tests.test_bot_process import ROOT, bot_env, free_port

HELP_MARK = "/help — this message"  # in the help text of private chats and of groups
APOLOGY = "Sorry, something went wrong"
QUESTIONS = [
    "how many reservists?",
    "who is Andriy Yusov?",
    "how much territory has Ukraine retaken?",
    "when did Putin announce the mobilization?",
    "what did Zelensky say about the occupiers?",
]


# --- the bot as a process -----------------------------------------------------------------------------------
class BotProcess:
    """``python -m bot`` (or a bootstrap script) against the fake. A thread copies its output to
    a file as it comes (a chatty bot never blocks on a full pipe), so that a test can wait for
    a line without polling."""

    def __init__(self, env: dict[str, str], log: Path, script: str | None = None, **popen: Any):
        self.env, self.log, self.script, self.popen = env, log, script, popen
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        command = [sys.executable, "-c", self.script] if self.script else [sys.executable, "-m", "bot"]
        self.process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **self.popen
        )
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        self.starts += 1

    def _read(self, stream: Any) -> None:
        with stream, self.log.open("ab") as copy:  # the pipe closed at its end, not left to the GC
            for line in stream:
                copy.write(line)
                copy.flush()
                with self._changed:
                    self._lines.append(line.decode(errors="replace"))
                    self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_output(self, text: str, count: int = 1, timeout: float = 30) -> None:
        """Wait until ``count`` lines of output contain ``text``."""

        def seen() -> bool:
            return sum(text in line for line in self._lines) >= count

        with self._changed:
            if (
                not self._changed.wait_for(lambda: seen() or not self._reader.is_alive(), timeout)
                or not seen()
            ):
                raise AssertionError(f"no {text!r} ×{count} in the output: {''.join(self._lines)[-3000:]}")

    def kill(self) -> None:
        """kill -9: no clean-up, no last words."""
        assert self.process is not None and self.process.poll() is None, "the bot died on its own"
        self.process.send_signal(signal.SIGKILL)

    def reap(self) -> None:
        assert self.process is not None
        self.process.wait(timeout=10)
        self._finish_reading()

    def stop(self) -> int:
        """Ctrl-C, as an operator would; the exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the bot did not stop within 30 s of SIGINT") from None
        finally:
            self._finish_reading()

    def close(self) -> None:
        """Kill it if it still runs (a test that failed half-way)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._finish_reading()

    def _finish_reading(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def process_env(fake: FakeBotAPI, tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        TELEGRAM_BASE_FILE_URL=fake.base_file_url,
        **extra,
    )


# --- playing many chats, and counting -----------------------------------------------------------------------
@dataclasses.dataclass
class Asker:
    chat: dict
    user: dict

    @property
    def group(self) -> bool:
        return self.chat["type"] != "private"

    def ask(self, fake: FakeBotAPI, question: str) -> dict:
        return fake.send_text(self.chat, self.user, f"/ask {question}" if self.group else question)


def cast(fake: FakeBotAPI, private: int, groups: int, first_id: int) -> list[Asker]:
    """``private`` private chats and ``groups`` supergroups, one asking member each."""
    askers = []
    for number in range(private + groups):
        user = fake.user(first_id + number, f"Asker{number}")
        if number < private:
            askers.append(Asker(fake.private_chat(user), user))
        else:
            askers.append(Asker(fake.group_chat(f"Group {number}"), user))
    return askers


class AnswerCounter:
    """Messages the bot got through to the fake, counted incrementally: the predicate runs on
    every change of the fake, and copying every call each time would cost seconds."""

    def __init__(self, fake: FakeBotAPI):
        self._fake, self._seen, self.count = fake, 0, 0

    def __call__(self) -> int:
        new = self._fake.calls("sendMessage", start=self._seen)
        self._seen = self._fake.call_count()
        self.count += sum(1 for call in new if call.ok)
        return self.count


pending_at_kills: list[int] = []  # questions asked and not yet answered at each kill of the last play
in_flight_at_kills: list[int] = []  # answers sent and not yet recorded at each kill: what a restart repeats


def unrecorded(fake: FakeBotAPI, askers: list[Asker], database: Path) -> int:
    """Answers the fake holds that the bot has no record of: sent, then killed before it wrote
    them down. Telegram has no idempotent send, so a restart answers those questions again."""
    records, _ = sqlite_records(database)
    return sum(
        1
        for asker in askers
        for message in fake.bot_messages(asker.chat)
        if HELP_MARK not in message.get("text", "")
        and APOLOGY not in message.get("text", "")
        and (asker.chat["id"], message["message_id"]) not in records
    )


def play(
    fake: FakeBotAPI,
    bots: BotProcess | list[BotProcess],
    askers: list[Asker],
    per_chat: int,
    kill_at: list[int],
    window: int,
    timeout: float,
    database: Path | None = None,
) -> list[dict]:
    """Ask ``per_chat`` questions in every chat, round robin, keeping at most ``window`` of them
    unanswered; kill -9 a bot (each in turn) as soon as the answers seen reach each count of
    ``kill_at``, then restart it. Returns the questions asked (Messages). With the bot's SQLite
    ``database``, the answers in flight at each kill are counted (in_flight_at_kills)."""
    bots = bots if isinstance(bots, list) else [bots]
    total = per_chat * len(askers)
    asked: list[dict] = []
    pending_at_kills.clear()
    in_flight_at_kills.clear()
    answers = AnswerCounter(fake)
    deadline = time.monotonic() + timeout
    for kills, target in enumerate([*kill_at, None]):
        bot = bots[kills % len(bots)]
        while True:

            def next_step(target: int | None = target, bot: BotProcess = bot) -> str | None:
                seen = answers()
                if target is not None and seen >= target:
                    bot.kill()  # here, under the fake's lock: no answer gets stored in between
                    pending_at_kills.append(len(asked) - seen)
                    return "killed"
                if len(asked) < total and len(asked) - seen < window:
                    return "ask"
                return "done" if target is None and len(asked) == total else None

            step = fake.wait_until(next_step, timeout=deadline - time.monotonic(), what="the play to go on")
            if step != "ask":
                break
            room = min(total - len(asked), window - (len(asked) - answers()))
            for _ in range(room):
                number = len(asked)
                asker = askers[number % len(askers)]
                asked.append(asker.ask(fake, f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"))
        if step == "killed":
            bot.reap()
            if database is not None:  # those of earlier kills stay unrecorded: they were answered again
                in_flight_at_kills.append(unrecorded(fake, askers, database) - sum(in_flight_at_kills))
            bot.start()
    return asked


def finish(
    fake: FakeBotAPI, bots: BotProcess | list[BotProcess], askers: list[Asker], timeout: float
) -> None:
    """Send /help in every chat, wait for every help, and stop the bots (see the module doc)."""
    barriers = [(asker, fake.send_text(asker.chat, asker.user, "/help")) for asker in askers]

    def helped(asker: Asker, barrier: dict) -> bool:
        return any(
            m["message_id"] > barrier["message_id"] and HELP_MARK in m.get("text", "")
            for m in fake.bot_messages(asker.chat)
        )

    fake.wait_until(lambda: all(helped(*b) for b in barriers), timeout=timeout, what="/help in every chat")
    for bot in bots if isinstance(bots, list) else [bots]:
        assert bot.stop() == 0, bot.output()[-3000:]


@dataclasses.dataclass
class Tally:
    questions: int
    lost: int
    duplicated: int
    apologies: int
    inbox_left: int
    out_of_order: int = 0  # answers that came before the answer to an earlier question of the chat


def sqlite_records(database: Path) -> tuple[dict[tuple[int, int], int], int]:
    """The bot's answer records, (chat, answer message) → question message, and the inbox's size."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        records = {
            (c, m): q
            for c, m, q in db.execute("SELECT chat_id, message_id, question_message_id FROM answers")
        }
        return records, db.execute("SELECT count(*) FROM inbox").fetchone()[0]


def tally(
    fake: FakeBotAPI, askers: list[Asker], asked: list[dict], database: Path | tuple[dict, int]
) -> Tally:
    """Match every answer the fake holds to its question (see the module doc) and count."""
    records, inbox_left = sqlite_records(database) if isinstance(database, Path) else database
    questions = {(m["chat"]["id"], m["message_id"]) for m in asked}
    answers: Counter[tuple[int, int]] = Counter()
    unmatched = apologies = out_of_order = 0
    for asker in askers:
        chat_id, latest = asker.chat["id"], 0
        for message in fake.bot_messages(asker.chat):
            text = message.get("text", "")
            if HELP_MARK in text:
                continue
            if APOLOGY in text:
                apologies += 1
                continue
            quoted = (message.get("reply_to_message") or {}).get("message_id")
            question = quoted or records.get((chat_id, message["message_id"]))
            if (chat_id, question) in questions:
                if answers[(chat_id, question)] == 0:  # a repeat comes right after its first
                    out_of_order += question < latest
                    latest = max(latest, question)
                answers[(chat_id, question)] += 1
            else:
                unmatched += 1  # sent, then killed before it was recorded: answered again since
    lost = sum(1 for question in questions if answers[question] == 0)
    duplicated = sum(n - 1 for n in answers.values() if n > 1) + unmatched
    return Tally(len(questions), lost, duplicated, apologies, inbox_left, out_of_order)


# --- faults, in process -------------------------------------------------------------------------------------
REQUEST_TIMEOUT = 0.5  # the bot's HTTP time-outs in these tests (TELEGRAM_REQUEST_TIMEOUT)
POLL_TIMEOUT = 1  # running_bot's long-poll time-out


def hold_seconds(method: str) -> float:
    """Longer than the bot waits: getUpdates' read time-out is the poll's plus the request's."""
    return (POLL_TIMEOUT + REQUEST_TIMEOUT if method == "getUpdates" else REQUEST_TIMEOUT) + 0.5


def least_pause(method: str, kind: str) -> float:
    """The bot's shortest wait between a failed call and the next try of it."""
    if kind == "too_many_requests":
        return 1.0  # retry_after
    waited = hold_seconds(method) - 0.5 if kind == "timeout" else 0.0
    return waited + 0.5  # the first back-off (bot.polling, bot.sending)


def test_the_request_time_out_is_configurable_and_applies_to_polls_and_sends():
    env = {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_REQUEST_TIMEOUT": "0.7"}
    application = build_application(load_settings(env))
    polls, sends = application.bot._request  # PTB keeps (getUpdates, everything else)
    assert polls.read_timeout == sends.read_timeout == 0.7  # a poll adds its own time-out to it
    for bad in ("0", "-1", "soon"):
        with pytest.raises(SettingsError, match="TELEGRAM_REQUEST_TIMEOUT"):
            load_settings({**env, "TELEGRAM_REQUEST_TIMEOUT": bad})


@pytest.mark.parametrize("method", ["getUpdates", "sendMessage"])
@pytest.mark.parametrize("kind", ["error_500", "error_502", "too_many_requests", "timeout", "drop", "slow"])
async def test_under_faults_every_question_is_answered_once(fake_api, tmp_path, method, kind):
    askers = cast(fake_api, 8, 0, first_id=5000)
    fault = {"retry_after": 1, "hold_seconds": hold_seconds(method), "slow_seconds": 0.3}
    fake_api.faults.set(method, **{kind: 0.2}, **fault)
    fake_api.faults.once(method, kind, times=2, **fault)  # the first two surely fail
    for asker in askers:  # waiting before the bot starts: the first polls already carry them
        asker.ask(fake_api, f"how many reservists? #{asker.user['id']}")
    async with running_bot(fake_api, tmp_path, request_timeout_seconds=REQUEST_TIMEOUT):
        await fake_api.wait_for(
            lambda: all(fake_api.bot_messages(a.chat) for a in askers), timeout=60, what="every answer"
        )
    for asker in askers:
        [answer] = fake_api.bot_messages(asker.chat)  # once: no question lost, none answered twice
        assert "¶" in answer["text"] and APOLOGY not in answer["text"]
    assert fake_api.faults.count(kind, method) >= 2
    calls = fake_api.calls(method)
    for index, call in enumerate(calls):
        if call.fault in (None, "slow"):
            continue
        chat_id = call.params.get("chat_id")
        retry = next((c for c in calls[index + 1 :] if c.params.get("chat_id") == chat_id), None)
        assert retry is not None, f"{call.summary()} was never tried again"
        assert retry.time - call.time >= least_pause(method, kind) - 0.05, (call, retry)


async def test_retry_after_pauses_its_chat_not_the_others_and_poll_backoff_grows(fake_api, tmp_path):
    """A 429 holds back its chat for retry_after while other chats are answered; polls that fail
    in a row wait longer each time."""
    askers = cast(fake_api, 4, 0, first_id=5100)
    fake_api.faults.once("getUpdates", "error_500", times=3)
    fake_api.faults.once("sendMessage", "too_many_requests", retry_after=1)
    for asker in askers:
        asker.ask(fake_api, "how many reservists?")
    async with running_bot(fake_api, tmp_path):
        await fake_api.wait_for(lambda: all(fake_api.bot_messages(a.chat) for a in askers), timeout=30)
    polls = [call.time for call in fake_api.calls("getUpdates")[:4]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(polls)]
    assert gaps[0] >= 0.45 and gaps[1] >= 0.95 and gaps[2] >= 1.95, gaps  # 0.5 s, 1 s, 2 s
    sends = fake_api.calls("sendMessage")
    limited = next(call for call in sends if call.status == 429)
    later = [call for call in sends if call.time > limited.time]
    retry = next(call for call in later if call.params["chat_id"] == limited.params["chat_id"])
    assert retry.time - limited.time >= 1.0  # retry_after, and a little more
    others = [call for call in later if call.params["chat_id"] != limited.params["chat_id"]]
    assert others and all(call.time < retry.time for call in others), "the other chats waited too"
    assert all(len(fake_api.bot_messages(a.chat)) == 1 for a in askers)


async def test_a_time_out_after_telegram_took_the_answer_repeats_it_rather_than_losing_it(fake_api, tmp_path):
    """Telegram has no idempotent send: when the answer to a sendMessage is lost on the way
    back, the bot cannot tell a lost request from a lost answer, and sends again. At least
    once, then — and twice only for those."""
    askers = cast(fake_api, 6, 0, first_id=5300)
    fake_api.faults.once("sendMessage", "drop", times=2, lost_response=True)
    for asker in askers:
        asker.ask(fake_api, "how many reservists?")
    async with running_bot(fake_api, tmp_path, request_timeout_seconds=REQUEST_TIMEOUT):
        await fake_api.wait_for(lambda: all(fake_api.bot_messages(a.chat) for a in askers), timeout=30)
    answers = [len(fake_api.bot_messages(asker.chat)) for asker in askers]
    assert all(n >= 1 for n in answers) and sum(answers) == len(askers) + 2, answers


async def test_late_answers_survive_a_deleted_question_a_deleted_answer_and_a_forgotten_query(
    fake_api, tmp_path
):
    """What a restart or a slow network leaves behind: the question deleted before its answer, the
    answer to an edited question deleted, a button press Telegram forgot. No apology, no loss."""
    (alice,) = cast(fake_api, 1, 0, first_id=5200)
    group, member = fake_api.group_chat("Deleters"), fake_api.user(5201, "Deleter")
    gone = fake_api.send_text(group, member, "/ask how many reservists?")
    fake_api.delete_message(gone)  # before the bot, not yet running, could answer it
    question = alice.ask(fake_api, "how many reservists?")
    async with running_bot(fake_api, tmp_path):
        [unquoted] = await fake_api.wait_for_bot_replies(group)
        [answer] = await fake_api.wait_for_bot_replies(alice.chat, after=question)
    fake_api.delete_message(answer)
    fake_api.edit_text(question, "who is Andriy Yusov?")
    async with running_bot(fake_api, tmp_path):
        [new_answer] = await fake_api.wait_for_bot_replies(alice.chat, after=answer)
    fake_api.press_button(new_answer, alice.user, "c:0")
    fake_api.expire_queries()  # the bot was down for longer than Telegram waits for an answer
    async with running_bot(fake_api, tmp_path):
        context = await fake_api.wait_for(
            lambda: (m := fake_api.message(new_answer)) and m.get("edit_date") and m, what="the context"
        )
    assert "¶" in unquoted["text"] and "reply_to_message" not in unquoted
    assert "Yusov" in new_answer["text"] and context["text"].startswith("Context of [1]")
    texts = [m["text"] for m in fake_api.bot_messages(alice.chat) + fake_api.bot_messages(group)]
    assert not [text for text in texts if APOLOGY in text]
    [too_old] = fake_api.calls("answerCallbackQuery")
    assert not too_old.ok  # refused, and that was all right


# --- kill -9 ------------------------------------------------------------------------------------------------
def test_kill_9_in_a_stream_of_questions_loses_none_and_repeats_only_what_was_in_flight(tmp_path, fake_api):
    askers = cast(fake_api, 6, 6, first_id=6000)
    env = process_env(fake_api, tmp_path, PRIVATE_CHAT_MESSAGES_PER_SECOND="1000", LOG_LEVEL="INFO")
    bot = BotProcess(env, tmp_path / "bot.log")
    database = tmp_path / "data" / DEFAULT_FILE_NAME
    bot.start()
    try:
        asked = play(fake_api, bot, askers, 5, kill_at=[20], window=20, timeout=60, database=database)
        finish(fake_api, bot, askers, timeout=60)
    finally:
        bot.close()
    counts = tally(fake_api, askers, asked, database)
    print(
        f"\nkill -9: {counts.questions} questions, lost {counts.lost}, duplicated {counts.duplicated} "
        f"({in_flight_at_kills[0]} answer(s) in flight at the kill)"
    )
    assert bot.starts == 2 and pending_at_kills[0] > 0
    assert counts == Tally(60, lost=0, duplicated=counts.duplicated, apologies=0, inbox_left=0)
    # The kill came right after an answer got through (play), which the bot may not have
    # recorded yet: only what was sent and not recorded may be answered again.
    assert counts.duplicated <= in_flight_at_kills[0], (counts, in_flight_at_kills)


# --- chaos: 1,000 questions, 50 chats, faults and two kills -------------------------------------------------
def test_chaos_1000_questions_50_chats_faults_and_two_kills(tmp_path, fake_api):
    started = time.monotonic()
    askers = cast(fake_api, 25, 25, first_id=7000)
    env = process_env(
        fake_api,
        tmp_path,
        LOG_LEVEL="WARNING",
        TELEGRAM_REQUEST_TIMEOUT="1",
        # The point is faults, not pacing: limits far above Telegram's (overall 50/s keeps sends
        # evenly spaced, as in production).
        MESSAGES_PER_SECOND="50",
        PRIVATE_CHAT_MESSAGES_PER_SECOND="1000",
        GROUP_MESSAGES_PER_MINUTE="60000",
        QUESTIONS_PER_MINUTE_PER_USER="100000",
        QUESTIONS_PER_MINUTE_PER_CHAT="100000",
    )
    # Every method: 10 % 5xx (500 and 502), 5 % 429 with retry_after, 5 % time-outs.
    fake_api.faults.set(
        "*",
        error_500=0.05,
        error_502=0.05,
        too_many_requests=0.05,
        timeout=0.05,
        retry_after=1,
        hold_seconds=1.5,
    )
    bot = BotProcess(env, tmp_path / "bot.log")
    database = tmp_path / "data" / DEFAULT_FILE_NAME
    bot.start()
    try:
        asked = play(
            fake_api, bot, askers, per_chat=20, kill_at=[300, 650], window=150, timeout=170, database=database
        )
        finish(fake_api, bot, askers, timeout=60)
    finally:
        bot.close()
    wall = time.monotonic() - started
    counts = tally(fake_api, askers, asked, database)
    faults = Counter({kind: fake_api.faults.count(kind) for kind in ("error_500", "error_502")})
    faults.update({kind: fake_api.faults.count(kind) for kind in ("too_many_requests", "timeout")})
    print(
        f"\nchaos: {counts.questions} questions in {len(askers)} chats, {bot.starts - 1} kill -9 restarts "
        f"(with {' and '.join(map(str, pending_at_kills))} questions pending), "
        f"{sum(1 for c in fake_api.calls() if c.fault)} faults injected "
        f"({', '.join(f'{kind} {n}' for kind, n in faults.items())}; "
        f"sendMessage {fake_api.faults.count(method='sendMessage')}, "
        f"getUpdates {fake_api.faults.count(method='getUpdates')}); "
        f"lost {counts.lost}, duplicated {counts.duplicated} "
        f"(in flight at the kills: {' and '.join(map(str, in_flight_at_kills))}), "
        f"apologies {counts.apologies}; "
        f"wall time {wall:.1f} s"
    )
    assert bot.starts == 3 and all(pending_at_kills)
    assert counts.questions == 1000 and counts.lost == 0 and counts.apologies == 0 and counts.inbox_left == 0
    # Each kill came right after an answer got through; what was sent and not yet recorded is
    # all a restart may repeat. (At this pace, usually that one; on a loaded machine, two or
    # three leave within the time it takes to record one.)
    assert counts.duplicated <= sum(in_flight_at_kills), (counts, in_flight_at_kills)
    assert all(faults.values()), faults


# --- floods -------------------------------------------------------------------------------------------------
def sent_calls(fake: FakeBotAPI, chat: dict) -> list[Call]:
    return [c for c in fake.calls("sendMessage") if c.ok and c.params.get("chat_id") == chat["id"]]


def sent_times(fake: FakeBotAPI, chat: dict) -> list[float]:
    return [call.time for call in sent_calls(fake, chat)]


async def test_a_flooding_user_gets_one_slow_down_then_every_answer_at_the_chat_pace(fake_api, tmp_path):
    rate = 10  # messages a second to one private chat (Telegram's is 1: the same math, 10 times faster)
    flooder, bystander = cast(fake_api, 2, 0, first_id=8000)
    async with running_bot(
        fake_api, tmp_path, private_chat_messages_per_second=rate, questions_per_minute_per_user=20
    ):
        for number in range(100):  # 100 questions at once: more than "100 in 10 seconds"
            flooder.ask(fake_api, f"how many reservists? #{number}")
            if number == 50:
                asked_at = time.time()
                bystander.ask(fake_api, "who is Andriy Yusov?")
        [answer] = await fake_api.wait_for(lambda: sent_calls(fake_api, bystander.chat), timeout=10)
        answered_in = answer.time - asked_at
        flood_done = await fake_api.wait_for(
            lambda: len(fake_api.bot_messages(flooder.chat)) >= 101, timeout=30, what="101 messages"
        )
    assert flood_done
    messages = [m["text"] for m in fake_api.bot_messages(flooder.chat)]
    assert len(messages) == 101 and messages.count(SLOW_DOWN) == 1
    assert messages.index(SLOW_DOWN) == 20  # after the 20 answers the quota allows; then the rest
    times = sent_times(fake_api, flooder.chat)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    print(
        f"\nflood (private): 100 questions at once, 1 slow-down, 100 answers in {times[-1] - times[0]:.1f} s "
        f"(shortest gap {min(gaps) * 1000:.0f} ms at {rate}/s); bystander answered in {answered_in:.2f} s"
    )
    assert min(gaps) >= 1 / rate - 0.02, min(gaps)
    assert times[-1] - times[0] >= (len(times) - 1) / rate - 0.05
    assert answered_in < 1.0, "the bystander waited behind the flood"
    assert all(call.ok for call in fake_api.calls("sendMessage"))


async def test_a_flooded_group_gets_one_slow_down_and_stays_within_its_limit_per_minute(
    fake_api, tmp_path, monkeypatch
):
    window, per_window = 3.0, 5  # GROUP_MESSAGES_PER_MINUTE=5, with a 3-second "minute"
    monkeypatch.setattr(sending, "GROUP_WINDOW_SECONDS", window)
    group = fake_api.group_chat("Flooded")
    members = [fake_api.user(8100 + i, f"Member{i}") for i in range(2)]
    quiet_group = fake_api.group_chat("Quiet")
    quiet_user = fake_api.user(8200, "Quiet")
    async with running_bot(
        fake_api,
        tmp_path,
        group_messages_per_minute=per_window,
        questions_per_minute_per_user=20,
        questions_per_minute_per_chat=8,  # two members, 6 questions each: the chat's quota is hit
    ):
        for number in range(12):
            fake_api.send_text(group, members[number % 2], f"/ask how many reservists? #{number}")
        asked_at = time.time()
        fake_api.send_text(quiet_group, quiet_user, "/ask who is Andriy Yusov?")
        # The fake shows a message before it records the call: wait for the call.
        [answer] = await fake_api.wait_for(lambda: sent_calls(fake_api, quiet_group), timeout=10)
        answered_in = answer.time - asked_at
        await fake_api.wait_for(
            lambda: len(fake_api.bot_messages(group)) >= 13, timeout=30, what="13 messages"
        )
    messages = fake_api.bot_messages(group)
    texts = [m["text"] for m in messages]
    assert len(texts) == 13 and texts.count(SLOW_DOWN) == 1
    quoted = Counter(m["reply_to_message"]["message_id"] for m in messages if m["text"] != SLOW_DOWN)
    assert len(quoted) == 12 and set(quoted.values()) == {1}  # every question answered, once
    times = sent_times(fake_api, group)
    spans = [times[i + per_window] - times[i] for i in range(len(times) - per_window)]
    print(
        f"\nflood (group): 12 questions, 1 slow-down, 12 answers in {times[-1] - times[0]:.1f} s "
        f"({per_window} per {window:.0f} s window; any {per_window + 1} span ≥ {min(spans):.2f} s); "
        f"other group answered in {answered_in:.2f} s"
    )
    assert min(spans) >= window - 0.02, spans  # never more than per_window in any window
    assert answered_in < 1.0


# --- isolation and access -----------------------------------------------------------------------------------
ZORBLAX = (
    "/add The Zorblax Gazette\n\n"
    "The zorblax reactor in Quimby produced 4242 widgets last year, its operators said.\n\n"
    "Engineers at the plant credited a new cooling loop for the record output of widgets."
)
SECRET_QUESTION = "how many widgets did the zorblax reactor produce?"


async def wait_text(fake: FakeBotAPI, chat: dict, needle: str, after: dict | None = None) -> dict:
    """The bot's message in ``chat`` that contains ``needle`` (after ``after``), once it is there."""
    after_id = after["message_id"] if after else 0

    def found() -> dict | None:
        return next(
            (
                m
                for m in fake.bot_messages(chat)
                if m["message_id"] > after_id and needle in m.get("text", "")
            ),
            None,
        )

    return await fake.wait_for(found, timeout=15, what=f"{needle!r} in chat {chat['id']}")


async def test_no_chat_reads_another_chats_library(fake_api, tmp_path):
    (alice, bob) = cast(fake_api, 2, 0, first_id=9000)
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(alice.chat, alice.user, ZORBLAX)
        await wait_text(fake_api, alice.chat, "Added")
        question = alice.ask(fake_api, SECRET_QUESTION)
        answer = await wait_text(fake_api, alice.chat, "4242", after=question)  # it is there, for Alice
        # Bob's questions, his inline queries, his forged and replayed buttons, his /remove.
        question = bob.ask(fake_api, SECRET_QUESTION)
        [bob_answer] = await fake_api.wait_for_bot_replies(bob.chat, after=question)
        mine = fake_api.inline_query(alice.user, "zorblax reactor widgets")
        theirs = fake_api.inline_query(bob.user, "zorblax reactor widgets")
        await fake_api.wait_for(lambda: fake_api.inline_results(mine) is not None, what="Alice's inline")
        await fake_api.wait_for(lambda: fake_api.inline_results(theirs) is not None, what="Bob's inline")
        for data in ["c:0", "p:1", "p:9", "c:99", "p:-1", "x:0", "", "c:0:-1001", "p:01"]:
            fake_api.forge_button_press(bob_answer, bob.user, data)
        help_message = bob.ask(fake_api, "/help")
        [bob_help] = await fake_api.wait_for_bot_replies(bob.chat, after=help_message)
        [alices_button, *_] = answer["reply_markup"]["inline_keyboard"][0]
        replayed = fake_api.forge_button_press(bob_help, bob.user, alices_button["callback_data"])
        removing = bob.ask(fake_api, "/remove 1")
        [refusal] = await fake_api.wait_for_bot_replies(bob.chat, after=removing)
        await fake_api.wait_for(
            lambda: len([c for c in fake_api.calls("answerCallbackQuery") if c.ok]) == 10, what="10 answers"
        )
        sources = alice.ask(fake_api, "/sources")
        [listing] = await fake_api.wait_for_bot_replies(alice.chat, after=sources)
    leaks = ("4242", "zorblax", "Zorblax")
    shown_to_bob = [m["text"] for m in fake_api.bot_messages(bob.chat)]
    shown_to_bob += [json.dumps(r) for r in fake_api.inline_results(theirs)]
    shown_to_bob += [c.params.get("text") or "" for c in fake_api.calls("answerCallbackQuery")]
    assert not [text for text in shown_to_bob if any(leak in text for leak in leaks)]
    assert any("4242" in json.dumps(r) for r in fake_api.inline_results(mine))
    assert all(c.params["is_personal"] for c in fake_api.calls("answerInlineQuery"))
    expired = [
        c for c in fake_api.calls("answerCallbackQuery") if c.params["callback_query_id"] == replayed["id"]
    ]
    assert "expired" in expired[0].params["text"]
    assert "There is no article 1" in refusal["text"]
    assert "The Zorblax Gazette" in listing["text"]
    assert all(c.ok for c in fake_api.calls() if c.method != "getUpdates")


async def test_in_a_group_only_administrators_change_the_library_as_the_bot_api_says(fake_api, tmp_path):
    group = fake_api.group_chat("Club")
    admin, member = fake_api.user(9100, "Admin"), fake_api.user(9101, "Member")
    fake_api.set_admins(group, [admin])
    async with running_bot(fake_api, tmp_path):
        attempt = fake_api.send_text(group, member, ZORBLAX)
        await wait_text(fake_api, group, "Only the group's administrators", after=attempt)
        added = fake_api.send_text(group, admin, ZORBLAX)
        await wait_text(fake_api, group, "Added", after=added)
        for command in ["/remove 1", "/default off"]:
            attempt = fake_api.send_text(group, member, command)
            await wait_text(fake_api, group, "Only the group's administrators", after=attempt)
        question = fake_api.send_text(group, member, f"/ask {SECRET_QUESTION}")
        answer = await wait_text(fake_api, group, "¶", after=question)
    assert "4242" in answer["text"]  # the refused /remove removed nothing
    asked = [(c.params["chat_id"], c.params["user_id"]) for c in fake_api.calls("getChatMember")]
    assert asked.count((group["id"], member["id"])) == 3 and (group["id"], admin["id"]) in asked


# --- formatting ---------------------------------------------------------------------------------------------
INJECTION = (
    '<b>bold</b> &amp; <a href="tg://user?id=1">x</a> </blockquote> *star* _under_ `tick` [l](http://e.x) &'
)
FILE_INJECTION = "<b>bold<b> &amp; <i> *star* _under_ `tick` &"  # a file name holds no "/"
# The bot's own formatting, and what Telegram detects in plain text (links, commands, mentions).
BOT_ENTITIES = {"bold", "blockquote", "expandable_blockquote", "code", "text_link"}
BOT_ENTITIES |= {"url", "bot_command", "mention", "hashtag", "cashtag", "email", "phone_number"}


class PageServer:
    """A web page on 127.0.0.1 whose <title> is hostile, for /add https://…"""

    def __init__(self, title: str):
        body = "".join(
            f"<p>The zorblax reactor report, paragraph {n}: the plant produced 4242 widgets and the "
            f"engineers explained the cooling loop in some detail for readers of this page.</p>"
            for n in range(8)
        )
        head = f"<head><title>{title}</title></head>"
        page = f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/report.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_markup_in_questions_titles_file_names_and_pages_never_changes_the_formatting(
    fake_api, tmp_path
):
    private, member = cast(fake_api, 1, 1, first_id=9200)
    fake_api.set_admins(member.chat, [member.user])
    page = PageServer(html_escape_for_page(INJECTION))
    try:
        async with running_bot(fake_api, tmp_path, allow_private_urls=True):
            for asker in (private, member):
                chat, user = asker.chat, asker.user
                added = fake_api.send_text(chat, user, f"/add {INJECTION}\n\n{ZORBLAX.split(chr(10), 2)[2]}")
                await wait_text(fake_api, chat, "Added", after=added)
                grain = b"The quux mill ground 77 sacks of grain.\n"
                sent = fake_api.send_document(
                    chat, user, f"{FILE_INJECTION}.txt", grain, "text/plain", "/add"
                )
                await wait_text(fake_api, chat, "Added", after=sent)
                fetched = fake_api.send_text(chat, user, f"/add {page.url}")
                await wait_text(fake_api, chat, "Added", after=fetched)
                question = asker.ask(
                    fake_api, f"{INJECTION} how many widgets did the zorblax reactor produce?"
                )
                await wait_text(fake_api, chat, "¶", after=question)
                mention = fake_api.send_text(
                    chat, user, f"@ArticleQABot {INJECTION} how many sacks of grain?"
                )
                if asker.group:
                    await wait_text(fake_api, chat, "¶", after=mention)
                listing = fake_api.send_text(chat, user, "/sources")
                await wait_text(fake_api, chat, "Articles I answer from", after=listing)
    finally:
        page.close()
    edits_and_sends = [c for c in fake_api.calls() if c.method in ("sendMessage", "editMessageText")]
    assert all(call.ok for call in edits_and_sends), [c.summary() for c in edits_and_sends if not c.ok]
    for asker in (private, member):
        for message in fake_api.bot_messages(asker.chat):
            kinds = {entity["type"] for entity in message.get("entities", [])}
            assert kinds <= BOT_ENTITIES, (kinds, message["text"])
            for entity in message.get("entities", []):
                if entity["type"] == "text_link":  # only the bot's own links: citations
                    assert entity["url"].startswith(("http://127.0.0.1", "https://")), entity
        listing = fake_api.bot_messages(asker.chat)[-1]["text"]
        assert INJECTION in listing and FILE_INJECTION in listing, listing  # titles verbatim
        assert listing.count('<a href="tg://user?id=1">') == 2, listing  # the page's title too


def html_escape_for_page(text: str) -> str:
    """The injection as the page's title text: the page shows it literally, as any site would."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- secrets in logs ----------------------------------------------------------------------------------------
# The real ``python -m bot`` with one handler that fails, its error carrying the token and the secret
# (as an exception from an HTTP layer might carry a URL), so the logging set up by bot.__main__ is tested.
FAILING_BOT = """
import os, runpy, sys
import bot.questions as questions
answer = questions.private_message
async def private_message(update, context):
    if update.effective_message.text == "fail please":
        raise RuntimeError(
            f"could not POST {context.bot.base_url}/sendMessage (token {context.bot.token}, file URL "
            f"{context.bot.base_file_url.replace(':', '%3A')}, secret {os.environ.get('WEBHOOK_SECRET')})"
        )
    await answer(update, context)
questions.private_message = private_message
sys.argv = ["bot"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_the_token_and_the_secret_never_appear_in_logs_errors_or_replies(tmp_path, fake_api, mode):
    secret = "WebhookSecret_Do-Not-Log_0123456789"
    extra = {"LOG_LEVEL": "DEBUG", "TELEGRAM_REQUEST_TIMEOUT": "1"}
    if mode == "webhook":
        port = free_port()
        extra.update(
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
            WEBHOOK_SECRET=secret,
            LISTEN="127.0.0.1",
            PORT=str(port),
        )
    bot = BotProcess(process_env(fake_api, tmp_path, **extra), tmp_path / "bot.log", FAILING_BOT)
    alice, group_member = cast(fake_api, 1, 1, first_id=9300)
    fake_api.faults.once("sendMessage", "error_500")
    fake_api.faults.once("sendMessage", "error_502")
    fake_api.faults.once("sendMessage", "timeout", hold_seconds=1.5)
    fake_api.faults.once("sendMessage", "too_many_requests", retry_after=1)
    bot.start()
    try:
        if mode == "webhook":
            fake_api.wait_until(lambda: [c for c in fake_api.calls("setWebhook") if c.ok], timeout=30)
        answer = alice.ask(fake_api, "how many reservists?")
        [reply] = fake_api.wait_until_bot_replies(alice.chat, after=answer, timeout=30)
        fake_api.forge_button_press(reply, alice.user, "p:99999")  # a bad callback
        fake_api.forge_button_press(reply, alice.user, "not ours")
        failing = alice.ask(fake_api, "fail please")
        [apology] = fake_api.wait_until_bot_replies(alice.chat, after=failing, timeout=30)
        attempt = fake_api.send_text(group_member.chat, group_member.user, "/remove 1")  # no admin
        fake_api.wait_until_bot_replies(group_member.chat, after=attempt, timeout=30)
        if mode == "webhook":
            forged = {"update_id": 10**6, "message": {**answer, "text": "fail please"}}
            assert fake_api.post_to_webhook(forged, "wrong-secret") == 403
            assert fake_api.post_to_webhook(forged, None) == 403
        fake_api.wait_until(lambda: len(fake_api.calls("answerCallbackQuery")) == 2, timeout=30)
    finally:
        bot.stop()
    logs = bot.output()
    assert APOLOGY in apology["text"]
    assert "Exception while handling an update" in logs and "[REDACTED]" in logs  # the errors were logged
    assert "sendMessage failed" in logs or "retrying" in logs
    token_secret = fake_api.token.split(":", 1)[1]
    for leak in (fake_api.token, token_secret, secret):
        assert leak not in logs, f"{leak[:6]}… in the logs"
    # Nothing the bot sent carries them; the webhook secret goes once to where it belongs.
    sent = {
        (c.method, leak)
        for c in fake_api.calls()
        for leak in (token_secret, secret)
        if leak in json.dumps(c.params)
    }
    assert sent == ({("setWebhook", secret)} if mode == "webhook" else set()), sent
