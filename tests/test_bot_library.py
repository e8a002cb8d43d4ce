"""A chat's library, end to end: the real bot (SQLite under tmp_path) against the fake Bot API,
with articles uploaded as files, pasted, replied to, and fetched from a local website.

Every refusal must be a clear reply that leaves the library as it was.
"""

from __future__ import annotations

import datetime
import re
import time

import pytest

from bot import isolated
from bot.articles import pasted_link
from bot.reading import Source, prepare
from index import ArticleError
from tests.botharness import running_bot
from tests.websites import (
    BOILERPLATE,
    STORY_HTML,
    STORY_TITLE,
    LocalSite,
    make_pdf,
    pdf_bomb,
    pdf_decompression_bomb,
)

PROGRESS = ("Reading…", "Reading the file…", "Fetching the page…")
ADMINS_ONLY = "Only the group's administrators can change its library."
# Groups are paced at Telegram's 20 messages a minute; these tests are about libraries, not pacing.
UNPACED = {"group_messages_per_minute": 6000}
REFUSED_ADDRESS = "I couldn't add that: That link points to a private or local address, which I don't fetch."

UNRESOLVED = "I couldn't find that website (its name doesn't resolve)."
NOT_ADDED = "I couldn't add that: "

HONEY_TITLE = "Beekeepers count a record honey harvest"
HONEY = f"""{HONEY_TITLE}

The Lowland Beekeepers Cooperative collected 42 tonnes of honey this season, the largest harvest in \
its sixty-year history, chairwoman Ingrid Olsen said on Friday.

Olsen credited the long, warm spring and a new agreement with farmers, who left wildflower strips \
along their fields. The cooperative has 310 members and about 9,000 hives.

Prices at the cooperative's shop will stay the same, Olsen said, although exports to Germany will double.
"""
TRAINS_TITLE = "Night trains return to the Alps"
TRAINS = f"""# {TRAINS_TITLE}

The new **sleeper service** between Zurich and Vienna will run *three times a week* from December, \
the rail operator said.

Each train has 12 carriages, including two [couchette cars](https://example.com/couchettes) and a dining car.

> Tickets go on sale in October, with fares from 59 euros.
"""
GLACIER_TITLE = "Glacier report"
GLACIER_PDF = make_pdf(
    [
        "The Rhone glacier retreated 300 metres last summer, scientists from the Alpine Institute said.",
        "",  # a blank line's gap: two paragraphs (index/pdf.py reads them from the layout)
        "The measurements were taken by drones every two weeks between June and September.",
    ],
    title=GLACIER_TITLE,
)

UPLOADS = {  # name: (file name, bytes, MIME type, title, question, words of the answer, paragraphs)
    "txt": ("honey.txt", HONEY.encode(), "text/plain", HONEY_TITLE,
            "how much honey did the cooperative collect?", "42 tonnes", 3),
    "md": ("trains.md", TRAINS.encode(), "text/markdown", TRAINS_TITLE,
           "how often will the sleeper service run?", "three times a week", 3),
    "html": ("lighthouse.html", STORY_HTML.encode(), "text/html", STORY_TITLE,
             "who was the last keeper?", "Angus Reid", 4),
    "pdf": ("glacier.pdf", GLACIER_PDF, "application/pdf", GLACIER_TITLE,
            "how far did the glacier retreat?", "300 metres", 2),
}  # fmt: skip


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def group(fake_api):
    return fake_api.group_chat("News club", chat_id=-100777)


@pytest.fixture
def ann(fake_api):
    return fake_api.user(2001, "Ann", "ann")


@pytest.fixture
def bob(fake_api):
    return fake_api.user(2002, "Bob", "bob")


def in_progress(text: str) -> bool:
    return text in PROGRESS or text.startswith("Waiting my turn")


