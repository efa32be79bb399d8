"""Spike notices: when a list's count this week is a spike (``bot.domain.trends``), its
followers hear it once that week, through the outbox, keyed by list, week and chat.

A notice goes as an alert would (``app/followers``): to a chat that takes the list's
alerts (its mode, not muted at the time), where the list's route sends them, and not in
the chat's quiet hours: what they held is judged again when they end
(``held_spike_notices``, for ``app/quiet_release`` and a digest made in them). A week is
the chat's own, from Monday 00:00 in its zone, as in its digests and /trend.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from bot.app.followers import queue_to_chats, queue_to_followers
from bot.app.service import Service
from bot.app.trend_counts import counted_sightings
from bot.domain.models import OutgoingMessage, Subscriber
from bot.domain.mute import alert_lists
from bot.domain.quiet import chat_is_quiet
from bot.domain.schedule import zone
from bot.domain.trends import (
    SPIKE_HISTORY_WEEKS,
    ListTrend,
    Sighting,
    monday_of,
    trends,
    week_end,
    window_start,
)
from bot.messages.trend_lines import spike_notice
from bot.storage.outbox import OutboxStore

# This week and the twelve the rule compares it with.
_WEEKS = SPIKE_HISTORY_WEEKS + 1
# The store keeps whole seconds: the last moment of a week it can tell apart.
_SECOND = timedelta(seconds=1)


def spike_key(watchlist: str, monday: str, chat_id: int) -> str:
    return f"spike:{watchlist}:{monday}:{chat_id}"


def queue_spike_notices(
    service: Service,
    watchlists: Collection[str],
    now: datetime,
    followers: Sequence[Subscriber] | None = None,
) -> int:
    """Queue a notice to each follower of each of ``watchlists`` whose week is a spike
    at ``now``; returns how many were new (a week's notice is queued once).
    ``followers``: the lists' followers when the caller has read them already."""
    lists = sorted(set(watchlists))
    if not lists:
        return 0
    judged = _Judged(service, lists)

    def render(view: Subscriber) -> list[OutgoingMessage]:
        if chat_is_quiet(view, now):
            return []  # held: judged again when the quiet hours end
        return judged.notices(view, now, lists=alert_lists(view, now))

    if followers is None:
        return queue_to_followers(service, lists, render, now, what="spike")
    return queue_to_chats(service, followers, render, now, what="spike")


def held_spike_notices(
    service: Service,
    view: Subscriber,
    span: tuple[datetime, datetime],
    now: datetime,
    outbox: OutboxStore,
) -> list[OutgoingMessage]:
    """The notices the chat's quiet hours held in ``span`` (for the lists it takes as
    alerts at ``now``): each week of its zone that the span touches, judged as that week
    stood when the span, or the week, ended (a count only grows within a week, so a
    spike seen during the span still is one then); those queued before left out. Only
    this week and last: a span longer than that (the bot was down) holds stale news."""
    lists = alert_lists(view, now)
    if not lists:
        return []
    judged = _Judged(service, lists)
    tz = zone(view.timezone)
    since, until = span
    this = monday_of(now.astimezone(tz))
    monday = max(monday_of(since.astimezone(tz)), this - timedelta(weeks=1))
    last = monday_of((until - _SECOND).astimezone(tz))
    out: list[OutgoingMessage] = []
    while monday <= last:
        at = min(until, week_end(monday, tz)) - _SECOND
        found = judged.notices(view, at, lists, last_week=monday < this)
        out += [m for m in found if outbox.by_key(m.dedup_key) is None]
        monday += timedelta(weeks=1)
    return out


class _Judged:
    """The lists' weeks as they stood at a moment, in a zone: read once for every chat
    that shares them."""

    def __init__(self, service: Service, lists: Sequence[str]) -> None:
        self._service = service
        self._lists = lists
        self._made: dict[tuple[datetime, str], dict[str, ListTrend]] = {}
        self._seen: dict[datetime, list[Sighting]] = {}

    def notices(
        self, view: Subscriber, at: datetime, lists: Collection[str], *, last_week: bool = False
    ) -> list[OutgoingMessage]:
        """The view's notices for the ``lists`` (of those judged) whose week is a spike
        at ``at`` (``last_week``: a week before now's)."""
        if not view.wants_alerts:
            return []
        weeks = self._weeks(at, view.timezone)
        return [
            OutgoingMessage(
                spike_key(name, trend.weeks[-1].monday.isoformat(), view.chat_id),
                view.chat_id,
                "notice",
                spike_notice(trend, last_week=last_week),
            )
            for name in self._lists
            if name in lists and (trend := weeks.get(name)) is not None and trend.spike
        ]

    def _weeks(self, at: datetime, timezone: str) -> dict[str, ListTrend]:
        key = (at, timezone)
        if key not in self._made:
            store, tz = self._service.store, zone(timezone)
            start = window_start(at, _WEEKS, tz)
            # A store not watching for the twelve weeks has no baseline: its first poll,
            # which sees every article in the feeds at once, is no spike.
            if not store.trends.seen_before(start):
                self._made[key] = {}
            else:
                found = trends(self._sightings(at), self._lists, now=at, weeks=_WEEKS, tz=tz)
                self._made[key] = {t.watchlist: t for t in found}
        return self._made[key]

    def _sightings(self, at: datetime) -> list[Sighting]:
        """What the lists matched over the weeks up to ``at`` in any zone, read once:
        from a day before they start in UTC (no zone is a day off it)."""
        if at not in self._seen:
            since = window_start(at, _WEEKS, UTC) - timedelta(days=1)
            self._seen[at] = counted_sightings(self._service, self._lists, since)
        return self._seen[at]
