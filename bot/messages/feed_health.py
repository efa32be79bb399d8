"""A feed's health in one plain line, for the digest's footer (pure).

Whether the feed works is `bot.domain.health.feed_condition`'s to decide; this only
words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.health import feed_condition, is_stale
from bot.domain.models import FeedState
from bot.messages.dates import ago


@dataclass(frozen=True, slots=True)
class FeedHealthLine:
    url: str
    ok: bool
    text: str


def feed_health(feed: FeedState, *, now: datetime, stale_after: timedelta) -> FeedHealthLine:
    """Say plainly whether a feed is working: when it was last fetched, why it fails,
    and how old its newest item is."""
    condition = feed_condition(feed, now, stale_after)
    parts: list[str] = []
    if feed.last_success_at is None:
        parts.append("never fetched successfully")
    else:
        parts.append(f"last fetched {ago(now - feed.last_success_at)} ago")
    if condition == "failing":
        error = feed.last_error or "fetch failed"
        parts.append(f"failing: {error} ({max(feed.error_count, 1)}x)")
    if feed.newest_item_at is not None:
        age = ago(now - feed.newest_item_at)
        stale = is_stale(feed, now, stale_after)
        parts.append(f"stale: newest item {age} old" if stale else f"newest item {age} old")
    return FeedHealthLine(url=feed.url, ok=condition == "ok", text=", ".join(parts))
