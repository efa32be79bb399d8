"""Building the digest: which stored articles a reader sees, from plain data (pure)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain.models import DigestEntry, FeedState, Match
from bot.domain.possibly_about import AboutSection, AboutSeen, about_sections


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    entries: tuple[DigestEntry, ...]
    feeds: tuple[FeedState, ...]
    # New articles in the window that matched no watchlist at all, and those that matched
    # only lists the reader does not follow: told apart, or a group following one list
    # would hear that articles it does not follow "matched no watchlist".
    unmatched_count: int = 0
    other_lists_count: int = 0
    # The local day a day's digest covers (/digest yesterday): its heading names that
    # day, not the day its window ends.
    day: date | None = None
    # A group's digest says "this group's watchlists" where a person's says "your", and
    # one a route posts in a channel "this channel's".
    for_group: bool = False
    for_channel: bool = False
    # Articles that do not name a followed list but discuss its subject, a section each.
    about: tuple[AboutSection, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.entries


def build_digest(
    seen: Sequence[DigestEntry],
    *,
    since: datetime,
    until: datetime,
    feeds: Sequence[FeedState],
    watchlists: Collection[str] | None = None,
    shared: Collection[str] | None = None,
    about: Sequence[AboutSeen] = (),
    alerted: Collection[str] = (),
    held: tuple[datetime, datetime] | None = None,
    about_lists: Collection[str] | None = None,
) -> Digest:
    """Select what a reader following ``watchlists`` (all when None) should see.

    Each article appears once, tagged with every followed watchlist it matched,
    newest first. An article that matched only lists the reader does not follow is
    counted apart when one of them is in ``shared`` (lists anyone may follow; all when
    None): someone else's personal list, or a list since deleted, is no news to them.
    ``about`` are the "possibly about" findings made in the window: those of followed
    lists, each in its list's section (``about_sections``).

    ``alerted`` are the lists the reader gets instant alerts for: a match of one that is
    not in ``watchlists`` came as an alert, so it is neither shown nor counted, unless the
    article was first seen in ``held`` (the reader's quiet hours not yet sent: the digest
    takes them instead) or is here because a list's edit matched it again (which
    alerts nobody).

    ``about_lists`` are the lists whose "possibly about" sections it holds, when not
    ``watchlists`` (``mute.digest_about_lists``).
    """
    by_id: dict[str, DigestEntry] = {}
    unmatched: set[str] = set()
    elsewhere: set[str] = set()
    for entry in seen:
        if not since <= entry.first_seen_at < until and not (entry.updated or entry.rematched):
            continue
        in_held = held is not None and held[0] <= entry.first_seen_at < held[1]
        # Neither held nor a list's edit matching an article again sent an alert.
        not_alerted = in_held or entry.rematched
        kept = tuple(
            m
            for m in entry.matches
            if watchlists is None
            or m.watchlist in watchlists
            or (not_alerted and m.watchlist in alerted)
        )
        if not kept and any(m.watchlist in alerted for m in entry.matches):
            continue  # came as an alert
        if not kept:
            others = [m for m in entry.matches if shared is None or m.watchlist in shared]
            (elsewhere if others else unmatched).add(entry.article.id)
            continue
        earlier = by_id.get(entry.article.id)
        if earlier is not None:
            kept = _merge_matches(earlier.matches, kept)
        by_id[entry.article.id] = replace(entry, matches=kept)
    unmatched -= by_id.keys() | elsewhere
    elsewhere -= by_id.keys()
    entries = sorted(by_id.values(), key=_newest_first)
    return Digest(
        since=since,
        until=until,
        entries=tuple(entries),
        feeds=tuple(feeds),
        unmatched_count=len(unmatched),
        other_lists_count=len(elsewhere),
        about=about_sections(about, watchlists if about_lists is None else about_lists),
    )


def _merge_matches(a: tuple[Match, ...], b: tuple[Match, ...]) -> tuple[Match, ...]:
    return a + tuple(m for m in b if m not in a)


def _newest_first(entry: DigestEntry) -> tuple[float, str]:
    when = entry.article.published or entry.first_seen_at
    return (-when.timestamp(), entry.article.title)


def best_match_per_watchlist(matches: Sequence[Match]) -> list[Match]:
    """The strongest match of each watchlist, in watchlist name order."""
    best: dict[str, Match] = {}
    for m in matches:
        current = best.get(m.watchlist)
        if current is None or m.score > current.score:
            best[m.watchlist] = m
    return [best[name] for name in sorted(best)]
