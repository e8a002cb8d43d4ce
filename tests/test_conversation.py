"""Conversations: follow-ups resolved from the turns before them, questions about the article
itself, and the rules that keep meaning from outvoting words."""

import numpy as np
import pytest

from index import Answer, Index, Turn, default_article
from index.conversation import (
    asks_about_article,
    asks_again,
    asks_for_more,
    asks_to_go_on,
    asks_what_came_before,
    asks_what_comes_next,
    asks_who_said,
    closeness,
    continues_turn,
    locate,
    moves_on,
    names_nothing,
    refers_back,
)
from index.reader import parse_text
from index.search import ARTICLE_TERMS_KEPT

# A made-up story told in order, one event per paragraph, so "what happened next?" has one
# right answer.
EXPEDITION = parse_text(
    "The Glacier Expedition\n\n"
    "The expedition left the harbour town of Ilulissat in early March with six sled teams.\n\n"
    "After two weeks the teams reached the foot of the Sermeq glacier and set up a base camp.\n\n"
    "A storm then buried the camp in snow for four days, and one sled was lost.\n\n"
    "When the weather cleared, the climbers crossed the ice sheet to the research hut.\n\n"
    "At the hut they measured the melting ice and sent their readings home by radio.\n\n"
    "The expedition returned to Ilulissat in May, a week later than planned."
)

# A made-up career whose subject is named in every paragraph: a question naming only her says
# little about where to look.
CAREER = parse_text(
    "Anna Berg\n\n"
    "Anna Berg began singing in the choir of her school in Bergen and won a national contest at sixteen.\n\n"
    "Anna Berg then moved to Oslo, where she studied at the academy of music for three years.\n\n"
    "In Oslo Anna Berg recorded her first album, which sold poorly but earned praise from critics.\n\n"
    "Anna Berg toured Germany with a jazz band, playing in clubs in Hamburg and Berlin.\n\n"
    "Later Anna Berg taught singing at the academy and wrote a book about her years on the road."
)


# A made-up report whose third paragraph says "said" more often than the first, which states
# what the council said; the second is attributed without "said", after the first's "said".
BRIDGE = parse_text(
    "Harbour Bridge to Close for Repairs\n\n"
    "The harbour bridge will close for six weeks of repairs from March, the city council said on Tuesday.\n\n"
    "About 40,000 drivers cross the bridge each day, according to the transport department.\n\n"
    'The mayor said the closure was overdue. "We said years ago that the bridge needed work," she said, '
    '"and we said it again last spring."\n\n'
    "Ferries will run every ten minutes while the bridge is closed."
)


# A made-up report whose first words, "Apple… recalling", come back in its last paragraph.
RECALL = parse_text(
    "Apple Recalls 2 Million Chargers After Reports of Overheating\n\n"
    "Apple said on Tuesday that it is recalling about 2 million wall chargers sold with its iPad "
    "and Mac computers, after receiving 27 reports of the adapters overheating.\n\n"
    "The recall covers the 30-watt USB-C power adapter sold between March 2021 and June 2023 in "
    "the United States, Canada and Mexico.\n\n"
    "According to the U.S. Consumer Product Safety Commission, four people suffered minor burns. "
    "No fires were reported.\n\n"
    "The company's shares fell 1.2 percent in early trading in New York. Analysts estimated the "
    "recall would cost Apple about $60 million.\n\n"
    "It is Apple's first large recall since 2016, when it replaced the prongs of wall plugs sold "
    "in Europe and Australia."
)


# A made-up match report: the coach is named where what he said is told, the star a paragraph on.
MATCH = parse_text(
    "Argentina Beat Croatia to Reach the Final\n\n"
    "Lionel Messi scored one goal and set up another as Argentina beat Croatia 3-0 on Tuesday.\n\n"
    "Croatia had beaten Brazil on penalties in the quarterfinals but rarely threatened Argentina's "
    "goal. Coach Zlatko Dalic said his players were tired after two matches that went to extra time.\n\n"
    "The 35-year-old Messi said the final on Sunday would be his last World Cup match. \"It's very "
    'exciting to finish my World Cup journey in a final," he told reporters after the match.'
)


# A made-up news report whose opening has numbers but no age; the age comes a paragraph on.
SPILL = (
    "Driver Charged After Acid Spill Closes River Port\n\n"
    "A truck driver was charged on Thursday after his tanker spilled 4,000 gallons of acid at a "
    "river port in Cincinnati.\n\n"
    "The driver, {driver} of Lexington, Kentucky, was arrested at the scene on Wednesday. He was "
    "released the next day.\n\n"
    "The spill closed the port for nearly 12 hours, and about 300 workers were evacuated."
)


# A made-up review of a debut album: who else played on it is told right after who produced
# it, and how it was received a paragraph on, in words of its own.
ALBUM = parse_text(
    "Mara Quill's First Album\n\n"
    "Mara Quill recorded her first album, Glass Rivers, in Nashville in 2015. Tom Arden produced it. "
    "Jon Pell played guitar on every track, and the cellist Ada Voss joined her for two songs.\n\n"
    "The album reached number four on the folk charts.\n\n"
    "Quill toured Canada the next year with a new band."
)


@pytest.fixture(scope="module")
def seed_index() -> Index:
    return Index([default_article()])


# A made-up news report whose every paragraph has a number.
STORM = parse_text(
    "Storm Leaves Thousands Without Power\n\n"
    "The storm reached the coast on Wednesday as a Category 3 hurricane with winds of 120 mph.\n\n"
    "More than 200,000 homes lost power by Thursday morning, the utility said.\n\n"
    "Insurers said the damage could exceed $4 billion."
)


@pytest.fixture(scope="module")
def expedition() -> Index:
    return Index([EXPEDITION])


@pytest.fixture(scope="module")
def career() -> Index:
    return Index([CAREER])


def answered_by(index: Index, asked: str, first: str, last: str) -> Turn:
    """A turn whose answer is the index's first article's text from ``first`` to the next ``last``."""
    article = index.articles[0]
    start = article.text.index(first)
    end = article.text.index(last, start) + len(last)
    return Turn(asked, article.text[start:end], article.id, start, end)


