"""Markdown as plain text: the first heading is the title, markup is removed, paragraphs stay."""

from __future__ import annotations

import re

# Every pattern runs in linear time: a file is untrusted, and Python's regex engine holds the
# GIL, so one backtracking pattern on a crafted 2 KB file ("# a" and 2,000 spaces) froze the
# whole bot. Hence no two adjacent parts that can match the same characters, and spans that
# stop at the next marker or line end instead of searching the rest of the document for a close.
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.*)$", re.MULTILINE)  # one line; closing #s: _heading_text
_MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\([^)\n]*\)")
_MD_EMPHASIS = re.compile(
    r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*"
    r"|(?<!\w)__(?=\S)([^_\n]+?)(?<=\S)__(?!\w)"  # never inside a word: snake_case_names
    r"|~~(?=\S)([^~\n]+?)(?<=\S)~~"
    r"|\*(?=\S)([^*\n]+?)(?<=\S)\*"
    r"|(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"
    r"|`([^`\n]+)`"
)
_MD_NESTING = 3  # passes of _MD_EMPHASIS: "**bold *and italic***" unwraps from the inside out
_MD_FENCE = re.compile(r"^```.*$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^>[ \t]?", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)


def markdown_text(document: str) -> tuple[str | None, str]:
    """The title (the first heading's text, if there is a heading) and the text without markup."""
    document = document.replace("\r\n", "\n")
    title = None
    if heading := _MD_HEADING.search(document):
        title = _inline_text(_heading_text(heading.group(1)))
        document = document[: heading.start()] + document[heading.end() :]
    for pattern, replacement in (
        (_MD_FENCE, ""),
        (_MD_QUOTE, ""),
        (_MD_RULE, ""),  # before emphasis, which would take "***" for an emphasised "*"
        (_MD_HEADING, lambda match: _heading_text(match.group(1))),
    ):
        document = pattern.sub(replacement, document)
    return title, _inline_text(document)


def _inline_text(text: str) -> str:
    """Text without inline markup: images and links become their text, emphasis its content."""
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(_MD_NESTING):
        text = _MD_EMPHASIS.sub(_emphasised, text)
    return text


def _heading_text(line: str) -> str:
    """A heading line without its optional closing #s ("## Title ##"; "# C#" keeps its #)."""
    text = line.strip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and (not unclosed or unclosed[-1] in " \t"):
        text = unclosed.rstrip(" \t")
    return text


def _emphasised(match: re.Match[str]) -> str:
    return next(group for group in match.groups() if group is not None)
