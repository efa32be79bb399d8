"""Explicit SQL for the digest archive: every article some of the given lists matched by
name, or found "possibly about" on its current text, with those matches and findings."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.domain.aboutness import PossiblyAbout
from bot.domain.archive import ArchiveEntry
from bot.domain.models import Match
from bot.storage.articles import article_columns, article_from_row, chunks
from bot.storage.times import required_time

_ARTICLES = """
SELECT {columns}, a.ref, a.first_seen_at
  FROM articles AS a
 WHERE a.ref IN (SELECT article FROM matches WHERE watchlist IN ({named}))
    OR a.ref IN (SELECT p.article FROM possibly_about AS p
                  WHERE p.watchlist IN ({about}) AND p.content_hash = a.content_hash)
 ORDER BY a.first_seen_at, a.ref
"""


# A match or a finding replaced gets a new time; one removed lowers a count.
_VERSION = """
SELECT (SELECT max(ref) FROM articles), (SELECT max(updated_at) FROM articles),
       (SELECT count(*) FROM matches), (SELECT max(matched_at) FROM matches),
       (SELECT count(*) FROM possibly_about), (SELECT max(found_at) FROM possibly_about)
"""


class ArchiveStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def version(self) -> tuple[object, ...]:
        """What changes whenever an article, a match or a finding is written or removed:
        the archive read at the same version is the same."""
        row = self._conn.execute(_VERSION).fetchone()
        return tuple(row)

    def entries(self, named: Sequence[str], about: Sequence[str]) -> list[ArchiveEntry]:
        """Every article one of ``named`` matched by name or one of ``about`` found it
        possibly about, oldest first (the HTML left behind)."""
        return archive_entries(self._conn, named, about)


def archive_entries(
    conn: sqlite3.Connection, named: Sequence[str], about: Sequence[str]
) -> list[ArchiveEntry]:
    named, about = list(dict.fromkeys(named)), list(dict.fromkeys(about))
    if not named and not about:
        return []
    # An empty IN () is valid SQLite, but the marks are built from the lists.
    sql = _ARTICLES.format(
        columns=article_columns("a"),
        named=", ".join("?" * len(named)),
        about=", ".join("?" * len(about)),
    )
    rows = conn.execute(sql, [*named, *about]).fetchall()
    refs = [int(r[-2]) for r in rows]
    matches: dict[int, list[Match]] = {}
    found: dict[int, list[PossiblyAbout]] = {}
    ids = {int(r[-2]): str(r[0]) for r in rows}
    for chunk in chunks(refs):
        marks = ", ".join("?" * len(chunk))
        lists = ", ".join("?" * len(named))
        for m in conn.execute(
            f"""SELECT article, watchlist, term, matched_text, score, field, snippet,
                       mark_start, mark_end
                  FROM matches WHERE article IN ({marks}) AND watchlist IN ({lists})
                 ORDER BY article, watchlist, id""",
            [*chunk, *named],
        ):
            matches.setdefault(int(m[0]), []).append(Match(*m[1:]))
        lists = ", ".join("?" * len(about))
        for p in conn.execute(
            f"""SELECT p.article, p.watchlist, p.score, p.strength, p.passage
                  FROM possibly_about AS p JOIN articles AS a ON a.ref = p.article
                 WHERE p.article IN ({marks}) AND p.watchlist IN ({lists})
                   AND p.content_hash = a.content_hash
                 ORDER BY p.article, p.watchlist""",
            [*chunk, *about],
        ):
            ref = int(p[0])
            found.setdefault(ref, []).append(PossiblyAbout(ids[ref], p[1], p[2], p[3], p[4]))
    return [
        ArchiveEntry(
            article=article_from_row(r, with_html=False),
            first_seen_at=required_time(r[-1]),
            matches=tuple(matches.get(int(r[-2]), ())),
            about=tuple(found.get(int(r[-2]), ())),
        )
        for r in rows
    ]
