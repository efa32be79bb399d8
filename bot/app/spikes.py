"""Spike notices: when a list's count this week is a spike (``bot.domain.trends``), its
followers hear it once that week, through the outbox, keyed by list, week and chat."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.app.service import Service
from bot.domain.models import OutgoingMessage
from bot.domain.trends import SPIKE_HISTORY_WEEKS, trends, window_start
from bot.messages.trend_lines import spike_notice

# This week and the twelve the rule compares it with.
_WEEKS = SPIKE_HISTORY_WEEKS + 1


def spike_key(watchlist: str, monday: str, chat_id: int) -> str:
    return f"spike:{watchlist}:{monday}:{chat_id}"


def queue_spike_notices(service: Service, watchlists: Collection[str], now: datetime) -> int:
    """Queue a notice to each follower of each of ``watchlists`` whose week is a spike
    at ``now``; returns how many were new (a week's notice is queued once)."""
    lists = sorted(watchlists)
    if not lists:
        return 0
    start = window_start(now, _WEEKS)
    # A store not watching for the twelve weeks has no baseline: its first poll, which
    # sees every article in the feeds at once, is no spike.
    if not service.store.trends.seen_before(start):
        return 0
    seen = service.store.trends.sightings(lists, start)
    messages = [
        OutgoingMessage(
            spike_key(t.watchlist, t.weeks[-1].monday.isoformat(), chat_id),
            chat_id,
            "notice",
            spike_notice(t),
        )
        for t in trends(seen, lists, now=now, weeks=_WEEKS)
        if t.spike
        for chat_id in service.store.chats.subscribers_of(t.watchlist)
    ]
    return service.store.outbox.enqueue(messages, now) if messages else 0
