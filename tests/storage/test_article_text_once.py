"""The store keeps an article's words once: the HTML as a delta against the text, a summary
that is the text as a flag; every reader gets the article back as it was stored."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.models import Article
from bot.feeds.parse import parse_feed
from bot.storage import SCHEMA_VERSION, open_store
from bot.storage.article_text import unpack_text
from bot.storage.database import MIGRATIONS
from bot.storage.html_delta import pack_html, unpack_html
from tests.factories import T0, make_article, rss


@given(html=st.text(), text=st.text())
def test_the_html_comes_back_from_its_delta_and_the_text(html: str, text: str) -> None:
    assert unpack_html(pack_html(html, text), text) == html


def test_a_delta_read_with_another_text_is_an_error_not_other_html() -> None:
    delta = pack_html("<p>Port of Alat</p>", "Port of Alat")
    with pytest.raises(zlib.error):
        unpack_html(delta, "Port of Poti")


def test_the_delta_of_html_rendered_to_text_is_a_small_part_of_the_text() -> None:
    words = " ".join(f"word{i % 97} Baku–Tbilisi railway &amp; port {i}" for i in range(400))
    html = "".join(f"<p>{words[i : i + 300]}</p>" for i in range(0, len(words), 300))
    [article] = parse_feed(rss([("g1", "Title", html, T0)]), "https://f/a").articles
    delta = pack_html(article.html, article.text)
    assert delta is not None and len(delta) < len(article.text.encode()) / 10


def _stored_columns(store_path: Path, article_id: str) -> sqlite3.Row:
    conn = sqlite3.connect(store_path)
    conn.row_factory = sqlite3.Row
    row: sqlite3.Row | None = conn.execute(
        "SELECT html_delta, summary, summary_is_text, text_deflated FROM articles WHERE id = ?",
        (article_id,),
    ).fetchone()
    conn.close()
    assert row is not None
    return row


def test_a_feed_item_with_only_a_description_keeps_its_words_once_and_reads_back_whole(
    tmp_path: Path,
) -> None:
    body = "<p>The <em>Middle Corridor</em> &amp; the port of Aktau.</p><p>Second part.</p>"
    [article] = parse_feed(rss([("g1", "Ferries", body, T0)]), "https://f/a").articles
    assert article.summary == article.text  # what the Analyst's feeds give
    path = tmp_path / "s.sqlite3"
    store = open_store(path)
    store.upsert_article(article, T0)
    assert store.article(article.id) == article
    row = _stored_columns(path, article.id)
    assert (row["summary"], row["summary_is_text"]) == ("", 1)
    assert unpack_text(row["text_deflated"]) == article.text and row["html_delta"]


def test_a_summary_other_than_the_text_is_kept_as_it_is(tmp_path: Path) -> None:
    article = replace(make_article(1, text="The whole body of the article."), summary="A teaser.")
    path = tmp_path / "s.sqlite3"
    store = open_store(path)
    store.upsert_article(article, T0)
    assert store.article(article.id) == article
    row = _stored_columns(path, article.id)
    assert (row["summary"], row["summary_is_text"]) == (article.summary, 0)


@pytest.mark.parametrize(
    "article",
    [
        replace(make_article(1), html="", summary=""),
        replace(make_article(2, text=""), summary="", html=""),
        replace(make_article(3), summary="Plain body text.", html="Plain body text."),
    ],
    ids=["no html or summary", "nothing at all", "html that is the text"],
)
def test_articles_with_empty_parts_read_back_as_stored(article: Article, store_url: str) -> None:
    store = open_store(store_url)
    store.upsert_article(article, T0)
    assert store.article(article.id) == article


def test_an_edited_article_reads_back_as_edited(tmp_path: Path, store_url: str) -> None:
    store = open_store(store_url)
    first = replace(make_article(1, text="First version."), summary="First version.")
    store.upsert_article(first, T0)
    edited = make_article(1, text="Second version, corrected.")
    assert store.upsert_article(edited, T0 + timedelta(hours=1)).change == "updated"
    assert store.article(first.id) == edited


def test_every_bulk_reader_gives_the_summary_and_text_and_leaves_the_html(
    tmp_path: Path, store_url: str
) -> None:
    store = open_store(store_url)
    same = replace(make_article(1, text="Body one."), summary="Body one.")
    teaser = replace(make_article(2, text="Body two."), summary="A teaser.")
    for article in (same, teaser):
        store.upsert_article(article, T0)
    bare = {a.id: replace(a, html="") for a in (same, teaser)}
    window = store.articles_seen_between(T0, T0 + timedelta(seconds=1))
    assert {e.article.id: e.article for e in window} == bare
    assert {a.id: a for a in store.articles_first_seen_since(T0)} == bare
    reader = store.reader()
    try:
        assert {a.id: a for b in reader.first_seen_since(T0) for a in b} == bare
    finally:
        reader.close()


def _store_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A store as caci-watch at schema ``version`` left it."""
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:version]:
        conn.executescript(migration.sql)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_migration_007_converts_every_stored_article_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v6.sqlite3"
    conn = _store_at_version(path, 6)
    articles = [
        replace(make_article(n, text=f"Body {n} of the Zangezur story."), summary=s, html=h)
        for n, s, h in [
            (1, "Body 1 of the Zangezur story.", "<p>Body 1 of the <b>Zangezur</b> story.</p>"),
            (2, "A teaser.", "<p>Body 2 of the Zangezur story.</p>"),
            (3, "", ""),
        ]
    ]
    for n, a in enumerate(articles):
        conn.execute(
            "INSERT INTO articles (id, feed_url, link, title, author, section, published,"
            " summary, html, text, content_hash, first_seen_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                a.id,
                a.feed_url,
                a.link,
                a.title,
                a.author,
                a.section,
                T0.isoformat(),
                a.summary,
                a.html,
                a.text,
                a.content_hash,
                (T0 + timedelta(minutes=n)).isoformat(),
                T0.isoformat(),
            ),
        )
    conn.execute(
        "INSERT INTO matches (article_id, watchlist, term, matched_text, score, field, snippet,"
        " mark_start, mark_end, matched_at) VALUES (?, 'TRIPP', 'Zangezur', 'Zangezur', 100,"
        " 'body', 'the Zangezur story', 4, 12, ?)",
        (articles[0].id, T0.isoformat()),
    )
    conn.commit()
    conn.close()

    store = open_store(path)
    assert store.article_count() == 3
    for a in articles:
        assert store.article(a.id) == a
        assert (_stored_columns(path, a.id)["html_delta"] is None) == (a.html == "")
    assert store.matched_watchlists(articles[0].id) == {"TRIPP"}
    assert _stored_columns(path, articles[0].id)["summary_is_text"] == 1
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
