"""Composition root: builds the pieces from a config and wires them together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.digest import Digest, build_digest
from bot.matching import Matcher, compile_watchlists
from bot.models import Watchlist
from bot.pipeline import FeedPollReport, make_http_client, poll_feeds
from bot.storage import Store, open_store
from bot.watchlists import WatchlistError, load_watchlists

log = logging.getLogger(__name__)


@dataclass
class Service:
    config: Config
    store: Store
    watchlists: list[Watchlist]
    watchlist_errors: list[WatchlistError]
    matcher: Matcher

    def close(self) -> None:
        self.store.close()

    async def poll_once(self, now: datetime, *, force: bool = False) -> list[FeedPollReport]:
        async with make_http_client(self.config.feeds) as client:
            return await poll_feeds(
                client, self.store, self.matcher, self.config.feeds, now, force=force
            )

    def digest(
        self, since: datetime, until: datetime, watchlists: Sequence[str] | None = None
    ) -> Digest:
        return build_digest(
            self.store.articles_seen_between(since, until),
            since=since,
            until=until,
            feeds=self.store.feed_states(self.config.feeds.urls),
            watchlists=watchlists,
        )

    @property
    def stale_after(self) -> timedelta:
        return self.config.feeds.stale_after


def build_service(config: Config) -> Service:
    watchlists, errors = load_watchlists(config.watchlists.dir)
    for error in errors:
        # A broken file is reported; the others stay in force.
        log.error("watchlist_error=%r", str(error))
    store = open_store(config.store.path)
    return Service(
        config=config,
        store=store,
        watchlists=watchlists,
        watchlist_errors=errors,
        matcher=compile_watchlists(watchlists),
    )
