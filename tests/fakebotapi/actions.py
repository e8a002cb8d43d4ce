"""The test-driving API: play users, and deliver their actions as Telegram would, as updates.

Every action stores what Telegram would store, queues one update (for getUpdates, or the webhook) and
returns a copy of the main object of the update (the Message, CallbackQuery, InlineQuery...).
"""

from __future__ import annotations

import time

from .chats import ChatsMixin
from .html_entities import detect_entities, parse_html
from .state import chat_id_of, message_key
from .updates import UpdatesMixin

# Keys of an update whose value is a Message that Telegram would have stored.
_MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post", "business_message")


class ActionsMixin(ChatsMixin, UpdatesMixin):
    """user, private_chat, group_chat, forum_chat, create_topic, set_admins, send_text, edit_text,
    delete_message, send_document, press_button, inline_query, choose_inline_result, expire_queries and
    raw_update."""

    # -- the cast --------------------------------------------------------------------------------------

    def user(self, id: int, first_name: str, username: str | None = None, language_code: str = "en") -> dict:
        """A (human) Telegram user."""
        user = {"id": id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            user["username"] = username
        with self._cond:
            self.users[id] = user
        return dict(user)

    def private_chat(self, user: dict) -> dict:
        """The private chat between ``user`` and the bot (its id is the user's id)."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        with self._cond:
            self.users.setdefault(user["id"], user)
            return dict(self._register_chat(chat))

    def group_chat(self, title: str, chat_id: int | None = None, type: str = "supergroup") -> dict:
        """A group (``type="group"``) or supergroup the bot is a member of."""
        if chat_id is None:
            number = self._next_id()
            chat_id = -1001000000000 - number if type == "supergroup" else -4000000000 - number
        return dict(self._register_chat({"id": chat_id, "type": type, "title": title}))

    def forum_chat(self, title: str, chat_id: int | None = None) -> dict:
        """A supergroup with forum topics (``is_forum``); see :meth:`create_topic`."""
        chat = self.group_chat(title, chat_id)
        with self._cond:
            self.chats[chat["id"]]["is_forum"] = True
            return dict(self.chats[chat["id"]])

    def create_topic(self, chat: dict, user: dict, name: str) -> dict:
        """``user`` creates a forum topic: its service message (a ``forum_topic_created`` update),
        whose message id is the topic's ``message_thread_id``. Pass it to send_text as ``topic``."""
        with self._cond:
            assert self.chats[chat["id"]].get("is_forum"), "topics exist in forum chats only"
            message = self._new_message(
                chat, user, None, forum_topic_created={"name": name, "icon_color": 7322096}
            )
            topic = {**message, "message_thread_id": message["message_id"], "is_topic_message": True}
            self._replace_message(topic)
            self._enqueue({"message": topic})
            return self._snapshot(topic)

    def set_admins(self, chat: dict | int, admins: list[dict], creator: dict | None = None) -> None:
        """Make ``admins`` the administrators (and ``creator`` the owner) of a group; the bot's own
        user (``server.bot_user``) may be among them."""
        with self._cond:
            roles = {admin["id"]: "administrator" for admin in admins}
            if creator is not None:
                roles[creator["id"]] = "creator"
            for user in [*admins, *([creator] if creator else [])]:
                self.users.setdefault(user["id"], user)
                self._members.setdefault(chat_id_of(chat), set()).add(user["id"])
            self._roles[chat_id_of(chat)] = roles
            self._changed()

    # -- messages --------------------------------------------------------------------------------------

    def send_text(
        self,
        chat: dict,
        user: dict,
        text: str,
        reply_to: dict | int | None = None,
        topic: dict | None = None,
    ) -> dict:
        """``user`` sends ``text`` in ``chat`` (in the forum ``topic`` from create_topic, or in the
        topic of the message it replies to); commands, @mentions, URLs and hashtags get entities."""
        thread_id = topic["message_thread_id"] if topic is not None else None
        return self._user_sends(
            chat, user, reply_to, thread_id=thread_id, text=text, entities=detect_entities(text)
        )

    def send_document(
        self,
        chat: dict,
        user: dict,
        filename: str,
        content: bytes,
        mime_type: str,
        caption: str | None = None,
        reply_to: dict | int | None = None,
    ) -> dict:
        """``user`` sends a file; its bytes can then be fetched with getFile + download."""
        stored = self._store_file(content, filename)
        document = {
            "file_name": filename,
            "mime_type": mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(content),
        }
        caption_entities = detect_entities(caption) if caption else None
        return self._user_sends(
            chat, user, reply_to, document=document, caption=caption, caption_entities=caption_entities
        )

    def edit_text(self, message: dict, new_text: str) -> dict:
        """The author edits a text message (an ``edited_message`` update); returns the new state."""
        with self._cond:
            current = self._message(*message_key(message))
            assert current is not None, f"message {message_key(message)} does not exist (deleted?)"
            assert not self._sent_by_bot(current), "edit_text plays users; the bot edits via the API"
            edited = {k: v for k, v in current.items() if k != "entities"}
            edited.update(text=new_text, edit_date=int(time.time()))
            if entities := detect_entities(new_text):
                edited["entities"] = entities
            self._replace_message(edited)
            self._enqueue({"edited_message": edited})
            return self._snapshot(edited)

    def delete_message(self, message: dict) -> None:
        """A user deletes ``message`` (their own, or one of the bot's in a private chat); as on
        Telegram, the bot is not told: replying to it or editing it fails from now on."""
        with self._cond:
            key = message_key(message)
            assert self._message(*key) is not None, f"message {key} does not exist (deleted?)"
            self._delete_message(*key)

    def _user_sends(
        self,
        chat: dict,
        user: dict,
        reply_to: dict | int | None,
        thread_id: int | None = None,
        **content: object,
    ) -> dict:
        with self._cond:
            self.users.setdefault(user["id"], user)
            target = None
            if reply_to is not None:
                target = self._message(*message_key(reply_to, chat))
                assert target is not None, f"reply_to message {reply_to!r} does not exist"
                assert thread_id is None or target.get("message_thread_id") == thread_id, (
                    "a reply is in the topic of the message it replies to"
                )
            message = self._new_message(chat, user, target, thread_id, **content)
            self._enqueue({"message": message})
            return self._snapshot(message)

    # -- queries ---------------------------------------------------------------------------------------

    def press_button(self, message: dict, user: dict, callback_data: str) -> dict:
        """``user`` presses the inline button with ``callback_data`` on the *current* state of
        ``message`` (a chat message, or an inline message from :meth:`choose_inline_result`).
        Returns the CallbackQuery; its ``id`` is what answerCallbackQuery must answer."""
        return self._callback_query(message, user, callback_data, forged=False)

    def forge_button_press(self, message: dict, user: dict, callback_data: str) -> dict:
        """Like :meth:`press_button`, but with data that no button of ``message`` carries — what a
        modified client can send. Telegram delivers it all the same, with a valid query id."""
        return self._callback_query(message, user, callback_data, forged=True)

    def _callback_query(self, message: dict, user: dict, callback_data: str, forged: bool) -> dict:
        with self._cond:
            query: dict = {"id": str(4_000_000_000_000 + self._next_id()), "from": user}
            if "inline_message_id" in message:
                current = self.inline_messages[message["inline_message_id"]]
                query["inline_message_id"] = current["inline_message_id"]
                query["chat_instance"] = "-1"
            else:
                current = self._message(*message_key(message))
                assert current is not None, f"message {message_key(message)} does not exist (deleted?)"
                query["message"] = current
                query["chat_instance"] = str(-abs(current["chat"]["id"]) * 7919)
            if not forged:
                _assert_has_button(current, callback_data)
            query["data"] = callback_data
            self._callback_queries[query["id"]] = False
            self._enqueue({"callback_query": query})
            return self._snapshot(query)

    def expire_queries(self) -> None:
        """Telegram takes an answer to a callback query for some 15 seconds only: from now on,
        answering any query pressed so far fails with "query is too old"."""
        with self._cond:
            for query_id in self._callback_queries:
                self._callback_queries[query_id] = True

    def inline_query(self, user: dict, query: str, chat_type: str = "private", offset: str = "") -> dict:
        """``user`` types ``@bot query``; returns the InlineQuery."""
        with self._cond:
            self.users.setdefault(user["id"], user)
            inline = {
                "id": str(5_000_000_000_000 + self._next_id()),
                "from": user,
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
            self._inline_queries[inline["id"]] = {"query": inline, "results": None}
            self._enqueue({"inline_query": inline})
            return self._snapshot(inline)

    def inline_results(self, query: dict) -> list[dict] | None:
        """The results the bot answered ``query`` with (None if not answered yet)."""
        with self._cond:
            return self._snapshot(self._inline_queries[query["id"]]["results"])

    def choose_inline_result(self, query: dict, result_id: str) -> dict:
        """The user picks one of the bot's answers: an inline message is posted (editable by
        inline_message_id) and a ``chosen_inline_result`` update is queued.  Returns the inline
        message ``{"inline_message_id", "text", "entities", "reply_markup"}``."""
        with self._cond:
            results = self._inline_queries[query["id"]]["results"] or []
            result = next((r for r in results if str(r.get("id")) == result_id), None)
            assert result is not None, f"no answered result {result_id!r} for query {query['query']!r}"
            inline_message = {"inline_message_id": f"AgAAA{self._next_id():08d}", "from": self.bot_user}
            inline_message.update(_inline_content(result))
            self.inline_messages[inline_message["inline_message_id"]] = inline_message
            self._enqueue(
                {
                    "chosen_inline_result": {
                        "result_id": result_id,
                        "from": query["from"],
                        "query": query["query"],
                        "inline_message_id": inline_message["inline_message_id"],
                    }
                }
            )
            return self._snapshot(inline_message)

    def raw_update(self, update: dict) -> dict:
        """Queue any update shape (channel posts, stickers, service messages...); an ``update_id`` is
        added if missing.  A Message in it is stored as it is, so the bot can reply to it or edit it,
        and a callback or inline query in it can be answered (once) like a real one.
        Returns the update."""
        update = self._snapshot(update)
        with self._cond:
            for key in _MESSAGE_KEYS:
                message = update.get(key)
                if isinstance(message, dict) and "chat" in message and "message_id" in message:
                    self._store_raw_message(message)
            query = update.get("callback_query")
            if isinstance(query, dict) and "id" in query:
                self._callback_queries.setdefault(str(query["id"]), False)
            inline = update.get("inline_query")
            if isinstance(inline, dict) and "id" in inline:
                self._inline_queries.setdefault(str(inline["id"]), {"query": inline, "results": None})
            return self._snapshot(self._enqueue(update))

    def _store_raw_message(self, message: dict) -> None:
        chat_id = self._register_chat(message["chat"])["id"]
        self._messages[chat_id][message["message_id"]] = message
        last = self._last_message_id.get(chat_id, 0)
        self._last_message_id[chat_id] = max(last, message["message_id"])
        if "from" in message:
            self.users.setdefault(message["from"]["id"], message["from"])
            self._members[chat_id].add(message["from"]["id"])


def _assert_has_button(message: dict, callback_data: str) -> None:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    available = [button.get("callback_data") for row in rows for button in row]
    assert callback_data in available, (
        f"no button with callback_data {callback_data!r} on the message; it has {available}"
    )


def _inline_content(result: dict) -> dict:
    content = result.get("input_message_content") or {}
    text = content.get("message_text", "")
    entities = content.get("entities", [])
    if text and (content.get("parse_mode") or "").lower() == "html":
        text, entities = parse_html(text)
    message: dict = {"text": text}
    if entities:
        message["entities"] = entities
    if result.get("reply_markup", {}).get("inline_keyboard"):
        message["reply_markup"] = result["reply_markup"]
    return message
