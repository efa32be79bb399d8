"""A fan-out through the real bot, PTB and the fake Bot API in its strict mode.

Telegram answers after 40 ms here, longer than the bot's pace of one message every
1/29 s, so the drain has several chats' messages on their way at once; each chat's
messages must still arrive complete and in order, within Telegram's limits per private
chat (one a second after a short burst) and per group (20 a minute), with no 429.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from bot.domain.models import OutgoingMessage
from tests.bot_harness import TOKEN, BotUnderTest, Clock, make_config
from tests.fake_telegram import FakeTelegram

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
GROUP = -1_001_234
# Thirty in all: no second can hold a 31st, so only the per-chat limits are at stake.
SINGLES = list(range(1, 15))
RUNS = [501, 502, 503]  # four messages each: a burst of three, then a second's wait
QUEUED = (
    [(GROUP, n) for n in range(1, 5)]
    + [(chat, n) for n in range(1, 5) for chat in RUNS]
    + [(chat, 1) for chat in SINGLES]
)


def test_several_chats_at_once_each_in_order_within_telegrams_limits(tmp_path: Path) -> None:
    with FakeTelegram(token=TOKEN, strict=True) as fake:
        fake.delay("sendMessage", 0.04)
        config = make_config(
            tmp_path, api_url=fake.api_url, feed_urls=["http://127.0.0.1:9/none.feed"]
        )

        async def scenario() -> None:
            async with BotUnderTest(config, fake, Clock(NOW)) as b:
                b.store.outbox.enqueue(
                    [OutgoingMessage(f"m:{c}:{n}", c, "alert", f"{c}#{n}") for c, n in QUEUED],
                    NOW,
                )
                b.runner.wake_outbox()
                assert await b.wait(lambda: len(fake.sent) >= len(QUEUED), timeout=30)
                assert await b.outbox_settled()

        asyncio.run(scenario())
        sent = fake.sent
        calls = fake.calls_to("sendMessage")

    assert fake.too_many_requests == 0
    for chat in {c for c, _ in QUEUED}:
        wanted = [f"{c}#{n}" for c, n in QUEUED if c == chat]
        assert [m.text for m in sent if m.chat_id == chat] == wanted
    # Telegram answered more slowly than the pace: sends reached it before the one before
    # had been answered, which one message in flight at a time would never do.
    assert any(b.at - a.at < 0.04 for a, b in pairwise(calls))
