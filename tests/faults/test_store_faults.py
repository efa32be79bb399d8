"""The store's faults: a read-only or full disk, a lock held by another process, a damaged
or foreign file. At start the user gets one line and exit code 2; while the bot runs,
each fault is survived, the bot keeps answering, and nothing is lost or sent twice.

Real faults where the machine allows: a tiny tmpfs is a real full disk and a remount
makes a real read-only one, each in a private mount namespace (``unshare -m``, root
only; skipped elsewhere). In-process, the bot's own connection gets a page limit
(``PRAGMA max_page_count``: SQLite's "database or disk is full"), and another connection
holds the write lock (BEGIN IMMEDIATE), as another process would.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import OutgoingMessage
from bot.messages.screens import STORE_BUSY_REPLY
from bot.storage import SCHEMA_VERSION, StoreError, database, open_database
from tests.bot_harness import ADMIN_ID, REPO, TOKEN, BotUnderTest, Clock, fast_pacer, make_config
from tests.factories import rss
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ANN = 4242
OLD_ITEM = (
    "9001",
    "Water Politics in the Fergana Valley",
    "<p>Irrigation.</p>",
    NOW - timedelta(days=9),
)
# Long enough that storing it needs new database pages, even deflated as the store keeps
# the text: the words are numbers in hex, which deflate only to about half.
TRIPP_ITEM = (
    "9002",
    "Iran Watches the New Route",
    "<p>Tehran objects to the Trump Route for International Peace and Prosperity (TRIPP)."
    + "".join(f" Syunik {hashlib.sha256(str(n).encode()).hexdigest()[:12]}." for n in range(3000))
    + "</p>",
    NOW - timedelta(hours=1),
)
# The bot waits this long for another process's lock in these tests (the real wait is
# seconds: the behaviour is the same, only the tests would be slower).
SHORT_BUSY_MS = 100


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.serve_feed("/a.feed", rss([OLD_ITEM]))
        yield server


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", SHORT_BUSY_MS)


def bot(tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, clock: Clock) -> BotUnderTest:
    config = make_config(tmp_path, api_url=fake.api_url, feed_urls=[feeds.url("/a.feed")])
    return BotUnderTest(config, fake, clock, pacer=fast_pacer())


def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "bot.sqlite3"


class WriteLock:
    """Another process's write transaction on the store, held until released."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> WriteLock:
        self._conn.execute("BEGIN IMMEDIATE")
        return self

    def release(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._conn.close()


def warnings_about(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING and text in r.getMessage()]


# -- at start: one line, exit 2 ----------------------------------------------------------


def write_config(tmp: Path, store: Path, feed_url: str = "http://127.0.0.1:9/a.feed") -> Path:
    config = tmp / "config.toml"
    lists = tmp / "watchlists"
    if not lists.exists():
        copy_watchlists(lists)
    config.write_text(
        f'[feeds]\nurls = ["{feed_url}"]\n'
        f'[store]\npath = "{store}"\n'
        f'[watchlists]\ndir = "{lists}"\n'
        '[telegram]\napi_url = "http://127.0.0.1:9"\n'
    )
    return config


def cli(config: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``caci-watch --config CONFIG ARGS`` as a process (a token, so that `run` gets as far
    as opening the store without first saying it has none)."""
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", "--config", str(config), *args],
        env={**env, "CACI_WATCH_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("caci-watch: error: ")
    for phrase in phrases:
        assert phrase in line
    return line


def test_a_file_of_garbage_at_the_store_path_is_a_one_line_error(tmp_path: Path) -> None:
    db = store_path(tmp_path)
    db.parent.mkdir()
    db.write_bytes(bytes(range(256)) * 32)
    for command in (["poll", "--once"], ["run"]):
        proc = cli(write_config(tmp_path, db), *command)
        assert_one_line_error(proc, str(db), "not a caci-watch database, or it is damaged")
    assert db.read_bytes() == bytes(range(256)) * 32, "left as it was"


def test_a_database_from_a_newer_caci_watch_is_a_one_line_error(tmp_path: Path) -> None:
    db = store_path(tmp_path)
    db.parent.mkdir()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    proc = cli(write_config(tmp_path, db), "poll", "--once")
    assert_one_line_error(proc, str(db), "newer caci-watch", "Upgrade caci-watch")


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"not a caci-watch database .* notes"):
        open_database(db)
    conn = sqlite3.connect(db)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert tables == {"notes"}


def test_a_lock_held_through_a_schema_upgrade_is_a_clear_error(
    tmp_path: Path, short_busy_wait: None
) -> None:
    db = tmp_path / "s.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked by another process") as refused:
            open_database(db)
        assert refused.value.passing, "worth trying again: `run` exits 1 and is restarted"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert open_database(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_current_database_opens_and_reads_while_another_process_writes(tmp_path: Path) -> None:
    # `caci-watch status` (or digest) while the bot is in a long write: WAL readers go on.
    db = tmp_path / "s.sqlite3"
    open_database(db).close()
    with WriteLock(db):
        conn = open_database(db)
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
        conn.close()


def test_a_write_waits_seconds_for_another_process_lock_before_giving_up(
    tmp_path: Path,
) -> None:
    # Long enough for every lock the bot and the CLI take (a watchlist edit re-matching
    # recent articles); short, because the bot's event loop waits with it.
    conn = open_database(tmp_path / "s.sqlite3")
    assert 2000 <= conn.execute("PRAGMA busy_timeout").fetchone()[0] <= 10_000


def test_a_directory_at_the_store_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory, not a database file"):
        open_database(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not stop root")
def test_a_store_directory_without_write_permission_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        proc = cli(write_config(tmp_path, folder / "bot.sqlite3"), "poll", "--once")
    finally:
        folder.chmod(0o755)
    assert_one_line_error(proc, str(folder), "not writable (no write permission for this user)")


# -- real read-only and full disks (private mount namespaces) -----------------------------


def _namespaces_work() -> bool:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


needs_namespaces = pytest.mark.skipif(
    not _namespaces_work(), reason="needs root and unshare -m (mount namespaces)"
)


def in_namespace(setup: str, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``setup`` (mounts) then caci-watch, in a private mount namespace."""
    return cli(config, *args, prefix=("unshare", "-m", "sh", "-c", f'{setup} && exec "$@"', "-"))


def create_store(db: Path) -> str:
    """Shell: create and migrate the store at ``db``, as an earlier run would have."""
    code = f"from bot.storage import open_store; open_store({str(db)!r}).close()"
    return f"{sys.executable} -c {_quote(code)}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@needs_namespaces
@pytest.mark.parametrize("database_exists", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("command", [("poll", "--once"), ("run",)], ids=["poll", "run"])
def test_a_read_only_store_directory_is_a_one_line_error(
    tmp_path: Path, database_exists: bool, command: tuple[str, ...]
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    db = disk / "store" / "bot.sqlite3"
    setup = f"mount -t tmpfs tmpfs {disk} && mkdir {db.parent}"
    if database_exists:
        setup += f" && {create_store(db)}"
    setup += f" && mount -o remount,ro {disk}"
    proc = in_namespace(setup, write_config(tmp_path, db), *command)
    line = assert_one_line_error(proc, str(db.parent), "not writable (read-only file system)")
    assert "make the directory writable" in line


@needs_namespaces
def test_a_read_only_database_file_in_a_writable_directory_is_a_one_line_error(
    tmp_path: Path,
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    db = disk / "bot.sqlite3"
    setup = (
        f"mount -t tmpfs tmpfs {disk} && {create_store(db)}"
        f" && mount --bind {db} {db} && mount -o remount,bind,ro {db}"
    )
    proc = in_namespace(setup, write_config(tmp_path, db), "poll", "--once")
    assert_one_line_error(proc, str(db), "database file is not writable")


@needs_namespaces
@pytest.mark.parametrize("database_exists", [False, True], ids=["new", "existing"])
def test_a_full_disk_at_start_is_a_one_line_error(tmp_path: Path, database_exists: bool) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    db = disk / "bot.sqlite3"
    setup = f"mount -t tmpfs -o size=2m tmpfs {disk}"
    if database_exists:
        setup += f" && {create_store(db)}"
    setup += f" && (dd if=/dev/zero of={disk}/filler bs=4k 2>/dev/null || true)"
    proc = in_namespace(setup, write_config(tmp_path, db), "poll", "--once")
    assert_one_line_error(proc, str(disk), "disk holding the store is full", "free some space")


class Disk:
    """A 2 MiB tmpfs in a mount namespace of its own, alive until closed.

    A process inside keeps the database open, as the running bot does: then its -shm
    and -wal files stay, and a full disk fails the next write ("database or disk is
    full") rather than the next open.
    """

    _HOLD = (
        "import sqlite3, sys\n"
        "print('ready', flush=True)\n"
        "for line in sys.stdin:\n"
        "    c = sqlite3.connect(line.strip())\n"
        "    c.execute('SELECT COUNT(*) FROM sqlite_master').fetchone()\n"
        "    print('opened', flush=True)\n"
    )

    def __init__(self, where: Path) -> None:
        where.mkdir()
        self.where = where
        self._proc = subprocess.Popen(
            [
                "unshare",
                "-m",
                "sh",
                "-c",
                f'mount -t tmpfs -o size=2m tmpfs {where} && exec "$@"',
                "-",
                sys.executable,
                "-c",
                self._HOLD,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None and self._proc.stdout.readline() == "ready\n"

    def prefix(self) -> tuple[str, ...]:
        return ("nsenter", "-t", str(self._proc.pid), "-m")

    def keep_open(self, db: Path) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(f"{db}\n")
        self._proc.stdin.flush()
        assert self._proc.stdout.readline() == "opened\n"

    def fill(self) -> None:
        subprocess.run(
            [*self.prefix(), "dd", "if=/dev/zero", f"of={self.where}/filler", "bs=4k"],
            capture_output=True,
            timeout=30,
        )

    def free(self) -> None:
        subprocess.run([*self.prefix(), "rm", f"{self.where}/filler"], check=True, timeout=30)

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)


@needs_namespaces
def test_a_disk_that_fills_between_polls_loses_no_article_and_alerts_it_once(
    tmp_path: Path, feeds: FeedServer
) -> None:
    disk = Disk(tmp_path / "disk")
    db = disk.where / "bot.sqlite3"
    config = write_config(tmp_path, db, feeds.url("/a.feed"))
    try:
        first = cli(config, "poll", "--once", prefix=disk.prefix())
        assert first.returncode == 0, first.stderr
        disk.keep_open(db)
        disk.fill()
        feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
        full = cli(config, "poll", "--once", prefix=disk.prefix())
        disk.free()
        freed = cli(config, "poll", "--once", prefix=disk.prefix())
        again = cli(config, "poll", "--once", prefix=disk.prefix())
    finally:
        disk.close()
    assert full.returncode != 0
    assert "database or disk is full" in full.stdout + full.stderr
    assert freed.returncode == 0, freed.stderr
    assert "1 new" in freed.stdout
    outputs = first.stdout + full.stdout + freed.stdout + again.stdout
    assert outputs.count("Iran Watches the New Route") == 1, "alerted once, not lost"
    # The failed poll did not keep the new validators: the next one asked as before.
    requests = feeds.requests_for("/a.feed")
    assert len(requests) == 4
    assert requests[2].headers["if-none-match"] == requests[1].headers["if-none-match"]
    assert "not modified" in again.stdout


# -- while the bot runs: a full disk -----------------------------------------------------


def test_a_poll_that_cannot_store_keeps_the_feed_state_and_the_next_poll_alerts_once(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer
) -> None:
    clock = Clock(NOW)
    url = feeds.url("/a.feed")

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            before = b.store.feed_state(url)
            conn = b.store._conn  # the bot's own connection: its disk is now full
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")

            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            await b.poll()
            assert b.store.article_count() == 1
            assert b.store.feed_state(url).etag == before.etag
            [answer] = await b.send("/mysubs", user_id=ANN)
            assert "TRIPP" in answer.text, "the bot still answers"

            conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
            clock.set(NOW + timedelta(minutes=4))
            await b.poll()
            clock.set(NOW + timedelta(minutes=6))
            await b.poll()
            assert await b.outbox_settled()
            assert b.store.article_count() == 2

        alerts = [m for m in fake.messages_to(ANN) if "Iran Watches the New Route" in m.text]
        assert len(alerts) == 1
        sent = [r.headers.get("if-none-match") for r in feeds.requests_for("/a.feed")]
        assert sent[2] == sent[1], "the poll after the failure asked with the old ETag"

    asyncio.run(scenario())


def test_a_poll_that_cannot_store_logs_one_line_saying_the_disk_is_full(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            conn = b.store._conn
            conn.execute(
                f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}"
            )
            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            clock.set(NOW + timedelta(minutes=2))
            caplog.clear()
            await b.poll()

    asyncio.run(scenario())
    [line] = warnings_about(caplog, "database or disk is full")
    assert line.name == "bot.app.poll" and "feed=" in line.getMessage()
    assert line.exc_info is None, "one line, not a traceback"


# -- while the bot runs: another process holds the write lock ----------------------------


def test_commands_during_a_long_write_lock_get_a_busy_reply_and_work_once_it_ends(
    tmp_path: Path,
    fake: FakeTelegram,
    feeds: FeedServer,
    short_busy_wait: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            with WriteLock(store_path(tmp_path)) as lock:
                [status] = await b.send("/status", user_id=ADMIN_ID)
                assert "try again" not in status.text, "reads go on during the lock"
                [busy] = await b.send("/subscribe abraham", user_id=ANN)
                assert busy.text == STORE_BUSY_REPLY
                lock.release()
                [done] = await b.send("/subscribe abraham", user_id=ANN)
            assert "Following Abraham Accords" in done.text
            assert b.store.chats.get(ANN).watchlists == ("Abraham Accords", "TRIPP")

    asyncio.run(scenario())
    [line] = warnings_about(caplog, "store=busy")
    assert "database is locked" in line.getMessage() and line.exc_info is None


def test_commands_that_only_read_answer_normally_during_a_write_lock(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, short_busy_wait: None
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.send("/subscribe tripp", user_id=ANN)
            with WriteLock(store_path(tmp_path)):
                [help_text] = await b.send("/help", user_id=ANN)
                [subs] = await b.send("/mysubs", user_id=ANN)
            assert help_text.text != STORE_BUSY_REPLY
            assert "TRIPP" in subs.text

    asyncio.run(scenario())


def test_a_poll_during_a_write_lock_loses_nothing_and_alerts_once_after(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, short_busy_wait: None
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            await b.send("/subscribe tripp", user_id=ANN)
            feeds.publish("/a.feed", rss([TRIPP_ITEM, OLD_ITEM]))
            with WriteLock(store_path(tmp_path)):
                clock.set(NOW + timedelta(minutes=2))
                await b.poll()
                assert b.store.article_count() == 1
            clock.set(NOW + timedelta(minutes=4))
            await b.poll()
            clock.set(NOW + timedelta(minutes=6))
            await b.poll()
            assert await b.outbox_settled()

        alerts = [m for m in fake.messages_to(ANN) if "Iran Watches the New Route" in m.text]
        assert len(alerts) == 1

    asyncio.run(scenario())


DIGEST_CHATS = (501, 502, 503)


def test_a_digest_due_during_a_write_lock_is_sent_once_after_it(
    tmp_path: Path, fake: FakeTelegram, feeds: FeedServer, short_busy_wait: None
) -> None:
    clock = Clock(NOW)
    due = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            await b.poll()
            for chat in DIGEST_CHATS:
                await b.send("/subscribe tripp", user_id=chat)
            clock.set(due)
            with WriteLock(store_path(tmp_path)):
                await b.digest_tick()
            assert b.store.outbox.backlog() == 0, "nothing queued under the lock"
            clock.set(due + timedelta(minutes=1))
            await b.digest_tick()
            clock.set(due + timedelta(minutes=2))
            await b.digest_tick()
            assert await b.outbox_settled()

    asyncio.run(scenario())
    for chat in DIGEST_CHATS:
        assert len(fake.messages_to(chat)) == 2, "the subscribe reply and one digest"


def test_a_write_lock_ends_the_digest_tick_at_once_with_one_line(
    tmp_path: Path,
    fake: FakeTelegram,
    feeds: FeedServer,
    short_busy_wait: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            for chat in DIGEST_CHATS:
                await b.send("/subscribe tripp", user_id=chat)
            clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
            caplog.clear()
            with WriteLock(store_path(tmp_path)):
                await b.digest_tick()

    asyncio.run(scenario())
    per_chat = [r for r in caplog.records if r.getMessage().startswith("digest chat=")]
    assert per_chat == [], "the first chat's failure ends the tick"
    [job] = [r for r in caplog.records if "job=digest status=failed" in r.getMessage()]
    assert "database is locked" in job.getMessage()
    assert job.exc_info is None


def test_a_message_sent_while_the_store_cannot_record_it_is_not_sent_again(
    tmp_path: Path,
    fake: FakeTelegram,
    feeds: FeedServer,
    short_busy_wait: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Telegram has the message; writing "sent" fails (locked here; a full disk fails the
    # same write the same way). Retrying must record it, not send it again and again.
    clock = Clock(NOW)

    async def scenario() -> None:
        async with bot(tmp_path, fake, feeds, clock) as b:
            b.store.outbox.enqueue([OutgoingMessage("k:1", ANN, "alert", "the news")], NOW)
            with WriteLock(store_path(tmp_path)):
                b.runner.wake_outbox()
                assert await b.until(
                    lambda: len(warnings_about(caplog, "status=drain_failed")) >= 2
                )
                assert len(fake.messages_to(ANN)) == 1
            b.runner.wake_outbox()
            assert await b.outbox_settled()
            [row] = b.store.outbox.sent_to(ANN)
            [message] = fake.messages_to(ANN)
            assert b.store.outbox.telegram_id(row.id) == message.message_id

    asyncio.run(scenario())
    failures = warnings_about(caplog, "status=drain_failed")
    assert all("database is locked" in r.getMessage() and r.exc_info is None for r in failures)


def test_a_command_that_fails_on_the_store_is_a_one_line_error(
    tmp_path: Path, short_busy_wait: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main

    lists = copy_watchlists(tmp_path / "watchlists")
    db = store_path(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{db}"\n[watchlists]\ndir = "{lists}"\n')
    assert main(["--config", str(config), "watchlist", "list"]) == 0
    capsys.readouterr()
    with WriteLock(db):
        code = main(["--config", str(config), "watchlist", "add-term", "tripp", "Meghri"])
    err = capsys.readouterr().err
    assert code == 1, "a lock passes: 1, not the 2 of a configuration error"
    assert "Traceback" not in err
    [line] = [x for x in err.splitlines() if x.startswith("caci-watch: error: ")]
    assert line.startswith(f"caci-watch: error: {db}: database is locked")
    assert "another process" in line
