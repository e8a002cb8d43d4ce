"""The one tokenizer for passages and questions alike: words and numbers → comparable terms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from nltk.stem.snowball import SnowballStemmer

# NLTK's English stop-word list (nltk_data corpora/stopwords/english), inlined because the
# project must run offline and nltk_data is a download. One change: "won" is left out — the
# list has it as the stem of "won't", which this tokenizer keeps whole, and "who won …?" needs it.
ENGLISH_STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself
    yourselves he him his himself she she's her hers herself it it's its itself they them their
    theirs themselves what which who whom this that that'll these those am is are was were be been
    being have has had having do does did doing a an the and but if or because as until while of at
    by for with about against between into through during before after above below to from up down
    in out on off over under again further then once here there when where why how all any both
    each few more most other some such no nor not only own same so than too very s t can will just
    don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
    doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't
    needn needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won't wouldn
    wouldn't""".split()
)
# The tokenizer's stop words: those, and the contractions a chat types without their apostrophe
# ("whats the number of …"; the word vectors' table holds NLTK's list only). But "against" is
# looked for: "who voted against the budget?" is not "who voted?" (it quoted the council's
# 9-4 vote rather than the members who voted against; the eval's figures hold).
STOPWORDS = (ENGLISH_STOPWORDS - {"against"}) | frozenset(
    """whats whos wheres whens hows whys thats theres heres hes shes theyre youre theyve youve
    im ive dont doesnt didnt isnt wasnt arent werent cant couldnt wouldnt shouldnt hasnt
    havent hadnt""".split()
)

