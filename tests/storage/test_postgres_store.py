"""What is PostgreSQL's own in the store: its migrations numbered as SQLite's, psycopg
loaded only for a url, SQL spelt for it, and a database left by a newer caci-watch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.search import search_words
from bot.storage import StoreError, open_store
from bot.storage.database import (
    MIGRATIONS,
    describe_store_fault,
    load_migrations,
    store_fault,
)
from bot.storage.postgres import translate
from tests.factories import T0, make_article
from tests.postgres_server import PostgresServer


def test_both_databases_have_the_same_numbered_migrations() -> None:
    sqlite = [(m.version, m.name) for m in MIGRATIONS]
    postgres = [(m.version, m.name) for m in load_migrations("migrations_pg")]
    assert sqlite == postgres


def test_an_sqlite_store_never_imports_psycopg(tmp_path: object) -> None:
    code = (
        "import sys; from bot.storage import open_store; "
        f"open_store({str(tmp_path) + '/s.sqlite3'!r}).close(); "
        "print('psycopg' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_sqlite_spellings_become_postgresql_ones_outside_quotes() -> None:
    assert translate("SELECT ? WHERE a LIKE '?%'", True) == "SELECT %s WHERE a LIKE '?%%'"
    assert translate("SELECT x FROM t WHERE a = :lo AND b::text = ''", True) == (
        "SELECT x FROM t WHERE a = %(lo)s AND b::text = ''"
    )
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a", True) == (
        "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING a"
    )
    assert translate("SELECT * FROM s INDEXED BY s_i WHERE a", False) == "SELECT * FROM s  WHERE a"


def test_a_database_from_a_newer_caci_watch_is_refused(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database()
    try:
        store = open_store(url)
        store._conn.execute("INSERT INTO schema_version (version) VALUES (999)")
        store.close()
        with pytest.raises(StoreError, match="schema version 999"):
            open_store(url)
    finally:
        postgres_server.drop_database(url)


def test_an_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql://bot:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in str(raised.value)
    assert raised.value.passing


def test_a_lost_connection_fails_one_call_and_the_next_reconnects(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.new_database()
    try:
        store = open_store(url)
        store.chats.ensure(1, kind="private", title="", timezone="UTC", digest_time="08:00", now=T0)
        other = open_store(url)
        other._conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with pytest.raises(Exception) as lost:
            store.chats.get(1)
        assert store_fault(lost.value) == "io"
        assert "PostgreSQL server cannot be reached" in describe_store_fault(lost.value)
        assert store.chats.get(1) is not None
        store.close()
        other.close()
    finally:
        postgres_server.drop_database(url)


def test_a_nul_in_a_title_is_stored_as_a_replacement_character(store_url: str) -> None:
    store = open_store(store_url)
    store.upsert_article(make_article(1, title="A\x00B"), T0)
    title = store.article(make_article(1).id).title  # type: ignore[union-attr]
    assert title in ("A\x00B", "A\ufffdB")  # SQLite keeps it; PostgreSQL's text cannot


@pytest.fixture(scope="module")
def one_database(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=200)


@settings(max_examples=60, deadline=None)
@given(title=_text, body=_text)
def test_any_unicode_article_round_trips_through_postgresql(
    one_database: str, title: str, body: str
) -> None:
    store = open_store(one_database)
    try:
        store._conn.execute("DELETE FROM articles")
        article = make_article(1, title=title, text=body)
        store.upsert_article(article, T0)
        assert store.article(article.id) == article
    finally:
        store.close()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_typed_text_searches_postgresql_without_an_error(one_database: str, query: str) -> None:
    store = open_store(one_database)
    try:
        store._conn.execute("DELETE FROM articles")
        store.upsert_article(make_article(1, text="corridor NEAR port"), T0)
        store.search.search(search_words(query), limit=5)
    finally:
        store.close()
