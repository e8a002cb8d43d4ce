"""bot.library: chat indexes cached within a byte budget, their sizes measured, failures shared."""

from __future__ import annotations

import asyncio
import functools
import gc
import random
import tracemalloc
from dataclasses import replace

import pytest

from bot.library import Libraries, index_bytes
from bot.store import SQLiteStore
from index import Article, Index, default_article


def wordy(chars: int, seed: int) -> str:
    """Paragraphs of sentences from a large made-up vocabulary mixed with the built-in article's words."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    made_up = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 11))) for _ in range(5000)]
    known = default_article().text.split()
    paragraphs, sentences, size = [], [], 0
    while size < chars:
        words = [
            rng.choice(made_up) if rng.random() < 0.5 else rng.choice(known)
            for _ in range(rng.randint(8, 30))
        ]
        sentences.append(" ".join(words).rstrip(".").capitalize() + ".")
        size += len(sentences[-1]) + 1
        if rng.random() < 0.2:
            paragraphs.append(" ".join(sentences))
            sentences = []
    return "\n\n".join([*paragraphs, " ".join(sentences)])


@pytest.fixture
async def store(tmp_path):
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    await store.open()
    yield store
    await store.close()


@pytest.mark.parametrize(
    "articles",
    [
        [default_article(), Article("Made up", wordy(30_000, 1))],
        [Article("Long", wordy(400_000, 2))],
        [Article(f"Many {n}", wordy(20_000, n)) for n in range(10)],
        [Article("Deutsch", wordy(100_000, 3).replace("e", "ä"), language="de")],
    ],
    ids=["two", "long", "ten", "german"],
)
def test_an_index_measures_what_it_holds(articles):
    Index([default_article()])  # tables and caches every index shares, loaded once
    _big_index()  # and for a big library's scorers, numba's compiled search (the fast extra)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = Index(articles)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.8 <= index_bytes(index) / held <= 1.25, (index_bytes(index), held)


@functools.cache
def _big_index() -> Index:
    return Index([Article("Warm", wordy(400_000, 99))])


async def add(store, chat_id: int, article: Article) -> None:
    await store.add_article(chat_id, article, "Ann", 1)


async def test_the_cache_keeps_the_most_recently_used_indexes_within_its_bytes(store):
    for chat in (1, 2, 3):
        await add(store, chat, Article(f"Chat {chat}", wordy(50_000, chat)))
    size = index_bytes(await Libraries(store).index_for(1))  # all three are about this size
    libraries = Libraries(store, cache_bytes=int(2.5 * size))
    first, second = await libraries.index_for(1), await libraries.index_for(2)
    assert await libraries.index_for(1) is first, "cached"
    third = await libraries.index_for(3)  # over budget: chat 2's, the least recently used, goes
    assert libraries.cached_bytes == index_bytes(first) + index_bytes(third) <= 2.5 * size
    assert await libraries.index_for(1) is first and await libraries.index_for(3) is third
    assert await libraries.index_for(2) is not second, "built again"


async def test_an_index_over_the_whole_budget_is_still_kept_while_its_chat_asks(store):
    await add(store, 1, Article("Big", wordy(50_000, 1)))
    libraries = Libraries(store, cache_bytes=1000)
    index = await libraries.index_for(1)
    assert await libraries.index_for(1) is index
    assert libraries.cached_bytes == index_bytes(index)
    assert libraries.default is await libraries.index_for(2), "a chat without a library: the shared index"


async def test_a_failed_build_fails_every_waiter_and_leaves_no_unretrieved_exception(store, monkeypatch):
    await add(store, 1, Article("Any", wordy(5_000, 1)))
    libraries = Libraries(store)
    unretrieved = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: unretrieved.append(context))

    def broken(articles):
        raise RuntimeError("index build failed")

    monkeypatch.setattr("bot.library._built", broken)
    results = await asyncio.gather(*(libraries.index_for(1) for _ in range(3)), return_exceptions=True)
    assert [str(result) for result in results] == ["index build failed"] * 3
    single = await asyncio.gather(libraries.index_for(1), return_exceptions=True)  # alone this time
    assert isinstance(single[0], RuntimeError)
    gc.collect()
    await asyncio.sleep(0)
    assert unretrieved == []
    monkeypatch.undo()
    assert len((await libraries.index_for(1)).articles) == 2, "the next question builds it"


async def test_a_chat_that_adds_the_built_in_article_has_it_once_with_its_own_source(store):
    own = replace(default_article(), source_name="My copy", source_url="https://example.com/mine")
    await add(store, 1, own)
    libraries = Libraries(store)
    [article] = await libraries.articles(1)
    assert (article.source_name, article.source_url) == ("My copy", "https://example.com/mine")
    index = await libraries.index_for(1)
    assert index is not libraries.default
    assert index.articles[0].source_url == "https://example.com/mine"
