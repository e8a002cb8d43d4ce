"""Which messages are small talk rather than questions."""

import pytest

from bot.smalltalk import SmallTalk, small_talk


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("thanks", SmallTalk.THANKS),
        ("Thank you so much!", SmallTalk.THANKS),
        ("ok thanks 🙏", SmallTalk.THANKS),
        ("got it 👍", SmallTalk.THANKS),
        ("thx @ArticleQABot", SmallTalk.THANKS),
        ("cool", SmallTalk.THANKS),
        ("hi", SmallTalk.GREETING),
        ("Hello there!", SmallTalk.GREETING),
        ("good morning", SmallTalk.GREETING),
        ("lol", SmallTalk.REACTION),
        ("wow", SmallTalk.REACTION),
        ("That's interesting!", SmallTalk.REACTION),
        ("makes sense", SmallTalk.REACTION),
        ("😂😂", SmallTalk.REACTION),
        ("wow, thanks", SmallTalk.THANKS),
        ("help", SmallTalk.HELP),
        ("What can you do?", SmallTalk.HELP),
        ("how do I add an article?", SmallTalk.HELP),
        ("what articles do you have?", SmallTalk.SOURCES),
        ("list the articles", SmallTalk.SOURCES),
        # questions, even polite ones
        ("thanks, and what about Kherson?", None),
        ("ok what did he say?", None),
        ("is it ok?", None),
        ("how many reservists?", None),
        ("high", None),
        ("anything interesting?", None),
        ("what is interesting about it?", None),
        ("?", None),  # asks to go on
        ("really?", None),
        ("what can Ukraine do?", None),
        ("who helped them?", None),
        ("", None),
    ],
)
def test_small_talk_is_told_from_questions(text: str, kind: SmallTalk | None) -> None:
    assert small_talk(text) is kind
