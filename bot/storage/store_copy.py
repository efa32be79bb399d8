"""Explicit SQL for copying an SQLite store into a PostgreSQL one (``caci-watch migrate``).

The source is read through one read transaction on a read-only connection: WAL gives it
a snapshot that a running bot's writes do not change, so every table is read as of one
moment. The target is written in one transaction under the store's write lock
(``BEGIN IMMEDIATE``), table by table in foreign-key order with the source's own ids,
each identity sequence moved past them. Either the whole copy lands or none of it. A
second run replaces the first's rows rather than adding to them: every table is emptied
and filled again, but for ``articles``, whose rows are updated in place (those the source
no longer has deleted), so that only a new or changed text has its search words made
again, PostgreSQL's costliest step of the copy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.storage.article_text import unpack_text
from bot.storage.articles import chunks, write_search_words
from bot.storage.database import Connection, StoreError, open_reader

# Every table a store keeps, parents before children. Left out: ``leases`` and
# ``instances``, which describe the processes running on a store, not its data (a copy
# of the SQLite bot's lease would keep PostgreSQL's instances from sending until it ran
# out), and SQLite's search index, which PostgreSQL keeps as ``articles.search_words``.
TABLES = (
    "feeds",
    "articles",
    "matches",
    "alert_articles",
    "votes",
    "possibly_about",
    "about_owed",
    "about_versions",
    "subscribers",
    "subscriptions",
    "routes",
    "personal_watchlists",
    "personal_terms",
    "outbox",
    "digests",
    "watchlist_audit",
    "watchlist_versions",
    "job_runs",
)

# What is not copied, as said above: the processes' tables, SQLite's search index.
# outbox_claims and rate_budget (migration 016, several instances draining the outbox:
# which instance sends to a chat now, the rate they share) are the processes' too, and
# empty on SQLite.
LEFT_OUT = ("leases", "instances", "outbox_claims", "rate_budget")
SEARCH_INDEX = "article_search"

# The columns PostgreSQL numbers itself when a row comes without one.
IDENTITIES = {
    "articles": "ref",
    "matches": "id",
    "outbox": "id",
    "personal_watchlists": "id",
    "watchlist_audit": "id",
}

BATCH = 1000


def open_snapshot(path: Path) -> tuple[sqlite3.Connection, int]:
    """A read-only connection to the SQLite store at ``path`` inside one read
    transaction, and the store's schema version; ``StoreError`` when it is no store."""
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    if not path.is_file():
        raise StoreError(f"{path}: not a file (give the store's .sqlite3 file)")
    conn = open_reader(path)
    try:
        conn.execute("BEGIN")
        # The first read fixes the snapshot every later read of this transaction sees.
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not an SQLite database ({exc})") from exc
    if version == 0 or "articles" not in names:
        conn.close()
        raise StoreError(f"{path}: not a caci-watch store (no caci-watch schema version)")
    return conn, version


def uncopied_tables(conn: sqlite3.Connection) -> list[str]:
    """The source's tables this module does not know how to copy (a table a later
    migration added, until it is put in ``TABLES``)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return [
        n for n in names if n not in TABLES and n not in LEFT_OUT and not n.startswith(SEARCH_INDEX)
    ]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def target_columns(conn: Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


def count(conn: Connection | sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def highest(conn: Connection | sqlite3.Connection, table: str, column: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0])


def article_refs(conn: Connection | sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """Each article's ref: its id and content hash."""
    rows = conn.execute("SELECT ref, id, content_hash FROM articles")
    return {int(r[0]): (r[1], r[2]) for r in rows}


def source_rows(
    conn: sqlite3.Connection, table: str, names: Sequence[str], size: int = BATCH
) -> Iterator[list[tuple[Any, ...]]]:
    """``table``'s rows a batch at a time, by primary key (the order ids were given)."""
    info = conn.execute(f"PRAGMA table_info({table})").fetchall()
    key = ", ".join(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    cur = conn.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY {key}")
    while batch := cur.fetchmany(size):
        yield [tuple(r) for r in batch]


def empty_target(conn: Connection, gone_articles: Sequence[int]) -> None:
    """Every table emptied but ``articles``, which loses only ``gone_articles``."""
    conn.execute(f"TRUNCATE {', '.join(t for t in TABLES if t != 'articles')} RESTART IDENTITY")
    for chunk in chunks(gone_articles):
        conn.execute(f"DELETE FROM articles WHERE ref IN ({','.join('?' * len(chunk))})", chunk)


def insert_rows(
    conn: Connection, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    if table == "articles":  # kept by a second run: updated in place
        sql += " ON CONFLICT (ref) DO UPDATE SET " + ", ".join(
            f"{n} = excluded.{n}" for n in names if n != "ref"
        )
    conn.executemany(sql, rows)


def fill_search_words(
    conn: Connection, rows: Sequence[tuple[Any, ...]], names: Sequence[str]
) -> None:
    """The search words of copied article rows (``names`` their columns)."""
    at = {name: i for i, name in enumerate(names)}
    write_search_words(
        conn,
        [
            (r[at["id"]], r[at["title"]], r[at["author"]], unpack_text(r[at["text_deflated"]]))
            for r in rows
        ],
    )


def advance_identity(conn: Connection, table: str, column: str) -> None:
    """Move ``table``'s identity past the ids copied, so the next row gets a new one."""
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
        f" coalesce(max({column}), 0) + 1, false) FROM {table}"
    )


def copy_table(
    source: sqlite3.Connection,
    target: Connection,
    table: str,
    names: Sequence[str],
    progress: Callable[[int], None] | None = None,
    *,
    had: Mapping[int, tuple[str, str]] | None = None,
) -> None:
    """Copy ``table``; for ``articles``, ``had`` is what the target held before (ref:
    id and content hash), whose texts keep their search words."""
    for rows in source_rows(source, table, names):
        insert_rows(target, table, names, rows)
        if table == "articles":
            ref, digest, known = names.index("ref"), names.index("content_hash"), had or {}
            fresh = [r for r in rows if known.get(r[ref], ("", ""))[1] != r[digest]]
            fill_search_words(target, fresh, names)
        if progress is not None:
            progress(len(rows))
    if table in IDENTITIES:
        advance_identity(target, table, IDENTITIES[table])
