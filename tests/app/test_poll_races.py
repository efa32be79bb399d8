"""What the bot does while a poll waits on the network: a digest made meanwhile, a list
added meanwhile. The fetch is held open by the loopback feed server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import digests, watchlist_sync
from bot.app.config import builtin_config
from bot.app.poll import poll_once
from bot.app.service import Service, build_service
from tests.bot_harness import Clock
from tests.factories import on_store, rss
from tests.feed_server import FeedServer, SlowResponse
from tests.watchlist_copy import copy_watchlists

DAY = datetime(2026, 11, 26, tzinfo=UTC)
TRIPP_ITEM = ("g1", "TRIPP corridor news", "<p>About the TRIPP route.</p>", DAY)
ROGUN_ITEM = ("g2", "Tajikistan fills the reservoir", "<p>The Rogun Dam rises.</p>", DAY)


def service(tmp_path: Path, store_url: str, url: str) -> Service:
    lists = copy_watchlists(tmp_path / "watchlists")
    config = builtin_config(
        store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=[url]
    )
    return build_service(on_store(config, store_url))


def test_an_article_found_while_a_digest_is_made_goes_into_the_next_digest(
    tmp_path: Path, feed_server: FeedServer, store_url: str
) -> None:
    feed_server.serve_feed("/a.feed", rss([]))
    svc = service(tmp_path, store_url, feed_server.url("/a.feed"))
    clock = Clock(DAY - timedelta(days=1))

    async def scenario() -> None:
        await poll_once(svc, clock(), force=True, clock=clock)
        svc.store.chats.ensure(
            1, kind="private", title="", timezone="UTC", digest_time="08:00", now=clock()
        )
        svc.store.chats.subscribe(1, "TRIPP", clock())
        feed_server.set_route("/a.feed", SlowResponse(body=rss([TRIPP_ITEM])))
        clock.set(DAY + timedelta(hours=8, microseconds=950_000))
        poll = asyncio.create_task(poll_once(svc, clock(), force=True, clock=clock))
        assert await asyncio.to_thread(feed_server.wait_for_requests, "/a.feed", 2)
        # The digest tick runs while the fetch waits, a second boundary later.
        clock.set(DAY + timedelta(hours=8, seconds=1, microseconds=50_000))
        digests.digest_tick(svc, clock())
        clock.set(clock() + timedelta(milliseconds=200))
        feed_server.release.set()
        await poll
        clock.set(DAY + timedelta(days=1, hours=8, seconds=30))
        digests.digest_tick(svc, clock())

    asyncio.run(scenario())
    texts = [m.text for m in svc.store.outbox.pending_for(1) if m.kind == "digest"]
    assert len(texts) == 2
    assert sum("TRIPP corridor news" in t for t in texts) == 1


def test_a_list_added_while_a_poll_waits_matches_what_that_poll_brings(
    tmp_path: Path, feed_server: FeedServer, store_url: str
) -> None:
    feed_server.serve_feed("/a.feed", rss([]))
    svc = service(tmp_path, store_url, feed_server.url("/a.feed"))
    clock = Clock(DAY)

    async def scenario() -> None:
        await poll_once(svc, clock(), force=True, clock=clock)
        feed_server.set_route("/a.feed", SlowResponse(body=rss([ROGUN_ITEM])))
        poll = asyncio.create_task(poll_once(svc, clock(), force=True, clock=clock))
        assert await asyncio.to_thread(feed_server.wait_for_requests, "/a.feed", 2)
        (svc.config.watchlists.dir / "rogun.toml").write_text(
            'name = "Rogun"\nterms = ["Rogun Dam"]\n'
        )
        watchlist_sync.reload_watchlists(svc, clock())
        feed_server.release.set()
        await poll

    asyncio.run(scenario())
    assert svc.store.matched_watchlists("guid:g2") == {"Rogun"}
