"""Private chats, end to end: the real bot against the fake Bot API over HTTP."""

import asyncio

import pytest

from bot import questions
from bot.library import search
from tests.botharness import running_bot
from tests.test_bot_library import ask

pytestmark = pytest.mark.asyncio

PUTIN = "Putin responded by announcing on September 21 that he was calling up 300,000 reservists."


def bold(message: dict) -> list[str]:
    text = message["text"]
    return [
        _utf16_slice(text, e["offset"], e["length"])
        for e in message.get("entities", [])
        if e["type"] == "bold"
    ]


def _utf16_slice(text: str, offset: int, length: int) -> str:
    data = text.encode("utf-16-le")
    return data[offset * 2 : (offset + length) * 2].decode("utf-16-le")


async def test_how_many_reservists_is_answered_with_the_passage_and_a_citation(
    fake_api, tmp_path, alice, chat
):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = await fake_api.wait_for_bot_reply(chat)
    assert PUTIN in reply["text"]
    assert "300,000" in bold(reply)
    assert (
        "[1] ¶6 · Zelensky Says 'More and More' Russians Trying to Escape as Ukraine Advances — Newsweek"
        in reply["text"]
    )
    assert any(e["type"] == "blockquote" for e in reply["entities"])
    assert not fake_api.calls("sendChatAction"), "an answer ready at once needs no typing…"
    labels = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert "Context" in labels


async def test_typing_is_shown_while_a_slow_answer_is_worked_out(
    fake_api, tmp_path, alice, chat, monkeypatch
):
    async def slow_search(*args, **kwargs):
        await asyncio.sleep(questions.TYPING_DELAY_SECONDS + 0.3)  # a big library, a busy bot
        return await search(*args, **kwargs)

    monkeypatch.setattr(questions, "search", slow_search)
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = await fake_api.wait_for_bot_reply(chat)
    assert PUTIN in reply["text"]
    methods = [call.method for call in fake_api.calls() if call.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"], "typing… first, then the answer"
    assert fake_api.calls("sendChatAction")[0].params["action"] == "typing"


async def test_a_question_the_article_does_not_answer_is_declined_plainly(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "who won the world cup in 2018?")
        reply = await fake_api.wait_for_bot_reply(chat)
    assert "found nothing" in reply["text"] or "doesn't seem to say" in reply["text"]
    assert PUTIN not in reply["text"]


async def test_closest_passage_is_offered_only_as_such(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "what did Putin say about the price of bread in Moscow?")
        reply = await fake_api.wait_for_bot_reply(chat)
    assert "closest passage, which may not answer it" in reply["text"]


async def test_more_pages_through_the_ranking_and_context_shows_the_paragraph(
    fake_api, tmp_path, alice, chat
):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "what did Zelensky say?")
        first = await fake_api.wait_for_bot_reply(chat)
        fake_api.press_button(first, alice, "p:1")
        second = await fake_api.wait_for(
            lambda: (m := fake_api.message(first)) and m["text"] != first["text"] and m,
            what="the page-2 edit",
        )
        assert "[2] ¶" in second["text"]
        fake_api.press_button(second, alice, "c:1")
        context = await fake_api.wait_for(
            lambda: (m := fake_api.message(first)) and m["text"].startswith("Context of [2]") and m,
            what="the context edit",
        )
    assert any(e["type"] == "expandable_blockquote" for e in context["entities"])
    assert len(fake_api.calls("answerCallbackQuery")) == 2


async def test_a_forged_button_gets_a_polite_answer(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "how many reservists?")
        reply = await fake_api.wait_for_bot_reply(chat)
        for data in ("p:99", "x:1", "p:-1", "' OR 1=1 --", "p:1" * 20):
            fake_api.forge_button_press(reply, alice, data)
        answers = await fake_api.wait_for(
            lambda: len(c := fake_api.calls("answerCallbackQuery")) >= 5 and c, what="5 callback answers"
        )
    assert all(call.ok for call in answers)
    assert all(call.params.get("text") for call in answers)
    assert fake_api.message(reply)["text"] == reply["text"], "nothing changed"


