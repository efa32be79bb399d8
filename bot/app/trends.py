"""/trend: a chart of the chosen lists' matches per week, and the words under it.

The numbers come from ``bot.domain.trends`` on what the store found; the picture is drawn
by ``bot.messages.trend_chart`` in a child process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.app.chats import list_meant
from bot.app.service import Service
from bot.app.trend_counts import counted_sightings
from bot.domain.models import Subscriber
from bot.domain.schedule import zone
from bot.domain.trends import ListTrend, trends, window_start
from bot.messages.trend_chart import chart_data, trend_chart
from bot.storage import Store

DEFAULT_WEEKS = 12
MAX_WEEKS = 104
# More lines than this on one chart cannot be told apart (and their caption would pass
# Telegram's 1,024 characters): a chat following more sees its busiest.
MAX_LISTS = 8
_WEEKS = re.compile(r"\d+")


class TrendRefused(Exception):
    """What was typed names no list the chat may chart, or a number of weeks out of range."""

    def __init__(self, reason: str, query: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.query = query
        self.candidates = candidates


@dataclass(frozen=True)
class TrendAsked:
    lists: tuple[str, ...]
    weeks: int
    # The chat's zone: its weeks start on Monday 00:00 there, as its weekly digest's do.
    timezone: str
    # Not named but the chat's own: more than MAX_LISTS are cut to the busiest.
    default: bool = False


@dataclass(frozen=True)
class TrendChart:
    # The weeks charted: the previous period, then the ``weeks`` asked for.
    trends: list[ListTrend]
    weeks: int
    png: bytes
    # How many lists were asked for (more than charted: the busiest were).
    asked: int
    timezone: str


def read_request(service: Service, sub: Subscriber, text: str, now: datetime) -> TrendAsked:
    """The lists and weeks ``/trend [LIST…] [WEEKS]`` asks for: the chat's lists and 12
    weeks by default; a name is read whole first, then word by word."""
    words = text.split()
    weeks = DEFAULT_WEEKS
    at = _weeks_at(service, sub, words, now)
    if at is not None:
        # Any number, however long, is a number of weeks: "/trend 99999" is out of
        # range, not a list called 99999.
        number = words.pop(at)
        weeks = int(number) if len(number) <= 4 else MAX_WEEKS + 1
        if not 1 <= weeks <= MAX_WEEKS:
            raise TrendRefused("weeks")
    if not words:
        if not sub.watchlists:
            raise TrendRefused("no_lists")
        return TrendAsked(sub.watchlists, weeks, sub.timezone, default=True)
    whole = list_meant(service, sub, " ".join(words), now, leaving=True)
    if whole.target:
        return TrendAsked((whole.target,), weeks, sub.timezone)
    lists: list[str] = []
    for word in words:
        meant = list_meant(service, sub, word, now, leaving=True)
        if not meant.target:
            raise TrendRefused("unknown", word, tuple(meant.candidates))
        lists.append(meant.target)
    if len(set(lists)) > MAX_LISTS:
        raise TrendRefused("too_many")
    return TrendAsked(tuple(dict.fromkeys(lists)), weeks, sub.timezone)


def _weeks_at(service: Service, sub: Subscriber, words: list[str], now: datetime) -> int | None:
    """Where the number of weeks is among ``words``: last, as the usage writes it, or
    first ("/trend 8 TRIPP"), unless the words are a list's whole name ("2030 Agenda")."""
    if words and _WEEKS.fullmatch(words[-1]):
        return len(words) - 1
    leading = len(words) > 1 and _WEEKS.fullmatch(words[0])
    if leading and not list_meant(service, sub, " ".join(words), now, leaving=True).target:
        return 0
    return None


def trend_numbers(
    service: Service, asked: TrendAsked, now: datetime, *, store: Store | None = None
) -> list[ListTrend]:
    """The lists' counts over the weeks asked for and as many before them (read from
    ``store`` when given: a read-only connection of another thread's)."""
    span, tz = 2 * asked.weeks, zone(asked.timezone)
    seen = counted_sightings(service, asked.lists, window_start(now, span, tz), store=store)
    return trends(seen, asked.lists, now=now, weeks=span, tz=tz)


def busiest(numbers: list[ListTrend], weeks: int) -> list[ListTrend]:
    """At most ``MAX_LISTS`` of the lists, those with the most matches in the last
    ``weeks``, in the order given."""
    if len(numbers) <= MAX_LISTS:
        return numbers
    counts = {t.watchlist: sum(w.total for w in t.weeks[-weeks:]) for t in numbers}
    kept = set(sorted(counts, key=lambda w: -counts[w])[:MAX_LISTS])
    return [t for t in numbers if t.watchlist in kept]


async def chart(service: Service, asked: TrendAsked, now: datetime) -> TrendChart:
    numbers = busiest(trend_numbers(service, asked, now), asked.weeks)
    data = chart_data(numbers, previous_weeks=asked.weeks, timezone=asked.timezone)
    png = await trend_chart(data)
    return TrendChart(numbers, asked.weeks, png, len(asked.lists), asked.timezone)
