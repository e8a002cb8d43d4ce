"""Conversations: what a question takes from the turns before it.

A question in a chat often leans on the previous turn: "when?", "who took it?", "what
happened next?", "and Kherson?". The previous turn is a question and the passage that answered
it. A question leans on it when it lacks something of its own — no word naming a subject that
the library has, a pronoun in place of one, an opening "and …" — and then borrows that
question's words. Whether it leans or not, its answer is looked for around and after the
previous answer: in conversations about a text, the next answer mostly comes right after the
last one (in the QuAC dialogs of the eval's dev split, 78 % of follow-up answers lie after the
previous answer and 42 % within its next three sentences; docs/quality.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from .article import Article
from .tokens import stemmer


class Turn(NamedTuple):
    """An earlier exchange of the conversation: the question and its answer — the answer's
    text and, when known, where it stands in the library (the passage the bot quoted)."""

    question: str
    answer: str = ""
    article_id: str | None = None  # the quoted passage's article…
    start: int | None = None  # …and its offsets in that article's text
    end: int | None = None


class Anchor(NamedTuple):
    """Where an earlier answer stands: an article and a span of its text."""

    article: Article
    start: int
    end: int


# A question refers back when it names its subject with a pronoun ("what did he say?", "when
# was it built?") or opens as the rest of the turn before ("and Kherson?", "what about the
# south?").
_REFERS_BACK = re.compile(
    r"^\W*(?:and|but|also|so|or|then|what about|how about)\b"
    r"|\b(?:he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
    r"then|the same)\b",
    re.IGNORECASE,
)
# A question that opens as the rest of the turn before and asks nothing of its own ("and
# Kherson?", "what about the south?", not "and how did people react?") asks that turn's
# question about what it names.
_GOES_ON_FROM = re.compile(
    r"^\W*(?:and|but|also|so|or|then|what about|how about)\b(?!\W+(?:who|whom|whose|what|when|where|"
    r"why|how|which|did|does|do|is|are|was|were|can|could|will|would|has|have|had)\b)",
    re.IGNORECASE,
)
# A follow-up that only asks to go on: "and?", "go on", "continue", "more please", "and then?",
# or to hear more of it: "explain", "how so?", "like what?". Its words are not looked for
# ("continue" is not about continuing, nor "explain" about explaining), and what was said is
# not shown again.
_GO_ON = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|alright|please|but)\W+)*"
    r"(?:go on|continue|keep going|carry on|go ahead|proceed|(?:(?:tell|show|give) me )?more|next|"
    r"what(?:'?s| is)? next|(?:and )?then(?: what)?|(?:and )?after that|and"
    r"|(?:(?:tell|show|give) me )?(?:more )?details|(?:please )?(?:explain|elaborate)(?: (?:that|this|it))?"
    r"|how so|in what way|like what|for (?:example|instance)|such as)(?:\W+please)?\W*$",
    re.IGNORECASE,
)
# "What does that mean?", "what do you mean?": what was just said, read again (in QuAC the
# answer is mostly the same passage), not what comes next.
_MEANS = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|but|sorry)\W+)*(?:what do (?:you|u) mean(?: by (?:that|this|it))?"
    r"|what does (?:that|this|it) mean|meaning|what(?:'s| is) that)\W*$",
    re.IGNORECASE,
)
# "Who said that?", "says who?": who the last answer quotes or follows, which the article names
# where that answer stands or just before it ("…," Zelensky said. "But…").
_WHO_SAID = re.compile(
    r"^\W*(?:(?:and|so|but)\s+)?(?:who\s+(?:said|says|say|told|wrote|claimed|claims|stated|announced|reported"
    r"|estimated|predicted|confirmed|tweeted|posted)\s+"
    r"(?:that|this|it|so)(?:\s+(?:first|then|again))?|says\s+who|according\s+to\s+(?:who|whom))"
    # …and nothing more: "who said that Russians are fleeing?" asks who said what it says.
    r"\W*$",
    re.IGNORECASE,
)
# "Are you sure?", "where does it say that?": the last answer again, with its citation.
_AGAIN = re.compile(
    r"^\W*(?:(?:oh|wait|hm+|and|so|but)\W+)*(?:"
    # Alone, "sure" and "really" doubt only as a question ("sure" agrees).
    r"(?:really|seriously|sure)\W*\?"
    r"|(?:are|r) (?:you|u) sure|is (?:that|this|it) (?:so|true|right|correct|accurate)"
    r"|(?:that'?s|thats) (?:true|right|correct)\W*\?"
    r"|where (?:does|did) (?:it|the article|the story|the text) say(?: (?:that|this|so))?"
    r"|where (?:did|do) (?:you|u) (?:get|find|read|see) (?:that|this)"
    r"|where(?:'s| is) (?:that|this) from|how do (?:you|u) know(?: (?:that|this))?|says where"
    # …or to hear it again: "say that again", "repeat it", "come again?", "what?" alone.
    r"|say (?:that|it) again|repeat(?: (?:that|it|please))?|come again|again\W*\?|what\W*\?|pardon|sorry\W*\?"
    r"|proof|evidence|citation|quote)(?:\W+please)?\W*$",
    re.IGNORECASE,
)
# "What happened before that?", "and before that?", "earlier?": what comes just before the last
# answer, as "what happened next?" is what comes just after it.
_BEFORE = re.compile(
    r"^\W*(?:(?:and|so|ok|okay)\W+)*"
    r"(?:(?:what|who)(?:'?s| is)?\s+(?:happened|came|was|went|comes|did it say)\s+)?(?:right\s+|just\s+)?"
    r"(?:before\s+(?:that|this|then|it)|before|earlier|previously|prior to (?:that|this)"
    r"|go back|back|previous(?:\s+(?:one|paragraph|part|bit))?|the one before)"
    r"(?:\W+please)?\W*$",
    re.IGNORECASE,
)
# "What happened next?", "and then?", "go on": only what comes after the last answer, which
# at the article's end is nothing ("anything else?" and "explain" may be answered elsewhere).
_NEXT = re.compile(
    r"^\W*(?:(?:and|so|ok|okay|alright|please|but)\W+)*"
    r"(?:what(?:'?s| is)?\s+(?:(?:happened|happens|came|comes|did (?:it|he|she|they) say)\s+)?)?"
    r"(?:go on|continue|keep going|carry on|next|then(?: what)?|after(?: that| this|wards?)?|later)"
    r"(?:\W+please)?\W*$",
    re.IGNORECASE,
)
# The words an article attributes what it reports with: "said", "told", "added", "according to".
ATTRIBUTION_TERMS = frozenset(
    stemmer("en")(word)
    for word in "say said told added according wrote stated claimed reported announced estimated noted "
    "explained warned predicted confirmed tweeted".split()
)
# Words that ask for more about the text rather than name a subject of their own: "what else
# happened?", "anything interesting?", "what is notable about it?". The answer rarely repeats
# them, so a question made only of them asks to go on from the last answer, and its
# confidence cannot come from finding them in a passage.
_OPEN_WORDS = """
    else other others another besides additional additionally next further afterwards afterward
    later also interesting interest notable noteworthy significant aspect aspects article story
    piece text anything something thing things happen happened happens happening tell know
    information detail details fact facts
