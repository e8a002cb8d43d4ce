"""The fake Telegram's world: users, chats, messages, files, and the lock that guards them.

Every mixin of :class:`~tests.fakebotapi.server.FakeBotAPI` works on the attributes defined here (the
update queue and the call log are set up by ``_init_updates`` and ``_init_recording``), always while
holding ``self._cond`` (a Condition over an RLock).  Any change calls :meth:`_changed`, which wakes long
polls, ``wait_until`` and ``wait_for``.

Stored messages are never mutated in place: an edit stores a new dict.  So a message that was already
put into an update or a response can't change behind the bot's back.  What the test-driving API hands
out are deep copies, which tests may modify freely.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .wire import bad_request

__all__ = ["FakeState", "StoredFile", "chat_id_of", "message_key"]

T = TypeVar("T")


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


def chat_id_of(chat: dict | int) -> int:
    """Accept a chat dict or a bare chat id."""
    return chat if isinstance(chat, int) else chat["id"]


def message_key(message: dict | int, chat: dict | int | None = None) -> tuple[int, int]:
    """(chat id, message id) of a message dict, or of a message id in ``chat``."""
    if isinstance(message, int):
        if chat is None:
            raise ValueError("a bare message id needs its chat")
        return chat_id_of(chat), message
    return message["chat"]["id"], message["message_id"]


class FakeState:
    """Shared state of the fake server (see the module docstring)."""

    def __init__(self, token: str, bot_username: str, bot_first_name: str, bot_id: int | None):
        self.token = token
        self._cond = threading.Condition(threading.RLock())
        self._closing = threading.Event()
        self._listeners: list[Callable[[], None]] = []  # called on every change (async waiters)
        self._ids = itertools.count(1)  # source of unique ids (queries, files, inline messages)
        self.bot_user: dict = {
            "id": bot_id if bot_id is not None else int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.users: dict[int, dict] = {self.bot_user["id"]: self.bot_user}
        self.chats: dict[int, dict] = {}
        self._messages: dict[int, dict[int, dict]] = {}  # chat id -> message id -> message
        self._last_message_id: dict[int, int] = {}
        self._members: dict[int, set[int]] = {}  # chat id -> ids of users seen in the chat
        self._roles: dict[int, dict[int, str]] = {}  # chat id -> user id -> "creator"/"administrator"
        self.files: dict[str, StoredFile] = {}  # by file_id
        self.inline_messages: dict[str, dict] = {}  # by inline_message_id
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._inline_queries: dict[str, dict] = {}  # id -> {"query": InlineQuery, "results": [...]}
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope JSON, language) -> commands

    # -- change notification ---------------------------------------------------------------------------

    def _changed(self) -> None:
        """Wake everybody waiting for a change; call with the lock held."""
        self._cond.notify_all()
        for listener in list(self._listeners):
            try:
                listener()
            except RuntimeError:  # its event loop is closed: the waiter is gone
                self._listeners.remove(listener)

    def _next_id(self) -> int:
        return next(self._ids)

    # -- chats and users -------------------------------------------------------------------------------

    def _register_chat(self, chat: dict) -> dict:
        with self._cond:
            self.chats.setdefault(chat["id"], dict(chat))
            self._messages.setdefault(chat["id"], {})
            self._members.setdefault(chat["id"], {self.bot_user["id"]})
            return self.chats[chat["id"]]

    def _chat_or_error(self, chat_id: object) -> dict:
        """The chat a request names by id or @username, or 400 like Telegram."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return chat
        elif isinstance(chat_id, int) and chat_id in self.chats:
            return self.chats[chat_id]
        raise bad_request("chat not found")

    def _user_or_error(self, user_id: object) -> dict:
        if isinstance(user_id, int) and user_id in self.users:
            return self.users[user_id]
        raise bad_request("user not found")

    def _role(self, chat: dict, user_id: int) -> str:
        """Telegram's ChatMember status of a user in a chat."""
        if chat["type"] == "private":
            return "member" if user_id in (chat["id"], self.bot_user["id"]) else "left"
        role = self._roles.get(chat["id"], {}).get(user_id)
        if role:
            return role
        return "member" if user_id in self._members.get(chat["id"], ()) else "left"

    # -- messages --------------------------------------------------------------------------------------

    def _new_message(
        self, chat: dict, sender: dict, reply_to: dict | None, thread_id: int | None = None, **content: object
    ) -> dict:
        """Create and store a message with the next message id of the chat; in forum topic
        ``thread_id``, or in the topic of the message it replies to."""
        chat = self._register_chat(chat)
        if thread_id is None and reply_to is not None and reply_to.get("is_topic_message"):
            thread_id = reply_to["message_thread_id"]  # a reply lands in the topic of what it replies to
        if thread_id is not None and not chat.get("is_forum"):
            raise bad_request("message thread not found")
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message: dict = {
            "message_id": message_id,
            "from": sender,
            "date": int(time.time()),
            "chat": chat,
        }
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
            # As on Telegram, a message in a topic that replies to nothing else replies to the
            # service message that created the topic.
            reply_to = reply_to or self._message(chat["id"], thread_id)
        if reply_to is not None:
            # Telegram nests only one level of replies.
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        message.update({k: v for k, v in content.items() if v not in (None, [], "")})
        self._messages[chat["id"]][message_id] = message
        self._members[chat["id"]].add(sender["id"])
        self._changed()
        return message

    def _sent_by_bot(self, message: dict) -> bool:
        return message.get("from", {}).get("id") == self.bot_user["id"]

    def _message(self, chat_id: int, message_id: object) -> dict | None:
        return self._messages.get(chat_id, {}).get(message_id)  # type: ignore[arg-type]

    def _replace_message(self, message: dict) -> None:
        self._messages[message["chat"]["id"]][message["message_id"]] = message
        self._changed()

    def _delete_message(self, chat_id: int, message_id: int) -> None:
        del self._messages[chat_id][message_id]
        self._changed()

    def _chat_messages(self, chat: dict | int) -> list[dict]:
        """Current messages of a chat, oldest first."""
        messages = self._messages.get(chat_id_of(chat), {})
        return [messages[key] for key in sorted(messages)]

    @staticmethod
    def _snapshot(value: T) -> T:
        """A copy for tests to keep (they may mutate it)."""
        return copy.deepcopy(value)

    # -- errors ----------------------------------------------------------------------------------------

    @staticmethod
    def _require(params: dict, name: str) -> object:
        value = params.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        return value
