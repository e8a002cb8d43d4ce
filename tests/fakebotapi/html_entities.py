"""Telegram's HTML parse mode and automatic entity detection, re-implemented for the fake Bot API.

The scanner follows the algorithm of TDLib's ``parse_html`` (which is what the Bot API server runs), so
errors carry the same wording and UTF-8 byte offsets, e.g.
``Unsupported start tag "br" at byte offset 5``.  The stdlib ``html.parser`` is deliberately not used:
it silently accepts unknown tags, bare ``<`` and ``&`` and reports no byte offsets.

Where the fake is *stricter* than Telegram (so that a bot which only works by luck fails in tests):

* a bare ``&`` that does not start ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;`` or ``&#...;`` is rejected
  (Telegram keeps it as text, but the Bot API documentation requires escaping it);
* attributes that a tag does not take (``<b class="x">``) are rejected (Telegram ignores them).

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["EntityParseError", "detect_entities", "parse_html", "strip_text", "utf16_len"]


class EntityParseError(ValueError):
    """The HTML can't be parsed; ``str(error)`` is the part after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler",
}  # fmt: skip
_TAGS = frozenset(_SIMPLE_TAGS) | {"a", "code", "pre", "span", "blockquote", "tg-emoji"}
# Attributes each tag takes: True if it needs a value, False for a bare flag like ``expandable``.
_ATTRIBUTES: dict[str, dict[str, bool]] = {
    "a": {"href": True},
    "code": {"class": True},
    "span": {"class": True},
    "tg-emoji": {"emoji-id": True},
    "blockquote": {"expandable": False},
}
_NAMED_CHARS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));")
_PLAIN_RUN = re.compile(r"[^<&]+")
_START_TAG_NAME = re.compile(r"<([^\s>]*)")
_END_TAG = re.compile(r"</([^\s>]*)\s*")
_ATTR_NAME = re.compile(r"[^\s=>]+")
_UNQUOTED_VALUE = re.compile(r"[A-Za-z0-9.\-]+")
_SPACE = re.compile(r"\s*")
# Entities whose inside Telegram keeps free of other entities.
_CODE_TYPES = frozenset({"code", "pre"})


@dataclass
class _OpenTag:
    name: str
    position: int  # index of "<" in the source, for error messages
    start: int  # UTF-16 offset in the output text
    attributes: dict[str, str]


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram-flavoured HTML into ``(text, entities)`` the way the Bot API does.

    The text is stripped of leading/trailing whitespace (entities shifted/clipped accordingly) and the
    entities are sorted by offset, outer entities first.  Raises :class:`EntityParseError`.
    """
    text, entities = _HtmlScanner(source).run()
    entities = _drop_nested_in_code(entities)
    return strip_text(text, entities)


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip surrounding whitespace like Telegram does, keeping entity offsets correct."""
    lead = utf16_len(text) - utf16_len(text.lstrip())
    stripped = text.strip()
    end = utf16_len(stripped)
    result = []
    for entity in entities:
        begin = max(entity["offset"] - lead, 0)
        finish = min(entity["offset"] + entity["length"] - lead, end)
        if finish > begin:
            result.append({**entity, "offset": begin, "length": finish - begin})
    return stripped, sort_entities(result)


