"""The offline demo: the main job end to end on the bundled feed snapshot.

The snapshot is served over loopback HTTP so that it goes through exactly the fetch,
parse, store and match code that the live feed does. No token, no network, no prompts.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import digests
from bot.app.config import builtin_config
from bot.app.poll import poll_once
from bot.app.service import build_service
from bot.app.site import NotASiteFolder, write_site
from bot.cli.common import UserError, print_poll_reports
from bot.feeds.snapshot_server import SnapshotServer, bundled_snapshot
from bot.messages.about import about_console_lines
from bot.messages.console import render_digest_console

# The snapshot's articles are months old; a first poll alerts only on articles within
# the backfill window, so the demo opens it wide enough to show its alerts.
DEMO_BACKFILL_DAYS = 36500


# `make demo` installs into .venv/ without activating it, so a bare `caci-watch` is not
# on the PATH afterwards: say how to reach the commands.
NEXT_STEPS = (
    "Next: every command runs as .venv/bin/caci-watch COMMAND (or after "
    "`. .venv/bin/activate`, as caci-watch COMMAND);\n"
    "  .venv/bin/caci-watch --help lists them, and .venv/bin/caci-watch run starts the bot."
)


def site_dir(store_path: Path) -> Path:
    """Where the demo writes the archive site: beside its store (git-ignored)."""
    return store_path.parent / "demo-site"


async def run_demo(*, store_path: Path, watchlists_dir: Path) -> int:
    if not watchlists_dir.is_dir():
        raise UserError(f"{watchlists_dir}: no such directory (run the demo from the repository)")
    # The demo starts from an empty store each time so that it always shows the same.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)

    with SnapshotServer(bundled_snapshot()) as server:
        config = builtin_config(
            store_path=store_path, watchlists_dir=watchlists_dir, feed_urls=[server.url]
        )
        config = replace(config, feeds=replace(config.feeds, backfill_days=DEMO_BACKFILL_DAYS))
        with closing(build_service(config)) as service:
            started = datetime.now(UTC)
            names = ", ".join(w.name for w in service.watchlists)
            print(f"caci-watch demo: bundled CACI Analyst snapshot served at {server.url}")
            print(f"watchlists: {names}; store: {store_path}")
            for error in service.watchlist_errors:
                print(f"watchlist error (skipped): {error}")
            print()
            print("== First poll ==")
            reports = await poll_once(service, started, force=True)
            print_poll_reports(reports, print)
            print()
            print("== Second poll (conditional GET) ==")
            again = await poll_once(service, datetime.now(UTC), force=True)
            print_poll_reports(again, print)
            print()
            print("== Daily digest ==")
            now = datetime.now(UTC)
            digest = digests.digest_between(
                service, started - timedelta(seconds=1), now + timedelta(seconds=1)
            )
            about = about_console_lines(digest.about)
            print(
                render_digest_console(digest, now=now, stale_after=service.stale_after, about=about)
            )
            print()
            print(
                "(The snapshot is a fixed copy, so its newest item ages: the health line "
                "calls it stale,\n as it would a live feed that still answers 200 but "
                "has stopped publishing.)"
            )
            print()
            try:
                written = write_site(service, site_dir(store_path), now)
            except NotASiteFolder as exc:
                raise UserError(str(exc)) from exc
            print("== Archive site ==")
            # Whole: a browser knows nothing of the folder the demo ran in.
            index = written.out.resolve() / "index.html"
            print(f"{index} ({written.pages} pages): open it in a browser")
            print()
            print(NEXT_STEPS)
    failed = [r for r in reports if r.status == "error"]
    return 1 if failed else 0
