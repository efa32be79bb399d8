"""The watchlist files read once, as the running bot loads them, for `check` and `eval`,
which open no store.

Apart from `shared_lists` (which re-exports it), so that `caci-watch eval` does not
import the store, the feeds and httpx only to read a directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.domain.models import Watchlist
from bot.lists.registry import WatchlistRegistry


@dataclass(frozen=True, slots=True)
class FilesCheck:
    watchlists: tuple[Watchlist, ...]
    errors: tuple[str, ...]  # one line each: file, line and reason


def check_files(directory: Path) -> FilesCheck:
    """The watchlist files as the running bot loads them (by the same registry)."""
    if not directory.is_dir():
        return FilesCheck((), (f"{directory}: not a directory",))
    registry = WatchlistRegistry(directory)
    changes = registry.refresh()
    errors = tuple(c.error for c in changes if c.kind == "invalid")
    return FilesCheck(tuple(registry.watchlists), errors)