def answered(index: Index, question: str, history: list[Turn] | None = None) -> tuple[Answer, Turn]:
    """The answer and the turn it makes, as the bot records it: where the top hit's answer stands."""
    answer = index.search(question, history or [])
    top = answer.hits[0].focus
    return answer, Turn(question, top.text, top.article.id, top.start, top.end)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what did he say?", True),
        ("when was it built?", True),
        ("and Kherson?", True),
        ("who said that?", True),
        ("What about the south?", True),
        ("who took them?", True),
        ("how many reservists did Putin call up?", False),
        ("who is Andriy Yusov?", False),
        ("Theodore Roosevelt", False),
    ],
)
def test_a_question_refers_back_by_pronoun_or_ellipsis(question: str, expected: bool) -> None:
    assert refers_back(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("anything else?", True),
        ("did he win any other awards?", True),
        ("tell me more", True),
        ("when?", False),
    ],
)
def test_a_question_may_ask_for_something_besides(question: str, expected: bool) -> None:
    assert asks_for_more(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and?", True),
        ("Go on.", True),
        ("continue", True),
        ("more please", True),
        ("what's next?", True),
        ("and then?", True),
        ("continue the war?", False),
        ("more about Putin", False),
        ("next year?", False),
    ],
)
def test_a_question_may_only_ask_to_go_on(question: str, expected: bool) -> None:
    assert asks_to_go_on(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("really?", True),
        ("Are you sure?", True),
        ("is that true?", True),
        ("where does it say that?", True),
        ("how do you know?", True),
        ("sure", False),  # agrees
        ("really big?", False),
        ("is it true that he fled?", False),
        # …or ask to hear it again
        ("say that again", True),
        ("repeat that please", True),
        ("come again?", True),
        ("what?", True),
        ("what is it?", False),
        ("repeat after me", False),
    ],
)
def test_a_question_may_doubt_the_last_answer(question: str, expected: bool) -> None:
    assert asks_again(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("before that?", True),
        ("and before that?", True),
        ("What happened before that?", True),
        ("what came before?", True),
        ("earlier?", True),
        ("what happened before the war?", False),
        ("who was there before?", False),
        ("go back", True),
        ("previous paragraph", True),
        ("go back to Kherson", False),
    ],
)
def test_a_question_may_ask_what_came_before(question: str, expected: bool) -> None:
    assert asks_what_came_before(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("are you sure?", True),
        ("who said that?", True),
        ("what does that mean?", True),
        ("go on", False),  # it moves on
        ("what did he say?", False),
        ("when?", False),
    ],
)
def test_a_question_may_name_nothing_a_later_one_could_borrow(question: str, expected: bool) -> None:
    assert names_nothing(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("go on", True),
        ("before that?", True),
        ("explain", True),
        ("how so?", True),
        ("like what?", True),
        ("tell me more", True),
        ("what does that mean?", False),  # it stays
        ("explain the referendums", False),
    ],
)
def test_a_question_may_move_on_from_the_last_answer(question: str, expected: bool) -> None:
    assert moves_on(question) is expected


def test_go_on_twice_goes_further(seed_index) -> None:
    # The second "go on" borrowed the first question's words, which pulled it back to its answer.
    _, turn = answered(seed_index, "what did putin announce?")
    history = [turn]
    for _ in range(2):
        _, turn = answered(seed_index, "go on", history)
        assert turn.start >= history[-1].end
        history.append(turn)
    assert "replace the dead" in history[-1].answer


def test_explain_goes_on_and_what_does_that_mean_stays(seed_index) -> None:
    _, turn = answered(seed_index, "what did putin announce?")
    explain = seed_index.search("explain", [turn])
    assert explain.hits[0].passage.text.startswith("The order was met with protests")  # not ¶8's "explain"
    _, on = answered(seed_index, "how so?", [turn])
    means = seed_index.search("what does that mean?", [turn, on])
    assert "The order was met with protests" in means.hits[0].passage.text  # what was just said


def test_when_after_who_said_that_does_not_look_for_saying(seed_index) -> None:
    history: list[Turn] = []
    for question in ["what did he mean by replace the dead?", "who said that?"]:
        _, turn = answered(seed_index, question, history)
        history.append(turn)
    assert "replace the dead" in history[-1].answer
    answer = seed_index.search("when?", history)
    assert "Yusov" not in answer.hits[0].passage.text  # "said last week", about something else


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and Kherson?", True),
        ("What about the south?", True),
        ("and the reservists?", True),
        ("and how did people react?", False),  # a question of its own
        ("what did Putin announce?", False),
    ],
)
def test_a_question_may_be_the_rest_of_the_turn_before(question: str, expected: bool) -> None:
    assert continues_turn(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who said that?", True),
        ("Says who?", True),
        ("and who said this?", True),
        ("according to whom?", True),
        ("who announced that?", True),
        ("who estimated that?", True),
        ("who said the war was a mistake?", False),
        ("who announced the recall?", False),
        ("who said it is beneficial?", False),  # asks who said what it says
        ("who said that Russians are fleeing?", False),
        ("who said so first?", True),
        ("what did he say?", False),
    ],
)
def test_a_question_may_ask_who_said_what_was_quoted(question: str, expected: bool) -> None:
    assert asks_who_said(question) is expected


