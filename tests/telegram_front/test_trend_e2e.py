"""/trend through the real PTB client against the fake Bot API: the chart comes as a
photo, a valid PNG drawn from the numbers ``bot.domain.trends`` gives, with this week's
change in the caption; a list it does not know is answered in words."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.service import build_service
from bot.app.trends import TrendAsked, trend_numbers
from bot.messages.trend_chart import chart_data, chart_key
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import make_article, make_match, rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4343
BOB = 4444
ITEMS = [
    (
        "9100",
        "The TRIPP route",
        "<p>Tehran objects to the Trump Route for International Peace and Prosperity (TRIPP).</p>",
        NOW - timedelta(hours=2),
    )
]


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height a PNG's IHDR chunk gives; AssertionError if it is no PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss(ITEMS))
        yield server


def test_trend_sends_a_png_chart_of_the_weeks_with_the_change_in_the_caption(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.poll()
            fake.user_sends("/trend tripp 4", user_id=ANN)
            [photo] = await asyncio.to_thread(fake.wait_for_photos, ANN, 1)
            assert png_size(photo.data) == (800, 450)
            assert "TRIPP" in photo.caption
            assert "1 this week, 0 a week on average before" in photo.caption
            [unknown] = await b.send("/trend nosuchlist", user_id=ANN)
            assert "nosuchlist" in unknown.text and "/trend" in unknown.text
            for weeks in ("0", "500", "1000", "99999"):
                [bad] = await b.send(f"/trend tripp {weeks}", user_id=ANN)
                assert "1 to 104" in bad.text, weeks
            [none] = await b.send("/trend", user_id=ANN)
            assert "You follow no lists yet" in none.text
            # Someone else's personal list is not one Ann can see.
            [made] = await b.send("/mynew Rogun | Rogun, Nurek", user_id=BOB)
            assert made.text.startswith("Created Rogun")
            [hidden] = await b.send("/trend Rogun", user_id=ANN)
            assert "Rogun" in hidden.text and "/trend" in hidden.text
            assert len(fake.photos) == 1
            # Bob's own: charted under the name he gave it, in his zone's weeks.
            await b.send("/timezone Asia/Baku", user_id=BOB)
            fake.user_sends("/trend rogun", user_id=BOB)
            [own] = await asyncio.to_thread(fake.wait_for_photos, BOB, 1)
            assert png_size(own.data) == (800, 450)
            assert "Rogun (personal): 0 this week" in own.caption
            assert "Weeks start on Monday in Asia/Baku." in own.caption

    asyncio.run(scenario())
    service = build_service(config)
    numbers = trend_numbers(service, TrendAsked(("TRIPP",), 4, "UTC"), NOW)
    assert [w.total for w in numbers[0].weeks] == [0] * 7 + [1]
    assert [w.named for w in numbers[0].weeks][-1] == 1
    assert len(chart_key(chart_data(numbers, previous_weeks=4))) == 64


def test_a_poll_that_makes_a_lists_week_a_spike_tells_its_follower_once(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    busy = [
        (
            f"95{n}",
            f"TRIPP news {n}",
            "<p>More on the TRIPP corridor.</p>",
            NOW - timedelta(hours=n),
        )
        for n in range(1, 5)
    ]
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss(busy[:1]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.send("/subscribe TRIPP", user_id=ANN)
                # Watching for fourteen weeks, one TRIPP article a week for twelve.
                for week in (14, *range(1, 13)):
                    article = make_article(week, title=f"Week {week}")
                    when = NOW - timedelta(weeks=week)
                    b.store.upsert_article(article, when)
                    b.store.replace_matches(article.id, [make_match("TRIPP")], when)
                await b.poll()
                assert await b.outbox_settled()
                assert not [m for m in fake.messages_to(ANN) if "busier than usual" in m.text]
                feeds.publish("/a.feed", rss(busy))
                clock.set(NOW + timedelta(minutes=5))
                await b.poll()
                feeds.publish("/a.feed", rss(busy[:1]))
                clock.set(NOW + timedelta(minutes=10))
                await b.poll()
                assert await b.outbox_settled()

        asyncio.run(scenario())
    [notice] = [m for m in fake.messages_to(ANN) if "busier than usual" in m.text]
    assert notice.text.startswith("📈 TRIPP is busier than usual: 4 this week, 1 a week")
    assert notice.text.endswith("/trend TRIPP")
