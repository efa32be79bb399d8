"""Composition root: builds the pieces from a config and wires them together.

It only builds and holds them; what the bot does with them lives in the use cases beside
it (``bot.app.poll``, ``bot.app.digests`` ...), each a function taking the ``Service``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TypeVar

from bot.app import steps as steps_
from bot.app.config import Config
from bot.app.steps import Steps, Worker
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Watchlist
from bot.lists.registry import WatchlistChange, WatchlistRegistry
from bot.storage import Store, open_store

log = logging.getLogger(__name__)

T = TypeVar("T")


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
    # Runs heavy work off the event loop (see ``off_loop``); tests may hand in a gated one.
    worker: Worker = field(default=asyncio.to_thread, repr=False)
    # Made on first use, on the running event loop.
    _one_at_a_time: asyncio.Lock | None = field(default=None, init=False, repr=False)
    _compiling: asyncio.Lock | None = field(default=None, init=False, repr=False)

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
        again only when either changes. The running bot has it compiled beforehand, off
        its event loop (``warm_matcher``), so that here it is only looked up."""
        key, lists = self._matcher_inputs()
        if self._combined is None or self._combined[0] != key:
            self._combined = (key, compile_watchlists(lists))
        return self._combined[1]

    async def warm_matcher(self) -> None:
        """Compile the matcher for the lists in force, in a worker thread, if they have
        changed since it was last compiled; on return ``matcher`` has it ready."""
        if self._compiling is None:
            self._compiling = asyncio.Lock()
        async with self._compiling:
            while True:
                key, lists = self._matcher_inputs()
                if self._combined is not None and self._combined[0] == key:
                    return
                compiled: Matcher = await self.worker(partial(compile_watchlists, lists))
                # Looked at again: a list may have changed while it compiled.
                self._combined = (key, compiled)

    def _matcher_inputs(self) -> tuple[object, list[Watchlist]]:
        shared = tuple(self.watchlists)
        personal = tuple(p.watchlist for p in self.store.personal.all())
        return (shared, personal), [*shared, *personal]

    async def off_loop(self, steps: Steps[T]) -> T:
        """Run a use case with heavy steps (``bot.app.steps``) for the running bot: the
        heavy pieces in a worker thread, the rest on the event loop, which meanwhile
        answers everyone else.

        One such use case runs at a time, in the order asked (an edit, its re-match,
        the minute's look at the files), so that they never interleave. Afterwards the
        memory the work freed goes back to the system, and the matcher is compiled
        afresh if the lists changed, off the loop too. A store in memory (tests) has one
        connection, for this thread only: its steps run here.
        """
        if self._one_at_a_time is None:
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            if not self.store.reads_elsewhere:
                result = steps_.inline(steps)
            else:
                pieces = 0

                def counted(run: Callable[[], object]) -> Awaitable[object]:
                    nonlocal pieces
                    pieces += 1
                    return self.worker(run)

                result = await steps_.off_loop(steps, counted)
                if pieces:
                    await self.worker(steps_.give_back_memory)
        await self.warm_matcher()
        return result

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
