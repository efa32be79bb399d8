"""Digests follow routes, end to end through the real bot and the fake Bot API: a
group's list routed to a forum topic gets its digest there and the group's own digest
leaves it out; two chats routing one list to a channel put one digest there; a channel
lost falls back as alerts do."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bot_harness import (
    ADMIN_ID,
    TOKEN,
    BotUnderTest,
    Clock,
    chat_limits_lifted_pacer,
    make_config,
)
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DIGEST_DAY = datetime(2026, 11, 27, 8, 0, 30, tzinfo=UTC)
FORUM, TOPIC = -1005001, 77
CHANNEL = -1009001
GROUP_ADMIN, OTHER_ADMIN = 4242, 4444
OLD = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
TRIPP = (
    "9101",
    "Route story on Meghri",
    "<p>Yerevan and Baku discussed the TRIPP crossing at Meghri once more.</p>",
    NOW - timedelta(minutes=60),
)
CORRIDOR = (
    "9102",
    "Caspian shipping story",
    "<p>Kazakhstan widened its ports on the Middle Corridor again.</p>",
    NOW - timedelta(minutes=50),
)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None, group_per_minute=None) as server:
        yield server


def in_forum(**kw: object) -> dict[str, object]:
    return {"chat_id": FORUM, "chat_type": "supergroup", "chat_title": "Analysts", **kw}


def digests(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in fake.messages_to(chat_id) if "CACI Analyst digest" in m.text]


def test_a_list_routed_to_a_topic_gets_its_digest_there_and_the_group_digest_leaves_it_out(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(FORUM, chat_type="supergroup", title="Analysts", is_forum=True)
    fake.add_topic(FORUM, TOPIC)
    fake.set_chat_member(FORUM, GROUP_ADMIN, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=GROUP_ADMIN, **in_forum())
                await b.send("/subscribe Middle Corridor", user_id=GROUP_ADMIN, **in_forum())
                await b.send("/route tripp here", user_id=GROUP_ADMIN, **in_forum(thread_id=TOPIC))
                feeds.publish("/a.feed", rss([TRIPP, CORRIDOR, OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                before = len(fake.messages_to(FORUM))

                clock.set(DIGEST_DAY)
                await b.digest_tick()
                assert await b.outbox_settled()
                made = fake.messages_to(FORUM)[before:]
                [topic] = [m for m in made if m.params.get("message_thread_id") == TOPIC]
                [general] = [m for m in made if "message_thread_id" not in m.params]
                assert "CACI Analyst digest" in topic.text
                assert "Route story on Meghri" in topic.text
                assert "Caspian shipping story" not in topic.text
                assert "CACI Analyst digest" in general.text
                assert "Caspian shipping story" in general.text
                assert "Route story on Meghri" not in general.text

                # The tick again, and the next minute: the day's digests are made.
                await b.digest_tick()
                clock.set(DIGEST_DAY + timedelta(minutes=1))
                await b.digest_tick()
                assert await b.outbox_settled()
                assert len(fake.messages_to(FORUM)) == before + 2

        asyncio.run(scenario())


def test_two_chats_routing_a_list_to_a_channel_put_one_digest_there_and_a_lost_channel_falls_back(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(CHANNEL, chat_type="channel", title="CACI news", username="caci_news")
    fake.set_chat_member(CHANNEL, fake.bot_id, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(
            tmp_path,
            api_url=fake.api_url,
            feed_urls=[feeds.url("/a.feed")],
            admins=(ADMIN_ID, OTHER_ADMIN),
        )

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.poll()
                for user in (ADMIN_ID, OTHER_ADMIN):
                    await b.send("/subscribe TRIPP", user_id=user)
                    await b.send("/subscribe Middle Corridor", user_id=user)
                    await b.send("/mode daily", user_id=user)
                    [done] = await b.send("/route tripp @caci_news", user_id=user)
                    assert "the channel CACI news" in done.text
                feeds.publish("/a.feed", rss([TRIPP, CORRIDOR, OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                mine = {u: len(fake.messages_to(u)) for u in (ADMIN_ID, OTHER_ADMIN)}

                clock.set(DIGEST_DAY)
                await b.digest_tick()
                assert await b.outbox_settled()
                [posted] = fake.messages_to(CHANNEL)
                assert "Route story on Meghri" in posted.text
                assert "Caspian shipping story" not in posted.text
                assert posted.reply_markup is None
                assert "matched this channel's watchlists" in posted.text
                for user in (ADMIN_ID, OTHER_ADMIN):
                    [own] = fake.messages_to(user)[mine[user] :]
                    assert "Caspian shipping story" in own.text
                    assert "Route story on Meghri" not in own.text

                # The next day the channel is gone: its digest goes to a chat that
                # routed there, and both are told their route is dropped.
                fake.remove_from_channel(CHANNEL)
                mine = {u: len(fake.messages_to(u)) for u in (ADMIN_ID, OTHER_ADMIN)}
                clock.set(DIGEST_DAY + timedelta(days=1))
                await b.digest_tick()
                assert await b.outbox_settled()
                assert len(fake.messages_to(CHANNEL)) == 1
                assert b.store.routes.all() == []
                got = {u: fake.messages_to(u)[mine[u] :] for u in (ADMIN_ID, OTHER_ADMIN)}
                for user in (ADMIN_ID, OTHER_ADMIN):
                    assert any("can no longer post" in m.text for m in got[user])
                fallen = [
                    m
                    for u in (ADMIN_ID, OTHER_ADMIN)
                    for m in got[u]
                    if "CACI Analyst digest" in m.text and "No new articles matched" in m.text
                ]
                # Each chat's own digest, and the channel's one where it fell back.
                assert len(fallen) == 3

        asyncio.run(scenario())


def test_alerts_held_in_quiet_hours_are_released_to_the_topic_their_list_is_routed_to(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(FORUM, chat_type="supergroup", title="Analysts", is_forum=True)
    fake.add_topic(FORUM, TOPIC)
    fake.set_chat_member(FORUM, GROUP_ADMIN, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=GROUP_ADMIN, **in_forum())
                await b.send("/subscribe Middle Corridor", user_id=GROUP_ADMIN, **in_forum())
                await b.send("/route tripp here", user_id=GROUP_ADMIN, **in_forum(thread_id=TOPIC))
                [quiet] = await b.send(
                    "/schedule quiet 11:00-13:00", user_id=GROUP_ADMIN, **in_forum()
                )
                assert "13:00" in quiet.text
                assert await b.outbox_settled()
                before = len(fake.messages_to(FORUM))
                feeds.publish("/a.feed", rss([TRIPP, CORRIDOR, OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                assert len(fake.messages_to(FORUM)) == before  # held

                clock.set(NOW + timedelta(hours=1, seconds=30))
                await b.digest_tick()
                assert await b.outbox_settled()
                made = fake.messages_to(FORUM)[before:]
                [topic] = [m for m in made if m.params.get("message_thread_id") == TOPIC]
                [general] = [m for m in made if "message_thread_id" not in m.params]
                assert "Route story on Meghri" in topic.text
                assert "Caspian shipping story" not in topic.text
                assert "Caspian shipping story" in general.text
                assert "Route story on Meghri" not in general.text

        asyncio.run(scenario())


def test_a_routed_list_without_repeats_gets_what_quiet_hours_held_in_its_topic_digest(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(FORUM, chat_type="supergroup", title="Analysts", is_forum=True)
    fake.add_topic(FORUM, TOPIC)
    fake.set_chat_member(FORUM, GROUP_ADMIN, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.poll()
                for command in ("/subscribe TRIPP", "/subscribe Middle Corridor"):
                    await b.send(command, user_id=GROUP_ADMIN, **in_forum())
                await b.send("/route tripp here", user_id=GROUP_ADMIN, **in_forum(thread_id=TOPIC))
                # Alerts only (the digest leaves out what came as an alert), held from
                # 11:00 to 08:30: the 08:00 digest takes what they held.
                for command in ("/schedule repeats off", "/schedule quiet 11:00-08:30"):
                    await b.send(command, user_id=GROUP_ADMIN, **in_forum())
                assert await b.outbox_settled()
                before = len(fake.messages_to(FORUM))
                feeds.publish("/a.feed", rss([TRIPP, CORRIDOR, OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                assert len(fake.messages_to(FORUM)) == before  # held

                clock.set(DIGEST_DAY)
                await b.digest_tick()
                clock.set(DIGEST_DAY + timedelta(hours=1))
                await b.digest_tick()
                assert await b.outbox_settled()
                made = fake.messages_to(FORUM)[before:]
                [topic] = [m for m in made if m.params.get("message_thread_id") == TOPIC]
                [general] = [m for m in made if "message_thread_id" not in m.params]
                assert "CACI Analyst digest" in topic.text
                assert "Route story on Meghri" in topic.text
                assert "Caspian shipping story" not in topic.text
                assert "Caspian shipping story" in general.text
                assert "Route story on Meghri" not in general.text

        asyncio.run(scenario())
