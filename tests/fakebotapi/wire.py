"""The Bot API wire format: decoding request parameters and encoding ``{"ok": ...}`` responses.

PTB's ``HTTPXRequest`` posts ``application/x-www-form-urlencoded`` bodies (``multipart/form-data`` when
uploading files) in which every value is a string: plain strings as they are, everything else
JSON-encoded (``chat_id=42``, ``disable_notification=true``, ``reply_markup={"inline_keyboard": ...}``).
Other clients post JSON bodies or use the query string.  All of them are decoded here to one dict of
JSON values, like the real server does, knowing which parameters are strings whatever they look like.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

__all__ = ["ApiError", "UploadedFile", "decode_params", "error_payload", "ok_payload"]

# Parameters that are strings even when they look like JSON (a message text "42" stays "42").
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "query", "url", "secret_token", "callback_query_id",
        "inline_query_id", "inline_message_id", "file_id", "action", "language_code", "description",
        "short_description", "name", "title", "next_offset", "ip_address", "emoji", "switch_pm_text",
        "switch_pm_parameter", "business_connection_id", "message_effect_id", "first_name", "last_name",
        "sticker", "document", "photo", "audio", "video", "voice", "animation", "thumbnail", "cache_id",
    }
)  # fmt: skip


class ApiError(Exception):
    """A Bot API error answer, e.g. ``ApiError(400, "Bad Request: chat not found")``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        return error_payload(self.code, self.description, self.parameters)


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (kept as a parameter value in the recorded call)."""

    filename: str
    content_type: str
    content: bytes


def ok_payload(result: object) -> dict:
    return {"ok": True, "result": result}


def error_payload(code: int, description: str, parameters: dict | None = None) -> dict:
    payload: dict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return payload


def decode_params(content_type: str | None, body: bytes, query: str = "") -> dict:
    """Decode query string and body into ``{name: JSON value}``; raises ApiError on a broken body."""
    raw: dict = dict(parse_qsl(query, keep_blank_values=True))
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if body:
        if media_type == "application/json":
            raw.update(_json_body(body))
        elif media_type == "multipart/form-data":
            raw.update(_multipart_body(content_type or "", body))
        else:  # form-encoded, which is also what Telegram assumes without a Content-Type
            raw.update(parse_qsl(_utf8(body), keep_blank_values=True))
    return {name: _decode_value(name, value) for name, value in raw.items()}


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request("strings must be encoded in UTF-8") from exc


def _json_body(body: bytes) -> dict:
    try:
        value = json.loads(_utf8(body))
    except json.JSONDecodeError as exc:
        raise bad_request("can't parse JSON encoded request body") from exc
    if not isinstance(value, dict):
        raise bad_request("JSON object expected in request body")
    return value


def _multipart_body(content_type: str, body: bytes) -> dict:
    # The email package parses multipart/form-data fine once given the Content-Type as a header.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart/form-data request body")
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = _utf8(content)
        else:
            fields[name] = UploadedFile(filename, part.get_content_type(), content)
    return fields


def _decode_value(name: str, value: object) -> object:
    """Form values are strings; everything but real string parameters is JSON inside them."""
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@channelusername"
