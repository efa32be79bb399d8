"""Nothing the "possibly about" tier should read is lost, end to end: the real bot (the
real tier's child) against the loopback feed and the fake Bot API. An article stored
when the bot died before the tier read it (or the tier's child failed) is read after
the next start; a failing tier pauses rather than spins; an edit of a list's `about`
has the recent articles read again in the background, into the digest, alerting no one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.config import Config
from bot.domain.aboutness import PossiblyAbout
from bot.domain.models import Article, Watchlist
from bot.semantic.about_child import AboutTierFailed
from tests.about_lists import give_tripp_about, transit_strip_item
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242
OLD_ITEM = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
PARAPHRASE_ITEM = transit_strip_item("9003", NOW - timedelta(minutes=30))
TITLE = PARAPHRASE_ITEM[1]


def config_for(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, *, about: bool = True
) -> Config:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    if about:
        give_tripp_about(config.watchlists.dir)
    return config


def bot(config: Config, fake: FakeTelegram, clock: Clock) -> BotUnderTest:
    return BotUnderTest(
        replace(config, telegram=replace(config.telegram, api_url=fake.api_url)),
        fake,
        clock,
        pacer=fast_pacer(),
    )


async def _child_killed(
    articles: Sequence[Article], lists: Sequence[Watchlist], named: Mapping[str, frozenset[str]]
) -> list[PossiblyAbout]:
    raise AboutTierFailed("status=failed articles=1 reason='killed by SIGKILL'")


async def stored_but_never_read(
    config: Config, fake: FakeTelegram, feeds: FeedServer, clock: Clock
) -> int:
    """A bot follows TRIPP for ANN with possibly-about alerts on, stores the paraphrase,
    and stops before the tier has read it (the tier's child dies: as a kill -9 of the bot
    right after the poll's commit leaves it). Returns how many messages ANN had."""
    async with bot(config, fake, clock) as b:
        await b.poll()  # the back catalogue
        await b.send("/subscribe TRIPP", user_id=ANN)
        await b.send("/aboutalerts TRIPP on", user_id=ANN)
        b.runner.service.about_tier = _child_killed
        feeds.publish("/a.feed", rss([PARAPHRASE_ITEM, OLD_ITEM]))
        clock.set(NOW + timedelta(minutes=2))
        await b.poll()
        assert await b.outbox_settled()
        assert b.store.article_count() == 2
        assert b.store.about.owes(), "the paraphrase is owed a reading"
        return len(fake.messages_to(ANN))


def test_an_article_stored_before_a_crash_is_read_at_the_next_start_and_alerts_if_soon(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds)

        async def scenario() -> None:
            sent = await stored_but_never_read(config, fake, feeds, clock)
            clock.set(NOW + timedelta(minutes=5))
            async with bot(config, fake, clock) as b:  # restarted, the real tier again
                await b.poll()  # the first poll after start: the feed has nothing new
                assert await b.outbox_settled()
                [alert] = fake.messages_to(ANN)[sent:]
                assert alert.text.splitlines()[:2] == ["🔎 Possibly about TRIPP", TITLE]
                assert not b.store.about.owes()

                await b.poll()
                assert await b.outbox_settled()
                assert len(fake.messages_to(ANN)) == sent + 1, "read once, alerted once"
                clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                [digest] = fake.messages_to(ANN)[-1:]
                assert "Possibly about TRIPP" in digest.text and TITLE in digest.text

        asyncio.run(scenario())


def test_an_article_read_days_late_is_in_the_digest_but_alerts_no_one(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds)

        async def scenario() -> None:
            sent = await stored_but_never_read(config, fake, feeds, clock)
            clock.set(NOW + timedelta(days=2))  # down two days; no backfill configured
            async with bot(config, fake, clock) as b:
                await b.poll()
                assert await b.outbox_settled()
                assert not b.store.about.owes()
                assert fake.messages_to(ANN)[sent:] == [], "old news: no alert"
                clock.set(datetime(2026, 11, 29, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                [digest] = fake.messages_to(ANN)[sent:]
                assert "Possibly about TRIPP" in digest.text and TITLE in digest.text

        asyncio.run(scenario())


def test_a_failing_tier_is_tried_again_after_a_growing_pause_and_logged_once(
    tmp_path: Path, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    calls: list[datetime] = []

    async def failing(
        articles: Sequence[Article], lists: Sequence[Watchlist], named: Mapping[str, frozenset[str]]
    ) -> list[PossiblyAbout]:
        calls.append(clock())
        return await _child_killed(articles, lists, named)

    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds)

        async def scenario() -> None:
            async with bot(config, fake, clock) as b:
                await b.poll()
                working = b.runner.service.about_tier
                b.runner.service.about_tier = failing
                feeds.publish("/a.feed", rss([PARAPHRASE_ITEM, OLD_ITEM]))
                with caplog.at_level(logging.INFO, logger="bot.app.possibly_about"):
                    for minutes in (1, 1, 1.5, 2, 3, 4, 5, 6, 7):
                        clock.set(NOW + timedelta(minutes=minutes))
                        await b.poll()
                    assert [c - NOW for c in calls] == [timedelta(minutes=m) for m in (1, 2, 4)], (
                        "after 1, 2, then 4 minutes' pause: never twice in a pause"
                    )
                    assert caplog.text.count("status=failing") == 1
                    assert caplog.text.count("status=failed_alone") == 1
                    b.runner.service.about_tier = working
                    clock.set(NOW + timedelta(minutes=8))
                    await b.poll()
                    assert "status=recovered" in caplog.text
                assert not b.store.about.owes()

        asyncio.run(scenario())


def test_with_the_tier_turned_off_nothing_is_owed(tmp_path: Path, fake: FakeTelegram) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds)
        config = replace(config, about=replace(config.about, enabled=False))

        async def scenario() -> None:
            async with bot(config, fake, clock) as b:
                b.runner.service.about_tier = _child_killed  # would fail if it ran
                await b.poll()
                feeds.publish("/a.feed", rss([PARAPHRASE_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert not b.store.about.owes()
                assert b.store.about.versions() == {}, "no list's about was read"

        asyncio.run(scenario())


def test_an_edit_of_about_has_recent_articles_read_again_in_the_background_into_the_digest(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds, about=False)

        async def scenario() -> None:
            async with bot(config, fake, clock) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                feeds.publish("/a.feed", rss([PARAPHRASE_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert not b.store.about.owes(), "no list has about: nothing to read"

                # TRIPP is given `about` in its file; the bot picks the edit up.
                give_tripp_about(config.watchlists.dir)
                clock.set(NOW + timedelta(minutes=10))
                await b.runner.watchlist_job()
                assert b.store.about.owes()
                await b.send("/aboutalerts TRIPP on", user_id=ANN)
                sent = len(fake.messages_to(ANN))

                # The reading runs while the bot answers everyone.
                reading, go_on = asyncio.Event(), asyncio.Event()
                real = b.runner.service.about_tier

                async def gated(
                    articles: Sequence[Article],
                    lists: Sequence[Watchlist],
                    named: Mapping[str, frozenset[str]],
                ) -> list[PossiblyAbout]:
                    reading.set()
                    await go_on.wait()
                    return await real(articles, lists, named)

                b.runner.service.about_tier = gated
                clock.set(NOW + timedelta(minutes=11))
                poll = asyncio.create_task(b.poll())
                await reading.wait()
                [reply] = await b.send("/mysubs", user_id=ANN)
                assert "TRIPP" in reply.text
                go_on.set()
                await poll
                assert await b.outbox_settled()
                assert not b.store.about.owes()
                assert fake.messages_to(ANN)[sent + 1 :] == [], (
                    "found after an edit: for the digest, no alert (as a re-match)"
                )
                b.runner.service.about_tier = real

                clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                [digest] = fake.messages_to(ANN)[-1:]
                assert "Possibly about TRIPP" in digest.text and TITLE in digest.text

                # Edited again (a neighbour more it must not be confused with): read
                # again, the finding stands, and is not news a second time.
                path = config.watchlists.dir / "tripp.toml"
                path.write_text(
                    path.read_text(encoding="utf-8").replace(
                        "not_about = [", 'not_about = ["The Kars-Gyumri railway.", '
                    ),
                    encoding="utf-8",
                )
                clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
                await b.runner.watchlist_job()
                assert b.store.about.owes()
                await b.poll()
                assert not b.store.about.owes()
                [seen] = b.store.about.found_between(NOW, clock())
                assert seen.article.title == TITLE
                clock.set(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                assert TITLE not in fake.messages_to(ANN)[-1].text

        asyncio.run(scenario())


def test_an_article_the_tier_cannot_read_holds_up_no_other_and_stays_owed(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    poison = ("9002", "A Text That Crashes the Tier", "<p>Whatever it holds.</p>", NOW)
    calls: list[int] = []
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))
        config = config_for(tmp_path, fake, feeds)

        async def scenario() -> None:
            async with bot(config, fake, clock) as b:
                await b.poll()
                real = b.runner.service.about_tier

                async def crashes_on_one(
                    articles: Sequence[Article],
                    lists: Sequence[Watchlist],
                    named: Mapping[str, frozenset[str]],
                ) -> list[PossiblyAbout]:
                    calls.append(len(articles))
                    if any(a.title == poison[1] for a in articles):
                        return await _child_killed(articles, lists, named)
                    return await real(articles, lists, named)

                b.runner.service.about_tier = crashes_on_one
                feeds.publish("/a.feed", rss([poison, PARAPHRASE_ITEM, OLD_ITEM]))
                for minute in range(1, 91):
                    clock.set(NOW + timedelta(minutes=minute))
                    await b.poll()
                [seen] = b.store.about.found_between(NOW, clock())
                assert seen.article.title == TITLE, "read in the end, alone"
                [owed] = b.store.about.owed(10, clock() + timedelta(days=1))
                assert owed.article.title == poison[1], "still owed, never dropped"
                assert calls[:6] == [2, 2, 2, 2, 2, 1], "smaller batches, down to one"
                assert len(calls) < 12, "paused each time: never once a minute"

        asyncio.run(scenario())
