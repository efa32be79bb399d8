"""Faults inside a feed's items: one guid listed twice, a stray invalid UTF-8 byte, an
item with nothing in it. Real httpx and feedparser against the loopback feed server,
and the poll's real decider and SQLite store."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app.config import builtin_config
from bot.app.poll import FeedPollReport, poll_feeds
from bot.app.service import Service, build_service
from bot.feeds.fetch import FetchResult, fetch_feed, make_http_client
from bot.feeds.parse import ParsedFeed, parse_feed
from tests.factories import rss
from tests.feed_server import RSS_TYPE, FeedServer

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
LISTS = {
    "tripp.toml": 'name = "TRIPP"\nterms = [{ text = "TRIPP", exact = true }]\n',
    "middle-corridor.toml": 'name = "Middle Corridor"\nterms = ["Middle Corridor"]\n',
}
OLD = ("1001", "Water Politics in the Fergana Valley", "<p>Irrigation.</p>", NOW)
FIRST = ("dup", "Yerevan Signs the TRIPP Framework", "<p>The TRIPP route moves.</p>", NOW)
SECOND = ("dup", "Middle Corridor Freight Grows", "<p>The Middle Corridor grows.</p>", NOW)
OTHER = ("1002", "Cotton Harvest", "<p>Fields and quotas.</p>", NOW)


def make_service(tmp_path: Path, urls: list[str]) -> Service:
    lists = tmp_path / "watchlists"
    lists.mkdir()
    for name, text in LISTS.items():
        (lists / name).write_text(text, encoding="utf-8")
    return build_service(
        builtin_config(store_path=tmp_path / "store.sqlite3", watchlists_dir=lists, feed_urls=urls)
    )


def poll(service: Service, now: datetime) -> FeedPollReport:
    async def run() -> list[FeedPollReport]:
        feeds = service.config.feeds
        async with make_http_client(feeds.user_agent, feeds.timeout) as client:
            return await poll_feeds(
                client, service.store, feeds, now, force=True, matcher_of=lambda: service.matcher
            )

    [report] = asyncio.run(run())
    return report


def fetch_and_parse(url: str) -> ParsedFeed:
    async def run() -> FetchResult:
        async with httpx.AsyncClient(trust_env=False) as client:
            return await fetch_feed(
                client, url, etag=None, last_modified=None, max_bytes=1_000_000, timeout=5.0
            )

    fetched = asyncio.run(run())
    assert fetched.ok, fetched.error
    return parse_feed(fetched.body, url, content_type=fetched.content_type)


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


# ------------------------------------------------------------- one guid twice


def test_a_guid_listed_twice_stores_its_first_listing_and_never_flips(
    feed_server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = feed_server.url("/a.feed")
    feed_server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, [url])
    poll(service, NOW)  # the first poll stores the back catalogue silently

    feed_server.publish("/a.feed", rss([FIRST, OTHER, SECOND, OLD]))
    found = poll(service, NOW + timedelta(minutes=15))
    assert (found.status, found.new, found.updated) == ("ok", 2, 0)
    [alert] = found.alerts
    assert (alert.article.title, alert.watchlists, alert.updated) == (
        FIRST[1],
        ("TRIPP",),
        False,
    )
    stored = service.store.article("guid:dup")
    assert stored is not None and stored.title == FIRST[1]
    assert len(messages(caplog, "listed more than once")) == 1

    # Served again (a new ETag, so parsed again), and again: nothing changes, no alert.
    for minutes in (30, 45):
        feed_server.publish("/a.feed", rss([FIRST, OTHER, SECOND, OLD]))
        again = poll(service, NOW + timedelta(minutes=minutes))
        assert (again.status, again.new, again.updated, again.alerts) == ("ok", 0, 0, ())
    stored = service.store.article("guid:dup")
    assert stored is not None and stored.title == FIRST[1]
    service.close()


# ------------------------------------------------------------- invalid UTF-8

UTF8_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    "<title>Tbilisi — Ümit</title><item><guid>u1</guid>"
    "<title>Café in Baku — “news”</title>"
    "<description>A naïve STRAY text.</description></item></channel></rss>"
).encode()
BROKEN = UTF8_FEED.replace(b"STRAY", b"\xff")  # one byte that is no UTF-8


@pytest.mark.parametrize(
    "content_type",
    [RSS_TYPE, "application/rss+xml", "text/xml", "application/xml; charset=UTF8"],
)
def test_one_invalid_byte_in_a_utf8_feed_is_one_replacement_not_mojibake(
    feed_server: FeedServer, content_type: str
) -> None:
    feed_server.serve_feed("/feed", BROKEN, content_type=content_type)

    parsed = fetch_and_parse(feed_server.url("/feed"))

    assert parsed.error is None
    assert parsed.title == "Tbilisi — Ümit"
    [article] = parsed.articles
    assert article.title == "Café in Baku — “news”"
    assert article.text == "A naïve \ufffd text."
    assert parsed.warning == "1 invalid UTF-8 sequence(s) read as \ufffd"


def test_a_feed_that_declares_another_encoding_is_read_in_it(feed_server: FeedServer) -> None:
    # The server says UTF-8, the document says Latin-1 and is: it is not "repaired".
    latin = UTF8_FEED.decode().replace('encoding="utf-8"', 'encoding="iso-8859-1"')
    body = latin.replace("—", "-").replace("“", '"').replace("”", '"').encode("latin-1")
    feed_server.serve_feed("/feed", body, content_type=RSS_TYPE)

    [article] = fetch_and_parse(feed_server.url("/feed")).articles

    assert article.title == 'Café in Baku - "news"'
    assert article.text == "A naïve STRAY text."


def test_a_feed_that_is_all_windows_1252_is_left_to_feedparser(feed_server: FeedServer) -> None:
    # Declared UTF-8 but not UTF-8 at all: no valid multi-byte character anywhere, so
    # reading it as UTF-8 would only replace every accent; feedparser's fallback is right.
    body = UTF8_FEED.decode().replace("STRAY", "it’s").encode("cp1252")
    feed_server.serve_feed("/feed", body)

    parsed = fetch_and_parse(feed_server.url("/feed"))

    [article] = parsed.articles
    assert article.title == "Café in Baku — “news”"
    assert article.text == "A naïve it’s text."
    assert parsed.warning is not None and "invalid UTF-8" not in parsed.warning


# ------------------------------------------------------------- empty items


def test_an_item_with_nothing_in_it_is_skipped_with_one_log_line(
    feed_server: FeedServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    items = rss([OLD, OTHER])
    at = items.index(b"<item>", items.index(b"</item>"))
    empty = (
        b"<item></item><item><title> </title><description><![CDATA[<p> </p>]]></description></item>"
    )
    only_text = b"<item><description>Only a text, no guid, link or title.</description></item>"
    feed_server.serve_feed("/a.feed", items[:at] + empty + only_text + items[at:])
    url = feed_server.url("/a.feed")
    service = make_service(tmp_path, [url])

    report = poll(service, NOW)

    assert (report.status, report.new) == ("ok", 3)  # OLD, OTHER and the text-only item
    assert service.store.article_count() == 3
    [line] = messages(caplog, "empty item")
    assert "skipped 2 empty item(s) with no guid, link, title or text (item 2, 3)" in line
    service.close()
