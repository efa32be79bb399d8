"""Two `caci-watch run` on one store: one sends, the other stands by and takes over.

Real processes against the fake Bot API (tests/two_instances.py notes which process made
each request) and the loopback feed server. The lease's timings are the real ones
(bot.domain.lease): a graceful stop hands over at once, a kill -9 within 30 s.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.outbox import MAX_IN_FLIGHT
from bot.domain.models import OutgoingMessage
from bot.storage import open_store
from tests.bot_harness import REPO, TOKEN
from tests.factories import rss
from tests.feed_server import FeedServer
from tests.runtime.test_run_command import write_config
from tests.two_instances import Instance, WatchedTelegram, blocks, bot_env, other_hosts_work

# The promise: a standby takes over within 30 s of the active one dying.
TAKEOVER_PROMISE = 30.0
T0 = datetime.now(UTC).replace(microsecond=0)
LEADERSHIP = "logger=bot.runtime.leadership status="


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([]))
        yield server


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A CLI command run beside the bots, with the token in its environment too."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        env=bot_env(TOKEN),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def roles(*instances: Instance) -> tuple[Instance, list[Instance]]:
    """The active instance and the standbys, once each has said which it is."""
    said = {}
    for i in instances:
        line = i.wait_for_line(LEADERSHIP, timeout=60)
        assert line is not None, i.output
        said[i] = line
    active = [i for i, line in said.items() if "status=active" in line]
    assert len(active) == 1, said
    return active[0], [i for i in instances if i is not active[0]]


def item(n: int, when: datetime) -> tuple[str, str, str, datetime]:
    return (
        f"mc-{n}",
        f"Freight on the Middle Corridor, part {n}",
        f"<p>Rail freight on the Middle Corridor grew again ({n}).</p>",
        when,
    )


def instant_followers(db: Path | str, chats: range, watchlist: str) -> None:
    store = open_store(db)
    try:
        with store.transaction():
            for chat in chats:
                store.chats.ensure(
                    chat, kind="private", title="", timezone="UTC", digest_time="08:00", now=T0
                )
                store.chats.update_settings(chat, T0, mode="instant")
                store.chats.subscribe(chat, watchlist, T0)
    finally:
        store.close()


def due_now(db: Path | str) -> None:
    """Every feed due at once: the running bot's first poll fetches it."""
    store = open_store(db)
    try:
        for state in store.feed_states():
            store.save_feed_state(dataclasses.replace(state, next_poll_at=None))
    finally:
        store.close()


def queue_fan_out(db: Path | str, chats: range) -> None:
    store = open_store(db)
    try:
        store.outbox.enqueue(
            [OutgoingMessage(f"digest:{c}:x:1", c, "digest", f"for {c}") for c in chats], T0
        )
    finally:
        store.close()


def everyone_drains(store_url: str) -> bool:
    """On PostgreSQL every instance drains the outbox, the standbys too (issue 16)."""
    return store_url.startswith("postgresql://")


def no_conflicts(*instances: Instance) -> None:
    for i in instances:
        assert not i.lines_with("Conflict"), i.output


def test_two_runs_deliver_every_message_once_and_only_one_talks_to_telegram(
    tmp_path: Path, feeds: FeedServer, store_url: str
) -> None:
    chats = range(1, 41)
    db = store_url
    instant_followers(db, chats, "Middle Corridor")
    published = T0 - timedelta(hours=1)
    feeds.serve_feed("/a.feed", rss([item(0, published)]))
    with WatchedTelegram(token=TOKEN) as fake:
        config = write_config(tmp_path, feeds, fake.api_url, store_url)
        # The feed's first poll stores what it finds without alerting; a CLI command,
        # which writes while a bot may run but never sends.
        assert cli(config, "poll", "--once").returncode == 0
        due_now(db)
        feeds.serve_feed("/a.feed", rss([item(n, published) for n in range(4)]))
        with Instance(config) as one, Instance(config) as two:
            fake.watch(one.pid, two.pid)
            active, [standby] = roles(one, two)
            # Parts 1 to 3 in one poll: one combined alert each.
            assert fake.wait_for(
                lambda: all(len(fake.messages_to(c)) >= 1 for c in chats), timeout=60
            )
            # While both run, CLI commands write to the store; the active one sends.
            feeds.serve_feed("/a.feed", rss([item(n, published) for n in range(5)]))
            polled = cli(config, "poll", "--once")
            assert polled.returncode == 0, polled.stderr
            edited = cli(config, "watchlist", "add-term", "Middle Corridor", "Zangezur corridor")
            assert edited.returncode == 0, edited.stderr
            assert fake.wait_for(
                lambda: all(len(fake.messages_to(c)) >= 2 for c in chats), timeout=90
            )
            standby_code = standby.terminate()
            active_code = active.terminate()

    assert (active_code, standby_code) == (0, 0)
    for chat in chats:
        texts = [m.html or "" for m in fake.messages_to(chat)]
        assert len(texts) == 2 == len(set(texts)), (chat, texts)
        for n in range(1, 5):
            assert sum(f"Middle Corridor, part {n}<" in t for t in texts) == 1, (chat, n)
    if everyone_drains(store_url):
        # On PostgreSQL the standby drains too: it sends, and asks nothing else but who
        # the bot is; none from a CLI command.
        assert {r.pid for r in fake.requests()} == {active.pid, standby.pid}
        assert {r.method for r in fake.requests_from(standby.pid)} <= {"getMe", "sendMessage"}
    else:
        # Every request came from the active process: none from the standby (not even
        # getMe), none from a CLI command.
        assert {r.pid for r in fake.requests()} == {active.pid}
    assert {r.pid for r in fake.requests("getUpdates")} == {active.pid}
    no_conflicts(active, standby)
    [told] = standby.lines_with("status=standby reason=lease_held")
    assert f"active_pid={active.pid}" in told and "active_since=" in told
    quiet = ("feed=", "job=", "status=started", "watchlist=")
    for word in quiet if everyone_drains(store_url) else (*quiet, "outbox "):
        assert not standby.lines_with(word), word
    assert standby.lines_with("status=stopping reason=signal role=standby")


