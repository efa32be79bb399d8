"""The lists in force, kept compiled between polls: the shared lists' matcher, and one
matcher per personal list, keyed by (owner, list, version), each compiled again only when
what it is compiled from has changed.

Compiling takes a while (a tenth of a second for a list of twenty terms, seconds for a
thousand), so the running bot has it done in a worker thread: ``pending`` hands out what
is still to compile as one piece of heavy work (``Service.warm_matcher`` runs it off the
event loop), and ``matchers`` then only puts the set together. The dry run and the
re-match of an edited personal list take its matcher from here too (``personal``), in
their own worker thread, so that an edit compiles the list once, for the three of them.

Worker threads and the event loop share the cache: it is read and changed under a lock,
and a compile runs outside it (were one list compiled by two threads at once, the first
result is kept and the second dropped).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.matchers import Matchers, PersonalMatcher, list_version
from bot.domain.matching import Matcher, compile_watchlists
from bot.domain.models import Watchlist
from bot.lists.personal import PersonalList

__all__ = ["Compile", "CompiledLists"]

log = logging.getLogger(__name__)

# Compiles lists into one matcher; tests hand in one that counts, or notes its thread.
Compile = Callable[[Sequence[Watchlist]], Matcher]


@dataclass(frozen=True, slots=True)
class _Inputs:
    shared: tuple[Watchlist, ...]
    personal: tuple[tuple[int, str, str], ...]  # (owner, internal name, version)


class CompiledLists:
    def __init__(self, compile: Compile = compile_watchlists) -> None:
        self.compile = compile
        self._lock = threading.Lock()
        self._shared: tuple[tuple[Watchlist, ...], Matcher] | None = None
        # (owner, internal name) -> version -> compiled, oldest version first: the one
        # in force, and the one an edit's dry run compiled before the edit was saved.
        self._personal: dict[tuple[int, str], dict[str, PersonalMatcher]] = {}
        self._current: tuple[_Inputs, Matchers] | None = None

    def personal(self, plist: PersonalList) -> PersonalMatcher:
        """The list compiled: kept from before, or compiled now, in this thread."""
        watchlist = plist.watchlist
        version = list_version(watchlist)
        slot = (plist.owner, watchlist.name)
        with self._lock:
            kept = self._personal.get(slot, {}).get(version)
        if kept is not None:
            return kept
        compiled = PersonalMatcher(plist.owner, watchlist, version, self.compile([watchlist]))
        log.debug("personal=%r version=%s status=compiled", watchlist.name, version)
        with self._lock:
            return self._personal.setdefault(slot, {}).setdefault(version, compiled)

    def shared(self, watchlists: Sequence[Watchlist]) -> Matcher:
        """The shared lists compiled as one: kept from before, or compiled now."""
        lists = tuple(watchlists)
        with self._lock:
            kept = self._shared
        if kept is not None and kept[0] == lists:
            return kept[1]
        compiled = self.compile(lists)
        with self._lock:
            self._shared = (lists, compiled)
        return compiled

    def pending(
        self, shared: Sequence[Watchlist], personal: Sequence[PersonalList]
    ) -> Callable[[], None] | None:
        """What is still to compile for these lists, as one function to run off the
        event loop; None when every one of them is compiled already, and so is the set
        of them (whose one prefilter over every list's terms takes a few milliseconds
        with many personal lists)."""
        lists = tuple(shared)
        inputs = _Inputs(
            lists, tuple((p.owner, p.internal_name, list_version(p.watchlist)) for p in personal)
        )
        with self._lock:
            shared_done = self._shared is not None and self._shared[0] == lists
            stale = [p for p in personal if not self._has(p)]
            set_done = self._current is not None and self._current[0] == inputs
        if shared_done and not stale and set_done:
            return None

        def compile_missing() -> None:
            if not shared_done:
                self.shared(lists)
            for plist in stale:
                self.personal(plist)
            self.matchers(lists, personal)

        return compile_missing

    def matchers(self, shared: Sequence[Watchlist], personal: Sequence[PersonalList]) -> Matchers:
        """The matchers for these lists: the same object for as long as they do not
        change. What is not compiled yet is compiled here (the CLI, tests); the running
        bot has had ``pending`` run off its event loop just before."""
        inputs = _Inputs(
            tuple(shared),
            tuple((p.owner, p.internal_name, list_version(p.watchlist)) for p in personal),
        )
        current = self._current
        if current is not None and current[0] == inputs:
            return current[1]
        built = Matchers(self.shared(inputs.shared), tuple(self.personal(p) for p in personal))
        self._forget_all_but(inputs)
        self._current = (inputs, built)
        return built

    def _has(self, plist: PersonalList) -> bool:
        versions = self._personal.get((plist.owner, plist.internal_name), {})
        return list_version(plist.watchlist) in versions

    def _forget_all_but(self, inputs: _Inputs) -> None:
        """Drop the lists that are gone, and each list's versions older than the one in
        force; a version compiled since (an edit's, not saved yet) stays."""
        in_force = {(owner, name): version for owner, name, version in inputs.personal}
        with self._lock:
            for slot in list(self._personal):
                version = in_force.get(slot)
                if version is None:
                    del self._personal[slot]
                    continue
                versions = self._personal[slot]
                order = list(versions)
                if version in versions:
                    for older in order[: order.index(version)]:
                        del versions[older]
