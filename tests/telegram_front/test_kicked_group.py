"""A group that removes the bot gets nothing more: not what was queued for it, not the
message the drain had already picked for it when the update came, not later alerts.
Through the real bot, PTB and the fake Bot API (which answers 403 there from the kick on,
so any attempt would show in its calls)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.delivery.pacing import Pacer
from bot.domain.models import OutgoingMessage
from tests.bot_harness import BotUnderTest, Clock, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
FEED = "/a.feed"
PERSON, GROUP, ADMIN = 4242, -5001, 77
OLD = ("t-old", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW)
NEWS = (
    "t-new",
    "TRIPP bulletin",
    "<p>On the Trump Route for International Peace and Prosperity (TRIPP).</p>",
    NOW,
)


def sends_to(fake: FakeTelegram, chat: int) -> list[float]:
    return [c.at for c in fake.calls_to("sendMessage") if int(c.params.get("chat_id", 0)) == chat]


def test_a_group_that_kicked_the_bot_gets_nothing_more(
    tmp_path: Path, fake: FakeTelegram, feed_server: FeedServer
) -> None:
    feed_server.serve_feed(FEED, rss([OLD]))
    clock = Clock(NOW)
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feed_server.url(FEED)])

    async def scenario() -> None:
        # Two seconds between any two messages: the drain picks the group's message and
        # waits for its turn while the group removes the bot.
        pacer = Pacer(global_per_second=0.5, global_burst=1)
        async with BotUnderTest(config, fake, clock, pacer=pacer) as b:
            await b.poll()
            store = b.store
            with store.transaction():
                for chat, kind in ((PERSON, "private"), (GROUP, "group")):
                    store.chats.ensure(
                        chat, kind=kind, title="", timezone="UTC", digest_time="08:00", now=NOW
                    )
                    store.chats.subscribe(chat, "TRIPP", NOW)
            # The drain sends the person's message, then picks the group's and waits
            # for its turn; the group removes the bot meanwhile.
            store.outbox.enqueue(
                [
                    OutgoingMessage("p1", PERSON, "alert", "to the person"),
                    OutgoingMessage("g1", GROUP, "alert", "to the group, 1"),
                    OutgoingMessage("g2", GROUP, "alert", "to the group, 2"),
                ],
                NOW,
            )
            b.runner.wake_outbox()
            assert await b.wait(lambda: len(fake.calls_to("sendMessage")) == 1)
            fake.kick_bot(GROUP, by_user_id=ADMIN)
            assert await b.until(lambda: not store.chats.get(GROUP).active)
            assert await b.wait(lambda: len(fake.messages_to(PERSON)) == 1)
            assert await b.outbox_settled()

            # Later alerts go to those who still follow the list, not to the group.
            feed_server.publish(FEED, rss([NEWS, OLD]))
            clock.set(NOW + timedelta(minutes=5))
            await b.poll()
            assert await b.wait(lambda: len(fake.messages_to(PERSON)) == 2)
            assert await b.outbox_settled()
            assert store.chats.get(GROUP).inactive_reason == "removed the bot"
            assert store.outbox.pending_for(GROUP) == []

    asyncio.run(scenario())
    assert sends_to(fake, GROUP) == [], "nothing was even tried in the group"
    assert "TRIPP bulletin" in fake.messages_to(PERSON)[-1].text
