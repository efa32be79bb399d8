"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.feed_server import FeedServer
from tests.watchlist_copy import copy_watchlists

# --- feed layer (tests/feed_server.py) -------------------------------------------------


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A running loopback feed server; routes are set by each test."""
    with FeedServer() as server:
        yield server


# --- watchlists (tests/watchlist_copy.py) ----------------------------------------------


@pytest.fixture
def watchlists_dir(tmp_path: Path) -> Path:
    """``tmp_path / "watchlists"``: this test's own copy of the three shipped lists, from
    the frozen copy in tests/data/watchlists/, never the live watchlists/ directory."""
    return copy_watchlists(tmp_path / "watchlists")


# --- other fixtures go below -----------------------------------------------------------
