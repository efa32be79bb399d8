"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feed_server import FeedServer

# --- feed layer (tests/feed_server.py) -------------------------------------------------


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A running loopback feed server; routes are set by each test."""
    with FeedServer() as server:
        yield server


# --- other fixtures go below -----------------------------------------------------------
