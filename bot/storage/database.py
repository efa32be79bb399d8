"""Opening the database and bringing its schema up to date.

This is the only module that calls ``sqlite3.connect``. The schema version lives in
``PRAGMA user_version``; each ``migrations/NNN_name.sql`` file moves it from NNN-1 to NNN.

It also says, in one line, what is wrong when the store cannot be used: a read-only or
full disk, a lock held by another process, a damaged file (``StoreError`` at open,
``store_fault`` and ``describe_store_fault`` for the same faults while the bot runs).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol, TypeGuard

from bot.storage.article_text import pack_text, unpack_text
from bot.storage.html_delta import pack_html

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# How long a write waits for another connection's write lock before failing with
# "database is locked". Every store call runs on the bot's event loop, so this is also
# how long the whole bot can stall on one write; a few seconds rides out every lock the
# bot and the CLI take (a watchlist edit re-matching recent articles is the longest)
# without freezing Telegram for long when something else holds the lock for minutes.
BUSY_TIMEOUT_MS = 5000

# The page cache of the store's own connection, which the bot keeps open for its life.
# SQLite's default (2 MB) would fill as the store grows and stay resident, some 4% of
# the idle bot; the indexes the bot reads each minute (feeds, due digests, the outbox)
# take a few pages, and what falls out of the cache is read back from the OS's.
CACHE_KIB = 512

# Below this much free space, a disk I/O error at open is taken to be a full disk:
# SQLite needs 32 KiB for the -shm file and a few pages for the write-ahead log.
_LOW_SPACE_BYTES = 1024 * 1024

# SQLite's primary result codes (the low byte of ``sqlite3.Error.sqlite_errorcode``).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the storage modules use of a connection: ``sqlite3.Connection``, or
    ``bot.storage.postgres.PgConnection`` taking the same SQL to PostgreSQL."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, seq: Iterable[Any], /) -> Cursor: ...
    def close(self) -> None: ...


def is_postgres_url(where: object) -> TypeGuard[str]:
    """Whether ``where`` (a ``[store]`` location) names a PostgreSQL database."""
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def is_postgres(conn: Connection) -> bool:
    """Whether ``conn`` is PostgreSQL's, for the few statements written per dialect."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


StoreFault = Literal["busy", "full", "readonly", "corrupt", "io"]


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""

    def __init__(self, message: str, *, passing: bool = False) -> None:
        super().__init__(message)
        # True for trouble that clears by itself (a lock held by another process):
        # worth trying again, unlike a bad path, a full disk or a damaged file.
        self.passing = passing


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(name: str = "migrations") -> list[Migration]:
    """The numbered migrations in folder ``name``: SQLite's, or PostgreSQL's
    (``migrations_pg``, the same numbers, see ``bot.storage.postgres``)."""
    folder = resources.files("bot.storage").joinpath(name)
    found: list[Migration] = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda mig: mig.version)
    expected = list(range(1, len(found) + 1))
    if [mig.version for mig in found] != expected:
        raise StoreError(f"migrations are not numbered 1..{len(found)} without gaps")
    return found


MIGRATIONS = load_migrations()
SCHEMA_VERSION = MIGRATIONS[-1].version


