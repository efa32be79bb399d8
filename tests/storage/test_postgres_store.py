"""What is PostgreSQL's own in the store: its migrations numbered as SQLite's, psycopg
loaded only for a url, SQL spelt for it, and a database left by a newer caci-watch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.storage import StoreError, open_store
from bot.storage.database import MIGRATIONS, load_migrations
from bot.storage.postgres import translate
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
