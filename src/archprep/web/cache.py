"""Per-process caches: search results and related questions, keyed by the bank's version."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import astuple
from typing import Any, Generic, TypeVar

from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from archprep.bank.model import Question
from archprep.search import Filters, Hit, Searcher, SearchResult
from archprep.store.schema import Meta

V = TypeVar("V")
T = TypeVar("T")


class LRU(Generic[V]):
    """A small thread-safe least-recently-used map; ``get_or_make`` computes outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        self.put(key, value)
        return value

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


# How long a process trusts a version it read (the bank's, or a user's data fingerprint) before
# reading it again: other processes' writes show within this; its own at once (see ``wrote``).
VERSION_TTL = 1.0


class Caches:
    """What a process may keep: results are pure functions of (bank version, user, inputs).

    The versions themselves come from the database (the bank version, which every sync and
    import bumps, and ``progress.data_version`` per user) and are re-read after ``VERSION_TTL``
    seconds, or at once after any state-changing request this process served.
    """

    def __init__(self, ttl: float = VERSION_TTL) -> None:
        self.ttl = ttl
        self._versions: dict[Hashable, tuple[float, Any]] = {}
        self._versions_lock = threading.Lock()
        self.search: LRU[object] = LRU(2048)
        self.search_json: LRU[bytes] = LRU(2048)
        self.related: LRU[object] = LRU(1024)
        self.pages: LRU[str] = LRU(2048)
        self.inflight: dict[Hashable, asyncio.Future[str | None]] = {}

    def version(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()`` (a version from the database), reused for up to ``ttl`` seconds."""
        moment = time.monotonic()
        with self._versions_lock:
            known = self._versions.get(key)
        if known is not None and moment - known[0] < self.ttl:
            return known[1]  # type: ignore[no-any-return]
        value = read()
        with self._versions_lock:
            self._versions[key] = (moment, value)
        return value

    def wrote(self) -> None:
        """Something may have changed (a POST was served here): re-read every version."""
        with self._versions_lock:
            self._versions.clear()

    def clear(self) -> None:
        self.wrote()
        for lru in (self.search, self.search_json, self.related, self.pages):
            lru.clear()


_BANK_VERSION = select(Meta.value).where(Meta.key == "bank_version")


def bank_version(session: Session) -> int:
    """``store.questions.bank_version`` without the ORM identity map: it runs on every search."""
    value = session.scalar(_BANK_VERSION)
    return int(value) if value is not None else 0


# Stands in for the session's CSRF token in cached pages; each response gets its own back.
CSRF_SLOT = "\x00csrf\x00"


async def cached_page(
    caches: Caches, key: Hashable, csrf: str, make: Callable[[], HTMLResponse]
) -> HTMLResponse:
    """A whole rendered page from the cache, or ``make()`` run in the threadpool and kept.

    ``key`` must hold everything the page depends on: the user, ``progress.data_version``,
    the theme, the URL and a time bucket (due cards and recall drift with time). A hit costs
    no thread hop and no rendering; only 200 responses are kept. Concurrent misses of one key
    wait for the first render instead of repeating it (no stampede when the minute turns).
    """
    html = caches.pages.get(key)
    if html is not None:
        return HTMLResponse(html.replace(CSRF_SLOT, csrf))
    loop = asyncio.get_running_loop()
    pending = caches.inflight.get(key)
    if pending is not None and pending.get_loop() is loop:
        html = await asyncio.shield(pending)
        if html is not None:
            return HTMLResponse(html.replace(CSRF_SLOT, csrf))
    mine: asyncio.Future[str | None] = loop.create_future()
    caches.inflight[key] = mine
    try:
        response = await run_in_threadpool(make)
        if response.status_code == 200:
            html = bytes(response.body).decode("utf-8").replace(csrf, CSRF_SLOT)
            caches.pages.put(key, html)
        mine.set_result(html if response.status_code == 200 else None)
        return response
    finally:
        if not mine.done():
            mine.set_result(None)
        if caches.inflight.get(key) is mine:
            del caches.inflight[key]


def cached_search(
    caches: Caches,
    searcher: Searcher,
    session: Session,
    query: str,
    *,
    user_id: int,
    filters: Filters,
    limit: int = 10,
) -> SearchResult:
    """``Searcher.search`` behind the per-process cache (same inputs, same bank, same result)."""
    key = (bank_version(session), user_id, query.strip().lower(), astuple(filters), limit)
    result = caches.search.get_or_make(
        key, lambda: searcher.search(query, user_id=user_id, filters=filters, limit=limit)
    )
    assert isinstance(result, SearchResult)
    return result


def related_questions(
    caches: Caches,
    searcher: Searcher,
    session: Session,
    question: Question,
    user_id: int,
    n: int = 5,
) -> list[Hit]:
    """Questions nearest to this one's text (itself excluded), cached per bank version."""

    def make() -> list[Hit]:
        text = f"{question.question} {' '.join(k.text for k in question.key_points[:3])}"
        result = searcher.search(text, user_id=user_id, limit=n + 1)
        return [h for h in result.hits if h.id != question.id][:n]

    hits = caches.related.get_or_make((bank_version(session), user_id, question.id), make)
    assert isinstance(hits, list)
    return hits