"""
OPEN_TERMS = frozenset(stemmer("en")(word) for word in _OPEN_WORDS.split())
# A question asking for something besides what was said: "anything else?", "any other awards?".
_BESIDES = re.compile(
    r"\b(?:else|other|others|another|besides|additional|additionally|more)\b", re.IGNORECASE
)

# Questions about the article itself rather than what it says: a summary ("what is this
# article about?", "tl;dr") or its metadata ("who wrote it?", "when was it published?",
# "what's the source?"). "It"/"this" stand for the article only when nothing else was said:
# later in a conversation "who wrote it?" is about what the last answer talked about.
# "What's" as typed in a chat: "what's", "whats", "what is", "what was" (and "who's" alike).
_IS = r"(?:'s|’s|s|\s+is|\s+was)"
_SUMMARY = re.compile(
    r"\bsummari[sz]e|\btl\s*;?\s*dr\b|\bgist\b|\bin a nutshell\b|\bmain points?\b|\bkey points?\b"
    r"|\b(?:key\s+)?takeaways?\b|^\W*(?:(?:can|could)\s+you\s+)?(?:please\s+)?sum\s+(?:(?:it|this|that)\s+)?up\b"
    r"|^\W*(?:please\s+)?(?:brief\s+me|fill\s+me\s+in|catch\s+me\s+up)\b"
    r"|^\W*(?:(?:give|send|show)\s+(?:me\s+|us\s+)?)?(?:an?\s+|the\s+)?(?:summary|overview|recap)\b"
    r"(?:\s+(?:of|for)\s+(?:(?:this|the|that)\s+)?(?:article|story|piece|report|text))?(?:\s+please)?\W*$"
    rf"|\bwhat{_IS}\s+(?:(?:this|the|that)\s+)?(?:article|story|piece|report|text|news)"
    r"(?:\s+(?:all|really|mainly|mostly))?\s+about\b"
    r"|\bwhat\s+(?:does|do)\s+(?:this|the|that)\s+(?:article|story|piece|report|text)\s+say\W*$"
    # A word alone, at any point of a chat: "source?", "link?" ask where what was quoted comes from.
    r"|^\W*(?:the\s+)?(?:source|link|url|author|byline|headline|title)(?:\s+please)?\W*$"
    # The news itself: "what's the latest?".
    rf"|^\W*what{_IS}\s+the\s+(?:latest|news)(?:\s+news)?\W*$",
    re.IGNORECASE,
)
_IT = r"(?:it|this|that)\b"
_THE_ARTICLE = r"(?:(?:this|the|that)\s+)?(?:article|story|piece|report|text)\b"
_METADATA = (
    r"\bwho\s+(?:wrote|authored|penned|published)\s+{ref}"
    r"|\b(?:author|writer|byline|source|publisher)\s+of\s+{ref}"
    rf"|\bwhat{_IS}\s+the\s+(?:headline|title)\s+of\s+{{ref}}\W*$"
    r"|\bwhen\s+(?:was|is)\s+{ref}\s+(?:published|written|posted|dated|from)\b"
    r"|\b(?:publication|published)\s+date\b"
    rf"|\bwhat{_IS}\s+the\s+date\s+of\s+{{ref}}"
    r"|\bwhere\s+(?:is|was|does)\s+{ref}\s+(?:from|published|come from)\b"
    r"|\b{ref}(?:'s|’s|s)?\s+(?:source|author|writer|byline|publisher|link|url|(?:publication\s+)?date)\b"
)
_ABOUT_ARTICLE = re.compile(_METADATA.format(ref=_THE_ARTICLE), re.IGNORECASE)
# With nothing said before, bare questions are about the article too: "who's the author?".
_BARE = (
    rf"|^\W*what{_IS}\s+(?:it|this|that)(?:\s+(?:all|really|mainly|mostly))?\s+about\W*$"
    rf"|^\W*what{_IS}\s+(?:this|that)(?:\s+(?:article|story|piece|report|text))?\W*$"
    r"|^\W*what(?:\s+does|'s|’s|s)\s+(?:it|this|that)\s+say\W*$"
    rf"|^\W*what{_IS}\s+the\s+story\W*$"
    rf"|\bwho{_IS}\s+the\s+(?:author|writer|reporter|journalist)\W*$"
    rf"|\bwhat{_IS}\s+the\s+(?:source|link|url|headline|title)\W*$"
    # …and so is the news at first: "what happened?", "what's new?", "when was this?".
    r"|^\W*what(?:'s|’s|s| is)?\s+(?:happened|happening|going on|new)\W*$"
    r"|^\W*when\s+(?:was|is)\s+(?:this|it)\W*$"
)
_ABOUT_IT = re.compile(_METADATA.format(ref=f"(?:{_THE_ARTICLE}|{_IT})") + _BARE, re.IGNORECASE)


def asks_about_article(question: str, in_conversation: bool) -> bool:
    """Whether the question asks what the article is about, or who wrote it, when, where.

    Args:
        question: the question as asked.
        in_conversation: whether earlier turns came before it (then "it" is what they were about).
    """
    if _SUMMARY.search(question):
        return True
    return (_ABOUT_ARTICLE if in_conversation else _ABOUT_IT).search(question) is not None


def asks_for_more(question: str) -> bool:
    """Whether the question asks for something besides what the conversation has had."""
    return _BESIDES.search(question) is not None


def refers_back(question: str) -> bool:
    """Whether the question names its subject only by reference to what was said before."""
    return _REFERS_BACK.search(question) is not None


def continues_turn(question: str) -> bool:
    """Whether the question is the rest of the turn before, naming something else: "and Kherson?"."""
    return _GOES_ON_FROM.search(question) is not None


def asks_to_go_on(question: str) -> bool:
    """Whether the question only asks to go on from the last answer: "and?", "go on"."""
    return _GO_ON.search(question) is not None


def asks_what_comes_next(question: str) -> bool:
    """Whether the question asks only for what comes after the last answer: "what happened next?"."""
    return _NEXT.search(question) is not None


def asks_who_said(question: str) -> bool:
    """Whether the question asks who said what the last answer quotes: "who said that?"."""
    return _WHO_SAID.search(question) is not None


def asks_again(question: str) -> bool:
    """Whether the question doubts or asks where the last answer is from: "are you sure?"."""
    return _AGAIN.search(question) is not None


def asks_what_came_before(question: str) -> bool:
    """Whether the question asks what comes just before the last answer: "and before that?"."""
    return _BEFORE.search(question) is not None


def asks_what_it_means(question: str) -> bool:
    """Whether the question asks what the last answer means: "what does that mean?"."""
    return _MEANS.search(question) is not None


def moves_on(question: str) -> bool:
    """Whether the question asks only to go on or back from the last answer: a later question
    leaning on it borrows nothing from before it, whose answer the conversation has left."""
    return asks_to_go_on(question) or asks_what_came_before(question)


def names_nothing(question: str) -> bool:
    """Whether the question's words name nothing though it stays where the last answer is ("are
    you sure?", "who said that?"): a later question leaning on it borrows from the one before."""
    return asks_again(question) or asks_who_said(question) or asks_what_it_means(question)


