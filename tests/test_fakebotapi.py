"""Tests of the fake Telegram Bot API itself (tests/fakebotapi), including real PTB runs against it."""

from __future__ import annotations

import asyncio
import html
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Conflict, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from tests.fakebotapi import EntityParseError, FakeBotAPI, Faults, parse_html, utf16_len
from tests.fakebotapi.ptb import builder_for, polling
from tests.fakebotapi.wire import UploadedFile, decode_params


def api(server: FakeBotAPI, method: str, **params: object) -> httpx.Response:
    """Call the fake like PTB does: form-encoded, non-string values JSON-encoded."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return httpx.post(f"{server.base_url}{server.token}/{method}", data=data)


def e(type_: str, offset: int, length: int, **extra: object) -> dict:
    return {"offset": offset, "length": length, "type": type_, **extra}


# -- the HTML parser ----------------------------------------------------------------------------------

PARSED = [
    ("plain", "hello", "hello", []),
    ("nesting", "<b>bold <i>both</i></b> end", "bold both end", [e("bold", 0, 9), e("italic", 5, 4)]),
    (
        "aliases",
        "<strong>a</strong><em>b</em><ins>c</ins><strike>d</strike><del>e</del><s>f</s><u>g</u>",
        "abcdefg",
        [
            e("bold", 0, 1),
            e("italic", 1, 1),
            e("underline", 2, 1),
            e("strikethrough", 3, 1),
            e("strikethrough", 4, 1),
            e("strikethrough", 5, 1),
            e("underline", 6, 1),
        ],
    ),
    ("emoji before", "😀 <b>x</b>", "😀 x", [e("bold", 3, 1)]),
    ("emoji inside", "<i>a😀b</i>", "a😀b", [e("italic", 0, 4)]),
    ("bmp non-ascii", "é <b>ü</b>", "é ü", [e("bold", 2, 1)]),
    ("char refs", "&lt;a&gt; &amp; &quot;q&quot; &#65;&#x42;", '<a> & "q" AB', []),
    ("bare gt is text", "a > b", "a > b", []),
    ("upper-case tags", "<B>x</B>", "x", [e("bold", 0, 1)]),
    ("spoiler tag", "<tg-spoiler>s</tg-spoiler>", "s", [e("spoiler", 0, 1)]),
    ("spoiler span", '<span class="tg-spoiler">s</span>', "s", [e("spoiler", 0, 1)]),
    ("spoiler unquoted", "<span class=tg-spoiler>s</span>", "s", [e("spoiler", 0, 1)]),
    (
        "link",
        "<a href='https://x.org/?a=1&amp;b=2'>x</a>",
        "x",
        [e("text_link", 0, 1, url="https://x.org/?a=1&b=2")],
    ),
    ("link without scheme", '<a href="x.org">x</a>', "x", [e("text_link", 0, 1, url="http://x.org")]),
    ("link without href", "<a>x.org</a>", "x.org", [e("text_link", 0, 5, url="http://x.org")]),
    ("code", "run <code>ls -l</code>", "run ls -l", [e("code", 4, 5)]),
    ("pre", "<pre>x = 1</pre>", "x = 1", [e("pre", 0, 5)]),
    (
        "pre language",
        '<pre><code class="language-python">x = 1</code></pre>',
        "x = 1",
        [e("pre", 0, 5, language="python")],
    ),
    ("nothing nests in code", "<code><b>x</b>y</code>", "xy", [e("code", 0, 2)]),
    ("blockquote", "<blockquote>q</blockquote>", "q", [e("blockquote", 0, 1)]),
    ("expandable", "<blockquote expandable>q</blockquote>", "q", [e("expandable_blockquote", 0, 1)]),
    (
        "custom emoji",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "👍",
        [e("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
    ),
    ("stripped", "  <b> hi </b> \n", "hi", [e("bold", 0, 2)]),
    ("empty entity dropped", "<b></b>x", "x", []),
    ("end tag without name", "<b>x</>", "x", [e("bold", 0, 1)]),
]


@pytest.mark.parametrize(("source", "text", "entities"), [p[1:] for p in PARSED], ids=[p[0] for p in PARSED])
def test_parse_html(source: str, text: str, entities: list[dict]) -> None:
    assert parse_html(source) == (text, entities)


REJECTED = [
    ("unknown tag", "<br>", 'Unsupported start tag "br" at byte offset 0'),
    ("bare lt", "a < b", 'Unsupported start tag "" at byte offset 2'),
    ("utf-8 byte offsets", "é😀<x>", 'Unsupported start tag "x" at byte offset 6'),
    ("unclosed tag", "<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("mismatched", "<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("crossed", "<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("unexpected end tag", "x</b>", "Unexpected end tag at byte offset 1"),
    ("unclosed start tag", "x <b", "Unclosed start tag at byte offset 2"),
    ("unclosed end tag", "<b>x</b", "Unclosed end tag at byte offset 4"),
    ("bare ampersand", "AT&T", 'Character "&" must be escaped as "&amp;" at byte offset 2'),
    ("unknown named entity", "a&nbsp;b", 'Character "&" must be escaped'),
    (
        "attribute not taken",
        '<b class="x">y</b>',
        'Unsupported attribute "class" in the tag "b" at byte offset 0',
    ),
    ("span without spoiler", '<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    (
        "href without value",
        "<a href>x</a>",
        'Expected equal sign in declaration of an attribute of the tag "a"',
    ),
    ("unterminated quote", '<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
    ("bad emoji id", '<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
]


@pytest.mark.parametrize(("source", "message"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_parse_html_rejects(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert message in str(caught.value)


def test_utf16_len() -> None:
    assert [utf16_len(s) for s in ("", "abc", "é", "😀", "👍🏽")] == [0, 3, 1, 2, 4]


@settings(max_examples=60, deadline=None)
@given(st.text(), st.text(min_size=1).filter(lambda t: t.strip() == t))
def test_escaped_text_round_trips(prefix: str, bold: str) -> None:
    text, entities = parse_html(f"{html.escape(prefix)}<b>{html.escape(bold)}</b>")
    assert text == (prefix + bold).strip()
    assert entities == [e("bold", utf16_len(text) - utf16_len(bold), utf16_len(bold))]


# -- request decoding ---------------------------------------------------------------------------------


def test_decode_params_form_json_and_multipart() -> None:
    form = b"chat_id=42&text=42&disable_notification=true&reply_markup=%7B%22a%22%3A+1%7D&chat=%40chan"
    assert decode_params("application/x-www-form-urlencoded", form) == {
        "chat_id": 42,
        "text": "42",
        "disable_notification": True,
        "reply_markup": {"a": 1},
        "chat": "@chan",
    }
    body = json.dumps({"chat_id": 1, "reply_parameters": '{"message_id": 3}'}).encode()
    assert decode_params("application/json", body) == {"chat_id": 1, "reply_parameters": {"message_id": 3}}
    request = httpx.Request(
        "POST",
        "http://x/",
        data={"chat_id": "7", "caption": "hi"},
        files={"document": ("a.txt", b"abc", "text/plain")},
    )
    params = decode_params(request.headers["Content-Type"], request.read())
    assert params == {"chat_id": 7, "caption": "hi", "document": UploadedFile("a.txt", "text/plain", b"abc")}


# -- the HTTP API -------------------------------------------------------------------------------------


def test_tokens_and_unknown_methods(fake_api: FakeBotAPI) -> None:
    assert api(fake_api, "getMe").json()["result"]["username"] == "ArticleQABot"
    wrong = httpx.post(f"{fake_api.base_url}123:wrong/getMe")
    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")
    assert httpx.post(f"{fake_api.base_url}not-a-token/getMe").status_code == 404
    unknown = api(fake_api, "sendTelepathy")
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert api(fake_api, "getme").json()["ok"]  # method names are case-insensitive


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"text": "<b> </b>", "parse_mode": "HTML"}, "Bad Request: message text is empty"),
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "<b>x" * 3, "parse_mode": "HTML"}, "Bad Request: can't parse entities: Can't find end tag"),
        ({"text": "<i>x</i> " * 101, "parse_mode": "HTML"}, "Bad Request: too many entities"),
        ({"text": "x", "parse_mode": "MarkdownV2"}, "Bad Request: unsupported parse_mode"),
        (
            {"text": "x", "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]}},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"text": "x", "reply_parameters": {"message_id": 999}},
            "Bad Request: message to be replied not found",
        ),
        ({"text": "x", "chat_id": 31337}, "Bad Request: chat not found"),
    ],
)
def test_send_message_rejections(fake_api: FakeBotAPI, params: dict, description: str) -> None:
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    answer = api(fake_api, "sendMessage", **{"chat_id": chat["id"], **params})
    assert answer.status_code == 400
    assert answer.json()["description"].startswith(description)
    assert fake_api.bot_messages(chat) == []


def test_send_and_edit_message(fake_api: FakeBotAPI) -> None:
    alice = fake_api.user(1, "Alice")
    group = fake_api.group_chat("Readers")
    question = fake_api.send_text(group, alice, "what about /ask@ArticleQABot?")
    keyboard = {"inline_keyboard": [[{"text": "More", "callback_data": "m" * 64}]]}
    sent = api(
        fake_api,
        "sendMessage",
        chat_id=group["id"],
        text="x" * 4096,
        reply_markup=keyboard,
        reply_parameters={"message_id": question["message_id"]},
    ).json()["result"]
    assert sent["message_id"] == question["message_id"] + 1
    assert sent["from"]["is_bot"] and sent["chat"]["title"] == "Readers"
    assert sent["reply_to_message"]["text"] == question["text"]
    assert sent["reply_markup"] == keyboard

    edit = {
        "chat_id": group["id"],
        "message_id": sent["message_id"],
        "text": "<b>short</b>",
        "parse_mode": "HTML",
    }
    edited = api(fake_api, "editMessageText", **edit, reply_markup=keyboard).json()["result"]
    assert (edited["text"], edited["entities"], "edit_date" in edited) == ("short", [e("bold", 0, 5)], True)
    again = api(fake_api, "editMessageText", **edit, reply_markup=keyboard).json()
    assert again["description"].startswith("Bad Request: message is not modified")
    api(fake_api, "editMessageText", **edit)  # without reply_markup the keyboard goes, as on Telegram
    assert "reply_markup" not in fake_api.last_bot_message(group)
    assert api(fake_api, "deleteMessage", chat_id=group["id"], message_id=sent["message_id"]).json()["ok"]
    assert fake_api.bot_messages(group) == []


def test_user_messages_get_entities(fake_api: FakeBotAPI) -> None:
    alice = fake_api.user(1, "Alice", "alice")
    chat = fake_api.private_chat(alice)
    message = fake_api.send_text(chat, alice, "/ask@ArticleQABot 😀 @someone see https://example.org/a.")
    assert message["entities"] == [
        e("bot_command", 0, 17),
        e("mention", 21, 8),
        e("url", 34, 21),
    ]
    edited = fake_api.edit_text(message, "/help")
    assert edited["entities"] == [e("bot_command", 0, 5)] and "edit_date" in edited
    assert [next(k for k in u if k != "update_id") for u in fake_api.updates] == ["message", "edited_message"]


def test_forum_topics_as_telegram_threads_them(fake_api: FakeBotAPI) -> None:
    alice = fake_api.user(1, "Alice")
    forum = fake_api.forum_chat("Readers' forum")
    assert forum["is_forum"] is True
    topic = fake_api.create_topic(forum, alice, "Ukraine")
    assert topic["message_thread_id"] == topic["message_id"] and topic["is_topic_message"]
    assert topic["forum_topic_created"]["name"] == "Ukraine"
    question = fake_api.send_text(forum, alice, "hello", topic=topic)
    assert (question["message_thread_id"], question["is_topic_message"]) == (topic["message_id"], True)
    assert question["reply_to_message"]["message_id"] == topic["message_id"], "as on Telegram"
    general = fake_api.send_text(forum, alice, "hi all")
    assert "message_thread_id" not in general and "reply_to_message" not in general

    sent = api(
        fake_api, "sendMessage", chat_id=forum["id"], text="hi", message_thread_id=topic["message_id"]
    ).json()["result"]
    assert sent["message_thread_id"] == topic["message_id"] and sent["is_topic_message"]
    reply = fake_api.send_text(forum, alice, "thanks", reply_to=sent)
    assert reply["message_thread_id"] == topic["message_id"], "a reply stays in the topic"
    answer = api(fake_api, "sendMessage", chat_id=forum["id"], text="ok", reply_parameters={"message_id": 5})
    assert answer.json()["result"]["message_thread_id"] == topic["message_id"]

    group = fake_api.group_chat("Plain group")
    for method, params in (("sendMessage", {"text": "x"}), ("sendChatAction", {"action": "typing"})):
        refused = api(fake_api, method, chat_id=group["id"], message_thread_id=7, **params).json()
        assert refused["description"] == "Bad Request: message thread not found", method


def test_raw_updates_are_stored_so_the_bot_can_reply(fake_api: FakeBotAPI) -> None:
    channel = {"id": -1009, "type": "channel", "title": "News"}
    post = {"message_id": 41, "date": 0, "chat": channel, "sender_chat": channel, "text": "Breaking"}
    update = fake_api.raw_update({"channel_post": post})
    assert update["update_id"] == 1000 and update["channel_post"] == post
    sticker = fake_api.raw_update({"update_id": 2000, "message": {**post, "message_id": 42, "sticker": {}}})
    reply = api(fake_api, "sendMessage", chat_id=-1009, text="Noted", reply_parameters={"message_id": 42})
    assert reply.json()["result"]["message_id"] == 43
    assert reply.json()["result"]["reply_to_message"] == sticker["message"]
    assert [u["update_id"] for u in fake_api.updates] == [1000, 2000]
    assert fake_api.last_bot_message(channel)["text"] == "Noted"


def test_get_updates_long_polls_and_confirms(fake_api: FakeBotAPI) -> None:
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    threading.Timer(0.2, fake_api.send_text, (chat, alice, "late")).start()
    started = time.monotonic()
    first = api(fake_api, "getUpdates", timeout=5).json()["result"]
    assert 0.15 < time.monotonic() - started < 2  # woken by the update, not by the timeout
    assert first[0]["message"]["text"] == "late"
    assert api(fake_api, "getUpdates", timeout=0).json()["result"] == first  # not confirmed yet
    assert api(fake_api, "getUpdates", offset=first[0]["update_id"] + 1, timeout=0).json()["result"] == []
    assert fake_api.pending_updates() == []


def test_second_poller_and_webhook_conflict(fake_api: FakeBotAPI) -> None:
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(api, fake_api, "getUpdates", timeout=5)
        fake_api.wait_until(lambda: fake_api.in_flight("getUpdates"), timeout=2)
        assert api(fake_api, "getUpdates", timeout=0).json()["result"] == []
        assert first.result().json()["description"].startswith("Conflict: terminated by other getUpdates")
    alice = fake_api.user(1, "Alice")
    fake_api.send_text(fake_api.private_chat(alice), alice, "dropped")
    assert api(fake_api, "setWebhook", url="http://127.0.0.1:9/hook").json()["ok"]
    assert api(fake_api, "getUpdates").status_code == 409
    assert api(fake_api, "deleteWebhook", drop_pending_updates=True).json()["ok"]
    assert fake_api.pending_updates() == [] and api(fake_api, "getUpdates").json()["result"] == []


def test_inline_queries_and_inline_messages(fake_api: FakeBotAPI) -> None:
    alice = fake_api.user(1, "Alice")
    query = fake_api.inline_query(alice, "climate")
    keyboard = {"inline_keyboard": [[{"text": "Why?", "callback_data": "why"}]]}
    result = {
        "type": "article",
        "id": "a1",
        "title": "Climate",
        "input_message_content": {"message_text": "<b>Climate</b> article", "parse_mode": "HTML"},
        "reply_markup": keyboard,
    }
    assert api(fake_api, "answerInlineQuery", inline_query_id=query["id"], results=[result]).json()["ok"]
    again = api(fake_api, "answerInlineQuery", inline_query_id=query["id"], results=[]).json()
    assert again["description"].startswith("Bad Request: query is too old")
    posted = fake_api.choose_inline_result(query, "a1")
    assert (posted["text"], posted["entities"]) == ("Climate article", [e("bold", 0, 7)])
    press = fake_api.press_button(posted, alice, "why")
    assert press["inline_message_id"] == posted["inline_message_id"] and "message" not in press
    edit = {"inline_message_id": posted["inline_message_id"], "text": "Because", "reply_markup": keyboard}
    assert api(fake_api, "editMessageText", **edit).json()["result"] is True
    assert fake_api.inline_messages[posted["inline_message_id"]]["text"] == "Because"
    with pytest.raises(AssertionError, match="no button with callback_data 'nope'"):
        fake_api.press_button(posted, alice, "nope")


async def test_ptb_parses_chat_and_member_answers(fake_api: FakeBotAPI) -> None:
    alice, bob = fake_api.user(1, "Alice", "alice"), fake_api.user(2, "Bob")
    group = fake_api.group_chat("Readers")
    fake_api.set_admins(group, [bob, fake_api.bot_user], creator=alice)
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        chat = await bot.get_chat(group["id"])
        members = [await bot.get_chat_member(group["id"], user_id) for user_id in (1, 2, bot.id)]
        admins = await bot.get_chat_administrators(group["id"])
        scope = BotCommandScopeChat(group["id"])
        await bot.set_my_commands([BotCommand("ask", "Ask about the article")], scope=scope)
        commands = await bot.get_my_commands(scope=scope)
        await bot.delete_my_commands(scope=scope)
        assert await bot.send_chat_action(group["id"], ChatAction.TYPING)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.get_chat(12345)
    assert (chat.title, chat.type) == ("Readers", "supergroup")
    assert [m.status for m in members] == ["creator", "administrator", "administrator"]
    assert len(admins) == 3 and [c.command for c in commands] == ["ask"]
    assert fake_api.my_commands({"type": "chat", "chat_id": group["id"]}) == []
    assert fake_api.calls("setMyCommands")[0].params["scope"] == {"type": "chat", "chat_id": group["id"]}


def test_chat_members_and_commands(fake_api: FakeBotAPI) -> None:
    alice, bob = fake_api.user(1, "Alice"), fake_api.user(2, "Bob")
    group = fake_api.group_chat("Readers", type="group")
    fake_api.set_admins(group, [bob], creator=alice)
    statuses = [
        api(fake_api, "getChatMember", chat_id=group["id"], user_id=u["id"]).json()["result"]["status"]
        for u in (alice, bob, fake_api.bot_user)
    ]
    assert statuses == ["creator", "administrator", "member"]
    admins = api(fake_api, "getChatAdministrators", chat_id=group["id"]).json()["result"]
    assert sorted(a["user"]["id"] for a in admins) == [1, 2]
    scope = {"type": "chat_administrators", "chat_id": group["id"]}
    commands = [{"command": "reindex", "description": "Rebuild the index"}]
    assert api(fake_api, "setMyCommands", commands=commands, scope=scope).json()["ok"]
    assert fake_api.my_commands(scope) == commands and fake_api.my_commands() == []
    assert api(fake_api, "getMyCommands", scope=scope).json()["result"] == commands
    bad = api(fake_api, "setMyCommands", commands=[{"command": "Re-Index", "description": "x"}])
    assert bad.json()["description"] == "Bad Request: BOT_COMMAND_INVALID"


async def test_waiting_reports_recent_calls(fake_api: FakeBotAPI) -> None:
    api(fake_api, "getMe")
    with pytest.raises(AssertionError, match=r"(?s)timed out after 0.1s waiting for nothing.*getMe"):
        fake_api.wait_until(lambda: False, timeout=0.1, what="nothing")
    with pytest.raises(AssertionError, match=r"(?s)waiting for 1 bot message.*getMe\(\{\}\) -> 200"):
        await fake_api.wait_for_bot_reply(fake_api.private_chat(fake_api.user(1, "Alice")), timeout=0.1)


def test_many_requests_per_second(fake_api: FakeBotAPI) -> None:
    chat = fake_api.private_chat(fake_api.user(1, "Alice"))

    def burst(n: int) -> None:
        with httpx.Client() as client:  # keep-alive connection
            for i in range(n):
                client.post(
                    f"{fake_api.base_url}{fake_api.token}/sendMessage", data={"chat_id": "1", "text": f"{i}"}
                )

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(burst, [50] * 8))
    assert time.monotonic() - started < 5
    ids = [m["message_id"] for m in fake_api.bot_messages(chat)]
    assert ids == list(range(1, 401))


# -- faults -------------------------------------------------------------------------------------------


def test_faults_are_seeded_and_counted() -> None:
    def fates(seed: int) -> list:
        faults = Faults(seed)
        faults.set("*", error_500=0.2, drop=0.2)
        faults.set("getUpdates")  # exempt
        fates = [faults.decide("sendMessage") for _ in range(200)]
        assert faults.decide("getUpdates") is None
        assert faults.count() == sum(f is not None for f in fates)
        return [f and f.kind for f in fates]

    assert fates(7) == fates(7) != fates(8)
    assert 40 < sum(kind is not None for kind in fates(7)) < 120


async def test_failed_requests_do_not_store_unless_response_lost(fake_api: FakeBotAPI) -> None:
    chat = fake_api.private_chat(fake_api.user(1, "Alice"))
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        fake_api.faults.once("sendMessage", "error_500")
        fake_api.faults.once("sendMessage", "drop")
        fake_api.faults.once("sendMessage", "error_502")
        for _ in range(3):
            with pytest.raises(NetworkError):
                await bot.send_message(chat["id"], "lost")
        fake_api.faults.once("sendMessage", "timeout", hold_seconds=0.5)
        with pytest.raises(TimedOut):
            await bot.send_message(chat["id"], "lost", read_timeout=0.1)
        assert fake_api.bot_messages(chat) == []
        fake_api.faults.once("sendMessage", "drop", lost_response=True)
        with pytest.raises(NetworkError):
            await bot.send_message(chat["id"], "stored anyway")
        assert [m["text"] for m in fake_api.bot_messages(chat)] == ["stored anyway"]
        fake_api.faults.once("sendMessage", "slow", slow_seconds=0.2)
        started = time.monotonic()
        await bot.send_message(chat["id"], "slow but fine")
        assert time.monotonic() - started >= 0.2
    faults = [c.fault for c in fake_api.calls("sendMessage")]
    assert faults == ["error_500", "drop", "error_502", "timeout", "drop", "slow"]
    assert fake_api.faults.count(method="sendMessage") == 6


# -- a real PTB Application against the fake ----------------------------------------------------------


async def test_ptb_echo_bot_with_html(fake_api: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html(f"<b>You said:</b> <i>{update.message.text}</i> 👍", do_quote=True)

    app = builder_for(fake_api).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    alice = fake_api.user(1, "Alice", "alice")
    chat = fake_api.private_chat(alice)
    async with polling(app):
        hello = fake_api.send_text(chat, alice, "hello")
        reply = await fake_api.wait_for_bot_reply(chat)

    [call] = fake_api.calls("sendMessage")
    assert call.params["text"] == "<b>You said:</b> <i>hello</i> 👍"
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_parameters"]["message_id"] == hello["message_id"]
    assert reply["text"] == "You said: hello 👍"
    assert reply["entities"] == [e("bold", 0, 9), e("italic", 10, 5)]
    assert reply["reply_to_message"]["message_id"] == hello["message_id"]
    assert fake_api.pending_updates() == []  # PTB confirmed the update when it stopped


async def test_ptb_buttons_and_callback_queries(fake_api: FakeBotAPI) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Source", callback_data="src:1")]])
        await update.effective_chat.send_message("Answer", reply_markup=keyboard)  # type: ignore[union-attr]

    async def source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Opening source")
        await query.edit_message_text(f"Answer\n<i>from {query.data}</i>", parse_mode="HTML")

    app = builder_for(fake_api).build()
    app.add_handler(MessageHandler(filters.TEXT, ask))
    app.add_handler(CallbackQueryHandler(source))
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    async with polling(app):
        fake_api.send_text(chat, alice, "question")
        answer = await fake_api.wait_for_bot_reply(chat)
        query = fake_api.press_button(answer, alice, "src:1")
        await fake_api.wait_for(lambda: "edit_date" in fake_api.message(answer), what="the edit")

    [answered] = fake_api.calls("answerCallbackQuery")
    assert answered.params == {"callback_query_id": query["id"], "text": "Opening source"}
    edited = fake_api.message(answer)
    assert edited["text"] == "Answer\nfrom src:1" and edited["entities"] == [e("italic", 7, 10)]
    assert "reply_markup" not in edited


async def test_ptb_rate_limiter_retries_after_429(fake_api: FakeBotAPI) -> None:
    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message("pong")  # type: ignore[union-attr]

    app = builder_for(fake_api).rate_limiter(AIORateLimiter(max_retries=3)).build()
    app.add_handler(MessageHandler(filters.TEXT, reply))
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    fake_api.faults.once("sendMessage", "too_many_requests", retry_after=1)
    async with polling(app):
        fake_api.send_text(chat, alice, "ping")
        reply_message = await fake_api.wait_for_bot_reply(chat, timeout=5)

    assert reply_message["text"] == "pong"
    first, second = fake_api.calls("sendMessage")
    assert first.status == 429 and first.response["parameters"] == {"retry_after": 1}  # type: ignore[index]
    assert second.ok and second.time - first.time >= 1.0
    assert fake_api.faults.count("too_many_requests", "sendMessage") == 1


async def test_ptb_downloads_a_document(fake_api: FakeBotAPI) -> None:
    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        content = await file.download_as_bytearray()
        await update.message.reply_text(f"{file.file_size} bytes: {content.decode()}")

    app = builder_for(fake_api).build()
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    async with polling(app):
        fake_api.send_document(chat, alice, "article.txt", b"Once upon a time", "text/plain", caption="read")
        reply = await fake_api.wait_for_bot_reply(chat)

    assert reply["text"] == "16 bytes: Once upon a time"
    [get_file] = fake_api.calls("getFile")
    [download] = fake_api.calls("downloadFile")
    assert download.params["file_path"] == get_file.result["file_path"]
    missing = httpx.get(f"{fake_api.base_file_url}{fake_api.token}/documents/nope.txt")
    assert missing.status_code == 404


# -- webhooks -----------------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    """A tiny webhook: records POSTs; fails the first one with 500; 403 for a wrong secret."""

    def do_POST(self) -> None:
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
        server.received.append((secret, body))  # type: ignore[attr-defined]
        status = 403 if secret != "s3cret" else 500 if len(server.received) == 1 else 200  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


async def test_webhook_delivery_with_secret(fake_api: FakeBotAPI) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    receiver.received = []  # type: ignore[attr-defined]
    threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
            await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
            alice = fake_api.user(1, "Alice")
            message = fake_api.send_text(fake_api.private_chat(alice), alice, "via webhook")
            await fake_api.wait_for(lambda: not fake_api.pending_updates(), what="webhook delivery")
            info = await bot.get_webhook_info()
            with pytest.raises(Exception, match="can't use getUpdates method while webhook is active"):
                await bot.get_updates()
        assert info.url == url and info.pending_update_count == 0
        assert "500" in (info.last_error_message or "")  # the first attempt failed and was retried
        assert [secret for secret, _ in receiver.received] == ["s3cret", "s3cret"]
        assert receiver.received[-1][1]["message"] == message  # type: ignore[attr-defined]
        assert fake_api.post_to_webhook({"update_id": 1}, secret="wrong") == 403
    finally:
        receiver.shutdown()
        receiver.server_close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_ptb_in_webhook_mode(fake_api: FakeBotAPI) -> None:
    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message("got it")  # type: ignore[union-attr]

    app = builder_for(fake_api).build()
    app.add_handler(MessageHandler(filters.TEXT, reply))
    port = _free_port()
    alice = fake_api.user(1, "Alice")
    chat = fake_api.private_chat(alice)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )
    try:
        fake_api.send_text(chat, alice, "hi")
        assert (await fake_api.wait_for_bot_reply(chat))["text"] == "got it"
        # post_to_webhook blocks, and PTB's webhook server runs in this loop: call it from a thread.
        status = await asyncio.to_thread(fake_api.post_to_webhook, {"update_id": 1}, "wrong")
        assert status == 403
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    [set_webhook] = fake_api.calls("setWebhook")
    assert set_webhook.params["secret_token"] == "s3cret"
    with pytest.raises(Conflict):
        raise Conflict(api(fake_api, "getUpdates").json()["description"])


async def test_wait_for_does_not_block_the_loop(fake_api: FakeBotAPI) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    alice = fake_api.user(1, "Alice")
    threading.Timer(0.2, fake_api.send_text, (fake_api.private_chat(alice), alice, "x")).start()
    await fake_api.wait_for(lambda: fake_api.updates, timeout=2)
    task.cancel()
    assert ticks >= 5
