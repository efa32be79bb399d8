"""Feeds parsed in a child process: the same articles as parsing here, feedparser never in
the bot, and a child that crashes, hangs or floods fails its own feed only."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.config import builtin_config
from bot.app.poll import poll_feeds
from bot.app.service import build_service
from bot.feeds.fetch import make_http_client
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.parse_child import CHILD_COMMAND, parse_in_child
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.feeds.test_feeds import SNAPSHOT_URL, snapshot_bytes

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
ITEM = ("1001", "Ferries on the Caspian", "<p>Ferries sail daily.</p>", NOW - timedelta(hours=1))


def python(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(snapshot_bytes(), id="the CACI snapshot"),
        pytest.param(rss([ITEM]) + b"<!-- cut", id="a warning"),
        pytest.param(rss([]).replace(b"</channel>", b"<item></item></channel>"), id="empty item"),
        pytest.param(b"<!doctype html><html><body>Moved</body></html>", id="an HTML page"),
        pytest.param(
            rss([("g", "Caf\u00e9 \U0001f680 &#xD800;", "<p>\u0130stanbul &#0; \u2028</p>", NOW)]),
            id="odd characters",
        ),
    ],
)
def test_a_feed_parsed_in_the_child_gives_what_parsing_here_gives(body: bytes) -> None:
    here = parse_feed(body, SNAPSHOT_URL, content_type="application/rss+xml")
    there = asyncio.run(parse_in_child(body, SNAPSHOT_URL, content_type="application/rss+xml"))
    assert there == here


def test_a_feed_whose_parser_crashes_fails_with_a_clear_error() -> None:
    parsed = asyncio.run(
        parse_in_child(rss([ITEM]), "https://e/f", command=python("import os; os.abort()"))
    )
    assert parsed.articles == []
    assert parsed.error == "the feed parser failed on this feed (killed by SIGABRT)"


def test_a_parser_that_raises_says_its_last_line() -> None:
    code = "import sys; sys.stdin.read(); raise RecursionError('too deep')"
    parsed = asyncio.run(parse_in_child(rss([ITEM]), "https://e/f", command=python(code)))
    assert parsed.error == (
        "the feed parser failed on this feed (exit code 1: RecursionError: too deep)"
    )


def test_a_parser_that_hangs_is_stopped_and_its_feed_fails() -> None:
    code = "import time; time.sleep(600)"
    parsed = asyncio.run(
        parse_in_child(rss([ITEM]), "https://e/f", timeout=0.5, command=python(code))
    )
    assert parsed.error == "the feed parser took longer than 0.5 s and was stopped"


def test_a_parser_that_writes_without_end_is_stopped_at_its_cap() -> None:
    code = "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)"
    parsed = asyncio.run(parse_in_child(b"<rss/>", "https://e/f", command=python(code)))
    assert parsed.error == "the feed parser wrote more than 1 MB and was stopped"


@pytest.mark.parametrize("answer", ["print('not json')", "print('[1, 2]')", "print('{}')"])
def test_a_parser_that_answers_garbage_fails_that_feed_with_a_clear_error(answer: str) -> None:
    parsed = asyncio.run(parse_in_child(b"<rss/>", "https://e/f", command=python(answer)))
    assert parsed.error == "the feed parser gave an answer that could not be read"
    assert parsed.articles == []


def test_a_feed_that_crashes_its_parser_fails_alone_and_the_poll_goes_on(
    server: FeedServer, tmp_path: Path
) -> None:
    server.serve_feed("/bad.feed", rss([ITEM]))
    server.serve_feed("/good.feed", rss([ITEM]))
    lists = tmp_path / "watchlists"
    lists.mkdir()
    (lists / "ferries.toml").write_text('name = "Ferries"\nterms = ["ferries"]\n')
    urls = [server.url("/bad.feed"), server.url("/good.feed")]
    config = builtin_config(store_path=tmp_path / "s.sqlite3", watchlists_dir=lists, feed_urls=urls)
    service = build_service(config)

    def parse(body: bytes, feed_url: str, *, content_type: str | None) -> Awaitable[ParsedFeed]:
        crash: Sequence[str] = python("import os; os.abort()")
        command = crash if feed_url.endswith("/bad.feed") else CHILD_COMMAND
        return parse_in_child(body, feed_url, content_type=content_type, command=command)

    async def poll() -> list[str | None]:
        feeds = service.config.feeds
        async with make_http_client(feeds.user_agent, feeds.timeout) as client:
            reports = await poll_feeds(
                client,
                service.store,
                feeds,
                NOW,
                force=True,
                matcher_of=lambda: service.matcher,
                parse=parse,
            )
        return [r.error if r.status == "error" else r.status for r in reports]

    assert asyncio.run(poll()) == [
        "the feed parser failed on this feed (killed by SIGABRT)",
        "ok",
    ]
    bad = service.store.feed_state(urls[0])
    assert (bad.error_count, bad.last_error) == (
        1,
        "the feed parser failed on this feed (killed by SIGABRT)",
    )
    assert service.store.known_articles([f"guid:{ITEM[0]}"])
    service.store.close()


def test_a_poll_that_stores_articles_never_loads_feedparser_into_the_bot(
    server: FeedServer, tmp_path: Path
) -> None:
    server.serve_feed("/a.feed", rss([ITEM]))
    (tmp_path / "watchlists").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[feeds]\nurls = ["{server.url("/a.feed")}"]\n'
        f'[store]\npath = "{tmp_path}/s.sqlite3"\n'
        f'[watchlists]\ndir = "{tmp_path}/watchlists"\n'
    )
    code = (
        "import sys\nfrom bot.cli.main import main\ncode = main(['poll', '--once'])\n"
        "print('feedparser' in sys.modules, code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CACI_WATCH_CONFIG": str(config)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "False 0"
    assert "new=1" in done.stdout or "1 new" in done.stdout, done.stdout