# English irregular verb forms and plurals, which no suffix-stripping stemmer joins to their base
# ("said" stays "said", "crises" becomes "crise" but "crisis" "crisi"), and the short forms of
# months and titles; mapped to the base before stemming so "what did he say?" finds "he said",
# "referendums" "referenda", "Sept. 21" "September 21" and "the doctor" "Dr. Farchione".
_IRREGULAR_FORMS = {
    form: base
    for base, forms in {
        "arise": "arose arisen", "awake": "awoke awoken", "bear": "bore borne born", "beat": "beaten",
        "become": "became", "begin": "began begun", "bend": "bent", "bet": "", "bind": "bound",
        "bite": "bit bitten", "bleed": "bled", "blow": "blew blown", "break": "broke broken",
        "breed": "bred", "bring": "brought", "build": "built", "burn": "burnt", "buy": "bought",
        "catch": "caught", "choose": "chose chosen", "cling": "clung", "come": "came", "cost": "",
        "creep": "crept", "deal": "dealt", "dig": "dug", "draw": "drew drawn", "dream": "dreamt",
        "drink": "drank drunk", "drive": "drove driven", "eat": "ate eaten", "fall": "fell fallen",
        "feed": "fed", "feel": "felt", "fight": "fought", "find": "found", "flee": "fled",
        "fly": "flew flown", "forbid": "forbade forbidden", "forget": "forgot forgotten",
        "forgive": "forgave forgiven", "freeze": "froze frozen", "get": "got gotten",
        "give": "gave given", "go": "went gone", "grind": "ground", "grow": "grew grown",
        "hang": "hung", "hear": "heard", "hide": "hid hidden", "hit": "", "hold": "held",
        "hurt": "", "keep": "kept", "kneel": "knelt", "know": "knew known", "lay": "laid",
        "lead": "led", "lean": "leant", "leap": "leapt", "learn": "learnt", "leave": "left",
        "lend": "lent", "lie": "lay lain", "light": "lit", "lose": "lost", "make": "made",
        "mean": "meant", "meet": "met", "pay": "paid", "prove": "proven", "quit": "",
        "ride": "rode ridden", "ring": "rang rung", "rise": "rose risen", "run": "ran",
        "say": "said", "see": "saw seen", "seek": "sought", "sell": "sold", "send": "sent",
        "shake": "shook shaken", "shine": "shone", "shoot": "shot", "show": "shown",
        "shrink": "shrank shrunk", "sing": "sang sung", "sink": "sank sunk", "sit": "sat",
        "sleep": "slept", "slide": "slid", "speak": "spoke spoken", "spend": "spent",
        "spin": "spun", "spring": "sprang sprung", "stand": "stood", "steal": "stole stolen",
        "stick": "stuck", "sting": "stung", "strike": "struck stricken", "swear": "swore sworn",
        "sweep": "swept", "swim": "swam swum", "swing": "swung", "take": "took taken",
        "teach": "taught", "tear": "tore torn", "tell": "told", "think": "thought",
        "throw": "threw thrown", "understand": "understood", "wake": "woke woken",
        "wear": "wore worn", "weep": "wept", "win": "won", "wind": "wound", "write": "wrote written",
        "withdraw": "withdrew withdrawn", "undertake": "undertook undertaken",
        "overcome": "overcame", "overtake": "overtook overtaken", "uphold": "upheld",
        "die": "dead death", "child": "children", "man": "men", "woman": "women",
        "person": "people", "mouse": "mice", "foot": "feet", "tooth": "teeth",
        "goose": "geese", "ox": "oxen", "louse": "lice", "wife": "wives", "knife": "knives",
        "wolf": "wolves", "half": "halves", "thief": "thieves", "shelf": "shelves",
        "crisis": "crises", "analysis": "analyses", "thesis": "theses", "hypothesis": "hypotheses",
        "diagnosis": "diagnoses", "criterion": "criteria", "phenomenon": "phenomena",
        "referendum": "referenda", "memorandum": "memoranda", "curriculum": "curricula",
        "stratum": "strata", "bacterium": "bacteria", "index": "indices", "appendix": "appendices",
        "matrix": "matrices", "nucleus": "nuclei", "stimulus": "stimuli", "fungus": "fungi",
        "cactus": "cacti", "alumnus": "alumni", "radius": "radii", "syllabus": "syllabi",
        "january": "jan", "february": "feb", "april": "apr", "june": "jun", "july": "jul",
        "august": "aug", "september": "sep sept", "october": "oct", "november": "nov",
        "december": "dec",
        # A news photo is credited as an image ("Vadim Blazhevich/Getty Images"), and asked
        # about as a photo or a picture.
        "photo": "photograph photographs picture pictures pictured pic pics image images",
        # News names people by their titles' short forms ("Dr. Tiffany Farchione", "Sen. Joe
        # Manchin"), and a chat asks what the doctor or the senator said.
        "doctor": "dr", "professor": "prof", "senator": "sen", "governor": "gov",
        "sergeant": "sgt", "lieutenant": "lt", "captain": "capt",
    }.items()
    for form in forms.split()
}  # fmt: skip
# …and those of verbs done again: "retaken" and "retook" are "retake" ("Ukrainian forces have
# retaken…" for "what did Ukraine retake?"). Only these: "resent", "relent", "relay" or
# "rebound" are words of their own.
_IRREGULAR_FORMS |= {
    "re" + form: "re" + base
    for form, base in list(_IRREGULAR_FORMS.items())
    if base in {"take", "write", "build", "make", "sell", "tell", "think", "draw", "pay", "run", "grow"}
}

# ISO 639-1 code → the Snowball stemmer NLTK ships (pure Python, no data needed). Languages
# without one (Ukrainian, for example) are matched on their lower-cased word forms.
SNOWBALL_LANGUAGES = {
    "ar": "arabic", "da": "danish", "de": "german", "en": "english", "es": "spanish",
    "fi": "finnish", "fr": "french", "hu": "hungarian", "it": "italian", "nb": "norwegian",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish",
}  # fmt: skip

_SCALES = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mn": 1_000_000, "million": 1_000_000,
           "b": 1_000_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}  # fmt: skip
# A word: letters/digits joined by inner apostrophes, periods or commas ("Ukraine's", "U.S",
# "300,000", "2.5"). Hyphens and slashes separate words, so "Russian-occupied" gives two terms.
_WORD = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*")
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)*)(k|m|mn|b|bn)?", re.IGNORECASE)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
# An English ordinal, which means its number: "the 21st of September" is "September 21".
_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)", re.IGNORECASE)
_SCALE_GAP = re.compile(r"[ \t\u00a0-]?")


class Token(NamedTuple):
    """A term and the span of the text it came from (for highlighting)."""

    term: str
    start: int
    end: int


def tokenize(text: str, language: str = "en") -> list[str]:
    """Terms of ``text``: lower-cased, stemmed for ``language``, without stop words.

    Args:
        text: any text (passage or question).
        language: ISO 639-1 code of the article's language.

    Returns:
        The terms in order; numbers are normalised ("300,000", "300000", "300k" → "300000").
    """
    return [token.term for token in tokens(text, language)]


