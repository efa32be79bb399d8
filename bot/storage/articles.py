"""Explicit SQL for article rows: what a poll reads before deciding, how it writes, and
how a row becomes an ``Article`` again.

An article's words are stored once, deflated in ``text_deflated``
(``bot.storage.article_text``): the HTML as a small delta against the text
(``bot.storage.html_delta``), and a summary that is the text itself as a flag. An article
has an integer ``ref``, which is what a match refers to it by.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.domain.models import Article, Match
from bot.domain.poll import ArticleChange, KnownArticle
from bot.storage.article_text import pack_text, unpack_text
from bot.storage.database import Connection, is_postgres
from bot.storage.html_delta import pack_html, unpack_html
from bot.storage.search import fold, search_words_sql
from bot.storage.times import from_db_time, required_time, to_db_time

T = TypeVar("T")

# What ``article_from_row`` reads, in its order: a query selects these (with a table
# alias if it needs one, see ``article_columns``) and may add columns after them.
ARTICLE_COLUMNS = (
    "id",
    "feed_url",
    "link",
    "title",
    "author",
    "section",
    "published",
    "summary",
    "summary_is_text",
    "text_deflated",
    "content_hash",
    "html_delta",
)


def known_articles(conn: Connection, ids: Iterable[str]) -> dict[str, KnownArticle]:
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
            "SELECT DISTINCT a.id, m.watchlist FROM articles AS a"
            f" JOIN matches AS m ON m.article = a.ref WHERE a.id IN ({marks})",
            chunk,
        ):
            watchlists.setdefault(r[0], set()).add(r[1])
    return {
        article_id: KnownArticle(hash_, first_seen, frozenset(watchlists.get(article_id, ())))
        for article_id, (hash_, first_seen) in rows.items()
    }


def write_article(conn: Connection, article: Article, change: ArticleChange, now: datetime) -> None:
    """Store ``article`` as the ``change`` already decided for it."""
    stamp = to_db_time(now)
    if change == "new":
        conn.execute(
            """
            INSERT INTO articles (id, feed_url, link, title, author, section, published,
                                  summary, summary_is_text, html_delta, text_deflated,
                                  content_hash, first_seen_at, updated_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
            """,
            (*_article_columns(article), stamp, stamp),
        )
    elif change == "same":
        conn.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?", (stamp, article.id))
    else:
        conn.execute(
            """
            UPDATE articles SET feed_url = ?, link = ?, title = ?, author = ?, section = ?,
                   published = ?, summary = ?, summary_is_text = ?, html_delta = ?,
                   text_deflated = ?, content_hash = ?, updated_at = ?, last_seen_at = ?
            WHERE id = ?
            """,
            (*_article_columns(article)[1:], stamp, stamp, article.id),
        )
    if change != "same" and is_postgres(conn):
        write_search_words(conn, [(article.id, article.title, article.author, article.text)])


def write_search_words(conn: Connection, articles: Iterable[tuple[str, str, str, str]]) -> None:
    """PostgreSQL's search words of stored articles, each given as (id, title, author,
    text): its search index cannot read the deflated text (its 015), so they are written
    with the article, here."""
    conn.executemany(
        f"UPDATE articles SET search_words = {search_words_sql()} WHERE id = ?",
        [(fold(title), fold(author), fold(text), id_) for id_, title, author, text in articles],
    )


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    # SQLite caps bound parameters per statement; 500 stays far below every build's cap.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def article_columns(alias: str = "") -> str:
    """``ARTICLE_COLUMNS`` for a SELECT, each prefixed with ``alias.`` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in ARTICLE_COLUMNS)


def article_from_row(r: Sequence[Any], *, with_html: bool) -> Article:
    """The article a row of ``ARTICLE_COLUMNS`` holds (a tuple or an ``sqlite3.Row``).

    Without ``with_html`` the HTML is left behind (``html`` is ""): matching and digests
    read the plain text, and unpacking the HTML of many articles costs time for nothing.
    """
    text = unpack_text(r[9])
    html = unpack_html(r[11], text) if with_html else ""
    return Article(
        id=r[0],
        feed_url=r[1],
        link=r[2],
        title=r[3],
        author=r[4],
        section=r[5],
        published=from_db_time(r[6]),
        # The same str as the text, not a copy of it.
        summary=text if r[8] else r[7],
        html=html,
        text=text,
        content_hash=r[10],
    )


def _article_columns(a: Article) -> tuple[object, ...]:
    summary_is_text = bool(a.summary) and a.summary == a.text
    return (
        a.id,
        a.feed_url,
        a.link,
        a.title,
        a.author,
        a.section,
        to_db_time(a.published),
        "" if summary_is_text else a.summary,
        int(summary_is_text),
        pack_html(a.html, a.text),
        pack_text(a.text),
        a.content_hash,
    )


def match_from_row(r: sqlite3.Row) -> Match:
    """A row of the matches table as the domain's `Match`."""
    return Match(
        watchlist=r["watchlist"],
        term=r["term"],
        matched_text=r["matched_text"],
        score=r["score"],
        field=r["field"],
        snippet=r["snippet"],
        mark_start=r["mark_start"],
        mark_end=r["mark_end"],
    )
