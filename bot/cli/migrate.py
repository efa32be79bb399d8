"""`caci-watch migrate --from FILE --to URL`: an SQLite store copied into PostgreSQL
(the use case is ``bot.app.store_migration``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.common import UserError, progress_bar


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "migrate",
        help="copy an SQLite store (the bot may be running on it) into a PostgreSQL "
        "database, and check the counts; run it again to copy what changed since",
    )
    p.add_argument(
        "--from", dest="source", type=Path, required=True, help="the SQLite store's file"
    )
    p.add_argument(
        "--to", dest="target", required=True, help="the PostgreSQL database: postgresql://…"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.app.store_migration import MigrationRefused, migrate_store
    from bot.messages.migration_report import migration_report

    try:
        with progress_bar("copying") as progress:
            report = migrate_store(args.source, args.target, datetime.now(UTC), progress=progress)
    except MigrationRefused as exc:
        raise UserError(str(exc)) from exc
    print(
        migration_report(
            str(report.source),
            report.target,
            report.version,
            [(t.table, t.source, t.target) for t in report.tables],
            replaced=report.replaced,
            seconds=report.seconds,
        )
    )
    return 0 if report.counts_agree else 1