@pytest.mark.parametrize(
    ("question", "first", "later"),
    [
        ("What is this article about?", True, True),
        ("what's the story about", True, True),
        ("summarize", True, True),
        ("Summarise it please", True, True),
        ("tl;dr", True, True),
        ("give me a summary", True, True),
        ("what are the main points?", True, True),
        ("who wrote this article?", True, True),
        ("when was the article published?", True, True),
        ("where is this story from?", True, True),
        ("what is the source of this article?", True, True),
        ("source?", True, True),
        ("Link please", True, True),
        ("the author?", True, True),
        ("what is the article's source?", True, True),
        ("who is the story's author?", True, True),
        # "it" is the article only when nothing was said before
        ("who wrote it?", True, False),
        ("when was it published?", True, False),
        ("what is it about?", True, False),
        ("who is the author?", True, False),
        ("what's the source?", True, False),
        ("what happened?", True, False),  # later: what happened then
        ("what's going on?", True, False),
        ("when was this?", True, False),
        ("what's the latest?", True, True),
        # as typed in a chat
        ("whats this article about", True, True),
        ("what does the story say?", True, True),
        ("sum it up", True, True),
        ("can you sum it up?", True, True),
        ("key takeaways?", True, True),
        ("brief me", True, True),
        ("headline?", True, True),
        ("what's the title of this article?", True, True),
        ("what is this about?", True, False),
        ("whats it all about", True, False),
        ("what's this?", True, False),
        ("what does it say?", True, False),
        ("what's the story?", True, False),
        ("whos the author", True, False),
        ("whats the source", True, False),
        ("what is the headline?", True, False),
        # about what the article says, not about the article
        ("who wrote the song?", False, False),
        ("what was the date?", False, False),
        ("what is the source of the river?", False, False),
        ("source of the river?", False, False),
        ("link between them?", False, False),
        ("what are the Kremlin's sources?", False, False),
        ("what happened in Kherson?", False, False),
        ("when was this built?", False, False),
        ("What did Lindzen criticize about the Summary for Policymakers?", False, False),
        ("Are there any other interesting aspects about this article?", False, False),
        ("Who published its blueprint in 1995?", False, False),
        ("what did he sum up?", False, False),
        ("what is this hotline?", False, False),
        ("what is the title of the song?", False, False),
        ("What were the great Forces mentioned in the article's title?", False, False),
    ],
)
def test_questions_about_the_article_itself(question: str, first: bool, later: bool) -> None:
    assert asks_about_article(question, in_conversation=False) is first
    assert asks_about_article(question, in_conversation=True) is later


def test_an_answer_is_located_by_its_recorded_place_or_by_its_text() -> None:
    article = default_article()
    start = article.text.index("Putin responded")
    recorded = locate(Turn("q", "", article.id, start, start + 20), [article])
    assert recorded is not None and (recorded.start, recorded.end) == (start, start + 20)
    by_text = locate(Turn("q", "Putin responded by announcing"), [article])
    assert by_text is not None and by_text.start == start
    assert locate(Turn("q", ""), [article]) is None  # an unanswered turn
    assert locate(Turn("q", "not in the article at all"), [article]) is None
    assert locate(Turn("q", "", "another-article", 0, 10), [article]) is None  # since removed


@pytest.mark.parametrize(
    ("window_first", "expected"),
    [(10, 0.6), (12, 0.6), (13, 1.0), (14, 0.6), (15, 0.35), (30, 0.05), (5, 0.05)],
)
def test_the_next_answer_is_looked_for_right_after_the_last(window_first: int, expected: float) -> None:
    assert closeness(window_first, 10, 12) == expected


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("when?", "September 21"),
        ("how many?", "300,000"),
        ("how many did he call up?", "300,000"),
        ("and how many reservists?", "300,000"),
    ],
)
def test_a_follow_up_leans_on_the_previous_question_and_answer(seed_index, follow_up, expected) -> None:
    _, turn = answered(seed_index, "what did putin announce?")
    answer = seed_index.search(follow_up, [turn])
    assert expected in answer.hits[0].passage.text
    assert not answer.declined  # a resolved follow-up is not declined for being short


# A made-up quake report: the minister who says what collapsed is quoted a paragraph on, and a
# rescue group "said" more in the paragraph after.
QUAKE = parse_text(
    "Strong Earthquake Shakes Southern Turkey\n\n"
    "A magnitude 6.4 earthquake struck southern Turkey on Monday evening, killing at least 12 people.\n\n"
    "The quake hit at 8:04 p.m. local time near the city of Antakya, in Hatay province.\n\n"
    "Several buildings that had been damaged in February's deadly earthquakes collapsed, Interior "
    "Minister Suleyman Soylu told reporters. Rescue teams were searching the rubble through the night.\n\n"
    '"We are checking every building, street by street," Soylu said. He urged residents not to '
    "return to damaged homes.\n\n"
    "The tremor was felt as far away as Syria. In northern Syria, the White Helmets rescue group "
    "said at least 130 people were hurt, most of them while fleeing buildings in panic."
)


def test_what_time_is_the_clock_time_by_the_last_answer() -> None:
    """ "What time?" after the launch's opening ("on Tuesday night") is the next paragraph's
    "10:47 p.m.", not the opening's day again."""
    index = Index(
        [
            parse_text(
                "SpaceX Launches 21 Satellites\n\n"
                "SpaceX launched 21 satellites from Florida on Tuesday night, its 40th mission.\n\n"
                "The Falcon 9 rocket lifted off at 10:47 p.m. EDT. Its booster landed minutes later.\n\n"
                "The next launch is scheduled for Thursday."
            )
        ]
    )
    _, happened = answered(index, "what happened?")
    answer = index.search("what time?", [happened])
    hit = answer.hits[0]
    assert "10:47 p.m." in [hit.passage.article.text[s:e] for s, e in hit.highlights]
    assert not answer.declined


def test_he_after_who_said_that_is_who_said_it() -> None:
    """ "What did he say?" after "who said that?" is about the minister that answer names, not
    about the rescue group that "said" more in the paragraph after."""
    index = Index([QUAKE])
    _, collapsed = answered(index, "what collapsed?")
    _, who = answered(index, "who said that?", [collapsed])
    answer = index.search("what did he say?", [collapsed, who])
    assert "Soylu" in answer.hits[0].passage.text
    assert "White Helmets" not in answer.hits[0].passage.text


def test_where_exactly_is_where() -> None:
    """ "Where exactly?" after "when?" asks "where?" of the same answer: it was declined at 0 for
    the "exactly" no passage says."""
    index = Index([QUAKE])
    _, happened = answered(index, "what happened?")
    _, when = answered(index, "when?", [happened])
    answer = index.search("where exactly?", [happened, when])
    assert not answer.declined
    assert "Turkey" in [answer.hits[0].passage.article.text[s:e] for s, e in answer.hits[0].highlights]


