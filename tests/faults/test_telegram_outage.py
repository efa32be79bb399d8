"""A Telegram outage, through the real bot, PTB and the fake Bot API: sending resumes
within seconds of Telegram answering again, and the log says so in two lines (one
WARNING when it starts, one INFO when it ends) however many requests failed, with no
traceback and none of the HTML page Telegram's front proxy answers with meanwhile."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery.outbox import NETWORK_PAUSE_CAP
from bot.delivery.pacing import Pacer
from bot.domain.models import OutgoingMessage
from bot.runtime.logs import setup_logging
from tests.bot_harness import BotUnderTest, Clock, make_config
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
CHATS = range(8301, 8306)


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/none.feed")])
    return BotUnderTest(config, fake, Clock(NOW), pacer=Pacer())


def queue(b: BotUnderTest, tag: str) -> None:
    store = b.store
    with store.transaction():
        for chat in CHATS:
            store.chats.ensure(
                chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW
            )
        store.outbox.enqueue(
            [
                OutgoingMessage(f"{tag}:{chat}", chat, "alert", f"{tag} for {chat}")
                for chat in CHATS
            ],
            NOW,
        )
    b.runner.wake_outbox()


async def outage(b: BotUnderTest, fake: FakeTelegram, *, tries: int, html: bool) -> float:
    """Telegram answers 502 until the outbox has tried ``tries`` times, by then at its
    longest wait between tries; returns when Telegram answered again (the fake's clock)."""
    fake.outage(True, html=html)
    before = len(fake.calls_to("sendMessage"))
    queue(b, f"during-{before}")
    assert await b.wait(lambda: len(fake.calls_to("sendMessage")) >= before + tries, timeout=60)
    fake.outage(False)
    return time.monotonic()  # the fake's clock


def test_sending_resumes_within_seconds_of_telegram_answering_again(
    tmp_path: Path, fake: FakeTelegram, feed_server: FeedServer
) -> None:
    measured: dict[str, float] = {}

    async def scenario() -> None:
        async with bot(tmp_path, fake, feed_server) as b:
            # Four failures in a row: 1, 2, then NETWORK_PAUSE_CAP seconds between tries.
            back = await outage(b, fake, tries=4, html=False)
            assert await b.wait(lambda: len(fake.sent) >= len(CHATS), timeout=30)
            assert await b.outbox_settled()
            measured["first"] = fake.sent[0].at - back
            measured["all"] = fake.sent[-1].at - back

    asyncio.run(scenario())
    print(f"after the outage: first message {measured['first']:.2f} s, all {measured['all']:.2f} s")
    assert sorted(m.chat_id for m in fake.sent) == list(CHATS)
    # The drain's wait is capped (a failed chat waits a second more, so others go first).
    assert measured["first"] <= NETWORK_PAUSE_CAP + 2.0, measured


def test_each_outage_is_one_warning_line_and_one_line_when_it_ends(
    tmp_path: Path,
    fake: FakeTelegram,
    feed_server: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two outages, each answered with nginx's HTML page for a 502, as Telegram's front
    proxy does: PTB logs that page with a traceback unless told not to (bot.runtime.logs)."""

    async def scenario() -> None:
        async with bot(tmp_path, fake, feed_server) as b:
            for episode in (1, 2):
                polls = len(fake.calls_to("getUpdates"))
                await outage(b, fake, tries=3, html=True)
                assert len(fake.calls_to("getUpdates")) > polls, "the long poll failed too"
                want = episode * len(CHATS)
                assert await b.wait(lambda w=want: len(fake.sent) >= w, timeout=30)  # type: ignore[misc]
                assert await b.outbox_settled()

    setup_logging("INFO")
    try:
        asyncio.run(scenario())
        lines = capsys.readouterr().err.splitlines()
    finally:
        setup_logging("WARNING")
    level = re.compile(r"level=(\w+)")

    def at(name: str) -> list[str]:
        return [line for line in lines if (m := level.search(line)) and m.group(1) == name]

    assert len(fake.sent) == 2 * len(CHATS)
    failed = sum(1 for line in lines if "status=retry" in line or "telegram_poll_error" in line)
    assert failed >= 6, "every failure is still a line of its own, at INFO"
    assert at("ERROR") == [] and at("CRITICAL") == []
    warnings = at("WARNING")
    assert len(warnings) == 2, warnings
    assert all("status=telegram_failing" in line for line in warnings)
    assert len([line for line in at("INFO") if "status=telegram_back" in line]) == 2
    for line in lines:
        assert "Traceback" not in line and "<html" not in line and "nginx" not in line, line
