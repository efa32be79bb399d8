"""Search every stored article, export a window's matches, and write each list's Atom
feed: one path for the CLI and Telegram.

Search reads the FTS5 index (``bot/storage/search.py``); nothing a person types reaches
it but quoted words (``bot/domain/search.py::search_words``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.app.chats import list_meant
from bot.app.rematch import Progress
from bot.app.service import Service
from bot.domain.models import Subscriber
from bot.domain.resolve import resolve_watchlist
from bot.domain.schedule import local_day_window, parse_day, zone
from bot.domain.search import MatchedArticle, SearchPage, search_words
from bot.messages.export import export_csv_bytes
from bot.storage.search import SearchStore

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE_SIZE = 5
# Fetched per query when a search is read whole (the CLI), so a bar can move.
_CLI_BATCH = 50
EXPORT_MAX_DAYS = 366
# A list named at the end of /search's words has at most this many words in its name.
_LIST_WORDS = 4


class SearchRefused(ValueError):
    """What was typed cannot be searched for; the reply says why (``reason``):
    "no-words", "bad-date" (``detail`` is the sentence), or "unknown-list"."""

    def __init__(
        self, reason: str, *, detail: str = "", query: str = "", candidates: tuple[str, ...] = ()
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.query = query
        self.candidates = candidates


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A search as understood: its words, the list it keeps to (the stored name, and the
    name shown) and the earliest date."""

    words: tuple[str, ...]
    watchlist: str | None = None
    label: str | None = None
    since: datetime | None = None


def since_of(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The start of the local day ``text`` names; SearchRefused("bad-date") if none."""
    try:
        day = parse_day(text, now=now, tz=tz)
    except ValueError as exc:
        raise SearchRefused("bad-date", detail=str(exc)) from None
    return local_day_window(day, tz)[0]


def read_request(service: Service, sub: Subscriber, text: str, now: datetime) -> SearchRequest:
    """``WORDS [LIST] [since DATE]`` as a chat types it. The last words are the list
    when they are the name of one the chat may type, exactly (as any case: "middle
    corridor"); else they are words searched for."""
    pieces = text.split()
    since = None
    if len(pieces) >= 2 and pieces[-2].casefold() == "since":
        since = since_of(pieces[-1], now, zone(sub.timezone))
        pieces = pieces[:-2]
    watchlist = label = None
    for size in range(min(_LIST_WORDS, len(pieces) - 1), 0, -1):
        typed = " ".join(pieces[-size:])
        meant = list_meant(service, sub, typed, now, leaving=False)
        if meant.target and meant.shown.casefold() == typed.casefold():
            watchlist, label = meant.target, meant.shown
            pieces = pieces[:-size]
            break
    words = search_words(" ".join(pieces))
    if not words:
        raise SearchRefused("no-words")
    return SearchRequest(words, watchlist, label, since)


def shared_list_named(service: Service, query: str) -> str:
    """The shared list ``query`` names, forgivingly (the CLI's ``--watchlist``)."""
    found = resolve_watchlist(query, [w.name for w in service.watchlists])
    if found.name is None:
        raise SearchRefused("unknown-list", query=query, candidates=found.candidates)
    return found.name


def search(
    service: Service, request: SearchRequest, *, offset: int = 0, limit: int = PAGE_SIZE
) -> SearchPage:
    """A page of the articles holding every word, best first."""
    page = service.store.search.search(
        request.words,
        since=request.since,
        watchlist=request.watchlist,
        limit=limit,
        offset=max(0, offset),
    )
    log.debug("action=search words=%d found=%d", len(request.words), page.total)
    return page


def search_all(
    service: Service, request: SearchRequest, *, most: int, progress: Progress | None = None
) -> SearchPage:
    """Up to ``most`` articles found, read a batch at a time (a bar shows how far)."""
    first = search(service, request, limit=min(_CLI_BATCH, most))
    hits = list(first.hits)
    wanted = min(first.total, most)
    while len(hits) < wanted:
        if progress is not None:
            progress(len(hits), wanted)
        more = search(service, request, offset=len(hits), limit=min(_CLI_BATCH, wanted - len(hits)))
        if not more.hits:
            break
        hits.extend(more.hits)
    if progress is not None:
        progress(len(hits), wanted)
    return SearchPage(first.words, tuple(hits), first.total, 0, first.ranked)


# -- export ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    since: datetime
    until: datetime
    watchlist: str | None
    count: int
    rows: Iterator[MatchedArticle]


def export(
    service: Service,
    *,
    since: datetime,
    until: datetime,
    watchlist: str | None,
    progress: Progress | None = None,
) -> Export:
    """Each article first seen in ``[since, until)`` with each list it matches (or only
    ``watchlist``), newest first, with the matches that explain it."""
    count = service.store.search.count_matched(since, until, watchlist)
    rows = service.store.search.matched_articles(since, until, watchlist)
    return Export(since, until, watchlist, count, _counted(rows, count, progress))


def _counted(
    rows: Iterator[MatchedArticle], total: int, progress: Progress | None
) -> Iterator[MatchedArticle]:
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and (done % 100 == 0 or done == total):
            progress(done, total)


# -- for the running bot: reading off the event loop ----------------------------------------


async def _read_off_loop(service: Service, read: Callable[[SearchStore], T]) -> T:
    """``read`` on a read-only connection of its own in a worker thread, so that the
    event loop answers other chats meanwhile (a store in memory has one connection,
    for this thread only: there it runs here). Reading needs no turn among the use
    cases that write (``Service.off_loop``): WAL lets it read beside them."""
    if not service.store.reads_elsewhere:
        return read(service.store.search)

    def run() -> T:
        with closing(service.store.reader()) as reader:
            return read(reader.search)

    return await asyncio.to_thread(run)


async def search_page(
    service: Service, request: SearchRequest, *, offset: int = 0, limit: int = PAGE_SIZE
) -> SearchPage:
    """``search`` for /search and its buttons, off the event loop."""
    return await _read_off_loop(
        service,
        lambda found: found.search(
            request.words,
            since=request.since,
            watchlist=request.watchlist,
            limit=limit,
            offset=max(0, offset),
        ),
    )


@dataclass(frozen=True, slots=True)
class ChatExport:
    """``/export``'s file: the list as shown, how many rows, the CSV's bytes."""

    label: str
    count: int
    csv: bytes


async def chat_export(
    service: Service, sub: Subscriber, query: str, days: int, now: datetime
) -> ChatExport:
    """``/export LIST [DAYS]``: the list's matches of the last ``days`` days as the CSV
    ``caci-watch export`` writes, read and written off the event loop."""
    meant = list_meant(service, sub, query, now, leaving=True)
    if not meant.target:
        raise SearchRefused("unknown-list", query=query, candidates=meant.candidates)
    since, until = now - timedelta(days=days), now + timedelta(seconds=1)
    target = meant.target

    def read(found: SearchStore) -> tuple[int, bytes]:
        count = found.count_matched(since, until, target)
        return count, export_csv_bytes(found.matched_articles(since, until, target))

    count, data = await _read_off_loop(service, read)
    return ChatExport(meant.shown, count, data)
