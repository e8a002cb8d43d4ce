"""What a question asks for: its terms, the kind of answer it expects, and the words that
would contradict it (opposites)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache

from .tokens import Token, stemmer, tokens


class AnswerType(Enum):
    NUMBER = "number"  # how many / how much / how far / what percentage …
    AGE = "age"  # how old / at what age
    LENGTH = "length"  # how long: a time or a distance
    DATE = "date"  # when / what year / which day …
    TIME = "time"  # what time: of the clock
    PERSON = "person"  # who / whom / whose
    PLACE = "place"  # where / in which country …
    NAME = "name"  # what is his name?
    RECEPTION = "reception"  # how was it received? / was it a success? / how did people react?
    AWARD = "award"  # did it win any awards? / what prizes did she get? / was he nominated?


# The answer types a passage plainly has or lacks: a count, an age, a length, a date, a time
# of day, how something was received, an award. (A name is in nearly every passage, so lacking
# one says little.) A question asking for one is rarely answered by a passage without any.
PLAIN_TYPES = frozenset(
    {
        AnswerType.NUMBER,
        AnswerType.AGE,
        AnswerType.LENGTH,
        AnswerType.DATE,
        AnswerType.TIME,
        AnswerType.RECEPTION,
        AnswerType.AWARD,
    }
)

# The wording that only frames the question ("how many", "what year") is removed before the
# question is tokenized: "many" or "year" rarely appears next to the answer, and matching it
# elsewhere pulls in wrong passages.
_FRAMES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\b(how old|(at )?what age)\b", re.I), AnswerType.AGE),
    (re.compile(r"\b(for )?how long\b", re.I), AnswerType.LENGTH),
    (re.compile(r"\bhow (many|much|far|often|big|large|high|tall|fast|deep|wide|strong|powerful|"
                r"heavy|hot|cold|warm|thick|expensive|costly|deadly|severe|bad|common|rare|"
                r"widespread)\b", re.I),
     AnswerType.NUMBER),
    (re.compile(r"\b(what|which)('s|’s|s| is| was| are| were)?( the)?( final)? "
                r"(percentage|percent|proportion|share|number|amount|size|score)\b( of)?", re.I),
     AnswerType.NUMBER),
    (re.compile(r"\b((at )?what time)\b", re.I), AnswerType.TIME),
    (re.compile(r"\b(when|(in |on )?(what|which) (year|years|date|day|month|decade|century))\b",
                re.I), AnswerType.DATE),
    (re.compile(r"\b(who|whom|whose|whos)\b", re.I), AnswerType.PERSON),
    (re.compile(r"\bwhat('s|’s|s| is| was| are| were)? (his|her|their) (full |first |last |real )?"
                r"names?\b", re.I), AnswerType.NAME),
    (re.compile(r"\b(where|wheres|(in |from |to )?(what|which) (country|city|state|place|region|town|"
                r"province|continent|location))\b", re.I), AnswerType.PLACE),
]  # fmt: skip


# How something was received: "how was it received?", "was the album a success?", "did it do
# well?", "how did people react?", "what was the reaction to the speech?". The answer says so in
# its own words ("The order was met with protests", "It debuted at number one"), so the words
# that only ask it ("received", "success") are a frame, and so are those naming whose reaction
# ("people", "critics"): the rest ("the album", "the speech") is looked for.
_RECEPTION = re.compile(
    r"\bhow\s+(?:was|were|is|are|has|have)\s+(?:\w+\s+){0,3}?(?:received|reviewed|perceived|accepted|rated)\b"
    r"|\bhow\s+(?:did|do|does|has|have)\s+(?:\w+\s+){0,3}?(?:react|respond|receive|review|sell|fare|perform|feel)\b"
    # "How did it go?", "how did she do in the polls?", not "how did he do it?".
    r"|\bhow\s+(?:did|does|has|have)\s+(?:\w+\s+){0,3}?(?:do|go)\b(?=\W*$|\s+(?:in|at|with|on|overall)\b)"
    r"|\bhow\s+(?:well|successful|popular)\b"
    # As a yes/no question only: "compounding was not popular in what machines?" asks for machines.
    r"|^\W*(?:so\s+)?(?:was|were|is|are|did|does|has|have)\s+(?:\w+\s+){0,3}?(?:a\s+)?"
    r"(?:success|successful|popular|hit|well[- ]received|succeed|do\s+well|sell\s+well|chart)\b"
    # Not "what type of reaction…?", "what is the body's response?".
    r"|\bwhat(?:'s|’s|s|\s+is|\s+was|\s+were)\s+(?:the\s+|their\s+|his\s+|her\s+|its\s+)?"
    r"(?:public\s+|critical\s+|initial\s+|popular\s+)?(?:reaction|reactions|response|reception|reviews?)\W*(?:to\b|$)",
    re.IGNORECASE,
)
_RECEPTION_FRAME = re.compile(
    r"\b(?:received|reviewed|perceived|accepted|rated|receive|review|do|go|sell|fare|perform|feel|"
    r"well|successful|success|popular|hit|succeed|chart|reaction|reactions|response|reception|reviews)\b"
    r"|\b(?:people|the public|public|fans|critics|audiences?|everyone|others)\b",
    re.IGNORECASE,
)
# "React" and "respond" are a frame too when nothing else is asked ("how did people react?"),
# but not beside whom they ask about: "how did Russia respond?" is "Putin responded by…".
_REACTING = re.compile(r"\b(?:react|respond)\b", re.IGNORECASE)
# Awards: "did the album win any awards?", "what prizes did she get?", "was he nominated?". The
# answer names one (highlight.AWARD, which knows every word that asks), so a question whose
# best passages name none asks what the article does not say. Its words are looked for too.
_AWARD = re.compile(r"\b(?:awards?|prizes?|trophy|trophies|medals?|honou?rs|accolades?|nominat\w*)\b", re.I)
_HOW_COME = re.compile(r"\bhow\s+come\b", re.IGNORECASE)
# Words that only sharpen a question: "where exactly?" is "where?", not a search for "exactly".
_SHARPENING = re.compile(
    r"\b(?:exactly|precisely|approximately|roughly|actually|specifically|basically)\b", re.IGNORECASE
)

# "When" opening a clause rather than asking ("When a pathogen is eaten, …", not "when did…").
_OPENING_CLAUSE = re.compile(
    r"^\W*(?:when|where)\s+(?!(?:did|does|do|was|were|is|are|will|would|had|has|have|can|could|should|"
    r"shall|may|might|exactly)\b)",
    re.IGNORECASE,
)
# Any question word: the first one says what the question asks ("What team did the player who
# …" asks for a team, not a person).
_WH_WORD = re.compile(
    r"\b(what|which|who|whom|whose|when|where|why|how|whats|whos|wheres|whens|hows|whys)\b", re.I
)


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    terms: tuple[str, ...]  # the terms to match, in question order
    answer_type: AnswerType | None
    tokens: tuple[Token, ...]
    bare: bool = False  # the question is its frame alone ("how many?", "when?"): its terms are the frame's


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
    if language == "en":  # "how come?" asks why: its "come" names nothing to look for
        framed = _HOW_COME.sub(lambda match: " " * len(match.group()), framed)
        framed = _SHARPENING.sub(lambda match: " " * len(match.group()), framed)
    if answer_type is None and language == "en" and _RECEPTION.search(text):
        answer_type = AnswerType.RECEPTION
        framed = _RECEPTION_FRAME.sub(lambda match: " " * len(match.group()), framed)
        if not tokens(_REACTING.sub(" ", framed), language):
            framed = _REACTING.sub(lambda match: " " * len(match.group()), framed)
    if answer_type is None and language == "en" and _AWARD.search(text):
        answer_type = AnswerType.AWARD
    question_tokens = tuple(tokens(framed, language))
    bare = answer_type is not None and not question_tokens
    if bare:  # "how many?" alone: better to use what there is than nothing
        question_tokens = tuple(tokens(text, language))
    return Question(text, tuple(t.term for t in question_tokens), answer_type, question_tokens, bare)


def _frame(text: str) -> tuple[re.Match[str], AnswerType] | None:
    """The typed frame that opens the question, if its first question word starts one (after
    an opening clause: "When forces act on a body, what law…?" asks for a law)."""
    words = [m for m in _WH_WORD.finditer(text) if not _in_name(text, m.start())]
    if len(words) > 1 and _OPENING_CLAUSE.match(text):
        words = words[1:]
    first = next(iter(words), None)
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
    return (
        text[index].isupper()
        and bool(before)
        and before[-1] not in ".!?:;,\"'“("
        and before.split()[-1][:1].isupper()
    )


# Opposite words: a question that swaps one for the other ("the smallest", "unbalanced") asks
# about something the passage does not say, though it shares nearly all its words. Pairs with
# a stop word ("before"/"after", "more"/"less") are left out: the tokenizer drops stop words.
_OPPOSITES = """
    large small, larger smaller, largest smallest, big little, high low, higher lower,
    highest lowest, long short, longer shorter, longest shortest, old new, older newer,
    oldest newest, young old, early late, earlier later, earliest latest, first last, begin end,
    start end, start finish, increase decrease, increasing decreasing, rise fall, gain loss,
    win lose, victory defeat, success failure, succeed fail, accept reject, allow forbid,
    allow prohibit, permit forbid, include exclude, import export, internal external,
    inside outside, inner outer, upper lower, top bottom, north south, east west,
    northern southern, eastern western, positive negative, maximum minimum, major minor,
    majority minority, strong weak, stronger weaker, rich poor, richer poorer, richest poorest,
    wealthy poor, best worst, better worse, good bad, easy hard, fast slow, faster slower,
    heavy light, hot cold, warm cool, wet dry, true false, male female, public private,
    ancient modern, precede follow, predecessor successor, open close, attack defend, buy sell,
    add remove, push pull, always never, similar different, cause prevent, support oppose
"""
_NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "anti")


@cache
def _opposite_terms() -> dict[str, frozenset[str]]:
    stem = stemmer("en")
    pairs: dict[str, set[str]] = {}
    for pair in _OPPOSITES.split(","):
        a, b = (stem(word) for word in pair.split())
        pairs.setdefault(a, set()).add(b)
        pairs.setdefault(b, set()).add(a)
    return {term: frozenset(opposites) for term, opposites in pairs.items()}


def opposed(term: str, found: set[str]) -> bool:
    """Whether ``found`` holds the opposite of ``term`` ("larger" for "smaller", "balanc" for
    "unbalanc" or the reverse) — a question term the passage contradicts rather than lacks."""
    if _opposite_terms().get(term, frozenset()) & found:
        return True
    for prefix in _NEGATING_PREFIXES:
        if term.startswith(prefix) and len(term) - len(prefix) >= 4 and term[len(prefix) :] in found:
            return True
        if prefix + term in found:
            return True
    return False
