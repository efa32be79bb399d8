"""Schedules and quiet hours through Telegram: /schedule and its buttons (also reached
from /mysubs), quiet hours holding alerts until they end, a mode per list, and
/timezone reading "EST" and "UTC+4". Real PTB against the fake Bot API, real store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.messages.screens import SCHEDULE_DATA
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.feed_server import FeedServer

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # a Monday
ANN = 4242
OLD = ("o1", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW - timedelta(days=30))


def item(n: int, title: str, body: str, at: datetime) -> tuple[str, str, str, datetime]:
    return (f"n{n}", title, f"<p>{body}</p>", at)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


async def press(b: BotUnderTest, message: SentMessage, data: str) -> str:
    """Press a button under ``message``; its text once the bot has edited it."""
    edits = len(b.fake.edits)
    b.fake.user_presses(message, data)
    assert await b.wait(lambda: len(b.fake.edits) > edits)
    now = b.fake.message(message.chat_id, message.message_id)
    assert now is not None
    return str(now["text"])


def test_schedule_buttons_change_the_days_and_quiet_hours_and_mysubs_shows_them(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            [subs] = await b.send("/mysubs", user_id=ANN)
            assert "daily digest" in subs.text
            shown = await press(b, subs, SCHEDULE_DATA)
            assert "/schedule weekly fri" in shown
            weekly = await press(b, subs, "sch:d:fri")
            assert "weekly digest at 08:00 UTC on Fridays" in weekly
            assert "Next digest: Fri 11 Dec 08:00 UTC" in weekly
            quiet = await press(b, subs, "sch:q:22:00-07:00")
            assert "Quiet hours 22:00–07:00" in quiet
            [subs] = await b.send("/mysubs", user_id=ANN)
            assert "on Fridays" in subs.text and "Quiet hours 22:00–07:00" in subs.text
            [r] = await b.send("/schedule weekdays 7:30", user_id=ANN)
            assert "digest at 07:30 UTC on weekdays" in r.text
            assert "Next digest: Tue 8 Dec 07:30 UTC" in r.text
            [r] = await b.send("/schedule quiet off", user_id=ANN)
            assert "Quiet hours" not in r.text
            [r] = await b.send("/schedule fortnightly", user_id=ANN)
            assert r.text.startswith("Say daily, weekdays, or weekly") and "/schedule" in r.text
            [r] = await b.send("/schedule repeats off", user_id=ANN)
            assert "leaves out what came as an instant alert" in r.text
            answered = len(fake.callback_answers)
            fake.user_presses(r, "sch:x", forged=True)
            assert await b.wait(lambda: len(fake.callback_answers) > answered)
            assert "out of date" in (fake.callback_answers[-1].text or "")

    asyncio.run(scenario())


def test_alerts_in_quiet_hours_wait_and_come_as_one_message_when_they_end(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    night = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    morning = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            [r] = await b.send("/schedule quiet 22:00-07:00", user_id=ANN)
            assert "Quiet hours 22:00–07:00" in r.text
            before = len(fake.messages_to(ANN))
            clock.set(night)
            feeds.publish(
                "/a.feed",
                rss(
                    [
                        item(1, "Iran and the New Route", "Tehran and the TRIPP.", night),
                        item(2, "Syunik Roads", "More on the TRIPP corridor.", night),
                        OLD,
                    ]
                ),
            )
            await b.poll()
            await b.outbox_settled()
            assert len(fake.messages_to(ANN)) == before, "nothing in the night"
            clock.set(morning - timedelta(minutes=1))
            await b.digest_tick()
            await b.outbox_settled()
            assert len(fake.messages_to(ANN)) == before
            clock.set(morning)
            await b.digest_tick()
            [held] = (await b.messages(ANN, before + 1))[before:]
            assert "Iran and the New Route" in held.text and "Syunik Roads" in held.text
            assert held.text.startswith("🌙 Held during your quiet hours (22:00–07:00):")
            await b.digest_tick()
            await b.outbox_settled()
            assert len(fake.messages_to(ANN)) == before + 1, "sent once"

    asyncio.run(scenario())


def test_a_list_can_have_its_own_mode_and_mode_alone_stays_the_chats(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            await b.send("/subscribe middle corridor", user_id=ANN)
            [r] = await b.send("/mode middle corridor daily", user_id=ANN)
            assert "Middle Corridor: digest only" in r.text
            assert "• Middle Corridor — digest only" in r.text
            [r] = await b.send("/mode instant", user_id=ANN)
            assert "instant alerts only" in r.text
            [r] = await b.send("/mysubs", user_id=ANN)
            assert "• Middle Corridor — digest only" in r.text and "Next digest" in r.text
            [r] = await b.send("/mode middle corridor default", user_id=ANN)
            assert "goes by this chat's mode again" in r.text
            [r] = await b.send("/mode atlantis daily", user_id=ANN)
            assert "I know no watchlist called" in r.text
            [r] = await b.send("/mode abraham accords daily", user_id=ANN)
            assert "Follow" in r.text and "first" in r.text
            [r] = await b.send("/mode sometimes", user_id=ANN)
            assert "is not a mode" in r.text

    asyncio.run(scenario())


def test_timezone_takes_est_for_new_york_and_utc_plus_four_for_a_fixed_offset(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            [r] = await b.send("/timezone EST", user_id=ANN)
            assert "I read “EST” as America/New_York" in r.text
            assert "08:00 America/New_York" in r.text
            [r] = await b.send("/timezone UTC+4", user_id=ANN)
            assert "as a fixed UTC+4 all year (Etc/GMT-4" in r.text
            assert "08:00 UTC+4" in r.text and "Next digest: Tue 8 Dec 08:00 UTC+4" in r.text
            [r] = await b.send("/timezone Asia/Baku", user_id=ANN)
            assert "I read" not in r.text
            assert "Next digest: Tue 8 Dec 08:00 Baku" in r.text and "+04" not in r.text

    asyncio.run(scenario())


def test_help_stays_short_with_schedule_in_it(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [r] = await b.send("/help", user_id=ANN)
            assert "/schedule" in r.text and len(r.text) < 1_000

    asyncio.run(scenario())
