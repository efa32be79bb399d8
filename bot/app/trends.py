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
from bot.domain.models import Subscriber
from bot.domain.trends import ListTrend, trends, window_start
from bot.messages.trend_chart import chart_data, trend_chart
from bot.storage import Store

DEFAULT_WEEKS = 12
MAX_WEEKS = 104
_WEEKS = re.compile(r"\d{1,4}")


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


@dataclass(frozen=True)
class TrendChart:
    # The weeks charted: the previous period, then the ``weeks`` asked for.
    trends: list[ListTrend]
    weeks: int
    png: bytes


def read_request(service: Service, sub: Subscriber, text: str, now: datetime) -> TrendAsked:
    """The lists and weeks ``/trend [LIST…] [WEEKS]`` asks for: the chat's lists and 12
    weeks by default; a name is read whole first, then word by word."""
    words = text.split()
    weeks = DEFAULT_WEEKS
    if words and _WEEKS.fullmatch(words[-1]):
        weeks = int(words.pop())
        if not 1 <= weeks <= MAX_WEEKS:
            raise TrendRefused("weeks")
    if not words:
        if not sub.watchlists:
            raise TrendRefused("no_lists")
        return TrendAsked(sub.watchlists, weeks)
    whole = list_meant(service, sub, " ".join(words), now, leaving=True)
    if whole.target:
        return TrendAsked((whole.target,), weeks)
    lists: list[str] = []
    for word in words:
        meant = list_meant(service, sub, word, now, leaving=True)
        if not meant.target:
            raise TrendRefused("unknown", word, tuple(meant.candidates))
        lists.append(meant.target)
    return TrendAsked(tuple(dict.fromkeys(lists)), weeks)


def trend_numbers(
    service: Service, asked: TrendAsked, now: datetime, *, store: Store | None = None
) -> list[ListTrend]:
    """The lists' counts over the weeks asked for and as many before them (read from
    ``store`` when given: a read-only connection of another thread's)."""
    span = 2 * asked.weeks
    seen = (store or service.store).trends.sightings(asked.lists, window_start(now, span))
    return trends(seen, asked.lists, now=now, weeks=span)


async def chart(service: Service, asked: TrendAsked, now: datetime) -> TrendChart:
    numbers = trend_numbers(service, asked, now)
    png = await trend_chart(chart_data(numbers, previous_weeks=asked.weeks))
    return TrendChart(numbers, asked.weeks, png)
