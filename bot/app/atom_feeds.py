"""``caci-watch feeds --out DIR``: each shared watchlist's recent matches as an Atom
file, written atomically (a reader polling the folder never reads half a file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.app.published_files import write_if_changed
from bot.app.service import Service
from bot.messages.atom import atom_feed, feed_file_name

FEED_DAYS = 30
FEED_MOST = 100


@dataclass(frozen=True, slots=True)
class WrittenFeed:
    watchlist: str
    path: Path
    entries: int


def write_feeds(
    service: Service, out: Path, now: datetime, *, days: int = FEED_DAYS
) -> list[WrittenFeed]:
    """One feed per shared list: its matches of the last ``days`` days, newest first
    (at most ``FEED_MOST``)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    since, until = now - timedelta(days=days), now + timedelta(seconds=1)
    for w in sorted(service.watchlists, key=lambda w: w.name.casefold()):
        rows = []
        for row in service.store.search.matched_articles(since, until, w.name):
            rows.append(row)
            if len(rows) == FEED_MOST:
                break
        path = out / feed_file_name(w.name)
        write_if_changed(path, atom_feed(w.name, rows, now))
        written.append(WrittenFeed(w.name, path, len(rows)))
    return written
