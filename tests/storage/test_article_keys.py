"""Matches refer to their article by its integer ``ref``, and the text is kept deflated
(migration 009): a store written before reads back as it did, and the new layout answers
every question the old one did."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from bot.domain.models import Article, Match
from bot.storage import SCHEMA_VERSION, Store, open_store
from bot.storage.article_text import unpack_text
from bot.storage.database import MIGRATIONS
from bot.storage.html_delta import pack_html
from tests.factories import T0, make_article, make_match

LISTS = ("TRIPP", "Middle Corridor", "~7/ports")


def _articles(count: int) -> list[Article]:
    """Articles of every shape: long and short, a teaser or the text as summary, no HTML."""
    found = []
    for n in range(count):
        text = f"Body {n} of the story of the Zangezur corridor and the port of Aktau. " * (
            1 + n % 40
        )
        article = make_article(n, text=text)
        if n % 3 == 0:
            article = replace(article, summary=article.text)
        if n % 7 == 0:
            article = replace(article, html="", summary="")
        found.append(article)
    return found


def _matches(n: int) -> dict[str, list[Match]]:
    """Article ``n``'s matches by list (none for some), several for some lists."""
    return {
        name: [make_match(name, term=f"term {k} of {name}") for k in range(1 + (n + i) % 3)]
        for i, name in enumerate(LISTS)
        if (n + i) % 4
    }


def _seen(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def _updated(n: int) -> datetime | None:
    return T0 + timedelta(days=2, minutes=n) if n % 11 == 0 else None


def _db_time(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _rematched(n: int, name: str) -> bool:
    return n % 5 == 0 and name == "TRIPP"


def _rematched_at(n: int) -> datetime:
    return T0 + timedelta(days=3, minutes=n)


def _store_at_schema_8(path: Path, articles: list[Article]) -> None:
    """The articles and their matches as caci-watch at schema 8 stored them: the HTML as a
    delta (one row still holding its HTML as it is), matches keyed by the article's id.
    Rows go in out of first-sight order, so rowids and first sight disagree."""
    conn = sqlite3.connect(path)
    conn.create_function("html_delta", 2, pack_html)
    for migration in MIGRATIONS[:8]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 8")
    order = sorted(range(len(articles)), key=lambda n: (n % 2, n))
    for n in order:
        a = articles[n]
        summary_is_text = bool(a.summary) and a.summary == a.text
        raw = n == 1  # as a schema 6 row 007 left alone: never written by the code
        conn.execute(
            "INSERT INTO articles (id, feed_url, link, title, author, section, published,"
            " summary, summary_is_text, html, html_delta, text, content_hash, first_seen_at,"
            " updated_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.id,
                a.feed_url,
                a.link,
                a.title,
                a.author,
                a.section,
                _db_time(a.published),
                "" if summary_is_text else a.summary,
                int(summary_is_text),
                a.html if raw else "",
                None if raw else pack_html(a.html, a.text),
                a.text,
                a.content_hash,
                _seen(n).isoformat(),
                _db_time(_updated(n)),
                _seen(n).isoformat(),
            ),
        )
    for n in order:
        # As today's code stores them: the first poll's matches, then an edit's.
        by_list = sorted(_matches(n).items(), key=lambda item: _rematched(n, item[0]))
        for name, found in by_list:
            for m in found:
                rematched = _rematched(n, name)
                conn.execute(
                    "INSERT INTO matches (article_id, watchlist, term, matched_text, score,"
                    " field, snippet, mark_start, mark_end, matched_at, rematched)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        articles[n].id,
                        m.watchlist,
                        m.term,
                        m.matched_text,
                        m.score,
                        m.field,
                        m.snippet,
                        m.mark_start,
                        m.mark_end,
                        (_rematched_at(n) if rematched else _seen(n)).isoformat(),
                        int(rematched),
                    ),
                )
    conn.commit()
    conn.close()


def _stored_now(articles: list[Article]) -> Store:
    """The same articles and matches stored by today's code."""
    store = open_store(":memory:")
    order = sorted(range(len(articles)), key=lambda n: (n % 2, n))
    for n in order:
        store.upsert_article(articles[n], _seen(n))
        updated = _updated(n)
        if updated is not None:
            # Stored again as changed, then the same words put back: updated_at is set.
            store.upsert_article(replace(articles[n], content_hash="changed"), updated)
            store.upsert_article(articles[n], updated)
    for n in order:
        by_list = _matches(n)
        store.replace_matches(
            articles[n].id,
            [m for name, found in by_list.items() if not _rematched(n, name) for m in found],
            _seen(n),
        )
        again = [name for name in by_list if _rematched(n, name)]
        if again:
            store.replace_matches(
                articles[n].id,
                by_list["TRIPP"],
                _rematched_at(n),
                rematched=again,
                only=again,
            )
    return store


