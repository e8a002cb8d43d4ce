"""An example question drawn from an article, to show people what they can ask."""

from __future__ import annotations

import re

from .article import Article

_COUNT = re.compile(r"\b\d[\d,.]*\s+([a-z]{4,}s)\b")  # "300,000 reservists"
_NAME = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+ [A-Z][a-z]+)\b(?! [A-Z])")


def example_question(article: Article) -> str:
    """A question the article answers: "how many <things>?" for a counted noun, else "who is
    <name>?" for a person-like name, else a question about its title."""
    text = article.text[:20_000]
    if article.language == "en":
        if count := _COUNT.search(text):
            return f"how many {count.group(1)}?"
        if name := _NAME.search(text):
            return f"who is {name.group(1)}?"
    return f"what does it say about {article.title[:60].strip()}?"
