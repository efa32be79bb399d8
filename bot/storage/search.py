"""Explicit SQL for full-text search (the FTS5 index of migration 015) and for export:
every match of a window, one row per article and list.

Each word is given to FTS5 as a quoted literal (``match_expression``), so nothing a
person types is read as FTS5's query language; words are joined by AND.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime

from bot.domain.models import Match
from bot.domain.search import (
    MARK_CLOSE,
    MARK_OPEN,
    MatchedArticle,
    SearchHit,
    SearchPage,
    read_marked,
)
from bot.storage.article_text import unpack_text
from bot.storage.database import Connection, is_postgres
from bot.storage.times import from_db_time, required_time, to_db_time

# Words of context snippet() gives around the words found.
_SNIPPET_TOKENS = 24
# bm25 weights of the indexed columns, title, author, text: a word in the title says more
# of what an article is about than the same word once in its body.
_WEIGHTS = "10.0, 5.0, 1.0"
# At most this many articles found are ranked (the newest); older ones follow by date.
# bm25 over 10,000 articles takes some 40 ms; a word found in 90,000 takes 0.2-0.4 s.
RANK_WINDOW = 10_000


def match_expression(words: Sequence[str]) -> str:
    """FTS5's query for articles holding every one of ``words``, each a literal."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _filters(since: datetime | None, watchlist: str | None) -> tuple[str, list[object]]:
    """Conditions on the index's rowid (an article's ref), checked on each article the
    index finds. The unary + keeps SQLite from handing the IN list to FTS5 as a
    constraint, which runs the whole full-text query once per value in it (40,000
    values: 43 s instead of 40 ms)."""
    sql = ""
    params: list[object] = []
    if since is not None:
        sql += (
            " AND +rowid IN (SELECT ref FROM articles"
            " WHERE coalesce(published, first_seen_at) >= ?)"
        )
        params.append(to_db_time(since))
    if watchlist is not None:
        sql += " AND +rowid IN (SELECT article FROM matches WHERE watchlist = ?)"
        params.append(watchlist)
    return sql, params


def search(
    conn: Connection,
    words: Sequence[str],
    *,
    since: datetime | None = None,
    watchlist: str | None = None,
    limit: int,
    offset: int = 0,
) -> SearchPage:
    """A page of the articles holding all of ``words``, best first (bm25).

    Ranking reads every article found (bm25 needs each one's word counts and length),
    so a word in most of a large store would take longer than a search should: past
    ``RANK_WINDOW`` found, the newest ``RANK_WINDOW`` are ranked and the older ones
    follow, newest first. The page's refs come from the index alone; only then are
    those few articles read and their snippets made (snippet() inflates the text).
    """
    if not words:
        return SearchPage(tuple(words), (), 0, offset)
    if is_postgres(conn):
        return _search_postgres(conn, words, since, watchlist, limit, offset)
    where, params = _filters(since, watchlist)
    query = match_expression(words)
    found = f"FROM article_search WHERE article_search MATCH ?{where}"
    total = int(conn.execute(f"SELECT count(*) {found}", (query, *params)).fetchone()[0])
    ranked = min(total, RANK_WINDOW)
    floor: int | None = None
    if total > RANK_WINDOW:
        floor = int(
            conn.execute(
                f"SELECT rowid {found} ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (query, *params, RANK_WINDOW - 1),
            ).fetchone()[0]
        )
    refs: list[int] = []
    if offset < ranked:
        above = "" if floor is None else " AND rowid >= ?"
        refs += [
            r[0]
            for r in conn.execute(
                f"SELECT rowid {found}{above}"
                f" ORDER BY bm25(article_search, {_WEIGHTS}), rowid DESC LIMIT ? OFFSET ?",
                (query, *params, *([] if floor is None else [floor]), limit, offset),
            )
        ]
    if floor is not None and len(refs) < limit:
        refs += [
            r[0]
            for r in conn.execute(
                f"SELECT rowid {found} AND rowid < ? ORDER BY rowid DESC LIMIT ? OFFSET ?",
                (query, *params, floor, limit - len(refs), max(0, offset - ranked)),
            )
        ]
    hits = tuple(hit for ref in refs if (hit := _hit(conn, query, ref)) is not None)
    return SearchPage(tuple(words), hits, total, offset, ranked)