async def outcome(fake_api, chat: dict, sent: dict) -> str:
    """The bot's last word on ``sent``: its progress message once edited, or its direct reply."""
    first = await fake_api.wait_for_bot_reply(chat, after=sent)
    done = await fake_api.wait_for(
        lambda: (m := fake_api.message(first)) and not in_progress(m["text"]) and m,
        what="the progress message to be edited into an outcome",
    )
    return done["text"]


def progress_of(fake_api, sent: dict) -> str:
    """The text the bot's first message after ``sent`` was sent with, before any edit."""
    for call in fake_api.calls("sendMessage"):
        message = call.result if call.ok else None
        if (
            message
            and message["chat"]["id"] == sent["chat"]["id"]
            and message["message_id"] > sent["message_id"]
        ):
            return call.params["text"]
    raise AssertionError("no message was sent after it")


async def ask(fake_api, chat: dict, user: dict, question: str, reply_to: dict | None = None) -> dict:
    sent = fake_api.send_text(chat, user, question, reply_to=reply_to)
    return await fake_api.wait_for_bot_reply(chat, after=sent)


async def library(app, chat: dict) -> list[str]:
    """Titles of the chat's own articles, as stored."""
    return [entry.article.title for entry in await app.bot_data["services"].store.library(chat["id"])]


HONEY_KEY = (
    "The Lowland Beekeepers Cooperative collected 42 tonnes of honey this season, the largest harvest "
    "in its sixty-year history, chairwoman Ingrid Olsen said on Friday."
)


def added(title: str, number: int, paragraphs: int, key: str, example: str) -> str:
    return f"Added {title} as article {number} ({paragraphs} paragraphs).\n{key}\nTry: {example}"


def citation_links(message: dict) -> list[str]:
    return [e["url"] for e in message.get("entities", []) if e["type"] == "text_link"]


# --- adding, and asking about what was added ---------------------------------------------------------


async def test_each_file_type_is_added_then_answered_with_its_title_cited(fake_api, tmp_path, alice, chat):
    results, replies = {}, {}
    async with running_bot(fake_api, tmp_path) as app:
        for kind, (name, content, mime, *_) in UPLOADS.items():
            sent = fake_api.send_document(chat, alice, name, content, mime, caption="/add")
            results[kind] = await outcome(fake_api, chat, sent), progress_of(fake_api, sent)
        for kind, (*_, question, _, _) in UPLOADS.items():
            replies[kind] = await ask(fake_api, chat, alice, question)
        assert await library(app, chat) == [upload[3] for upload in UPLOADS.values()]
    for number, (kind, (_, _, _, title, _, answer, paragraphs)) in enumerate(UPLOADS.items(), start=1):
        result, progress = results[kind]
        assert progress == "Reading the file…", kind
        confirmation = (
            rf"Added {re.escape(title)} as article {number} \({paragraphs} paragraphs?\)\.\n.+\nTry: .+\?"
        )
        assert re.fullmatch(confirmation, result), (kind, result)
        assert answer in replies[kind]["text"], kind
        assert f"· {title}" in replies[kind]["text"], f"the citation names the {kind} article"


async def test_a_page_added_by_link_keeps_the_article_without_the_boilerplate(
    fake_api, tmp_path, alice, chat, site
):
    url = site.url("/story")
    async with running_bot(fake_api, tmp_path, allow_private_urls=True) as app:
        sent = fake_api.send_text(chat, alice, f"/add {url}")
        result, progress = await outcome(fake_api, chat, sent), progress_of(fake_api, sent)
        [entry] = await app.bot_data["services"].store.library(chat["id"])
        reply = await ask(fake_api, chat, alice, "who was the last keeper?")
        sources = await ask(fake_api, chat, alice, "/sources")
    assert progress == "Fetching the page…"
    assert result.startswith(f"Added {STORY_TITLE} as article 1 (4 paragraphs).")
    assert entry.article.source_url == url
    assert "Angus Reid" in entry.article.text and "Fiona Marsh" in entry.article.text
    for word in BOILERPLATE:
        assert word.lower() not in entry.article.text.lower(), f"boilerplate {word!r} kept"
    assert "Angus Reid" in reply["text"] and f"· {STORY_TITLE}" in reply["text"]
    [link] = citation_links(reply)
    assert link.startswith(f"{url}#:~:text="), link
    assert url in citation_links(sources)


