"""A poll that brings many matches for one chat reaches it as one combined alert, in a
few parts when long, through the real bot and the fake Bot API (which parses the HTML
and refuses a message over 4,096 characters as Telegram does)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB, CAT = 4242, 4343, 4444
OLD_ITEM = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)


def tripp_item(n: int, *, corridor: bool = False) -> tuple[str, str, str, datetime]:
    also = " Freight on the Middle Corridor would use it too." if corridor else ""
    body = (
        "<p>Yerevan and Baku discussed the <em>Trump Route for International Peace and "
        f"Prosperity</em> (TRIPP) through Syunik once more, with customs posts, rail gauges "
        f"and the timetable for the first trains across the border.{also}</p>"
    )
    return (str(9100 + n), f"Route talks, round {n}", body, NOW - timedelta(minutes=90 - n))


def test_forty_matches_in_one_poll_reach_a_follower_as_one_alert_in_a_few_parts(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
                await b.poll()  # the back catalogue, stored without alerts
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/mynew Border | customs posts", user_id=ANN)
                await b.send("/subscribe Middle Corridor", user_id=BOB)
                await b.send("/subscribe TRIPP", user_id=CAT)
                await b.send("/mode daily", user_id=CAT)
                replies = {chat: len(fake.messages_to(chat)) for chat in (ANN, BOB, CAT)}

                items = [tripp_item(n, corridor=n == 40) for n in range(40, 0, -1)]
                feeds.publish("/a.feed", rss([*items, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()

                parts = fake.messages_to(ANN)[replies[ANN] :]
                # Each item explains two lists' matches in about 800 characters of HTML
                # as the project counts them: eight parts of at most 4,096, not 40.
                assert 1 < len(parts) <= 10, [p.text[:80] for p in parts]
                heading = "🔔 40 new articles in Border (personal), TRIPP"
                for i, part in enumerate(parts, start=1):
                    marker = f" ({i}/{len(parts)})" if len(parts) > 1 else ""
                    assert part.text.splitlines()[0] == heading + marker
                    assert part.parse_mode == "HTML"
                text = "\n".join(p.text for p in parts)
                # The feed lists the newest first; the alert keeps the feed's order.
                shown = [int(line.split()[-1]) for line in text.splitlines() if "round" in line]
                assert shown == list(range(40, 0, -1))
                assert "<b>TRIPP</b>" in (parts[0].html or "")
                assert "<b>customs posts</b>" in (parts[0].html or "")
                assert [r.kind for r in b.store.outbox.sent_to(ANN)[-len(parts) :]] == [
                    "alert"
                ] * len(parts)

                [lone] = fake.messages_to(BOB)[replies[BOB] :]
                assert lone.text.startswith("🔔 New in Middle Corridor\nRoute talks, round 40")
                assert "Border" not in lone.text, "a personal list alerts its owner only"
                assert len(fake.messages_to(CAT)) == replies[CAT], "daily only: no alert"

        asyncio.run(scenario())