def test_sigterm_hands_over_at_once_and_status_shows_the_active_and_the_standby(
    tmp_path: Path, feeds: FeedServer
) -> None:
    chats = range(1, 61)
    db = tmp_path / "store" / "bot.sqlite3"
    queue_fan_out(db, chats)
    with WatchedTelegram(token=TOKEN) as fake:
        fake.delay("sendMessage", 0.3)  # a slow fan-out, still under way at the stop
        config = write_config(tmp_path, feeds, fake.api_url)
        with Instance(config) as first:
            fake.watch(first.pid)
            assert first.wait_for_line(LEADERSHIP + "active", timeout=60), first.output
            with Instance(config) as second:
                fake.watch(second.pid)
                assert second.wait_for_line(LEADERSHIP + "standby"), second.output
                status = cli(config, "status")
                assert f"active: pid {first.pid} on " in status.stdout, status.stdout
                assert "sends to Telegram as @" in status.stdout
                assert f"standby: pid {second.pid} on " in status.stdout
                assert fake.wait_for(lambda: len(fake.sent) >= 5, timeout=60)

                assert first.terminate() == 0
                took_over = second.wait_for_line(LEADERSHIP + "active", timeout=60)
                fake.delay("sendMessage", 0.0)
                assert fake.wait_for(lambda: {m.chat_id for m in fake.sent} >= set(chats), 60)
                status = cli(config, "status")
                assert second.terminate() == 0

    # Released at the stop, not left to expire: the standby took it at its next look.
    assert took_over is not None and "reason=expired" not in took_over, second.output
    assert "previous=" in took_over and f":{first.pid}:" in took_over
    assert first.lines_with("status=lease_released")
    # The stop finished or kept the message in flight: nothing twice, nothing lost.
    assert sorted(m.chat_id for m in fake.sent) == list(chats)
    sends = [r.pid for r in fake.requests("sendMessage")]
    assert blocks(sends) == [first.pid, second.pid]
    assert blocks([r.pid for r in fake.requests("getUpdates")]) == [first.pid, second.pid]
    no_conflicts(first, second)
    assert f"active: pid {second.pid} on " in status.stdout and "standby: none" in status.stdout


HOSTS = [
    pytest.param(None, id="same-machine"),
    pytest.param(
        ("caci-alpha", "caci-beta"),
        id="two-machines",
        marks=pytest.mark.skipif(
            not other_hosts_work(), reason="needs root and unshare -u (UTS namespaces)"
        ),
    ),
]


@pytest.mark.parametrize("hosts", HOSTS)
def test_kill_9_mid_fan_out_the_standby_takes_over_and_delivers_the_rest(
    tmp_path: Path, feeds: FeedServer, hosts: tuple[str, str] | None, store_url: str
) -> None:
    chats = range(1, 81)
    db = store_url
    queue_fan_out(db, chats)
    host_a, host_b = hosts or (None, None)
    with WatchedTelegram(token=TOKEN) as fake:
        fake.delay("sendMessage", 0.2)
        config = write_config(tmp_path, feeds, fake.api_url, store_url)
        with Instance(config, host=host_a) as first:
            fake.watch(first.pid)
            assert first.wait_for_line(LEADERSHIP + "active", timeout=60), first.output
            second = Instance(config, host=host_b)
            fake.watch(second.pid)
            assert second.wait_for_line(LEADERSHIP + "standby"), second.output
            assert fake.wait_for(lambda: len(fake.calls_to("sendMessage")) >= 10, timeout=60)
            first.kill()
            killed_at = time.monotonic()
            sent_by_first = len(fake.requests_from(first.pid, "sendMessage"))
            fake.delay("sendMessage", 0.0)
            took_over = second.wait_for_line(LEADERSHIP + "active", timeout=60)
            took = (second.when(LEADERSHIP + "active") or float("inf")) - killed_at
            assert fake.wait_for(lambda: {m.chat_id for m in fake.sent} >= set(chats), 60)
            # (On PostgreSQL it was sending already, and may be done before it polls.)
            assert fake.wait_for(lambda: bool(fake.requests_from(second.pid, "getUpdates")), 60)
            code = second.terminate()

    assert took_over is not None, second.output
    # On one machine the standby sees the process is gone; across machines it waits
    # for the lease to run out.
    assert ("reason=holder_gone" if hosts is None else "reason=expired") in took_over
    assert took <= TAKEOVER_PROMISE, f"took over after {took:.1f} s"
    assert code == 0
    assert sent_by_first < len(chats), "killed mid fan-out"
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert set(per_chat) == set(chats)
    assert sum(per_chat.values()) - len(chats) <= MAX_IN_FLIGHT, "at most those in flight twice"
    senders = blocks([r.pid for r in fake.requests("sendMessage")])
    if everyone_drains(store_url):
        # Both sent from the start; after the kill only the second.
        assert senders[-1] == second.pid and set(senders) <= {first.pid, second.pid}
        last_of_first = max(r.at for r in fake.requests_from(first.pid, "sendMessage"))
        assert last_of_first <= killed_at
    else:
        assert senders == [first.pid, second.pid]
    assert blocks([r.pid for r in fake.requests("getUpdates")]) == [first.pid, second.pid]
    no_conflicts(second)