def test_who_else_is_answered_by_what_follows_the_last_answer() -> None:
    """ "Who else did she work with?" after "who produced the album?" ("Tom Arden produced it.")
    asks for more of what that answer tells: the passage running on past it answers, though the
    article never says "work" (it was declined at 0)."""
    index = Index([ALBUM])
    _, produced = answered(index, "who produced the album?")
    assert produced.answer == "Tom Arden produced it."
    answer = index.search("who else did she work with?", [produced])
    assert not answer.declined
    assert "Jon Pell played guitar" in answer.hits[0].passage.text


def test_asking_for_more_of_the_same_passage_is_still_declined() -> None:
    """What the last answer's passage has already told is no more: "did she win any other
    awards?" after "who played guitar?" has nothing past it to show."""
    index = Index([ALBUM])
    _, guitar = answered(index, "who played guitar?")
    assert index.search("did she win any other awards?", [guitar]).declined


@pytest.mark.parametrize(
    ("article", "asked", "reaction", "received"),
    [
        # The next paragraph says "more people will be sent": "people" only asks whose reaction.
        (None, "what did putin announce?", "and how did people react?", "met with protests"),
        (ALBUM, "what did she record?", "how was it received?", "number four"),
        (ALBUM, "who produced the album?", "was it a success?", "number four"),
    ],
)
def test_how_it_was_received_is_what_the_article_says_of_its_reception(
    seed_index, article, asked: str, reaction: str, received: str
) -> None:
    """The reception is told in words of its own ("The order was met with protests", "reached
    number four on the folk charts"): the answer stands there, that in bold."""
    index = Index([article]) if article is not None else seed_index
    _, turn = answered(index, asked)
    answer = index.search(reaction, [turn])
    assert not answer.declined
    hit = answer.hits[0]
    assert received in hit.focus.text
    assert received in [hit.passage.article.text[s:e] for s, e in hit.highlights]


@pytest.mark.parametrize(
    ("driver", "age"), [("47-year-old Dale Morrow", "47-year-old"), ("Dale Morrow, 47,", "47")]
)
def test_how_old_asks_for_an_age_not_any_number(driver: str, age: str) -> None:
    """News gives an age as "47-year-old" or "Dale Morrow, 47,": "how old is he?" after "who was
    charged?" is the next paragraph's age, not the opening's "4,000 gallons". Then "where is he
    from?" is asked of that answer, which names a place, not of the opening's "Cincinnati"."""
    index = Index([parse_text(SPILL.format(driver=driver))])
    charged = answered(index, "who was charged?")[1]
    answer, aged = answered(index, "how old is he?", [charged])
    assert f"The driver, {driver}" in answer.hits[0].focus.text
    assert not answer.declined
    assert age in [answer.hits[0].passage.article.text[s:e] for s, e in answer.hits[0].highlights]
    where = index.search("where is he from?", [charged, aged])
    assert "Lexington, Kentucky" in where.hits[0].focus.text


def test_what_she_said_is_the_sentence_that_names_her() -> None:
    """The mayor's words share their window with the supporters' "said": "what did she say?"
    after "who is the mayor?" stands at the sentence naming the mayor, for a next "when?"."""
    index = Index(
        [
            parse_text(
                "Council Approves Stadium\n\n"
                "The city council voted 7-4 on Tuesday to approve a new stadium.\n\n"
                "Supporters said the project would create 3,000 jobs. "
                '"This is a once-in-a-generation opportunity," said Mayor Laura Chen.\n\n'
                "Opponents said the land should be used for housing."
            )
        ]
    )
    _, mayor = answered(index, "who is the mayor?")
    answer = index.search("what did she say?", [mayor])
    assert "once-in-a-generation" in answer.hits[0].focus.text


def test_a_follow_ups_own_words_place_its_answer_before_the_words_it_leans_on() -> None:
    """ "Was he released?" after "when was he arrested?" stands at "He was released", though the
    sentence before holds more of what it leans on ("arrested")."""
    index = Index([parse_text(SPILL.format(driver="Dale Morrow"))])
    _, arrested = answered(index, "when was he arrested?")
    answer = index.search("was he released?", [arrested])
    assert answer.hits[0].focus.text == "He was released the next day."


def test_what_is_his_name_asks_for_a_persons_name() -> None:
    """After "who was charged?" (the opening's "A truck driver…in Cincinnati"), "what is his
    name?" is the next paragraph's "Dale Morrow", not the opening again for its "Cincinnati"."""
    index = Index([parse_text(SPILL.format(driver="47-year-old Dale Morrow"))])
    _, charged = answered(index, "who was charged?")
    answer = index.search("what is his name?", [charged])
    assert "Dale Morrow" in answer.hits[0].focus.text
    assert not answer.declined


@pytest.mark.parametrize(
    ("first", "follow_up", "expected"),
    [
        # They borrow "square miles retaken", which only the last answer's paragraph holds; the
        # answer must still be about Kherson.
        ("how many square miles were retaken?", "and Kherson?", "Kherson"),
        ("how many square miles were retaken?", "what about Kherson?", "Kherson"),
        # "Ministry" stands alone, and the last paragraph's "Russian Defense Ministry" matches it
        # better by its words; what is asked is the answer's own ministry…
        ("who is andriy yusov?", "for which ministry?", "Ukrainian Defense Ministry"),
        ("who is andriy yusov?", "which ministry?", "Ukrainian Defense Ministry"),
        # …unless another is asked for.
        ("who is andriy yusov?", "which other ministry?", "Russian Defense Ministry"),
    ],
)
def test_a_follow_up_is_answered_about_what_it_names(
    seed_index, first: str, follow_up: str, expected: str
) -> None:
    _, turn = answered(seed_index, first)
    answer = seed_index.search(follow_up, [turn])
    assert expected in answer.hits[0].passage.text
    assert not answer.declined


