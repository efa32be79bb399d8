"""systemd's notify protocol: READY once the database and scheduler are up (not waiting
for Telegram), WATCHDOG pings only while healthy, STOPPING on SIGTERM. Checked against a
real AF_UNIX datagram socket standing in for systemd, and `caci-watch run` as a process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.runtime.runner import BotRunner
from bot.runtime.systemd_notify import Notifier, watchdog_interval
from tests.bot_harness import TOKEN, Clock, make_config
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.runtime.test_run_command import start, write_config


class SystemdSocket:
    """The receiving end systemd would hold: collects every datagram sent to it."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received: list[str] = []

    def wait_for(self, line: str, timeout: float = 20) -> bool:
        return self.wait_until(lambda: line in self.lines(), timeout)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                self.received.append(self.sock.recv(4096).decode())
            except TimeoutError:
                return False
        return True

    def lines(self) -> list[str]:
        return [line for message in self.received for line in message.split("\n")]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[SystemdSocket]:
    s = SystemdSocket(tmp_path / "notify.sock")
    yield s
    s.close()


def test_notify_sends_one_datagram_of_newline_separated_assignments(
    systemd: SystemdSocket,
) -> None:
    assert Notifier(systemd.path).notify("READY=1", "STATUS=Started")
    assert systemd.wait_for("STATUS=Started")
    assert systemd.received == ["READY=1\nSTATUS=Started"]


def test_an_abstract_socket_address_is_understood() -> None:
    name = f"caci-watch-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert Notifier("@" + name).notify("WATCHDOG=1")
        assert sock.recv(100) == b"WATCHDOG=1"


def test_without_notify_socket_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier.from_environment({})
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False


def test_a_vanished_socket_is_reported_once_not_at_every_ping(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = Notifier(str(tmp_path / "gone.sock"))
    with caplog.at_level(logging.WARNING):
        assert [notifier.notify("WATCHDOG=1") for _ in range(5)] == [False] * 5
    assert sum("notify_failed" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "120000000"}, 60.0),
        ({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "4242"}, 60.0),
        ({"WATCHDOG_USEC": "120000000", "WATCHDOG_PID": "1"}, None),  # another process's
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_the_watchdog_interval_is_half_of_watchdog_sec_and_only_for_us(
    env: dict[str, str], expected: float | None
) -> None:
    assert watchdog_interval(env, pid=4242) == expected


# -- the running bot -----------------------------------------------------------------


def test_run_is_ready_before_telegram_answers_pings_the_watchdog_and_says_stopping(
    tmp_path: Path, systemd: SystemdSocket
) -> None:
    with FeedServer() as feeds, FakeTelegram(token=TOKEN) as fake:
        feeds.serve_feed("/a.feed", b"<rss version='2.0'><channel></channel></rss>")
        fake.outage(True)  # Telegram unreachable, as after a reboot
        proc = start(
            write_config(tmp_path, feeds, fake.api_url),
            CACI_WATCH_TOKEN=TOKEN,
            NOTIFY_SOCKET=systemd.path,
            WATCHDOG_USEC="200000",
        )
        try:
            assert systemd.wait_for("READY=1")
            assert systemd.wait_for("WATCHDOG=1")
            assert not fake.calls_to("sendMessage")
            assert systemd.wait_until(
                lambda: any(x.startswith("STATUS=Waiting for Telegram") for x in systemd.lines())
            )
            fake.outage(False)
            assert systemd.wait_for("STATUS=Running as @" + fake.bot_user["username"])
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        assert systemd.wait_for("STOPPING=1")
        lines = systemd.lines()
        assert lines.index("READY=1") < lines.index("STOPPING=1")


class RecordingNotifier(Notifier):
    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[str] = []

    def notify(self, *assignments: str) -> bool:
        self.sent.extend(assignments)
        return True


def test_the_watchdog_is_fed_only_while_the_database_and_jobs_are_healthy(
    tmp_path: Path,
) -> None:
    asyncio.run(_watchdog_scenario(tmp_path))


async def _watchdog_scenario(tmp_path: Path) -> None:
    mono = [1000.0]
    notifier = RecordingNotifier()
    config = make_config(
        tmp_path, api_url="http://127.0.0.1:9", feed_urls=["http://127.0.0.1:9/a.feed"]
    )
    runner = BotRunner(
        config, token=None, clock=Clock(), notifier=notifier, monotonic=lambda: mono[0]
    )
    runner.open()  # the scheduler runs, but its jobs are driven by hand below
    assert runner.scheduler is not None
    runner.scheduler.pause()
    try:
        assert runner.health().healthy

        mono[0] += 200  # three minutes and more without a job finishing: stuck
        verdict = runner.health()
        assert not verdict.healthy and "has not finished" in verdict.reason

        await runner.poll_job()
        await runner.digest_job()
        await runner.watchlist_job()
        assert runner.health().healthy
        # ...and `caci-watch status`, another process, learns of it from the database.
        assert set(runner.service.store.job_runs()) == {"poll", "digest", "watchlists"}

        task = asyncio.create_task(runner._watchdog(0.01))
        await asyncio.sleep(0.05)
        fed = notifier.sent.count("WATCHDOG=1")
        assert fed >= 2

        runner.service.store.close()  # the database stops answering
        assert not runner.health().healthy
        await asyncio.sleep(0.05)
        assert notifier.sent.count("WATCHDOG=1") <= fed + 1
        task.cancel()
    finally:
        runner.scheduler.shutdown(wait=False)
