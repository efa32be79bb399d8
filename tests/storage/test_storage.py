from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.models import FeedState
from bot.storage import SCHEMA_VERSION, StoreError, open_database, open_store
from tests.factories import T0, make_article, make_match


def test_new_database_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    conn = open_database(tmp_path / "s.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "articles", "matches"} <= tables


def test_reopening_a_migrated_database_keeps_its_data(store_url: str) -> None:
    path = store_url
    store = open_store(path)
    store.upsert_article(make_article(1), T0)
    store.close()
    assert open_store(path).article_count() == 1


def test_database_from_a_newer_version_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.close()
    with pytest.raises(StoreError, match="newer caci-watch"):
        open_database(path)


def test_store_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store directory should be")
    with pytest.raises(StoreError, match="cannot create the store directory"):
        open_database(blocker / "s.sqlite3")


def test_article_is_new_then_same_then_updated_but_never_new_twice(store_url: str) -> None:
    store = open_store(store_url)
    article = make_article(1, text="first version")
    assert store.upsert_article(article, T0).change == "new"
    assert store.upsert_article(article, T0 + timedelta(minutes=15)).change == "same"
    edited = make_article(1, text="second version, corrected")
    outcome = store.upsert_article(edited, T0 + timedelta(minutes=30))
    assert outcome.change == "updated"
    assert outcome.first_seen_at == T0
    assert store.article_count() == 1
    stored = store.article(article.id)
    assert stored is not None and stored.text == "second version, corrected"


def test_window_query_returns_new_and_updated_articles_with_their_matches(store_url: str) -> None:
    store = open_store(store_url)
    old, fresh = make_article(1), make_article(2)
    store.upsert_article(old, T0 - timedelta(days=3))
    store.upsert_article(fresh, T0)
    store.replace_matches(fresh.id, [make_match("TRIPP"), make_match("Middle Corridor")], T0)
    store.upsert_article(make_article(1, text="edited"), T0 + timedelta(hours=1))

    seen = store.articles_seen_between(T0 - timedelta(hours=1), T0 + timedelta(hours=2))
    by_id = {e.article.id: e for e in seen}
    assert set(by_id) == {old.id, fresh.id}
    assert by_id[old.id].updated is True
    assert by_id[fresh.id].updated is False
    assert by_id[fresh.id].watchlists == ("Middle Corridor", "TRIPP")


def test_replacing_matches_drops_the_old_ones(store_url: str) -> None:
    store = open_store(store_url)
    a = make_article(1)
    store.upsert_article(a, T0)
    store.replace_matches(a.id, [make_match("TRIPP")], T0)
    store.replace_matches(a.id, [make_match("Abraham Accords", term="Abraham Accords")], T0)
    assert store.matched_watchlists(a.id) == {"Abraham Accords"}


def test_feed_state_round_trips(store_url: str) -> None:
    store = open_store(store_url)
    assert store.feed_state("https://f.example/x.feed") == FeedState(url="https://f.example/x.feed")
    state = FeedState(
        url="https://f.example/x.feed",
        effective_url="https://f.example/y.feed",
        etag='"abc"',
        last_modified="Wed, 20 Aug 2025 18:51:00 GMT",
        error_count=2,
        next_poll_at=T0,
        last_attempt_at=T0,
        last_success_at=T0 - timedelta(hours=1),
        last_error_at=T0,
        last_error="HTTP 503",
        newest_item_at=T0 - timedelta(days=2),
        title="Analytical Articles",
        initialised=True,
    )
    store.save_feed_state(state)
    store.save_feed_state(replace(state, error_count=3))
    assert store.feed_state(state.url) == replace(state, error_count=3)


def test_failed_transaction_leaves_nothing_behind(store_url: str) -> None:
    store = open_store(store_url)
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_article(make_article(1), T0)
        raise RuntimeError("crash between insert and commit")
    assert store.article_count() == 0


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)


@settings(max_examples=60, deadline=None)
@given(title=_text, body=_text)
def test_any_unicode_article_round_trips_through_the_store(title: str, body: str) -> None:
    store = open_store(":memory:")
    article = make_article(1, title=title, text=body)
    store.upsert_article(article, T0)
    assert store.article(article.id) == article
