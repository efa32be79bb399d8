"""Routing end to end, through the real bot and the fake Bot API: a group's list sent to
a forum topic, a subscriber's list posted in a channel; who may set a route; a topic
deleted or a channel that removed the bot, and the alerts falling back, none lost."""

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
FORUM, TOPIC = -1005001, 77
CHANNEL = -1009001
GROUP_ADMIN, MEMBER = 4242, 4343
OLD = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
TRIPP = "Yerevan and Baku discussed the TRIPP crossing at Meghri once more."


def item(n: int, body: str = TRIPP) -> tuple[str, str, str, datetime]:
    return (str(9100 + n), f"Route story {n}", f"<p>{body}</p>", NOW - timedelta(minutes=60))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    # Telegram's 20 a minute in a group would make these tests wait a minute; the
    # pacing of a routed message by its target chat is tests/delivery's.
    with FakeTelegram(token=TOKEN, private_per_second=None, group_per_minute=None) as server:
        yield server


def in_forum(**kw: object) -> dict[str, object]:
    return {"chat_id": FORUM, "chat_type": "supergroup", "chat_title": "Analysts", **kw}


def test_a_group_admin_routes_a_list_to_a_topic_and_a_deleted_topic_falls_back(
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
                # Group admins find it in their menu (in groups); everyone else does not.
                menu = fake.commands_for({"type": "all_chat_administrators"})
                assert "route" in [name for name, _ in menu]
                assert "route" not in [name for name, _ in fake.commands_for()]
                await b.send("/subscribe TRIPP", user_id=GROUP_ADMIN, **in_forum())
                [refused] = await b.send(
                    "/route tripp here", user_id=MEMBER, **in_forum(thread_id=TOPIC)
                )
                assert "Only this group's admins" in refused.text
                [outside] = await b.send("/route tripp here", user_id=GROUP_ADMIN, **in_forum())
                assert "inside the forum topic" in outside.text
                [done] = await b.send(
                    "/route tripp here", user_id=GROUP_ADMIN, **in_forum(thread_id=TOPIC)
                )
                assert "TRIPP's alerts and digest now go to topic 77" in done.text
                [mysubs] = await b.send("/mysubs", user_id=GROUP_ADMIN, **in_forum())
                assert "TRIPP → topic 77" in mysubs.text
                [usage] = await b.send("/route", user_id=MEMBER, **in_forum())
                assert "TRIPP → topic 77" in usage.text and "/route LIST here" in usage.text

                before = len(fake.messages_to(FORUM))
                feeds.publish("/a.feed", rss([item(1), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [alert] = fake.messages_to(FORUM)[before:]
                assert "Route story 1" in alert.text
                assert alert.params.get("message_thread_id") == TOPIC
                # The topic is part of the group, the subscriber: the buttons work there.
                assert any(label.startswith("👍") for label, _ in fake.buttons(alert))

                fake.delete_topic(FORUM, TOPIC)
                feeds.publish("/a.feed", rss([item(2), item(1), OLD]))
                clock.set(NOW + timedelta(minutes=4))
                await b.poll()
                assert await b.outbox_settled()
                after = fake.messages_to(FORUM)[before + 1 :]
                assert len(after) == 2
                story = next(m for m in after if "Route story 2" in m.text)
                notice = next(m for m in after if "topic 77" in m.text)
                assert "message_thread_id" not in story.params
                assert "is gone" in notice.text and "nothing was lost" in notice.text
                assert b.store.routes.of_chat(FORUM) == []

        asyncio.run(scenario())


def test_a_bot_admin_routes_a_list_to_a_channel_which_then_removes_the_bot(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(CHANNEL, chat_type="channel", title="CACI news", username="caci_news")
    fake.add_chat(-1009002, chat_type="channel", title="Elsewhere", username="elsewhere")
    fake.set_chat_member(CHANNEL, fake.bot_id, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.poll()
                await b.send("/subscribe TRIPP", user_id=ADMIN_ID)
                await b.send("/subscribe TRIPP", user_id=MEMBER)
                [refused] = await b.send("/route tripp @caci_news", user_id=MEMBER)
                assert "Only the bot's admins" in refused.text
                [not_admin] = await b.send("/route tripp @elsewhere", user_id=ADMIN_ID)
                assert "not an admin of that channel" in not_admin.text
                [unknown] = await b.send("/route tripp @nobody_here", user_id=ADMIN_ID)
                assert "knows no channel" in unknown.text
                [done] = await b.send("/route tripp @caci_news", user_id=ADMIN_ID)
                assert "the channel CACI news" in done.text
                assert "no 👍 / 👎 / mute buttons" in done.text
                shown = await b.send("/showlist tripp", user_id=ADMIN_ID)
                assert any(f"chat {ADMIN_ID} → CACI news" in m.text for m in shown)

                mine = len(fake.messages_to(ADMIN_ID))
                feeds.publish("/a.feed", rss([item(1), OLD]))
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert await b.outbox_settled()
                [posted] = fake.messages_to(CHANNEL)
                assert "Route story 1" in posted.text
                assert posted.reply_markup is None  # no buttons in a channel
                assert len(fake.messages_to(ADMIN_ID)) == mine  # not twice
                # Another follower's subscription is its own: not routed.
                assert any("Route story 1" in m.text for m in fake.messages_to(MEMBER))

                fake.remove_from_channel(CHANNEL)
                feeds.publish("/a.feed", rss([item(2), item(1), OLD]))
                clock.set(NOW + timedelta(minutes=4))
                await b.poll()
                assert await b.outbox_settled()
                back = fake.messages_to(ADMIN_ID)[mine:]
                assert any("Route story 2" in m.text for m in back)
                notice = next(m for m in back if "can no longer post" in m.text)
                assert "CACI news" in notice.text and "nothing was lost" in notice.text
                assert len(fake.messages_to(CHANNEL)) == 1
                assert b.store.routes.of_chat(ADMIN_ID) == []
                [off] = await b.send("/route tripp off", user_id=ADMIN_ID)
                assert "was not routed" in off.text

        asyncio.run(scenario())


def test_a_channel_that_tells_the_bot_it_was_removed_sends_its_routes_back_at_once(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    clock = Clock(NOW)
    fake.add_chat(CHANNEL, chat_type="channel", title="CACI news", username="caci_news")
    fake.set_chat_member(CHANNEL, fake.bot_id, "administrator")
    with FeedServer() as feeds:
        feeds.serve_feed("/a.feed", rss([OLD]))
        config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

        async def scenario() -> None:
            async with BotUnderTest(config, fake, clock, pacer=chat_limits_lifted_pacer()) as b:
                await b.send("/subscribe TRIPP", user_id=ADMIN_ID)
                [done] = await b.send(f"/route tripp {CHANNEL}", user_id=ADMIN_ID)
                assert "the channel CACI news" in done.text
                mine = len(fake.messages_to(ADMIN_ID))
                fake.kick_bot(CHANNEL, by_user_id=GROUP_ADMIN)
                await b.messages(ADMIN_ID, mine + 1)
                notice = fake.messages_to(ADMIN_ID)[mine]
                assert "can no longer post in the channel CACI news" in notice.text
                assert await b.until(lambda: b.store.routes.all() == [])
                # A channel is never a subscriber: no digest or welcome goes there.
                assert b.store.chats.get(CHANNEL) is None
                assert fake.messages_to(CHANNEL) == []

        asyncio.run(scenario())
