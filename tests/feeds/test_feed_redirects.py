"""Feed redirects never lead to loopback, private or otherwise non-public addresses,
except back to the feed's own address and port: real httpx against loopback servers.

The feed servers here are on 127.0.0.1, so a feed's own URL is on a loopback address:
a redirect to another path on the same server is followed, one to another server (port)
on 127.0.0.1, in whatever spelling, is refused, as one to 169.254.169.254 is. A public
feed cannot be served from here; that a public feed may not redirect to 127.0.0.1 at
all is the same rule, tested on literals in test_feed_addresses.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app.config import builtin_config
from bot.app.poll import FeedPollReport, poll_feeds
from bot.app.service import Service, build_service
from bot.feeds.fetch import FetchResult, fetch_feed, make_http_client
from tests.factories import rss
from tests.feed_server import FeedServer

NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
BODY = rss([("1", "Fergana Water Talks", "<p>The Kambarata dam.</p>", NOW)])

# "checked": the bot's own client, which checks each connection's address before
# sending; "plain": any httpx client, where fetch_feed refuses literal addresses before
# connecting and checks the address a response came from.
CLIENTS = ["checked", "plain"]


def new_client(kind: str) -> httpx.AsyncClient:
    if kind == "checked":
        return make_http_client("caci-watch-test", timedelta(seconds=5))
    # trust_env=False: a proxy in the environment must not swallow loopback traffic.
    return httpx.AsyncClient(trust_env=False)


async def fetch_in(client: httpx.AsyncClient, url: str) -> FetchResult:
    return await fetch_feed(
        client, url, etag=None, last_modified=None, max_bytes=1_000_000, timeout=5.0
    )


def fetch(url: str, kind: str = "checked") -> FetchResult:
    async def run() -> FetchResult:
        async with new_client(kind) as client:
            return await fetch_in(client, url)

    return asyncio.run(run())


def port_of(server: FeedServer) -> int:
    port = urlsplit(server.base_url).port
    assert port is not None
    return port


@pytest.fixture
def other_server() -> Iterator[FeedServer]:
    """A second loopback server: same address as ``feed_server``, another port."""
    with FeedServer() as server:
        server.serve_feed("/feed", BODY)
        yield server


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_within_the_feeds_own_address_and_port_is_followed(
    feed_server: FeedServer, kind: str, status: int
) -> None:
    feed_server.serve_feed("/new", BODY)
    feed_server.redirect("/old", "/new", status=status)
    # Spelled another way, the same address and port is still the feed's own.
    feed_server.redirect("/odd", f"http://2130706433:{port_of(feed_server)}/new", status=status)

    for path in ("/old", "/odd"):
        result = fetch(feed_server.url(path), kind)
        assert (result.status, result.error, result.body) == ("ok", None, BODY)


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_redirect_to_another_port_on_loopback_is_refused_unconnected(
    feed_server: FeedServer, other_server: FeedServer, kind: str
) -> None:
    feed_server.redirect("/feed", other_server.url("/feed"), status=301)

    result = fetch(feed_server.url("/feed"), kind)

    port = port_of(other_server)
    assert result.status == "error"
    assert result.error == (
        f"redirect refused: 127.0.0.1:{port} is a loopback address, "
        "on another port than the feed's own"
    )
    assert result.permanent_url is None  # a refused move is never remembered
    assert other_server.requests == []


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # decimal
        "0x7f000001",  # hex
        "0177.1",  # octal, short form
        "0x7f.0.0.1",
        "127.1",  # short form
        "127.0.1",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::ffff:7f00:1]",
    ],
)
def test_every_spelling_of_loopback_is_refused_unconnected(
    feed_server: FeedServer, other_server: FeedServer, kind: str, host: str
) -> None:
    target = f"http://{host}:{port_of(other_server)}/feed"
    feed_server.redirect("/feed", target, status=302)

    result = fetch(feed_server.url("/feed"), kind)

    assert result.status == "error" and result.error is not None
    assert result.error.startswith(f"redirect refused: {host}:{port_of(other_server)} ")
    assert "loopback address, on another port than the feed's own" in result.error
    assert other_server.requests == []


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize(
    ("target", "kind_of_address"),
    [
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://[fe80::1%25eth0]:8080/", "a link-local address"),
        ("http://10.0.0.1/", "a private address"),
        ("http://0.0.0.0:8080/", "an unspecified address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("https://[::1]/", "a loopback address"),
    ],
)
def test_other_non_public_addresses_are_refused_before_connecting(
    feed_server: FeedServer, kind: str, target: str, kind_of_address: str
) -> None:
    feed_server.redirect("/feed", target, status=302)

    result = fetch(feed_server.url("/feed"), kind)

    # Had a connection been tried, these would time out or be refused, not this.
    assert result.status == "error" and result.error is not None
    assert result.error.startswith("redirect refused: ")
    assert result.error.endswith(kind_of_address)


def test_a_name_that_resolves_to_loopback_is_refused_by_the_address_it_reaches(
    feed_server: FeedServer, other_server: FeedServer
) -> None:
    # "localhost" is no address a literal check could catch: the connection's own peer
    # address is checked, before the request is written.
    port = port_of(other_server)
    feed_server.redirect("/feed", f"http://localhost:{port}/feed", status=302)

    result = fetch(feed_server.url("/feed"))

    assert result.status == "error"
    assert result.error == (
        f"redirect refused: localhost:{port} reaches 127.0.0.1, a loopback address, "
        "on another port than the feed's own"
    )
    assert other_server.requests == []  # connected, then refused: nothing was sent


def test_with_any_client_the_address_a_response_came_from_is_still_checked(
    feed_server: FeedServer, other_server: FeedServer
) -> None:
    # Without the bot's transport the request goes out, but its answer is refused.
    feed_server.redirect("/feed", f"http://localhost:{port_of(other_server)}/feed", status=302)

    result = fetch(feed_server.url("/feed"), "plain")

    assert (result.status, result.body) == ("error", b"")
    assert result.error is not None and "reaches 127.0.0.1, a loopback address" in result.error


def test_a_pooled_connection_is_checked_again_when_a_redirect_would_reuse_it(
    feed_server: FeedServer, other_server: FeedServer
) -> None:
    own = f"http://localhost:{port_of(other_server)}/feed"
    feed_server.redirect("/feed", own, status=302)

    async def run() -> tuple[FetchResult, FetchResult]:
        async with new_client("checked") as client:
            # A feed configured at localhost:port may fetch there (its own address),
            # which leaves a kept-alive connection to it in the client's pool...
            first = await fetch_in(client, own)
            # ...which another feed's redirect to the same origin must not use.
            second = await fetch_in(client, feed_server.url("/feed"))
            return first, second

    first, second = asyncio.run(run())

    assert first.status == "ok"
    assert second.status == "error" and second.error is not None
    assert "reaches 127.0.0.1, a loopback address" in second.error
    assert len(other_server.requests) == 1


def test_the_checked_client_reports_network_trouble_as_httpx_does() -> None:
    with FeedServer() as gone:
        url = gone.url("/feed")  # a port that was just closed: nobody listens
    for kind in CLIENTS:
        result = fetch(url, kind)
        assert result.status == "error" and result.error is not None
        assert result.error.startswith("ConnectError: ")


# ------------------------------------------------------------- through a poll


def make_service(tmp_path: Path, urls: list[str]) -> Service:
    lists = tmp_path / "watchlists"
    lists.mkdir()
    (lists / "dam.toml").write_text('name = "Dam"\nterms = ["Kambarata"]\n', encoding="utf-8")
    return build_service(
        builtin_config(store_path=tmp_path / "store.sqlite3", watchlists_dir=lists, feed_urls=urls)
    )


def poll(service: Service, now: datetime) -> list[FeedPollReport]:
    async def run() -> list[FeedPollReport]:
        feeds = service.config.feeds
        async with make_http_client(feeds.user_agent, feeds.timeout) as client:
            return await poll_feeds(
                client, service.store, feeds, now, force=True, matcher_of=lambda: service.matcher
            )

    return asyncio.run(run())


def test_a_refused_redirect_is_the_feeds_error_one_log_line_and_backs_off(
    feed_server: FeedServer,
    other_server: FeedServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    feed_server.redirect("/feed", other_server.url("/feed"), status=301)
    url = feed_server.url("/feed")
    service = make_service(tmp_path, [url])
    interval = service.config.feeds.poll_interval

    [report] = poll(service, NOW)
    state = service.store.feed_state(url)

    assert report.status == "error" and report.error is not None
    assert report.error.startswith("redirect refused: 127.0.0.1:")
    assert (state.last_error, state.error_count) == (report.error, 1)
    assert state.next_poll_at == NOW + interval
    assert state.effective_url is None
    refused = [r for r in caplog.records if "redirect refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING

    # Refused again: like any failing feed, it waits twice as long.
    later = NOW + interval
    poll(service, later)
    state = service.store.feed_state(url)
    assert (state.error_count, state.next_poll_at) == (2, later + 2 * interval)
    assert other_server.requests == []
    service.close()
