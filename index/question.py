"""What a question asks for: its terms, and the kind of answer it expects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .tokens import Token, tokens


class AnswerType(Enum):
    NUMBER = "number"  # how many / how much / how long / what percentage …
    DATE = "date"  # when / what year / which day …
    PERSON = "person"  # who / whom / whose
    PLACE = "place"  # where / in which country …


# The wording that only frames the question ("how many", "what year") is removed before the
# question is tokenized: "many" or "year" rarely appears next to the answer, and matching it
# elsewhere pulls in wrong passages.
_FRAMES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\bhow (many|much|long|far|old|often|big|large|high|tall|fast|deep|wide)\b", re.I),
     AnswerType.NUMBER),
    (re.compile(r"\b(what|which) (percentage|percent|proportion|share|number|amount|size)\b( of)?", re.I),
     AnswerType.NUMBER),
    (re.compile(r"\b(when|what time|(in |on )?(what|which) (year|years|date|day|month|decade|century))\b",
                re.I), AnswerType.DATE),
    (re.compile(r"\b(who|whom|whose)\b", re.I), AnswerType.PERSON),
    (re.compile(r"\b(where|(in |from |to )?(what|which) (country|city|state|place|region|town|province|"
                r"continent|location))\b", re.I), AnswerType.PLACE),
]  # fmt: skip


# Any question word: the first one says what the question asks ("What team did the player who
# …" asks for a team, not a person).
_WH_WORD = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.I)


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    terms: tuple[str, ...]  # the terms to match, in question order
    answer_type: AnswerType | None
    tokens: tuple[Token, ...]


def analyse(text: str, language: str = "en") -> Question:
    """Tokenize a question and recognise the kind of answer it expects.

    Args:
        text: the question as the user wrote it.
        language: the language to stem it in.

    Returns:
        A :class:`Question`; ``terms`` is empty for a question of stop words only.
    """
    answer_type, framed = None, text
    if language == "en" and (frame := _frame(text)):
        match, answer_type = frame
        # Blank the frame out with spaces so token offsets still point into ``text``.
        framed = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    question_tokens = tuple(tokens(framed, language))
    if not question_tokens:  # "how many?" alone: better to use what there is than nothing
        question_tokens = tuple(tokens(text, language))
    return Question(text, tuple(t.term for t in question_tokens), answer_type, question_tokens)


def _frame(text: str) -> tuple[re.Match[str], AnswerType] | None:
    """The typed frame that opens the question, if its first question word starts one."""
    first = next((m for m in _WH_WORD.finditer(text) if not _in_name(text, m.start())), None)
    if first is None:
        return None
    for pattern, kind in _FRAMES:
        for match in pattern.finditer(text):
            if match.start() <= first.start() < match.end():
                return match, kind
    return None


def _in_name(text: str, index: int) -> bool:
    """A capitalised question word inside a name: "Doctor Who", "The Who"."""
    before = text[:index].rstrip()
    return text[index].isupper() and bool(before) and before[-1] not in ".!?:;,\"'“(" and before.split()[-1][:1].isupper()