def sort_entities(entities: list[dict]) -> list[dict]:
    """Order entities as Telegram does: by offset, then the longer (outer) one first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


class _HtmlScanner:
    """One pass over the source, keeping a stack of open tags (TDLib's algorithm)."""

    def __init__(self, source: str):
        self.src = source
        self.pos = 0
        self.chunks: list[str] = []
        self.utf16 = 0  # UTF-16 length of the output so far
        self.stack: list[_OpenTag] = []
        self.entities: list[dict] = []

    def run(self) -> tuple[str, list[dict]]:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._char_reference()
            elif char == "<" and self.src.startswith("</", self.pos):
                self._end_tag()
            elif char == "<":
                self._start_tag()
            else:
                run = _PLAIN_RUN.match(self.src, self.pos)
                assert run is not None
                self._emit(run.group())
                self.pos = run.end()
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        return "".join(self.chunks), self.entities

    # -- helpers ---------------------------------------------------------------------------------------

    def _emit(self, text: str) -> None:
        self.chunks.append(text)
        self.utf16 += utf16_len(text)

    def _byte_offset(self, position: int) -> int:
        return len(self.src[:position].encode("utf-8"))

    def _error(self, message: str, position: int) -> EntityParseError:
        return EntityParseError(f"{message} at byte offset {self._byte_offset(position)}")

    def _char_reference(self) -> None:
        decoded = _decode_reference(self.src, self.pos)
        if decoded is None:
            # Stricter than Telegram, see the module docstring.
            raise self._error('Character "&" must be escaped as "&amp;"', self.pos)
        char, self.pos = decoded
        self._emit(char)

    # -- start tags ------------------------------------------------------------------------------------

    def _start_tag(self) -> None:
        begin = self.pos
        match = _START_TAG_NAME.match(self.src, begin)
        assert match is not None
        self.pos = match.end()
        if self.pos >= len(self.src):
            raise self._error("Unclosed start tag", begin)
        name = match.group(1).lower()
        if name not in _TAGS:
            raise self._error(f'Unsupported start tag "{name}"', begin)
        attributes = self._attributes(name, begin)
        self._check_tag(name, attributes, begin)
        self.stack.append(_OpenTag(name, begin, self.utf16, attributes))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        """Read ``name="value"`` pairs up to and including the closing ``>``."""
        attributes: dict[str, str] = {}
        while True:
            self._skip_space()
            if self.pos >= len(self.src):
                raise self._error("Unclosed start tag", begin)
            if self.src[self.pos] == ">":
                self.pos += 1
                return attributes
            name_match = _ATTR_NAME.match(self.src, self.pos)
            if name_match is None:
                raise self._error(f'Empty attribute name in the tag "{tag}"', begin)
            name = name_match.group().lower()
            self.pos = name_match.end()
            takes_value = _ATTRIBUTES.get(tag, {}).get(name)
            if takes_value is None:
                # Stricter than Telegram, see the module docstring.
                raise self._error(f'Unsupported attribute "{name}" in the tag "{tag}"', begin)
            self._skip_space()
            if self.pos < len(self.src) and self.src[self.pos] == "=":
                self.pos += 1
                attributes[name] = self._attribute_value(tag, begin)
            elif takes_value:
                raise self._error(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin
                )
            else:
                attributes[name] = ""

    def _attribute_value(self, tag: str, begin: int) -> str:
        self._skip_space()
        if self.pos >= len(self.src):
            raise self._error("Unclosed start tag", begin)
        quote = self.src[self.pos]
        if quote not in "\"'":
            match = _UNQUOTED_VALUE.match(self.src, self.pos)
            if match is None:
                raise self._error("Unexpected end of name token", self.pos)
            self.pos = match.end()
            return match.group().lower()
        end = self.src.find(quote, self.pos + 1)
        if end < 0:
            raise self._error("Unclosed start tag", begin)
        raw, self.pos = self.src[self.pos + 1 : end], end + 1
        return self._unescape_attribute(raw, begin)

    def _unescape_attribute(self, raw: str, begin: int) -> str:
        out, index = [], 0
        while index < len(raw):
            if raw[index] == "&":
                decoded = _decode_reference(raw, index)
                if decoded is None:
                    raise self._error('Character "&" must be escaped as "&amp;"', begin)
                char, index = decoded
                out.append(char)
            else:
                out.append(raw[index])
                index += 1
        return "".join(out)

    def _check_tag(self, name: str, attributes: dict[str, str], begin: int) -> None:
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise self._error('Tag "span" must have class "tg-spoiler"', begin)
        if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise EntityParseError("Invalid custom emoji identifier specified")

    def _skip_space(self) -> None:
        match = _SPACE.match(self.src, self.pos)
        assert match is not None
        self.pos = match.end()

    # -- end tags --------------------------------------------------------------------------------------

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise self._error("Unexpected end tag", begin)
        match = _END_TAG.match(self.src, begin)
        assert match is not None
        self.pos = match.end()
        if self.pos >= len(self.src) or self.src[self.pos] != ">":
            raise self._error("Unclosed end tag", begin)
        self.pos += 1
        open_tag = self.stack.pop()
        end_name = match.group(1).lower()
        if end_name and end_name != open_tag.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        self._close(open_tag, begin)

    def _close(self, tag: _OpenTag, end_position: int) -> None:
        """Turn a closed tag into an entity (empty ones are dropped, as by Telegram)."""
        length = self.utf16 - tag.start
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x">...</code></pre> is one pre entity with a language; a code
            # entity inside pre would be dropped by Telegram anyway.
            css_class = tag.attributes.get("class", "")
            if css_class.startswith("language-") and css_class != "language-":
                self.stack[-1].attributes["language"] = css_class.removeprefix("language-")
            return
        if length <= 0:
            return
        entity = self._entity(tag, end_position)
        if entity is not None:
            self.entities.append({"offset": tag.start, "length": length, **entity})

    def _entity(self, tag: _OpenTag, end_position: int) -> dict | None:
        name, attributes = tag.name, tag.attributes
        if name in _SIMPLE_TAGS or name == "span":
            return {"type": _SIMPLE_TAGS.get(name, "spoiler")}
        if name == "code":
            return {"type": "code"}
        if name == "pre":
            language = attributes.get("language")
            return {"type": "pre", "language": language} if language else {"type": "pre"}
        if name == "blockquote":
            return {"type": "expandable_blockquote" if "expandable" in attributes else "blockquote"}
        if name == "tg-emoji":
            return {"type": "custom_emoji", "custom_emoji_id": attributes["emoji-id"]}
        # <a>: without href Telegram uses the link text as the URL.
        inner = self.src[self.src.index(">", tag.position) + 1 : end_position]
        return _link_entity(attributes.get("href", inner))


def _decode_reference(text: str, position: int) -> tuple[str, int] | None:
    """Decode the ``&...;`` at ``position``: (character, end index), or None if there is none."""
    match = _CHAR_REF.match(text, position)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_CHARS.get(name)
        return (char, match.end()) if char else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _link_entity(url: str) -> dict | None:
    url = url.strip()
    user = re.fullmatch(r"tg://user\?id=(\d+)", url)
    if user:
        # The server replaces the id with the full User it knows (or drops the entity).
        return {"type": "text_mention", "user": {"id": int(user.group(1))}}
    if not url or any(char.isspace() for char in url):
        return None  # Telegram silently drops links with invalid URLs
    if "://" not in url and not url.startswith(("tg:", "mailto:")):
        url = "http://" + url
    return {"type": "text_link", "url": url}


def _drop_nested_in_code(entities: list[dict]) -> list[dict]:
    """Telegram keeps code and pre entities free of other entities."""
    code_spans = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _CODE_TYPES]

    def inside_code(entity: dict) -> bool:
        begin, end = entity["offset"], entity["offset"] + entity["length"]
        return any(lo <= begin and end <= hi for lo, hi in code_spans)

    return [e for e in entities if e["type"] in _CODE_TYPES or not inside_code(e)]


# -- entities Telegram detects by itself in plain text ------------------------------------------------

_DETECTORS = [
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"(?<![\w@])https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#&])#\w*[^\W\d_]\w*")),
]
# Formatting entities may overlap detected ones; these may not.
_EXCLUSIVE_TYPES = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def detect_entities(text: str, existing: list[dict] | None = None) -> list[dict]:
    """Add the entities Telegram finds by itself (commands, URLs, @mentions, hashtags).

    Detected entities never overlap each other nor a code/pre/link entity in ``existing``.
    Returns ``existing`` plus the detected entities, sorted.
    """
    entities = list(existing or [])
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _EXCLUSIVE_TYPES]
    for entity_type, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            begin = utf16_len(text[: match.start()])
            end = begin + utf16_len(match.group())
            if all(end <= lo or begin >= hi for lo, hi in taken):
                taken.append((begin, end))
                entities.append({"offset": begin, "length": end - begin, "type": entity_type})
    return sort_entities(entities)
