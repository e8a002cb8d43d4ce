"""Hostile updates: hypothesis plays update shapes of every kind at the real bot's handlers.

Shapes: messages with and without text, captions, entities, stickers, photos, documents without a
caption, service messages (members joining and leaving, pins, group creation), edited messages,
channel posts and their edits, callback queries with random data (on real answers, on
inaccessible and inline messages), inline queries (empty, huge), chosen inline results, member
updates; texts with zero-width joiners, right-to-left marks, emoji, 5,000 characters or none.

Properties, for every update: no exception reaches the error handler (nothing is logged at
ERROR), every request the bot makes to answer is accepted by the fake Bot API (which checks
Telegram's HTML, lengths and entities), the bot writes only to the chat the update came from,
and every text question in a private chat gets a reply (thanks get a 👍 reaction) — the rest
(stickers, service messages, channel posts, unknown commands, chatter in groups, "lol", an edit
into "thanks") get a deliberate silence.

One bot serves all examples: it runs on its own event loop in a thread, so that hypothesis'
(synchronous) tests can hand it updates. The fast test calls ``application.process_update``
directly; a smaller sample goes end to end through the fake's getUpdates and the bot's
at-least-once delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot import questions
from bot.app import build_application, post_init, post_shutdown
from bot.smalltalk import SmallTalk, small_talk
from tests.botharness import running_bot, settings_for
from tests.fakebotapi import FakeBotAPI, detect_entities

DIRECT_EXAMPLES = 1000
END_TO_END_EXAMPLES = 100
# Sending limits lifted: these tests are about shapes, not pacing.
UNLIMITED = {"messages_per_second": 100_000, "group_messages_per_minute": 100_000}
SENDS = (
    "sendMessage",
    "editMessageText",
    "answerCallbackQuery",
    "answerInlineQuery",
    "sendChatAction",
    "setMessageReaction",
)
BOT_USERNAME = "ArticleQABot"
BOT_ID = 123456789  # the fake's bot: the token's number

# --- the cast -----------------------------------------------------------------------------------------------
USERS = [
    {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice", "language_code": "en"},
    {"id": 1002, "is_bot": False, "first_name": "\u202eecilA", "language_code": "he"},
    {"id": 1003, "is_bot": False, "first_name": "👩‍👩‍👧 <b>&amp;"},
    {"id": 1004, "is_bot": True, "first_name": "OtherBot", "username": "other_bot"},
]
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Article QA", "username": BOT_USERNAME}
PRIVATE_CHATS = [{"id": u["id"], "type": "private", "first_name": u["first_name"]} for u in USERS[:3]]
GROUPS = [
    {"id": -4000000001, "type": "group", "title": "Group <i>"},
    {"id": -1001000000001, "type": "supergroup", "title": "Forum", "is_forum": True},
]
CHANNEL = {"id": -1001000000099, "type": "channel", "title": "News"}

# --- texts --------------------------------------------------------------------------------------------------
PIECES = [
    "", " ", "\n", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202e", "\u2066", "\u2069", "\ufeff",
    "👩‍👩‍👧", "🇺🇦", "e\u0301", "שלום", "مرحبا", "Київ", "東京", "<b>", "</b>", "&", "&amp;", "<a href='x'>",
    "*", "_", "`", "[x](http://e.x)", "@ArticleQABot", "@alice", "#tag", "$USD", "http://example.com",
    "how many reservists?", "who is Andriy Yusov?", "and Kherson?", "what did he say?", "300,000",
]  # fmt: skip
COMMANDS = [
    "/start", "/help", "/reset", "/sources", "/ask", "/ask how many reservists?", "/ask \u200b",
    "/ask@ArticleQABot who is Andriy Yusov?", "/help@other_bot", "/remove", "/remove 1", "/remove 0",
    "/remove -1", "/remove 99999999999999999999", "/remove ²", "/default", "/default off", "/default on",
    "/add", "/add The Quux Mill\n\nThe quux mill ground 77 sacks of grain, the miller said.", "/unknown",
    "/START", "/ask " + "long question " * 400,
]  # fmt: skip
HOSTILE = [
    "\u200b",
    "\u200d",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "👩‍👩‍👧",
    "e\u0301",
    "<b>",
    "&",
    "*",
    "`",
]
QUESTIONS = ["how many reservists?", "who is Andriy Yusov?", "and Kherson?", "what did he say?"]
decorated = st.lists(st.sampled_from(HOSTILE), max_size=3).map("".join)
texts = st.one_of(
    st.sampled_from(PIECES),
    st.text(max_size=40),
    st.lists(st.sampled_from(PIECES), max_size=8).map(" ".join),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join),
    st.tuples(decorated, st.sampled_from(QUESTIONS), decorated).map("".join),  # a question, disguised
    st.tuples(st.sampled_from(PIECES[1:]), st.integers(1, 5000)).map(lambda t: (t[0] * t[1])[:5000]),
    st.tuples(st.sampled_from(COMMANDS), st.sampled_from(PIECES)).map(" ".join),
    st.sampled_from(COMMANDS),
)


def with_entities(text: str, key: str = "text") -> dict:
    """Text as Telegram delivers it: with the entities it detects (commands, mentions, links)."""
    if not text:
        return {}
    fields: dict = {key: text}
    if entities := detect_entities(text):
        fields["entities" if key == "text" else "caption_entities"] = entities
    return fields


# --- messages -----------------------------------------------------------------------------------------------
FILE = {"file_id": "AgADfakefile", "file_unique_id": "AgADfake"}
text_contents = texts.map(with_entities)
contents = st.one_of(
    text_contents,  # most messages are text: three times as likely as each other shape
    text_contents,
    text_contents,
    st.tuples(st.sampled_from([FILE | {"width": 90, "height": 90}]), texts).map(
        lambda t: {"photo": [t[0]], **with_entities(t[1], "caption")}
    ),
    st.just(
        {
            "sticker": FILE
            | {"width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"}
        }
    ),
    st.sampled_from(["a.pdf", "notes.txt", "<b>.md", "", "x" * 300]).map(
        lambda name: {"document": FILE | ({"file_name": name} if name else {})}
    ),
    st.just({"document": FILE | {"file_name": "a.txt", "file_size": 10**9}, "caption": "/add"}),
    st.sampled_from([*USERS, BOT_USER]).map(lambda u: {"new_chat_members": [u]}),
    st.sampled_from([*USERS, BOT_USER]).map(lambda u: {"left_chat_member": u}),
    st.just({"group_chat_created": True}),
    st.just({"new_chat_title": "<b>renamed</b>"}),
    st.just({"dice": {"emoji": "🎲", "value": 3}}),
    st.just({"location": {"latitude": 50.45, "longitude": 30.52}}),
)


@st.composite
def messages(draw: st.DrawFn, chats: st.SearchStrategy[dict]) -> dict:
    """A Message template; the test gives it its message_id."""
    chat = draw(chats)
    message: dict = {"date": 1_700_000_000, "chat": chat, **draw(contents)}
    if chat["type"] == "channel":
        message["sender_chat"] = chat
    elif draw(st.booleans()) or chat["type"] == "private":
        message["from"] = (
            next(u for u in USERS if u["id"] == chat["id"])
            if chat["type"] == "private"
            else draw(st.sampled_from(USERS))
        )
    else:
        message["sender_chat"] = draw(st.sampled_from([chat, CHANNEL]))  # anonymous admin, linked channel
    if chat.get("is_forum") and draw(st.booleans()):
        message.update(message_thread_id=7, is_topic_message=True)
    if draw(st.integers(0, 4)) == 0:  # a reply to one of the bot's messages
        message["reply_to_message"] = {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": chat,
            "from": BOT_USER,
            "text": "an answer",
        }
    if draw(st.integers(0, 9)) == 0:
        message["forward_origin"] = {"type": "hidden_user", "sender_user_name": "<i>Anon</i>", "date": 1}
    return message


any_chat = st.sampled_from(PRIVATE_CHATS + GROUPS)
callback_data = st.one_of(
    st.sampled_from(["p:0", "p:1", "c:0", "c:1", "p:9", "p:99", "c:99", "x:0", "p:", ":", "p:01", "p:-1"]),
    st.text(max_size=64),
)


@st.composite
def updates(draw: st.DrawFn) -> dict:
    """An update template: {kind: payload}; message ids and query ids are filled in by the test."""
    kind = draw(
        st.sampled_from(
            ["message"] * 6
            + ["edited_message"] * 2
            + ["channel_post", "edited_channel_post", "callback_query", "callback_query", "inline_query"]
            + ["chosen_inline_result", "my_chat_member"]
        )
    )
    if kind in ("message", "edited_message"):
        message = draw(messages(any_chat))
        if kind == "edited_message":
            message["edit_date"] = 1_700_000_100
        return {kind: message}
    if kind in ("channel_post", "edited_channel_post"):
        return {kind: draw(messages(st.just(CHANNEL)))}
    user = draw(st.sampled_from(USERS))
    if kind == "callback_query":
        on = draw(st.sampled_from(["answer", "inaccessible", "inline", "none"]))
        query = {"from": user, "chat_instance": "-42", "data": draw(callback_data), "on": on}
        query["chat"] = draw(any_chat)
        return {kind: query}
    if kind == "inline_query":
        text = draw(st.one_of(texts, st.just(""), st.just("how many reservists? " * 250)))
        return {kind: {"from": user, "query": text, "offset": "", "chat_type": "sender"}}
    if kind == "chosen_inline_result":
        return {kind: {"result_id": "0", "from": user, "query": draw(texts)}}
    chat = draw(st.sampled_from(GROUPS + PRIVATE_CHATS))
    old, new = draw(st.sampled_from([("member", "left"), ("left", "member"), ("member", "kicked")]))
    member = {"user": BOT_USER, "status": new} | ({"until_date": 0} if new == "kicked" else {})
    return {
        kind: {
            "chat": chat,
            "from": user,
            "date": 1_700_000_000,
            "old_chat_member": {"user": BOT_USER, "status": old},
            "new_chat_member": member,
        }
    }


# --- the bot on its own loop --------------------------------------------------------------------------------
class ErrorLog(logging.Handler):
    """Every record at ERROR or above, from any logger (the error handler logs there)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BotThread:
    """The real bot (bot.app) on an event loop in a thread: hypothesis' tests are synchronous."""

    def __init__(self, fake: FakeBotAPI, data_dir: Path, polling: bool):
        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="bot-loop", daemon=True)
        self._thread.start()
        self._handled: set[int] = set()
        self._changed = threading.Condition()
        self._stop: asyncio.Event | None = None
        self._serving: asyncio.Future | None = None
        self.errors = ErrorLog()
        self.application = self.call(self._poll(data_dir) if polling else self._direct(data_dir))

    def call(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _direct(self, data_dir: Path):
        application = build_application(settings_for(self.fake, data_dir, **UNLIMITED))
        await application.initialize()
        await post_init(application)
        return application

    async def _poll(self, data_dir: Path):
        started: asyncio.Future = self.loop.create_future()
        self._stop = asyncio.Event()
        self._serving = asyncio.ensure_future(self._serve(data_dir, started))
        return await started

    async def _serve(self, data_dir: Path, started: asyncio.Future) -> None:
        async with running_bot(self.fake, data_dir, **UNLIMITED) as application:
            handle = application.process_update

            async def process_update(update: object) -> None:  # Delivery calls it: note when done
                try:
                    await handle(update)
                    await application.bot_data["services"].ingest.join()  # an /add goes on after it
                finally:
                    with self._changed:
                        self._handled.add(update.update_id)  # type: ignore[attr-defined]
                        self._changed.notify_all()

            application.process_update = process_update
            started.set_result(application)
            assert self._stop is not None
            await self._stop.wait()

    def process(self, update: dict) -> None:
        """Handle one update right here (no polling), as Delivery would."""
        self.call(self._process(Update.de_json(update, self.application.bot)))

    async def _process(self, update: Update) -> None:
        await self.application.process_update(update)
        await self.application.bot_data["services"].ingest.join()  # an /add goes on in the background

    def wait_handled(self, update_id: int, timeout: float = 30) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: update_id in self._handled, timeout), f"update {update_id}"

    def close(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
            self.call(self._wait_served())
        else:
            self.call(self._shut_down())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    async def _wait_served(self) -> None:
        assert self._serving is not None
        await self._serving

    async def _shut_down(self) -> None:
        await post_shutdown(self.application)
        await self.application.shutdown()


@contextlib.contextmanager
def bot_thread(tmp_path_factory: pytest.TempPathFactory, polling: bool) -> Iterator[BotThread]:
    with FakeBotAPI() as fake:
        bot = BotThread(fake, tmp_path_factory.mktemp("fuzz"), polling)
        logging.getLogger().addHandler(bot.errors)
        try:
            yield bot
        finally:
            logging.getLogger().removeHandler(bot.errors)
            bot.close()


@pytest.fixture(scope="module")
def direct_bot(tmp_path_factory):
    with bot_thread(tmp_path_factory, polling=False) as bot:
        yield bot


@pytest.fixture(scope="module")
def polling_bot(tmp_path_factory):
    with bot_thread(tmp_path_factory, polling=True) as bot:
        yield bot


# --- one example --------------------------------------------------------------------------------------------
_ids = itertools.count(10_000)
cases = {"direct": 0, "end to end": 0}
_asked: dict[int, int] = {}  # chat id -> id of the last message sent there by a user


def materialise(fake: FakeBotAPI, template: dict) -> dict:
    """The update for a template: fresh ids; edits and button presses land on real messages."""
    kind, payload = next(iter(template.items()))
    payload = dict(payload)
    if kind in ("message", "channel_post"):
        payload["message_id"] = _asked[payload["chat"]["id"]] = next(_ids)
    elif kind in ("edited_message", "edited_channel_post"):
        # Mostly an edit of the chat's latest message, often a question the bot answered (so
        # that its answer is edited in turn), else of a message it never saw.
        earlier = _asked.get(payload["chat"]["id"])
        payload["message_id"] = earlier if earlier and next(_ids) % 3 else next(_ids)
    elif kind == "callback_query":
        payload = callback(fake, payload)
    elif kind == "inline_query":
        payload["id"] = str(next(_ids))
    return {"update_id": next(_ids), kind: payload}


def callback(fake: FakeBotAPI, template: dict) -> dict:
    on, chat = template.pop("on"), template.pop("chat")
    query = {**template, "id": str(next(_ids))}
    answers = (
        [m for m in fake.bot_messages(chat) if m.get("reply_markup")] if chat["id"] in fake.chats else []
    )
    if on == "answer" and answers:
        query["message"] = answers[-1]
    elif on == "inaccessible":
        query["message"] = {"chat": chat, "message_id": next(_ids), "date": 0}
    elif on == "inline":
        query["inline_message_id"] = "AgAAAfake"
    else:
        query["message"] = {"chat": chat, "message_id": next(_ids), "date": 1_700_000_000, "text": "?"}
    return query


def check(bot: BotThread, update: dict, first_call: int, errors_before: int) -> None:
    """The properties of the module doc, for the calls the bot made while handling ``update``."""
    fake = bot.fake
    errors = bot.errors.records[errors_before:]
    assert not errors, [f"{r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in errors]
    calls = [c for c in fake.calls(start=first_call) if c.method in SENDS]
    refused = [
        c for c in calls if not c.ok and "not modified" not in str((c.response or {}).get("description"))
    ]
    assert not refused, [c.summary() for c in refused]
    kind, payload = next((k, v) for k, v in update.items() if k != "update_id")
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    written = {c.params.get("chat_id") for c in calls if c.method in ("sendMessage", "editMessageText")}
    assert written <= ({chat["id"]} if chat else set()), (written, kind)
    if (
        kind in ("message", "edited_message")
        and chat["type"] == "private"
        and is_question(payload.get("text"))
    ):
        talk = small_talk(payload["text"].strip()[: questions.MAX_QUESTION_CHARS])
        if talk is not None and kind == "edited_message":
            return  # an edit into "thanks" or "hi" leaves the answer as it was
        if talk is SmallTalk.THANKS:
            assert any(c.method == "setMessageReaction" for c in calls), f"no reaction to {payload['text']!r}"
            return
        if talk is SmallTalk.REACTION:
            assert not [c for c in calls if c.method == "sendMessage"], f"a reply to {payload['text']!r}"
            return
        replied = [
            c
            for c in calls
            if c.method in ("sendMessage", "editMessageText") and c.params["chat_id"] == chat["id"]
        ]
        assert replied, f"no reply to {payload.get('text')!r}"


def is_question(text: str | None) -> bool:
    """In a private chat every text is a question, except commands and blank text."""
    return bool(text) and not text.startswith("/") and bool(text.strip())


# --- the tests ----------------------------------------------------------------------------------------------
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


@settings(FUZZ, max_examples=DIRECT_EXAMPLES)
@given(template=updates())
def test_any_update_shape_gets_a_reply_or_a_deliberate_silence(direct_bot, template):
    fake = direct_bot.fake
    update = fake.raw_update(materialise(fake, template))  # stored, so that replies can quote it
    first_call, errors_before = fake.call_count(), len(direct_bot.errors.records)
    direct_bot.process(update)
    cases["direct"] += 1
    check(direct_bot, update, first_call, errors_before)


@settings(FUZZ, max_examples=END_TO_END_EXAMPLES)
@given(template=updates())
def test_any_update_shape_end_to_end_through_getupdates(polling_bot, template):
    fake = polling_bot.fake
    first_call, errors_before = fake.call_count(), len(polling_bot.errors.records)
    update = fake.raw_update(materialise(fake, template))
    polling_bot.wait_handled(update["update_id"])
    cases["end to end"] += 1
    check(polling_bot, update, first_call, errors_before)


def test_zz_report_fuzz_case_counts():
    """Runs last in this module: how many updates the fuzz tests fed the bot."""
    if not any(cases.values()):
        pytest.skip("the fuzz tests did not run in this session")
    print(f"\nfuzz cases: {cases['direct']} direct (process_update), {cases['end to end']} end to end")
