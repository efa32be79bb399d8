"""Replies that say what is true: the day a digest is for, the settings in every mode,
/latest as its own answer, what else arrived, who "you" is in a group, and a list that
is gone. Through real PTB against the fake Bot API, with the real store."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ANN = 4242
GROUP, BOSS = -100555, 77

OLD = ("o1", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW - timedelta(days=30))


def item(n: int, title: str, body: str, hours_ago: float = 1) -> tuple[str, str, str, datetime]:
    return (f"n{n}", title, f"<p>{body}</p>", NOW - timedelta(hours=hours_ago))


TRIPP_A = item(1, "Iran and the New Route", "Tehran objects to the TRIPP across Syunik.")
TRIPP_B = item(2, "Syunik Roads", "The Trump Route for International Peace and Prosperity.")
ABRAHAM = item(3, "Baku and the Gulf", "Azerbaijan and the Abraham Accords.")
MIDDLE_1 = item(4, "Caspian Ports", "Aktau expands for the Middle Corridor.")
MIDDLE_2 = item(5, "Rail via Kars", "The Middle Corridor gains a rail link.", hours_ago=0.5)
PLAIN_1 = item(6, "Cotton in Uzbekistan", "A good harvest.")
PLAIN_2 = item(7, "Elections in Kyrgyzstan", "Turnout was low.")


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


async def publish(b: BotUnderTest, feeds: FeedServer, clock: Clock, *items: object) -> None:
    feeds.publish("/a.feed", rss([*items, OLD]))  # type: ignore[list-item]
    clock.set(clock.now + timedelta(minutes=2))
    await b.poll()


def test_a_days_digest_is_headed_with_that_day_and_says_so_when_empty(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            before = len(fake.messages_to(ANN))
            fake.user_sends("/digest yesterday", user_id=ANN)
            [yesterday] = (await b.messages(ANN, before + 1))[before:]
            assert "6 Dec 2026" in yesterday.text
            assert "7 Dec" not in yesterday.text
            assert "on 6 Dec 2026" in yesterday.text, "an empty day says which day"
            fake.user_sends("/digest 2025-09-02", user_id=ANN)
            [old_day] = (await b.messages(ANN, before + 2))[before + 1 :]
            assert "2 Sep 2025" in old_day.text and "3 Sep" not in old_day.text

    asyncio.run(scenario())


def test_settings_replies_are_true_in_every_mode_and_offer_buttons_when_they_say_tap(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            for command in ("/time 07:30", "/timezone Asia/Tbilisi", "/mode both", "/mysubs"):
                [r] = await b.send(command, user_id=ANN)
                if "tap below" in r.text:
                    assert fake.buttons(r), f"{command}: says tap below, shows no button"
            [r] = await b.send("/mode instant", user_id=ANN)
            assert "instant alerts only, no daily digest" in r.text
            assert "digest comes" not in r.text and "Next digest" not in r.text
            [r] = await b.send("/time 09:15", user_id=ANN)
            assert "09:15" in r.text, "a change is confirmed with its value in every mode"
            assert "Next digest" not in r.text
            [r] = await b.send("/mode off", user_id=ANN)
            assert "nothing (paused)" in r.text
            assert "digest comes" not in r.text and "Next digest" not in r.text
            [r] = await b.send("/time 07:30", user_id=ANN)
            [r] = await b.send("/mode daily", user_id=ANN)
            assert "daily digest only, at <b>07:30</b> Asia/Tbilisi" in (r.html or "")
            assert "Next digest" in r.text

    asyncio.run(scenario())


def test_latest_is_its_own_answer_takes_a_list_and_says_what_it_cannot_do(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            await b.send("/subscribe middle corridor", user_id=ANN)
            await publish(b, feeds, clock, TRIPP_A, TRIPP_B, MIDDLE_1, MIDDLE_2)
            await b.outbox_settled()

            async def ask(text: str) -> str:
                before = len(fake.messages_to(ANN))
                fake.user_sends(text, user_id=ANN)
                got = await b.messages(ANN, before + 1)
                return got[-1].text

            latest = await ask("/latest")
            assert latest.startswith("📰 Latest matching articles")
            assert "CACI Analyst digest" not in latest and "Feeds" not in latest
            only_tripp = await ask("/latest tripp 5")
            assert "Iran and the New Route" in only_tripp and "Syunik Roads" in only_tripp
            assert "Caspian Ports" not in only_tripp
            one = await ask("/latest middle corridor 1")
            assert one.count("Middle Corridor") >= 1 and "Rail via Kars" in one
            assert "Caspian Ports" not in one, "newest first, one article"
            assert "1 to 20" in await ask("/latest 0")
            capped = await ask("/latest 50")
            assert "at most 20" in capped

    asyncio.run(scenario())


def test_a_group_following_one_list_hears_what_matched_other_lists_apart_from_nothing(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    fake.set_chat_member(GROUP, BOSS, "administrator")
    group = {"chat_id": GROUP, "chat_type": "supergroup"}

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            [r] = await b.send("/subscribe tripp", user_id=BOSS, **group)
            assert "will reach this group" in r.text and "reach you" not in r.text
            [r] = await b.send("/mysubs", user_id=BOSS, **group)
            assert "This group's subscriptions" in r.text and "Your" not in r.text
            assert "This group gets" in r.text
            await b.send("/mode daily", user_id=BOSS, **group)
            await publish(b, feeds, clock, TRIPP_A, ABRAHAM, MIDDLE_1, MIDDLE_2, PLAIN_1, PLAIN_2)
            before = len(fake.messages_to(GROUP))
            fake.user_sends("/digest", user_id=BOSS, **group)
            [digest] = (await b.messages(GROUP, before + 1))[before:]
            assert "Iran and the New Route" in digest.text
            # The two plain articles and the back catalogue's one matched no list; the
            # Abraham Accords and two Middle Corridor articles matched lists not followed.
            assert (
                "3 other new articles matched no watchlist; "
                "3 matched only watchlists not followed here."
            ) in digest.text

    asyncio.run(scenario())


def test_a_list_deleted_while_the_bot_runs_cannot_be_followed_from_an_old_button(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            [screen] = await b.send("/watchlists", user_id=ANN)
            tripp = next(data for label, data in fake.buttons(screen) if "TRIPP" in label)
            (tmp_path / "watchlists" / "tripp.toml").unlink()
            fake.user_presses(screen, tripp, user_id=ANN)
            assert await b.wait(lambda: len(fake.callback_answers) == 1)
            assert "no longer exists" in (fake.callback_answers[0].text or "")
            assert b.store.chats.get(ANN).watchlists == ()
            assert await b.wait(
                lambda: not any("TRIPP" in label for label, _ in fake.buttons(screen))
            ), "the stale button is replaced by the lists in force"

    asyncio.run(scenario())


def test_someone_left_following_a_list_another_process_removed_is_told_it_is_gone(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe abraham", user_id=ANN)
            # The CLI removed the list and told its followers; in the minute before this
            # bot noticed, Ann followed it again from an old button.
            store = b.store
            with store.transaction():
                store.save_watchlist_fingerprints(
                    {
                        name: fp
                        for name, fp in store.watchlist_fingerprints().items()
                        if name != "Abraham Accords"
                    },
                    clock.now,
                )
            (tmp_path / "watchlists" / "abraham-accords.toml").unlink()
            before = len(fake.messages_to(ANN))
            await b.runner.watchlist_job()
            [told] = (await b.messages(ANN, before + 1))[before:]
            assert "Abraham Accords" in told.text
            assert b.store.chats.get(ANN).watchlists == ()

    asyncio.run(scenario())
