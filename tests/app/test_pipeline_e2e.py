"""The pipeline end to end: a real loopback feed server, real httpx, feedparser and SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import digests, watchlist_sync
from bot.app.config import Config, builtin_config
from bot.app.poll import FeedPollReport, poll_feeds
from bot.app.service import Service, build_service
from bot.feeds.fetch import make_http_client
from bot.messages.console import render_digest_console
from tests.factories import on_store, rss
from tests.feed_server import FeedServer, Oversize, SlowResponse

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)

WATCHLIST_FILES = {
    "tripp.toml": 'name = "TRIPP"\nterms = [{ text = "TRIPP", exact = true }, '
    '"Trump Route for International Peace and Prosperity", "Zangezur corridor"]\n',
    "middle-corridor.toml": 'name = "Middle Corridor"\nterms = ["Middle Corridor"]\n',
}


OLD = (
    "1001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation quarrels.</p>",
    NOW - timedelta(days=20),
)
TRIPP_ITEM = (
    "1002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the <em>Trump Route for International Peace and "
    "Prosperity</em> (TRIPP) across Syunik.</p>",
    NOW - timedelta(hours=2),
)


WATER = (
    "1004",
    "Fergana Water Talks",
    "<p>The Kambarata dam divides neighbours.</p>",
    NOW - timedelta(hours=1),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def make_service(tmp_path: Path, store_url: str, urls: Sequence[str], **feeds: object) -> Service:
    lists = tmp_path / "watchlists"
    lists.mkdir(exist_ok=True)
    for name, text in WATCHLIST_FILES.items():
        (lists / name).write_text(text, encoding="utf-8")
    config: Config = builtin_config(
        store_path=tmp_path / "store.sqlite3", watchlists_dir=lists, feed_urls=list(urls)
    )
    config = replace(config, feeds=replace(config.feeds, **feeds))  # type: ignore[arg-type]
    return build_service(on_store(config, store_url))


def poll(service: Service, now: datetime, *, force: bool = True) -> list[FeedPollReport]:
    async def run() -> list[FeedPollReport]:
        feeds = service.config.feeds
        async with make_http_client(feeds.user_agent, feeds.timeout) as client:
            return await poll_feeds(
                client, service.store, feeds, now, force=force, matcher_of=lambda: service.matcher
            )

    return asyncio.run(run())


def test_first_poll_stores_silently_then_a_new_matching_article_alerts(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])

    [first] = poll(service, NOW)
    assert (first.status, first.new, first.alerts) == ("ok", 1, ())

    server.publish("/a.feed", rss([TRIPP_ITEM, OLD]))
    [second] = poll(service, NOW + timedelta(minutes=15))
    assert (second.status, second.new) == ("ok", 1)
    [alert] = second.alerts
    assert alert.article.title == "Iran Watches the New Route"
    assert alert.watchlists == ("TRIPP",)
    match = alert.matches[0]
    assert "Trump Route for International Peace and Prosperity" in match.snippet
    assert match.snippet[match.mark_start : match.mark_end] == match.matched_text


def test_unchanged_feed_is_fetched_conditionally_and_answers_not_modified(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    feed = server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    [again] = poll(service, NOW + timedelta(minutes=15))
    assert again.status == "not_modified"
    last = server.requests_for("/a.feed")[-1]
    assert last.headers.get("if-none-match") == feed.etag
    assert last.headers.get("if-modified-since") == feed.last_modified


def test_edited_article_is_stored_as_updated_never_as_a_second_new_one(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    server.publish("/a.feed", rss([TRIPP_ITEM]))
    poll(service, NOW + timedelta(minutes=15))
    edited = (
        TRIPP_ITEM[0],
        TRIPP_ITEM[1],
        TRIPP_ITEM[2] + "<p>It also feeds the Middle Corridor.</p>",
        TRIPP_ITEM[3],
    )
    server.publish("/a.feed", rss([edited]))
    [report] = poll(service, NOW + timedelta(minutes=30))
    assert (report.new, report.updated) == (0, 1)
    # The edit brings a watchlist the article did not match before: that alone alerts.
    [alert] = report.alerts
    assert alert.updated and alert.watchlists == ("Middle Corridor",)
    assert service.store.article_count() == 2


def test_a_failing_feed_backs_off_without_stopping_the_others(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/good.feed", rss([OLD]))
    server.respond("/down.feed", 503, headers={"Retry-After": "3600"})
    server.respond("/broken.feed", 500)
    urls = [server.url(p) for p in ("/down.feed", "/broken.feed", "/good.feed")]
    service = make_service(tmp_path, store_url, urls)

    reports = {r.url: r for r in poll(service, NOW)}
    assert reports[urls[2]].status == "ok" and reports[urls[2]].new == 1
    assert reports[urls[0]].status == "error" and "503" in (reports[urls[0]].error or "")
    assert reports[urls[1]].status == "error" and "500" in (reports[urls[1]].error or "")

    down = service.store.feed_state(urls[0])
    assert down.error_count == 1
    assert down.next_poll_at is not None and down.next_poll_at >= NOW + timedelta(seconds=3600)
    # Retry-After outweighs the backoff: the next scheduled poll leaves that feed alone.
    later = {r.url: r.status for r in poll(service, NOW + timedelta(minutes=16), force=False)}
    assert later[urls[0]] == "not_due"

    # The 500 feed was due again, failed again, and now waits twice as long.
    broken = service.store.feed_state(urls[1])
    assert broken.error_count == 2
    assert broken.next_poll_at == NOW + timedelta(minutes=16) + 2 * timedelta(minutes=15)


def test_malformed_feed_keeps_what_was_stored_and_recovers(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    server.publish("/a.feed", rss([TRIPP_ITEM, OLD])[:300])
    [broken] = poll(service, NOW + timedelta(minutes=15))
    assert broken.status == "error"
    assert service.store.article_count() == 1
    server.publish("/a.feed", rss([TRIPP_ITEM, OLD]))
    [healed] = poll(service, NOW + timedelta(minutes=30))
    assert healed.status == "ok" and len(healed.alerts) == 1
    assert service.store.feed_state(server.url("/a.feed")).error_count == 0


def test_html_page_served_with_200_is_reported_as_not_a_feed(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.respond(
        "/a.feed",
        200,
        b"<!DOCTYPE html><html><body>Maintenance</body></html>",
        content_type="text/html; charset=utf-8",
    )
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    [report] = poll(service, NOW)
    assert report.status == "error"
    assert service.store.feed_state(server.url("/a.feed")).last_error == report.error


def test_permanent_redirect_is_remembered_for_the_next_polls(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/new.feed", rss([OLD]))
    server.redirect("/old.feed", "/new.feed", status=301)
    service = make_service(tmp_path, store_url, [server.url("/old.feed")])
    poll(service, NOW)
    state = service.store.feed_state(server.url("/old.feed"))
    assert state.effective_url == server.url("/new.feed")
    poll(service, NOW + timedelta(minutes=15))
    assert len(server.requests_for("/old.feed")) == 1
    assert len(server.requests_for("/new.feed")) == 2


def test_backfill_alerts_on_a_first_poll_only_within_its_window(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    older_tripp = ("1003", "An Older Look at TRIPP", "<p>TRIPP again.</p>", NOW - timedelta(days=9))
    server.serve_feed("/a.feed", rss([TRIPP_ITEM, older_tripp]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")], backfill_days=3)
    [report] = poll(service, NOW)
    assert [a.article.title for a in report.alerts] == ["Iran Watches the New Route"]


def test_digest_covers_what_arrived_in_its_window_with_feed_health(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    server.publish("/a.feed", rss([TRIPP_ITEM, OLD]))
    poll(service, NOW + timedelta(hours=1))

    digest = digests.digest_between(service, NOW + timedelta(minutes=30), NOW + timedelta(hours=2))
    assert [e.article.title for e in digest.entries] == ["Iran Watches the New Route"]
    assert digest.unmatched_count == 0
    text = render_digest_console(
        digest, now=NOW + timedelta(hours=2), stale_after=timedelta(days=45)
    )
    assert "Watchlists: TRIPP" in text
    assert f"ok  {server.url('/a.feed')}: last fetched 1h ago" in text


def test_edited_watchlist_file_rematches_recent_articles_into_the_next_digest(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([WATER, OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    assert digests.digest_between(service, NOW, NOW + timedelta(hours=1)).is_empty

    (tmp_path / "watchlists" / "water.toml").write_text(
        'name = "Water"\nterms = ["Kambarata dam"]\n'
    )
    later = NOW + timedelta(hours=3)
    changes = watchlist_sync.reload_watchlists(service, later)
    assert [(c.kind, c.name) for c in changes] == [("added", "Water")]
    assert [(e.actor, e.action) for e in service.store.audit_for("Water")] == [("file", "added")]

    digest = digests.digest_between(service, later, later + timedelta(hours=1))
    [entry] = digest.entries
    assert entry.article.title == "Fergana Water Talks"
    assert entry.rematched and entry.watchlists == ("Water",)
    text = render_digest_console(digest, now=later, stale_after=timedelta(days=45))
    assert "newly matching after a watchlist change" in text


def test_broken_watchlist_edit_keeps_matching_with_the_last_good_version(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([OLD]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    poll(service, NOW)
    (tmp_path / "watchlists" / "tripp.toml").write_text('name = "TRIPP"\nterms = [\n')
    [change] = watchlist_sync.reload_watchlists(service, NOW + timedelta(minutes=1))
    assert change.kind == "invalid" and "tripp.toml:" in change.error
    server.publish("/a.feed", rss([TRIPP_ITEM, OLD]))
    [report] = poll(service, NOW + timedelta(minutes=15))
    assert [a.watchlists for a in report.alerts] == [("TRIPP",)]


def test_watchlist_edited_while_the_bot_was_stopped_is_acted_on_at_start(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/a.feed", rss([WATER]))
    service = make_service(tmp_path, store_url, [server.url("/a.feed")])
    watchlist_sync.reload_watchlists(service, NOW)
    poll(service, NOW)
    service.close()

    (tmp_path / "watchlists" / "water.toml").write_text('name = "Water"\nterms = ["Kambarata"]\n')
    restarted = make_service(tmp_path, store_url, [server.url("/a.feed")])
    start = NOW + timedelta(hours=5)
    watchlist_sync.reload_watchlists(restarted, start)
    assert [(e.actor, e.action) for e in restarted.store.audit_for("Water")] == [("file", "added")]
    [entry] = digests.digest_between(restarted, start, start + timedelta(minutes=1)).entries
    assert entry.rematched and entry.watchlists == ("Water",)
    # Nothing changed since: the next reload neither audits nor matches again.
    watchlist_sync.reload_watchlists(restarted, start + timedelta(minutes=1))
    assert len(restarted.store.audit_for("Water")) == 1
    assert len(restarted.store.audit_for("TRIPP")) == 1


def test_slow_and_oversize_feeds_fail_with_their_reason_without_holding_up_the_others(
    server: FeedServer, tmp_path: Path, store_url: str
) -> None:
    server.serve_feed("/good.feed", rss([TRIPP_ITEM]))
    server.set_route("/slow.feed", SlowResponse())
    server.set_route("/huge.feed", Oversize(total_bytes=50 * 1024 * 1024))
    urls = [server.url(p) for p in ("/slow.feed", "/huge.feed", "/good.feed")]
    service = make_service(
        tmp_path, store_url, urls, timeout=timedelta(milliseconds=500), max_bytes=1_000_000
    )
    reports = {r.url: r for r in poll(service, NOW)}
    assert reports[urls[2]].status == "ok" and reports[urls[2]].new == 1
    assert "timeout" in (reports[urls[0]].error or "")
    assert "larger than 1000000 bytes" in (reports[urls[1]].error or "")
    for url in urls[:2]:
        state = service.store.feed_state(url)
        assert state.error_count == 1 and state.next_poll_at is not None
        assert state.next_poll_at > NOW