async def test_start_and_help(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "/start")
        start = await fake_api.wait_for_bot_reply(chat)
        fake_api.send_text(chat, alice, "/help")
        help_ = await fake_api.wait_for_bot_reply(chat)
    assert "Zelensky Says" in start["text"] and "how many reservists?" in start["text"]
    assert "/summary" in start["text"]
    for command in ("/summary", "/sources", "/add", "/remove", "/reset", "/ask", "/help"):
        assert command in help_["text"]


async def test_questions_about_the_bot_get_the_help_and_the_sources_and_the_conversation_goes_on(
    fake_api, tmp_path, alice, chat
):
    async with running_bot(fake_api, tmp_path):
        await ask(fake_api, chat, alice, "what did putin announce?")
        help_ = await ask(fake_api, chat, alice, "What can you do?")
        sources = await ask(fake_api, chat, alice, "what articles do you have?")
        when = await ask(fake_api, chat, alice, "when?")
    assert "/add" in help_["text"] and "/summary" in help_["text"]
    assert "Built-in: Zelensky Says" in sources["text"]
    assert "September 21" in when["text"], "neither became a turn of the conversation"


async def test_follow_up_right_after_an_answer_keeps_the_subject_until_reset(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "who is Andriy Yusov?")
        await fake_api.wait_for_bot_reply(chat)
        fake_api.send_text(chat, alice, "what did he say people were calling?")
        follow_up = await fake_api.wait_for_bot_reply(chat)
        fake_api.send_text(chat, alice, "/reset")
        await fake_api.wait_for_bot_reply(chat)
        fake_api.send_text(chat, alice, "what did he say people were calling?")
        fresh = await fake_api.wait_for_bot_reply(chat)
    assert "hotline" in follow_up["text"]
    assert "hotline" not in fresh["text"]


async def test_an_edited_question_edits_its_answer(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        question = fake_api.send_text(chat, alice, "who won the world cup?")
        reply = await fake_api.wait_for_bot_reply(chat)
        fake_api.edit_text(question, "how many reservists?")
        edited = await fake_api.wait_for(
            lambda: (m := fake_api.message(reply)) and "300,000" in m["text"] and m, what="the edited answer"
        )
    assert edited["message_id"] == reply["message_id"]
    assert len(fake_api.bot_messages(chat)) == 1


async def test_command_menus_are_registered_per_scope(fake_api, tmp_path):
    async with running_bot(fake_api, tmp_path):
        pass
    private = {c["command"] for c in fake_api.my_commands({"type": "all_private_chats"})}
    groups = {c["command"] for c in fake_api.my_commands({"type": "all_group_chats"})}
    assert "ask" in groups and "ask" not in private
    assert {"summary", "sources", "add", "remove", "reset", "help"} <= private & groups


async def test_thanks_get_a_reaction_and_hello_a_greeting_and_the_conversation_goes_on(
    fake_api, tmp_path, alice, chat
):
    async with running_bot(fake_api, tmp_path):
        fake_api.send_text(chat, alice, "what did putin announce?")
        await fake_api.wait_for_bot_reply(chat)
        thanks = fake_api.send_text(chat, alice, "Thanks!")
        await fake_api.wait_for(lambda: fake_api.calls("setMessageReaction"), what="a reaction to thanks")
        fake_api.send_text(chat, alice, "hi")
        greeting = await fake_api.wait_for_bot_reply(chat)
        fake_api.send_text(chat, alice, "when?")
        when = await fake_api.wait_for_bot_reply(chat)
    reaction = fake_api.calls("setMessageReaction")[0].params
    assert reaction["message_id"] == thanks["message_id"]
    assert reaction["reaction"] == [{"type": "emoji", "emoji": "👍"}]
    assert len(fake_api.bot_messages(chat)) == 3, "thanks are not answered with a message"
    assert greeting["text"].startswith("Hi!")
    assert "Zelensky Says" in greeting["text"], "hi is greeted as /start does"
    assert "September 21" in when["text"], "small talk does not break the conversation"
