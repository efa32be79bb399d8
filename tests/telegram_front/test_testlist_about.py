"""/testlist in Telegram shows what the "possibly about" tier finds among stored articles,
apart from the articles that name the list (the real bot against the fake Bot API, the
tier in its child process with the real model)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bot_harness import ADMIN_ID, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.semantic.about_fixture import ABOUT_IT, NEIGHBOUR
from tests.semantic.route_toml import write_route_list

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def html(text: str) -> str:
    return "".join(f"<p>{p}</p>" for p in text.split("\n\n"))


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    items = [
        (a.id, a.title, html(a.text), NOW - timedelta(hours=i + 1))
        for i, a in enumerate((ABOUT_IT, NEIGHBOUR))
    ]
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss(items))
        yield server


def test_testlist_shows_possibly_about_finds_in_their_own_block(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    write_route_list(tmp_path / "watchlists")
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])

    async def scenario() -> None:
        async with BotUnderTest(config, fake, Clock(NOW), pacer=fast_pacer()) as b:
            await b.poll()
            [dry] = await b.send("/testlist route", user_id=ADMIN_ID)
            assert "Dry run of Route" in dry.text
            assert "0 would match" in dry.text
            assert "Possibly about it, without naming it: 1 of 2 articles not naming it" in (
                dry.text
            )
            assert f"🔎 {ABOUT_IT.title}" in dry.text
            assert NEIGHBOUR.title not in dry.text
            assert "very close" in dry.text

    asyncio.run(scenario())