def test_an_active_instance_frozen_past_its_lease_stops_sending_when_it_wakes(
    tmp_path: Path, feeds: FeedServer
) -> None:
    chats = range(1, 81)
    db = tmp_path / "store" / "bot.sqlite3"
    queue_fan_out(db, chats)
    with WatchedTelegram(token=TOKEN) as fake:
        fake.delay("sendMessage", 0.2)
        config = write_config(tmp_path, feeds, fake.api_url)
        with Instance(config) as first:
            fake.watch(first.pid)
            assert first.wait_for_line(LEADERSHIP + "active", timeout=60), first.output
            second = Instance(config)
            fake.watch(second.pid)
            assert second.wait_for_line(LEADERSHIP + "standby"), second.output
            assert fake.wait_for(lambda: len(fake.calls_to("sendMessage")) >= 5, timeout=60)
            os.kill(first.pid, signal.SIGSTOP)  # frozen: alive, but renewing nothing
            try:
                took_over = second.wait_for_line(LEADERSHIP + "active", timeout=60)
                assert fake.wait_for(
                    lambda: bool(fake.requests_from(second.pid, "sendMessage")), 60
                )
            finally:
                woke_at = time.monotonic()
                os.kill(first.pid, signal.SIGCONT)
            lost = first.wait_for_line("status=lease_lost", timeout=60)
            # Back to standby: it says so again, naming the new active one.
            again = first.wait_for_line("status=standby", f"active_pid={second.pid}", timeout=60)
            standby_at = first.when("status=standby", f"active_pid={second.pid}") or 0.0
            fake.delay("sendMessage", 0.0)
            assert fake.wait_for(lambda: {m.chat_id for m in fake.sent} >= set(chats), 60)
            status = cli(config, "status")
            codes = (first.terminate(), second.terminate())

    assert took_over is not None and "reason=expired" in took_over, second.output
    assert lost is not None and "now_held_by=" in lost and f":{second.pid}:" in lost, first.output
    assert again is not None
    assert codes == (0, 0)
    # Woken up, it sent at most the message it was already sending when frozen.
    late = [r for r in fake.requests_from(first.pid, "sendMessage") if r.at > woke_at]
    assert len(late) <= 1, late
    assert not [r for r in fake.requests_from(first.pid, "getUpdates") if r.at > standby_at]
    per_chat = Counter(m.chat_id for m in fake.sent)
    assert set(per_chat) == set(chats)
    # Those in flight when it froze: Telegram had them, the other instance sent them too.
    assert sum(per_chat.values()) - len(chats) <= MAX_IN_FLIGHT
    assert f"active: pid {second.pid} on " in status.stdout
    assert f"standby: pid {first.pid} on " in status.stdout


def test_status_without_a_store_says_so_and_creates_nothing(
    tmp_path: Path, feeds: FeedServer
) -> None:
    config = write_config(tmp_path, feeds)
    shown = cli(config, "status")
    assert shown.returncode == 1
    assert "No store yet at" in shown.stdout and "the bot is not running" in shown.stdout
    assert not (tmp_path / "store").exists()


def test_without_a_token_run_warns_loudly_and_status_names_the_console_sender(
    tmp_path: Path, feeds: FeedServer
) -> None:
    config = write_config(tmp_path, feeds)
    with Instance(config, token=None) as bot:
        assert bot.wait_for_line("status=started sender=console", timeout=60), bot.output
        status = cli(config, "status")
        code = bot.terminate()
    assert code == 0
    assert "caci-watch: WARNING: no Telegram token" in bot.output
    assert "NOTHING WILL BE SENT TO TELEGRAM" in bot.output
    assert bot.lines_with("level=WARNING") and bot.lines_with("status=no_token sender=console")
    assert "console sender (no token)" in status.stdout
