"""Bot API methods about the bot itself, chats, members, commands and files."""

from __future__ import annotations

import json
import re

from .state import FakeState, StoredFile
from .wire import bad_request

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
# Every right an administrator can have; the fake's administrators have them all.
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_pin_messages",
)  # fmt: skip


class ChatsMixin(FakeState):
    """getMe, getChat, getChatMember, getChatAdministrators, *MyCommands and getFile."""

    def _api_getMe(self, params: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_getChat(self, params: dict) -> dict:
        chat = self._chat_or_error(params.get("chat_id"))
        return {  # a ChatFullInfo: the Chat plus the fields PTB requires
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _api_getChatMember(self, params: dict) -> dict:
        chat = self._chat_or_error(params.get("chat_id"))
        user = self._user_or_error(params.get("user_id"))
        return self._chat_member(chat, user)

    def _api_getChatAdministrators(self, params: dict) -> list[dict]:
        chat = self._chat_or_error(params.get("chat_id"))
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        roles = self._roles.get(chat["id"], {})
        return [self._chat_member(chat, self.users[user_id]) for user_id in roles]

    def _chat_member(self, chat: dict, user: dict) -> dict:
        status = self._role(chat, user["id"])
        member: dict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update({"can_be_edited": False, "is_anonymous": False})
            member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
        return member

    # -- commands --------------------------------------------------------------------------------------

    def _commands_key(self, params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def _api_setMyCommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description is empty")
        self.commands[self._commands_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: dict) -> list[dict]:
        return self.commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: dict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def my_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands the bot set for ``scope`` (default scope if None) and language."""
        with self._cond:
            key = self._commands_key({"scope": scope, "language_code": language_code})
            return self._snapshot(self.commands.get(key, []))

    # -- files -----------------------------------------------------------------------------------------

    def _api_getFile(self, params: dict) -> dict:
        stored = self.files.get(params.get("file_id"))  # type: ignore[arg-type]
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _store_file(self, content: bytes, filename: str, folder: str = "documents") -> StoredFile:
        """Keep bytes for getFile + download; ids look like Telegram's but are deterministic."""
        with self._cond:
            number = self._next_id()
            extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
            stored = StoredFile(
                file_id=f"BQACAgIAAxkBAAI{number:06d}fake{len(content):x}",
                file_unique_id=f"AgAD{number:06d}",
                file_path=f"{folder}/file_{number}.{extension}",
                content=bytes(content),
            )
            self.files[stored.file_id] = stored
            return stored

    def _file_by_path(self, file_path: str) -> StoredFile | None:
        with self._cond:
            return next((f for f in self.files.values() if f.file_path == file_path), None)
