"""`caci-watch run` stops gracefully on SIGTERM or SIGINT: it stops polling, finishes or
keeps the message in flight, closes the database and exits 0 within 10 seconds."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.models import OutgoingMessage
from bot.storage import open_store
from tests.bot_harness import REPO, TOKEN
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer, SlowResponse
from tests.runtime.test_run_command import start
from tests.watchlist_copy import copy_watchlists

# The promise to an operator (and systemd's TimeoutStopSec): gone within 10 s.
STOP_DEADLINE = 10.0
# Long enough that the stop signal surely lands while the answer is still awaited.
IN_FLIGHT_SECONDS = 1.5


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def config_for(tmp: Path, feed_url: str, api_url: str, *, timeout: str = "20s") -> Path:
    config = tmp / "config.toml"
    lists = tmp / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    config.write_text(
        f'[feeds]\nurls = ["{feed_url}"]\ntimeout = "{timeout}"\n'
        f'[store]\npath = "{tmp}/store/bot.sqlite3"\n'
        f'[watchlists]\ndir = "{lists}"\n'
        f'[telegram]\napi_url = "{api_url}"\n'
    )
    return config


def signal_and_wait(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    """Send ``sig``; the exit code and stderr, or a failure if it outlives the deadline."""
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        pytest.fail(f"still running {STOP_DEADLINE:g} s after {sig.name}; stderr:\n{err}")
    return proc.returncode, err


def restart_until_delivered(
    config: Path, fake: FakeTelegram, chats: list[int]
) -> tuple[bool, int, str, dict[int, int]]:
    """Start the bot again until every chat has its message, then SIGTERM it: whether all
    arrived, the exit code, stderr, and how many messages each chat got in all."""
    proc = start(config, CACI_WATCH_TOKEN=TOKEN)
    try:
        delivered = fake.wait_for(lambda: {m.chat_id for m in fake.sent} >= set(chats), timeout=30)
    finally:
        code, err = signal_and_wait(proc, signal.SIGTERM)
    return delivered, code, err, {c: len(fake.messages_to(c)) for c in chats}


def last_event(stderr: str) -> str:
    events = [line for line in stderr.splitlines() if line.startswith("ts=")]
    return events[-1] if events else ""


def assert_closed_cleanly(db: Path) -> None:
    # The last connection to close checkpoints the WAL into the database and removes it;
    # after a crash the WAL would still be there, waiting to be replayed.
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "WAL left behind: not closed cleanly"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def enqueue_one_each(db: Path, chats: list[int]) -> None:
    store = open_store(db)
    try:
        store.outbox.enqueue(
            [OutgoingMessage(f"digest:{c}:2026-11-26:1", c, "digest", f"for {c}") for c in chats],
            datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
        )
    finally:
        store.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_stop_signal_with_a_message_in_flight_exits_0_and_a_restart_loses_nothing(
    tmp_path: Path, feeds: FeedServer, sig: signal.Signals
) -> None:
    chats = [11, 12, 13, 14, 15]
    db = tmp_path / "store" / "bot.sqlite3"
    enqueue_one_each(db, chats)
    with FakeTelegram(token=TOKEN) as fake:
        config = config_for(tmp_path, feeds.url("/a.feed"), fake.api_url)
        fake.delay("sendMessage", IN_FLIGHT_SECONDS)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            [call] = fake.wait_for_call("sendMessage", 1, timeout=30)
            assert not fake.sent, "the first message must still be in flight"
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        code, err = signal_and_wait(proc, sig)

        assert code == 0, err
        assert "status=stopped" in last_event(err), err
        assert_closed_cleanly(db)
        in_flight = int(call.params["chat_id"])
        store = open_store(db)
        try:
            found = store.outbox.by_key(f"digest:{in_flight}:2026-11-26:1")
        finally:
            store.close()
        assert found is not None
        _, state = found
        # Finished and recorded, or handed back to the outbox: never marked sent unsent.
        assert state == "pending" or (state == "sent" and fake.messages_to(in_flight)), state

        fake.delay("sendMessage", 0)
        delivered, code, err, per_chat = restart_until_delivered(config, fake, chats)
    assert delivered, per_chat
    assert code == 0, err
    assert min(per_chat.values()) == 1
    assert sum(per_chat.values()) - len(chats) <= 1, "at most the message in flight twice"


def test_sigterm_during_a_hanging_feed_poll_exits_0_promptly_and_quietly(
    tmp_path: Path,
) -> None:
    with FeedServer() as feeds, FakeTelegram(token=TOKEN) as fake:
        # Headers at once, then a few bytes now and then: no per-read timeout fires, and
        # the fetch's own 60 s deadline is far beyond the stop deadline.
        feeds.set_route("/hang.feed", SlowResponse(stall_before_headers=False, max_wait=120))
        db = tmp_path / "store" / "bot.sqlite3"
        config = config_for(tmp_path, feeds.url("/hang.feed"), fake.api_url, timeout="60s")
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            assert feeds.wait_for_requests("/hang.feed", 1, timeout=30)
            assert fake.wait_for_call("getUpdates", 1, timeout=30)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        code, err = signal_and_wait(proc, signal.SIGTERM)
    assert code == 0, err
    # The abandoned poll is part of stopping, not a crash to alert anyone about.
    assert "level=ERROR" not in err and "Traceback" not in err, err
    assert "status=stopped" in last_event(err), err
    assert_closed_cleanly(db)


def test_sigterm_with_a_hung_poll_and_an_unanswered_message_still_exits_0_within_10_s(
    tmp_path: Path,
) -> None:
    """Every stop step hanging at once: the poll, and the message Telegram never answers.
    The message goes back to the outbox and the restart delivers it."""
    chats = [21, 22, 23]
    db = tmp_path / "store" / "bot.sqlite3"
    enqueue_one_each(db, chats)
    with FeedServer() as feeds, FakeTelegram(token=TOKEN) as fake:
        feeds.set_route("/hang.feed", SlowResponse(stall_before_headers=False, max_wait=120))
        config = config_for(tmp_path, feeds.url("/hang.feed"), fake.api_url, timeout="60s")
        fake.delay("sendMessage", 60)
        proc = start(config, CACI_WATCH_TOKEN=TOKEN)
        try:
            assert feeds.wait_for_requests("/hang.feed", 1, timeout=30)
            [call] = fake.wait_for_call("sendMessage", 1, timeout=30)
        except BaseException:
            proc.kill()
            proc.communicate()
            raise
        code, err = signal_and_wait(proc, signal.SIGTERM)

        assert code == 0, err
        assert "status=stopped" in last_event(err), err
        assert_closed_cleanly(db)
        in_flight = int(call.params["chat_id"])
        store = open_store(db)
        try:
            found = store.outbox.by_key(f"digest:{in_flight}:2026-11-26:1")
        finally:
            store.close()
        assert found is not None and found[1] == "pending", "unanswered: not marked sent"

        fake.delay("sendMessage", 0)
        feeds.serve_feed("/hang.feed", rss([]))
        # Counted before the fake stops: stopping it releases the first, held request.
        delivered, code, err, per_chat = restart_until_delivered(config, fake, chats)
    assert delivered, per_chat
    assert code == 0, err
    assert per_chat == dict.fromkeys(chats, 1)


def test_sigterm_during_a_hung_dns_lookup_still_exits_0_within_10_s(tmp_path: Path) -> None:
    # A real DNS outage needs a private network namespace whose resolv.conf points at a
    # name server that never answers; that takes root (or user namespaces) and `ip`.
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\nnameserver 127.0.0.2\n")
    script = (
        f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
        f"exec {sys.executable} {REPO / 'tests' / 'dns_hang_stop.py'}"
    )
    probe = subprocess.run(
        ["unshare", "-rmn", "sh", "-c", "ip link set lo up"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("no private network namespace here (unshare -rmn refused)")
    done = subprocess.run(
        ["unshare", "-rmn", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result["stderr"][-2000:]
    assert result["seconds"] < STOP_DEADLINE, result["stderr"][-2000:]
    assert "threads_abandoned=" in result["stderr"]