# PostgreSQL (its 015): ts_rank's weights of the search words' labels D, C, B, A: text,
# -, author, title, in the proportions of the bm25 weights above.
_PG_WEIGHTS = "{0.1, 0, 0.5, 1.0}"
_PG_HEADLINE = (
    f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords={_SNIPPET_TOKENS},"
    f" MinWords={_SNIPPET_TOKENS // 2}, ShortWord=0, MaxFragments=1, FragmentDelimiter=…"
)


def fold(text: str) -> str:
    """``text`` without its diacritics, as SQLite's index reads it ("remove_diacritics
    2"): PostgreSQL's words are folded in Python, written and searched alike."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def search_words_sql() -> str:
    """The PostgreSQL expression for an article's search words from its title, author
    and text (three parameters, in that order)."""
    return (
        "setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B')"
        " || setweight(to_tsvector('simple', ?), 'D')"
    )


def _pg_query(words: Sequence[str]) -> tuple[str, list[object]]:
    # Each word a phrase of its own pieces, as FTS5 reads a quoted literal; ANDed.
    sql = " && ".join("phraseto_tsquery('simple', ?)" for _ in words)
    return f"({sql})", [fold(w) for w in words]


def _search_postgres(
    conn: Connection,
    words: Sequence[str],
    since: datetime | None,
    watchlist: str | None,
    limit: int,
    offset: int,
) -> SearchPage:
    query, qparams = _pg_query(words)
    found = f"FROM articles WHERE search_words @@ {query}"
    params: list[object] = [*qparams]
    if since is not None:
        found += " AND coalesce(published, first_seen_at) >= ?"
        params.append(to_db_time(since))
    if watchlist is not None:
        found += " AND ref IN (SELECT article FROM matches WHERE watchlist = ?)"
        params.append(watchlist)
    total = int(conn.execute(f"SELECT count(*) {found}", params).fetchone()[0])
    ranked = min(total, RANK_WINDOW)
    floor: int | None = None
    if total > RANK_WINDOW:
        floor = int(
            conn.execute(
                f"SELECT ref {found} ORDER BY ref DESC LIMIT 1 OFFSET ?",
                (*params, RANK_WINDOW - 1),
            ).fetchone()[0]
        )
    refs: list[int] = []
    if offset < ranked:
        above = "" if floor is None else " AND ref >= ?"
        refs += [
            r[0]
            for r in conn.execute(
                f"SELECT ref {found}{above} ORDER BY"
                f" ts_rank('{_PG_WEIGHTS}', search_words, {query}) DESC, ref DESC"
                " LIMIT ? OFFSET ?",
                (
                    *params,
                    *([] if floor is None else [floor]),
                    *qparams,
                    limit,
                    offset,
                ),
            )
        ]
    if floor is not None and len(refs) < limit:
        refs += [
            r[0]
            for r in conn.execute(
                f"SELECT ref {found} AND ref < ? ORDER BY ref DESC LIMIT ? OFFSET ?",
                (*params, floor, limit - len(refs), max(0, offset - ranked)),
            )
        ]
    hits = tuple(hit for ref in refs if (hit := _hit_postgres(conn, words, ref)) is not None)
    return SearchPage(tuple(words), hits, total, offset, ranked)


def _hit_postgres(conn: Connection, words: Sequence[str], ref: int) -> SearchHit | None:
    r = conn.execute(
        "SELECT id, title, link, author, section, published, first_seen_at, text_deflated"
        " FROM articles WHERE ref = ?",
        (ref,),
    ).fetchone()
    if r is None:
        return None
    query, qparams = _pg_query(words)
    text = unpack_text(bytes(r[7]))
    # The passage with the most of the words, from the text (else the title), marked.
    passage = conn.execute(
        f"SELECT CASE WHEN to_tsvector('simple', ?) @@ {query}"
        f" THEN ts_headline('simple', ?, {query}, ?)"
        f" ELSE ts_headline('simple', ?, {query}, ?) END",
        (fold(text), *qparams, text, *qparams, _PG_HEADLINE, r[1], *qparams, _PG_HEADLINE),
    ).fetchone()[0]
    return SearchHit(
        article_id=r[0],
        title=r[1],
        link=r[2],
        author=r[3],
        section=r[4],
        published=from_db_time(r[5]),
        first_seen_at=required_time(r[6]),
        snippet=read_marked(str(passage)),
    )


def _hit(conn: Connection, query: str, ref: int) -> SearchHit | None:
    r = conn.execute(
        f"""
        SELECT a.id, a.title, a.link, a.author, a.section, a.published, a.first_seen_at,
               snippet(article_search, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…',
                       {_SNIPPET_TOKENS})
        FROM article_search JOIN articles AS a ON a.ref = article_search.rowid
        WHERE article_search MATCH ? AND article_search.rowid = ?
        """,
        (query, ref),
    ).fetchone()
    if r is None:
        return None  # gone between the two reads (a store's own writes only; rare)
    return SearchHit(
        article_id=r[0],
        title=r[1],
        link=r[2],
        author=r[3],
        section=r[4],
        published=from_db_time(r[5]),
        first_seen_at=required_time(r[6]),
        snippet=read_marked(r[7]),
    )


def like_scan_count(conn: Connection, words: Sequence[str], since: datetime | None = None) -> int:
    """How many articles hold every one of ``words``, by reading every text: the plain
    scan the index replaces, for the benchmark's baseline."""
    clauses = " AND ".join("inflate_text(text_deflated) LIKE ?" for _ in words)
    params: list[object] = [f"%{w}%" for w in words]
    if since is not None:
        clauses += " AND coalesce(published, first_seen_at) >= ?"
        params.append(to_db_time(since))
    row = conn.execute(f"SELECT count(*) FROM articles WHERE {clauses}", params).fetchone()
    return int(row[0])


