"""Composition root: builds the pieces from a config and wires them together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.digest import Digest, build_digest
from bot.matching import Matcher
from bot.models import AuditEntry, Watchlist
from bot.pipeline import FeedPollReport, make_http_client, poll_feeds
from bot.rematch import RematchReport, rematch_recent
from bot.storage import Store, open_store
from bot.watchlist_registry import WatchlistChange, WatchlistRegistry

log = logging.getLogger(__name__)


@dataclass
class Service:
    config: Config
    store: Store
    registry: WatchlistRegistry

    @property
    def watchlists(self) -> list[Watchlist]:
        return self.registry.watchlists

    @property
    def watchlist_errors(self) -> list[str]:
        return self.registry.errors

    @property
    def matcher(self) -> Matcher:
        return self.registry.matcher

    @property
    def stale_after(self) -> timedelta:
        return self.config.feeds.stale_after

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

    def reload_watchlists(self, now: datetime) -> list[WatchlistChange]:
        """Pick up edited watchlist files: the running bot calls this every minute.

        A broken edit is reported and the last good version stays in force. Changed
        lists are audited and matched again against recent stored articles.
        """
        changes = self.registry.refresh()
        for change in changes:
            if change.kind == "invalid":
                log.error("watchlist=%r status=invalid error=%r", change.name, change.error)
                continue
            log.info("watchlist=%r status=%s file=%s", change.name, change.kind, change.path)
            self.store.record_audit(
                AuditEntry(at=now, actor="file", watchlist=change.name, action=change.kind)
            )
        changed = {c.name for c in changes if c.kind in ("added", "changed")}
        if changed:
            self.rematch(changed, now)
        return changes

    def rematch(self, names: set[str], now: datetime) -> RematchReport:
        lists = [w for w in self.watchlists if w.name in names]
        report = rematch_recent(
            self.store, lists, now=now, days=self.config.watchlists.rematch_days
        )
        log.info(
            "rematch watchlists=%r checked=%d newly=%d no_longer=%d",
            sorted(names),
            report.checked,
            len(report.newly_matched),
            len(report.no_longer_matched),
        )
        return report


def build_service(config: Config) -> Service:
    registry = WatchlistRegistry(config.watchlists.dir)
    for change in registry.refresh():
        if change.kind == "invalid":
            # A broken file is reported; the others stay in force.
            log.error("watchlist_error=%r", change.error)
    return Service(config=config, store=open_store(config.store.path), registry=registry)
