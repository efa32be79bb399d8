"""Health end to end: admins told once when a feed fails for too long and once when it
recovers (across restarts too), /status in Telegram, and `caci-watch status` reading
what a running bot wrote."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import health
from bot.app.config import Config
from tests.bot_harness import ADMIN_ID, REPO, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.runtime.test_run_command import start, write_config

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
USER = 4242
ITEM = ("77", "Cargo on the Middle Corridor", "<p>Trans-Caspian volumes grew.</p>", T0)


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN, private_per_second=None) as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def config_for(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer) -> Config:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    feeds_cfg = dataclasses.replace(config.feeds, alert_admins_after=timedelta(hours=1))
    return dataclasses.replace(config, feeds=feeds_cfg)


def notices(fake: FakeTelegram) -> list[str]:
    return [m.text for m in fake.messages_to(ADMIN_ID)]


def test_admins_hear_once_of_a_long_failure_and_once_of_the_recovery(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    config = config_for(tmp_path, fake, feeds)
    clock = Clock(T0)
    feeds.respond("/a.feed", 503, b"down for maintenance", headers={"Retry-After": "60"})

    async def failing_for_a_while() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            for minutes in (0, 20, 40, 59):
                clock.set(T0 + timedelta(minutes=minutes))
                await b.poll()
            assert await b.outbox_settled()
            assert notices(fake) == [], "a failure shorter than an hour is not mentioned"
            clock.set(T0 + timedelta(minutes=61))
            await b.poll()
            [down] = await b.messages(ADMIN_ID, 1)
            assert "A feed has stopped working" in down.text
            assert feeds.url("/a.feed") in down.text and "503" in down.text
            assert "Failing since 2026-11-26 09:00 UTC" in down.text
            for minutes in (90, 180, 400):
                clock.set(T0 + timedelta(minutes=minutes))
                await b.poll()
            assert await b.outbox_settled()

    async def after_a_restart_it_recovers() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            clock.set(T0 + timedelta(hours=8))
            await b.poll()
            assert await b.outbox_settled()
            assert len(notices(fake)) == 1, "the restart does not repeat the notice"
            feeds.serve_feed("/a.feed", rss([ITEM]))
            clock.set(T0 + timedelta(hours=20))
            await b.poll()
            [_, up] = await b.messages(ADMIN_ID, 2)
            assert "A feed works again" in up.text
            assert "failing since 2026-11-26 09:00 UTC" in up.text
            for hours in (21, 22):
                clock.set(T0 + timedelta(hours=hours))
                await b.poll()
            assert await b.outbox_settled()

    asyncio.run(failing_for_a_while())
    asyncio.run(after_a_restart_it_recovers())
    assert len(notices(fake)) == 2
    assert [c.params["chat_id"] for c in fake.calls_to("sendMessage")] == [ADMIN_ID] * 2


def test_status_in_telegram_shows_feeds_outbox_subscribers_and_digests_to_admins_only(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    config = config_for(tmp_path, fake, feeds)
    clock = Clock(T0)
    feeds.respond("/a.feed", 500, b"oops")

    async def scenario() -> None:
        async with BotUnderTest(config, fake, clock, pacer=fast_pacer()) as b:
            await b.send("/start", user_id=USER)
            await b.poll()
            await b.digest_tick()
            [status] = await b.send("/status", user_id=ADMIN_ID)
            text = status.text
            assert "caci-watch" in text and "Needs attention" not in text
            assert feeds.url("/a.feed") + ": FAILING" in text
            assert "last error: 2026-11-26 09:00 UTC" in text and "HTTP 500" in text
            assert "next poll: 2026-11-26 09:0" in text
            assert "outbox backlog: 0 message(s)" in text
            assert "1 active (0 group chats), 0 inactive" in text
            assert "last digest run: 2026-11-26 09:00 UTC" in text
            [refused] = await b.send("/status", user_id=USER)
            assert "for the bot's admins" in refused.text

    asyncio.run(scenario())


def status_command(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "status"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_the_status_command_reads_what_the_running_bot_wrote(
    tmp_path: Path, feeds: FeedServer
) -> None:
    feeds.serve_feed("/a.feed", rss([ITEM]))
    config = write_config(tmp_path, feeds)

    before = status_command(config)
    assert before.returncode == 1, "a bot that never ran needs attention"
    assert "the bot is not running" in before.stdout

    proc = start(config)  # no token: the console sender
    try:
        deadline = time.monotonic() + 30
        while True:
            shown = status_command(config)
            if all(s in shown.stdout for s in ("Bot: running", ": OK", "last digest run: 2")):
                break
            assert time.monotonic() < deadline, shown.stdout + shown.stderr
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert shown.returncode == 0, shown.stdout
    assert "All well." in shown.stdout
    assert "last success: 20" in shown.stdout
    assert "last digest run: " in shown.stdout and ", ok" in shown.stdout
    assert shown.stderr == ""


# -- the bookkeeping behind the notices ----------------------------------------------


def test_a_poll_saving_its_feed_row_does_not_undo_a_notice_recorded_meanwhile() -> None:
    from bot.domain.models import FeedState
    from bot.storage import open_store

    store = open_store(":memory:")
    url = "https://example.org/a.feed"
    read_before_the_fetch = FeedState(url=url, error_count=3, failing_since=T0)
    store.save_feed_state(read_before_the_fetch)
    store.set_down_notice(url, T0)  # the bot told the admins while a manual poll fetched
    store.save_feed_state(replace(read_before_the_fetch, error_count=4))
    assert store.feed_state(url).down_notice_for == T0


def test_with_no_admins_a_failure_stays_untold_until_an_admin_is_added(
    tmp_path: Path, feeds: FeedServer
) -> None:
    from bot.app.poll import poll_once
    from bot.app.service import build_service

    config = make_config(
        tmp_path, api_url="http://127.0.0.1:9", feed_urls=[feeds.url("/a.feed")], admins=()
    )
    feeds.respond("/a.feed", 500)
    service = build_service(config)
    try:
        asyncio.run(poll_once(service, T0))
        assert health.feed_alarm_tick(service, T0 + timedelta(hours=2)) == 0
        assert service.store.feed_state(feeds.url("/a.feed")).down_notice_for is None
        service.config = replace(config, telegram=replace(config.telegram, admins=(ADMIN_ID,)))
        assert health.feed_alarm_tick(service, T0 + timedelta(hours=3)) == 1
        assert service.store.outbox.pending_count(ADMIN_ID) == 1
    finally:
        service.close()


def test_a_feed_already_failing_before_the_upgrade_counts_as_failing_after_it(
    tmp_path: Path,
) -> None:
    import sqlite3

    from bot.storage import open_store
    from bot.storage.database import MIGRATIONS

    db = tmp_path / "v4.sqlite3"
    conn = sqlite3.connect(db)
    for migration in MIGRATIONS[:4]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 4")
    conn.execute(
        "INSERT INTO feeds (url, error_count, last_error_at, last_error)"
        " VALUES ('https://example.org/a.feed', 7, '2026-11-26T06:00:00+00:00', 'HTTP 503')"
    )
    conn.commit()
    conn.close()

    store = open_store(db)
    state = store.feed_state("https://example.org/a.feed")
    assert state.failing_since == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert state.down_notice_for is None
