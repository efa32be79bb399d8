"""Reading many stored articles and their matches, a batch at a time, for a dry run or a
re-match of recent articles after a watchlist edit.

The running bot does this in a worker thread, away from its event loop: a reader then
has a read-only connection of its own (SQLite connections are not to be shared between
threads that use them at once), which its one thread at a time may use. In WAL mode it
neither waits for the bot's writes nor holds them up. A store in memory (tests) has
only one connection, so its reader borrows it, and is to be used on the same thread.

Each batch is a query of its own, continuing after the last article of the one before
(by first sight, then by ``ref``, the rowid, which the index on ``first_seen_at`` keeps
in that order), so that no read stays open across batches and only one batch is in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from bot.domain.models import Article, Match
from bot.storage.articles import ARTICLE_COLUMNS, article_columns, article_from_row, chunks
from bot.storage.database import Connection
from bot.storage.search import SearchStore
from bot.storage.times import to_db_time

# Articles per batch: enough that a query's overhead does not count, few enough that a
# batch of long articles (their text, and what matching makes of it) stays a few MB.
BATCH_SIZE = 500


class ArticleReader:
    """Reads articles first seen since a time, a batch at a time, and their matches."""

    def __init__(self, conn: Connection, *, owned: bool) -> None:
        self._conn = conn
        self._owned = owned  # False: the store's own connection, left open
        self.search = SearchStore(conn)

    def close(self) -> None:
        if self._owned:
            self._conn.close()

    def count_first_seen_since(self, since: datetime) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM articles WHERE first_seen_at >= ?", (to_db_time(since),)
        ).fetchone()
        return int(row[0])

    def first_seen_since(
        self, since: datetime, *, batch_size: int = BATCH_SIZE
    ) -> Iterator[list[Article]]:
        """The articles first seen at or after ``since``, oldest first, in batches.

        The HTML is left behind (``html`` is empty): matching reads the plain text.
        """
        after: tuple[str, int] = ("", 0)
        first_seen, ref = len(ARTICLE_COLUMNS), len(ARTICLE_COLUMNS) + 1
        while True:
            rows = self._conn.execute(
                f"""
                SELECT {article_columns()}, first_seen_at, ref
                FROM articles
                WHERE first_seen_at >= ? AND (first_seen_at, ref) > (?, ?)
                ORDER BY first_seen_at, ref
                LIMIT ?
                """,
                (to_db_time(since), after[0], after[1], batch_size),
            ).fetchall()
            if not rows:
                return
            after = (rows[-1][first_seen], rows[-1][ref])
            yield [article_from_row(r, with_html=False) for r in rows]
            if len(rows) < batch_size:
                return

    def matching_ids(self, watchlist: str, article_ids: Sequence[str]) -> set[str]:
        """Which of ``article_ids`` the store has ``watchlist`` matching now."""
        found: set[str] = set()
        for chunk in chunks(article_ids):
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self._conn.execute(
                    "SELECT DISTINCT a.id FROM articles AS a JOIN matches AS m"
                    f" ON m.article = a.ref WHERE m.watchlist = ? AND a.id IN ({marks})",
                    (watchlist, *chunk),
                )
            )
        return found

    def matches_of(
        self, article_ids: Sequence[str], watchlists: Collection[str]
    ) -> dict[str, list[Match]]:
        """The stored matches of ``article_ids`` with ``watchlists``, by article, each
        article's in the order they were stored."""
        names = sorted(watchlists)
        found: dict[str, list[Match]] = {}
        if not names:
            return found
        lists = ",".join("?" * len(names))
        for chunk in chunks(article_ids):
            marks = ",".join("?" * len(chunk))
            for r in self._conn.execute(
                "SELECT a.id, m.watchlist, m.term, m.matched_text, m.score, m.field, m.snippet,"
                " m.mark_start, m.mark_end FROM articles AS a JOIN matches AS m"
                " ON m.article = a.ref"
                f" WHERE a.id IN ({marks}) AND m.watchlist IN ({lists}) ORDER BY m.id",
                (*chunk, *names),
            ):
                found.setdefault(r[0], []).append(Match(*r[1:]))
        return found
