"""Composition root: builds the pieces from a config and wires them together.

It only builds and holds them; what the bot does with them lives in the use cases beside
it (``bot.app.poll``, ``bot.app.digests`` ...), each a function taking the ``Service``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.app.config import Config
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Watchlist
from bot.lists.registry import WatchlistChange, WatchlistRegistry
from bot.storage import Store, open_store

log = logging.getLogger(__name__)


@dataclass
class Service:
    config: Config
    store: Store
    registry: WatchlistRegistry
    # Broken files found while the service was built, before it could queue messages:
    # the admins hear of them at the first refresh.
    unreported: list[WatchlistChange] = field(default_factory=list)
    _combined: tuple[object, Matcher] | None = field(default=None, init=False, repr=False)
    # Each shared list's file when edits were last applied, to tell a rename from a removal.
    paths: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    # Called when an alert is queued; the running bot wakes its outbox drain with it.
    on_queued: Callable[[], None] = field(default=lambda: None, repr=False)

    def __post_init__(self) -> None:
        self.paths = {w.name: w.source for w in self.watchlists}

    @property
    def watchlists(self) -> list[Watchlist]:
        """The shared lists in force; personal lists are in ``store.personal``."""
        return self.registry.watchlists

    @property
    def watchlist_errors(self) -> list[str]:
        return self.registry.errors

    @property
    def matcher(self) -> Matcher:
        """The shared lists and every user's personal lists, compiled together once and
        again only when either changes."""
        personal = tuple(p.watchlist for p in self.store.personal.all())
        if not personal:
            return self.registry.matcher
        key = (tuple(self.watchlists), personal)
        if self._combined is None or self._combined[0] != key:
            self._combined = (key, compile_watchlists([*key[0], *personal]))
        return self._combined[1]

    @property
    def stale_after(self) -> timedelta:
        return self.config.feeds.stale_after

    def close(self) -> None:
        self.store.close()


def build_service(config: Config) -> Service:
    registry = WatchlistRegistry(config.watchlists.dir)
    changes = registry.refresh()
    log_invalid(changes)
    return Service(
        config=config,
        store=open_store(config.store.path),
        registry=registry,
        unreported=[c for c in changes if c.kind == "invalid"],
    )


def log_invalid(changes: Sequence[WatchlistChange]) -> None:
    # A broken file is reported; the last good version and the other lists stay in force.
    for change in changes:
        if change.kind == "invalid":
            log.error("watchlist=%r status=invalid error=%r", change.name, change.error)
