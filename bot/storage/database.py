"""Opening the database and bringing its schema up to date.

This is the only module that calls ``sqlite3.connect``. The schema version lives in
``PRAGMA user_version``; each ``migrations/NNN_name.sql`` file moves it from NNN-1 to NNN.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class StoreError(Exception):
    """The database cannot be used; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    folder = resources.files("bot.storage").joinpath("migrations")
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

    ``":memory:"`` gives a private in-memory database, for tests.
    """
    in_memory = str(path) == ":memory:"
    if not in_memory:
        path = Path(path)
        _ensure_directory(path.parent)
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from exc
    try:
        _configure(conn, in_memory=in_memory)
        migrate(conn, where=str(path))
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"{path}: cannot use the database: {_explain(exc)}") from exc
    except StoreError:
        conn.close()
        raise
    return conn


def _ensure_directory(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{folder}: cannot create the store directory: {exc.strerror}") from exc


def _configure(conn: sqlite3.Connection, *, in_memory: bool) -> None:
    # A writer and the readers (CLI commands while the bot runs) must not block each
    # other; WAL gives that. busy_timeout rides out the short locks that remain.
    conn.execute("PRAGMA busy_timeout = 5000")
    if not in_memory:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"SQLite refused WAL mode (got {mode!r})")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return f"{text} (is the store directory writable by this user?)"
    if "disk is full" in text or "database or disk is full" in text:
        return f"{text} (free some space on the store's disk)"
    return text


def migrate(conn: sqlite3.Connection, *, where: str = "database") -> int:
    """Apply every migration newer than the database; return the resulting version."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"{where}: the database has schema version {current}, but this caci-watch "
            f"only knows versions up to {SCHEMA_VERSION}; it was written by a newer "
            "caci-watch. Upgrade caci-watch, or point [store] path at another file."
        )
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
    return current