async def test_pasted_text_is_added_with_its_first_line_as_the_title(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path) as app:
        usage = await ask(fake_api, chat, alice, "/add")
        sent = fake_api.send_text(chat, alice, f"/add {HONEY}")
        result, progress = await outcome(fake_api, chat, sent), progress_of(fake_api, sent)
        reply = await ask(fake_api, chat, alice, "how many hives does the cooperative have?")
        assert await library(app, chat) == [HONEY_TITLE]
    assert usage["text"].startswith("To add an article, send one of:")
    assert progress == "Reading…"
    assert result == added(HONEY_TITLE, 1, 3, HONEY_KEY, "how many tonnes?")
    assert "9,000" in reply["text"] and f"· {HONEY_TITLE}" in reply["text"]


async def test_add_in_reply_to_a_message_or_a_file(fake_api, tmp_path, group, ann):
    fake_api.set_admins(group, [ann])
    async with running_bot(fake_api, tmp_path, **UNPACED) as app:
        article = fake_api.send_text(group, ann, HONEY)
        document = fake_api.send_document(group, ann, "glacier.pdf", GLACIER_PDF, "application/pdf")
        first = await outcome(fake_api, group, fake_api.send_text(group, ann, "/add", reply_to=article))
        second = await outcome(fake_api, group, fake_api.send_text(group, ann, "/add", reply_to=document))
        assert await library(app, group) == [HONEY_TITLE, GLACIER_TITLE]
    assert first == added(HONEY_TITLE, 1, 3, HONEY_KEY, "/ask how many tonnes?")
    assert second.startswith(f"Added {GLACIER_TITLE} as article 2 (2 paragraphs).")


async def test_in_private_a_link_or_a_file_sent_alone_is_added(fake_api, tmp_path, alice, chat, site):
    async with running_bot(fake_api, tmp_path, allow_private_urls=True) as app:
        pasted = fake_api.send_text(chat, alice, f"  {site.url('/story')}  ")
        first, progress = await outcome(fake_api, chat, pasted), progress_of(fake_api, pasted)
        document = fake_api.send_document(chat, alice, "glacier.pdf", GLACIER_PDF, "application/pdf")
        second = await outcome(fake_api, chat, document)
        reply = await ask(fake_api, chat, alice, "who was the last keeper?")
        assert await library(app, chat) == [STORY_TITLE, GLACIER_TITLE]
    assert progress == "Fetching the page…"
    assert first.startswith(f"Added {STORY_TITLE} as article 1 (4 paragraphs).")
    assert second.startswith(f"Added {GLACIER_TITLE} as article 2 (2 paragraphs).")
    assert "Angus Reid" in reply["text"]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("https://www.bbc.co.uk/news/world-63012345", "https://www.bbc.co.uk/news/world-63012345"),
        (" http://example.org/a?b=1 ", "http://example.org/a?b=1"),
        ("bbc.co.uk/news/world-63012345", "https://bbc.co.uk/news/world-63012345"),
        ("www.newsweek.com", "https://www.newsweek.com"),
        ("nasa.gov", None),  # may be a question about it
        ("Mr.Smith", None),
        ("what does https://example.org/a say?", None),
        ("ftp://example.org/file", None),
        ("javascript:alert(1)", None),
    ],
)
def test_a_link_sent_alone_is_told_from_a_question(text: str, link: str | None) -> None:
    assert pasted_link(text) == link


# --- /sources, /remove, /default ----------------------------------------------------------------------


