"""Composition root: builds the pieces from a config and wires them together.

It only builds and holds them; what the bot does with them lives in the use cases beside
it (``bot.app.poll``, ``bot.app.digests`` ...), each a function taking the ``Service``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, TypeVar

from bot.app import steps as steps_
from bot.app.compiled_lists import CompiledLists
from bot.app.config import Config
from bot.app.steps import Steps, Worker
from bot.domain.aboutness import PossiblyAbout
from bot.domain.matchers import Matchers
from bot.domain.models import Article, Watchlist
from bot.domain.possibly_about import TierBackoff
from bot.lists.personal import PersonalList
from bot.lists.registry import WatchlistChange, WatchlistRegistry
from bot.semantic.about_child import possibly_about_or_fail
from bot.storage import Store, open_store

log = logging.getLogger(__name__)

T = TypeVar("T")


class AboutTier(Protocol):
    """The "possibly about" tier (``bot.semantic.about_child.possibly_about_or_fail``):
    raises when it cannot answer, so that what it owes is read again later."""

    def __call__(
        self,
        articles: Sequence[Article],
        lists: Sequence[Watchlist],
        named: Mapping[str, frozenset[str]],
    ) -> Awaitable[list[PossiblyAbout]]: ...


@dataclass
class Service:
    config: Config
    store: Store
    registry: WatchlistRegistry
    # Broken files found while the service was built, before it could queue messages:
    # the admins hear of them at the first refresh.
    unreported: list[WatchlistChange] = field(default_factory=list)
    # The lists in force, kept compiled: the shared ones as one matcher, each personal
    # list on its own (tests may hand in one with a compile function that counts).
    compiled: CompiledLists = field(default_factory=CompiledLists, repr=False)
    # Each shared list's file when edits were last applied, to tell a rename from a removal.
    paths: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    # Called when an alert is queued; the running bot wakes its outbox drain with it.
    on_queued: Callable[[], None] = field(default=lambda: None, repr=False)
    # Runs heavy work off the event loop (see ``off_loop``); tests may hand in a gated one.
    worker: Worker = field(default=asyncio.to_thread, repr=False)
    # Finds articles possibly about a list after each poll (tests may hand in one that fails).
    about_tier: AboutTier = field(default=possibly_about_or_fail, repr=False)
    # The tier failing: when to try again (``bot.app.possibly_about.catch_up``).
    about_backoff: TierBackoff = field(default_factory=TierBackoff, repr=False)
    # Made on first use, on the running event loop.
    _one_at_a_time: asyncio.Lock | None = field(default=None, init=False, repr=False)
    _compiling: asyncio.Lock | None = field(default=None, init=False, repr=False)
    _about_turn: asyncio.Lock | None = field(default=None, init=False, repr=False)

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
    def matcher(self) -> Matchers:
        """The shared lists' matcher and one per personal list, each compiled once and
        again only when that list changes. The running bot has them compiled beforehand,
        off its event loop (``warm_matcher``), so that here they are only looked up."""
        return self.compiled.matchers(*self._matcher_inputs())

    async def warm_matcher(self) -> None:
        """Compile, in a worker thread, what the lists in force need and is not compiled
        yet (the shared lists if they changed, each new or edited personal list); on
        return ``matcher`` has them ready."""
        if self._compiling is None:
            self._compiling = asyncio.Lock()
        async with self._compiling:
            while True:
                # Looked at again after each compile: a list may have changed meanwhile.
                missing = self.compiled.pending(*self._matcher_inputs())
                if missing is None:
                    return
                await self.worker(missing)

    def _matcher_inputs(self) -> tuple[list[Watchlist], list[PersonalList]]:
        return self.watchlists, self.store.personal.all()

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

    def about_turn(self) -> asyncio.Lock:
        """Held while the "possibly about" tier runs: feeds polled at once take turns, so
        that one child process at a time holds the embedder's model in memory."""
        if self._about_turn is None:
            self._about_turn = asyncio.Lock()
        return self._about_turn

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
        store=open_store(config.store.location),
        registry=registry,
        unreported=[c for c in changes if c.kind == "invalid"],
    )


def log_invalid(changes: Sequence[WatchlistChange]) -> None:
    # A broken file is reported; the last good version and the other lists stay in force.
    for change in changes:
        if change.kind == "invalid":
            log.error("watchlist=%r status=invalid error=%r", change.name, change.error)
