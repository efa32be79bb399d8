"""The search index (migration 015) follows the articles, finds words however they are
typed, and never lets a query's text be read as FTS5's query language."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.search import search_words
from bot.storage import search as search_storage
from bot.storage.article_text import pack_text
from bot.storage.database import MIGRATIONS, is_postgres, open_database
from bot.storage.html_delta import pack_html
from bot.storage.store import Store, open_store
from tests.factories import T0, make_article, make_match

TEXTS = {
    1: "The Zangezur corridor would link Azerbaijan to Nakhchivan through Armenia.",
    2: "Kazakhstan's uranium output rose; the corridor is not mentioned here at all.",
    3: "Georgia's Anaklia port: the deep-sea port's fate remains open.",
}


def _store(store_url: str) -> Store:
    store = open_store(store_url)
    for n, text in TEXTS.items():
        store.upsert_article(make_article(n, text=text), T0 + timedelta(hours=n))
    return store


def _ids(store: Store, query: str, **kw: object) -> list[str]:
    page = store.search.search(search_words(query), limit=20, **kw)  # type: ignore[arg-type]
    return [h.article_id.rsplit("/", 1)[1] for h in page.hits]


def test_search_finds_articles_holding_every_word_with_the_words_marked(store_url: str) -> None:
    store = _store(store_url)
    page = store.search.search(search_words("zangezur CORRIDOR"), limit=20)
    assert page.total == 1
    snippet = page.hits[0].snippet
    marked = [snippet.text[a:b] for a, b in snippet.marks]
    assert marked == ["Zangezur", "corridor"]
    assert sorted(_ids(store, "corridor")) == ["1", "2"]


def test_search_ranks_a_word_in_the_title_first(store_url: str) -> None:
    store = _store(store_url)
    store.upsert_article(
        make_article(9, title="Uranium in Central Asia", text="Mines."), T0 + timedelta(days=1)
    )
    assert _ids(store, "uranium") == ["9", "2"]


def test_an_edited_article_is_found_by_its_new_words_only(store_url: str) -> None:
    store = _store(store_url)
    edited = make_article(3, text="Georgia's Poti port, not the other one.")
    assert store.upsert_article(edited, T0 + timedelta(days=2)).change == "updated"
    assert _ids(store, "Anaklia") == []
    assert _ids(store, "Poti") == ["3"]
    # A poll seeing it unchanged touches only last_seen_at, which the index does not hold.
    store.upsert_article(edited, T0 + timedelta(days=3))
    assert _ids(store, "Poti") == ["3"]


def test_search_keeps_to_a_list_and_a_date(store_url: str) -> None:
    store = _store(store_url)
    store.replace_matches(make_article(2).id, [make_match("URANIUM")], T0)
    assert _ids(store, "corridor", watchlist="URANIUM") == ["2"]
    assert _ids(store, "corridor", watchlist="NONE") == []
    late = T0 + timedelta(days=1)
    store.upsert_article(make_article(7, text="A corridor, late.", published=late), late)
    assert _ids(store, "corridor", since=late) == ["7"]


def test_a_deleted_article_leaves_the_index(store_url: str) -> None:
    store = _store(store_url)
    store._conn.execute("DELETE FROM articles WHERE id = ?", (make_article(1).id,))
    assert _ids(store, "corridor") == ["2"]
    if not is_postgres(store._conn):  # FTS5's own check of its index
        integrity = (
            "INSERT INTO article_search (article_search, rank) VALUES ('integrity-check', 1)"
        )
        store._conn.execute(integrity)


HOSTILE = ['"', 'corridor"', "*", "corr*", "NEAR(a b)", "-corridor", "a OR b", "^x", "(", ":"]


def test_hostile_queries_are_words_and_never_raise(store_url: str) -> None:
    store = _store(store_url)
    for query in HOSTILE:
        store.search.search(search_words(query), limit=5)
    assert sorted(_ids(store, '"corridor')) == ["1", "2"]
    assert _ids(store, "NEAR") == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_typed_text_searches_without_an_error(query: str) -> None:
    conn = open_database(":memory:")
    try:
        store = Store(conn)
        store.upsert_article(make_article(1, text="corridor NEAR port"), T0)
        store.search.search(search_words(query), limit=5)
    finally:
        conn.close()


def test_migration_015_indexes_the_articles_already_stored(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.create_function("html_delta", 2, pack_html)
    conn.create_function("deflate_text", 1, pack_text)
    for migration in MIGRATIONS[:14]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 14")
    a = make_article(5, text="Nakhchivan exclave")
    conn.execute(
        "INSERT INTO articles (id, feed_url, link, title, author, section, published,"
        " summary, summary_is_text, html_delta, text_deflated, content_hash, first_seen_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, NULL, '', 0, NULL, ?, ?, ?, ?)",
        (
            a.id,
            a.feed_url,
            a.link,
            a.title,
            a.author,
            a.section,
            pack_text(a.text),
            a.content_hash,
            T0.isoformat(),
            T0.isoformat(),
        ),
    )
    conn.commit()
    conn.close()
    store = open_store(path)
    assert _ids(store, "nakhchivan") == ["5"]


def test_past_the_rank_window_the_newest_are_ranked_and_older_follow_by_date(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_storage, "RANK_WINDOW", 2)
    store = open_store(store_url)
    for n in range(1, 6):
        title = "Corridor" if n == 4 else f"Article {n}"
        store.upsert_article(make_article(n, title=title, text="a corridor"), T0)
    pages = [store.search.search(("corridor",), limit=2, offset=o) for o in (0, 2, 4)]
    order = [h.article_id.rsplit("/", 1)[1] for p in pages for h in p.hits]
    # 5 and 4 are the newest two: ranked, 4 first (its title); then 3, 2, 1 by date.
    assert order == ["4", "5", "3", "2", "1"]
    assert pages[0].total == 5 and pages[0].ranked == 2 and not pages[0].ranked_all