def count_matched(conn: Connection, since: datetime, until: datetime, watchlist: str | None) -> int:
    sql, params = _window(since, until, watchlist)
    row = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM matches AS m JOIN articles AS a"
        f" ON a.ref = m.article WHERE {sql} GROUP BY m.article, m.watchlist) AS found",
        params,
    ).fetchone()
    return int(row[0])


def matched_articles(
    conn: Connection, since: datetime, until: datetime, watchlist: str | None
) -> Iterator[MatchedArticle]:
    """Each article seen in ``[since, until)`` with each list it matches, newest first
    (by first sight), its matches in the order they were found."""
    sql, params = _window(since, until, watchlist)
    rows = conn.execute(
        f"""
        SELECT a.ref, a.id, a.title, a.link, a.author, a.section, a.published,
               a.first_seen_at, a.updated_at, m.watchlist, m.term, m.matched_text,
               m.score, m.field, m.snippet, m.mark_start, m.mark_end
        FROM matches AS m JOIN articles AS a ON a.ref = m.article
        WHERE {sql}
        ORDER BY a.first_seen_at DESC, a.ref DESC, m.watchlist, m.id
        """,
        params,
    )
    key: tuple[int, str] | None = None
    head: sqlite3.Row | tuple[object, ...] | None = None
    found: list[Match] = []
    for r in rows:
        if (r[0], r[9]) != key:
            if head is not None:
                yield _matched(head, found)
            key, head, found = (r[0], r[9]), r, []
        found.append(Match(r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16]))
    if head is not None:
        yield _matched(head, found)


def _window(since: datetime, until: datetime, watchlist: str | None) -> tuple[str, list[object]]:
    sql = "a.first_seen_at >= ? AND a.first_seen_at < ?"
    params: list[object] = [to_db_time(since), to_db_time(until)]
    if watchlist is not None:
        sql += " AND m.watchlist = ?"
        params.append(watchlist)
    return sql, params


def _matched(r: Sequence[object], found: list[Match]) -> MatchedArticle:
    return MatchedArticle(
        article_id=str(r[1]),
        title=str(r[2]),
        link=str(r[3]),
        author=str(r[4]),
        section=str(r[5]),
        published=from_db_time(r[6]),  # type: ignore[arg-type]
        first_seen_at=required_time(str(r[7])),
        updated_at=from_db_time(r[8]),  # type: ignore[arg-type]
        watchlist=str(r[9]),
        matches=tuple(found),
    )


class SearchStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def search(
        self,
        words: Sequence[str],
        *,
        since: datetime | None = None,
        watchlist: str | None = None,
        limit: int,
        offset: int = 0,
    ) -> SearchPage:
        return search(
            self._conn, words, since=since, watchlist=watchlist, limit=limit, offset=offset
        )

    def count_matched(self, since: datetime, until: datetime, watchlist: str | None) -> int:
        return count_matched(self._conn, since, until, watchlist)

    def matched_articles(
        self, since: datetime, until: datetime, watchlist: str | None
    ) -> Iterator[MatchedArticle]:
        return matched_articles(self._conn, since, until, watchlist)