@pytest.mark.parametrize(
    ("asked", "answered_with", "source"),
    [
        ("when will the bridge close?", "from March", "the city council said"),
        ("how many drivers cross the bridge?", "40,000 drivers", "according to the transport department"),
    ],
)
@pytest.mark.parametrize("follow_up", ["who said that?", "says who?", "according to whom?"])
def test_who_said_that_is_answered_where_the_last_answer_stands(
    asked, answered_with, source, follow_up
) -> None:
    bridge = Index([BRIDGE])
    _, turn = answered(bridge, asked)
    assert answered_with in turn.answer
    answer = bridge.search(follow_up, [turn])
    assert source in answer.hits[0].passage.text
    assert not answer.declined


def test_a_question_that_stands_alone_is_answered_alone(seed_index) -> None:
    _, turn = answered(seed_index, "what did putin announce?")
    alone = seed_index.search("who is Andriy Yusov?")
    after = seed_index.search("who is Andriy Yusov?", [turn])
    assert after.hits[0].passage == alone.hits[0].passage
    assert not after.declined


def test_a_follow_up_naming_its_own_subject_is_not_declined_for_what_is_near_the_last_answer(seed_index):
    # The windows right after the last answer outrank the one naming reservists on nearness,
    # and hold none of its words: the question would be declined though the article answers it.
    _, turn = answered(seed_index, "how many soldiers were drafted?")  # ¶2: "drafted Russian soldiers"
    assert "reservists" not in turn.answer
    answer = seed_index.search("how many reservists?", [turn])
    assert "300,000 reservists" in answer.hits[0].passage.text
    assert not answer.declined


@pytest.mark.parametrize(
    ("article", "first", "answered_by", "follow_up", "expected"),
    [
        # Croatia's coach: the answer says what he said; the next paragraph's "Messi said" is
        # someone else.
        (
            "match",
            "who is croatia's coach?",
            "Coach Zlatko Dalic said",
            "what did he say?",
            "his players were tired",
        ),
        # The quote's "Zelensky said" is no answer, nor is another "said" further on: the speech
        # "on Monday" told just before it is.
        (
            "seed",
            "what did zelensky say about losses?",
            "Fierce fighting continues",
            "when did he say that?",
            "on Monday",
        ),
        # "Analysts estimated the recall would cost…": not the next paragraph's "said" about stocks.
        ("recall", "how much will the recall cost?", "about $60 million", "says who?", "Analysts estimated"),
        (
            "recall",
            "how much will the recall cost?",
            "about $60 million",
            "who estimated that?",
            "Analysts estimated",
        ),
    ],
)
def test_a_follow_up_is_asked_of_what_the_last_answer_says(
    article: str, first: str, answered_by: str, follow_up: str, expected: str
) -> None:
    index = Index([{"match": MATCH, "seed": default_article(), "recall": RECALL}[article]])
    _, turn = answered(index, first)
    assert answered_by in turn.answer
    answer = index.search(follow_up, [turn])
    assert expected in answer.hits[0].passage.text
    assert not answer.declined


@pytest.mark.parametrize("doubt", ["really?", "are you sure?", "where does it say that?"])
def test_a_doubt_is_answered_with_the_last_answer_again(seed_index, doubt: str) -> None:
    last, turn = answered(seed_index, "what did putin announce?")
    answer = seed_index.search(doubt, [turn])
    assert answer.hits[0].passage == last.hits[0].passage
    assert answer.hits[0].citation == last.hits[0].citation
    assert answer.question == doubt and not answer.declined
    # …and what comes next still comes after it, not from the doubt's words ("say").
    _, again = answered(seed_index, doubt, [turn])
    after = seed_index.search("what happened next?", [turn, again])
    assert after.hits[0].passage.text.startswith("The order was met with protests")


def test_doubts_upon_doubts_show_the_answer_doubted(seed_index) -> None:
    last, turn = answered(seed_index, "what did putin announce?")
    doubts = [Turn("really?", turn.answer, turn.article_id, turn.start, turn.end)] * 5_000
    answer = seed_index.search("are you sure?", [turn, *doubts])
    assert answer.hits[0].passage == last.hits[0].passage
    assert seed_index.search("are you sure?", doubts).declined  # nothing asked but doubts


def test_a_doubt_about_a_declined_answer_is_declined_again(seed_index) -> None:
    answer = seed_index.search("are you sure?", [Turn("what did Putin's wife think?")])
    assert answer.declined


@pytest.mark.parametrize("back", ["what happened before that?", "and before that?", "earlier?"])
def test_what_happened_before_goes_back_from_the_previous_answer(expedition, back: str) -> None:
    _, turn = answered(expedition, "what did they measure at the hut?")
    assert "melting ice" in turn.answer
    answer = expedition.search(back, [turn])
    top = answer.hits[0].passage
    assert top.end <= turn.start  # before the previous answer, not it again
    assert "crossed the ice sheet" in top.text
    assert not answer.declined


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what happened next?", True),
        ("and then?", True),
        ("go on", True),
        ("what came after that?", True),
        ("what did he say next?", True),
        ("then what?", True),
        ("anything else?", False),  # may be anywhere
        ("explain", False),  # more of the same
        ("what happened next in 1990?", False),
    ],
)
def test_a_question_may_ask_only_what_comes_next(question: str, expected: bool) -> None:
    assert asks_what_comes_next(question) is expected


@pytest.mark.parametrize("next_", ["what happened next?", "and then?", "go on"])
def test_going_on_from_the_last_paragraph_finds_the_article_ends(expedition, next_: str) -> None:
    _, turn = answered(expedition, "when did the expedition return?")
    assert "a week later than planned" in turn.answer
    answer = expedition.search(next_, [turn])
    assert answer.hits == [] and answer.declined and answer.past == "end"
    assert expedition.search("anything else?", [turn]).hits, "what else there is may come before"


@pytest.mark.parametrize("next_", ["what's next?", "what happened next?", "and then?"])
def test_what_comes_next_is_after_the_last_answer_whatever_words_came_before(next_: str) -> None:
    # "Why?" (answered by ¶2) has no words: "what's next?" borrowed "apple recall" through it
    # and quoted the opening again, over the paragraph right after the answer.
    recall = Index([RECALL])
    _, first = answered(recall, "apple recall")
    covers = RECALL.text.index("The recall covers")
    why = Turn("why?", "The recall covers", RECALL.id, covers, covers + len("The recall covers"))
    answer = recall.search(next_, [first, why])
    assert "minor burns" in answer.hits[0].passage.text
    assert not answer.declined


