"""Articles: the text a library answers from, with the metadata a citation needs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its body text (the thing every offset points into) and its metadata.

    Equality and hashing use ``id`` only, so passages that point at an article stay cheap to
    compare however long the text is.
    """

    title: str
    text: str = field(repr=False, compare=False)
    language: str = field(default="en", compare=False)
    source_name: str | None = field(default=None, compare=False)
    source_url: str | None = field(default=None, compare=False)
    author: str | None = field(default=None, compare=False)
    published: str | None = field(default=None, compare=False)  # ISO date, "2022-10-03"
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", article_id(self.title, self.text))


def article_id(title: str, text: str) -> str:
    """A stable id derived from the content, so the same article gets the same id everywhere."""
    digest = hashlib.sha256(f"{title}\n\n{text}".encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:16]


def split_title(document: str) -> tuple[str, str]:
    """Split a plain-text document whose first non-empty line is its title.

    Returns:
        ``(title, body)``; the body keeps its own characters exactly (only the title line and
        the blank lines after it are removed), so offsets into it are offsets into the article.
    """
    stripped = document.lstrip("\ufeff\r\n\t ")
    title, _, body = stripped.partition("\n")
    return title.strip(), body.lstrip("\r\n")


@cache
def default_article() -> Article:
    """The embedded default library: the Newsweek report shipped inside the package."""
    document = resources.files("index").joinpath("data/seed-article.txt").read_text(encoding="utf-8")
    title, body = split_title(document)
    return Article(title=title, text=body, language="en", source_name="Newsweek")