def tokens(text: str, language: str = "en") -> list[Token]:
    """Like :func:`tokenize`, keeping each term's character span in ``text``."""
    stem = stemmer(language)
    stopwords = STOPWORDS if language == "en" else frozenset()
    out: list[Token] = []
    matches = list(_WORD.finditer(text))
    skip_next = False
    for i, match in enumerate(matches):
        if skip_next:
            skip_next = False
            continue
        word = match.group()
        if word[0].isdigit() and (number := _NUMBER.fullmatch(word)):
            value, end = _number_value(number, language), match.end()
            scale = _scale_after(text, match, matches[i + 1] if i + 1 < len(matches) else None)
            if value is not None and scale:
                value, end, skip_next = value * _SCALES[scale.group().lower()], scale.end(), True
            if value is not None:
                out.append(Token(_format_number(value), match.start(), end))
                continue
        if word[0].isdigit() and language == "en" and (ordinal := _ORDINAL.fullmatch(word)):
            out.append(Token(str(int(ordinal.group(1))), match.start(), match.end()))
            continue
        for term, start, end in _word_parts(word, match.start()):
            lowered = term.casefold()
            if lowered in stopwords:
                continue
            lowered = _strip_apostrophes(lowered)
            if lowered and lowered not in stopwords:
                out.append(Token(stem(lowered), start, end))
    return out


def _scale_after(text: str, number: re.Match[str], following: re.Match[str] | None) -> re.Match[str] | None:
    """The word after a number when it scales it ("3 million"), else None."""
    if following is None or following.group().casefold() not in _SCALES:
        return None
    if len(following.group()) < 3:  # "3 m" is three metres, not three million
        return None
    gap = text[number.end() : following.start()]
    return following if _SCALE_GAP.fullmatch(gap) else None


def _number_value(number: re.Match[str], language: str) -> float | None:
    digits, suffix = number.group(1), number.group(2)
    if _THOUSANDS.fullmatch(digits):
        digits = digits.replace(",", "")
    elif language != "en" and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
        digits = digits.replace(".", "")  # "1.000.000" in German, French, Spanish …
    elif language != "en" and re.fullmatch(r"\d+,\d+", digits):
        digits = digits.replace(",", ".")  # decimal comma
    try:
        value = float(digits)
    except ValueError:
        return None  # "1.2.3" – a version or section number, not a quantity
    if suffix:
        value *= _SCALES[suffix.lower()]
    return value


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _word_parts(word: str, offset: int) -> list[tuple[str, int, int]]:
    """Split "a,b" and "U.S" style words: commas always separate, periods between letters join."""
    parts = []
    position = offset
    for piece in word.split(","):
        if piece:
            parts.append((piece.replace(".", ""), position, position + len(piece)))
        position += len(piece) + 1
    return parts


def _strip_apostrophes(word: str) -> str:
    """ "ukraine's" → "ukraine", "o'brien" → "obrien"."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace("'", "")


@cache
def stemmer(language: str) -> Callable[[str], str]:
    """The stemming function for ``language`` (memoised: stemming is the tokenizer's cost).

    Stems are folded to plain Latin letters afterwards ("Temür" meets "Temur", "café" meets
    "cafe"): the stemmers need the accents to find suffixes, but people often leave them out.
    """
    name = SNOWBALL_LANGUAGES.get(language)
    stem = SnowballStemmer(name).stem if name else _identity
    if language == "en":
        return cache(lambda word: fold_accents(stem(english_base(word))))
    return cache(lambda word: fold_accents(stem(word)))


def english_base(word: str) -> str:
    """An irregular form's base ("said" → "say"), and a superlative in "-iest" its adjective
    ("costliest" → "costly", which the stemmer joins to "cost"; "priest" is too short to be one)."""
    if (base := _IRREGULAR_FORMS.get(word)) is not None:
        return base
    return word[:-4] + "y" if len(word) >= 7 and word.endswith("iest") else word


def fold_accents(word: str) -> str:
    """Drop the accents of Latin letters only (Cyrillic "й" or Greek keep their marks)."""
    if word.isascii():
        return word
    out: list[str] = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char) and out and out[-1].isascii():
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def _identity(word: str) -> str:
    return word
