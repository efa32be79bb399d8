"""The chart is drawn in a child process from the numbers given, and drawn once per
content."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.domain.trends import ListTrend, WeekCount
from bot.messages import trend_chart
from bot.messages.trend_chart import chart_data, chart_key
from tests.telegram_front.test_trend_e2e import png_size


def _trend(name: str, named: list[int], possibly: list[int]) -> ListTrend:
    start = date(2026, 10, 5)
    return ListTrend(
        name,
        tuple(
            WeekCount(start + timedelta(weeks=i), n, p)
            for i, (n, p) in enumerate(zip(named, possibly, strict=True))
        ),
    )


def test_the_chart_data_keeps_named_and_possibly_about_apart() -> None:
    data = chart_data([_trend("TRIPP", [1, 0, 3, 9], [0, 2, 0, 1])], previous_weeks=2)
    assert data == {
        "mondays": ["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"],
        "previous": 2,
        "zone": "UTC",
        "lists": [{"name": "TRIPP", "named": [1, 0, 3, 9], "possibly": [0, 2, 0, 1]}],
    }


def test_the_child_draws_a_png_and_the_same_numbers_are_drawn_once() -> None:
    data = chart_data(
        [_trend("TRIPP", [1, 0, 3, 9], [0, 2, 0, 1]), _trend("A<B", [0, 0, 1, 1], [0] * 4)],
        previous_weeks=2,
    )
    png = asyncio.run(trend_chart.trend_chart(data))
    assert png_size(png) == (800, 450)
    assert trend_chart._cache[chart_key(data)] == png
    again = asyncio.run(trend_chart.trend_chart(data, timeout=0.001))  # no child this time
    assert again is png