def test_the_start_of_the_article_has_nothing_before_it(expedition) -> None:
    _, turn = answered(expedition, "where did the expedition leave from?")
    assert "harbour town of Ilulissat" in turn.answer
    answer = expedition.search("and before that?", [turn])
    assert answer.hits == [] and answer.past == "start"


def test_each_before_goes_further_back(expedition) -> None:
    _, turn = answered(expedition, "what did they measure at the hut?")
    seen = [turn]
    for _ in range(2):
        _, turn = answered(expedition, "and before that?", seen)
        assert turn.end <= seen[-1].start
        seen.append(turn)
    assert "storm" in seen[-1].answer


def test_the_same_follow_up_without_history_is_another_question(seed_index) -> None:
    _, turn = answered(seed_index, "what did putin announce?")
    with_history = seed_index.search("when?", [turn])
    without = seed_index.search("when?")
    assert "September 21" in with_history.hits[0].passage.text
    assert without.declined


@pytest.mark.parametrize(
    "follow_up",
    ["what happened next?", "and then what happened?", "anything else?", "and?", "go on", "continue", "more"],
)
def test_what_happened_next_goes_on_from_the_previous_answer(expedition, follow_up: str) -> None:
    _, turn = answered(expedition, "where did the teams set up a base camp?")
    assert "base camp" in turn.answer
    answer = expedition.search(follow_up, [turn])
    top = answer.hits[0].passage
    assert top.start >= turn.end  # after the previous answer, not it again
    assert "storm" in top.text
    assert not answer.declined


def test_each_next_goes_further(expedition) -> None:
    _, turn = answered(expedition, "where did the teams set up a base camp?")
    seen = [turn]
    for _ in range(2):
        _, turn = answered(expedition, "what happened next?", seen)
        assert turn.start >= seen[-1].end
        seen.append(turn)
    assert "research hut" in seen[-1].answer or "melting ice" in seen[-1].answer


def test_what_happened_next_goes_on_within_the_paragraph_of_the_previous_answer(seed_index) -> None:
    # Yusov's words open a paragraph whose next sentence is what happened next.
    _, turn = answered(seed_index, "who is Yusov?")
    _, turn = answered(seed_index, "what did he say?", [turn])
    assert "hotline" in turn.answer
    answer = seed_index.search("what happened next?", [Turn("who is Yusov?"), turn])
    assert answer.hits[0].passage.text.startswith("Days later, Zelensky posted a video")


@pytest.mark.parametrize(
    ("first", "bare", "then", "expected"),
    [
        ("how much territory has ukraine retaken?", "where?", "how big is that?", "2,316 square miles"),
        # "How many?" names nothing either (its words are its frame): "when?" after it is still
        # about Putin's announcement, not "many".
        ("what did putin announce?", "how many?", "when?", "September 21"),
    ],
)
def test_a_bare_question_passes_on_what_it_leaned_on(seed_index, first, bare, then, expected) -> None:
    history: list[Turn] = []
    for question in [first, bare]:
        _, turn = answered(seed_index, question, history)
        history.append(turn)
    answer = seed_index.search(then, history)
    assert expected in answer.hits[0].passage.text
    assert answer.confidence > 0.5  # it finds the words leant on, not just a number or date nearby


@pytest.mark.parametrize(
    ("first", "expected"),
    [("what did zelensky say?", "on Monday"), ("what did putin announce?", "September 21")],
)
@pytest.mark.parametrize("when", ["when?", "when did that happen?", "when did he say that?"])
def test_a_bare_when_is_answered_with_a_date(seed_index, first: str, expected: str, when: str) -> None:
    _, turn = answered(seed_index, first)
    answer = seed_index.search(when, [turn])
    assert expected in answer.hits[0].passage.text


@pytest.mark.parametrize(
    ("asked", "first", "last", "expected"),
    [
        # Neither "queued" nor "office" is in the caption that answered, which has the photo's date.
        (
            "who queued at the office?",
            "Russian citizens visit a public service center",
            "2022.",
            "September 28, 2022",
        ),
        # No date in the answer: the next sentence's speech "on Monday" is when he said it, not
        # Yusov's "said last week" paragraphs on, though that one says "said".
        (
            "what did he say?",
            "Ukrainian President Volodymyr Zelensky says that",
            "unwinnable.",
            "on Monday",
        ),
    ],
)
def test_a_bare_when_is_answered_by_a_date_at_the_last_answer(
    seed_index, asked, first, last, expected
) -> None:
    answer = seed_index.search("when?", [answered_by(seed_index, asked, first, last)])
    assert expected in answer.hits[0].passage.text
    assert not answer.declined  # though it lacks the words leant on


@pytest.mark.parametrize(
    ("asked", "first", "when", "date"),
    [
        # The passage opens on the speech "on Monday"; the answer's own sentence says "last month".
        (
            "what did putin announce?",
            "The Ukrainian leader's speech follows",
            "when?",
            "last month",
        ),
        # The answer before the passage: the date nearest it, the passage's first.
        (
            "what did he say about Russians?",
            "Ukrainian President Volodymyr Zelensky says that",
            "when did he say it?",
            "Monday",
        ),
    ],
)
def test_a_bare_when_bolds_the_date_nearest_the_last_answer(seed_index, asked, first, when, date) -> None:
    hit = seed_index.search(when, [answered_by(seed_index, asked, first, ".")]).hits[0]
    text = seed_index.articles[0].text
    bold = [text[s:e] for s, e in hit.highlights]
    assert [d for d in bold if d in ("Monday", "last month")] == [date]  # of the two, only that one
    assert date in hit.focus.text  # where the next question goes on from


@pytest.mark.parametrize("follow_up", ["how strong was it?", "how strong?", "how powerful was the storm?"])
def test_a_bare_how_much_is_answered_by_the_number_the_last_answer_holds(follow_up: str) -> None:
    # Not the next paragraph's "200,000 homes", which comes right after it.
    storm = Index([STORM])
    _, turn = answered(storm, "what happened?")  # the summary, from the first sentence
    answer = storm.search(follow_up, [turn])
    assert "Category 3 hurricane with winds of 120 mph" in answer.hits[0].passage.text
    assert not answer.declined