async def test_sources_lists_who_added_what_and_remove_takes_one_out(fake_api, tmp_path, group, ann, bob):
    fake_api.set_admins(group, [ann, bob])
    today = datetime.date.today().isoformat()
    async with running_bot(fake_api, tmp_path, **UNPACED) as app:
        await outcome(fake_api, group, fake_api.send_text(group, ann, f"/add {HONEY}"))
        upload = fake_api.send_document(group, bob, "trains.md", TRAINS.encode(), "text/markdown", "/add")
        await outcome(fake_api, group, upload)
        sources = await ask(fake_api, group, ann, "/sources")
        removed = await ask(fake_api, group, bob, "/remove 1")
        after = await ask(fake_api, group, ann, "/sources")
        missing = await ask(fake_api, group, ann, "/remove 5")
        nonsense = [await ask(fake_api, group, ann, f"/remove {n}") for n in ("two", "²", "-1", "1.0")]
        answer = await ask(fake_api, group, ann, "/ask how much honey did the cooperative collect?")
        assert await library(app, group) == [TRAINS_TITLE]
    lines = sources["text"].split("\n")
    assert lines[1] == f"1. {HONEY_TITLE} · added {today} by Ann"
    assert lines[2] == f"2. {TRAINS_TITLE} · added {today} by Bob"
    assert lines[3].startswith("Built-in: Zelensky Says") and lines[3].endswith("(on)")
    assert removed["text"] == f"Removed {HONEY_TITLE}."
    assert after["text"].split("\n")[1] == f"1. {TRAINS_TITLE} · added {today} by Bob"
    assert missing["text"] == "There is no article 5 here — see /sources."
    assert all(reply["text"] == "Say which one: /remove N, with N from /sources." for reply in nonsense)
    assert HONEY_TITLE not in answer["text"] and "42 tonnes" not in answer["text"]


async def test_default_off_leaves_out_the_built_in_article(fake_api, tmp_path, alice, chat):
    async with running_bot(fake_api, tmp_path):
        off = await ask(fake_api, chat, alice, "/default off")
        without = await ask(fake_api, chat, alice, "how many reservists?")
        sources = await ask(fake_api, chat, alice, "/sources")
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {HONEY}"))
        own = await ask(fake_api, chat, alice, "how many reservists?")
        on = await ask(fake_api, chat, alice, "/default on")
        back = await ask(fake_api, chat, alice, "how many reservists?")
    assert off["text"] == "The built-in article is now off here."
    for reply in (without, own):
        assert "300,000" not in reply["text"] and "Zelensky" not in reply["text"]
    assert sources["text"].split("\n")[-2].endswith("(off — /default on to use it again)")
    assert on["text"] == "The built-in article is now on here."
    assert "300,000" in back["text"]


# --- who sees what, who may change it ------------------------------------------------------------------


async def test_another_chat_never_sees_the_article(fake_api, tmp_path, alice, chat, bob, group, ann):
    bobs_chat = fake_api.private_chat(bob)
    question = "how much honey did the cooperative collect?"
    async with running_bot(fake_api, tmp_path, **UNPACED) as app:
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {HONEY}"))
        answers = [
            await ask(fake_api, bobs_chat, bob, question),
            await ask(fake_api, group, ann, f"/ask {question}"),
        ]
        sources = [
            await ask(fake_api, bobs_chat, bob, "/sources"),
            await ask(fake_api, group, ann, "/sources"),
        ]
        query = fake_api.inline_query(bob, question)
        await fake_api.wait_for(lambda: fake_api.inline_results(query) is not None, what="inline results")
        inline = fake_api.inline_results(query)
        assert await library(app, bobs_chat) == [] and await library(app, group) == []
        mine = await ask(fake_api, chat, alice, question)
    for reply in answers + sources:
        assert HONEY_TITLE not in reply["text"] and "42 tonnes" not in reply["text"]
    assert all("42 tonnes" not in result["input_message_content"]["message_text"] for result in inline)
    assert "42 tonnes" in mine["text"], "while the chat that added it does see it"


