"""Formatting, hostile text, inline mode, rate limits and webhooks, end to end."""

import pytest

from tests.botharness import running_bot

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    "question",
    [
        "<b>how many</b> reservists? </blockquote><a href='x'>",
        "how many reservists? & <script>alert(1)</script> &amp; &lt;",
        "how many *reservists* _were_ `called` [up](http://x)?",
    ],
)
async def test_html_in_questions_never_breaks_a_send(fake_api, tmp_path, alice, chat, question):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, question)
        reply = await fake_api.wait_for_bot_reply(chat)
    assert "300,000" in reply["text"]
    assert all(call.ok for call in fake_api.calls("sendMessage"))


async def test_a_9000_character_question_gets_an_answer(fake_api, tmp_path, alice, chat):
    question = "how many reservists? " + "blah " * 1800
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, question)
        reply = await fake_api.wait_for_bot_reply(chat)
    assert all(call.ok for call in fake_api.calls("sendMessage"))
    assert len(reply["text"]) <= 4096


async def test_inline_query_returns_up_to_five_cited_passages(fake_api, tmp_path, alice):
    async with running_bot(fake_api, tmp_path):
        query = fake_api.inline_query(alice, "how many reservists")
        results = await fake_api.wait_for(lambda: fake_api.inline_results(query), what="inline results")
    assert 1 <= len(results) <= 5
    content = results[0]["input_message_content"]
    assert "300,000" in content["message_text"] and "¶6" in content["message_text"]


async def test_a_429_with_retry_after_delays_but_does_not_lose_the_answer(fake_api, tmp_path, alice, chat):
    fake_api.faults.once("sendMessage", "too_many_requests", retry_after=1)
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = await fake_api.wait_for_bot_reply(chat, timeout=15)
    assert "300,000" in reply["text"]
    statuses = [call.status for call in fake_api.calls("sendMessage")]
    assert statuses[0] == 429 and statuses[-1] == 200


async def test_a_hundred_questions_from_twenty_chats_are_all_answered(fake_api, tmp_path):
    users = [fake_api.user(3000 + i, f"U{i}") for i in range(20)]
    chats = [fake_api.private_chat(u) for u in users]
    async with running_bot(fake_api, tmp_path, messages_per_second=1000):
        for user, chat in zip(users, chats, strict=True):
            for _ in range(5):
                fake_api.send_text(chat, user, "how many reservists?")
        await fake_api.wait_for(
            lambda: all(len(fake_api.bot_messages(c)) == 5 for c in chats), timeout=60, what="100 answers"
        )
