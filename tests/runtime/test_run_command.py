"""`caci-watch run` as an operator starts it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot_harness import REPO, TOKEN
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def write_config(
    tmp: Path, feeds: FeedServer, api_url: str = "http://127.0.0.1:9", store: str = ""
) -> Path:
    config = tmp / "config.toml"
    lists = tmp / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    config.write_text(
        f'[feeds]\nurls = ["{feeds.url("/a.feed")}"]\n'
        + (
            f'[store]\nurl = "{store}"\n'
            if store.startswith("postgresql://")
            else f'[store]\npath = "{store or f"{tmp}/store/bot.sqlite3"}"\n'
        )
        + f'[watchlists]\ndir = "{lists}"\n'
        f'[telegram]\napi_url = "{api_url}"\n'
    )
    return config


def start(config: Path, **env: str) -> subprocess.Popen[str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CACI_WATCH_TOKEN", "CREDENTIALS_DIRECTORY")
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env={**environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    return proc.returncode, out, err


def test_without_a_token_it_runs_on_the_console_and_says_so(
    tmp_path: Path, feeds: FeedServer
) -> None:
    proc = start(write_config(tmp_path, feeds))
    try:
        assert feeds.wait_for_requests("/a.feed", 1, timeout=30)
    finally:
        code, _, err = stop(proc)
    assert code == 0
    assert "console sender" in err


def test_with_a_token_it_answers_telegram_and_the_token_stays_out_of_its_output(
    tmp_path: Path, feeds: FeedServer, store_url: str
) -> None:
    with FakeTelegram(token=TOKEN) as fake:
        config = write_config(tmp_path, feeds, fake.api_url, store_url)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            fake.wait_for_call("getUpdates", 1, timeout=30)
            fake.user_sends("/start", user_id=31)
            [welcome] = fake.wait_for_messages(31, 1, timeout=15)
        finally:
            code, out, err = stop(proc)
    assert "Central Asia-Caucasus Analyst" in welcome.text
    assert code == 0
    assert TOKEN.split(":")[1] not in out + err
    assert "status=stopped" in err


def test_a_token_from_the_systemd_credential_is_used(tmp_path: Path, feeds: FeedServer) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "telegram-token").write_text(TOKEN + "\n")
    with FakeTelegram(token=TOKEN) as fake:
        proc = start(write_config(tmp_path, feeds, fake.api_url), CREDENTIALS_DIRECTORY=str(creds))
        try:
            assert fake.wait_for_call("getUpdates", 1, timeout=30)
        finally:
            code, _, err = stop(proc)
    assert code == 0
    assert "console sender" not in err


def test_a_malformed_token_is_a_one_line_error(tmp_path: Path, feeds: FeedServer) -> None:
    proc = start(write_config(tmp_path, feeds), CACI_WATCH_TOKEN="nonsense secret")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "does not look like a Telegram bot token" in err
    assert "nonsense secret" not in err
    assert "Traceback" not in err


def test_after_kill_9_mid_fan_out_a_restart_delivers_the_rest_with_at_most_one_repeat(
    tmp_path: Path, feeds: FeedServer, store_url: str
) -> None:
    from datetime import UTC, datetime

    from bot.domain.models import OutgoingMessage
    from bot.storage import open_store

    chats = list(range(1, 81))
    store = open_store(store_url)
    store.outbox.enqueue(
        [OutgoingMessage(f"digest:{c}:2026-11-26:1", c, "digest", f"for {c}") for c in chats],
        datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
    )
    store.close()
    with FakeTelegram(token=TOKEN, send_delay=0.005) as fake:
        config = write_config(tmp_path, feeds, fake.api_url, store_url)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            assert fake.wait_for(lambda: len(fake.sent) >= 25, timeout=30)
        finally:
            proc.kill()
            proc.wait(timeout=10)
        killed_after = len(fake.sent)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            assert fake.wait_for(lambda: {m.chat_id for m in fake.sent} >= set(chats), timeout=60)
        finally:
            code, _, _ = stop(proc)
        per_chat = [len(fake.messages_to(c)) for c in chats]
    assert killed_after < len(chats)
    assert code == 0
    assert min(per_chat) == 1
    assert sum(per_chat) - len(chats) <= 1, "at most the message in flight is repeated"


def test_a_token_telegram_refuses_is_a_one_line_error(tmp_path: Path, feeds: FeedServer) -> None:
    with FakeTelegram(token="999:" + "Z" * 35) as fake:
        proc = start(write_config(tmp_path, feeds, fake.api_url), CACI_WATCH_TOKEN=TOKEN)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "refused the bot token" in err
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err


def test_telegram_down_at_boot_is_waited_out_and_sigterm_still_stops_promptly(
    tmp_path: Path, feeds: FeedServer
) -> None:
    with FakeTelegram(token=TOKEN) as fake:
        fake.outage(True)
        config = write_config(tmp_path, feeds, fake.api_url)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            assert fake.wait_for_call("getMe", 2, timeout=30)
            fake.outage(False)
            fake.user_sends("/help", user_id=5)
            [answer] = fake.wait_for_messages(5, 1, timeout=30)
        finally:
            code, _, err = stop(proc)
        assert "What I can do" in answer.text
        assert code == 0
        assert "status=telegram_unreachable" in err

        fake.outage(True)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        assert fake.wait_for_call("getMe", 4, timeout=30)
        code, _, err = stop(proc)
        assert code == 0
        assert "signal_while_starting" in err


def test_a_digest_due_at_start_up_includes_what_the_first_poll_finds(
    tmp_path: Path, feeds: FeedServer, store_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.storage import open_store

    now = datetime.now(UTC)
    created = now - timedelta(days=2)
    store = open_store(store_url)
    store.chats.ensure(
        77,
        kind="private",
        title="Ann",
        timezone="UTC",
        digest_time=(now - timedelta(minutes=2)).strftime("%H:%M"),
        now=created,
    )
    store.chats.update_settings(77, created, mode="daily")
    store.chats.subscribe(77, "Middle Corridor", created)
    store.close()
    # Published while the bot was down: only the first poll after the start can see it.
    feeds.serve_feed(
        "/a.feed",
        rss([("m1", "Freight on the Middle Corridor", "<p>The Middle Corridor grew.</p>", now)]),
    )
    with FakeTelegram(token=TOKEN) as fake:
        config = write_config(tmp_path, feeds, fake.api_url, store_url)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            [digest] = fake.wait_for_messages(77, 1, timeout=30)
        finally:
            code, _, _ = stop(proc)
    assert code == 0
    assert "Freight on the Middle Corridor" in digest.text


def test_run_refuses_a_missing_watchlists_directory_with_one_line(
    tmp_path: Path, feeds: FeedServer
) -> None:
    config = write_config(tmp_path, feeds)
    config.write_text(
        config.read_text().replace(str(tmp_path / "watchlists"), str(tmp_path / "nope"))
    )
    proc = start(config)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    [line] = err.strip().splitlines()
    assert "[watchlists] dir" in line and "is not a directory" in line


@pytest.mark.parametrize("method", ["deleteWebhook", "setMyCommands", "getUpdates"])
def test_telegram_failing_any_start_up_step_is_retried_not_fatal(
    tmp_path: Path, feeds: FeedServer, method: str
) -> None:
    from tests.fake_telegram import DROP, ApiError

    with FakeTelegram(token=TOKEN) as fake:
        fake.script(method, [ApiError.bad_gateway(), DROP])
        proc = start(write_config(tmp_path, feeds, fake.api_url), CACI_WATCH_TOKEN=TOKEN)
        try:
            assert fake.wait_for_call(method, 3, timeout=30)
            fake.user_sends("/help", user_id=5)
            [answer] = fake.wait_for_messages(5, 1, timeout=30)
        finally:
            code, _, err = stop(proc)
    assert "What I can do" in answer.text
    assert code == 0, err
    assert "Traceback" not in err