async def test_in_a_group_only_administrators_change_the_library(fake_api, tmp_path, group, ann, bob):
    fake_api.set_admins(group, [ann])
    async with running_bot(fake_api, tmp_path, **UNPACED) as app:
        accepted = await outcome(fake_api, group, fake_api.send_text(group, ann, f"/add {HONEY}"))
        refusals = [
            await ask(fake_api, group, bob, f"/add {TRAINS}"),
            await ask(fake_api, group, bob, "/remove 1"),
            await ask(fake_api, group, bob, "/default off"),
        ]
        sent = fake_api.send_document(
            group, bob, "glacier.pdf", GLACIER_PDF, "application/pdf", caption="/add"
        )
        refusals.append(await fake_api.wait_for_bot_reply(group, after=sent))
        # A file captioned for another bot is not this bot's business, even from an admin.
        fake_api.send_document(group, ann, "trains.md", TRAINS.encode(), "text/markdown", "/add@OtherBot")
        marker = await ask(fake_api, group, ann, "/sources")
        assert await library(app, group) == [HONEY_TITLE]
        assert (await app.bot_data["services"].store.settings(group["id"])).include_default
    assert accepted == added(HONEY_TITLE, 1, 3, HONEY_KEY, "/ask how many tonnes?")
    assert [reply["text"] for reply in refusals] == [ADMINS_ONLY] * 4
    assert not fake_api.calls("getFile"), "no refused file was downloaded"
    assert marker["text"].startswith("Articles I answer from here"), "/add@OtherBot got no answer"


# --- limits ----------------------------------------------------------------------------------------------


async def test_the_limits_on_articles_and_characters_refuse_clearly(fake_api, tmp_path, alice, chat, site):
    limits = {"max_articles_per_chat": 2, "max_library_chars": 1000, "allow_private_urls": True}
    long_text = "A long read\n\n" + "This sentence is here to make the article long. " * 40
    async with running_bot(fake_api, tmp_path, **limits) as app:
        await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {HONEY}"))
        no_room = await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {long_text}"))
        upload = fake_api.send_document(chat, alice, "trains.md", TRAINS.encode(), "text/markdown", "/add")
        await outcome(fake_api, chat, upload)
        full = await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {site.url('/story')}"))
        upload = fake_api.send_document(chat, alice, "glacier.pdf", GLACIER_PDF, "application/pdf", "/add")
        full_too = await outcome(fake_api, chat, upload)
        assert await library(app, chat) == [HONEY_TITLE, TRAINS_TITLE]
    assert (
        no_room == f"{NOT_ADDED}This chat's library has no room for an article that long. /remove one first."
    )
    assert (
        full
        == full_too
        == (f"{NOT_ADDED}This chat's library is full (2 articles). /remove one before adding another.")
    )
    assert site.requests == [], "a full library fetches nothing"
    assert len(fake_api.calls("getFile")) == 1, "and downloads nothing (the one download: trains.md)"


# --- restart ---------------------------------------------------------------------------------------------


async def test_after_a_restart_the_library_and_the_conversation_are_still_there(
    fake_api, tmp_path, group, ann
):
    fake_api.set_admins(group, [ann])
    async with running_bot(fake_api, tmp_path, **UNPACED):
        await outcome(fake_api, group, fake_api.send_text(group, ann, f"/add {HONEY}"))
        yusov = await ask(fake_api, group, ann, "/ask who is Andriy Yusov?")
        await ask(fake_api, group, ann, "/ask how much honey did the cooperative collect?")
    async with running_bot(fake_api, tmp_path, **UNPACED) as app:
        again = await ask(fake_api, group, ann, "/ask how much honey did the cooperative collect?")
        follow_up = await ask(fake_api, group, ann, "what did he say people were calling?", reply_to=yusov)
        assert await library(app, group) == [HONEY_TITLE]
    assert "42 tonnes" in again["text"] and f"· {HONEY_TITLE}" in again["text"]
    # The chat's last answer is about honey: only the reply ties the follow-up to Yusov.
    assert "hotline" in follow_up["text"], (
        "the reply was resolved against the question asked before the restart"
    )


