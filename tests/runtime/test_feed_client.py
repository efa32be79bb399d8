"""The running bot's feeds client: one for every poll, closed when the bot stops.

Seen at the network: the loopback feed server counts the TCP connections it accepts and
those still open, and closes idle ones only after a minute, so a connection that goes
away sooner was closed by the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.bot_harness import BotUnderTest, Clock, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

SERVER_IDLE_TIMEOUT = 60.0


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer(idle_timeout=SERVER_IDLE_TIMEOUT) as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock)


def test_the_running_bot_polls_over_one_connection_poll_after_poll(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for _ in range(3):
                await b.poll()
                clock.set(clock.now + timedelta(minutes=1))

    asyncio.run(scenario())
    requests = feeds.requests_for("/a.feed")
    assert len(requests) == 3
    # Conditional GETs still: the second and third polls sent what the first was given.
    assert all(r.headers.get("if-none-match") for r in requests[1:])
    assert feeds.connections == 1


def test_stopping_the_bot_closes_its_feed_connections(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            assert feeds.open_connections == 1

    asyncio.run(scenario())
    # Well within the server's own idle timeout: only the bot can have closed it.
    assert feeds.wait_for_open_connections(0, timeout=SERVER_IDLE_TIMEOUT / 2)


def test_a_bot_stepping_down_to_standby_keeps_no_feed_connection_open(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            # What the runner does when it loses the sender lease (see _step_down).
            await b.runner.jobs.stop(timeout=1)
            assert await asyncio.to_thread(
                feeds.wait_for_open_connections, 0, SERVER_IDLE_TIMEOUT / 2
            )
            # The jobs of the next active period poll with a client of their own.
            clock.set(clock.now + timedelta(minutes=1))
            await b.poll()
            assert feeds.open_connections == 1

    asyncio.run(scenario())
    assert feeds.connections == 2
