"""The whole bot survives every way a feed can fail, and keeps answering its users.

Each scenario runs the real BotRunner (PTB against the fake Bot API, httpx against the
loopback feed server, SQLite) with two feeds: one that goes wrong in a particular way
and a healthy one that publishes a new article in the same poll. Throughout, a
subscriber's commands are answered, the healthy feed's article reaches them, the faulty
feed's error is recorded and its next poll moves out (backoff, or the server's
Retry-After), nothing is logged as a crash, and once the feed works again what it
published meanwhile is stored and alerted exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.config import Config
from tests.bot_harness import BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import HTML_TYPE, FeedServer, Oversize, SlowResponse

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242
POLL_INTERVAL = timedelta(minutes=1)  # make_config's
# Short, so the faults that hang cost a second each; the hung-poll test sets its own.
FETCH_TIMEOUT = timedelta(seconds=1)
RETRY_AFTER = 600

GOOD, BAD, LOOP = "/good.feed", "/bad.feed", "/bad-loop.feed"

GOOD_OLD = ("g-old", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>")
BAD_OLD = ("b-old", "Cotton Harvest in Uzbekistan", "<p>Fields and quotas.</p>")
GOOD_NEW = (
    "g-new",
    "Iran Watches the New Route",
    "<p>Tehran objects to the <em>Trump Route for International Peace and "
    "Prosperity</em> (TRIPP) across Syunik.</p>",
)
BAD_NEW = (
    "b-new",
    "Yerevan Signs the TRIPP Framework",
    "<p>The TRIPP corridor through Syunik moves ahead.</p>",
)


def feed(*items: tuple[str, str, str], published: datetime = NOW) -> bytes:
    return rss([(guid, title, desc, published - timedelta(hours=1)) for guid, title, desc in items])


@dataclass(frozen=True)
class Fault:
    """How the bad feed fails, and what the bot should record about it."""

    name: str
    apply: Callable[[FeedServer], object]
    reason: str  # in the feed's last_error
    paths: tuple[str, ...] = (BAD,)
    retry_after: int | None = None

    def __str__(self) -> str:
        return self.name


FAULTS = [
    Fault("http-500", lambda s: s.respond(BAD, 500, b"oops"), "HTTP 500"),
    Fault(
        "http-503-retry-after",
        lambda s: s.respond(BAD, 503, headers={"Retry-After": str(RETRY_AFTER)}),
        "HTTP 503",
        retry_after=RETRY_AFTER,
    ),
    Fault(
        "timeout-no-answer",
        lambda s: s.set_route(BAD, SlowResponse(stall_before_headers=True)),
        "timeout",
    ),
    Fault(
        "timeout-trickled-body",
        lambda s: s.set_route(BAD, SlowResponse(stall_before_headers=False)),
        "timeout",
    ),
    Fault(
        "truncated-xml",
        # The new version of the feed, cut off inside its last item.
        lambda s: s.publish(BAD, feed(BAD_NEW, BAD_OLD)[:-80]),
        "truncated feed",
    ),
    Fault(
        "html-page-200",
        lambda s: s.respond(
            BAD,
            200,
            b"<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>",
            content_type=HTML_TYPE,
        ),
        "not a feed: got an HTML page",
    ),
    Fault(
        "50-mb-body",
        lambda s: s.set_route(BAD, Oversize(total_bytes=50 * 1024 * 1024)),
        "body larger than",
    ),
    Fault(
        "redirect-loop",
        lambda s: s.redirect_loop(BAD, LOOP),
        "redirect loop",
        paths=(BAD, LOOP),
    ),
]


def config_for(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, timeout: timedelta) -> Config:
    config = make_config(
        tmp_path, api_url=fake.api_url, feed_urls=[feeds.url(BAD), feeds.url(GOOD)]
    )
    # The default max_bytes (5 MB) stays: the 50 MB body must be cut off by it.
    return replace(config, feeds=replace(config.feeds, timeout=timeout))


def crashes(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines that would mean something broke: errors, or anything with a traceback."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


def titled(fake: FakeTelegram, chat_id: int, title: str) -> int:
    return sum(title in m.text for m in fake.messages_to(chat_id))


@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_the_bot_survives_a_failing_feed_and_catches_up_when_it_recovers(
    fault: Fault,
    tmp_path: Path,
    fake: FakeTelegram,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    feed_server.serve_feed(GOOD, feed(GOOD_OLD))
    feed_server.serve_feed(BAD, feed(BAD_OLD))
    bad_url = feed_server.url(BAD)
    clock = Clock(NOW)
    config = config_for(tmp_path, fake, feed_server, FETCH_TIMEOUT)

    def requests_to_bad_feed() -> int:
        return sum(len(feed_server.requests_for(p)) for p in fault.paths)

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.poll()  # both feeds' back catalogues, stored without alerts
            assert b.store.article_count() == 2
            [r] = await b.send("/subscribe tripp", user_id=ANN)
            assert "Following" in r.text

            # The fault starts while the healthy feed publishes something new.
            fault.apply(feed_server)
            feed_server.publish(GOOD, feed(GOOD_NEW, GOOD_OLD))
            t1 = NOW + timedelta(minutes=2)
            clock.set(t1)
            before = requests_to_bad_feed()
            polling = asyncio.create_task(b.poll())
            assert await asyncio.to_thread(feed_server.wait_for_requests, BAD, before + 1)
            # The healthy feed's alert may arrive first: it is sent as soon as it is stored.
            seen = len(fake.messages_to(ANN))
            fake.user_sends("/help", user_id=ANN)
            assert await b.wait(
                lambda: any("What I can do" in m.text for m in fake.messages_to(ANN)[seen:])
            )
            await polling

            # The healthy feed's new article reached the subscriber, once.
            assert await b.wait(lambda: titled(fake, ANN, GOOD_NEW[1]) == 1)
            state = b.store.feed_state(bad_url)
            assert state.error_count == 1
            assert fault.reason in (state.last_error or "")
            assert state.last_error_at == t1
            assert state.next_poll_at is not None
            assert state.next_poll_at >= t1 + timedelta(seconds=fault.retry_after or 60)
            assert b.store.article(f"guid:{BAD_NEW[0]}") is None

            # One minute on: a plain failure is retried (and waits twice as long after it);
            # a Retry-After keeps the bot away.
            t2 = t1 + POLL_INTERVAL
            clock.set(t2)
            before = requests_to_bad_feed()
            await b.poll()
            state = b.store.feed_state(bad_url)
            if fault.retry_after is None:
                assert requests_to_bad_feed() > before
                assert state.error_count == 2
                assert state.next_poll_at == t2 + 2 * POLL_INTERVAL
            else:
                assert requests_to_bad_feed() == before, "Retry-After was not honoured"
                assert state.error_count == 1
            clock.set(t2 + POLL_INTERVAL)
            before = requests_to_bad_feed()
            await b.poll()
            assert requests_to_bad_feed() == before, "the backoff was not honoured"

            [mysubs] = await b.send("/mysubs", user_id=ANN)
            assert "TRIPP" in mysubs.text

            # The feed recovers, with the article it published while it was failing.
            feed_server.serve_feed(BAD, feed(BAD_NEW, BAD_OLD))
            assert state.next_poll_at is not None
            clock.set(state.next_poll_at + timedelta(seconds=1))
            await b.poll()
            state = b.store.feed_state(bad_url)
            assert (state.error_count, state.last_error) == (0, None)
            assert b.store.article(f"guid:{BAD_NEW[0]}") is not None
            assert await b.wait(lambda: titled(fake, ANN, BAD_NEW[1]) == 1)

            # Later polls (304s) and a republished feed bring nothing twice.
            clock.set(clock.now + 2 * POLL_INTERVAL)
            await b.poll()
            feed_server.publish(BAD, feed(BAD_NEW, BAD_OLD))
            clock.set(clock.now + 2 * POLL_INTERVAL)
            await b.poll()
            assert await b.outbox_settled()
            [r] = await b.send("/help", user_id=ANN)
            assert "What I can do" in r.text

        assert titled(fake, ANN, BAD_NEW[1]) == 1
        assert titled(fake, ANN, GOOD_NEW[1]) == 1

    asyncio.run(scenario())
    assert crashes(caplog) == []
    assert any(
        r.levelno == logging.WARNING and f"feed={bad_url} status=error" in r.getMessage()
        for r in caplog.records
    ), "the failure was logged"
    assert fake.internal_errors == []


def test_commands_and_other_feeds_alerts_go_out_while_a_poll_waits_on_a_hung_feed(
    tmp_path: Path,
    fake: FakeTelegram,
    feed_server: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    feed_server.serve_feed(GOOD, feed(GOOD_OLD))
    feed_server.serve_feed(BAD, feed(BAD_OLD))
    clock = Clock(NOW)
    # A timeout far longer than the test: only the server's release ends the fetch.
    config = config_for(tmp_path, fake, feed_server, timedelta(minutes=5))

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            feed_server.set_route(BAD, SlowResponse(body=feed(BAD_NEW, BAD_OLD), max_wait=60))
            feed_server.publish(GOOD, feed(GOOD_NEW, GOOD_OLD))
            clock.set(NOW + timedelta(minutes=2))
            polling = asyncio.create_task(b.poll())
            assert await asyncio.to_thread(feed_server.wait_for_requests, BAD, 2)

            # The healthy feed was stored, and its alert sent, while the other one hangs.
            assert await b.until(lambda: b.store.article(f"guid:{GOOD_NEW[0]}") is not None)
            assert await b.wait(lambda: titled(fake, ANN, GOOD_NEW[1]) == 1)
            assert not polling.done()
            for command, expected in (("/help", "What I can do"), ("/mysubs", "TRIPP")):
                [r] = await b.send(command, user_id=ANN)
                assert expected in r.text
                assert not polling.done(), "the reply came while the poll was still waiting"

            feed_server.release.set()
            await asyncio.wait_for(polling, 30)
            assert b.store.article(f"guid:{BAD_NEW[0]}") is not None
            assert await b.wait(lambda: titled(fake, ANN, BAD_NEW[1]) == 1)
            assert await b.wait(lambda: titled(fake, ANN, GOOD_NEW[1]) == 1)
            assert b.store.feed_state(feed_server.url(BAD)).error_count == 0

    asyncio.run(scenario())
    assert crashes(caplog) == []
