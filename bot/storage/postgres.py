"""The store on PostgreSQL: opening it, its migrations, and a connection that takes the
storage modules' SQL as SQLite's ``sqlite3.Connection`` does.

Imported only when ``[store] url`` names a PostgreSQL database (``bot.storage.store``
imports it inside ``open_store``), so an SQLite bot never loads psycopg.

The storage modules write their SQL once, in the dialect both databases read; what
differs only in spelling is translated here, once per statement (``translate``):
``?`` placeholders, ``INSERT OR IGNORE``, ``BEGIN IMMEDIATE`` and SQLite's pragma for
deferring foreign keys. What differs in substance (full-text search, the article
text's search words) is written twice, side by side, where it lives
(``bot.storage.search``, ``bot.storage.articles``), chosen by ``is_postgres``.

The schema version lives in a table, ``schema_version``; each
``migrations_pg/NNN_name.sql`` moves it from NNN-1 to NNN, numbered as SQLite's are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Dumper, Loader
from psycopg.postgres import types as pg_types

from bot.storage.database import StoreError, load_migrations

MIGRATIONS = load_migrations("migrations_pg")

# Every write transaction takes this one transaction-scoped advisory lock first, so that
# writers take turns as SQLite's BEGIN IMMEDIATE makes them: the storage modules' read
# then write steps (a lease's compare-and-set, the outbox's claim) rely on it.
WRITE_LOCK = 0x63616369  # "caci"

_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_NAMED = re.compile(r":([A-Za-z_]\w*)")
_INDEXED_BY = re.compile(r"\bINDEXED\s+BY\s+\w+", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def translate(sql: str, with_params: bool) -> str:
    """SQLite's spelling of ``sql`` in PostgreSQL's: ``?`` becomes ``%s`` and ``:name``
    ``%(name)s`` (and a literal ``%`` is doubled when parameters are passed), outside
    quotes and comments; ``INSERT OR IGNORE`` becomes ``ON CONFLICT DO NOTHING``; an
    ``INDEXED BY`` goes; the pragma deferring foreign keys becomes ``SET CONSTRAINTS``."""
    stripped = sql.strip()
    if stripped.upper() == "PRAGMA DEFER_FOREIGN_KEYS = ON":
        return "SET CONSTRAINTS ALL DEFERRED"
    # A fresh random mark (bot/storage/chats.py::LOOK_AGAIN).
    sql = sql.replace("hex(randomblob(6))", "upper(substr(md5(random()::text), 1, 12))")
    # PostgreSQL's planner picks its indexes itself.
    sql = _INDEXED_BY.sub("", sql)
    m = _IGNORE.match(sql)
    if m:
        sql = "INSERT INTO" + sql[m.end() :]
        r = _RETURNING.search(sql)
        tail = " ON CONFLICT DO NOTHING "
        sql = (
            sql.rstrip().rstrip(";") + tail
            if r is None
            else sql[: r.start()].rstrip() + tail + sql[r.start() :]
        )
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            j = sql.find(ch, i + 1)
            while j != -1 and j + 1 < n and sql[j + 1] == ch:
                j = sql.find(ch, j + 2)
            j = n - 1 if j == -1 else j
            piece = sql[i : j + 1]
            out.append(piece.replace("%", "%%") if with_params else piece)
            i = j + 1
        elif ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j == -1 else j
            out.append(sql[i:j].replace("%", "%%") if with_params else sql[i:j])
            i = j
        elif ch == "?":
            out.append("%s")
            i += 1
        elif sql.startswith("::", i):  # a cast
            out.append("::")
            i += 2
        elif ch == ":" and with_params and (m := _NAMED.match(sql, i)):
            out.append(f"%({m.group(1)})s")
            i = m.end()
        elif ch == "%" and with_params:
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class Row(tuple[Any, ...]):
    """A row read by position or by column name, as ``sqlite3.Row`` is."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = {c.name: i for i, c in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._names = names
        return row

    return make


