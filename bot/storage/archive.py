"""Explicit SQL for the digest archive: every article some of the given lists matched by
name, or found "possibly about" on its current text, with those matches and findings."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.aboutness import PossiblyAbout
from bot.domain.archive import ArchiveEntry
from bot.domain.models import Match
from bot.storage.articles import article_columns, article_from_row, chunks, match_from_row
from bot.storage.database import Connection
from bot.storage.times import required_time

_ARTICLES = """
SELECT {columns}, a.ref, a.first_seen_at
  FROM articles AS a
 WHERE {which}
 ORDER BY a.first_seen_at, a.ref
"""
_NAMED = "a.ref IN (SELECT article FROM matches WHERE watchlist IN ({marks}))"
_ABOUT = """a.ref IN (SELECT p.article FROM possibly_about AS p
                WHERE p.watchlist IN ({marks}) AND p.content_hash = a.content_hash)"""


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


# A match or a finding replaced gets a new time; one removed lowers a count.
_VERSION = """
SELECT (SELECT max(ref) FROM articles), (SELECT max(updated_at) FROM articles),
       (SELECT count(*) FROM matches), (SELECT max(matched_at) FROM matches),
       (SELECT count(*) FROM possibly_about), (SELECT max(found_at) FROM possibly_about)
"""


class ArchiveStore:
    def __init__(self, conn: Connection) -> None:
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
    conn: Connection, named: Sequence[str], about: Sequence[str]
) -> list[ArchiveEntry]:
    named, about = list(dict.fromkeys(named)), list(dict.fromkeys(about))
    if not named and not about:
        return []
    # PostgreSQL refuses an empty IN (): a kind of list none is asked for is left out.
    which = [_NAMED.format(marks=_marks(named))] if named else []
    which += [_ABOUT.format(marks=_marks(about))] if about else []
    sql = _ARTICLES.format(columns=article_columns("a"), which=" OR ".join(which))
    rows = conn.execute(sql, [*named, *about]).fetchall()
    refs = [int(r[-2]) for r in rows]
    matches: dict[int, list[Match]] = {}
    found: dict[int, list[PossiblyAbout]] = {}
    ids = {int(r[-2]): str(r[0]) for r in rows}
    for chunk in chunks(refs):
        marks = _marks(chunk)
        if named:
            for m in conn.execute(
                f"""SELECT article, watchlist, term, matched_text, score, field, snippet,
                           mark_start, mark_end
                      FROM matches WHERE article IN ({marks}) AND watchlist IN ({_marks(named)})
                     ORDER BY article, watchlist, id""",
                [*chunk, *named],
            ):
                matches.setdefault(int(m["article"]), []).append(match_from_row(m))
        if about:
            for p in conn.execute(
                f"""SELECT p.article, p.watchlist, p.score, p.strength, p.passage
                      FROM possibly_about AS p JOIN articles AS a ON a.ref = p.article
                     WHERE p.article IN ({marks}) AND p.watchlist IN ({_marks(about)})
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
