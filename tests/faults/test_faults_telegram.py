"""The whole bot survives Telegram failing: 502s, dropped connections, an outage of
more than a minute, and storms of 429s.

The real BotRunner and the real python-telegram-bot talk to the fake Bot API server
over loopback sockets; the faults are the fake's (scripted answers, dropped
connections, a 502 outage). Throughout, the feed poll goes on storing articles and the
outbox keeps what it cannot send; afterwards every message arrives exactly once, and
the bot answers commands.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.delivery.outbox import CHAT_BACKOFF_CAP, NETWORK_PAUSE_CAP, OutboxWorker
from bot.delivery.pacing import Pacer
from bot.domain.models import OutgoingMessage
from bot.storage import open_store
from bot.telegram.limiter import SharedPacer
from bot.telegram.sender import TelegramSender
from tests.bot_harness import TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import DROP, ApiError, Call, FakeTelegram, Scripted
from tests.feed_server import FeedServer

# 07:00 UTC: the subscribers' 08:00 digest is an hour away.
NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
DIGEST_DUE = datetime(2026, 11, 26, 8, 0, 30, tzinfo=UTC)
ANN = 4242
FEED = "/a.feed"
HELP = "What I can do"
DIGEST = "CACI Analyst digest"

OLD = ("t-old", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>")
NEWS = [
    (
        f"t-{n}",
        f"TRIPP bulletin number {n}",
        f"<p>Update {n} on the Trump Route for International Peace and Prosperity (TRIPP).</p>",
    )
    for n in range(1, 4)
]


def feed(*items: tuple[str, str, str]) -> bytes:
    return rss([(guid, title, desc, NOW - timedelta(hours=1)) for guid, title, desc in items])


@pytest.fixture
def feeds(feed_server: FeedServer) -> FeedServer:
    feed_server.serve_feed(FEED, feed(OLD))
    return feed_server


def bot(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock, pacer: Pacer | None = None
) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url(FEED)])
    return BotUnderTest(config, fake, clock, pacer=pacer or fast_pacer())


def add_subscribers(b: BotUnderTest, chats: Iterable[int]) -> None:
    """Many TRIPP followers (instant alerts and the 08:00 digest), straight into the store:
    typing /subscribe for each would only slow the test down."""
    now = b.clock()
    with b.store.transaction():
        for chat in chats:
            b.store.chats.ensure(
                chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=now
            )
            b.store.chats.subscribe(chat, "TRIPP", now)


async def publish_and_poll(
    b: BotUnderTest, feeds: FeedServer, items: Sequence[tuple[str, str, str]], at: datetime
) -> None:
    """The feed publishes ``items``; the poll at ``at`` must store every one of them."""
    feeds.publish(FEED, feed(*items, OLD))
    b.clock.set(at)
    await b.poll()
    for guid, _, _ in items:
        assert b.store.article(f"guid:{guid}") is not None, "stored whatever Telegram does"


def chat_of(call: Call) -> int | None:
    value = call.params.get("chat_id")
    return int(value) if value is not None else None


def inbox(fake: FakeTelegram, chat: int) -> Counter[str]:
    """What a chat received, by kind: "digest", "help", the article titles an alert
    carries (several when one poll brought several), "other"."""

    def labels(text: str) -> list[str]:
        if DIGEST in text:
            return ["digest"]
        if HELP in text:
            return ["help"]
        return [title for _, title, _ in NEWS if title in text] or ["other"]

    return Counter(label for m in fake.messages_to(chat) for label in labels(m.text))


def crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines that would mean something broke: errors, or anything with a traceback."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


def exactly_once(fake: FakeTelegram, chats: Iterable[int], kinds: Iterable[str]) -> bool:
    """Each chat got each of ``kinds`` once, and nothing else (command replies aside)."""
    want = Counter(kinds)
    return all(inbox(fake, c) - Counter(help=99, other=99) == want for c in chats)


def test_bad_gateways_on_send_delay_messages_but_deliver_each_exactly_once(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    chats = [ANN, *range(7001, 7006)]
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            [r] = await b.send("/subscribe tripp", user_id=ANN)
            assert "Following" in r.text
            add_subscribers(b, chats[1:])

            failing = 3
            sends = len(fake.calls_to("sendMessage"))
            fake.script("sendMessage", [ApiError.bad_gateway()] * failing)
            await publish_and_poll(b, feeds, NEWS[:1], NOW + timedelta(minutes=5))
            # While Telegram answers 502, the next poll still stores what it finds, and
            # every alert waits in the outbox: nothing is dropped.
            assert await b.wait(lambda: len(fake.calls_to("sendMessage")) >= sends + 2)
            await publish_and_poll(b, feeds, NEWS[:2], NOW + timedelta(minutes=10))
            for chat in chats:
                queued = len(b.store.outbox.pending_for(chat)) + len(b.store.outbox.sent_to(chat))
                assert queued == 2

            titles = [title for _, title, _ in NEWS[:2]]
            assert await b.wait(lambda: exactly_once(fake, chats, titles), timeout=60)
            assert await b.outbox_settled()
            [r] = await b.send("/help", user_id=ANN)
            assert HELP in r.text
            assert b.runner.worker is not None
            assert b.runner.worker.stats.transient_errors == failing

        assert exactly_once(fake, chats, titles)
        assert sum(len(fake.messages_to(c)) for c in chats[1:]) == 2 * len(chats[1:])

    asyncio.run(scenario())
    assert crashes(caplog) == []


def test_dropped_connections_lose_neither_messages_nor_commands(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    chats = [ANN, *range(7101, 7104)]
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            add_subscribers(b, chats[1:])

            # sendMessage: the connection drops before Telegram answers, twice.
            fake.script("sendMessage", [DROP, DROP])
            await publish_and_poll(b, feeds, NEWS[:1], NOW + timedelta(minutes=5))
            assert await b.wait(lambda: exactly_once(fake, chats, [NEWS[0][1]]), timeout=30)
            assert await b.outbox_settled()

            # getUpdates: three long polls in a row are cut; a command sent meanwhile
            # waits on Telegram's side and is answered once, when polling gets through.
            polls = len(fake.calls_to("getUpdates"))
            fake.script("getUpdates", [DROP, DROP, DROP])
            assert await b.wait(lambda: len(fake.calls_to("getUpdates")) >= polls + 1)
            before = len(fake.messages_to(ANN))
            fake.user_sends("/help", user_id=ANN)
            await publish_and_poll(b, feeds, NEWS[:2], NOW + timedelta(minutes=10))
            [reply, alert] = sorted(
                (await b.messages(ANN, before + 2, timeout=30))[before:],
                key=lambda m: HELP not in m.text,
            )
            assert HELP in reply.text and NEWS[1][1] in alert.text
            titles = [title for _, title, _ in NEWS[:2]]
            assert await b.wait(lambda: exactly_once(fake, chats, titles), timeout=30)
            [r] = await b.send("/mysubs", user_id=ANN)
            assert "TRIPP" in r.text

        assert exactly_once(fake, chats, titles)
        assert inbox(fake, ANN)["help"] == 1

    asyncio.run(scenario())
    poll_errors = [r for r in caplog.records if "status=telegram_poll_error" in r.getMessage()]
    assert len(poll_errors) == 3, "each dropped long poll was seen and retried"
    assert crashes(caplog) == []


@pytest.mark.timeout(400)
def test_an_outage_of_over_a_minute_delays_the_digest_fan_out_but_loses_nothing(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """One long test on purpose: the outbox's backoff (capped at a minute) and PTB's
    getUpdates backoff run on real time."""
    caplog.set_level(logging.INFO, logger="bot")
    chats = [ANN, *range(7201, 7220)]
    clock = Clock(NOW)
    measured: dict[str, float] = {}

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            add_subscribers(b, chats[1:])

            fake.outage(True)
            start = time.monotonic()
            await publish_and_poll(b, feeds, NEWS[:1], NOW + timedelta(minutes=30))
            fake.user_sends("/help", user_id=ANN)  # Telegram holds it until polling resumes
            clock.set(DIGEST_DUE)
            await b.digest_tick()
            await publish_and_poll(b, feeds, NEWS[:2], DIGEST_DUE + timedelta(minutes=5))
            # Alerts for two articles and a digest for every chat, all waiting.
            assert b.store.outbox.backlog() == 3 * len(chats)

            def retrying_for() -> float:
                sends = [c.at for c in fake.calls_to("sendMessage") if c.at >= start]
                return sends[-1] - start if sends else 0.0

            # The outage lasts just over a minute. (The worst moment for it to end, just
            # after a retry at the longest backoff, is covered on a simulated clock by
            # the ten-minute test below, which keeps this suite from waiting a minute more.)
            await asyncio.sleep(61 - (time.monotonic() - start))  # the outage's length
            assert retrying_for() > 30, "the drain kept retrying through the outage"
            assert b.store.outbox.backlog() == 3 * len(chats)
            assert not any(HELP in m.text for m in fake.messages_to(ANN))
            fake.outage(False)
            end = time.monotonic()
            measured["outage"] = end - start

            def replies() -> list[Any]:
                return [m for m in fake.messages_to(ANN) if HELP in m.text]

            assert await b.wait(lambda: bool(replies()), timeout=120)
            [reply] = replies()
            measured["commands"] = reply.at - end
            titles = ["digest", *(title for _, title, _ in NEWS[:2])]
            assert await b.wait(lambda: exactly_once(fake, chats, titles), timeout=150)
            measured["delivery"] = max(m.at for m in fake.sent) - end
            assert await b.outbox_settled()
            [r] = await b.send("/help", user_id=ANN)
            assert HELP in r.text

        assert exactly_once(fake, chats, titles)
        assert inbox(fake, ANN)["help"] == 2, "the /help sent during the outage, and one after"

    asyncio.run(scenario())
    print(f"telegram outage: {measured}")
    assert measured["outage"] > 60
    assert measured["commands"] < 90, measured
    assert measured["delivery"] < 90, measured
    assert crashes(caplog) == []


def test_a_lone_chat_is_served_within_seconds_of_a_ten_minute_outage_ending(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    """The drain's own clock is simulated here (PTB and the fake are real), so ten
    minutes of outage take a second: the waits the drain asks for are skipped."""
    outage = 600.0
    now = [0.0]
    store = open_store(tmp_path / "bot.sqlite3")
    store.chats.ensure(ANN, kind="private", title="", timezone="UTC", digest_time="08:00", now=NOW)
    store.outbox.enqueue(
        [OutgoingMessage(f"k{i}", ANN, "alert", f"queued {i}") for i in range(3)], NOW
    )
    delivered_at: list[float] = []

    async def scenario() -> None:
        pacer = fast_pacer()
        limiter = SharedPacer(pacer)
        async with ExtBot(TOKEN, base_url=f"{fake.api_url}/bot", rate_limiter=limiter) as ptb:
            worker = OutboxWorker(
                store,
                TelegramSender(ptb),
                clock=lambda: NOW,
                pacer=pacer,
                monotonic=lambda: now[0],
            )
            fake.outage(True)
            while store.outbox.backlog() and now[0] < 2 * CHAT_BACKOFF_CAP + outage:
                if now[0] >= outage:
                    fake.outage(False)
                sent = len(fake.messages_to(ANN))
                wait = await worker.drain_round()
                delivered_at.extend([now[0]] * (len(fake.messages_to(ANN)) - sent))
                now[0] += 0.01 if wait == 0 else wait

    asyncio.run(scenario())
    store.close()
    assert [m.text for m in fake.messages_to(ANN)] == ["queued 0", "queued 1", "queued 2"]
    attempts = len(fake.calls_to("sendMessage"))
    # The drain tries again every few seconds (NETWORK_PAUSE_CAP, and the failed chat a
    # second later): one request at a time, never a flood of them.
    assert attempts <= outage / NETWORK_PAUSE_CAP, "the drain backed off during the outage"
    # So the chat is served within seconds of Telegram answering again.
    assert delivered_at[0] - outage <= NETWORK_PAUSE_CAP + 1.01, delivered_at
    assert delivered_at[-1] - outage <= NETWORK_PAUSE_CAP + 5, delivered_at


def test_a_429_storm_holds_each_chat_for_its_retry_after_while_the_others_flow(
    tmp_path: Path, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    # Stormy chats (each answered 429 three times in a row) between calm ones, so that
    # Telegram takes a message between two refusals: had it refused two chats in a row,
    # the limit would be the bot's, and everyone would wait (test_flood_bot_wide.py).
    stormy = list(range(7301, 7331, 2))
    calm = list(range(7302, 7331, 2))
    chats = sorted(stormy + calm)
    storm_wait = 2
    clock = Clock(NOW)
    # Stricter than Telegram: one message a second per chat, so the pacer's burst of
    # three is too fast and the fake's own flood limit answers 429 as well. The global
    # limit stays Telegram's, which the pacer keeps under: replies to commands get through.
    fake = FakeTelegram(token=TOKEN, private_per_second=1)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock, pacer=Pacer()) as b:
            await b.poll()
            add_subscribers(b, chats)
            for chat in stormy:
                fake.script(
                    "sendMessage", [ApiError.too_many_requests(storm_wait)] * 3, chat_id=chat
                )
            await publish_and_poll(b, feeds, NEWS[:1], NOW + timedelta(minutes=5))
            clock.set(DIGEST_DUE)
            await b.digest_tick()
            await publish_and_poll(b, feeds, NEWS[:3], DIGEST_DUE + timedelta(minutes=1))
            # A command in the middle of the storm is still answered.
            assert await b.wait(lambda: fake.too_many_requests >= len(stormy))
            [r] = await b.send("/help", user_id=ANN)
            assert HELP in r.text

            titles = ["digest", *(title for _, title, _ in NEWS)]
            assert await b.wait(lambda: exactly_once(fake, chats, titles), timeout=90)
            assert await b.outbox_settled()

    with fake:
        asyncio.run(scenario())

    failures = {chat: failed_calls(fake, chat) for chat in chats}
    assert sum(len(f) for f in failures.values()) >= 3 * len(stormy)
    assert any(failures[c] for c in calm), "the fake's flood limit answered 429 too"
    for chat, failed in failures.items():
        calls = [c for c in fake.calls_to("sendMessage") if chat_of(c) == chat]
        for call, following in failed:
            # Every 429 here said at least 1 s; the scripted ones said storm_wait.
            scripted = chat in stormy and calls.index(call) < 3
            wait = storm_wait if scripted else 1
            assert following is not None, "a 429 was never retried"
            assert following.at - call.at >= wait, (chat, call.at, following.at)
    # While the first stormy chat waited out its 429, the calm chats got their messages.
    first_call, retry = failures[stormy[0]][0]
    assert retry is not None
    assert any(first_call.at < m.at < retry.at for c in calm for m in fake.messages_to(c))
    for chat in chats:
        texts = [m.text for m in fake.messages_to(chat)]
        # The first alert, the digest, and bulletins 2 and 3 (one poll) in one alert.
        assert len(texts) == len(set(texts)) == 3, chat
    assert crashes(caplog) == []


def failed_calls(fake: FakeTelegram, chat: int) -> list[tuple[Call, Call | None]]:
    """The sendMessage calls to ``chat`` that delivered nothing, each with the next call.

    Only the outbox sends to these chats, one message at a time, so a call delivered
    exactly when a message to the chat was recorded before the next call arrived.
    """
    calls = [c for c in fake.calls_to("sendMessage") if chat_of(c) == chat]
    delivered = [m.at for m in fake.messages_to(chat)]
    found: list[tuple[Call, Call | None]] = []
    for i, call in enumerate(calls):
        following = calls[i + 1] if i + 1 < len(calls) else None
        until = following.at if following is not None else math.inf
        if not any(call.at <= at < until for at in delivered):
            found.append((call, following))
    return found


@pytest.mark.parametrize("fault", [ApiError.bad_gateway(), DROP], ids=["502", "dropped"])
def test_a_command_reply_telegram_fails_to_take_once_is_retried_and_arrives_once(
    tmp_path: Path,
    fake: FakeTelegram,
    feeds: FeedServer,
    caplog: pytest.LogCaptureFixture,
    fault: Scripted,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            fake.script("sendMessage", [fault], chat_id=ANN)
            [reply] = await b.send("/help", user_id=ANN)
            assert HELP in reply.text
            assert await b.wait(lambda: len(fake.calls_to("sendMessage")) == 2)

    asyncio.run(scenario())
    assert inbox(fake, ANN) == Counter(help=1)
    assert crashes(caplog) == []
    assert any("status=reply_retried" in r.getMessage() for r in caplog.records)
