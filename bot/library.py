"""Chat libraries as search indexes: built from the store on demand, cached within a memory
budget, the built-in article's shared."""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np

from index import Answer, Article, Index, Turn, default_article

from .store import Store

# Searching more passages than this takes more than a millisecond or two, so it runs in a
# worker thread instead of holding up every other chat's updates on the event loop.
INLINE_SEARCH_PASSAGES = 2_000
# What an index's Python objects cost beside its arrays and texts, fitted with tracemalloc on
# libraries of 7 thousand to 2 million characters (English, German, made-up words) and within
# 5 % of it for all but the smallest (bench/index_cache.py checks it against RSS): a passage's
# tuple, term lists and offsets, and a distinct term's entries in the vocabulary and scorers.
BYTES_PER_PASSAGE = 440
BYTES_PER_TERM = 345


class Libraries:
    """Indexes of chat libraries, least recently used out first once their measured sizes pass
    ``cache_bytes``; the built-in article's index is built once and shared by every chat that
    has nothing else, so memory stays flat however many chats use only it."""

    def __init__(self, store: Store, cache_bytes: int = 256 * 1024**2):
        self._store = store
        self._cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[int, int], tuple[Index, int]] = OrderedDict()  # → (index, bytes)
        self.cached_bytes = 0
        self._default: Index | None = None
        self._building: dict[tuple[int, int], asyncio.Future[Index]] = {}

    @property
    def default(self) -> Index:
        if self._default is None:
            self._default = Index([default_article()])
        return self._default

    async def index_for(self, chat_id: int) -> Index:
        """The index of everything ``chat_id`` can ask about."""
        version = await self._store.library_version(chat_id)
        if version == 0:  # the chat never changed its library: the built-in article alone
            return self.default
        key = (chat_id, version)
        if (cached := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return cached[0]
        if (pending := self._building.get(key)) is not None:
            return await asyncio.shield(pending)  # another update of this chat is building it now
        building = self._building[key] = asyncio.ensure_future(self._build(chat_id))
        # The other updates waiting for it share its outcome; none may be left unretrieved.
        building.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            index, size = await asyncio.shield(building)
        finally:
            del self._building[key]
        if index is not self.default:
            self._remember(key, index, size)
        return index

    async def articles(self, chat_id: int) -> list[Article]:
        """The chat's articles as it added them (its own sources), the built-in one first if on.

        An article the chat added that is also the built-in one (equal: same title and text)
        is the chat's, with the chat's own source; it is not there twice."""
        settings = await self._store.settings(chat_id)
        own = [entry.article for entry in await self._store.library(chat_id)]
        builtin = [default_article()] if settings.include_default and default_article() not in own else []
        return builtin + own

    async def _build(self, chat_id: int) -> tuple[Index, int]:
        articles = await self.articles(chat_id)
        if len(articles) == 1 and articles[0] is default_article():
            return self.default, 0
        return await asyncio.to_thread(_built, articles)

    def _remember(self, key: tuple[int, int], index: Index, size: int) -> None:
        for stale in [k for k in self._cache if k[0] == key[0]]:
            self._forget(stale)  # an older version of the same chat's library
        self._cache[key] = (index, size)
        self.cached_bytes += size
        # The newest stays even alone over budget: its chat is asking now.
        while self.cached_bytes > self._cache_bytes and len(self._cache) > 1:
            self._forget(next(iter(self._cache)))

    def _forget(self, key: tuple[int, int]) -> None:
        self.cached_bytes -= self._cache.pop(key)[1]


def _built(articles: Sequence[Article]) -> tuple[Index, int]:
    index = Index(articles)
    return index, index_bytes(index)


def index_bytes(index: Index) -> int:
    """An estimate of the memory an index holds: its arrays, its articles' texts, and its
    Python objects by count (BYTES_PER_PASSAGE, BYTES_PER_TERM)."""
    texts = sum(sys.getsizeof(article.text) for article in index.articles)
    objects = BYTES_PER_PASSAGE * len(index.passages) + BYTES_PER_TERM * len(index.vocabulary)
    return _array_bytes(index, set()) + texts + objects


def _array_bytes(value: object, seen: set[int], depth: int = 0) -> int:
    """The bytes of the numpy arrays ``value`` holds, looking a few attributes deep (the index's
    own, its scorers', their named tuples')."""
    if id(value) in seen or depth > 3:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes if value.base is None else 0  # a view's bytes are its base's
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        parts: Iterable[object] = value
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        parts = vars(value).values()
    else:
        return 0
    return sum(_array_bytes(part, seen, depth + 1) for part in parts)


async def search(index: Index, question: str, history: Sequence[Turn] = (), k: int = 5) -> Answer:
    """Search on the event loop when it is quick, in a worker thread when the library is big."""
    if len(index.passages) <= INLINE_SEARCH_PASSAGES:
        return index.search(question, history, k)
    return await asyncio.to_thread(index.search, question, history, k)
