"""Group chats, end to end: shared context, addressing rules, quoting the asker."""

import pytest

from tests.botharness import running_bot

pytestmark = pytest.mark.asyncio


@pytest.fixture
def members(fake_api):
    return [fake_api.user(2001, "Ann", "ann"), fake_api.user(2002, "Bob", "bob"), fake_api.user(2003, "Cy")]


@pytest.fixture
def group(fake_api):
    return fake_api.group_chat("News club", chat_id=-100500)


async def test_chatter_is_ignored_and_every_way_of_asking_is_answered(fake_api, tmp_path, members, group):
    ann, bob, cy = members
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(group, ann, "did you see the news about reservists?")
        fake_api.send_text(group, bob, "how many reservists were there?")  # chatter: not for the bot
        ask = fake_api.send_text(group, ann, "/ask how many reservists?")
        first = await fake_api.wait_for_bot_reply(group, after=ask)
        ask_at = fake_api.send_text(group, bob, "/ask@ArticleQABot who is Andriy Yusov?")
        second = await fake_api.wait_for_bot_reply(group, after=ask_at)
        mention = fake_api.send_text(group, cy, "@ArticleQABot where is Petropavl?")
        third = await fake_api.wait_for_bot_reply(group, after=mention)
        follow_up = fake_api.send_text(group, ann, "what did he say people were calling?", reply_to=second)
        fourth = await fake_api.wait_for_bot_reply(group, after=follow_up)
    assert len(fake_api.bot_messages(group)) == 4, "chatter got no answer"
    assert "300,000" in first["text"]
    assert "Andriy Yusov" in second["text"]
    assert "Kazakhstan" in third["text"]
    assert "hotline" in fourth["text"], "the reply was resolved against Bob's question"
    for reply, question in ((first, ask), (second, ask_at), (third, mention), (fourth, follow_up)):
        assert reply["reply_to_message"]["message_id"] == question["message_id"], "the asker is quoted"


async def test_a_command_for_another_bot_is_not_answered(fake_api, tmp_path, members, group):
    ann = members[0]
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(group, ann, "/ask@SomeOtherBot how many reservists?")
        marker = fake_api.send_text(group, ann, "/ask how many reservists?")
        await fake_api.wait_for_bot_reply(group, after=marker)
    assert len(fake_api.bot_messages(group)) == 1


async def test_group_help_explains_follow_ups_topics_and_summary(fake_api, tmp_path, members, group):
    async with running_bot(fake_api, tmp_path):
        asked = fake_api.send_text(group, members[0], "/help@ArticleQABot")
        replies = await fake_api.wait_for_bot_replies(group, 1, after=asked)
    text = "\n".join(reply["text"] for reply in replies)
    for words in (
        "/summary",
        "/ask when?",
        "a reply to any of my answers continues",
        "forum topic",
        "/reset",
    ):
        assert words in text


async def test_a_reaction_in_reply_to_an_answer_is_left_unanswered(fake_api, tmp_path, members, group):
    ann, bob, _ = members
    async with running_bot(fake_api, tmp_path):
        ask = fake_api.send_text(group, ann, "/ask how many square miles were retaken?")
        answer = await fake_api.wait_for_bot_reply(group, after=ask)
        fake_api.send_text(group, bob, "lol 😂", reply_to=answer)
        fake_api.send_text(group, bob, "interesting", reply_to=answer)
        how_big = fake_api.send_text(group, ann, "/ask how big is that?")

        def answer_to_how_big() -> dict | None:
            replies = fake_api.bot_messages(group)
            wanted = how_big["message_id"]
            return next((m for m in replies if m["reply_to_message"]["message_id"] == wanted), None)

        reply = await fake_api.wait_for(answer_to_how_big, what="the answer to how big is that?")
    # A chat's updates are handled in order: both reactions were, before the last question.
    assert len(fake_api.bot_messages(group)) == 2, "neither reaction is answered"
    assert "2,316 square miles" in reply["text"], "the reactions did not become turns of the conversation"
    assert not fake_api.calls("setMessageReaction")


async def test_thanks_in_reply_to_an_answer_get_a_reaction_not_an_answer(fake_api, tmp_path, members, group):
    ann, bob, _ = members
    async with running_bot(fake_api, tmp_path):
        ask = fake_api.send_text(group, ann, "/ask how many reservists?")
        answer = await fake_api.wait_for_bot_reply(group, after=ask)
        thanks = fake_api.send_text(group, bob, "thanks @ArticleQABot", reply_to=answer)
        await fake_api.wait_for(lambda: fake_api.calls("setMessageReaction"), what="a reaction to thanks")
    assert fake_api.calls("setMessageReaction")[0].params["message_id"] == thanks["message_id"]
    assert len(fake_api.bot_messages(group)) == 1
