"""Explicit SQL for the "possibly about" tier's findings (migration 011 says what a row
holds): written after a poll, per article, and read by the digest by when they were found.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.domain.aboutness import PossiblyAbout
from bot.domain.possibly_about import AboutSeen
from bot.storage.articles import article_columns, article_from_row, chunks
from bot.storage.times import db_time, required_time


class AboutStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
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
        named: dict[int, set[str]] = {}
        refs = sorted({r["ref"] for r in rows})
        for chunk in chunks(refs):
            marks = ",".join("?" * len(chunk))
            for ref, name in self._conn.execute(
                f"SELECT DISTINCT article, watchlist FROM matches WHERE article IN ({marks})",
                chunk,
            ):
                named.setdefault(ref, set()).add(name)
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
        self._conn.execute(
            "UPDATE OR REPLACE possibly_about SET watchlist = ? WHERE watchlist = ?", (new, old)
        )
