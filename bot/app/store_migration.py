"""`caci-watch migrate`: an SQLite store copied into PostgreSQL, checked by counting.

The SQLite store may be in use by a running bot: it is read as of one moment (one read
transaction, see ``bot.storage.store_copy``). The PostgreSQL database is migrated to
this caci-watch's schema first, and must then be at the source's version.

A second run replaces what the first copied (in one transaction), so it can follow a
copy made while the bot ran: stop the bot, run it again, point the config at
PostgreSQL. Replacing rather than merging keeps what the bot deleted since (a list
unfollowed, a route cleared) from coming back, and what it changed (a message sent)
as it is now. It refuses a target that a copy would harm:
one a bot is running on, or one holding rows the SQLite store never had (another
store's, or written by a bot on PostgreSQL since the copy).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.app.config.settings import StoreConfig
from bot.app.rematch import Progress
from bot.domain.lease import SENDER_LEASE, Holder, instances_view
from bot.storage import Store, store_copy
from bot.storage.database import (
    SCHEMA_VERSION,
    Connection,
    StoreError,
    describe_store_fault,
    is_postgres_url,
    passes,
    store_fault,
)


class MigrationRefused(Exception):
    """The copy was not made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int


@dataclass(frozen=True, slots=True)
class MigrationReport:
    source: Path
    target: str  # the url, its password hidden
    version: int
    tables: tuple[TableCount, ...]
    replaced: bool  # the target held an earlier copy, now replaced
    seconds: float

    @property
    def counts_agree(self) -> bool:
        return all(t.source == t.target for t in self.tables)


def migrate_store(
    source: Path,
    target_url: str,
    now: datetime,
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MigrationReport:
    """Copy the SQLite store at ``source`` into the PostgreSQL database at
    ``target_url`` (``now`` tells which instances run on it). Raises
    ``MigrationRefused``, or ``StoreError`` when either store cannot be opened."""
    shown = StoreConfig(path=Path(), url=target_url).shown
    if not is_postgres_url(target_url):
        raise MigrationRefused(
            f"--to {shown!r} is not a PostgreSQL url: give one such as "
            "postgresql://caci@db.example/caci_watch"
        )
    started = clock()
    lite, version = store_copy.open_snapshot(source)
    try:
        if version != SCHEMA_VERSION:
            raise MigrationRefused(_version_advice(source, version))
        from bot.storage.postgres import open_postgres

        target = open_postgres(target_url)
        try:
            replaced = _copy(lite, target, source, shown, progress, now)
            tables = tuple(
                TableCount(t, store_copy.count(lite, t), store_copy.count(target, t))
                for t in store_copy.TABLES
            )
        finally:
            target.close()
    except Exception as exc:
        # The server lost, the disk failing under the copy: one line naming which store.
        if store_fault(exc) is None:
            raise
        where = shown if type(exc).__module__.startswith("psycopg") else str(source)
        raise StoreError(f"{where}: {describe_store_fault(exc)}", passing=passes(exc)) from exc
    finally:
        lite.close()
    return MigrationReport(source, shown, version, tables, replaced, clock() - started)


def _version_advice(source: Path, version: int) -> str:
    if version > SCHEMA_VERSION:
        return (
            f"{source}: the store has schema version {version}, newer than this caci-watch's "
            f"{SCHEMA_VERSION}: run `caci-watch migrate` from the caci-watch that wrote it"
        )
    return (
        f"{source}: the store has schema version {version}, this caci-watch writes "
        f"{SCHEMA_VERSION}: start this caci-watch on the SQLite store once (its start "
        "migrates the store; `caci-watch status` does too), then run `caci-watch migrate` again"
    )


def _copy(
    lite: sqlite3.Connection,
    target: Connection,
    source: Path,
    shown: str,
    progress: Progress | None,
    now: datetime,
) -> bool:
    unknown = store_copy.uncopied_tables(lite)
    if unknown:  # a migration added a table and this use case was not told
        raise MigrationRefused(
            f"{source}: this caci-watch does not know how to copy the tables "
            f"{', '.join(unknown)}: nothing was copied; report it"
        )
    names = {t: store_copy.columns(lite, t) for t in store_copy.TABLES}
    for table, cols in names.items():
        expected = [*cols, "search_words"] if table == "articles" else cols
        if store_copy.target_columns(target, table) != expected:
            raise MigrationRefused(
                f"{shown}: table {table} has other columns than in {source}, though both are "
                f"at schema version {SCHEMA_VERSION}: was the database changed by hand?"
            )
    total = sum(store_copy.count(lite, t) for t in store_copy.TABLES)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    target.execute("BEGIN IMMEDIATE")
    try:
        replaced = _refuse_harm(lite, target, source, shown, now)
        had = store_copy.article_refs(target)
        ours = store_copy.article_refs(lite)
        store_copy.empty_target(target, [ref for ref in had if ref not in ours])
        for table in store_copy.TABLES:
            store_copy.copy_table(lite, target, table, names[table], step, had=had)
        target.execute("COMMIT")
    except BaseException:
        target.execute("ROLLBACK")
        raise
    return replaced


def _running(target: Connection, now: datetime) -> list[str]:
    """The instances running on ``target`` at ``now``, as ``status`` sees them."""
    leases = Store(target).leases
    view = instances_view(leases.lease(SENDER_LEASE), leases.instances(), now)
    holders = [i.holder for i in view.standbys]
    if view.lease is not None and view.has_active:
        holders.insert(0, view.lease.holder)
    return [_who(Holder.parse(h)) for h in holders]


def _who(h: Holder) -> str:
    return f"pid {h.pid} on {h.host}" if h.pid else h.host


def _refuse_harm(
    lite: sqlite3.Connection, target: Connection, source: Path, shown: str, now: datetime
) -> bool:
    """Refuse a target whose rows a copy would wrongly replace; whether it holds an
    earlier copy of ``source``."""
    running = _running(target, now)
    if running:
        raise MigrationRefused(
            f"{shown}: a caci-watch bot is running on this database ({', '.join(running)}): "
            "a copy would replace what it writes; stop it, or give an empty database"
        )
    for table, column in store_copy.IDENTITIES.items():
        theirs = store_copy.highest(target, table, column)
        ours = store_copy.highest(lite, table, column)
        if theirs > ours:
            raise MigrationRefused(
                f"{shown}: the database holds {table} rows that {source} never had (its "
                f"{column} goes up to {theirs}, the store's to {ours}): it is another "
                "store's, or a bot has used it since the last copy; give an empty database"
            )
    theirs_refs = store_copy.article_refs(target)
    ours_refs = store_copy.article_refs(lite)
    if any(
        ours_refs.get(ref, (article, ""))[0] != article for ref, (article, _) in theirs_refs.items()
    ):
        raise MigrationRefused(
            f"{shown}: the database holds other articles than {source} under the same "
            "numbers: it is another store's; give an empty database"
        )
    return any(store_copy.count(target, t) for t in store_copy.TABLES)
