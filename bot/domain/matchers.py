"""The lists in force as matchers: the shared lists compiled as one, each personal list on
its own (pure; compiling and keeping them compiled is ``bot.app.compiled_lists``'s).

A personal list is one reader's, so it is compiled by itself: an edit compiles that list
again and nothing else, and the matcher everyone's articles go through does not grow
with the number of users. ``Matchers.match`` reads an article with each of them and
returns what one matcher compiled from all the lists would: the shared lists' matches,
then each personal list's, in the order the lists were given. A personal list's matches
carry its internal name, which names its owner (``PersonalMatcher.owner``); they are
routed to that owner only.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.matching import Matcher, PieceFinder, read_fields
from bot.domain.models import Match, Watchlist

__all__ = ["ArticleMatcher", "Matchers", "PersonalMatcher", "Prematched", "list_version"]


class ArticleMatcher(Protocol):
    """What matching an article needs: a ``Matcher``, or the ``Matchers`` in force."""

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]: ...


def list_version(watchlist: Watchlist) -> str:
    """A digest of what a list is compiled from (its terms, excludes and threshold): two
    versions with the same digest compile to matchers that match alike."""
    compiled_from = [
        watchlist.threshold,
        [[t.text, t.exact, t.case_sensitive] for t in watchlist.terms],
        list(watchlist.exclude),
    ]
    return hashlib.sha256(json.dumps(compiled_from).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PersonalMatcher:
    """One personal list compiled: ``watchlist`` is named by its internal name."""

    owner: int
    watchlist: Watchlist
    version: str  # ``list_version(watchlist)``
    matcher: Matcher


@dataclass(frozen=True, slots=True)
class Matchers:
    """The shared lists' matcher and one matcher per personal list; immutable, so a poll
    and a re-match each hold one consistent set for as long as they use it."""

    shared: Matcher
    personal: tuple[PersonalMatcher, ...] = ()
    # One prefilter over every list's terms, so that an article is scanned once, not once
    # per list; built with the set (in the worker thread that compiles), from the lists'
    # compiled terms, so an edit still compiles only its list. `_first` is where each
    # matcher's terms start in it.
    _finder: PieceFinder | None = field(init=False, repr=False, compare=False)
    _first: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        matchers = self._matchers()
        first = [0]
        for matcher in matchers:
            first.append(first[-1] + len(matcher.terms))
        finder = PieceFinder([t for m in matchers for t in m.terms]) if self.personal else None
        object.__setattr__(self, "_finder", finder)
        object.__setattr__(self, "_first", tuple(first))

    def _matchers(self) -> tuple[Matcher, ...]:
        return (self.shared, *(p.matcher for p in self.personal))

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self.shared.watchlists + tuple(p.watchlist for p in self.personal)

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]:
        """``Matcher.match`` over every list: each list's best match (or matches), the
        shared lists first, then the personal lists in order. The article is rendered and
        normalised once, not once per list."""
        read = read_fields(fields, plain=plain)
        if self._finder is None:
            return self.shared.match_read(read)
        matchers = self._matchers()
        # Each matcher's terms worth a look, field by field, by its own term numbers.
        looks: list[list[dict[int, set[int]]]] = [[{} for _ in read] for _ in matchers]
        for field_index, (_, norm) in enumerate(read):
            if norm is None:
                continue
            for term, starts in self._finder.find(norm.text).items():
                which = bisect_right(self._first, term) - 1
                looks[which][field_index][term - self._first[which]] = starts
        found: list[Match] = []
        for matcher, its_looks in zip(matchers, looks, strict=True):
            if any(its_looks):
                found.extend(matcher.match_read(read, its_looks))
        return found


# The fields of an article as matched, and whether they were plain: what `match` is given.
Asked = tuple[tuple[tuple[str, str], ...], bool]


@dataclass(frozen=True, slots=True)
class Prematched:
    """A matcher with the answers for some articles worked out beforehand (in a worker
    thread, ``bot.domain.poll.prematch``): the same fields get that answer, any others
    are matched now."""

    matcher: ArticleMatcher
    answers: Mapping[Asked, list[Match]]

    def match(self, fields: Sequence[tuple[str, str]], *, plain: bool = False) -> list[Match]:
        answer = self.answers.get((tuple(fields), plain))
        return list(answer) if answer is not None else self.matcher.match(fields, plain=plain)