def locate(turn: Turn, articles: Sequence[Article]) -> Anchor | None:
    """Where ``turn``'s answer stands in ``articles``: its recorded position when that
    article is among them, else the first place its text is found; None when it is
    nowhere (an unanswered turn, or an article since removed)."""
    if turn.article_id is not None and turn.start is not None and turn.end is not None:
        for article in articles:
            if article.id == turn.article_id and 0 <= turn.start < turn.end <= len(article.text):
                return Anchor(article, turn.start, turn.end)
    answer = turn.answer.strip()
    if not answer:
        return None
    for article in articles:
        if (at := article.text.find(answer)) >= 0:
            return Anchor(article, at, at + len(answer))
    return None


# How likely the next answer starts at a sentence, by its place relative to the previous
# answer: its own sentences (0), the ones after it (1, 2, …), or any other of the article.
# From the QuAC dialogs of the eval's dev split (docs/quality.md): a follow-up's answer starts
# in the sentence after the previous answer 22 % of the time, two after 13 %, three after 7 %,
# inside the previous answer 15 %, and spreads thinly over the rest.
CLOSENESS = {0: 0.6, 1: 1.0, 2: 0.6, 3: 0.35, 4: 0.25, 5: 0.15}
ELSEWHERE = 0.05


def closeness(window_first: int, answer_first: int, answer_last: int) -> float:
    """The weight of a window starting at sentence ``window_first`` when the previous answer
    spans sentences ``answer_first`` to ``answer_last`` of the same article (0..1)."""
    if answer_first <= window_first <= answer_last:
        return CLOSENESS[0]
    return CLOSENESS.get(window_first - answer_last, ELSEWHERE)
