"""Chat libraries as search indexes: built from the store on demand, cached, shared when equal."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence

from index import Answer, Article, Index, Turn, default_article

from .store import Store

# Searching more passages than this takes more than a millisecond or two, so it runs in a
# worker thread instead of holding up every other chat's updates on the event loop.
INLINE_SEARCH_PASSAGES = 2_000


class Libraries:
    """Indexes of chat libraries, least recently used first out; the built-in article's index
    is built once and shared by every chat that has nothing else, so memory stays flat however
    many chats use only it."""

    def __init__(self, store: Store, cache_size: int = 64):
        self._store = store
        self._cache_size = cache_size
        self._cache: OrderedDict[tuple[int, int], Index] = OrderedDict()
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
        if (index := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return index
        if (pending := self._building.get(key)) is not None:
            return await pending  # another update of this chat is building it right now
        future: asyncio.Future[Index] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            index = await self._build(chat_id)
            future.set_result(index)
        except BaseException as error:
            future.set_exception(error)
            raise
        finally:
            del self._building[key]
        self._remember(key, index)
        return index

    async def articles(self, chat_id: int) -> list[Article]:
        settings = await self._store.settings(chat_id)
        own = [entry.article for entry in await self._store.library(chat_id)]
        return ([default_article()] if settings.include_default else []) + own

    async def _build(self, chat_id: int) -> Index:
        articles = await self.articles(chat_id)
        if articles == [default_article()]:
            return self.default
        return await asyncio.to_thread(Index, articles)

    def _remember(self, key: tuple[int, int], index: Index) -> None:
        for stale in [k for k in self._cache if k[0] == key[0]]:
            del self._cache[stale]  # an older version of the same chat's library
        self._cache[key] = index
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


async def search(index: Index, question: str, history: Sequence[Turn] = (), k: int = 5) -> Answer:
    """Search on the event loop when it is quick, in a worker thread when the library is big."""
    if len(index.passages) <= INLINE_SEARCH_PASSAGES:
        return index.search(question, history, k)
    return await asyncio.to_thread(index.search, question, history, k)
