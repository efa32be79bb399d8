"""Articles possibly about a list, end to end: the real bot polls the loopback feed, the
"possibly about" tier reads what is new, and chats hear of it through the fake Bot API in
the daily digest, and at once when they asked for it with /aboutalerts."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.aboutness import PossiblyAbout
from bot.domain.models import Article, Watchlist
from tests.about_lists import give_tripp_about, transit_strip_item
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN, BOB = 4242, 4343
OLD_ITEM = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
NAMED_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the <em>Trump Route for International Peace and "
    "Prosperity</em> (TRIPP) across Syunik.</p>",
    NOW - timedelta(hours=1),
)
PARAPHRASE_ITEM = transit_strip_item("9003", NOW - timedelta(minutes=30))


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    give_tripp_about(config.watchlists.dir)
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


def test_an_article_discussing_tripp_unnamed_alerts_those_who_asked_and_is_in_every_digest(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                await b.poll()  # the back catalogue
                for chat in (ANN, BOB):
                    await b.send("/subscribe TRIPP", user_id=chat)
                [on] = await b.send("/aboutalerts tripp on", user_id=ANN)
                assert "Possibly-about alerts for TRIPP are on" in on.text
                [subs] = await b.send("/mysubs", user_id=ANN)
                assert "TRIPP (+ possibly-about alerts)" in subs.text
                [subs] = await b.send("/mysubs", user_id=BOB)
                assert "possibly-about" not in subs.text, "off by default"
                sent = {chat: len(fake.messages_to(chat)) for chat in (ANN, BOB)}

                feeds.publish("/a.feed", rss([PARAPHRASE_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()

                [alert] = fake.messages_to(ANN)[sent[ANN] :]
                lines = alert.text.splitlines()
                assert lines[0] == "🔎 Possibly about TRIPP"
                assert lines[1] == "Syunik Prepares for American Operators"
                assert "close to what TRIPP is about" in alert.text
                assert "Nakhchivan exclave" in alert.text, "the closest passage is shown"
                # Quoted, unless the lead (now in every alert) already shows it.
                assert "<blockquote>" in (alert.html or "") or "as its lead shows" in alert.text
                assert fake.messages_to(BOB)[sent[BOB] :] == [], "BOB did not ask for these"

                clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                for chat in (ANN, BOB):
                    [digest] = fake.messages_to(chat)[-1:]
                    text = digest.text
                    assert "Possibly about TRIPP" in text
                    assert "Syunik Prepares for American Operators" in text
                    assert "close to what TRIPP is about" in text
                    assert "Nakhchivan exclave" in text
                    assert "No new articles matched" in text, "nothing named TRIPP"

        asyncio.run(scenario())


def test_an_article_that_names_tripp_is_never_also_possibly_about_it(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    named_and_discussing = (
        "9004",
        "TRIPP, One Year On",
        "<p>The Trump Route for International Peace and Prosperity (TRIPP) is a year old.</p>"
        + PARAPHRASE_ITEM[2],
        NOW - timedelta(minutes=20),
    )
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/aboutalerts TRIPP on", user_id=ANN)
                sent = len(fake.messages_to(ANN))
                feeds.publish("/a.feed", rss([named_and_discussing, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(ANN)[sent:]
                assert alert.text.startswith("🔔 New in TRIPP\nTRIPP, One Year On")

                clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
                await b.digest_tick()
                assert await b.outbox_settled()
                [digest] = fake.messages_to(ANN)[-1:]
                assert "TRIPP, One Year On" in digest.text
                assert "Possibly about" not in digest.text

        asyncio.run(scenario())


async def _tier_crashes(
    articles: Sequence[Article], lists: Sequence[Watchlist], named: Mapping[str, frozenset[str]]
) -> list[PossiblyAbout]:
    raise RuntimeError("the embedder's child died")


def test_a_failing_tier_holds_back_no_named_alert_and_what_it_missed_is_read_when_it_is_back(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/aboutalerts TRIPP on", user_id=ANN)
                sent = len(fake.messages_to(ANN))
                tier = b.runner.service.about_tier
                b.runner.service.about_tier = _tier_crashes
                feeds.publish("/a.feed", rss([NAMED_ITEM, PARAPHRASE_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(ANN)[sent:]
                assert alert.text.startswith("🔔 New in TRIPP\nIran Watches the New Route")
                assert b.store.article_count() == 3, "both new articles stored all the same"

                # The tier back: a later article is read as usual, and so is the one
                # the failed reading missed (read within minutes: it alerts as it would
                # have).
                b.runner.service.about_tier = tier
                later = transit_strip_item("9005", NOW + timedelta(minutes=3))
                feeds.publish("/a.feed", rss([later, NAMED_ITEM, PARAPHRASE_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=4))
                await b.poll()
                assert await b.outbox_settled()
                [about] = fake.messages_to(ANN)[sent + 1 :]
                assert about.text.startswith("🔎 2 articles possibly about TRIPP")
                assert not b.store.about.owes()

        asyncio.run(scenario())


def test_aboutalerts_explains_itself_and_refuses_what_it_cannot_do(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                [r] = await b.send("/aboutalerts", user_id=ANN)
                assert "Possibly about" in r.text and "On for: no list" in r.text
                [r] = await b.send("/aboutalerts TRIPP on", user_id=ANN)
                assert r.text.startswith("Follow TRIPP first (/subscribe TRIPP)")
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/subscribe Middle Corridor", user_id=ANN)
                [r] = await b.send("/aboutalerts Middle Corridor on", user_id=ANN)
                assert "Middle Corridor does not say what it is about" in r.text
                [r] = await b.send("/aboutalerts trip", user_id=ANN)
                assert "are off" in r.text, "without on or off: which it is"
                [r] = await b.send("/aboutalerts Zangezur on", user_id=ANN)
                assert "I know no watchlist called" in r.text
                await b.send("/aboutalerts TRIPP on", user_id=ANN)
                [r] = await b.send("/aboutalerts", user_id=ANN)
                assert "On for: TRIPP." in r.text
                [r] = await b.send("/aboutalerts TRIPP off", user_id=ANN)
                assert "are off" in r.text
                [subs] = await b.send("/mysubs", user_id=ANN)
                assert "possibly-about alerts)" not in subs.text

        asyncio.run(scenario())


def test_several_articles_possibly_about_tripp_in_one_poll_come_as_one_combined_alert(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    items = [transit_strip_item(str(9100 + n), NOW - timedelta(minutes=n)) for n in (1, 2, 3)]
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ANN)
                await b.send("/aboutalerts TRIPP on", user_id=ANN)
                sent = len(fake.messages_to(ANN))
                feeds.publish("/a.feed", rss([*items, NAMED_ITEM, OLD_ITEM]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                named, about = fake.messages_to(ANN)[sent:]
                assert named.text.startswith("🔔 New in TRIPP\nIran Watches the New Route")
                assert about.text.splitlines()[0] == "🔎 3 articles possibly about TRIPP"
                assert about.text.count("Syunik Prepares for American Operators") == 3

                # The same poll again: nothing is new, nothing is sent twice.
                clock.set(NOW + timedelta(minutes=4))
                await b.poll()
                assert await b.outbox_settled()
                assert len(fake.messages_to(ANN)) == sent + 2

        asyncio.run(scenario())


def test_in_a_group_only_its_admins_turn_possibly_about_alerts_on(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    group, boss, member = -100888, 31, 32
    fake.set_chat_member(group, boss, "administrator")
    fake.set_chat_member(group, member, "member")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD_ITEM]))

        async def scenario() -> None:
            async with bot(tmp_path, fake, feeds, clock) as b:
                common = {"chat_id": group, "chat_type": "supergroup"}
                await b.send("/subscribe TRIPP", user_id=boss, **common)
                [r] = await b.send("/aboutalerts TRIPP on", user_id=member, **common)
                assert "Only this group's admins" in r.text
                [r] = await b.send("/aboutalerts TRIPP", user_id=member, **common)
                assert "are off" in r.text, "anyone may ask which it is"
                [r] = await b.send("/aboutalerts TRIPP on", user_id=boss, **common)
                assert "are on" in r.text
                assert b.store.chats.get(group).about_alerts == ("TRIPP",)

        asyncio.run(scenario())
