"""Questions about the article itself, end to end: /summary, "what is this article about?", the
article's card, and a summary as a turn of the conversation."""

from __future__ import annotations

import pytest

from bot.commands import SUMMARY_QUESTION
from bot.formatting import NOT_FOUND
from index import Index, default_article
from tests import test_bot_conversations
from tests.botharness import running_bot
from tests.test_bot_conversations import DECLINED, YUSOV, ask
from tests.test_bot_library import HONEY, HONEY_TITLE, outcome

histories = test_bot_conversations.histories  # the fixture, used by name

pytestmark = pytest.mark.asyncio

NEWSWEEK = default_article()
KEY_SENTENCES = [hit.passage.text for hit in Index([NEWSWEEK]).summary().hits]
HONEY_QUESTION = "how much honey did the cooperative collect?"


def labels(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def test_summary_shows_the_card_and_the_key_sentences_each_cited(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        summary = await ask(fake_api, chat, alice, "/summary")
        fake_api.press_button(summary, alice, "c:0")
        first = await fake_api.wait_for(
            lambda: (m := fake_api.message(summary))["text"].startswith("Context of [1]") and m, what="[1]"
        )
        fake_api.press_button(first, alice, "c:1")
        second = await fake_api.wait_for(
            lambda: (m := fake_api.message(summary))["text"].startswith("Context of [2]") and m, what="[2]"
        )
        fake_api.press_button(second, alice, "p:0")
        back = await fake_api.wait_for(
            lambda: (m := fake_api.message(summary))["text"] == summary["text"] and m, what="the summary"
        )
    title, details, *rest = summary["text"].split("\n")
    assert title == NEWSWEEK.title and details == "Newsweek"
    assert [e["type"] for e in summary["entities"]][:1] == ["bold"], "the title in bold"
    assert len(KEY_SENTENCES) == 3
    for number, sentence in enumerate(KEY_SENTENCES, start=1):
        assert sentence in rest and f"[{number}] ¶" in summary["text"]
    assert sum(e["type"] == "blockquote" for e in summary["entities"]) == 3
    assert labels(summary) == ["Context"]
    assert labels(first) == ["‹ Summary", "More (2/3) ›"]
    assert labels(second) == ["‹ Summary", "More (3/3) ›"]
    assert labels(back) == ["Context"]


async def test_summary_is_of_the_article_the_conversation_is_about(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {HONEY}"))
        newest = await ask(fake_api, chat, alice, "/summary")  # no conversation yet: the newest article
        await ask(fake_api, chat, alice, "how many reservists?")
        talked_about = await ask(fake_api, chat, alice, "/summary")
        numbered = await ask(fake_api, chat, alice, "/summary 1")
        missing = await ask(fake_api, chat, alice, "/summary 7")
        usage = await ask(fake_api, chat, alice, "/summary the honey one")
    assert newest["text"].startswith(f"{HONEY_TITLE}\n")
    assert "42 tonnes" in newest["text"]
    assert talked_about["text"].startswith(f"{NEWSWEEK.title}\nNewsweek\n")
    assert numbered["text"].startswith(f"{HONEY_TITLE}\n")
    assert missing["text"] == "There is no article 7 here — see /sources."
    assert "/summary N" in usage["text"]


async def test_a_summary_is_a_turn_of_the_conversation(fake_api, tmp_path, alice, chat, histories):
    async with running_bot(fake_api, tmp_path):
        summary = await ask(fake_api, chat, alice, "/summary")
        await ask(fake_api, chat, alice, YUSOV, reply_to=summary)
    [(question, [turn])] = histories
    assert question == YUSOV
    assert turn.question == SUMMARY_QUESTION and turn.answer == KEY_SENTENCES[0]
    assert turn.article_id == NEWSWEEK.id and NEWSWEEK.text[turn.start : turn.end] == turn.answer


async def test_summary_works_in_groups_and_topics(fake_api, tmp_path, alice):
    forum = fake_api.forum_chat("Readers' forum")
    topic = fake_api.create_topic(forum, alice, "Newsweek")
    async with running_bot(fake_api, tmp_path):
        in_topic = await ask(fake_api, forum, alice, "/summary@ArticleQABot", topic=topic)
    assert in_topic["text"].startswith(f"{NEWSWEEK.title}\n")
    assert in_topic["message_thread_id"] == topic["message_thread_id"]


async def test_a_summary_of_a_removed_article_says_so_when_paged(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {HONEY}"))
        summary = await ask(fake_api, chat, alice, "/summary 1")
        await ask(fake_api, chat, alice, "/remove 1")
        fake_api.press_button(summary, alice, "c:0")
        [answered] = await fake_api.wait_for(lambda: fake_api.calls("answerCallbackQuery"), what="the answer")
    assert answered.params["text"] == "That article is no longer in the library."
    assert fake_api.message(summary)["text"] == summary["text"]


@pytest.mark.parametrize("question", ["what is this article about?", "whats this about", "tldr"])
async def test_what_is_this_article_about_is_answered_with_its_card(
    fake_api, tmp_path, alice, chat, question
) -> None:
    async with running_bot(fake_api, tmp_path):
        reply = await ask(fake_api, chat, alice, question)
    assert reply["text"] != NOT_FOUND and DECLINED not in reply["text"]
    assert reply["text"].startswith(f"{NEWSWEEK.title}\nNewsweek\n")
    assert KEY_SENTENCES[0] in reply["text"]
