"""Explicit SQL for relevance feedback: which article an alert's button means, the votes
(one per chat, article and list), and the votes of a list with what they voted on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bot.domain.feedback import VotedArticle
from bot.domain.models import Match, article_key
from bot.storage.articles import article_columns, article_from_row, match_from_row
from bot.storage.database import Connection
from bot.storage.times import db_time, required_time


@dataclass(frozen=True, slots=True)
class ButtonArticle:
    """The article a button's key stands for, and the lists it matches now."""

    ref: int
    id: str
    title: str
    watchlists: frozenset[str]


class FeedbackStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def remember_articles(self, article_ids: Iterable[str]) -> None:
        """Note the key of each (stored) article an alert's buttons name."""
        self._conn.executemany(
            "INSERT INTO alert_articles (key, article) SELECT ?, ref FROM articles WHERE id = ?"
            " ON CONFLICT (key) DO NOTHING",
            [(article_key(i), i) for i in set(article_ids)],
        )

    def article(self, key: str) -> ButtonArticle | None:
        row = self._conn.execute(
            "SELECT a.ref, a.id, a.title FROM alert_articles AS k"
            " JOIN articles AS a ON a.ref = k.article WHERE k.key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        lists = self._conn.execute(
            "SELECT DISTINCT watchlist FROM matches WHERE article = ?", (row["ref"],)
        ).fetchall()
        return ButtonArticle(row["ref"], row["id"], row["title"], frozenset(r[0] for r in lists))

    def vote(self, chat_id: int, article: int, watchlist: str, up: bool, now: datetime) -> bool:
        """Record the chat's vote (replacing an earlier one); False when it was already so."""
        value = 1 if up else -1
        cur = self._conn.execute(
            "INSERT INTO votes (chat_id, article, watchlist, vote, voted_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, article, watchlist)"
            " DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at"
            " WHERE votes.vote <> excluded.vote",
            (chat_id, article, watchlist, value, db_time(now)),
        )
        return cur.rowcount == 1

    def votes_of(self, chat_id: int, articles: Iterable[int]) -> dict[tuple[int, str], bool]:
        """The chat's votes on these articles: (article ref, list) -> up."""
        refs = sorted(set(articles))
        out: dict[tuple[int, str], bool] = {}
        for ref in refs:
            for r in self._conn.execute(
                "SELECT watchlist, vote FROM votes WHERE chat_id = ? AND article = ?",
                (chat_id, ref),
            ):
                out[(ref, r[0])] = r[1] > 0
        return out

    def voted(self, watchlist: str, since: datetime) -> list[VotedArticle]:
        """The list's votes since ``since``, with their articles and the list's matches."""
        rows = self._conn.execute(
            "SELECT v.chat_id, v.vote, v.voted_at, v.watchlist, a.ref,"
            f" {article_columns('a')} FROM votes AS v JOIN articles AS a ON a.ref = v.article"
            " WHERE v.watchlist = ? AND v.voted_at >= ? ORDER BY v.voted_at",
            (watchlist, db_time(since)),
        ).fetchall()
        return list(self._voted(rows))

    def all_votes(self) -> Iterator[VotedArticle]:
        """Every vote, oldest first (for ``caci-watch feedback export``)."""
        rows = self._conn.execute(
            "SELECT v.chat_id, v.vote, v.voted_at, v.watchlist, a.ref,"
            f" {article_columns('a')} FROM votes AS v JOIN articles AS a ON a.ref = v.article"
            " ORDER BY v.voted_at, v.article, v.watchlist, v.chat_id"
        )
        return self._voted(rows)

    def count_votes(self) -> int:
        """How many votes ``all_votes`` gives."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM votes AS v JOIN articles AS a ON a.ref = v.article"
        ).fetchone()
        return int(row[0])

    def _voted(self, rows: Iterable[sqlite3.Row]) -> Iterator[VotedArticle]:
        matches: dict[tuple[int, str], tuple[Match, ...]] = {}
        for r in rows:
            key = (r["ref"], r["watchlist"])
            if key not in matches:
                matches[key] = tuple(
                    match_from_row(m)
                    for m in self._conn.execute(
                        "SELECT * FROM matches WHERE article = ? AND watchlist = ? ORDER BY id",
                        key,
                    )
                )
            yield VotedArticle(
                chat_id=r["chat_id"],
                watchlist=r["watchlist"],
                up=r["vote"] > 0,
                voted_at=required_time(r["voted_at"]),
                article=article_from_row(tuple(r)[5:], with_html=False),
                matches=matches[key],
            )

    def rename(self, old: str, new: str) -> None:
        self._conn.execute("UPDATE votes SET watchlist = ? WHERE watchlist = ?", (new, old))