def test_who_took_the_photo_is_answered_by_its_credit(seed_index) -> None:
    answer, turn = answered(seed_index, "who took the picture?")
    assert turn.answer == "Vadim Blazhevich/Getty Images" and not answer.declined
    when = seed_index.search("when?", [turn])
    assert "September 28, 2022" in when.hits[0].passage.text
    assert not when.declined


def test_the_previous_answer_is_found_by_its_text_alone(expedition) -> None:
    _, turn = answered(expedition, "where did the teams set up a base camp?")
    by_place = expedition.search("what happened next?", [turn])
    by_text = expedition.search("what happened next?", [Turn(turn.question, turn.answer)])
    assert by_text.hits[0].passage == by_place.hits[0].passage


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("Tell me about Anna Berg", 1),  # her name is everywhere: the opening, where a text states its point
        ("What did Anna Berg do?", 1),
        ("where did Anna Berg study music?", 2),  # words of its own say where
        ("which country did Anna Berg tour with a band?", 4),
    ],
)
def test_a_first_question_saying_little_is_answered_from_the_opening(career, question, paragraph) -> None:
    answer = career.search(question)
    assert answer.hits[0].passage.paragraph == paragraph
    assert not answer.declined


def test_with_nothing_answered_yet_a_follow_up_goes_on_from_the_opening(career) -> None:
    unanswered = Turn("did Anna Berg have children?", "")
    answer = career.search("what else did she do?", [unanswered])
    assert answer.hits[0].passage.paragraph == 1
    assert not answer.declined


@pytest.mark.parametrize("question", ["did Putin win any awards for it?", "what did Putin's wife think?"])
def test_a_question_on_the_topic_that_the_article_does_not_answer_is_declined(seed_index, question) -> None:
    answer = seed_index.search(question)
    assert answer.declined
    assert answer.hits  # the closest passages are still offered


def test_in_a_conversation_what_the_article_never_mentions_counts_less(seed_index) -> None:
    _, turn = answered(seed_index, "what did putin announce?")
    resolved = seed_index.search("when?", [turn])
    unknown = seed_index.search("did he win any awards for it?", [turn])
    assert unknown.confidence < 0.5 < resolved.confidence


def test_what_is_this_article_about_is_answered_with_its_summary(seed_index) -> None:
    answer = seed_index.search("What is this article about?")
    assert answer.about == default_article()
    assert answer.question == "What is this article about?"
    assert not answer.declined
    assert answer.hits and answer.hits[0].passage.paragraph == 1
    assert [h.citation.paragraph for h in answer.hits] == sorted(h.citation.paragraph for h in answer.hits)
    for hit in answer.hits:  # each a cited sentence of the article
        assert hit.passage.first_sentence == hit.passage.last_sentence
        assert hit.passage.article.text[hit.passage.start : hit.passage.end] == hit.passage.text


def test_after_a_question_about_the_article_it_is_still_the_article(seed_index) -> None:
    _, turn = answered(seed_index, "what is this article about?")
    for question in ("who wrote it?", "when was it published?"):
        assert seed_index.search(question, [turn]).about is not None
    _, other = answered(seed_index, "how many reservists?", [turn])
    assert seed_index.search("who wrote it?", [turn, other]).about is None  # "it": the reservists' call-up


# A second report in the library, whose one "said" is the answer to "who said that?".
ROCKET = parse_text(
    "NASA Delays Artemis Launch Again\n\n"
    "NASA has postponed the launch of its Artemis I moon rocket for a third time as Hurricane Ian "
    "threatens Florida's Space Coast.\n\n"
    "The rocket was to lift off on September 27 from Kennedy Space Center.\n\n"
    "The next launch window opens in mid-November, NASA said, though officials have not set a date."
)


def test_a_follow_up_that_refers_back_stays_in_the_article_talked_about() -> None:
    index = Index([default_article(), ROCKET])
    history: list[Turn] = []
    for question in ("when is the next launch?", "why was it delayed?"):
        _, turn = answered(index, question, history)
        history.append(turn)
    assert turn.article_id == ROCKET.id
    answer = index.search("who said that?", history)
    # The Newsweek report says "said" far more often, but "that" is what NASA said.
    assert answer.hits[0].passage.article == ROCKET
    # A question of its own goes where its words are.
    assert index.search("how many reservists did Putin call up?", history).hits[0].passage.article != ROCKET


def test_in_a_library_the_summary_is_of_the_article_talked_about(seed_index) -> None:
    library = Index([default_article(), EXPEDITION])
    assert library.search("summarize").about == EXPEDITION  # the one added last
    _, turn = answered(library, "how many reservists?")
    assert library.search("summarize", [turn]).about == default_article()


def test_a_summary_of_an_empty_library_is_empty() -> None:
    answer = Index([]).summary()
    assert answer.hits == [] and answer.declined


def test_a_question_that_relates_to_nothing_gets_no_passage(seed_index) -> None:
    for question in ["hello", "what is the weather in Paris?", ""]:
        answer = seed_index.search(question)
        assert answer.declined and answer.hits == [], question


def test_a_question_that_relates_gets_up_to_k_passages(seed_index) -> None:
    answer = seed_index.search("what did Zelensky say about Russian soldiers?", k=5)
    assert len(answer.hits) == 5


def test_who_voted_against_is_answered_by_those_against() -> None:
    council = parse_text(
        "Council Approves Budget\n\n"
        "The city council voted 9-4 on Monday night to approve a $2.1 billion budget.\n\n"
        "Mayor Rosa Delgado called the vote a promise kept.\n\n"
        "Four council members voted against the budget. Councilman Derek Shaw said the police "
        "increase was too small."
    )
    assert "Four council members" in Index([council]).search("who voted against it?").hits[0].passage.text