# --- hostile uploads and links -----------------------------------------------------------------------------

FIFTY_MB = b"All work and no play makes Jack a dull boy.\n" * (50 * 1024 * 1024 // 44 + 1)

HOSTILE_FILES = {  # name: (file name, bytes, MIME type, the reason given)
    "50 MB": ("big.txt", FIFTY_MB, "text/plain", "That file is too big (50.0 MB; the limit is 5 MB)."),
    "empty": ("empty.txt", b"", "text/plain", "That file is empty."),
    "blank": ("blank.txt", b" \n\t\n ", "text/plain", "That file is empty."),
    "binary named .txt": ("notes.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/plain",
                          "That is a PNG image, not an article: send .txt, .md, .html or .pdf."),
    "PDF without text": ("scan.pdf", make_pdf([]), "application/pdf",
                         "That PDF has no text layer (a scan?), so there is nothing I can read."),
    "corrupt PDF": ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "application/pdf",
                    "That PDF is damaged or not a PDF."),
    "HTML named .pdf": ("page.pdf", b"<html><body><p>hello</p></body></html>", "application/pdf",
                        "I found no article text on that page."),  # read as what it is
    "PDF decompression bomb": ("bomb.pdf", pdf_decompression_bomb(), "application/pdf",
                               "That PDF is damaged or not a PDF."),
    "page without an article": ("nav.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                                "text/html", "I found no article text on that page."),
    "docx": ("report.docx", b"PK\x03\x04" + bytes(100), "application/vnd.openxmlformats-officedocument",
             "That is a ZIP archive (.docx, .odt, .epub), not an article: send .txt, .md, .html or .pdf."),
    "zip": ("bomb.zip", b"PK\x03\x04" + bytes(100), "application/zip",
            "That is a ZIP archive (.docx, .odt, .epub), not an article: send .txt, .md, .html or .pdf."),
    "exe": ("setup.exe", b"MZ\x90\x00" + bytes(100), "application/x-msdownload",
            "I can't read .exe files: send .txt, .md, .html or .pdf."),
}  # fmt: skip


async def test_hostile_files_are_refused_and_change_nothing(fake_api, tmp_path, alice, chat):
    results, sizes = {}, {}
    async with running_bot(fake_api, tmp_path) as app:
        store = app.bot_data["services"].store
        for case, (name, content, mime, _) in HOSTILE_FILES.items():
            sent = fake_api.send_document(chat, alice, name, content, mime, caption="/add")
            results[case] = await outcome(fake_api, chat, sent)
            sizes[case] = await store.library_size(chat["id"])
            if case == "50 MB":
                assert not fake_api.calls("getFile") and not fake_api.calls("downloadFile"), "refused unread"
    assert results == {case: NOT_ADDED + reason for case, (*_, reason) in HOSTILE_FILES.items()}
    assert set(sizes.values()) == {(0, 0)}, "the library stayed empty"


async def test_a_pdf_bomb_is_refused_when_its_reading_takes_too_long(monkeypatch):
    monkeypatch.setattr(isolated, "SECONDS", 1.0)
    started = time.monotonic()
    with pytest.raises(ArticleError) as refused:
        await isolated.run_isolated(prepare, Source("file", pdf_bomb(), "bomb.pdf"))  # a minute if let run
    assert str(refused.value) == isolated.TOO_LONG
    assert time.monotonic() - started < 5


async def test_failures_are_reported_once_and_change_nothing(fake_api, tmp_path, alice, chat, monkeypatch):
    fake_api.faults.once("downloadFile", "error_500")
    async with running_bot(fake_api, tmp_path) as app:
        sent = fake_api.send_document(chat, alice, "honey.txt", HONEY.encode(), "text/plain", caption="/add")
        download = await outcome(fake_api, chat, sent)
        monkeypatch.setattr("bot.ingest.prepare", broken_prepare)  # a bug, in the child process
        sent = fake_api.send_document(chat, alice, "honey.txt", HONEY.encode(), "text/plain", caption="/add")
        bug = await outcome(fake_api, chat, sent)
        await ask(fake_api, chat, alice, "/sources")
        assert await library(app, chat) == []
    assert download == f"{NOT_ADDED}I couldn't download that file from Telegram. Please try again."
    assert bug == f"{NOT_ADDED}something went wrong on my side. Please try again."
    assert len(fake_api.bot_messages(chat)) == 3, "one message each, no second apology"


def broken_prepare(source: object) -> None:
    return 1 / 0  # type: ignore[return-value]


HOSTILE_LINKS = {  # ALLOW_PRIVATE_URLS off
    "redirect to 127.0.0.1": "{site}/redirect?to=http://127.0.0.1:{port}/story",
    "the local site itself": "{site}/story",
    "localhost": "http://localhost:{port}/story",
    "decimal loopback": "http://2130706433:{port}/story",
    "IPv6 loopback": "http://[::1]/",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]/",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "private": "http://192.168.0.1/admin",
}
OTHER_REFUSED_LINKS = {
    "file:///etc/passwd": "Only http:// and https:// links can be added.",
    "http://user:secret@example.com/": "Links with a user name or password in them are not fetched.",
    "news.invalid/story": UNRESOLVED,  # a link pasted without its scheme is still a link
}


