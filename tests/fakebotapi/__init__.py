"""A fake Telegram Bot API server for tests: ``from tests.fakebotapi import FakeBotAPI``.

Modules: ``server`` (HTTP, routing, faults applied, recording), ``messages`` / ``chats`` / ``updates``
(the Bot API methods), ``actions`` (playing users), ``recording`` (calls and waiting), ``html_entities``
(Telegram's HTML parse mode), ``faults``, ``wire`` (request/response encoding), ``state`` (shared state)
and ``ptb`` (helpers to run a python-telegram-bot Application against the fake).

In a nutshell::

    async def test_reply(fake_api):  # fixture from tests/conftest.py
        app = builder_for(fake_api).build()  # tests.fakebotapi.ptb
        app.add_handler(...)
        alice = fake_api.user(1, "Alice")
        chat = fake_api.private_chat(alice)
        async with polling(app):
            fake_api.send_text(chat, alice, "/ask what happened?")
            reply = await fake_api.wait_for_bot_reply(chat)
        assert reply["entities"] == [...]

Use ``await wait_for(...)`` in tests whose bot runs in the test's event loop (``wait_until`` would block
that loop), ``wait_until`` when the bot runs in another thread.

Deliberate differences from Telegram:

* only the HTML parse mode is implemented (Markdown modes get a 400 saying so);
* stricter HTML: a bare ``&``, attributes a tag does not take and more than 100 entities are rejected;
* message length is counted in code points (4096), entity offsets in UTF-16 code units, as Telegram;
* webhooks may be ``http://`` (local receivers); a method call in a webhook's answer is ignored;
* no rate limits of its own (inject 429s with ``server.faults``); media uploads (sendDocument,
  sendPhoto...) are not implemented and get 404 ``Not Found: method not found``.
"""

from .faults import KINDS as FAULT_KINDS
from .faults import FaultRule, Faults
from .html_entities import EntityParseError, detect_entities, parse_html, utf16_len
from .recording import Call
from .server import DEFAULT_TOKEN, FakeBotAPI
from .wire import UploadedFile

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "Call",
    "EntityParseError",
    "FakeBotAPI",
    "FaultRule",
    "Faults",
    "UploadedFile",
    "detect_entities",
    "parse_html",
    "utf16_len",
]