# A made-up drug approval: the doctor is named by her title's short form, "Dr."
APPROVAL = parse_text(
    "FDA Approves First Pill for Postpartum Depression\n\n"
    "The US Food and Drug Administration on Friday approved the first pill specifically for "
    "postpartum depression, a condition that affects about one in seven new mothers.\n\n"
    "The drug, called zuranolone and sold under the brand name Zurzuvae, is taken once a day for "
    "14 days. In clinical trials, women who took it reported feeling better within three days.\n\n"
    '"Having access to an oral medication will be a beneficial option for many of these women," '
    "said Dr. Tiffany Farchione, director of the FDA's psychiatry division.\n\n"
    "The most common side effects were drowsiness, dizziness and diarrhea.\n\n"
    "The drug was developed by Sage Therapeutics and Biogen. The companies have not said how much "
    "it will cost, but analysts expect a price of around $15,000 for the two-week course.\n\n"
    "Until now, the only approved treatment specifically for postpartum depression was an "
    "intravenous infusion that must be given over 60 hours in a hospital."
)


def test_how_long_did_that_take_asks_of_the_last_answer() -> None:
    index = Index([APPROVAL])
    _, before = answered(index, "what was the treatment before?")  # "…given over 60 hours…"
    hit = index.search("how long did that take?", [before]).hits[0]
    # Not the pill's "taken once a day for 14 days", which holds "take".
    assert "60 hours" in [APPROVAL.text[s:e] for s, e in hit.highlights]


def test_who_took_it_after_the_photo_is_its_credit(seed_index) -> None:
    _, photo = answered(seed_index, "what is the photo?")  # "Vadim Blazhevich/Getty Images"
    hit = seed_index.search("who took it?", [photo]).hits[0]
    text = seed_index.articles[0].text
    assert "Vadim Blazhevich" in [text[s:e] for s, e in hit.highlights]


def test_a_title_short_form_is_the_title() -> None:
    # "Doctor" was a word the library lacks: "say" alone found "have not said how much".
    answer = Index([APPROVAL]).search("what did the doctor say?")
    assert "beneficial option" in answer.hits[0].passage.text and not answer.declined


# A made-up match report whose crowd and day are told in its lede, in words no question below uses.
CUP_TIE = parse_text(
    "Arsenal Beat Chelsea to Reach the Cup Final\n\n"
    "By Tom Hale, Sports Reporter.\n\n"
    "Arsenal beat Chelsea 3-1 at Wembley Stadium on Saturday, with Bukayo Saka scoring twice in "
    "front of a crowd of 84,000.\n\n"
    '"The players showed great character," said Arsenal manager Mikel Arteta.\n\n'
    "Chelsea manager Enzo Maresca said his side had been let down by their finishing."
)


@pytest.mark.parametrize(
    "question", ["how many people watched?", "how many people attended?", "when was the match?"]
)
def test_a_typed_question_sharing_no_word_is_offered_the_closest_passage_stating_its_type(question) -> None:
    # No window says "watched", "attended" or "match"; the lede is close in meaning (cosine
    # 0.28 to 0.42, under the line for any passage) and has the number or date asked for.
    answer = Index([CUP_TIE]).search(question)
    assert answer.declined  # shown as the closest passage, which may not answer it
    assert answer.hits and "84,000" in answer.hits[0].passage.text


def far_in_meaning(index: Index, word: str):
    """A stand-in for the word vectors that finds every window without ``word`` close in meaning."""

    def meaning(self: Index, text: str, indices: list[int]) -> np.ndarray:
        return np.array([0.0 if word in self.passages[i].text else 1000.0 for i in indices])

    return meaning


def test_meaning_does_not_outvote_words(monkeypatch) -> None:
    index = Index([default_article()])
    monkeypatch.setattr(Index, "_meaning", far_in_meaning(index, "reservists"))
    answer = index.search("how many of them were reservists?")  # "he": the opening is a candidate
    assert "reservists" in answer.hits[0].passage.text
    assert len(answer.hits) > 1  # the others are still offered, after it


def test_without_the_rule_meaning_would_outvote_words(monkeypatch) -> None:
    index = Index([default_article()])
    monkeypatch.setattr(Index, "_meaning", far_in_meaning(index, "reservists"))
    monkeypatch.setattr(Index, "_sharing", lambda self, terms, indices: np.ones(len(indices), dtype=bool))
    assert "reservists" not in index.search("how many of them were reservists?").hits[0].passage.text


def test_an_answer_stands_at_its_sentence_with_the_highlights(seed_index) -> None:
    hit = seed_index.search("how many reservists?").hits[0]
    assert hit.focus.first_sentence == hit.focus.last_sentence
    assert "300,000 reservists" in hit.focus.text and hit.focus.text in hit.passage.text
    opening = seed_index.search("what happened?").hits[0]  # nothing to highlight: the whole passage
    assert opening.focus == opening.passage


def test_a_follow_up_referring_back_stays_with_its_article_though_another_has_its_word() -> None:
    """ "How much will it cost?" after Putin's announcement is about the announcement: the
    recall report's "would cost Apple about $60 million" is not its answer."""
    index = Index([default_article(), RECALL])
    _, turn = answered(index, "what did putin announce?")
    answer = index.search("how much will it cost?", [turn])
    assert answer.hits[0].passage.article == default_article()


def test_a_follow_up_naming_what_only_another_article_has_goes_there() -> None:
    index = Index([default_article(), ROCKET])
    _, turn = answered(index, "what did putin announce?")
    # "Announce" is in the announcement's passage, right where the conversation stands; "NASA"
    # is only in the other article.
    answer = index.search("what did NASA announce?", [turn])
    assert answer.hits[0].passage.article == ROCKET and not answer.declined
    _, turn = answered(index, "when is the next launch?")
    assert turn.article_id == ROCKET.id
    back = index.search("and Zelensky?", [turn])
    assert "Zelensky" in back.hits[0].passage.text


def test_an_article_s_terms_are_kept_for_a_few_articles_only() -> None:
    articles = [parse_text(f"Report {n}\n\nThe council number {n} met on Monday.") for n in range(40)]
    index = Index(articles)
    for article in articles:
        assert "council" in index.article_terms(article)
    assert len(index._article_terms) <= ARTICLE_TERMS_KEPT
