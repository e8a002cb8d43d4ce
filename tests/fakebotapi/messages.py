"""Bot API methods that send, edit and delete messages and answer queries.

Each ``_api_<method>(params)`` runs with the state lock held, returns the ``result`` of the answer or
raises :class:`~tests.fakebotapi.wire.ApiError` with Telegram's wording.
"""

from __future__ import annotations

import time

from .html_entities import EntityParseError, detect_entities, parse_html, strip_text
from .state import FakeState
from .wire import bad_request

MAX_TEXT_LENGTH = 4096  # characters after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_ENTITIES = 100  # Telegram ignores the rest; the fake rejects them to catch runaway formatting
MAX_CALLBACK_DATA_BYTES = 64
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
# Some of the emoji Telegram allows as reactions (ReactionTypeEmoji); others are REACTION_INVALID.
REACTIONS = frozenset("👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🙏 👌 🕊 🤝 ✍ 🤗 🫡".split())
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
# Keys of an inline keyboard button that make it do something (exactly one is required).
BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)  # fmt: skip


class MessagesMixin(FakeState):
    """sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendChatAction,
    setMessageReaction, answerCallbackQuery and answerInlineQuery."""

    def _api_sendMessage(self, params: dict) -> dict:
        chat = self._chat_or_error(params.get("chat_id"))
        text, entities = self._formatted_text(params, "text", "entities", MAX_TEXT_LENGTH)
        markup = self._inline_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        return self._new_message(
            chat,
            self.bot_user,
            reply_to,
            params.get("message_thread_id"),
            text=text,
            entities=entities,
            reply_markup=markup,
            link_preview_options=params.get("link_preview_options"),
        )

    def _api_editMessageText(self, params: dict) -> dict | bool:
        current = self._edit_target(params)
        if "text" not in current:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted_text(params, "text", "entities", MAX_TEXT_LENGTH)
        markup = self._inline_markup(params.get("reply_markup"))
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        return self._apply_edit(current, text=text, entities=entities, reply_markup=markup)

    def _api_editMessageReplyMarkup(self, params: dict) -> dict | bool:
        current = self._edit_target(params)
        markup = self._inline_markup(params.get("reply_markup"))
        return self._apply_edit(current, reply_markup=markup)

    def _api_deleteMessage(self, params: dict) -> bool:
        chat = self._chat_or_error(params.get("chat_id"))
        message = self._message(chat["id"], self._require(params, "message_id"))
        if message is None:
            raise bad_request("message to delete not found")
        foreign = not self._sent_by_bot(message)
        bot_is_admin = self._role(chat, self.bot_user["id"]) in ("creator", "administrator")
        if foreign and chat["type"] != "private" and not bot_is_admin:
            raise bad_request("message can't be deleted")
        self._delete_message(chat["id"], message["message_id"])
        return True

    def _api_sendChatAction(self, params: dict) -> bool:
        chat = self._chat_or_error(params.get("chat_id"))
        if params.get("message_thread_id") is not None and not chat.get("is_forum"):
            raise bad_request("message thread not found")
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _api_setMessageReaction(self, params: dict) -> bool:
        chat = self._chat_or_error(params.get("chat_id"))
        if self._message(chat["id"], self._require(params, "message_id")) is None:
            raise bad_request("message to react not found")
        reaction = params.get("reaction") or []
        if not isinstance(reaction, list) or len(reaction) > 1:  # a bot sets one reaction at most
            raise bad_request("REACTIONS_TOO_MANY" if isinstance(reaction, list) else "can't parse reaction")
        if any(not isinstance(chosen, dict) or chosen.get("type") != "emoji" for chosen in reaction):
            raise bad_request("REACTION_INVALID")
        if any(chosen.get("emoji") not in REACTIONS for chosen in reaction):
            raise bad_request("REACTION_INVALID")
        return True

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = params.get("callback_query_id")
        if self._callback_queries.get(query_id) is not False:  # unknown, or answered already
            raise bad_request(QUERY_TOO_OLD)
        if len(params.get("text") or "") > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        return True

    def _api_answerInlineQuery(self, params: dict) -> bool:
        query = self._inline_queries.get(params.get("inline_query_id"))  # type: ignore[arg-type]
        if query is None or query["results"] is not None:
            raise bad_request(QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(result.get("id", "")) for result in results]
        if any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            self._inline_markup(result.get("reply_markup"))
            content = result.get("input_message_content")
            if content and "message_text" in content:
                self._formatted_text(content, "message_text", "entities", MAX_TEXT_LENGTH)
        query["results"] = results
        return True

    # -- text, keyboards, replies ----------------------------------------------------------------------

    def _formatted_text(self, params: dict, text_key: str, entities_key: str, limit: int) -> tuple:
        """(text, entities) of a message as Telegram stores it, or 400."""
        raw = params.get(text_key)
        if not isinstance(raw, str) or not raw:
            raise bad_request("message text is empty")
        mode = params.get("parse_mode") or ""
        if mode.lower() == "html":
            try:
                text, entities = parse_html(raw)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode:
            raise bad_request(f"unsupported parse_mode {mode!r} (the fake Bot API implements HTML only)")
        else:
            text, entities = strip_text(raw, list(params.get(entities_key) or []))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > limit:
            raise bad_request("message is too long")
        if len(entities) > MAX_ENTITIES:
            raise bad_request("too many entities")
        return text, detect_entities(text, self._resolve_mentions(entities))

    def _resolve_mentions(self, entities: list[dict]) -> list[dict]:
        """text_mention entities carry the full User; unknown users lose the entity, as on Telegram."""
        resolved = []
        for entity in entities:
            if entity["type"] == "text_mention":
                user = self.users.get(entity["user"]["id"])
                if user is None:
                    continue
                entity = {**entity, "user": user}
            resolved.append(entity)
        return resolved

    def _inline_markup(self, markup: object) -> dict | None:
        """The inline keyboard to store with the message (validated), None for other markups.

        Reply keyboards, ReplyKeyboardRemove and ForceReply are accepted but, as on Telegram, not
        echoed in the Message.
        """
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                self._check_button(button)
        return markup if any(rows) else None

    @staticmethod
    def _check_button(button: object) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        actions = BUTTON_ACTIONS.intersection(button)
        if len(actions) != 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")

    def _reply_target(self, chat: dict, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply"),
            }
        if not reply:
            return None
        target_chat = self._chat_or_error(reply.get("chat_id", chat["id"]))
        message = self._message(target_chat["id"], reply.get("message_id"))
        if message is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return message

    # -- edits -----------------------------------------------------------------------------------------

    def _edit_target(self, params: dict) -> dict:
        """The stored message (or inline message) an edit request names."""
        inline_id = params.get("inline_message_id")
        if inline_id:
            if inline_id not in self.inline_messages:
                raise bad_request("MESSAGE_ID_INVALID")
            return self.inline_messages[inline_id]
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._chat_or_error(params.get("chat_id"))
        message = self._message(chat["id"], params["message_id"])
        if message is None:
            raise bad_request("message to edit not found")
        if not self._sent_by_bot(message):
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, current: dict, **changes: object) -> dict | bool:
        """Store the edited message; Message for chat messages, True for inline messages."""
        edited = {k: v for k, v in current.items() if k not in changes and k != "edit_date"}
        edited.update({k: v for k, v in changes.items() if v not in (None, [])})
        if _content(edited) == _content(current):
            raise bad_request(NOT_MODIFIED)
        if "inline_message_id" in current:
            self.inline_messages[current["inline_message_id"]] = edited
            self._changed()
            return True
        edited["edit_date"] = int(time.time())
        self._replace_message(edited)
        return edited


def _content(message: dict) -> tuple:
    return (
        message.get("text"),
        message.get("entities", []),
        message.get("reply_markup"),
    )