class _BoolAsInt(Dumper):
    """SQLite stores True as 1; the schema's flags are integers on PostgreSQL too."""

    oid = pg_types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """sum() of integers is numeric on PostgreSQL: read it back as SQLite gives it,
    an int (or a float when it has a fraction)."""

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else float(value)


def _storable(value: Any) -> Any:
    # PostgreSQL's text cannot hold NUL, which SQLite's can: a NUL from a feed or a file
    # becomes U+FFFD rather than failing the whole poll or edit that carries it.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def _params(parameters: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
    if isinstance(parameters, Mapping):
        return {k: _storable(v) for k, v in parameters.items()}
    return tuple(_storable(v) for v in parameters)


class Cursor:
    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def fetchone(self) -> Any:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """What the storage modules use of ``sqlite3.Connection``, on psycopg."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[Any], url: str) -> None:
        self._conn = conn
        self.url = url

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != pq.TransactionStatus.IDLE

    def _reconnect_if_lost(self) -> None:
        # A server restarted, or a connection cut by the network, fails the statement
        # that finds it (a store fault, "io": the job is tried again later); the next
        # statement opens a new connection, as SQLite's file would simply be there.
        if self._conn.broken:
            self._conn = _psycopg_connection(self.url)

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = (), /) -> Cursor:
        if sql.strip().upper() == "BEGIN IMMEDIATE":
            self._conn.execute("BEGIN")
            return Cursor(self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,)))
        self._reconnect_if_lost()
        params = _params(parameters)
        if not params:
            return Cursor(self._conn.execute(translate(sql, False)))
        return Cursor(self._conn.execute(translate(sql, True), params))

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]], /) -> Cursor:
        self._reconnect_if_lost()
        cur = self._conn.cursor()
        cur.executemany(translate(sql, True), [_params(p) for p in seq])
        return Cursor(cur)

    def close(self) -> None:
        self._conn.close()


def _psycopg_connection(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
    conn.adapters.register_dumper(bool, _BoolAsInt)
    conn.adapters.register_loader("numeric", _NumericAsNumber)
    return conn


def connect(url: str) -> PgConnection:
    try:
        return PgConnection(_psycopg_connection(url), url)
    except psycopg.Error as exc:
        # One line: libpq's hint ("Is the server running…") comes on a line of its own.
        why = " ".join(_safe(str(exc)).split())
        raise StoreError(
            f"{_safe(url)}: cannot connect to PostgreSQL: {why}", passing=True
        ) from exc


def open_postgres(url: str) -> PgConnection:
    """Connect to the PostgreSQL database at ``url`` and migrate it."""
    conn = connect(url)
    try:
        migrate(conn, where=_safe(url))
    except psycopg.Error as exc:
        conn.close()
        raise StoreError(f"{_safe(url)}: cannot use the database: {exc}") from exc
    except StoreError:
        conn.close()
        raise
    return conn


def open_postgres_reader(url: str) -> PgConnection:
    """A connection of its own for a worker thread, read-only (the store's connection
    migrated the database already)."""
    conn = connect(url)
    conn.execute("SET default_transaction_read_only = on")
    return conn


def schema_version(conn: PgConnection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: PgConnection, *, where: str = "database") -> int:
    """Apply every migration newer than the database; return the resulting version.

    Each runs in a transaction of its own with its version row; concurrent starts take
    turns on the write lock, and the second finds the work done.
    """
    latest = MIGRATIONS[-1].version
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if current > latest:
        raise StoreError(
            f"{where}: the database has schema version {current}, but this caci-watch "
            f"only knows versions up to {latest}; it was written by a newer caci-watch. "
            "Upgrade caci-watch, or point [store] url at another database."
        )
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < migration.version:
                conn._conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_version (version) VALUES (?)", (migration.version,)
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = migration.version
    return current


def _safe(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)