def open_database(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` and migrate it.

    ``":memory:"`` gives a private in-memory database, for tests. Anything that stops
    the store from being used raises ``StoreError`` with one line naming the file, what
    is wrong and what to do.
    """
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        _configure(conn, in_memory=True, where=":memory:")
        migrate(conn, where=":memory:")
        return conn
    path = Path(path)
    _ensure_directory(path.parent)
    _check_writable(path)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(_explain(path, exc), passing=passes(exc)) from exc
    try:
        _configure(conn, in_memory=False, where=str(path))
        _refuse_foreign(conn, path)
        migrate(conn, where=str(path))
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(_explain(path, exc), passing=passes(exc)) from exc
    except StoreError:
        conn.close()
        raise
    return conn


def open_reader(path: Path | str) -> sqlite3.Connection:
    """A read-only connection to the store at ``path`` (migrated already, by the
    connection that opened it), for reading many rows in a worker thread.

    It may be handed from one thread to another, used by one at a time; WAL lets it read
    while the store's own connection writes.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        _give_functions(conn)
    except sqlite3.Error as exc:
        raise StoreError(_explain(Path(path), exc), passing=passes(exc)) from exc
    return conn


def database_file(conn: sqlite3.Connection) -> str:
    """The file ``conn`` has open as its main database; "" for one in memory."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2] or "")
    return ""


def passes(exc: BaseException) -> bool:
    """Whether the store trouble ``exc`` reports clears by itself (a lock held by
    another process), so that trying again later is the remedy."""
    return store_fault(exc) == "busy"


def _ensure_directory(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{folder}: cannot create the store directory: {exc.strerror}; create it "
            "(writable by this user), or point [store] path at another place"
        ) from exc


def _check_writable(path: Path) -> None:
    """Refuse a store that cannot be written before SQLite gives its vaguer errors.

    A read-only directory makes SQLite say "unable to open database file", and in WAL
    mode it cannot even read without writing the -shm file beside the database.
    """
    # SQLite follows a symlinked database file and keeps -wal and -shm beside the real
    # one, so that is the directory that must be writable.
    path = path.resolve()
    folder = path.parent
    if path.is_dir():
        raise StoreError(
            f"{path}: is a directory, not a database file: point [store] path at a file "
            f"in it, such as {path / 'bot.sqlite3'}"
        )
    if not os.access(folder, os.W_OK):
        raise StoreError(
            f"{folder}: the store directory is not writable ({_why_not_writable(folder)}); "
            f"caci-watch keeps {path.name} there and writes its -wal and -shm files "
            "beside it: make the directory writable by this user, or point [store] path "
            "at a writable directory"
        )
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        file = folder / name
        if file.exists() and not os.access(file, os.W_OK):
            raise StoreError(
                f"{file}: the database file is not writable ({_why_not_writable(file)}); "
                "make it writable by this user (another user, such as root, may have "
                "created it), or point [store] path at another file"
            )


def _why_not_writable(where: Path) -> str:
    try:
        if os.statvfs(where).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    return "no write permission for this user"


def _give_functions(conn: sqlite3.Connection) -> None:
    # The search index (migration 015) reads and writes an article's text through
    # inflate_text(): its triggers on every write to articles, snippet() on every search.
    conn.create_function("inflate_text", 1, unpack_text, deterministic=True)


def _configure(conn: sqlite3.Connection, *, in_memory: bool, where: str) -> None:
    _give_functions(conn)
    # A writer and the readers (CLI commands while the bot runs) must not block each
    # other; WAL gives that. busy_timeout rides out the short locks that remain.
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not in_memory:
        # (A database in memory lives in its cache: there the limit does not apply.)
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(
                f"{where}: SQLite refused WAL mode (got {mode!r}); the store needs a "
                "local file system that supports shared memory"
            )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """An SQLite file with tables but no schema version is some other program's:
    migrating it would mix our tables into its data."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) != 0:
        return
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name LIMIT 4"
        )
    ]
    if names:
        raise StoreError(
            f"{path}: this is not a caci-watch database (it holds tables such as "
            f"{', '.join(names)} but no caci-watch schema version): point [store] path "
            "at another file"
        )


def store_fault(exc: BaseException) -> StoreFault | None:
    """Which trouble with the store ``exc`` reports, or None when it is not one (a bug).

    For the running bot: a job or a command that fails on one of these has lost
    nothing, as nothing was committed; the same work is tried again later.
    """
    if type(exc).__module__.startswith("psycopg"):
        return _postgres_fault(exc)
    if not isinstance(exc, sqlite3.Error):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc).lower()
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        return "busy"
    if code == _SQLITE_FULL or "disk is full" in text:
        return "full"
    if code in (_SQLITE_READONLY, _SQLITE_PERM) or "readonly" in text:
        return "readonly"
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text:
        return "corrupt"
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN) or "i/o error" in text:
        return "io"
    return None


def _postgres_fault(exc: BaseException) -> StoreFault | None:
    # By SQLSTATE class, read off the exception: psycopg stays unimported here.
    state = str(getattr(exc, "sqlstate", None) or "")
    if state in ("40001", "40P01", "55P03", "57014"):
        return "busy"
    if state == "53100":
        return "full"
    if state in ("25006", "42501"):
        return "readonly"
    if state.startswith("XX"):
        return "corrupt"
    if state.startswith(("08", "53", "57")) or type(exc).__name__ == "OperationalError":
        return "io"
    return None


_FAULT_ADVICE: dict[StoreFault, str] = {
    "busy": "another process holds the database's write lock",
    "full": "the store's disk is full: free some space",
    "readonly": "the store is read-only: make it writable",
    "corrupt": "the database is damaged: restore it from a backup",
    "io": "the disk failed to read or write: check it and the system log",
}


def describe_store_fault(exc: BaseException) -> str:
    """One line for a log or an operator: SQLite's words and what to do about them."""
    fault = store_fault(exc)
    if fault is None:
        return repr(exc)
    if fault == "io" and type(exc).__module__.startswith("psycopg"):
        # The password never shows: psycopg's messages name the host, port and user.
        return f"{exc} (the PostgreSQL server cannot be reached, or failed: check it)"
    return f"{exc} ({_FAULT_ADVICE[fault]})"


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """The one-line reason an open failed, from SQLite's error and the file system."""
    fault = store_fault(exc)
    folder = path.parent
    if fault == "busy":
        return (
            f"{path}: the database is locked by another process ({exc}) for longer than "
            f"{BUSY_TIMEOUT_MS // 1000} s while caci-watch updates its schema; wait for "
            "it (is another caci-watch upgrading it?) and try again"
        )
    if fault == "corrupt":
        what = "this file is not a caci-watch database, or it is damaged"
        if "malformed" in str(exc):
            what = "the database is damaged"
        return (
            f"{path}: {what} ({exc}): restore it from a backup, or move it (with its -wal "
            "and -shm files) aside to start with an empty store"
        )
    try:
        _check_writable(path)
    except StoreError as refused:
        return str(refused)
    free = _free_bytes(folder)
    if fault == "full" or (fault == "io" and free is not None and free < _LOW_SPACE_BYTES):
        left = "" if free is None else f", {_size(free)} free"
        return (
            f"{folder}: the disk holding the store is full ({exc}{left}); free some space "
            "there, or point [store] path at another disk, and try again"
        )
    if fault == "readonly":
        return (
            f"{path}: the database is read-only ({exc}); make it and its directory "
            "writable by this user, or point [store] path at another file"
        )
    return f"{path}: cannot use the database: {exc}"


def _free_bytes(folder: Path) -> int | None:
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def migrate(conn: sqlite3.Connection, *, where: str = "database") -> int:
    """Apply every migration newer than the database; return the resulting version."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{where}: the database has schema version {current}, but this caci-watch "
            f"only knows versions up to {SCHEMA_VERSION}; it was written by a newer "
            "caci-watch. Upgrade caci-watch, or point [store] path at another file."
        )
    # What a migration cannot say in SQL (007 turns each article's HTML into a delta,
    # 010 deflates each article's text).
    conn.create_function("html_delta", 2, pack_html, deterministic=True)
    conn.create_function("deflate_text", 1, pack_text, deterministic=True)
    applied = False
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        # executescript commits any open transaction first, so BEGIN goes inside the
        # script: the schema change and the version bump land together or not at all.
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                f"{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\n"
                "COMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        current = migration.version
        applied = True
    if applied:
        # A migration that rewrote many rows (007 and 010 rewrite every article) leaves a
        # write-ahead log as large as what it wrote, kept at that size on disk until a
        # checkpoint truncates it.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return current