async def test_links_to_internal_addresses_are_refused_and_change_nothing(
    fake_api, tmp_path, alice, chat, site
):
    links = {case: link.format(site=site.url(""), port=site.port) for case, link in HOSTILE_LINKS.items()}
    links.update({link: link for link in OTHER_REFUSED_LINKS})
    results = {}
    async with running_bot(fake_api, tmp_path) as app:
        for case, link in links.items():
            results[case] = await outcome(fake_api, chat, fake_api.send_text(chat, alice, f"/add {link}"))
        assert await library(app, chat) == []
    expected = dict.fromkeys(HOSTILE_LINKS, REFUSED_ADDRESS)
    expected.update({link: NOT_ADDED + reason for link, reason in OTHER_REFUSED_LINKS.items()})
    assert results == expected
    assert site.requests == [], "nothing reached the local site"


HOSTILE_PAGES = {  # ALLOW_PRIVATE_URLS on: the local site is reachable, and serves these
    "/gzip-bomb": "That page is too big (over 1 MB).",
    "/endless": "That page is too big (over 1 MB).",
    "/huge": "That page is too big (over 1 MB).",
    "/loop": "That link redirects more than 5 times.",
    "/image.png": "That link is not an article page (it is image/png).",
    "/archive.zip": "That link is not an article page (it is application/zip).",
    "/missing": "The website answered with an error (404).",
    "/no-article": "I found no article text on that page.",
    "/redirect?to=file:///etc/passwd": "Only http:// and https:// links can be added.",
}


async def test_hostile_pages_are_refused_and_change_nothing(fake_api, tmp_path, alice, chat, site):
    settings = {"allow_private_urls": True, "max_upload_bytes": 1024 * 1024}
    results = {}
    async with running_bot(fake_api, tmp_path, **settings) as app:
        for path in HOSTILE_PAGES:
            results[path] = await outcome(
                fake_api, chat, fake_api.send_text(chat, alice, f"/add {site.url(path)}")
            )
        assert await library(app, chat) == []
    assert results == {path: NOT_ADDED + reason for path, reason in HOSTILE_PAGES.items()}
