"""Explicit SQL for the "possibly about" tier's findings (migration 011 says what a row
holds): written after a poll, per article, and read by the digest by when they were found;
and for what the tier still owes (migration 012): marked with the poll that stores an
article, or by an edit of a list's `about`, and cleared with the findings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from bot.domain.aboutness import PossiblyAbout
from bot.domain.possibly_about import AboutSeen, Owed, OwedChange
from bot.storage.articles import article_columns, article_from_row, chunks
from bot.storage.database import Connection
from bot.storage.times import db_time, required_time

# A mark for every list with `about` (a poll stored the text), as opposed to one list's.
ALL_LISTS = ""


class AboutStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def replace(
        self, article_id: str, content_hash: str, found: Sequence[PossiblyAbout], now: datetime
    ) -> frozenset[str] | None:
        """Store what the tier found in the article's text ``content_hash``, in place of
        what it found before; returns the lists it was possibly about before, or None
        (nothing stored) when the article's text is no longer that one: another poll
        stored a newer version while the tier read this one."""
        row = self._conn.execute(
            "SELECT ref FROM articles WHERE id = ? AND content_hash = ?",
            (article_id, content_hash),
        ).fetchone()
        if row is None:
            return None
        ref = row[0]
        before = frozenset(
            r[0]
            for r in self._conn.execute(
                "SELECT watchlist FROM possibly_about WHERE article = ?", (ref,)
            )
        )
        self._conn.execute("DELETE FROM possibly_about WHERE article = ?", (ref,))
        stamp = db_time(now)
        self._conn.executemany(
            "INSERT INTO possibly_about (article, watchlist, content_hash, score, strength,"
            " passage, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (article, watchlist) DO NOTHING",
            [
                (ref, f.watchlist, content_hash, f.score, f.strength, f.passage, stamp)
                for f in found
                if f.article_id == article_id
            ],
        )
        return before

    def found_between(self, since: datetime, until: datetime) -> list[AboutSeen]:
        """The findings made in [since, until) on the articles' current text, with the
        lists each article names now."""
        rows = self._conn.execute(
            f"""
            SELECT {article_columns("a")}, a.ref, a.first_seen_at,
                   (a.updated_at IS NOT NULL AND a.first_seen_at < :lo) AS updated,
                   p.watchlist, p.score, p.strength, p.passage
            FROM possibly_about AS p
            JOIN articles AS a ON a.ref = p.article AND a.content_hash = p.content_hash
            WHERE p.found_at >= :lo AND p.found_at < :hi
            ORDER BY p.found_at, a.ref
            """,
            {"lo": db_time(since), "hi": db_time(until)},
        ).fetchall()
        named = self._named({r["ref"] for r in rows})
        seen = []
        for r in rows:
            article = article_from_row(r, with_html=False)
            seen.append(
                AboutSeen(
                    article=article,
                    first_seen_at=required_time(r["first_seen_at"]),
                    updated=bool(r["updated"]),
                    found=PossiblyAbout(
                        article.id, r["watchlist"], r["score"], r["strength"], r["passage"]
                    ),
                    named=frozenset(named.get(r["ref"], ())),
                )
            )
        return seen

    def rename(self, old: str, new: str) -> None:
        # The renamed list's finding replaces one the new name already had.
        self._conn.execute(
            "DELETE FROM possibly_about WHERE watchlist = ? AND article IN"
            " (SELECT article FROM possibly_about WHERE watchlist = ?)",
            (new, old),
        )
        self._conn.execute(
            "UPDATE possibly_about SET watchlist = ? WHERE watchlist = ?", (new, old)
        )

    def forget_list(self, watchlist: str) -> None:
        """A list that no longer has `about`: its findings and what was owed it go."""
        self._conn.execute("DELETE FROM possibly_about WHERE watchlist = ?", (watchlist,))
        self._conn.execute("DELETE FROM about_owed WHERE watchlist = ?", (watchlist,))

    # -- what the tier owes ----------------------------------------------------------

    def owe(self, articles: Sequence[tuple[str, str, OwedChange, bool]], now: datetime) -> None:
        """Mark stored articles' texts as owed a reading by every list with `about`:
        (article id, content hash, how it came, whether its poll let it alert). An
        article still owed for an earlier text keeps its first mark's time and way of
        coming (an article never read is still news), for its newest text."""
        self._conn.executemany(
            """
            INSERT INTO about_owed (article, watchlist, content_hash, change, alerts,
                                    owed_since)
            SELECT ref, '', ?, ?, ?, ? FROM articles WHERE id = ?
            ON CONFLICT (article, watchlist) DO UPDATE SET
                content_hash = excluded.content_hash,
                alerts = CASE WHEN excluded.alerts > about_owed.alerts
                              THEN excluded.alerts ELSE about_owed.alerts END
            """,
            [(h, change, int(alerts), db_time(now), i) for i, h, change, alerts in articles],
        )

    def owe_list(self, watchlist: str, since: datetime, now: datetime) -> int:
        """Mark the articles first seen since ``since`` as owed a reading by one list
        (its `about` changed); returns how many were marked."""
        cur = self._conn.execute(
            """
            INSERT INTO about_owed (article, watchlist, content_hash, change, alerts,
                                    owed_since)
            SELECT ref, ?, content_hash, 'edit', 0, ? FROM articles WHERE first_seen_at >= ?
            ON CONFLICT (article, watchlist) DO NOTHING
            """,
            (watchlist, db_time(now), db_time(since)),
        )
        return cur.rowcount

    def owed(self, limit: int, now: datetime) -> list[Owed]:
        """Up to ``limit`` marks, the polls' first, then the oldest, with the articles'
        current text and the lists each names now. When only texts the tier failed on
        alone are left: the marks of one whose time to try again has come, alone."""
        rows = self._owed_rows("o.failures = 0", (), limit)
        if not rows:
            rows = self._owed_rows(
                """o.article = (SELECT article FROM about_owed WHERE failures > 0
                                AND retry_at <= ? ORDER BY retry_at, article LIMIT 1)""",
                (db_time(now),),
                limit,
            )
        named = self._named({r["ref"] for r in rows})
        return [
            Owed(
                article=article_from_row(r, with_html=False),
                watchlist=r["watchlist"] or None,
                change=r["change"],
                alerts=bool(r["alerts"]),
                owed_since=required_time(r["owed_since"]),
                named=frozenset(named.get(r["ref"], ())),
                failures=r["failures"],
            )
            for r in rows
        ]

    def _owed_rows(self, where: str, params: tuple[object, ...], limit: int) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self._conn.execute(
            f"""
            SELECT {article_columns("a")}, a.ref, o.watchlist, o.change, o.alerts,
                   o.owed_since, o.failures
            FROM about_owed AS o JOIN articles AS a ON a.ref = o.article
            WHERE {where}
            ORDER BY o.failures, o.watchlist != '', o.owed_since, o.article
            LIMIT ?
            """,
            (*params, limit),
        ).fetchall()
        return rows

    def failed_alone(self, article_id: str, retry_at: Callable[[int], datetime]) -> int:
        """The tier failed on this article read alone: it is read alone from now on,
        after the others, at ``retry_at(failures)``; returns how often it failed so."""
        ref = self._conn.execute("SELECT ref FROM articles WHERE id = ?", (article_id,)).fetchone()
        if ref is None:
            return 0
        row = self._conn.execute(
            "SELECT max(failures) FROM about_owed WHERE article = ?", (ref[0],)
        ).fetchone()
        failures = int(row[0] or 0) + 1
        self._conn.execute(
            "UPDATE about_owed SET failures = ?, retry_at = ? WHERE article = ?",
            (failures, db_time(retry_at(failures)), ref[0]),
        )
        return failures

    def owes(self) -> bool:
        return self._conn.execute("SELECT 1 FROM about_owed LIMIT 1").fetchone() is not None

    def settle(self, article_id: str, content_hash: str) -> None:
        """The tier's reading of every list for the text ``content_hash`` is stored:
        what was owed for it goes, and so does each list's own mark (the reading was
        theirs too). A mark moved to a newer text meanwhile stays."""
        self._conn.execute(
            "DELETE FROM about_owed WHERE article = (SELECT ref FROM articles WHERE id = ?)"
            " AND (watchlist != '' OR content_hash = ?)",
            (article_id, content_hash),
        )

    def replace_one(
        self,
        article_id: str,
        content_hash: str,
        watchlist: str,
        found: PossiblyAbout | None,
        now: datetime,
    ) -> bool:
        """Store what one list's reading found in the text ``content_hash`` and clear
        that list's mark; returns whether the finding is new (it was not possibly about
        the list before). A finding kept keeps when it was made, so a digest does not
        show it again. The text no longer the article's: only the mark goes (the poll
        that changed it owes every list a reading of the new text)."""
        row = self._conn.execute(
            "SELECT ref, content_hash FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return False
        ref = row[0]
        self._conn.execute(
            "DELETE FROM about_owed WHERE article = ? AND watchlist = ?", (ref, watchlist)
        )
        if row[1] != content_hash:
            return False
        before = self._conn.execute(
            "SELECT content_hash FROM possibly_about WHERE article = ? AND watchlist = ?",
            (ref, watchlist),
        ).fetchone()
        if found is None:
            self._conn.execute(
                "DELETE FROM possibly_about WHERE article = ? AND watchlist = ?", (ref, watchlist)
            )
            return False
        if before is not None and before[0] == content_hash:
            self._conn.execute(
                "UPDATE possibly_about SET score = ?, strength = ?, passage = ?"
                " WHERE article = ? AND watchlist = ?",
                (*_shown(found), ref, watchlist),
            )
            return False
        self._conn.execute(
            "INSERT INTO possibly_about (article, watchlist, content_hash, score,"
            " strength, passage, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (article, watchlist) DO UPDATE SET content_hash ="
            " excluded.content_hash, score = excluded.score, strength = excluded.strength,"
            " passage = excluded.passage, found_at = excluded.found_at",
            (ref, watchlist, content_hash, *_shown(found), db_time(now)),
        )
        return True

    def drop_owed(self, keep: Collection[str]) -> None:
        """Marks no list can answer go: the one-list marks of lists not in ``keep`` (the
        lists with `about`), and, with none left, every mark."""
        if not keep:
            self._conn.execute("DELETE FROM about_owed")
            return
        names = sorted(keep)
        self._conn.execute(
            f"DELETE FROM about_owed WHERE watchlist != ''"
            f" AND watchlist NOT IN ({','.join('?' * len(names))})",
            names,
        )

    def versions(self) -> dict[str, str]:
        """Each list's `about` side as the tier last read recent articles with it."""
        rows = self._conn.execute("SELECT watchlist, fingerprint FROM about_versions")
        return {r[0]: r[1] for r in rows}

    def save_versions(self, versions: Mapping[str, str], now: datetime) -> None:
        """Replace the remembered set: lists absent from ``versions`` are forgotten."""
        self._conn.execute("DELETE FROM about_versions")
        self._conn.executemany(
            "INSERT INTO about_versions (watchlist, fingerprint, seen_at) VALUES (?, ?, ?)",
            [(name, fp, db_time(now)) for name, fp in sorted(versions.items())],
        )

    def _named(self, refs: Collection[int]) -> dict[int, set[str]]:
        named: dict[int, set[str]] = {}
        for chunk in chunks(sorted(refs)):
            marks = ",".join("?" * len(chunk))
            for ref, name in self._conn.execute(
                f"SELECT DISTINCT article, watchlist FROM matches WHERE article IN ({marks})",
                chunk,
            ):
                named.setdefault(ref, set()).add(name)
        return named


def _shown(found: PossiblyAbout) -> tuple[float, str, str]:
    return found.score, found.strength, found.passage