def _everything_read(store: Store, articles: list[Article]) -> dict[str, object]:
    """What every reader of articles and matches answers."""
    ids = [a.id for a in articles]
    reader = store.reader()
    try:
        batches = [a for batch in reader.first_seen_since(T0, batch_size=7) for a in batch]
        matches_of = reader.matches_of(ids, LISTS)
        matching = {name: reader.matching_ids(name, ids) for name in LISTS}
        counted = reader.count_first_seen_since(T0 + timedelta(minutes=10))
    finally:
        reader.close()
    windows = [
        (T0, T0 + timedelta(hours=1)),
        (T0 + timedelta(days=2), T0 + timedelta(days=4)),
        (T0 - timedelta(days=1), T0 + timedelta(days=9)),
    ]
    return {
        "articles": [store.article(i) for i in ids],
        "count": store.article_count(),
        "windows": [
            sorted(store.articles_seen_between(lo, hi), key=lambda e: e.article.id)
            for lo, hi in windows
        ],
        "since": list(store.articles_first_seen_since(T0 + timedelta(minutes=3))),
        "batches": batches,
        "counted": counted,
        "matches_of": matches_of,
        "matching": matching,
        "ids_matching": {name: store.article_ids_matching(name) for name in LISTS},
        "matched": [store.matched_watchlists(i) for i in ids],
        "known": store.known_articles(ids),
    }


def test_a_store_at_schema_8_migrates_and_reads_back_as_the_same_store_written_now(
    tmp_path: Path,
) -> None:
    articles = _articles(60)
    path = tmp_path / "v8.sqlite3"
    _store_at_schema_8(path, articles)
    rowids = dict(sqlite3.connect(path).execute("SELECT id, rowid FROM articles"))

    migrated = open_store(path)
    now = _stored_now(articles)

    assert _everything_read(migrated, articles) == _everything_read(now, articles)
    assert [migrated.article(a.id) for a in articles] == articles
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert dict(conn.execute("SELECT id, ref FROM articles")) == rowids
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_thousands_of_articles_migrate_in_one_go_and_lose_nothing(tmp_path: Path) -> None:
    articles = _articles(3000)
    path = tmp_path / "v8.sqlite3"
    _store_at_schema_8(path, articles)
    before = sqlite3.connect(path)
    match_rows = before.execute(
        "SELECT m.id, a.rowid, m.watchlist, m.term, m.matched_at, m.rematched"
        " FROM matches AS m JOIN articles AS a ON a.id = m.article_id ORDER BY m.id"
    ).fetchall()
    before.close()

    store = open_store(path)

    assert [store.article(a.id) for a in articles] == articles
    after = sqlite3.connect(path)
    assert (
        after.execute(
            "SELECT id, article, watchlist, term, matched_at, rematched FROM matches ORDER BY id"
        ).fetchall()
        == match_rows
    )


def test_deleting_an_article_takes_its_matches_with_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.sqlite3")
    kept, gone = make_article(1), make_article(2)
    for a in (kept, gone):
        store.upsert_article(a, T0)
        store.replace_matches(a.id, [make_match("TRIPP")], T0)
    conn = sqlite3.connect(tmp_path / "s.sqlite3")
    conn.execute("PRAGMA foreign_keys = ON")
    # The search index's trigger (015) reads the text it takes out through inflate_text().
    conn.create_function("inflate_text", 1, unpack_text)
    with conn:
        conn.execute("DELETE FROM articles WHERE id = ?", (gone.id,))
    assert conn.execute("SELECT count(*) FROM matches").fetchone()[0] == 1
    assert store.article_ids_matching("TRIPP") == {kept.id}


def test_the_text_is_kept_deflated_in_a_fraction_of_its_size(tmp_path: Path) -> None:
    article = make_article(1, text="The Middle Corridor runs through the port of Aktau. " * 100)
    store = open_store(tmp_path / "s.sqlite3")
    store.upsert_article(article, T0)
    [(size,)] = sqlite3.connect(tmp_path / "s.sqlite3").execute(
        "SELECT length(text_deflated) FROM articles"
    )
    assert size < len(article.text.encode()) / 3
    assert store.article(article.id) == article
