"""Explicit SQL for trends: every article a list matched since a time, by when the
article was first seen, named (``matches``) or "possibly about" (``possibly_about``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.trends import Sighting
from bot.storage.database import Connection
from bot.storage.times import db_time, required_time

_SIGHTINGS = """
SELECT DISTINCT m.watchlist, a.ref, a.first_seen_at, 1
  FROM matches m JOIN articles a ON a.ref = m.article
 WHERE a.first_seen_at >= ? AND m.watchlist IN ({lists})
UNION ALL
SELECT p.watchlist, a.ref, a.first_seen_at, 0
  FROM possibly_about p JOIN articles a ON a.ref = p.article
 WHERE a.first_seen_at >= ? AND p.watchlist IN ({lists})
"""


class TrendStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def sightings(self, watchlists: Sequence[str], since: datetime) -> list[Sighting]:
        """Every article each of ``watchlists`` matched, first seen at or after ``since``."""
        return sightings(self._conn, watchlists, since)

    def seen_before(self, when: datetime) -> bool:
        """Was any article first seen before ``when`` (was the store watching then)?"""
        row = self._conn.execute(
            "SELECT 1 FROM articles WHERE first_seen_at < ? LIMIT 1", (db_time(when),)
        ).fetchone()
        return row is not None


def sightings(conn: Connection, watchlists: Sequence[str], since: datetime) -> list[Sighting]:
    """Every article each of ``watchlists`` matched, first seen at or after ``since``."""
    if not watchlists:
        return []
    marks = ", ".join("?" * len(watchlists))
    start = db_time(since)
    rows = conn.execute(_SIGHTINGS.format(lists=marks), [start, *watchlists, start, *watchlists])
    return [
        Sighting(
            watchlist=str(watchlist),
            article=int(ref),
            first_seen=required_time(first_seen),
            named=bool(named),
        )
        for watchlist, ref, first_seen, named in rows
    ]
