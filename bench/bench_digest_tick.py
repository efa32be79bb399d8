"""Benchmark: the every-minute digest tick with 1,000 and 10,000 subscribers.

Run: .venv/bin/python bench/bench_digest_tick.py

The tick runs on the bot's event loop, so while it builds and queues digests the bot
answers no command: this measures how long that is. Each subscriber follows TRIPP from
Europe/Berlin at 08:00; 8 matching articles arrived since yesterday's digest. Times the
tick that queues everyone's digest, and an idle tick (nothing due), median of 5 fresh
stores each.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import digests  # noqa: E402
from bot.app.config import builtin_config  # noqa: E402
from bot.app.service import Service, build_service  # noqa: E402
from tests.factories import make_article, make_match  # noqa: E402
from tests.watchlist_copy import copy_watchlists  # noqa: E402

BERLIN_8AM = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
RUNS = 5


def populated(folder: Path, subscribers: int) -> Service:
    config = builtin_config(
        store_path=folder / "s.sqlite3",
        watchlists_dir=copy_watchlists(folder / "watchlists"),
        feed_urls=["https://feed.example/a"],
    )
    service = build_service(config)
    store = service.store
    with store.transaction():
        for chat in range(1, subscribers + 1):
            store.chats.ensure(
                chat,
                kind="private",
                title="",
                timezone="Europe/Berlin",
                digest_time="08:00",
                now=BERLIN_8AM - timedelta(days=2),
            )
            store.chats.subscribe(chat, "TRIPP", BERLIN_8AM)
        for i in range(8):
            article = make_article(i, title=f"TRIPP story {i}")
            store.upsert_article(article, BERLIN_8AM - timedelta(hours=3))
            store.replace_matches(article.id, [make_match("TRIPP")], BERLIN_8AM)
    digests.digest_tick(
        service, BERLIN_8AM - timedelta(days=1)
    )  # yesterday's, so windows are shared
    return service


def main() -> None:
    for subscribers in (1_000, 10_000):
        due, idle = [], []
        for _ in range(RUNS):
            with tempfile.TemporaryDirectory() as folder:
                service = populated(Path(folder), subscribers)
                start = time.perf_counter()
                queued = digests.digest_tick(service, BERLIN_8AM)
                due.append(time.perf_counter() - start)
                start = time.perf_counter()
                digests.digest_tick(service, BERLIN_8AM + timedelta(minutes=1))
                idle.append(time.perf_counter() - start)
                service.close()
        print(
            f"{subscribers:>6} subscribers: tick queueing {queued} digests median "
            f"{statistics.median(due):.2f} s (min {min(due):.2f}); idle tick median "
            f"{statistics.median(idle) * 1000:.0f} ms; {RUNS} runs"
        )


if __name__ == "__main__":
    main()
