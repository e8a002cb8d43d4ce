"""Which words of a passage to emphasise: the question's terms and the words that answer it."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from .conversation import ATTRIBUTION_TERMS
from .question import AnswerType, Question
from .tokens import STOPWORDS, Token, tokens

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|trillions|dozen|dozens|half|"
    r"twice|once|several"
)
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_WEEKDAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

# A quantity: "300,000", "$2.5 billion", "3 percent", "about three times", "2,316 square miles".
NUMBER = re.compile(
    # a score or a vote: "3-1", "7–4"; a share: "one in seven", "1 in 5"
    r"(?<!\d[-–])\b\d{1,3}[-–]\d{1,3}\b(?![-–]\d)"
    rf"|\b(?:\d+|{_NUMBER_WORDS})\s+in\s+(?:\d+|{_NUMBER_WORDS})\b"
    rf"|(?:[$€£¥]\s?)?\b(?:\d[\d,.]*\d|\d|(?:{_NUMBER_WORDS}))\b"
    rf"(?:[\s-](?:(?:{_NUMBER_WORDS})\b|percent\b|per cent\b|%))*%?",
    re.IGNORECASE,
)
# A time of the clock: "10:47 p.m.", "9 a.m.", "14:30", "noon", "midnight".
_CLOCK = r"\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d{2}\b|\b(?:noon|midnight)\b"
TIME = re.compile(_CLOCK, re.IGNORECASE)
# A point in time: "September 21", "Sept. 21, 2022", "on Monday", "in 1973", "last week", "the 1970s",
# "at 10:47 p.m.", "in the 13th and 14th centuries", "c. 1180", "in 630", "the mid-sixties",
# "three years later", "66 million years ago".
_AGO = (
    rf"(?:\d[\d,.]*|{_NUMBER_WORDS}|a|an|a\s+few|several)(?:\s+(?:thousand|million|billion))?\s+"
    rf"(?:years?|months?|weeks?|days?|decades?|centuries)\s+(?:ago|later|after|before|earlier)"
)
_COUNTED_TIME = re.compile(rf"\b{_AGO}", re.IGNORECASE)  # "66 million years ago" is a count too
DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:,?\s+\d{{4}})?"
    rf"|(?:{_WEEKDAYS})|(?:1\d|20)\d{{2}}s?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)(?:\s+(?:and|or|to)\s+\d{{1,2}}(?:st|nd|rd|th))?[\s-]+centur(?:y|ies)"
    rf"|c\.?\s?\d{{3,4}}|(?<=in |by )\d{{3}}(?:\s+(?:AD|BC|CE|BCE))?(?![\s-]*[^\W\d_])(?!\s*%)"
    rf"|(?:(?:early|mid|late)[\s-]?)?(?:twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)"
    rf"|{_AGO}"
    rf"|(?:last|next|this|that)\s+(?:week|month|year|summer|winter|spring|autumn|fall)"
    rf"|(?:(?:over|in|during|since|through|until|by)\s+the|early|late)\s+(?:summer|winter|spring|autumn|fall)"
    rf"|(?:yesterday|today|tomorrow))\b"
    rf"|{_CLOCK}",
    re.IGNORECASE,
)
# An age, as news gives one: "47-year-old", "six years old", "aged 47", "at the age of 47",
# "between the ages of 6 and 14", "at age six", "50 years of age", and "Dale Morrow, 47, of
# Lexington" (a number alone between commas after a word, not in a list of numbers).
AGE = re.compile(
    rf"\b(?:\d{{1,3}}|{_NUMBER_WORDS})[\s-]years?[\s-]old\b"
    rf"|\b(?:aged?|ages|at the ages? of|between the ages of)\s+(?:\d{{1,3}}|{_NUMBER_WORDS})"
    rf"(?:\s*(?:-|–|to|and)\s*(?:\d{{1,3}}|{_NUMBER_WORDS}))?\b"
    rf"|\b\d{{1,3}}\s+years\s+of\s+age\b"
    rf"|(?<=[^\W\d_], )\d{{1,3}}(?=,)",
    re.IGNORECASE,
)
# A time or a distance, as "how long" asks for one: "30 years", "nearly 12 hours", "a week",
# "2,500 miles", "six-month" (not the rate of "$1 a year"). At most three number words before
# the unit ("two hundred thousand years"): an unbounded run, tried from each of its words,
# took time growing with its square.
LENGTH = re.compile(
    # (not the rate of "once a day", "three times a week")
    rf"\b(?:\d[\d,.]*|{_NUMBER_WORDS}|(?<!\d )(?<!once )(?<!twice )(?<!times )an?)"
    rf"(?:[\s-](?:{_NUMBER_WORDS})){{0,3}}[\s-]"
    rf"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centuries|century"
    rf"|km|kilometers?|kilometres?|miles?|meters?|metres?|feet|foot|inches|yards?)\b"
    # …or a span of years: "from 2014 until his resignation in 2022", "between 1998 and 2004".
    rf"|\b(?:from|between)\s+(?:1\d|20)\d{{2}}\s+(?:to|until|till|through|and)\s+(?:[\w'’]+\s+){{0,4}}?(?:1\d|20)\d{{2}}\b",
    re.IGNORECASE,
)
# A name: capitalised words, possibly joined by "of"/"de"/"van" ("Andriy Yusov", "Rhode Island").
# A title's abbreviation is part of the name it comes before ("Dr. Tiffany Farchione").
_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Rev|St)\.[^\S\n]+)?"
NAME = re.compile(
    rf"\b{_TITLE}[A-Z][\w'’.-]*[\w](?:[^\S\n]+(?:(?:of|de|van|von|al|bin|du|la|le)[^\S\n]+)?[A-Z][\w'’-]*[\w])*"
)
# A person's name as a report gives it first: capitalised words, two or more ("Dale Morrow",
# "Mayor Laura Chen"), not a lone "Kenya" or "CNN".
FULL_NAME = re.compile(
    rf"\b{_TITLE}[A-Z][a-z][\w'’.-]*(?:[^\S\n]+(?:(?:de|van|von|al|bin|du|la|le)[^\S\n]+)?[A-Z][a-z][\w'’-]*)+"
)
# Honours, which say how something was received and are what an award question asks for.
_HONOURS = r"award(?:s|ed)?|nominat\w+|Emmys?|Grammys?|Oscars?|accolades?"
# How something was received: by the public ("was met with protests"), critics ("praised"),
# buyers and the charts ("reached number four", "sold 80,000 copies", "went platinum"), juries
# and contests ("won the Viareggio Prize", "three Emmys").
RECEPTION = re.compile(
    rf"\b(?:number|No\.)\s*(?:\d+|{_NUMBER_WORDS})\b|\btop\s+(?:\d+|ten|five|forty)\b"
    r"|\bmet\s+with(?:\s+[\w-]+){1,2}"
    r"|\b(?:critics?|critical(?:ly)?|acclaim(?:ed)?|prais\w*|reviews?|reviewers?|success(?:ful|fully)?|hits?|"
    r"charts?|charted|peaked|debuted|Billboard|platinum|gold|sold|sales|copies|box\s+office|gross(?:ed)?|"
    rf"best[- ]selling|popular(?:ity)?|{_HONOURS}|protests?|protested|condemn\w*|welcom\w*|"
    r"tears|wept|mourn\w*|griev\w*|grief|sadden\w*|dismay\w*|outcry|devastat\w*|heartbr\w*|"
    r"win|wins|won|winning|honou?r(?:s|ed)|outrage\w*|backlash|"
    r"criticis\w+|criticiz\w+|applau\w+|cheer\w*|reacted|reactions?|responses?|received|"
    r"reception|positive|negative|mixed|favou?rabl[ey]|flop(?:ped)?|fail(?:ed|ure)|panned)\b",
    re.IGNORECASE,
)
# An award, a prize or a nomination: "two Academy Awards nominations", "won the Pulitzer Prize",
# "inducted into the Hall of Fame".
AWARD = re.compile(
    rf"\b(?:{_HONOURS}|prizes?|trophy|trophies|medals?|honou?r(?:s|ed)?|"
    r"Tonys|Hall\s+of\s+Fame|inducted|knighted|laureate)\b",
    re.IGNORECASE,
)
# What an answer of each type looks like.
ANSWER_PATTERNS = {
    AnswerType.NUMBER: NUMBER,
    AnswerType.AGE: AGE,
    AnswerType.LENGTH: LENGTH,
    AnswerType.DATE: DATE,
    AnswerType.TIME: TIME,
    AnswerType.PERSON: NAME,
    AnswerType.PLACE: NAME,
    AnswerType.NAME: FULL_NAME,
    AnswerType.RECEPTION: RECEPTION,
    AnswerType.AWARD: AWARD,
}

# Numbers and names are not looked for in dates that name a month or a day ("February 6",
# "Sept. 21, 2022", "on Monday"); a bare year may be a count ("1500 troops").
_NOT_IN_DATES = (NUMBER, NAME, FULL_NAME)
_NAMED = re.compile(r"[^\W\d_]{3}")
_NAMES = (NAME, FULL_NAME)
_SAYS = re.compile(r"\s+(?:said|says|say|told|added|announced|stated|wrote|warned|estimated)\b")
_HOW_MUCH = re.compile(r"\bhow\s+much\b", re.IGNORECASE)
_MONEY = re.compile(r"[$€£¥]|\b(?:dollars?|euros?|pounds|cents|yen|rubles?|roubles?)\b", re.IGNORECASE)
# The words a passage attributes with, as written ("state-controlled" does not attribute).
_ATTRIBUTING = re.compile(
    r"said|says|saying|told|tells|added|adds|according|wrote|writes|stated|claimed|claims|reported|reports|"
    r"announced|announces|estimated|noted|explained|warned|predicted|confirmed|tweeted|posted",
    re.IGNORECASE,
)
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ians?|eans?|ese|ish|ans)")
# "in", "at", "near", "from", "to" and the like just before: "in the city of Petropavl".
_LOCATIVE = re.compile(
    r"\b(?:(?:in|at|near|from|to|into|across|outside|inside|throughout|around|toward|towards)\s+"
    r"(?:the\s+)?(?:(?:city|town|village|region|province|state|county|capital|country)\s+of\s+)?"
    r"|(?:north|south|east|west|central|(?:north|south)(?:east|west))(?:ern)?\s+)$",
    re.IGNORECASE,
)
_AFTER_A_PLACE = re.compile(r"[A-Z][\w'’-]+,\s+$")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+[\"“]?[A-Z]")
# A capitalised word after a lower-case word or a comma: not a sentence's first.
_INSIDE_CAPITALISED = re.compile(r"(?<=[a-z,;] )([A-Z][\w'’-]*)")

Span = tuple[int, int]


def highlights(
    text: str,
    offset: int,
    question: Question,
    language: str = "en",
    proper: frozenset[str] = frozenset(),
    asked_of: Span | None = None,
) -> list[Span]:
    """Spans of ``text`` (shifted by ``offset``) to emphasise for ``question``.

    Args:
        text: the passage text.
        offset: where ``text`` starts in its article, so spans come back as article offsets.
        question: the analysed question.
        language: the article's language (for matching terms).
        proper: words the article writes capitalised inside a sentence (:func:`proper_nouns`),
            so names even where they start one ("Putin responded…").
        asked_of: for a question asking of the last answer ("when?"), where that answer stands
            (article offsets): with no word of the question to stand by, its answer is the one
            nearest that.

    Returns:
        Sorted, non-overlapping spans: the question's terms wherever they occur, and — for
        "how many / when / who / where" questions — the numbers, dates or names that may
        answer it, taken from the sentence sharing most terms with the question.
    """
    terms = set(question.terms)
    passage_tokens = _passage_tokens(text, language)
    spans = [(t.start, t.end) for t in passage_tokens if t.term in terms]
    if question.answer_type is not None:
        answered = None
        if asked_of is not None:  # in the passage's own offsets, clipped to it
            start, end = (min(max(edge - offset, 0), len(text)) for edge in asked_of)
            answered = (start, end)
        spans += _answer_spans(text, question, terms, passage_tokens, proper, answered)
    return [(offset + start, offset + end) for start, end in _merge(spans)]


def proper_nouns(text: str) -> frozenset[str]:
    """The words ``text`` capitalises inside a sentence (casefolded): names, which a sentence
    may start with too ("Putin responded…", where "Several buildings…" is no name)."""
    return frozenset(match.group(1).casefold() for match in _INSIDE_CAPITALISED.finditer(text))


@functools.lru_cache(maxsize=512)
def _passage_tokens(text: str, language: str) -> tuple[Token, ...]:
    """A passage's tokens, kept for the next question that shows it: tokenizing is most of what
    highlighting costs, and the same passages (a chat's top hits) come up again and again."""
    return tuple(tokens(text, language))


def _answer_spans(
    text: str,
    question: Question,
    terms: set[str],
    passage_tokens: tuple[Token, ...],
    proper: frozenset[str],
    answered: Span | None = None,
) -> list[Span]:
    pattern = ANSWER_PATTERNS[question.answer_type]
    question_words = {w.casefold() for w in re.findall(r"\w+", question.text)}
    found = [
        (start, end)
        for start, end, words, lone_capital in _candidates(pattern, text)
        # not the question's own words, nor a lone capital that only starts a sentence — unless
        # the article writes it as a name, or it says something ("Prosecutors said…")
        if not words <= question_words
        and not (
            lone_capital
            and pattern in _NAMES
            and not words <= proper
            and (words <= STOPWORDS or not _SAYS.match(text, end))
        )
    ]
    found = _likeliest(found, text, question)
    if not found:
        return []
    # Prefer the candidates closest to where the question's terms are ("who said it?": to where
    # the passage attributes, "told", "reported", "according to").
    asks_who_said = pattern in _NAMES and not ATTRIBUTION_TERMS.isdisjoint(terms)
    anchors = [
        (t.start, t.end)
        for t in passage_tokens
        if t.term in terms or (asks_who_said and _ATTRIBUTING.fullmatch(text, t.start, t.end))
    ]
    if not anchors:
        if answered is None:
            return found[:1]
        # "When?" after "…Putin announced a partial mobilization last month" is "last month", not
        # the "on Monday" of the sentence before it, the first date of the passage shown; "who
        # took it?" after the photo's credit is "Vadim Blazhevich", not the caption's "Fleeing
        # Russian Citizens": the candidate nearest the last answer, the first of those inside it.
        return [min(found, key=lambda span: max(span[0] - answered[1], answered[0] - span[1], 0))]
    # Of the candidates, the one nearest a question's word by its edge ("3 million customers in
    # 70 countries": 3 million customers; "Zelensky says that Russians…": Zelensky, who says).
    # Anchors lie in order: a span's nearest lie just before and after it, found by bisection
    # (a pass over every pair took time growing with the square of a long passage's words).
    starts = [a for a, _ in anchors]
    boundaries = [match.start() for match in _SENTENCE_END.finditer(text)] if pattern in _NAMES else []

    # A count comes before what it counts ("12 people died and 300 were hurt": 12 died), so a
    # number after the question's word counts as twice as far.
    after = 2 if pattern is NUMBER else 1

    def gaps(span: Span, across: bool) -> Iterator[int]:
        """The characters between ``span`` and its nearest anchors — ``across`` a sentence's end
        or not."""
        j = bisect.bisect_left(starts, span[1])
        for anchor in anchors[max(j - 1, 0) : j + 1]:
            (_, end), (start, _) = sorted([span, anchor])
            i = bisect.bisect_left(boundaries, end)
            if across or i == len(boundaries) or boundaries[i] >= start:
                yield max(start - end, 0) * (after if anchor[1] <= span[0] else 1)

    if pattern not in _NAMES:
        return [min(found, key=lambda span: min(gaps(span, across=True)))]
    # A name answers in the sentence of a question's word, nearest by its edge ("Zelensky says
    # that Russians…": Zelensky, who says); "who condemned them?" of "referendums widely
    # condemned" is not the next sentence's Putin.
    near = [(gap, span) for span in found for gap in gaps(span, across=False)]
    if not near:  # a quote's sentences are said by the name beside them: '"Why…?" Zelensky said.'
        near = [
            (gap, span) for span in found if _SAYS.match(text, span[1]) for gap in gaps(span, across=True)
        ]
    return [min(near)[1]] if near else []


def _likeliest(found: list[Span], text: str, question: Question) -> list[Span]:
    """Of the candidates, those of the kind the question asks for: "how much" an amount of money
    if there is one, "where" a name after "in", "at", "near"… or after a place and a comma
    ("Petropavl, Kazakhstan"), never a people ("Russians"); a name with neither ("Zelensky
    made the remarks") is no place."""
    if question.answer_type is AnswerType.NUMBER and _HOW_MUCH.search(question.text):
        return [span for span in found if _MONEY.search(text, *span)] or found
    if question.answer_type is AnswerType.PLACE:  # "in the city of Petropavl, Kazakhstan"
        return [
            span
            for span in found
            if not _DEMONYM.fullmatch(text, *span)
            and (
                _LOCATIVE.search(text, max(span[0] - 60, 0), span[0])
                or _AFTER_A_PLACE.search(text, max(span[0] - 60, 0), span[0])
            )
        ]
    return found


@functools.lru_cache(maxsize=512)
def _candidates(pattern: re.Pattern[str], text: str) -> tuple[tuple[int, int, frozenset[str], bool], ...]:
    """Every match of ``pattern`` in ``text``: (start, end, its words casefolded, whether it is
    one capitalised word at the start of a sentence). Kept, like the passage's tokens. A number
    or a name inside a date is not one: "February 6" is no count, "Monday" no person or place."""
    in_dates = pattern in _NOT_IN_DATES
    # (the numbers of a date naming a month or a day, or of a time: "10:47 p.m." counts nothing)
    dates = (
        [
            m.span()
            for m in DATE.finditer(text)
            if (_NAMED.search(when := m.group()) and not _COUNTED_TIME.fullmatch(when))
            or TIME.fullmatch(when)
        ]
        if in_dates
        else []
    )
    if pattern is NUMBER:  # nor an age ("Keane, 61,")
        dates += [m.span() for m in AGE.finditer(text)]
    return tuple(
        (
            match.start(),
            match.end(),
            frozenset(w.casefold() for w in re.findall(r"\w+", match.group())),
            match.group()[:1].isupper()
            and " " not in match.group()
            and _starts_sentence(text, match.start()),
        )
        for match in pattern.finditer(text)
        if not any(start < match.end() and match.start() < end for start, end in dates)
    )


# What else states an answer of a type: an age says when ("at the age of ten, he…"), and a
# time counted back gives the age of a thing ("fossils from 515 million years ago"; not any
# length of time: "200,000 visitors a year" says nothing of how old a church is).
_ALSO_STATED_BY = {AnswerType.DATE: AGE, AnswerType.AGE: _COUNTED_TIME}


def states(answer_type: AnswerType, text: str) -> bool:
    """Whether ``text`` states an answer of ``answer_type`` (one of ANSWER_PATTERNS' types)."""
    if mentions(ANSWER_PATTERNS[answer_type], text):
        return True
    other = _ALSO_STATED_BY.get(answer_type)
    return other is not None and mentions(other, text)


def mentions(pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``text`` has a match of ``pattern`` (NUMBER, DATE, NAME), from the same cache."""
    return bool(_candidates(pattern, text))


def names_in(text: str) -> list[str]:
    """The names ``text`` gives (NAME), but a capitalised word that only starts a sentence."""
    return [text[start:end] for start, end, _, lone_capital in _candidates(NAME, text) if not lone_capital]


def _starts_sentence(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?\"'“”:\n"


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
