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
from bot.watchlist_registry import WatchlistChange, WatchlistRegistry, fingerprint

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
        """Pick up edited watchlist files: the running bot calls this every minute, and
        once at start for edits made while it was stopped.

        A broken edit is reported and the last good version stays in force.
        """
        changes = self.registry.refresh()
        _log_invalid(changes)
        self.apply_watchlist_edits(now)
        return changes

    def apply_watchlist_edits(
        self,
        now: datetime,
        *,
        actor: str = "file",
        edit: tuple[str, str, str] | None = None,
    ) -> list[str]:
        """Compare the lists in force with those the store last matched with; audit the
        differences and match recent articles again against the changed lists.

        The store remembers, so an edit is acted on once whoever notices it first: the
        CLI that made it, the running bot a minute later, or the bot at its next start.
        ``edit`` (watchlist, action, detail) says what the caller did to which list, for
        the audit; other differences are recorded as plain added/changed/removed.
        """

        def audit(name: str, default: str) -> None:
            verb, detail = default, ""
            if edit is not None and edit[0] == name:
                verb, detail = edit[1], edit[2]
            log.info("watchlist=%r status=%s actor=%s", name, verb, actor)
            self.store.record_audit(AuditEntry(now, actor, name, verb, detail))

        current = {w.name: fingerprint(w) for w in self.watchlists}
        known = self.store.watchlist_fingerprints()
        changed = sorted(name for name, fp in current.items() if known.get(name) != fp)
        removed = sorted(set(known) - set(current))
        for name in changed:
            audit(name, "added" if name not in known else "changed")
        for name in removed:
            audit(name, "removed")
        if changed:
            self.rematch(set(changed), now)
        if changed or removed:
            self.store.save_watchlist_fingerprints(current, now)
        return changed

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
    _log_invalid(registry.refresh())
    return Service(config=config, store=open_store(config.store.path), registry=registry)


def _log_invalid(changes: Sequence[WatchlistChange]) -> None:
    # A broken file is reported; the last good version and the other lists stay in force.
    for change in changes:
        if change.kind == "invalid":
            log.error("watchlist=%r status=invalid error=%r", change.name, change.error)
