"""The chart is drawn in a child process from the numbers given, and drawn once per
content."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

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


def test_charts_asked_for_at_once_are_drawn_two_at_a_time_and_the_same_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each child loads matplotlib (some 50 MB): ten chats asking at once must not make
    # ten of them at once.
    running: list[int] = []
    most = [0]
    drawn: list[bytes] = []
    release = asyncio.Event()

    async def fake_child(payload: bytes, timeout: float) -> bytes:
        running.append(1)
        most[0] = max(most[0], len(running))
        await release.wait()
        running.pop()
        drawn.append(payload)
        return b"\x89PNG" + payload

    monkeypatch.setattr(trend_chart, "_draw_in_child", fake_child)
    datas = [chart_data([_trend(f"L{i}", [i, 1], [0, 0])], previous_weeks=1) for i in range(6)]

    async def scenario() -> list[bytes]:
        asks = [asyncio.create_task(trend_chart.trend_chart(d)) for d in [*datas, datas[0]]]
        for _ in range(20):
            await asyncio.sleep(0)  # let every ask start
        assert len(running) == 2
        release.set()
        return await asyncio.gather(*asks)

    pngs = asyncio.run(scenario())
    assert most[0] == trend_chart.MAX_DRAWING == 2
    assert len(drawn) == 6 and pngs[0] == pngs[-1]
