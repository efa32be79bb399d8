"""Building and rendering the digest: pure functions of stored data and ``now``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.models import DigestEntry, FeedState, Match


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    entries: tuple[DigestEntry, ...]
    feeds: tuple[FeedState, ...]
    unmatched_count: int = 0

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
) -> Digest:
    """Select what a reader following ``watchlists`` (all when None) should see.

    Each article appears once, tagged with every followed watchlist it matched,
    newest first.
    """
    by_id: dict[str, DigestEntry] = {}
    unmatched: set[str] = set()
    for entry in seen:
        if not since <= entry.first_seen_at < until and not (entry.updated or entry.rematched):
            continue
        kept = tuple(m for m in entry.matches if watchlists is None or m.watchlist in watchlists)
        if not kept:
            unmatched.add(entry.article.id)
            continue
        earlier = by_id.get(entry.article.id)
        if earlier is not None:
            kept = _merge_matches(earlier.matches, kept)
        by_id[entry.article.id] = replace(entry, matches=kept)
    unmatched -= by_id.keys()
    entries = sorted(by_id.values(), key=_newest_first)
    return Digest(
        since=since,
        until=until,
        entries=tuple(entries),
        feeds=tuple(feeds),
        unmatched_count=len(unmatched),
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


# -- feed health -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedHealthLine:
    url: str
    ok: bool
    text: str


def is_stale(feed: FeedState, now: datetime, stale_after: timedelta) -> bool:
    """A feed whose newest item is older than ``stale_after``: it may still answer 200."""
    return feed.newest_item_at is not None and now - feed.newest_item_at > stale_after


def feed_health(feed: FeedState, *, now: datetime, stale_after: timedelta) -> FeedHealthLine:
    """Say plainly whether a feed is working.

    A section feed that died still answers 200 with its old items, so a feed whose
    newest item is older than ``stale_after`` is reported stale even when fetches succeed.
    """
    parts: list[str] = []
    ok = True
    if feed.last_success_at is None:
        ok = False
        parts.append("never fetched successfully")
    else:
        parts.append(f"last fetched {_ago(now - feed.last_success_at)} ago")
    if feed.error_count and feed.last_error:
        ok = False
        parts.append(f"failing: {feed.last_error} ({feed.error_count}x)")
    if feed.newest_item_at is not None:
        age = now - feed.newest_item_at
        if is_stale(feed, now, stale_after):
            ok = False
            parts.append(f"stale: newest item {_ago(age)} old")
        else:
            parts.append(f"newest item {_ago(age)} old")
    return FeedHealthLine(url=feed.url, ok=ok, text=", ".join(parts))


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"
