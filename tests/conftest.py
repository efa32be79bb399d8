"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot_harness import TOKEN
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.postgres_server import PostgresServer, PostgresUnavailable
from tests.watchlist_copy import copy_watchlists

# --- feed layer (tests/feed_server.py) -------------------------------------------------


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A running loopback feed server; routes are set by each test."""
    with FeedServer() as server:
        yield server


# --- Telegram (tests/fake_telegram.py) -------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """A running fake Bot API server on 127.0.0.1 for the test token."""
    with FakeTelegram(token=TOKEN) as server:
        yield server


# --- watchlists (tests/watchlist_copy.py) ----------------------------------------------


@pytest.fixture
def watchlists_dir(tmp_path: Path) -> Path:
    """``tmp_path / "watchlists"``: this test's own copy of the three shipped lists, from
    the frozen copy in tests/data/watchlists/, never the live watchlists/ directory."""
    return copy_watchlists(tmp_path / "watchlists")


# --- order under pytest-xdist (see addopts in pyproject.toml) ---------------------------

# Modules whose tests mostly wait out real time (a Telegram outage of over a minute,
# retry-after holds): with several workers they start first, so that the rest of the
# suite runs beside them instead of after them. A run in one process keeps file order.
WAIT_FIRST = ("test_faults_telegram.py", "test_telegram_outage.py", "test_flood_bot_wide.py")


# Before those, tests/browser/: its tests share one Chromium and one written site per
# worker, and at the very front of the first worker's share no other worker steals them
# (a worker steals from the end of another's), so one browser starts, not four.
BROWSER_FIRST = "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker; each sorts the same way
        items.sort(
            key=lambda item: (
                item.path.parent.name != BROWSER_FIRST,
                item.path.name not in WAIT_FIRST,
            )
        )


# --- other fixtures go below -----------------------------------------------------------


# --- where the browser tests' screenshots are (tests/browser/) --------------------------


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Lists the screenshots tests recorded (``record_property("screenshot", path)``): a
    test's tmp_path is under pytest's base temp, which differs by run and by worker."""
    shots = dict.fromkeys(  # each phase's report (setup, call, teardown) has them
        str(value)
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "screenshot"
    )
    if shots:
        terminalreporter.write_sep("-", "screenshots")
        for shot in shots:
            terminalreporter.write_line(shot)


# --- the store on both databases (tests/postgres_server.py) ----------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server per test session (per xdist worker). Without
    one the tests that need it are skipped, saying why; CI sets
    CACI_WATCH_REQUIRE_POSTGRES=1 to fail them instead."""
    give_up = pytest.fail if os.environ.get("CACI_WATCH_REQUIRE_POSTGRES") else pytest.skip
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        give_up(f"no PostgreSQL: {exc}")
        raise
    try:
        server.start()
    except PostgresUnavailable as exc:
        server.stop()
        give_up(f"PostgreSQL did not start: {exc}")
        raise
    except BaseException:  # the template's migrations failed: no server left behind
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a store under test lives: an SQLite file, or an empty PostgreSQL database
    (migrated). Store tests take this to run on both."""
    if request.param == "sqlite":
        yield str(tmp_path / "s.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    yield server.clean_database()
