"""Explicit SQL for article rows: what a poll reads before deciding, and how it writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from bot.domain.models import Article
from bot.domain.poll import ArticleChange, KnownArticle
from bot.storage.times import required_time, to_db_time


def known_articles(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, KnownArticle]:
    """The stored hash, first sight and current watchlists of each of ``ids`` stored."""
    wanted = sorted(set(ids))
    rows: dict[str, tuple[str, datetime]] = {}
    watchlists: dict[str, set[str]] = {}
    for chunk in chunks(wanted):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT id, content_hash, first_seen_at FROM articles WHERE id IN ({marks})", chunk
        ):
            rows[r[0]] = (r[1], required_time(r[2]))
        for r in conn.execute(
            f"SELECT DISTINCT article_id, watchlist FROM matches WHERE article_id IN ({marks})",
            chunk,
        ):
            watchlists.setdefault(r[0], set()).add(r[1])
    return {
        article_id: KnownArticle(hash_, first_seen, frozenset(watchlists.get(article_id, ())))
        for article_id, (hash_, first_seen) in rows.items()
    }


def write_article(
    conn: sqlite3.Connection, article: Article, change: ArticleChange, now: datetime
) -> None:
    """Store ``article`` as the ``change`` already decided for it."""
    stamp = to_db_time(now)
    if change == "new":
        conn.execute(
            """
            INSERT INTO articles (id, feed_url, link, title, author, section, published,
                                  summary, html, text, content_hash,
                                  first_seen_at, updated_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
            """,
            (*_article_columns(article), stamp, stamp),
        )
    elif change == "same":
        conn.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", (stamp, article.id))
    else:
        conn.execute(
            """
            UPDATE articles SET feed_url = ?, link = ?, title = ?, author = ?, section = ?,
                   published = ?, summary = ?, html = ?, text = ?, content_hash = ?,
                   updated_at = ?, last_seen_at = ?
            WHERE id = ?
            """,
            (*_article_columns(article)[1:], stamp, stamp, article.id),
        )


def chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    # SQLite caps bound parameters per statement; 500 stays far below every build's cap.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _article_columns(a: Article) -> tuple[object, ...]:
    return (
        a.id,
        a.feed_url,
        a.link,
        a.title,
        a.author,
        a.section,
        to_db_time(a.published),
        a.summary,
        a.html,
        a.text,
        a.content_hash,
    )
